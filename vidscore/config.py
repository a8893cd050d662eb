"""Settings of one analysis run: what to extract and how. Thresholds live in the criteria catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vidscore.signals.speech import SpeechSettings


@dataclass(frozen=True)
class ProductReference:
    """A product the user sells: its name, other names it goes by, and reference photos of it."""

    name: str
    images: tuple[Path, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalyzeConfig:
    """How `analyze` extracts signals from a video.

    `speech` None skips transcription (`--no-speech`). The visual pass decodes every frame once
    and keeps `frame_rate_hz` samples per second, downscaled to `max_side_px`.
    """

    speech: SpeechSettings | None = field(default_factory=SpeechSettings)
    frame_rate_hz: float = 2.0
    max_side_px: int = 640
    products: tuple[ProductReference, ...] = ()
