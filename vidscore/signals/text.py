"""On-screen text signal: the text lines read by OCR, where they sit and when they are on screen.

OCR (RapidOCR with the models shipped inside its wheel) is the most expensive visual step, so it
runs only on keyframes: the first frame, a picture change (a cut, or enough drift since the last
OCR'd frame) and at least every `MAX_OCR_INTERVAL_S`. The samples in between are kept as small grey
images so a line's start and end can be placed on the sample where its box region changed most,
without more OCR. Lines read on consecutive keyframes are merged when their normalised text is
nearly the same and their boxes overlap.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vidscore.errors import ModelError, folded
from vidscore.media.frames import Frame
from vidscore.media.probe import MediaInfo
from vidscore.signals.base import FrameSignal

TEXT_SIGNAL_VERSION = 2  # bump when the output for the same video and settings changes

# Sampling. 2 Hz puts a start/end on a 0.5 s grid; 960 px keeps 2 %-of-height captions legible
# for the recogniser (it reads crops from this image), while detection runs smaller (below).
RATE_HZ = 2.0
MAX_SIDE_PX = 960
# Detection input (long side). Measured on the samples and real clips: 640 finds every overlay
# and caption >= 2 % of frame height at ~0.2-0.5 s per frame on 2 cores; 960 adds only small
# product-label print at ~2x the cost.
DET_SIDE_PX = 640

# Keyframes. Thumbnail differences are mean absolute grey-level differences (0-255). Starts and
# ends are placed on the sample where the line's region changed most, so keyframes can be sparse.
THUMB_SIDE_PX = 64  # enough to see cuts and drift, too small to see compression noise
CUT_DIFF = 25.0  # vs the previous sample: a cut or a flash, text usually changes with it
DRIFT_DIFF = 8.0  # vs the last OCR'd frame: the picture moved on (camera move, new caption)
MIN_OCR_INTERVAL_S = 1.0  # cuts and drift re-read at most this often (handheld UGC drifts always)
MAX_OCR_INTERVAL_S = 2.0  # re-read a static picture at least this often (captions pop in)

# Lines kept and merged.
MIN_CONFIDENCE = 0.7  # below this the recogniser mostly returns texture read as letters ('nnnnn')
MIN_LINE_HEIGHT_FRAC = 0.02  # smaller print (labels, ingredient lists) is not a caption; recognising it costs
MAX_LINES_PER_FRAME = 10  # tallest first: captions and titles; caps the cost on busy product shots
MIN_TEXT_CHARS = 2  # single characters are mostly shapes read as letters (a circle as 'O')
MERGE_MIN_RATIO = 0.8  # difflib ratio on the compact form: same line read slightly differently
MERGE_MIN_OVERLAP = 0.3  # box intersection over the smaller box: same place on screen
REATTACH_GAP_S = 1.0  # a line missed on one keyframe and read again this soon stays one line

_PACKAGE_MODELS = {  # the default models shipped inside the rapidocr wheel; anything else downloads
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


# ---------------------------------------------------------------------------------- normalisation

_CONFUSABLE_DIGITS = str.maketrans({"0": "o", "1": "i", "5": "s", "|": "i"})
_CONFUSABLE_LETTERS = str.maketrans({"o": "0", "O": "0"})
_KEEP_SYMBOLS = set("%$€£¥₹")  # offers and prices survive normalisation


def _fold_token(token: str) -> str:
    """Undo OCR letter/digit confusions in one token, judged by the token's own majority."""
    letters = sum(ch.isalpha() for ch in token)
    digits = sum(ch.isdigit() for ch in token)
    if letters > digits and any(ch.isalpha() for ch in token):
        token = token.translate(_CONFUSABLE_DIGITS) if digits or "|" in token else token
        upper = [ch for ch in token if ch.isalpha() and ch != "l"]
        if upper and all(ch.isupper() for ch in upper):  # "LlNK": a lower-case l among capitals is an I
            token = token.replace("l", "I")
    elif digits and letters and all(ch in "oO" for ch in token if ch.isalpha()):
        token = token.translate(_CONFUSABLE_LETTERS)  # "2O%", "1O0" are numbers
    return token


