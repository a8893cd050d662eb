"""Audio features on the samples and on signals made here: start silence, shares, no audio."""

from __future__ import annotations

import numpy as np
import pytest

from vidscore.media import load_audio, probe
from vidscore.signals.audio_features import FLOOR_DB, HOP_S, AudioTrack, audio_features

SR = 16_000


def chords(seconds: float) -> np.ndarray:
    """Sine triads (Am F C G, 1 s each) at about -15 dBFS: music without speech."""
    t = np.arange(int(seconds * SR)) / SR
    out = np.zeros_like(t)
    triads = [(220.0, 261.63, 329.63), (174.61, 220.0, 261.63),
              (261.63, 329.63, 392.0), (196.0, 246.94, 293.66)]
    for k, triad in enumerate(triads * int(np.ceil(seconds / 4))):
        part = (t >= k) & (t < k + 1)
        for f in triad:
            out[part] += np.sin(2 * np.pi * f * t[part])
    return (0.25 * out / np.abs(out).max()).astype(np.float32)


@pytest.mark.parametrize("name", ["strong.mp4", "slow_landscape.mp4", "rotated_phone.mp4"])
def test_start_silence_matches_the_samples(samples_dir, expected, name):
    path = samples_dir / name
    track = audio_features(load_audio(path), probe(path).duration_s)
    assert track.has_audio
    assert track.start_silence_s == pytest.approx(expected[name]["silence_until_s"], abs=0.15)


def test_shares_and_loudness_of_a_speech_sample(samples_dir, expected):
    path = samples_dir / "slow_landscape.mp4"
    label = expected["slow_landscape.mp4"]
    spans = [(u["start_s"], u["end_s"]) for u in label["speech"]]
    track = audio_features(load_audio(path), probe(path).duration_s, spans)
    assert len(track.loudness_db) == pytest.approx(label["duration_s"] / HOP_S, abs=1)
    assert all(v == FLOOR_DB for v in track.loudness_db[:25])  # the 3 s of digital silence
    assert track.speech_share > 0.5 and track.speech_share > track.music_share
    assert track.silence_share == pytest.approx(3.0 / label["duration_s"], abs=0.03)
    assert track.loudness_jump_db < -40  # silent first second, loud later
    assert -40 < track.mean_loudness_db < track.loudness_p95_db < 0
    assert track.onset_rate_hz > 1  # syllables
    assert AudioTrack.from_json(track.to_json()) == track


def test_speech_share_beats_the_music_bed(samples_dir, expected):
    path = samples_dir / "strong.mp4"
    spans = [(u["start_s"], u["end_s"]) for u in expected["strong.mp4"]["speech"]]
    track = audio_features(load_audio(path), probe(path).duration_s, spans)
    assert track.speech_share > 0.7 and track.speech_share > track.music_share


def test_chords_are_music():
    audio = np.concatenate([np.zeros(SR, np.float32), chords(8.0)])
    track = audio_features(audio, 9.0)
    assert track.speech_share == 0.0
    assert track.music_share > 0.8
    assert track.silence_share == pytest.approx(1 / 9, abs=0.03)
    assert track.start_silence_s == pytest.approx(1.0, abs=0.02)
    assert track.loudness_jump_db < -40


def test_noise_and_beeps_are_not_music():
    rng = np.random.default_rng(0)
    noise = (0.05 * rng.standard_normal(5 * SR)).astype(np.float32)
    assert audio_features(noise, 5.0).music_share < 0.1
    t = np.arange(5 * SR) / SR
    beeps = (0.3 * np.sin(2 * np.pi * 1000 * t) * ((t % 0.5) < 0.1)).astype(np.float32)  # 100 ms every 0.5 s
    assert audio_features(beeps, 5.0).music_share < 0.1


def test_no_audio_and_silent_audio():
    track = audio_features(None, 10.0)
    assert not track.has_audio and track.loudness_db == () and track.start_silence_s is None
    assert AudioTrack.from_json(track.to_json()) == track
    silent = audio_features(np.zeros(2 * SR, np.float32), 3.0)  # audio shorter than the video
    assert silent.has_audio and silent.silence_share == 1.0 and silent.music_share == 0.0
    assert len(silent.loudness_db) == 30
    assert silent.start_silence_s == pytest.approx(3.0, abs=0.01)  # silent throughout
