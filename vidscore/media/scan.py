"""The single visual pass: decode the video once and hand each sampled frame to the visual signals.

Visual signals (cuts, text, faces, product) are consumers of this one stream so the file is never
decoded twice. The pass also checks that the picture lasts as long as the container says, which is
how a truncated upload is caught.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vidscore.errors import MediaError
from vidscore.media.frames import Frame, sample_decoded, scaled_size, upright_image
from vidscore.media.probe import MediaInfo

if TYPE_CHECKING:
    from vidscore.signals.base import FrameSignal

# A picture that stops this long before the stated duration (and before 90 % of it) is truncated.
TRUNCATION_TOLERANCE_S = 1.0
TRUNCATION_MIN_COVERED_FRAC = 0.9
SCAN_VERSION = 2  # 2: each signal's frames are scaled straight from the decoded picture


@dataclass(frozen=True)
class VisualScan:
    """What the visual pass saw: how many samples, at what rate and size, up to which second."""

    samples: int
    rate_hz: float
    frame_width: int
    frame_height: int
    decoded_until_s: float

    def to_json(self) -> dict:
        return {
            "samples": self.samples,
            "rate_hz": self.rate_hz,
            "frame_width": self.frame_width,
            "frame_height": self.frame_height,
            "decoded_until_s": round(self.decoded_until_s, 3),
        }

    @classmethod
    def from_json(cls, data: dict) -> VisualScan:
        return cls(
            samples=int(data["samples"]),
            rate_hz=float(data["rate_hz"]),
            frame_width=int(data["frame_width"]),
            frame_height=int(data["frame_height"]),
            decoded_until_s=float(data["decoded_until_s"]),
        )


def scan_video(
    path: str | Path,
    media: MediaInfo,
    rate_hz: float,
    max_side_px: int,
    signals: Sequence[FrameSignal] = (),
    timings_s: dict[str, float] | None = None,
) -> VisualScan:
    """Decode `path` once and feed each signal the frames it asked for; check completeness.

    The stream is sampled at the highest rate and size any signal wants (at least `rate_hz`,
    `max_side_px`); each signal then gets the samples on its own time grid, shrunk to its size.
    `timings_s`, when given, receives the seconds spent per signal and in decoding (`decode`).
    """
    import time

    rate_hz = max([rate_hz, *(s.rate_hz for s in signals)])
    max_side_px = max([max_side_px, *(s.max_side_px for s in signals)])
    next_due_s = [0.0] * len(signals)
    spent_s = dict.fromkeys([s.name for s in signals], 0.0)
    count, last_t_s, size = 0, 0.0, (0, 0)
    started = time.perf_counter()
    for t_s, decoded in sample_decoded(path, rate_hz=rate_hz):
        images: dict[int, object] = {}  # one conversion per size, straight from the decoded frame
        for i, signal in enumerate(signals):
            if t_s + 0.5 / rate_hz < next_due_s[i]:
                continue
            period_s = 1.0 / signal.rate_hz
            next_due_s[i] = (int(t_s / period_s + 1e-6) + 1) * period_s
            if signal.max_side_px not in images:
                images[signal.max_side_px] = upright_image(decoded, signal.max_side_px)
            consume_started = time.perf_counter()
            signal.consume(Frame(t_s=t_s, image=images[signal.max_side_px]))
            spent_s[signal.name] += time.perf_counter() - consume_started
        count += 1
        last_t_s = t_s
        size = scaled_size(decoded.width, decoded.height, max_side_px)
        if (getattr(decoded, "rotation", 0) or 0) % 180:
            size = size[::-1]
    if timings_s is not None:
        timings_s["decode"] = time.perf_counter() - started - sum(spent_s.values())
        timings_s.update(spent_s)
    if count == 0:
        raise MediaError("video stream holds no decodable frame")
    covered_until_s = last_t_s + 1.0 / rate_hz
    if (
        media.duration_s - covered_until_s > TRUNCATION_TOLERANCE_S
        and covered_until_s < TRUNCATION_MIN_COVERED_FRAC * media.duration_s
    ):
        raise MediaError(
            f"video data ends at {last_t_s:.1f} s of the {media.duration_s:.1f} s the header states "
            "(file truncated or corrupt)"
        )
    return VisualScan(
        samples=count, rate_hz=rate_hz, frame_width=size[0], frame_height=size[1], decoded_until_s=last_t_s
    )
