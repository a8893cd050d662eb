"""Faces signal: where and how large human faces are, per sampled frame.

The detector is YuNet (libfacedetection) from the `yuface` wheel, whose weights are compiled into
its shared library, so nothing is downloaded. OpenCV's Haar cascades were measured too weak on
real ads (no three-quarter profiles, false hits on logos and hands). When `yuface` is missing,
altered or not installable (no wheels for Python >= 3.12), the track says `available=False` and a
one-line warning is logged; the video is still scored.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from vidscore.media.frames import Frame
from vidscore.media.probe import MediaInfo
from vidscore.signals.base import FrameSignal

log = logging.getLogger(__name__)

FACE_SIGNAL_VERSION = 2  # bump when the output for the same video and settings changes
FACE_RATE_HZ = 2.0  # faces change slowly; 2 samples/s resolves "face in the first 3 s" well
FACE_MAX_SIDE_PX = 640  # YuNet's working size: ~20-30 ms/frame here, and it degrades above 960
# YuNet scores are 0-100; at 0.8 no false positive was left on the real clips, at 0.6 hands were
# taken for faces.
FACE_CONF_MIN = 0.8

YUFACE_REQUIREMENT = "yuface==2023.5.1"
YUFACE_LIBRARY = "libfacedetection.so.v0.0.3"  # the library the extension links (holds the weights)
YUFACE_LIBRARY_SHA256 = "7fc3c140b563f449ce7cb5bd102ece650681e5bfeffc87efe79272be1932c4f4"
YUFACE_MAX_PYTHON = (3, 11)  # the last CPython the yuface wheels are built for
DETECTOR_LABEL = f"yunet:{YUFACE_REQUIREMENT}"
# yuface bundles libgomp, which reads these at load time. Spin-waiting OpenMP threads cost
# 200-330 ms/frame on a busy 2-core box against ~25 ms passive; one thread is as fast as two
# under load and leaves the other core to speech recognition running beside the visual pass.
OMP_LOAD_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}

_detector_lock = threading.Lock()
_detector: tuple[Callable | None, str | None] | None = None  # (detect, problem), loaded once


# ---------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class FaceBox:
    """One detected face: `box_frac` is [x, y, w, h] as fractions of the frame (clipped to it)."""

    box_frac: tuple[float, float, float, float]
    area_frac: float
    score: float  # detector confidence, 0-1

    def to_json(self) -> dict:
        return {"box_frac": [round(v, 3) for v in self.box_frac], "area_frac": round(self.area_frac, 3),
                "score": round(self.score, 3)}

    @classmethod
    def from_json(cls, d: dict) -> FaceBox:
        x, y, w, h = (float(v) for v in d["box_frac"])
        return cls((x, y, w, h), float(d["area_frac"]), float(d["score"]))


@dataclass(frozen=True)
class FaceSample:
    """The faces found in the frame sampled at `t_s` (empty when none)."""

    t_s: float
    faces: tuple[FaceBox, ...]

    def to_json(self) -> dict:
        return {"t_s": round(self.t_s, 3), "faces": [f.to_json() for f in self.faces]}

    @classmethod
    def from_json(cls, d: dict) -> FaceSample:
        return cls(float(d["t_s"]), tuple(FaceBox.from_json(f) for f in d.get("faces", ())))


@dataclass(frozen=True)
class FaceTrack:
    """Faces per sampled frame. `available=False`: no detector ran, so "no face" is unknown."""

    samples: tuple[FaceSample, ...]
    detector: str
    available: bool = True

    @property
    def first_face_s(self) -> float | None:
        """Time of the first sample showing a face, None when none does."""
        return next((s.t_s for s in self.samples if s.faces), None)

    def face_share(self, start_s: float = 0.0, end_s: float = math.inf) -> float:
        """Fraction of the samples in [start_s, end_s) that show at least one face."""
        window = self._window(start_s, end_s)
        return sum(1 for s in window if s.faces) / len(window) if window else 0.0

    @property
    def max_area_frac(self) -> float:
        """Largest face's share of the frame over the whole video (0 when none)."""
        return max((f.area_frac for s in self.samples for f in s.faces), default=0.0)

    def faces_in(self, start_s: float, end_s: float) -> tuple[FaceBox, ...]:
        """Every face detected in the samples taken in [start_s, end_s)."""
        return tuple(f for s in self._window(start_s, end_s) for f in s.faces)

    def _window(self, start_s: float, end_s: float) -> list[FaceSample]:
        return [s for s in self.samples if start_s <= s.t_s < end_s]

    def to_json(self) -> dict:
        return {"available": self.available, "detector": self.detector,
                "samples": [s.to_json() for s in self.samples]}

    @classmethod
    def from_json(cls, d: dict) -> FaceTrack:
        return cls(tuple(FaceSample.from_json(s) for s in d.get("samples", ())), str(d.get("detector", "")),
                   bool(d.get("available", True)))


