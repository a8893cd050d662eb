"""Speech signal: transcripts of the samples (language, key phrases, word onsets), no words on
silence or music, empty transcripts for missing or tiny audio, data types, settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from vidscore import modelstore
from vidscore.errors import ConfigError
from vidscore.signals import speech
from vidscore.signals.speech import Segment, SpeechSettings, Transcript, Word

SR = speech.SAMPLE_RATE
ONSET_TOLERANCE_S = 0.3
CTA_PHRASES = ("link in bio", "shop now")


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory):
    """A private VIDSCORE_CACHE_DIR for this module (the base model is assembled into it once)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(modelstore.CACHE_ENV_VAR, str(tmp_path_factory.mktemp("vidscore-cache")))
        yield


@pytest.fixture(scope="module")
def base(model_cache) -> SpeechSettings:
    settings = SpeechSettings(model="base")
    speech.load_model(settings)  # once per test session
    return settings


@pytest.fixture(scope="module")
def labelled(samples_dir) -> tuple[Path, dict]:
    """(samples folder, expected.json entries); `VIDSCORE_SAMPLES_DIR` points elsewhere."""
    folder = Path(os.environ.get("VIDSCORE_SAMPLES_DIR") or samples_dir)
    path = folder / "expected.json"
    if not path.is_file():
        pytest.skip(f"{path} missing: build the samples with scripts/make_samples.py")
    return folder, json.loads(path.read_text("utf-8"))["samples"]


@pytest.fixture(scope="module")
def sample_audio(labelled) -> dict[str, np.ndarray | None]:
    from vidscore.media import load_audio

    folder, entries = labelled
    return {name: load_audio(folder / name) for name in entries}


@pytest.fixture(scope="module")
def transcripts(base, sample_audio) -> dict[str, Transcript]:
    """Every sample transcribed once with the default model."""
    return {name: speech.transcribe(audio, base) for name, audio in sample_audio.items()}


def _speech_samples(entries: dict) -> list[str]:
    return [n for n, e in entries.items() if e.get("has_audio") and e.get("speech")]