def normalize_ocr_text(text: str) -> str:
    """Lower case, accents stripped, punctuation dropped, OCR confusions folded ("SH0P" -> "shop").

    Letters and digits are folded only by context: 0/1/5 become o/i/s inside mostly-letter words,
    O becomes 0 inside numbers; % and currency signs are kept (offers). Spaces are collapsed.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    cleaned = []
    for ch in text:
        if ch.isalnum() or ch in _KEEP_SYMBOLS or ch == "|":
            cleaned.append(ch)
        elif ch in "'’":
            continue  # "you're" -> "youre", not "you re"
        else:
            cleaned.append(" ")
    tokens = [_fold_token(t) for t in "".join(cleaned).split()]
    tokens = [t.replace("|", "") for t in tokens]
    return " ".join(t for t in " ".join(tokens).casefold().split())


def compact_ocr_text(text: str) -> str:
    """`normalize_ocr_text` without spaces, so "SH OP NOW" and "shop now" compare equal."""
    return normalize_ocr_text(text).replace(" ", "")


# ---------------------------------------------------------------------------------- track


@dataclass(frozen=True)
class TextLine:
    """One line of on-screen text and the span it stays on screen.

    `text`/`confidence`/`box_frac`/`height_frac` come from its most confident reading; `box_frac`
    is [x, y, w, h] as fractions of the frame, `height_frac` the line height over frame height.
    Both are the detector's box, measured 1.2-1.6x the glyph height on the samples' overlays.
    """

    text: str
    norm: str
    compact: str
    confidence: float
    box_frac: tuple[float, float, float, float]
    height_frac: float
    start_s: float
    end_s: float
    readings: int = 1  # keyframes it was read on
    moved_frac: float = 0.0  # farthest its box centre moved from the first reading (frame fractions)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "norm": self.norm,
            "compact": self.compact,
            "confidence": round(self.confidence, 3),
            "box_frac": [round(v, 3) for v in self.box_frac],
            "height_frac": round(self.height_frac, 3),
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "readings": self.readings,
            "moved_frac": round(self.moved_frac, 3),
        }

    @classmethod
    def from_json(cls, d: dict) -> TextLine:
        box = tuple(float(v) for v in d["box_frac"])
        return cls(
            text=str(d["text"]),
            norm=str(d["norm"]),
            compact=str(d["compact"]),
            confidence=float(d["confidence"]),
            box_frac=(box[0], box[1], box[2], box[3]),
            height_frac=float(d["height_frac"]),
            start_s=float(d["start_s"]),
            end_s=float(d["end_s"]),
            readings=int(d.get("readings", 1)),
            moved_frac=float(d.get("moved_frac", 0.0)),
        )


@dataclass(frozen=True)
class TextTrack:
    """Every text line read in the video, in order of appearance, and what the OCR cost."""

    lines: tuple[TextLine, ...]
    ocr_times_s: tuple[float, ...] = ()  # the keyframes OCR ran on
    ocr_seconds: float = 0.0

    @property
    def ocr_frames(self) -> int:
        return len(self.ocr_times_s)

    @property
    def first_text_s(self) -> float | None:
        """When the first line appears, None without text."""
        return min((line.start_s for line in self.lines), default=None)

    @property
    def all_text(self) -> str:
        """Every distinct line's raw text, in order of appearance, one per line."""
        seen: dict[str, str] = {}
        for line in self.lines:
            seen.setdefault(line.norm, line.text)
        return "\n".join(seen.values())

    def text_at(self, t_s: float) -> tuple[TextLine, ...]:
        """The lines on screen at `t_s` (start inclusive, end exclusive), top to bottom."""
        on = [line for line in self.lines if line.start_s <= t_s < line.end_s]
        return tuple(sorted(on, key=lambda line: line.box_frac[1]))

    def lines_between(self, start_s: float, end_s: float) -> tuple[TextLine, ...]:
        """The lines on screen at any moment of [start_s, end_s)."""
        return tuple(line for line in self.lines if line.start_s < end_s and line.end_s > start_s)

    def to_json(self) -> dict:
        return {
            "lines": [line.to_json() for line in self.lines],
            "ocr_frames": self.ocr_frames,
            "ocr_times_s": [round(t, 3) for t in self.ocr_times_s],
            "ocr_seconds": round(self.ocr_seconds, 3),
        }

    @classmethod
    def from_json(cls, d: dict) -> TextTrack:
        return cls(
            lines=tuple(TextLine.from_json(line) for line in d.get("lines", ())),
            ocr_times_s=tuple(float(t) for t in d.get("ocr_times_s", ())),
            ocr_seconds=float(d.get("ocr_seconds", 0.0)),
        )


# ---------------------------------------------------------------------------------- engine

_engine_lock = threading.RLock()
_engines: dict[tuple[int, int], Any] = {}


