"""Shots signal: hard cuts, fades to/from black and a motion-energy curve, from the shared stream.

Cuts come from PySceneDetect's `AdaptiveDetector` (content change relative to its neighbours, so
handheld pans, gestures and flashes do not count as cuts); fades from its `ThresholdDetector`
(mean brightness crossing a black level). Both run on our own downscaled samples, fed one by one
with `FrameTimecode`s built from the sample times, so the file is never decoded a second time.
Motion energy is the mean absolute difference of consecutive small grey frames, so a "dynamic
start" without any cut is also seen.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from scenedetect import FrameTimecode
from scenedetect.detectors import AdaptiveDetector, ThresholdDetector

from vidscore.media.frames import Frame
from vidscore.media.probe import MediaInfo
from vidscore.signals.base import FrameSignal

SHOTS_SIGNAL_VERSION = 2  # bump when the output for the same video and settings changes

# 10 Hz: at 8-15 Hz the detected cuts on the samples and the 12 real clips were the same, except
# that 15 Hz lost a cut in a letterboxed clip; 10 Hz gives cut times to 0.1 s (the samples' labels
# are matched exactly). Below 8 Hz a short shot (0.3-0.5 s in fast ads) spans too few samples for
# the detector's +-2 sample window.
SHOTS_RATE_HZ = 10.0
# The content score is a per-pixel mean, so size barely matters: 160 and 240 px found the same
# cuts on every clip; 160 px keeps this signal at ~0.4 ms per sample (150 ms for a 40 s clip).
# (A StatsManager, to read the detector's own scores, would add Canny edges: 3.7x the cost.)
SHOTS_MAX_SIDE_PX = 160

# AdaptiveDetector: a cut needs a content score >= this ratio of the mean of the 2 samples either
# side. 3.0 (the library default) gave no false cut on the real clips (handheld whip pans, talking
# hands, flashes); 2.5 found 3 more real cuts but added 3 false ones from hand motion.
CUT_ADAPTIVE_RATIO = 3.0
CUT_WINDOW_SAMPLES = 2
# ...and at least this absolute content score (HSV mean change, 0-255; library default).
CUT_MIN_CONTENT = 15.0
# Shortest shot: ads cut every 0.4-0.7 s in places; 0.4 s (4 samples, 2 windows) also stops a
# flash's on and off edges from making two cuts.
CUT_MIN_SHOT_S = 0.4

# A frame whose mean 8-bit intensity is below this is black (ThresholdDetector's default level).
FADE_BLACK_LEVEL = 12.0
# A brightness ramp into or out of black shorter than this is a hard cut to/from black, not a fade
# (2 samples at 10 Hz).
FADE_MIN_S = 0.2
# Mean brightness must change by more than this per sample to count as part of the ramp
# (compression noise on a static shot is ~0.1-0.5 grey levels).
FADE_RAMP_STEP = 1.0

# Motion energy: mean absolute grey difference between consecutive samples, blurred to drop noise,
# divided by this and clipped to 1. Within-shot motion on the real clips: static stock shot 0.2,
# handheld camera median ~7, busy gestures p90 ~20, a whole-picture change (cut) 40-120 levels.
MOTION_FULL_SCALE_GREY = 25.0
MOTION_BLUR_PX = 5  # Gaussian kernel on the 160 px frame: hides sensor/compression noise
# The "dynamic start" summary ignores one-sample spikes (a flash, a text pop-in): it takes the max
# of a running median over this many samples.
MOTION_SMOOTH_SAMPLES = 3

# Flash filter: a "cut" after which the picture comes back within this many samples (0.3 s) to
# what it was before is a flash (camera flash, white frame, glitch), not a cut...
FLASH_MAX_SAMPLES = 3
# ..."comes back" meaning: the grey difference to the pre-cut frame falls below this fraction of
# the jump at the cut. A jump cut (same background, new pose) keeps ~all of its jump, a flash ~0.
FLASH_RETURN_FRAC = 0.3
FLASH_THUMB_SCALE = 4  # the flash check compares thumbnails this many times smaller (40 px)

HOOK_WINDOW_S = 3.0  # max_motion_first_3s
PACING_WINDOW_S = 5.0  # cuts_first_5s
DECIMALS = 3


# ---------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Cut:
    """A hard cut: `t_s` is the first sample of the new shot; `score` is how much the picture
    changes across it (mean absolute grey difference of the small frames, 0-255 levels)."""

    t_s: float
    score: float

    def to_json(self) -> dict:
        return {"t_s": round(self.t_s, DECIMALS), "score": round(self.score, DECIMALS)}

    @classmethod
    def from_json(cls, d: dict) -> Cut:
        return cls(float(d["t_s"]), float(d["score"]))


@dataclass(frozen=True)
class Fade:
    """A fade to black (`kind` "out": from `start_s` bright to `end_s` black) or from black ("in")."""

    start_s: float
    end_s: float
    kind: str  # "in" | "out"

    def to_json(self) -> dict:
        return {"start_s": round(self.start_s, DECIMALS), "end_s": round(self.end_s, DECIMALS), "kind": self.kind}

    @classmethod
    def from_json(cls, d: dict) -> Fade:
        return cls(float(d["start_s"]), float(d["end_s"]), str(d["kind"]))


@dataclass(frozen=True)
class MotionSample:
    """Within-shot motion at `t_s`, 0 (still) to ~1 (the whole picture moves a lot)."""

    t_s: float
    energy: float

    def to_json(self) -> dict:
        return {"t_s": round(self.t_s, DECIMALS), "energy": round(self.energy, DECIMALS)}

    @classmethod
    def from_json(cls, d: dict) -> MotionSample:
        return cls(float(d["t_s"]), float(d["energy"]))


@dataclass(frozen=True)
class ShotsTrack:
    """Cuts, fades and motion of one video, sampled at `sample_rate_hz`, lasting `duration_s`."""

    cuts: tuple[Cut, ...]
    fades: tuple[Fade, ...]
    motion: tuple[MotionSample, ...]
    sample_rate_hz: float
    duration_s: float

    @property
    def boundaries_s(self) -> tuple[float, ...]:
        """Shot boundaries: the cuts plus every return from black after the start."""
        first_t_s = self.motion[0].t_s if self.motion else 0.0
        returns = [f.start_s for f in self.fades if f.kind == "in" and f.start_s > first_t_s]
        return tuple(sorted([c.t_s for c in self.cuts] + returns))

    @property
    def shot_count(self) -> int:
        return len(self.boundaries_s) + 1

    @property
    def mean_shot_s(self) -> float:
        """Mean shot length over the whole duration."""
        return self.duration_s / self.shot_count

    @property
    def cuts_first_5s(self) -> int:
        return sum(1 for c in self.cuts if c.t_s < PACING_WINDOW_S)

    @property
    def first_cut_s(self) -> float | None:
        return self.cuts[0].t_s if self.cuts else None

    @property
    def max_motion_first_3s(self) -> float:
        """Sustained motion in the hook: max of the running median of energy over the first 3 s."""
        return self.max_motion_before(HOOK_WINDOW_S)

    def max_motion_before(self, seconds: float) -> float:
        """Sustained motion: max of the running median of energy over the first `seconds`."""
        values = [m.energy for m in self.motion if m.t_s < seconds]
        if len(values) < MOTION_SMOOTH_SAMPLES:
            return min(values, default=0.0)
        return max(
            statistics.median(values[i : i + MOTION_SMOOTH_SAMPLES])
            for i in range(len(values) - MOTION_SMOOTH_SAMPLES + 1)
        )

    def to_json(self) -> dict:
        return {
            "sample_rate_hz": self.sample_rate_hz,
            "duration_s": round(self.duration_s, DECIMALS),
            "shot_count": self.shot_count,
            "mean_shot_s": round(self.mean_shot_s, DECIMALS),
            "cuts_first_5s": self.cuts_first_5s,
            "first_cut_s": None if self.first_cut_s is None else round(self.first_cut_s, DECIMALS),
            "max_motion_first_3s": round(self.max_motion_first_3s, DECIMALS),
            "cuts": [c.to_json() for c in self.cuts],
            "fades": [f.to_json() for f in self.fades],
            "motion": [m.to_json() for m in self.motion],
        }

    @classmethod
    def from_json(cls, d: dict) -> ShotsTrack:
        """Rebuild from `to_json` output (the derived values are recomputed, not read)."""
        return cls(
            cuts=tuple(Cut.from_json(c) for c in d.get("cuts", ())),
            fades=tuple(Fade.from_json(f) for f in d.get("fades", ())),
            motion=tuple(MotionSample.from_json(m) for m in d.get("motion", ())),
            sample_rate_hz=float(d["sample_rate_hz"]),
            duration_s=float(d["duration_s"]),
        )


# ---------------------------------------------------------------------------------- signal


class ShotsSignal(FrameSignal):
    """Detect cuts, fades and motion on frames sampled at `rate_hz`, shrunk to `max_side_px`."""

    name = "shots"
    version = SHOTS_SIGNAL_VERSION

    def __init__(self, rate_hz: float = SHOTS_RATE_HZ, max_side_px: int = SHOTS_MAX_SIDE_PX) -> None:
        self.rate_hz = rate_hz
        self.max_side_px = max_side_px
        self._cut_detector = AdaptiveDetector(
            adaptive_threshold=CUT_ADAPTIVE_RATIO,
            window_width=CUT_WINDOW_SAMPLES,
            min_content_val=CUT_MIN_CONTENT,
            min_scene_len=CUT_MIN_SHOT_S,
        )
        self._fade_detector = ThresholdDetector(threshold=FADE_BLACK_LEVEL, min_scene_len=0)
        self._cut_timecodes: list[FrameTimecode] = []
        self._times_s: list[float] = []
        self._brightness: list[float] = []
        self._black_edges: list[tuple[int, str]] = []  # (sample index, "out" | "in") from the detector
        self._diff_grey: list[float] = []
        self._last_grey: np.ndarray | None = None
        self._thumbs: list[np.ndarray] = []  # tiny grey frames for the flash check

    def settings(self) -> dict[str, Any]:
        return {
            "rate_hz": self.rate_hz,
            "max_side_px": self.max_side_px,
            "cut_adaptive_ratio": CUT_ADAPTIVE_RATIO,
            "cut_window_samples": CUT_WINDOW_SAMPLES,
            "cut_min_content": CUT_MIN_CONTENT,
            "cut_min_shot_s": CUT_MIN_SHOT_S,
            "fade_black_level": FADE_BLACK_LEVEL,
            "fade_min_s": FADE_MIN_S,
            "motion_full_scale_grey": MOTION_FULL_SCALE_GREY,
        }

    def consume(self, frame: Frame) -> None:
        index = len(self._times_s)
        timecode = FrameTimecode(float(frame.t_s), fps=self.rate_hz)
        self._cut_timecodes += self._cut_detector.process_frame(timecode, frame.image)

        state_before = self._fade_detector.last_fade["type"]
        self._fade_detector.process_frame(timecode, frame.image)
        state_after = self._fade_detector.last_fade["type"]
        if state_before is None and state_after == "out":
            self._black_edges.append((index, "out"))  # starts black
        elif state_before is not None and state_after != state_before:
            self._black_edges.append((index, state_after))

        grey = cv2.GaussianBlur(cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY), (MOTION_BLUR_PX, MOTION_BLUR_PX), 0)
        same_size = self._last_grey is not None and self._last_grey.shape == grey.shape
        self._diff_grey.append(float(cv2.absdiff(grey, self._last_grey).mean()) if same_size else 0.0)
        self._last_grey = grey
        thumb_size = (max(1, grey.shape[1] // FLASH_THUMB_SCALE), max(1, grey.shape[0] // FLASH_THUMB_SCALE))
        self._thumbs.append(cv2.resize(grey, thumb_size, interpolation=cv2.INTER_AREA))
        self._times_s.append(float(frame.t_s))
        self._brightness.append(float(frame.image.mean()))

    def finish(self, media: MediaInfo) -> ShotsTrack:
        fades = self._fades()
        index_of = {round(t, 6): i for i, t in enumerate(self._times_s)}
        cuts, cut_indices, flashes = [], set(), []
        for timecode in self._cut_timecodes:
            i = index_of.get(round(timecode.seconds, 6))
            if i is None or any(f.start_s <= self._times_s[i] <= f.end_s for f in fades):
                continue  # the picture change of a fast fade is the fade, not a cut
            if self._flash_end(i) is not None:
                flashes.append(i)
                continue
            cut_indices.add(i)
            cuts.append(Cut(round(self._times_s[i], DECIMALS), round(self._diff_grey[i], DECIMALS)))
        return ShotsTrack(
            cuts=tuple(cuts),
            fades=fades,
            motion=self._motion(cut_indices, flashes),
            sample_rate_hz=self.rate_hz,
            duration_s=round(media.duration_s, DECIMALS),
        )

    # ------------------------------------------------------------------------------ helpers

    def _flash_end(self, index: int) -> int | None:
        """The sample where the picture is back to the one before `index`, None when it is a cut."""
        if index == 0:
            return None
        before = self._thumbs[index - 1]
        jump = _grey_distance(before, self._thumbs[index])
        for j in range(index + 1, min(index + 1 + FLASH_MAX_SAMPLES, len(self._thumbs))):
            if _grey_distance(before, self._thumbs[j]) < FLASH_RETURN_FRAC * jump:
                return j
        return None

    def _motion(self, cut_indices: set[int], flashes: list[int]) -> tuple[MotionSample, ...]:
        """Energy per sample; at a cut (no previous frame in the shot) the next sample's value,
        during a flash the value before it (a flash is not motion)."""
        energy = [min(1.0, d / MOTION_FULL_SCALE_GREY) for d in self._diff_grey]
        for i in flashes:
            for j in range(i, (self._flash_end(i) or i) + 1):
                energy[j] = energy[i - 1]
        for i in sorted(cut_indices, reverse=True):
            energy[i] = energy[i + 1] if i + 1 < len(energy) and i + 1 not in cut_indices else 0.0
        return tuple(MotionSample(round(t, DECIMALS), round(e, DECIMALS)) for t, e in zip(self._times_s, energy))

    def _fades(self) -> tuple[Fade, ...]:
        """Ramps into and out of black around the detector's black-level crossings."""
        b, times, fades = self._brightness, self._times_s, []
        for index, kind in self._black_edges:
            start, end = index - 1, index  # last sample on one side of the black level, first on the other
            if kind == "out" and index == 0:
                continue  # black from the first frame: nothing faded out
            falling = kind == "out"
            while start > 0 and _ramp(b[start - 1], b[start], falling):
                start -= 1
            while end + 1 < len(b) and _ramp(b[end], b[end + 1], falling):
                end += 1
            fade = Fade(times[start], times[end], kind)
            if fade.end_s - fade.start_s >= FADE_MIN_S - 1e-6:
                fades.append(Fade(round(fade.start_s, DECIMALS), round(fade.end_s, DECIMALS), fade.kind))
        return tuple(fades)


def _ramp(before: float, after: float, falling: bool) -> bool:
    """Whether brightness goes on falling (fade out) or rising (fade in) from `before` to `after`."""
    return (before - after if falling else after - before) > FADE_RAMP_STEP


def _grey_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two grey images (inf when their sizes differ)."""
    return float(cv2.absdiff(a, b).mean()) if a.shape == b.shape else float("inf")