# ---------------------------------------------------------------------------------- detector


def face_boxes(confs: np.ndarray, boxes_xywh: np.ndarray, width: int, height: int) -> tuple[FaceBox, ...]:
    """Detector output (scores 0-100, pixel [x, y, w, h] that may overrun the frame) as clipped
    `FaceBox`es, largest first; boxes left with no area inside the frame are dropped."""
    faces = []
    for conf, (x, y, w, h) in zip(confs.tolist(), boxes_xywh.tolist()):
        x0, y0 = min(max(x, 0), width), min(max(y, 0), height)
        x1, y1 = min(max(x + w, 0), width), min(max(y + h, 0), height)
        if x1 <= x0 or y1 <= y0:
            continue
        box = (x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height)
        rounded = tuple(round(v, 3) for v in box)
        faces.append(FaceBox(rounded, round(box[2] * box[3], 3), round(conf / 100.0, 3)))
    return tuple(sorted(faces, key=lambda f: -f.area_frac))


def detector_problem() -> str | None:
    """Why faces cannot be detected here (one line), or None when the detector is usable."""
    return _load_detector()[1]


def _load_detector() -> tuple[Callable | None, str | None]:
    """Import yuface once, after checking its library's sha256 and setting libgomp's load-time env."""
    global _detector
    with _detector_lock:
        if _detector is None:
            _detector = _import_yuface()
            if _detector[1]:
                log.warning("face signal skipped: %s", _detector[1])
        return _detector


def _import_yuface() -> tuple[Callable | None, str | None]:
    hint = f"pip install {YUFACE_REQUIREMENT}"
    if sys.version_info[:2] > YUFACE_MAX_PYTHON:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        return None, f"face detection needs Python <= 3.11 (no yuface wheel for {version}); use 3.11 and {hint}"
    spec = importlib.util.find_spec("yuface")
    if spec is None or not spec.submodule_search_locations:
        return None, f"face detector not installed ({hint})"
    library = Path(next(iter(spec.submodule_search_locations))) / YUFACE_LIBRARY
    try:
        digest = hashlib.sha256(library.read_bytes()).hexdigest()
    except OSError:
        return None, f"face detector library {YUFACE_LIBRARY} missing ({hint})"
    if digest != YUFACE_LIBRARY_SHA256:
        return None, f"face detector library {YUFACE_LIBRARY} does not match its sha256 ({hint})"
    saved = {key: os.environ.get(key) for key in OMP_LOAD_ENV}
    for key, value in OMP_LOAD_ENV.items():
        os.environ.setdefault(key, value)
    try:
        import yuface
    except Exception as exc:  # a broken wheel must not stop scoring
        return None, f"face detector cannot load ({type(exc).__name__}: {exc}; {hint})"
    finally:
        for key, value in saved.items():  # libgomp has read them; leave other libraries unaffected
            if value is None:
                os.environ.pop(key, None)
    return yuface.detect, None


# ---------------------------------------------------------------------------------- signal


class FaceSignal(FrameSignal):
    """Detect faces on frames sampled at `rate_hz`, shrunk to `max_side_px`."""

    name = "faces"
    version = FACE_SIGNAL_VERSION

    def __init__(self, rate_hz: float = FACE_RATE_HZ, max_side_px: int = FACE_MAX_SIDE_PX,
                 conf_min: float = FACE_CONF_MIN) -> None:
        self.rate_hz = rate_hz
        self.max_side_px = max_side_px
        self.conf_min = conf_min
        self._samples: list[FaceSample] = []

    def settings(self) -> dict[str, Any]:
        detect, _ = _load_detector()
        return {"rate_hz": self.rate_hz, "max_side_px": self.max_side_px, "conf_min": self.conf_min,
                "detector": DETECTOR_LABEL if detect else None}

    def consume(self, frame: Frame) -> None:
        detect, _ = _load_detector()
        if detect is None:
            return
        # yuface ignores strides: a padded (non-contiguous) array silently yields no faces.
        image = np.ascontiguousarray(frame.image)
        confs, boxes, _landmarks = detect(image, conf=self.conf_min)
        height, width = image.shape[:2]
        self._samples.append(FaceSample(round(frame.t_s, 3), face_boxes(confs, boxes, width, height)))

    def finish(self, media: MediaInfo) -> FaceTrack:
        detect, _ = _load_detector()
        if detect is None:
            return FaceTrack(samples=(), detector="", available=False)
        return FaceTrack(samples=tuple(self._samples), detector=DETECTOR_LABEL)
