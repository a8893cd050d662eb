"""The single visual pass: decode the video once and hand each sampled frame to the visual signals.

Visual signals (cuts, text, faces, product) are consumers of this one stream so the file is never
decoded twice. The pass also checks that the picture lasts as long as the container says, which is
how a truncated upload is caught.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vidscore.errors import MediaError
from vidscore.media.frames import Frame, sample_frames
from vidscore.media.probe import MediaInfo

FrameConsumer = Callable[[Frame], None]

# A picture that stops this long before the stated duration (and before 90 % of it) is truncated.
TRUNCATION_TOLERANCE_S = 1.0
TRUNCATION_MIN_COVERED_FRAC = 0.9


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


def scan_video(
    path: str | Path,
    media: MediaInfo,
    rate_hz: float,
    max_side_px: int,
    consumers: Sequence[FrameConsumer] = (),
) -> VisualScan:
    """Decode `path` once at `rate_hz`, feed every sample to `consumers`, and check completeness."""
    count, last_t_s, size = 0, 0.0, (0, 0)
    for frame in sample_frames(path, rate_hz=rate_hz, max_side_px=max_side_px):
        for consume in consumers:
            consume(frame)
        count += 1
        last_t_s = frame.t_s
        size = (frame.image.shape[1], frame.image.shape[0])
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
