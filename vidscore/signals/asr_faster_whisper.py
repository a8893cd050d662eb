"""faster-whisper (CTranslate2) engine: int8 on CPU, Silero VAD, word timestamps.

Models come from `vidscore.modelstore` as verified local directories; nothing is fetched by name.
"""

from __future__ import annotations

import numpy as np

from vidscore import modelstore
from vidscore.errors import ModelError, folded
from vidscore.signals.speech import (
    AVG_LOGPROB_MIN,
    BEAM_SIZE,
    COMPRESSION_RATIO_MAX,
    CONDITION_ON_PREVIOUS_TEXT,
    HALLUCINATION_SILENCE_S,
    NO_SPEECH_PROB_MAX,
    TEMPERATURES,
    RawSegment,
    RawTranscript,
)

COMPUTE_TYPE = "int8"  # the fast CPU type DESIGN.md §4 measured (RTF 0.05-0.2 on 2 cores)


def resolve(name_or_path: str) -> modelstore.ResolvedModel:
    """A manifest name or a CTranslate2 model dir, assembled and verified."""
    return modelstore.resolve_model(name_or_path)


def load(resolved: modelstore.ResolvedModel, cpu_threads: int):
    """Load the model from its local directory (never by hub name)."""
    from faster_whisper import WhisperModel

    if not resolved.path.is_dir():  # resolve_model guarantees it; never let a name reach the hub
        raise ModelError(f"ASR model directory {resolved.path} not found")
    try:
        return WhisperModel(str(resolved.path), device="cpu", compute_type=COMPUTE_TYPE,
                            cpu_threads=cpu_threads, num_workers=1, local_files_only=True)
    except Exception as exc:  # ctranslate2 reports unsupported or broken files as RuntimeError
        raise ModelError(f"cannot load ASR model {resolved.path}: {folded(exc)}") from exc


def is_multilingual(model) -> bool:
    return bool(model.model.is_multilingual)


def transcribe_raw(model, audio: np.ndarray, language: str | None) -> RawTranscript:
    """Run faster-whisper on 16 kHz mono float32 audio; `language` None = detect."""
    segments, info = model.transcribe(
        audio,
        language=language,
        task="transcribe",
        beam_size=BEAM_SIZE,
        temperature=list(TEMPERATURES),
        compression_ratio_threshold=COMPRESSION_RATIO_MAX,
        log_prob_threshold=AVG_LOGPROB_MIN,
        no_speech_threshold=NO_SPEECH_PROB_MAX,
        condition_on_previous_text=CONDITION_ON_PREVIOUS_TEXT,
        word_timestamps=True,
        vad_filter=True,
        hallucination_silence_threshold=HALLUCINATION_SILENCE_S,
    )
    raw = [
        RawSegment(
            start_s=float(s.start),
            end_s=float(s.end),
            text=s.text,
            words=[(float(w.start), float(w.end), w.word, float(w.probability)) for w in (s.words or ())],
            avg_logprob=float(s.avg_logprob),
            no_speech_prob=float(s.no_speech_prob),
            compression_ratio=float(s.compression_ratio),
        )
        for s in segments  # a generator: decoding happens here
    ]
    return RawTranscript(language=info.language, language_prob=float(info.language_probability), segments=raw)