def package_model_paths() -> dict[str, Path]:
    """The det/rec/cls model files inside the installed rapidocr wheel; ModelError if one is missing."""
    try:
        import rapidocr
    except ImportError as exc:
        raise ModelError("on-screen text needs RapidOCR: pip install rapidocr onnxruntime") from exc
    folder = Path(rapidocr.__file__).resolve().parent / "models"
    paths = {task: folder / name for task, name in _PACKAGE_MODELS.items()}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise ModelError(f"RapidOCR model file(s) {', '.join(missing)} missing from {folder}: "
                         "reinstall rapidocr==3.10.0")
    return paths


def get_engine(det_side_px: int = DET_SIDE_PX, threads: int = 1):
    """The process-wide RapidOCR engine for these settings (built once; it loads ~30 MB of ONNX models).

    Every model is given by path to the wheel's own files, so RapidOCR never resolves (and never
    downloads) a model; its INFO logging is silenced. `threads`: onnxruntime's intra-op threads
    (the visual half's share of the cores: more threads than cores spin idle and slow everything).
    """
    with _engine_lock:
        engine = _engines.get((det_side_px, threads))
        if engine is None:
            paths = package_model_paths()
            from rapidocr import RapidOCR

            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            params = {
                "Global.log_level": "error",
                "Global.use_cls": False,  # overlays are upright; the angle classifier costs time
                "Global.text_score": MIN_CONFIDENCE,
                "Det.limit_type": "max",  # the default ("min", 736) upscales small frames: 3x slower
                "Det.limit_side_len": det_side_px,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                **{f"{task}.model_path": str(path) for task, path in paths.items()},
            }
            try:
                engine = RapidOCR(params=params)
            except Exception as exc:  # RapidOCR raises plain exceptions on bad config or models
                raise ModelError(f"RapidOCR could not load its models ({folded(exc)})") from exc
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            _engines[(det_side_px, threads)] = engine
        return engine


@dataclass(frozen=True)
class _Reading:
    """One line read on one keyframe."""

    text: str
    compact: str
    confidence: float
    box_frac: tuple[float, float, float, float]
    height_frac: float