def music_only(seconds: float = 6.0, seed: int = 0) -> np.ndarray:
    """Chords with harmonics, a kick and hi-hat noise on each beat: music with no voice."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    out = np.zeros_like(t)
    chords = ((261.63, 329.63, 392.0), (220.0, 261.63, 329.63), (174.61, 220.0, 261.63), (196.0, 246.94, 293.66))
    bar_s, beat_s = 2.0, 0.5
    for i in range(int(np.ceil(seconds / bar_s))):
        s, e = int(i * bar_s * SR), min(t.size, int((i + 1) * bar_s * SR))
        tt = t[s:e] - t[s]
        for f in chords[i % len(chords)]:
            for harmonic, amp in ((1, 1.0), (2, 0.5), (3, 0.25)):
                out[s:e] += amp * np.sin(2 * np.pi * f * harmonic * tt) * np.exp(-0.8 * tt)
    hit = int(0.12 * SR)
    th = np.arange(hit) / SR
    kick = 0.8 * np.sin(2 * np.pi * (60 + 60 * np.exp(-30 * th)) * th) * np.exp(-25 * th)
    for k in range(int(seconds / beat_s)):
        s = int(k * beat_s * SR)
        if s + hit > out.size:
            break
        out[s:s + hit] += kick
        out[s + hit // 2:s + hit // 2 + 800] += 0.2 * rng.standard_normal(800) * np.exp(-np.arange(800) / 200)
    out += 0.01 * rng.standard_normal(out.size)
    return (0.3 * out / np.abs(out).max()).astype(np.float32)


# ---------------------------------------------------------------------------------- samples


def test_languages_are_detected(labelled, transcripts):
    _, entries = labelled
    assert transcripts["italian.mp4"].language == "it"
    for name in _speech_samples(entries):
        tr = transcripts[name]
        assert tr.language == entries[name]["language"], (name, tr.text)
        assert 0.5 <= tr.language_prob <= 1.0
        assert tr.model == "faster-whisper:base"


def test_cta_phrases_are_heard(labelled, transcripts):
    _, entries = labelled
    checked = 0
    for name in _speech_samples(entries):
        if entries[name]["language"] != "en":
            continue
        text = speech.normalize_text(transcripts[name].text)
        for phrase in CTA_PHRASES:
            if phrase in entries[name].get("key_phrases", ()):
                assert phrase in text, (name, text)
                checked += 1
    assert checked >= 2


def test_each_utterance_starts_where_labelled(labelled, transcripts):
    """The first word after the middle of the gap before an utterance starts within ±0.3 s of it."""
    _, entries = labelled
    for name in _speech_samples(entries):
        words = transcripts[name].words
        prev_end = None
        for utt in entries[name]["speech"]:
            boundary = float("-inf") if prev_end is None else (prev_end + utt["start_s"]) / 2
            first = next((w for w in words if w.start_s >= boundary), None)
            assert first is not None, (name, utt)
            assert abs(first.start_s - utt["start_s"]) <= ONSET_TOLERANCE_S, (name, utt, first)
            prev_end = utt["end_s"]


def test_words_are_ordered_and_inside_the_audio(transcripts, sample_audio):
    for name, tr in transcripts.items():
        duration_s = 0 if sample_audio[name] is None else sample_audio[name].size / SR
        last = 0.0
        for seg in tr.segments:
            assert 0 <= seg.start_s <= seg.end_s <= duration_s
            for w in seg.words:
                assert seg.start_s <= w.start_s <= w.end_s <= seg.end_s
                assert w.start_s >= last and 0.0 <= w.prob <= 1.0 and w.word == w.word.strip() and w.word
                last = w.start_s


def test_no_audio_sample_gives_empty_transcript(labelled, transcripts, sample_audio):
    _, entries = labelled
    silent = [n for n, e in entries.items() if not e.get("has_audio")]
    assert silent, "expected a sample without audio"
    for name in silent:
        assert sample_audio[name] is None
        tr = transcripts[name]
        assert tr.segments == () and tr.language is None and tr.language_prob is None and tr.text == ""
        stats = speech.speech_stats(tr, 10.0)
        assert stats.speech_onset_s is None and stats.words_per_s == 0 and stats.speech_share == 0


def test_no_words_in_leading_digital_silence(labelled, transcripts):
    _, entries = labelled
    if "slow_landscape.mp4" not in entries:
        pytest.skip("slow_landscape.mp4 not among the samples")
    first_speech_s = entries["slow_landscape.mp4"]["speech"][0]["start_s"]
    words = transcripts["slow_landscape.mp4"].words
    assert words and words[0].start_s >= first_speech_s - ONSET_TOLERANCE_S
    stats = speech.speech_stats(transcripts["slow_landscape.mp4"], 14.0)
    assert stats.speech_onset_s == words[0].start_s


def test_speech_stats_of_a_sample(labelled, transcripts, sample_audio):
    _, entries = labelled
    name = _speech_samples(entries)[0]
    tr, duration_s = transcripts[name], sample_audio[name].size / SR
    stats = speech.speech_stats(tr, duration_s)
    assert stats.speech_onset_s == tr.words[0].start_s
    assert stats.words_per_s == pytest.approx(len(tr.words) / duration_s)
    speech_s = sum(u["end_s"] - u["start_s"] for u in entries[name]["speech"])
    assert 0.5 * speech_s / duration_s <= stats.speech_share <= min(1.0, 1.3 * speech_s / duration_s)


def test_english_only_model_on_an_english_sample(model_cache, labelled, sample_audio):
    _, entries = labelled
    name = next(n for n in _speech_samples(entries)
                if entries[n]["language"] == "en" and "link in bio" in entries[n].get("key_phrases", ()))
    tr = speech.transcribe(sample_audio[name], SpeechSettings(model="tiny.en"))
    assert tr.language == "en" and tr.language_prob == 1.0 and tr.model == "faster-whisper:tiny.en"
    assert "link in bio" in speech.normalize_text(tr.text)


# ---------------------------------------------------------------------------------- no speech


def test_silence_gives_no_words(base):
    tr = speech.transcribe(np.zeros(5 * SR, dtype=np.float32), base)
    assert tr.segments == () and tr.language is None


def test_quiet_noise_gives_no_words(base):
    noise = 0.05 * np.random.default_rng(1).standard_normal(5 * SR).astype(np.float32)
    assert speech.transcribe(noise, base).words == ()


def test_music_only_gives_no_words(base):
    tr = speech.transcribe(music_only(), base)
    assert tr.words == () and tr.text == "" and tr.language is None


def test_music_is_not_passed_to_the_model(base, monkeypatch):
    """The VAD gate stops music before Whisper (which may invent words on it)."""
    engine = speech._engine("faster-whisper")
    monkeypatch.setattr(engine, "transcribe_raw", lambda *a: pytest.fail("ASR ran on music"))
    assert speech.transcribe(music_only(4.0, seed=3), base).segments == ()


@pytest.mark.parametrize("audio", [None, np.zeros(0, dtype=np.float32)], ids=["none", "empty"])
def test_missing_or_empty_audio_gives_empty_transcript(base, audio):
    tr = speech.transcribe(audio, base)
    assert tr == Transcript.empty("faster-whisper:base")
    assert tr.to_json() == {"language": None, "language_prob": None, "text": "", "segments": [],
                            "model": "faster-whisper:base"}


def test_very_short_clip_gives_empty_transcript(base, labelled, sample_audio):
    _, entries = labelled
    name = _speech_samples(entries)[0]
    start = int(entries[name]["speech"][0]["start_s"] * SR)
    clip = sample_audio[name][start:start + int(0.3 * SR)]  # 0.3 s of actual speech
    assert np.abs(clip).max() > 0.01
    assert speech.transcribe(clip, base).segments == ()


def test_other_sample_rates_and_int16_are_accepted(base, labelled, sample_audio):
    _, entries = labelled
    name = _speech_samples(entries)[0]
    audio = sample_audio[name]
    ref = speech.transcribe(audio, base)
    at_8k = speech.resample(audio, SR, 8000)
    assert at_8k.size == pytest.approx(audio.size / 2, abs=1)
    as_int16 = (np.clip(at_8k, -1, 1) * 32767).astype(np.int16)
    tr = speech.transcribe(as_int16, base, sample_rate=8000)
    assert tr.language == ref.language and len(tr.words) >= 0.7 * len(ref.words)


def test_resample_keeps_frequency():
    t = np.arange(44100) / 44100
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    out = speech.resample(tone, 44100, SR)
    assert out.size == SR
    assert np.argmax(np.abs(np.fft.rfft(out))) == 1000  # 1 Hz bins over 1 s
    assert np.abs(out).max() == pytest.approx(1.0, abs=0.05)


# ---------------------------------------------------------------------------------- data types


def _transcript() -> Transcript:
    words_a = (Word(0.5, 0.9, "Stop", 0.91), Word(0.9, 1.6, "scrolling!", 0.8))
    words_b = (Word(3.0, 3.4, "Link", 0.7), Word(3.3, 3.5, "in", 0.99), Word(3.5, 3.9, "bio.", 0.6))
    return Transcript("en", 0.876, (Segment(0.5, 1.6, "Stop scrolling!", words_a),
                                    Segment(3.0, 3.9, "Link in bio.", words_b)), "faster-whisper:base")


def test_transcript_json_round_trip():
    tr = _transcript()
    d = tr.to_json()
    assert d["text"] == "Stop scrolling! Link in bio." == tr.text
    assert d["segments"][1]["words"][0] == {"start_s": 3.0, "end_s": 3.4, "word": "Link", "prob": 0.7}
    assert set(d) == {"language", "language_prob", "text", "segments", "model"}
    assert Transcript.from_json(json.loads(json.dumps(d))) == tr
    assert len(tr.words) == 5


def test_json_rounds_times_and_probs():
    w = Word(1.23456, 2.00049, "x", 0.98765)
    assert w.to_json() == {"start_s": 1.235, "end_s": 2.0, "word": "x", "prob": 0.988}


def test_speech_stats_math():
    stats = speech.speech_stats(_transcript(), 10.0)
    assert stats.speech_onset_s == 0.5
    assert stats.words_per_s == pytest.approx(0.5)
    assert stats.speech_share == pytest.approx((1.1 + 0.9) / 10.0)  # overlapping words counted once
    assert stats.to_json() == {"speech_onset_s": 0.5, "words_per_s": 0.5, "speech_share": 0.2}
    assert speech.speech_stats(_transcript(), 2.0).speech_share == pytest.approx(1.1 / 2.0)  # clipped
    assert speech.speech_stats(_transcript(), 0.0) == speech.SpeechStats(0.5, 0.0, 0.0)
    empty = speech.speech_stats(Transcript.empty("m"), 5.0)
    assert empty == speech.SpeechStats(None, 0.0, 0.0)


def test_normalize_text():
    assert speech.normalize_text("Tap the LINK-in-bio, and… Shop now!") == "tap the link in bio and shop now"
    assert speech.normalize_text("Acquista ORA: l’offerta è qui") == "acquista ora l'offerta è qui"


def test_clean_segments_drops_hallucinations_and_snaps_onsets():
    regions = [(1.0, 3.0)]
    raw = [
        speech.RawSegment(0.6, 2.0, " Hello there.", [(0.6, 1.3, " Hello", 0.9), (1.3, 2.0, " there.", 0.8)]),
        speech.RawSegment(6.0, 7.0, " Thanks for watching!", [(6.0, 7.0, " Thanks", 0.5)]),  # no speech there
        speech.RawSegment(2.0, 2.5, " ♪", [(2.0, 2.5, " ♪", 0.5)]),
        speech.RawSegment(2.5, 2.9, " la la la", [(2.5, 2.9, " la", 0.4)], compression_ratio=3.0),
        speech.RawSegment(2.0, 2.9, " um", [(2.0, 2.9, " um", 0.3)], avg_logprob=-1.5, no_speech_prob=0.9),
    ]
    (seg,) = speech.clean_segments(raw, regions, duration_s=8.0)
    assert seg.text == "Hello there." and seg.words[0].word == "Hello"
    assert seg.words[0].start_s == pytest.approx(1.0 - speech.VAD_ONSET_PAD_S)
    assert seg.start_s == seg.words[0].start_s
    kept = speech.clean_segments(raw, regions, duration_s=8.0, drop_hallucinations=False)
    assert len(kept) == 4  # only the music-note segment has nothing sayable


# ---------------------------------------------------------------------------------- settings


def test_settings_defaults_and_threads():
    s = SpeechSettings()
    assert (s.engine, s.model, s.language, s.cpu_threads) == ("faster-whisper", "base", "auto", 0)
    assert s.threads() == len(os.sched_getaffinity(0))
    assert SpeechSettings(cpu_threads=3).threads() == 3
    assert SpeechSettings(language="IT").language == "it"


@pytest.mark.parametrize("kwargs, fragment", [
    ({"engine": "whisper.cpp"}, "unknown ASR engine"),
    ({"language": "italiano"}, "unknown language"),
    ({"cpu_threads": -1}, "cpu_threads"),
    ({"model": " "}, "empty"),
])
def test_bad_settings_are_config_errors(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        SpeechSettings(**kwargs)


def test_english_only_model_refuses_other_languages(model_cache):
    with pytest.raises(ConfigError, match="English-only"):
        speech.validate_settings(SpeechSettings(model="tiny.en", language="it"))
    with pytest.raises(ConfigError, match="English-only"):
        speech.transcribe(None, SpeechSettings(model="tiny.en", language="it"))
    speech.validate_settings(SpeechSettings(model="tiny.en", language="en"))


def test_models_are_loaded_once_per_process(base):
    assert speech.load_model(base) is speech.load_model(SpeechSettings(model="base"))


def test_local_model_dir_is_labelled_unverified(model_cache, tmp_path, labelled, sample_audio):
    status = {s.name: s for s in modelstore.list_models()}["tiny.en"]
    if status.state == "missing":
        pytest.skip("tiny.en not installed")
    mine = tmp_path / "my-whisper"
    mine.mkdir()
    for item in status.path.iterdir():
        if item.is_file():
            (mine / item.name).symlink_to(item)
    _, entries = labelled
    name = next(n for n in _speech_samples(entries) if entries[n]["language"] == "en")
    tr = speech.transcribe(sample_audio[name], SpeechSettings(model=str(mine)))
    assert tr.model.startswith(f"faster-whisper:{mine}") and "unverified" in tr.model
    assert tr.language == "en" and tr.words


def test_a_transcript_does_not_depend_on_the_videos_before(base, labelled, sample_audio):
    """No sampled decoding (it is not reproducible): a video's transcript is the same whatever was
    transcribed before it in the process (batch order, Dask worker)."""
    assert speech.TEMPERATURES == (0.0,)
    first_name, other_name = _speech_samples(labelled[1])[:2]
    first = speech.transcribe(sample_audio[first_name], base)
    speech.transcribe(sample_audio[other_name], base)
    again = speech.transcribe(sample_audio[first_name], base)
    assert first.words and again.words == first.words
