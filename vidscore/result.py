"""The result of analysing one video, and its JSON form (a versioned, append-only contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vidscore.media.probe import MediaInfo
from vidscore.signals.speech import SpeechStats, Transcript
from vidscore.media.scan import VisualScan

if TYPE_CHECKING:
    from vidscore.criteria.base import CriterionResult
    from vidscore.diagnosis import Diagnosis
    from vidscore.scoring import Scores
    from vidscore.signals.audio_features import AudioTrack
    from vidscore.signals.faces import FaceTrack
    from vidscore.signals.product import ProductTrack
    from vidscore.signals.shots import ShotsTrack
    from vidscore.signals.text import TextTrack

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Signals:
    """The timestamped tracks of one video; a track is None when its signal did not run."""

    shots: ShotsTrack | None = None
    text: TextTrack | None = None
    faces: FaceTrack | None = None
    product: ProductTrack | None = None
    audio: AudioTrack | None = None

    def to_json(self) -> dict:
        names = ("shots", "text", "faces", "product", "audio")
        return {name: (track.to_json() if (track := getattr(self, name)) is not None else None) for name in names}


@dataclass(frozen=True)
class VideoResult:
    """One video in, one result out: either `ok` with its signals, or an `error` line."""

    file: str
    ok: bool
    error: str | None = None
    media: MediaInfo | None = None
    scan: VisualScan | None = None
    transcript: Transcript | None = None
    speech: SpeechStats | None = None
    signals: Signals = field(default_factory=Signals)
    warnings: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    timings_s: dict[str, float] = field(default_factory=dict)  # seconds per stage (computed, not cached)
    scores: Scores | None = None  # pillar and overall scores (None until scored, or for a failed video)
    criteria: tuple[CriterionResult, ...] = ()  # every applied catalog criterion, in catalog order
    diagnosis: tuple[Diagnosis, ...] = ()  # findings, most valuable fix first
    scoring_model: str | None = None  # name of the weights file used

    def criterion(self, criterion_id: str) -> CriterionResult | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    @classmethod
    def failed(cls, file: str, error: str, media: MediaInfo | None = None, elapsed_s: float = 0.0) -> VideoResult:
        return cls(file=file, ok=False, error=error, media=media, elapsed_s=elapsed_s)

    def to_json(self) -> dict:
        """This result as the JSON contract's `results[]` item. Fields are added, never renamed."""
        return {
            "file": self.file,
            "ok": self.ok,
            "error": self.error,
            "media": self.media.to_json() if self.media else None,
            "scan": self.scan.to_json() if self.scan else None,
            "transcript": self.transcript.to_json() if self.transcript else None,
            "speech": self.speech.to_json() if self.speech else None,
            "signals": self.signals.to_json(),
            "warnings": list(self.warnings),
            "elapsed_s": round(self.elapsed_s, 3),
            "timings_s": {stage: round(seconds, 3) for stage, seconds in self.timings_s.items()},
            "scores": self.scores.to_json() if self.scores else None,
            "scoring_model": self.scoring_model,
            "criteria": [c.to_json() for c in self.criteria],
            "diagnosis": [d.to_json() for d in self.diagnosis],
        }
