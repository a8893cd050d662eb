"""Settings of one analysis run: what to extract and how. Thresholds live in the criteria catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from vidscore.signals.speech import SpeechSettings
from vidscore.system import available_cores


@dataclass(frozen=True)
class ProductReference:
    """A product the user sells: its name, other names it goes by, and reference photos of it."""

    name: str
    images: tuple[Path, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CriterionOverride:
    """The user's changes to one catalog criterion: threshold values, weight, or switched off."""

    thresholds: Mapping[str, float] = field(default_factory=dict)
    weight: float | None = None
    enabled: bool = True


@dataclass(frozen=True)
class ScoringConfig:
    """How signals are judged: platform preset, brand names, extra phrases, criterion overrides, weights.

    Changing any of it re-scores from cached signals; nothing here affects extraction.
    """

    platform: str = "tiktok"  # tiktok | reels | shorts (see criteria.catalog.PLATFORMS)
    brand: tuple[str, ...] = ()  # the brand's name and aliases, matched like product names
    phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lexicon kind -> user phrases
    criteria: Mapping[str, CriterionOverride] = field(default_factory=dict)  # criterion id -> override
    model: Path | None = None  # pillar/criterion weights file; None = the packaged default


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
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    cpu_threads: int = 0  # cores one video's analysis may use; 0 = every core this process may use

    def threads(self) -> int:
        """The cores one video's analysis may use: `cpu_threads`, or every core this process may use."""
        if self.cpu_threads:
            return self.cpu_threads
        return available_cores()

    def thread_split(self) -> tuple[int, int]:
        """(ASR threads, OCR threads) for one video: half of `threads()` each (ASR: its own
        `cpu_threads` when set; 0 without speech). The audio half runs beside the visual half, whose
        other signals run beside OCR, so neither pool may take every core: on 2 cores, 1 + 1
        threads instead of 2 + 2 cut the CPU time of a 30 s clip from 15.9 to 10.8 core-seconds
        (idle threads of oversubscribed pools spin), and without speech OCR on 1 thread instead of
        2 cut it from 12.2 to 8.8 core-seconds and the wall time from 6.5 to 5.2 s."""
        half = max(1, self.threads() // 2)
        if self.speech is None:
            return 0, half
        return self.speech.cpu_threads or half, half
