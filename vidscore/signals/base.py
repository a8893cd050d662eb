"""The interface every visual signal implements, so one decode pass can feed them all.

A `FrameSignal` says how often and how large it wants frames (`rate_hz`, `max_side_px`), takes
them one by one in time order (`consume`), and returns its track at the end (`finish`). Tracks are
small frozen dataclasses with `to_json()` / `from_json()` so the signal cache can store them.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Protocol

import cv2
import numpy as np

from vidscore.media.frames import Frame
from vidscore.media.probe import MediaInfo


class Track(Protocol):
    """A signal's result: a timestamped track that round-trips through JSON."""

    def to_json(self) -> dict: ...

    @classmethod
    def from_json(cls, data: dict) -> Track: ...


class FrameSignal(abc.ABC):
    """One visual signal fed from the shared frame stream.

    `name` keys the JSON (`signals.<name>`) and the cache; bump `version` whenever the output of
    `finish` changes for the same input, so stale cache entries are recomputed. `settings()` lists
    everything else that changes the output (thresholds, reference photo hashes).
    """

    name: ClassVar[str]
    version: ClassVar[int]
    rate_hz: float = 2.0
    max_side_px: int = 640

    def settings(self) -> dict[str, Any]:
        """Settings that change this signal's output (part of its cache key)."""
        return {}

    @abc.abstractmethod
    def consume(self, frame: Frame) -> None:
        """Take the next sampled frame (upright BGR, at most `max_side_px`, at about `rate_hz`)."""

    @abc.abstractmethod
    def finish(self, media: MediaInfo) -> Track:
        """Return the track once every frame has been consumed."""


def fit_image(image: np.ndarray, max_side_px: int) -> np.ndarray:
    """`image` shrunk (INTER_AREA) so its longer side is at most `max_side_px`; never enlarged."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side_px:
        return image
    scale = max_side_px / longest
    size = (max(1, int(round(width * scale))), max(1, int(round(height * scale))))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
