"""openai-whisper backend: loads a checkpoint by path (a tiny random-weight model built here),
returns the common Transcript structure, resolves names only from the local whisper cache and
never touches the network."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
import wave
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from vidscore import modelstore
from vidscore.errors import ModelError
from vidscore.signals import asr_openai_whisper as ow
from vidscore.signals import speech
from vidscore.signals.speech import Segment, SpeechSettings, Transcript, Word

HAS_WHISPER = all(importlib.util.find_spec(m) is not None for m in ("whisper", "torch"))
needs_whisper = pytest.mark.skipif(
    not HAS_WHISPER, reason="openai-whisper extra not installed: pip install torch==2.13.0 'vidscore[openai-whisper]'"
)
SR = speech.SAMPLE_RATE
TINY_DIMS = dict(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=2, n_audio_layer=2,
                 n_vocab=51865, n_text_ctx=64, n_text_state=64, n_text_head=2, n_text_layer=2)


@pytest.fixture()
def no_network(monkeypatch):
    """Any attempt to open a URL or a socket fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A tiny multilingual openai-whisper model with random weights, saved as a checkpoint."""
    if not HAS_WHISPER:
        pytest.skip("openai-whisper extra not installed")
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(**TINY_DIMS)
    model = Whisper(dims)
    torch.nn.init.normal_(model.decoder.positional_embedding, std=0.02)  # created with torch.empty
    path = tmp_path_factory.mktemp("whisper-ckpt") / "tiny-random.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def speech_audio(samples_dir, tmp_path_factory) -> np.ndarray:
    """About 4 s with speech in it: from a sample, or spoken by espeak-ng."""
    expected = Path(os.environ.get("VIDSCORE_SAMPLES_DIR") or samples_dir) / "expected.json"
    if expected.is_file():
        from vidscore.media import load_audio

        entries = json.loads(expected.read_text("utf-8"))["samples"]
        name = next((n for n, e in entries.items() if e.get("has_audio") and e.get("speech")), None)
        if name:
            audio = load_audio(expected.parent / name)
            start = max(0, int((entries[name]["speech"][0]["start_s"] - 0.5) * SR))
            return audio[start:start + 4 * SR]
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("no samples and no espeak-ng to make speech")
    wav = tmp_path_factory.mktemp("espeak") / "hello.wav"
    subprocess.run([exe, "-v", "en-us", "-w", str(wav), "Tap the link in bio and shop now."], check=True)
    with wave.open(str(wav)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
        rate = w.getframerate()
    return np.concatenate([np.zeros(SR // 2, np.float32), speech.resample(x, rate, SR)])


@pytest.fixture()
def fast_decoding(monkeypatch):
    """Random weights never pass the quality checks: greedy, no temperature fallbacks."""
    monkeypatch.setattr(ow, "TEMPERATURES", (0.0,))
    monkeypatch.setattr(ow, "BEAM_SIZE", None)


@pytest.fixture()
def whisper_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    folder = tmp_path / "xdg" / "whisper"
    folder.mkdir(parents=True)
    return folder


def _check_structure(segments, duration_s: float) -> None:
    last = 0.0
    for seg in segments:
        assert isinstance(seg, Segment) and isinstance(seg.text, str) and isinstance(seg.words, tuple)
        assert 0.0 <= seg.start_s <= seg.end_s <= duration_s
        for w in seg.words:
            assert isinstance(w, Word) and isinstance(w.word, str) and w.word
            assert 0.0 <= w.start_s <= w.end_s <= duration_s and w.start_s >= last
            assert 0.0 <= w.prob <= 1.0
            last = w.start_s


@needs_whisper
def test_checkpoint_path_gives_common_transcript(checkpoint, speech_audio, fast_decoding, no_network):
    settings = SpeechSettings(engine="openai-whisper", model=str(checkpoint), cpu_threads=1)
    tr = speech.transcribe(speech_audio, settings)
    assert isinstance(tr, Transcript)
    assert tr.model.startswith(f"openai-whisper:{checkpoint}") and "unverified" in tr.model
    assert (tr.language is None) == (tr.segments == ())
    if tr.language is not None:
        assert isinstance(tr.language, str) and 0.0 <= tr.language_prob <= 1.0
    _check_structure(tr.segments, speech_audio.size / SR)
    assert Transcript.from_json(tr.to_json()) == tr


@needs_whisper
def test_engine_output_before_filters(checkpoint, speech_audio, fast_decoding, no_network):
    """The raw engine output maps onto Segment/Word with sane times (filters off: random weights)."""
    import whisper

    settings = SpeechSettings(engine="openai-whisper", model=str(checkpoint), cpu_threads=1)
    model = speech.load_model(settings)
    assert model is speech.load_model(settings)  # once per process
    raw = ow.transcribe_raw(model, speech_audio, None)
    assert raw.language in whisper.tokenizer.LANGUAGES and 0.0 <= raw.language_prob <= 1.0
    assert raw.segments and any(s.words for s in raw.segments)
    for s in raw.segments:
        assert isinstance(s.text, str) and isinstance(s.avg_logprob, float)
        assert all(len(w) == 4 for w in s.words)
    duration_s = speech_audio.size / SR
    segments = speech.clean_segments(raw.segments, speech.speech_regions_s(speech_audio), duration_s,
                                     drop_hallucinations=False)
    assert segments and any(seg.words for seg in segments)
    _check_structure(segments, duration_s)


@needs_whisper
def test_silence_and_none_give_empty_transcripts(checkpoint, no_network):
    settings = SpeechSettings(engine="openai-whisper", model=str(checkpoint), cpu_threads=1)
    for audio in (None, np.zeros(3 * SR, np.float32), np.full(int(0.3 * SR), 0.1, np.float32)):
        tr = speech.transcribe(audio, settings)
        assert tr.segments == () and tr.language is None


@needs_whisper
def test_name_in_the_whisper_cache_is_loaded_by_path(checkpoint, whisper_cache, fast_decoding, no_network,
                                                     monkeypatch):
    import whisper

    shutil.copyfile(checkpoint, whisper_cache / "mytiny.pt")
    seen = []
    real_load = whisper.load_model
    monkeypatch.setattr(whisper, "load_model", lambda name, **kw: seen.append(name) or real_load(name, **kw))
    settings = SpeechSettings(engine="openai-whisper", model="mytiny", cpu_threads=1)
    resolved = speech.validate_settings(settings)
    assert resolved.path == whisper_cache / "mytiny.pt" and "unverified" in resolved.label
    speech.load_model(settings)
    assert seen == [str(whisper_cache / "mytiny.pt")]  # a file path, never a bare name


@needs_whisper
def test_name_not_in_cache_is_an_error_without_download(whisper_cache, no_network, monkeypatch):
    import whisper

    monkeypatch.setattr(whisper, "load_model", lambda *a, **k: pytest.fail("load_model called"))
    monkeypatch.setattr(whisper, "_download", lambda *a, **k: pytest.fail("download attempted"), raising=False)
    for name in ("base", "small.en", "my-finetune"):
        with pytest.raises(ModelError) as err:
            speech.transcribe(None, SpeechSettings(engine="openai-whisper", model=name))
        msg = str(err.value)
        assert str(whisper_cache) in msg and "never downloads" in msg


@needs_whisper
def test_official_name_with_wrong_bytes_is_refused(checkpoint, whisper_cache, no_network, monkeypatch):
    import whisper

    monkeypatch.setattr(modelstore, "_verified", set())
    monkeypatch.setattr(whisper, "load_model", lambda *a, **k: pytest.fail("loaded a bad checkpoint"))
    shutil.copyfile(checkpoint, whisper_cache / "tiny.pt")  # not the official tiny weights
    with pytest.raises(ModelError) as err:
        speech.validate_settings(SpeechSettings(engine="openai-whisper", model="tiny"))
    assert str(whisper_cache / "tiny.pt") in str(err.value) and "not loaded" in str(err.value)


@needs_whisper
@pytest.mark.parametrize("value, fragment", [("/no/such/model.pt", "not found"), ("./missing.pt", "not found")])
def test_missing_checkpoint_path(value, fragment, no_network):
    with pytest.raises(ModelError, match=fragment):
        speech.validate_settings(SpeechSettings(engine="openai-whisper", model=value))


@needs_whisper
def test_english_only_checkpoint_refuses_other_languages(checkpoint, tmp_path, no_network):
    from vidscore.errors import ConfigError

    en = tmp_path / "tiny.en.pt"
    shutil.copyfile(checkpoint, en)
    with pytest.raises(ConfigError, match="English-only"):
        speech.validate_settings(SpeechSettings(engine="openai-whisper", model=str(en), language="it"))


def test_missing_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "whisper", None)  # import whisper -> ImportError
    with pytest.raises(ModelError) as err:
        speech.transcribe(None, SpeechSettings(engine="openai-whisper", model="base"))
    assert str(err.value) == "openai-whisper engine needs the extra: pip install torch==2.13.0 'vidscore[openai-whisper]'"


@needs_whisper
def test_directory_is_not_a_checkpoint(tmp_path, no_network):
    with pytest.raises(ModelError, match="is a directory"):
        speech.validate_settings(SpeechSettings(engine="openai-whisper", model=f"{tmp_path}{os.sep}"))
