"""Sequential frame sampler: decode once, front to back, and keep frames at a requested rate.

Seeking per sample was measured 5x slower than decoding through, so this never seeks. Frames
come out upright (the display rotation applied) as BGR uint8 arrays, optionally downscaled.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from vidscore.errors import MediaError, folded
from vidscore.media._open import open_container


@dataclass(frozen=True)
class Frame:
    """One sampled frame: its presentation time from the start of the video and its BGR pixels."""

    t_s: float
    image: np.ndarray  # H x W x 3, uint8, BGR, upright


def scaled_size(width: int, height: int, max_side_px: int | None) -> tuple[int, int]:
    """(width, height) shrunk to fit `max_side_px`, even-sized, never enlarged."""
    if not max_side_px or max(width, height) <= max_side_px:
        return width, height
    scale = max_side_px / max(width, height)
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


def sample_frames(
    path: str | Path, rate_hz: float | None = None, max_side_px: int | None = None
) -> Iterator[Frame]:
    """Yield upright frames of `path` at about `rate_hz` per second (every frame when None).

    Works on a time grid, so variable frame rate input gives evenly spaced samples. Only the kept
    frames are converted to arrays; the others are decoded and dropped.
    """
    with open_container(Path(path)) as container:
        if not container.streams.video:
            raise MediaError("no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        period_s = 1.0 / rate_hz if rate_hz else 0.0
        next_t_s = 0.0
        start_s: float | None = None
        try:
            for index, frame in enumerate(container.decode(stream)):
                t_s = _frame_time_s(frame, index, stream)
                if start_s is None:
                    start_s = t_s
                t_s = max(0.0, t_s - start_s)
                if period_s and t_s + 1e-6 < next_t_s:
                    continue
                if period_s:
                    next_t_s = (int(t_s / period_s + 1e-6) + 1) * period_s
                yield Frame(t_s=t_s, image=_to_upright_bgr(frame, max_side_px))
        except av.error.FFmpegError as exc:
            raise MediaError(f"video data is corrupt ({folded(exc)})") from exc


def _frame_time_s(frame: av.VideoFrame, index: int, stream) -> float:
    if frame.time is not None:
        return float(frame.time)
    rate = stream.average_rate or stream.guessed_rate
    return index / float(rate) if rate else float(index)


def _to_upright_bgr(frame: av.VideoFrame, max_side_px: int | None) -> np.ndarray:
    width, height = scaled_size(frame.width, frame.height, max_side_px)
    image = frame.reformat(width=width, height=height, format="bgr24").to_ndarray()
    quarter_turns = (int(round(getattr(frame, "rotation", 0) or 0)) // 90) % 4
    if quarter_turns:
        image = np.ascontiguousarray(np.rot90(image, quarter_turns))
    return image