def read_text(image: np.ndarray, det_side_px: int = DET_SIDE_PX, threads: int = 1) -> list[_Reading]:
    """OCR one BGR image: the confident lines with boxes as frame fractions.

    Detection runs first; only the `MAX_LINES_PER_FRAME` tallest boxes at least
    `MIN_LINE_HEIGHT_FRAC` high are recognised, because recognition cost grows with every box and
    a shelf of labelled products holds dozens of tiny ones.
    """
    from rapidocr.utils.process_img import get_rotate_crop_image

    height, width = image.shape[:2]
    engine = get_engine(det_side_px, threads)
    with _engine_lock:  # RapidOCR keeps per-call flags on the instance
        detected = engine(image, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(detected, "boxes", None)
        if boxes is None or len(boxes) == 0:
            return []
        quads = [np.asarray(q, dtype=np.float32).reshape(4, 2) for q in boxes]
        side_heights = [(np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2 for q in quads]
        order = sorted(range(len(quads)), key=lambda i: -side_heights[i])
        kept = [i for i in order if side_heights[i] >= MIN_LINE_HEIGHT_FRAC * height][:MAX_LINES_PER_FRAME]
        readings = []
        for i in kept:
            quad = quads[i]
            recognised = engine(get_rotate_crop_image(image, quad.copy()), use_det=False, use_cls=False, use_rec=True)
            texts = getattr(recognised, "txts", None)
            if not texts:
                continue
            text, score = " ".join(str(texts[0]).split()), float(recognised.scores[0])
            compact = compact_ocr_text(text)
            if score < MIN_CONFIDENCE or len(compact) < MIN_TEXT_CHARS:
                continue
            x0, y0 = np.clip(quad.min(axis=0), 0, None)
            x1, y1 = np.minimum(quad.max(axis=0), (width, height))
            readings.append(_Reading(
                text=text, compact=compact, confidence=score,
                box_frac=(float(x0 / width), float(y0 / height), float((x1 - x0) / width), float((y1 - y0) / height)),
                height_frac=float(side_heights[i] / height),  # along the quad's sides: tilt-proof
            ))
    return readings


# ---------------------------------------------------------------------------------- signal


@dataclass
class _OpenLine:
    """A line being followed across keyframes."""

    best: _Reading
    first_box: tuple[float, float, float, float]
    start_s: float
    last_seen_s: float
    readings: int = 1
    missed_at_s: float | None = None  # first keyframe it was not read on
    moved_frac: float = 0.0


@dataclass
class _Sample:
    t_s: float
    grey: np.ndarray  # full-size grey, for placing starts and ends between keyframes


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over the smaller of two [x, y, w, h] boxes."""
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    smaller = min(a[2] * a[3], b[2] * b[3])
    return iw * ih / smaller if smaller > 0 else 0.0


def _centre_distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Distance between two [x, y, w, h] box centres, in frame fractions."""
    return float(np.hypot(a[0] + a[2] / 2 - b[0] - b[2] / 2, a[1] + a[3] / 2 - b[1] - b[3] / 2))


def _same_line(a: _Reading, b: _Reading) -> float:
    """Match score (0 = different lines): text similarity when the boxes overlap enough."""
    if _overlap(a.box_frac, b.box_frac) < MERGE_MIN_OVERLAP:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a.compact, b.compact).ratio()
    return ratio if ratio >= MERGE_MIN_RATIO else 0.0


class TextSignal(FrameSignal):
    """OCR on keyframes, merged into `TextLine`s with on-screen spans (see module docstring)."""

    name = "text"
    version = TEXT_SIGNAL_VERSION

    def __init__(self, rate_hz: float = RATE_HZ, max_side_px: int = MAX_SIDE_PX, det_side_px: int = DET_SIDE_PX,
                 threads: int = 1):
        self.rate_hz = rate_hz
        self.threads = threads  # OCR threads: speed only, not part of the settings
        self.max_side_px = max_side_px
        self.det_side_px = det_side_px
        self._open: list[_OpenLine] = []
        self._done: list[TextLine] = []
        self._since_ocr: list[_Sample] = []  # samples since (and including) the last keyframe
        self._last_thumb: np.ndarray | None = None
        self._ocr_thumb: np.ndarray | None = None
        self._last_frame: Frame | None = None
        self._ocr_times_s: list[float] = []
        self._ocr_seconds = 0.0
        self._cut_seen = False  # a cut happened since the last keyframe

    def settings(self) -> dict[str, Any]:
        return {
            "rate_hz": self.rate_hz, "max_side_px": self.max_side_px, "det_side_px": self.det_side_px,
            "cut_diff": CUT_DIFF, "drift_diff": DRIFT_DIFF, "min_ocr_interval_s": MIN_OCR_INTERVAL_S,
            "max_ocr_interval_s": MAX_OCR_INTERVAL_S, "min_confidence": MIN_CONFIDENCE,
            "min_text_chars": MIN_TEXT_CHARS, "min_line_height_frac": MIN_LINE_HEIGHT_FRAC,
            "max_lines_per_frame": MAX_LINES_PER_FRAME, "merge_min_ratio": MERGE_MIN_RATIO,
            "merge_min_overlap": MERGE_MIN_OVERLAP, "reattach_gap_s": REATTACH_GAP_S, "models": sorted(_PACKAGE_MODELS.values()),
        }

    def consume(self, frame: Frame) -> None:
        grey = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        thumb = _thumbnail(grey)
        due = self._is_keyframe(frame.t_s, thumb)
        self._last_thumb = thumb
        self._last_frame = frame
        self._since_ocr.append(_Sample(frame.t_s, grey))
        if due:
            self._ocr(frame, thumb)

    def _is_keyframe(self, t_s: float, thumb: np.ndarray) -> bool:
        if self._ocr_thumb is None or self._last_thumb is None or not self._ocr_times_s:
            return True
        self._cut_seen = self._cut_seen or _mean_abs_diff(thumb, self._last_thumb) >= CUT_DIFF
        since_s = t_s - self._ocr_times_s[-1] + 1e-6
        if since_s >= MAX_OCR_INTERVAL_S:
            return True
        if since_s < MIN_OCR_INTERVAL_S:
            return False
        return self._cut_seen or _mean_abs_diff(thumb, self._ocr_thumb) >= DRIFT_DIFF

    def _ocr(self, frame: Frame, thumb: np.ndarray) -> None:
        started = time.perf_counter()
        readings = read_text(frame.image, self.det_side_px, self.threads)
        self._ocr_seconds += time.perf_counter() - started
        self._ocr_times_s.append(frame.t_s)
        self._ocr_thumb = thumb
        self._cut_seen = False
        self._update(frame.t_s, readings)
        self._since_ocr = self._since_ocr[-1:]

    def _update(self, t_s: float, readings: list[_Reading]) -> None:
        """Match this keyframe's readings to the open lines; open new ones, close the vanished."""
        pairs = sorted(
            ((score, i, j) for i, line in enumerate(self._open) for j, r in enumerate(readings)
             if (score := _same_line(line.best, r)) > 0),
            reverse=True,
        )
        used_lines: set[int] = set()
        used_readings: set[int] = set()
        for _, i, j in pairs:
            if i in used_lines or j in used_readings:
                continue
            used_lines.add(i)
            used_readings.add(j)
            line, reading = self._open[i], readings[j]
            line.last_seen_s, line.missed_at_s = t_s, None
            line.readings += 1
            line.moved_frac = max(line.moved_frac, _centre_distance(line.first_box, reading.box_frac))
            if reading.confidence > line.best.confidence:
                line.best = reading
        still_open = []
        for i, line in enumerate(self._open):
            if i in used_lines:
                still_open.append(line)
                continue
            if line.missed_at_s is None:
                line.missed_at_s = self._place_change(line.best.box_frac, after_s=line.last_seen_s)
            if t_s - line.missed_at_s < REATTACH_GAP_S and t_s > line.last_seen_s:
                still_open.append(line)  # maybe a misread: give it one more keyframe
            else:
                self._close(line)
        for j, reading in enumerate(readings):
            if j not in used_readings:
                start_s = self._place_change(reading.box_frac, after_s=None)
                still_open.append(_OpenLine(best=reading, first_box=reading.box_frac, start_s=start_s, last_seen_s=t_s))
        self._open = still_open

    def _place_change(self, box_frac: tuple[float, ...], after_s: float | None) -> float:
        """The sample since the last keyframe where `box_frac`'s region changed most.

        With no sample in between, that is the current keyframe. `after_s` limits the search to
        samples after a time (for a line that was seen at that time).
        """
        samples = self._since_ocr
        if after_s is not None:
            samples = [s for s in samples if s.t_s >= after_s - 1e-6]
        if len(samples) < 2:
            return samples[-1].t_s if samples else self._ocr_times_s[-1]
        if len(samples) == 2:
            return samples[1].t_s
        height, width = samples[0].grey.shape
        x, y, w, h = box_frac
        x0, y0 = int(x * width), int(y * height)
        x1, y1 = max(x0 + 1, int((x + w) * width)), max(y0 + 1, int((y + h) * height))
        crops = [s.grey[y0:y1, x0:x1] for s in samples]
        diffs = [_mean_abs_diff(a, b) for a, b in zip(crops, crops[1:])]
        return samples[1 + int(np.argmax(diffs))].t_s

    def _close(self, line: _OpenLine, end_s: float | None = None) -> None:
        best = line.best
        end = end_s if end_s is not None else (line.missed_at_s or line.last_seen_s)
        self._done.append(TextLine(
            text=best.text, norm=normalize_ocr_text(best.text), compact=best.compact,
            confidence=round(best.confidence, 3),
            box_frac=tuple(round(v, 3) for v in best.box_frac),  # type: ignore[arg-type]
            height_frac=round(best.height_frac, 3),
            start_s=round(line.start_s, 3), end_s=round(max(end, line.start_s), 3), readings=line.readings,
            moved_frac=round(line.moved_frac, 3),
        ))

    def finish(self, media: MediaInfo) -> TextTrack:
        # Read the last sample too, so a line that vanishes near the end is not extended to it.
        if self._last_frame is not None and self._ocr_times_s and self._last_frame.t_s > self._ocr_times_s[-1]:
            self._ocr(self._last_frame, self._last_thumb)
        end_of_video_s = max(media.duration_s, self._last_frame.t_s if self._last_frame else 0.0)
        for line in self._open:
            if line.missed_at_s is not None:
                self._close(line)
            else:
                self._close(line, end_s=end_of_video_s)
        self._open = []
        lines = tuple(sorted(self._done, key=lambda ln: (ln.start_s, ln.box_frac[1], ln.box_frac[0])))
        return TextTrack(
            lines=lines,
            ocr_times_s=tuple(round(t, 3) for t in self._ocr_times_s),
            ocr_seconds=round(self._ocr_seconds, 3),
        )


def _thumbnail(grey: np.ndarray) -> np.ndarray:
    height, width = grey.shape
    scale = THUMB_SIDE_PX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def _mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape or a.size == 0:
        return float("inf")
    return float(cv2.absdiff(a, b).mean())
