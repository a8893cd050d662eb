"""The result of analysing one video, and its JSON form (a versioned, append-only contract)."""

from __future__ import annotations

from dataclasses import dataclass

from vidscore.media.probe import MediaInfo
from vidscore.signals.speech import SpeechStats, Transcript
from vidscore.media.scan import VisualScan

SCHEMA_VERSION = 1


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
    warnings: tuple[str, ...] = ()
    elapsed_s: float = 0.0

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
            "warnings": list(self.warnings),
            "elapsed_s": round(self.elapsed_s, 3),
        }
