"""`analyze`: one video in, one `VideoResult` out, no shared state (what a process pool maps over)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from vidscore.config import AnalyzeConfig
from vidscore.errors import MediaError, VidscoreError, one_line
from vidscore.media import load_audio, probe
from vidscore.media.scan import scan_video
from vidscore.result import VideoResult
from vidscore.signals.speech import speech_stats, transcribe

log = logging.getLogger(__name__)


def analyze(path: str | Path, config: AnalyzeConfig | None = None, *, debug: bool = False) -> VideoResult:
    """Extract the signals of one video.

    Never raises for a bad file: the result carries `ok=False` and a one-line `error` instead, so a
    batch goes on. With `debug`, unexpected exceptions propagate with their traceback.
    """
    config = config or AnalyzeConfig()
    started = time.perf_counter()
    file = str(path)
    media = None
    try:
        media = probe(path)
        scan = scan_video(path, media, rate_hz=config.frame_rate_hz, max_side_px=config.max_side_px)
        warnings: list[str] = []
        transcript = stats = None
        if config.speech is not None:
            audio = None
            if media.has_audio:
                try:
                    audio = load_audio(path)
                except MediaError as exc:
                    warnings.append(f"audio skipped: {one_line(exc)}")
            transcript = transcribe(audio, config.speech)
            stats = speech_stats(transcript, media.duration_s)
        return VideoResult(
            file=file,
            ok=True,
            media=media,
            scan=scan,
            transcript=transcript,
            speech=stats,
            warnings=tuple(warnings),
            elapsed_s=time.perf_counter() - started,
        )
    except VidscoreError as exc:
        return VideoResult.failed(file, one_line(exc), media, time.perf_counter() - started)
    except MemoryError:
        return VideoResult.failed(file, "out of memory while analysing", media, time.perf_counter() - started)
    except Exception as exc:  # a bug or an unforeseen decoder failure must not stop the batch
        if debug:
            raise
        log.debug("analyze(%s) failed", file, exc_info=True)
        return VideoResult.failed(
            file, f"internal error: {one_line(exc)} (rerun with --debug for the traceback)", media,
            time.perf_counter() - started,
        )
