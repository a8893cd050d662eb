"""`analyze`: one video in, one `VideoResult` out, no shared state (what a process pool maps over).

The work has two independent halves run side by side: the visual pass (decode once, feed every
visual signal) in the calling thread, and the audio half (decode audio, transcribe, audio
features) in a worker thread; both release the GIL in their native code, so two cores are used.
Every signal is looked up in the signal cache first and only the missing ones are computed.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from vidscore.cache import SignalCache, file_sha256
from vidscore.config import AnalyzeConfig
from vidscore.errors import MediaError, VidscoreError, one_line
from vidscore.media import load_audio, probe
from vidscore.media.probe import MediaInfo
from vidscore.media.scan import SCAN_VERSION, VisualScan, scan_video
from vidscore.result import Signals, VideoResult
from vidscore.scoring import score_video
from vidscore.signals.base import FrameSignal
from vidscore.signals.speech import SPEECH_SIGNAL_VERSION, Transcript, model_label, speech_stats, transcribe

log = logging.getLogger(__name__)

NO_CACHE = SignalCache(None)


def visual_signals(config: AnalyzeConfig) -> list[FrameSignal]:
    """The visual signals this config asks for, fresh (they hold per-video state)."""
    from vidscore.signals.faces import FaceSignal
    from vidscore.signals.product import ProductSignal
    from vidscore.signals.shots import ShotsSignal
    from vidscore.signals.text import TextSignal

    signals: list[FrameSignal] = [ShotsSignal(), TextSignal(threads=config.thread_split()[1]), FaceSignal()]
    if config.products:
        signals.append(ProductSignal(config.products))
    return signals


def _track_types() -> dict[str, type]:
    from vidscore.signals.faces import FaceTrack
    from vidscore.signals.product import ProductTrack
    from vidscore.signals.shots import ShotsTrack
    from vidscore.signals.text import TextTrack

    return {"shots": ShotsTrack, "text": TextTrack, "faces": FaceTrack, "product": ProductTrack}


def analyze(
    path: str | Path, config: AnalyzeConfig | None = None, *, debug: bool = False, cache: SignalCache = NO_CACHE
) -> VideoResult:
    """Extract the signals of one video.

    Never raises for a bad file: the result carries `ok=False` and a one-line `error` instead, so a
    batch goes on. With `debug`, unexpected exceptions propagate with their traceback.
    """
    config = config or AnalyzeConfig()
    if config.speech is not None:  # ASR and OCR get half of the video's cores each (AnalyzeConfig.thread_split)
        config = dataclasses.replace(config, speech=dataclasses.replace(config.speech, cpu_threads=config.thread_split()[0]))
    started = time.perf_counter()
    file = str(path)
    media = None
    try:
        media = probe(path)
        video_sha256 = file_sha256(path) if cache.enabled else ""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidscore-audio") as pool:
            timings_s: dict[str, float] = {}
            audio_half = pool.submit(_audio_half, path, media, config, cache, video_sha256, timings_s)
            try:
                scan, tracks = _visual_half(path, media, config, cache, video_sha256, timings_s)
            finally:
                transcript, audio_track, warnings = audio_half.result()
        faces = tracks.get("faces")
        if faces is not None and not faces.available:
            from vidscore.signals.faces import detector_problem

            warnings.append(detector_problem() or "face detector unavailable")
        extracted = VideoResult(
            file=file,
            ok=True,
            media=media,
            scan=scan,
            transcript=transcript,
            speech=speech_stats(transcript, media.duration_s) if transcript is not None else None,
            signals=Signals(audio=audio_track, **tracks),
            warnings=tuple(warnings),
            elapsed_s=time.perf_counter() - started,
            timings_s=timings_s,
        )
        scoring_started = time.perf_counter()
        scored = score_video(extracted, config)
        timings_s["scoring"] = time.perf_counter() - scoring_started
        return dataclasses.replace(scored, elapsed_s=time.perf_counter() - started)
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


def _visual_half(
    path, media: MediaInfo, config: AnalyzeConfig, cache: SignalCache, video_sha256: str, timings_s: dict
) -> tuple[VisualScan, dict]:
    """Cached visual tracks, plus one decode pass for the signals not in the cache."""
    types = _track_types()
    tracks: dict = {}
    pending: list[FrameSignal] = []
    signals = visual_signals(config)
    keys = {signal.name: {**signal.settings(), "scan": SCAN_VERSION} for signal in signals}  # how frames were made
    for signal in signals:
        payload = cache.get(video_sha256, signal.name, signal.version, keys[signal.name])
        if payload is None:
            pending.append(signal)
        else:
            tracks[signal.name] = types[signal.name].from_json(payload)
    scan_settings = {"rate_hz": config.frame_rate_hz, "max_side_px": config.max_side_px}
    scan_payload = cache.get(video_sha256, "scan", SCAN_VERSION, scan_settings)
    if pending or scan_payload is None:
        scan = scan_video(path, media, rate_hz=config.frame_rate_hz, max_side_px=config.max_side_px,
                          signals=pending, timings_s=timings_s)
        cache.put(video_sha256, "scan", SCAN_VERSION, scan_settings, scan.to_json())
        for signal in pending:
            finish_started = time.perf_counter()
            track = signal.finish(media)
            timings_s[signal.name] = timings_s.get(signal.name, 0.0) + time.perf_counter() - finish_started
            tracks[signal.name] = track
            cache.put(video_sha256, signal.name, signal.version, keys[signal.name], track.to_json())
    else:
        scan = VisualScan.from_json(scan_payload)
    return scan, tracks


def _audio_half(
    path, media: MediaInfo, config: AnalyzeConfig, cache: SignalCache, video_sha256: str, timings_s: dict
):
    """Transcript (None with --no-speech), audio features and warnings; audio decoded at most once."""
    from vidscore.signals.audio_features import AUDIO_FEATURES_VERSION, AudioTrack, audio_features

    warnings: list[str] = []
    audio_cache: list = []

    def audio():
        if not audio_cache:
            decode_started = time.perf_counter()
            samples = None
            if media.has_audio:
                try:
                    samples = load_audio(path)
                except MediaError as exc:
                    warnings.append(f"audio skipped: {one_line(exc)}")
            audio_cache.append(samples)
            timings_s["audio_decode"] = time.perf_counter() - decode_started
        return audio_cache[0]

    def cached(name: str, version: int, settings: dict, track_type, compute):
        """The cached track, or `compute(audio)` timed and stored (unless the audio was damaged)."""
        payload = cache.get(video_sha256, name, version, settings)
        if payload is not None:
            return track_type.from_json(payload)
        samples = audio()
        started = time.perf_counter()
        track = compute(samples)
        timings_s[name] = time.perf_counter() - started
        if not warnings:  # a track of damaged audio is not worth keeping
            cache.put(video_sha256, name, version, settings, track.to_json())
        return track

    transcript = None
    if config.speech is not None:
        speech_settings = {**dataclasses.asdict(config.speech), "cpu_threads": None, "model": model_label(config.speech)}
        transcript = cached("speech", SPEECH_SIGNAL_VERSION, speech_settings, Transcript,
                            lambda samples: transcribe(samples, config.speech))
    spans = [(w.start_s, w.end_s) for w in transcript.words] if transcript is not None else []
    audio_settings = {"speech_spans": bool(transcript is not None), "transcript": _spans_key(spans)}
    audio_track = cached("audio", AUDIO_FEATURES_VERSION, audio_settings, AudioTrack,
                         lambda samples: audio_features(samples, media.duration_s, spans))
    return transcript, audio_track, warnings


def _spans_key(spans: list[tuple[float, float]]) -> str:
    import hashlib

    return hashlib.sha256(repr([(round(a, 3), round(b, 3)) for a, b in spans]).encode()).hexdigest()[:16]
