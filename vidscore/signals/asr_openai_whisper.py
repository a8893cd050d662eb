"""openai-whisper (PyTorch) engine, optional: CPU, fp16 off, word timestamps, Silero VAD clips.

openai-whisper downloads checkpoints when given a bare name; vidscore never does. A model is a
checkpoint path, or a name resolved here to the user's whisper cache
(`$XDG_CACHE_HOME/whisper/<name>.pt`), and `whisper.load_model` only ever sees that file path.
torch and whisper are imported only when this engine is chosen.
"""

from __future__ import annotations

import os
from pathlib import Path

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
    SAMPLE_RATE,
    TEMPERATURES,
    RawSegment,
    RawTranscript,
)

EXTRA_HINT = "openai-whisper engine needs the extra: pip install torch==2.13.0 'vidscore[openai-whisper]'"
CHECKPOINT_SUFFIX = ".pt"
VAD_PAD_S = 0.4  # context kept around each speech region, as faster-whisper's VAD does


def _whisper():
    """The `whisper` module, or a `ModelError` saying how to install the extra."""
    try:
        import torch  # noqa: F401
        import whisper
    except ImportError as exc:
        raise ModelError(EXTRA_HINT) from exc
    return whisper


def whisper_cache_dir() -> Path:
    """Where openai-whisper keeps downloaded checkpoints (it reads the same variables)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "whisper"


def _official(whisper, name: str) -> tuple[str, str] | None:
    """(file name, sha256) of an official checkpoint name, from openai-whisper's own table."""
    url = getattr(whisper, "_MODELS", {}).get(name)
    if not url:
        return None
    return url.rsplit("/", 1)[-1], url.rsplit("/", 2)[-2]


def resolve(name_or_path: str) -> modelstore.ResolvedModel:
    """A checkpoint file: an existing path, or a name already in the whisper cache."""
    whisper = _whisper()
    value = str(name_or_path)
    path = Path(value).expanduser()
    looks_like_path = value.endswith(CHECKPOINT_SUFFIX) or os.sep in value or value.startswith((".", "~"))
    if path.is_file():
        path = path.resolve()
        multilingual = not path.stem.endswith(".en")
        return modelstore.ResolvedModel(str(path), path, f"{path} (unverified: no known sha256)", multilingual,
                                        verified=False)
    if looks_like_path:
        if path.is_dir():
            raise ModelError(f"openai-whisper needs a .pt checkpoint file, and {path} is a directory "
                             "(a CTranslate2 model dir runs with the faster-whisper engine)")
        raise ModelError(f"openai-whisper checkpoint not found: {path}")
    official = _official(whisper, value)
    file_name = official[0] if official else value + CHECKPOINT_SUFFIX
    cached = whisper_cache_dir() / file_name
    if not cached.is_file():
        raise ModelError(
            f"openai-whisper model '{value}' is not in the whisper cache ({cached}); vidscore never "
            "downloads models: put the checkpoint there or pass its file path as the model"
        )
    multilingual = not value.endswith(".en")
    if official:
        modelstore.verify_file(cached, official[1], f"openai-whisper model '{value}'")
        return modelstore.ResolvedModel(value, cached, value, multilingual)
    return modelstore.ResolvedModel(value, cached, f"{value} ({cached}, unverified: no known sha256)",
                                    multilingual, verified=False)


def load(resolved: modelstore.ResolvedModel, cpu_threads: int):
    """Load the checkpoint file on CPU; official names get their alignment heads back."""
    whisper = _whisper()
    import torch

    if not resolved.path.is_file():  # never hand whisper a bare name: it would download
        raise ModelError(f"openai-whisper checkpoint not found: {resolved.path}")
    torch.set_num_threads(cpu_threads)
    try:
        model = whisper.load_model(str(resolved.path), device="cpu")
    except Exception as exc:  # bad pickle, wrong dims, truncated file
        raise ModelError(f"cannot load openai-whisper checkpoint {resolved.path}: "
                         f"{folded(exc)}") from exc
    heads = getattr(whisper, "_ALIGNMENT_HEADS", {}).get(resolved.name)
    if heads is not None and resolved.verified:
        model.set_alignment_heads(heads)
    return model


def is_multilingual(model) -> bool:
    return bool(model.is_multilingual)


def _vad_clips_s(audio: np.ndarray) -> list[tuple[float, float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(speech_pad_ms=int(VAD_PAD_S * 1000))
    return [(c["start"] / SAMPLE_RATE, c["end"] / SAMPLE_RATE)
            for c in get_speech_timestamps(audio, opts, sampling_rate=SAMPLE_RATE)]


def _detect_language(whisper, model, speech: np.ndarray) -> tuple[str, float]:
    if not model.is_multilingual:
        return "en", 1.0
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(speech), n_mels=model.dims.n_mels)
    _, probs = model.detect_language(mel.to(model.device))
    language = max(probs, key=probs.get)
    return language, float(probs[language])


def transcribe_raw(model, audio: np.ndarray, language: str | None) -> RawTranscript:
    """Transcribe the VAD speech clips of 16 kHz mono audio; `language` None = detect."""
    whisper = _whisper()
    import torch

    clips = _vad_clips_s(audio)
    if not clips:
        return RawTranscript(None, None, [])
    if language is None:
        speech = np.concatenate([audio[int(s * SAMPLE_RATE):int(e * SAMPLE_RATE)] for s, e in clips])
        with torch.inference_mode():
            language, language_prob = _detect_language(whisper, model, speech)
    else:
        language_prob = 1.0
    result = whisper.transcribe(
        model,
        audio,
        verbose=None,
        temperature=TEMPERATURES,
        compression_ratio_threshold=COMPRESSION_RATIO_MAX,
        logprob_threshold=AVG_LOGPROB_MIN,
        no_speech_threshold=NO_SPEECH_PROB_MAX,
        condition_on_previous_text=CONDITION_ON_PREVIOUS_TEXT,
        word_timestamps=True,
        clip_timestamps=[t for clip in clips for t in clip],
        hallucination_silence_threshold=HALLUCINATION_SILENCE_S,
        language=language,
        task="transcribe",
        fp16=False,
        beam_size=BEAM_SIZE,
        best_of=BEAM_SIZE,
    )
    segments = [
        RawSegment(
            start_s=float(s["start"]),
            end_s=float(s["end"]),
            text=s["text"],
            words=[(float(w["start"]), float(w["end"]), w["word"], float(w["probability"]))
                   for w in s.get("words", ())],
            avg_logprob=float(s["avg_logprob"]),
            no_speech_prob=float(s["no_speech_prob"]),
            compression_ratio=float(s["compression_ratio"]),
        )
        for s in result["segments"]
    ]
    return RawTranscript(language=language, language_prob=language_prob, segments=segments)
