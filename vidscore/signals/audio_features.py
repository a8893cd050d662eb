"""Audio features: loudness curve, dead air at the start, and how the time splits into speech,
music and silence.

A pure function over 16 kHz mono samples (`audio_features`). Loudness is RMS in dBFS per 100 ms
block (no LUFS weighting: the criteria compare levels within one video). Speech comes from the
ASR word spans passed in; music is the rest of the sound when, over the 1 s around it, it is
tonal (low spectral flatness: pitched notes rather than noise) and steady (few low-energy frames,
unlike speech), so a hiss or an unrecognised voice is not counted as music. librosa is imported
lazily, and only when the audio is not silent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

AUDIO_FEATURES_VERSION = 2  # bump when the output for the same audio and spans changes
SAMPLE_RATE = 16_000
HOP_S = 0.1  # loudness curve resolution: fine enough for "silent first second", small JSON
START_HOP_S = 0.01  # finer grid for the start silence, so a 3 s silence is timed to +-10 ms
FLOOR_DB = -90.0  # digital silence; below 16-bit dither, keeps the curve finite
# Below this a block counts as silent: digital silence or a muted track. Phone room tone sits
# around -50..-60 dBFS and still tells the viewer the sound is on, so it is not silence.
SILENCE_DB = -60.0
LOUD_PERCENTILE = 95  # "how loud it gets": the level exceeded 5 % of the time
JUMP_WINDOW_S = 1.0  # the start whose level is compared with the rest
# Music: spectral flatness (0 = pure tones, 1 = white noise). Medians per second measured here:
# music clips and chords 0.000-0.03, synthetic room tone ~0.08, white noise ~0.5. Voiced speech
# is tonal too, which is why steady energy is also required.
MUSIC_FLATNESS_MAX = 0.05
MUSIC_WINDOW_S = 1.0  # music is sustained: judged over the 1 s around each block
MUSIC_TONAL_SHARE_MIN = 0.5  # at least half the frames of the window tonal
# Steady energy: speech falls silent between syllables and words, music holds its level. The
# share of 10 ms frames below half the window's mean RMS ("low-energy ratio") was 0.2-0.7 for
# speech and 0-0.1 for most music windows here.
LOW_ENERGY_FRAC = 0.5
MUSIC_LOW_ENERGY_MAX = 0.2
SPEECH_GAP_MERGE_S = 0.5  # pauses shorter than this between words still count as speech
N_FFT = 1024  # 64 ms at 16 kHz: resolves the harmonics of a note
STFT_HOP = 160  # 10 ms
SPECTRUM_CHUNK_S = 60.0  # spectrum analysed a minute at a time: flat memory on long videos


@dataclass(frozen=True)
class AudioTrack:
    """What the sound does over time. Shares are fractions of `hop_s` blocks over the video;
    speech, music and silence are exclusive, the rest (noise, ambience) is in none of them."""

    has_audio: bool
    hop_s: float
    loudness_db: tuple[float, ...]  # RMS dBFS per hop_s block, floored at FLOOR_DB
    start_silence_s: float | None  # time until the sound first gets louder than SILENCE_DB
    mean_loudness_db: float | None  # RMS dBFS over the whole track
    loudness_p95_db: float | None  # block level exceeded 5 % of the time
    loudness_jump_db: float | None  # level of the first second minus the level of the rest
    speech_share: float
    music_share: float
    silence_share: float
    onset_rate_hz: float  # note/hit onsets per second (librosa onset detection)

    def to_json(self) -> dict:
        r = _round_or_none
        return {
            "has_audio": self.has_audio, "hop_s": self.hop_s,
            "loudness_db": [round(v, 3) for v in self.loudness_db],
            "start_silence_s": r(self.start_silence_s), "mean_loudness_db": r(self.mean_loudness_db),
            "loudness_p95_db": r(self.loudness_p95_db), "loudness_jump_db": r(self.loudness_jump_db),
            "speech_share": round(self.speech_share, 3), "music_share": round(self.music_share, 3),
            "silence_share": round(self.silence_share, 3), "onset_rate_hz": round(self.onset_rate_hz, 3),
        }

    @classmethod
    def from_json(cls, d: dict) -> AudioTrack:
        f = _float_or_none
        return cls(
            has_audio=bool(d["has_audio"]), hop_s=float(d["hop_s"]),
            loudness_db=tuple(float(v) for v in d.get("loudness_db", ())),
            start_silence_s=f(d.get("start_silence_s")), mean_loudness_db=f(d.get("mean_loudness_db")),
            loudness_p95_db=f(d.get("loudness_p95_db")), loudness_jump_db=f(d.get("loudness_jump_db")),
            speech_share=float(d["speech_share"]), music_share=float(d["music_share"]),
            silence_share=float(d["silence_share"]), onset_rate_hz=float(d["onset_rate_hz"]),
        )

    @classmethod
    def silent(cls) -> AudioTrack:
        """The track of a video without an audio stream."""
        return cls(False, HOP_S, (), None, None, None, None, 0.0, 0.0, 0.0, 0.0)


def audio_features(
    audio: np.ndarray | None,
    duration_s: float,
    speech_spans_s: Sequence[tuple[float, float]] = (),
    sample_rate: int = SAMPLE_RATE,
) -> AudioTrack:
    """Loudness and speech/music/silence shares of mono float `audio` (None: no audio stream).

    The curve covers `duration_s` (audio shorter than the video counts as silent at the end);
    `speech_spans_s` are the (start_s, end_s) of the recognised words.
    """
    if audio is None:
        return AudioTrack.silent()
    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    hop = int(round(HOP_S * sample_rate))
    n_blocks = max(1, int(np.ceil(max(duration_s * sample_rate, x.size) / hop)))
    x = np.pad(x, (0, n_blocks * hop - x.size))
    power = x.astype(np.float64) ** 2
    levels = _db(power.reshape(n_blocks, hop).mean(axis=1))
    audible = levels > SILENCE_DB

    speech = _span_mask(speech_spans_s, n_blocks)
    music = np.zeros(n_blocks, bool)
    onset_rate_hz = 0.0
    if audible.any():
        music, onsets = _music_and_onsets(x, sample_rate, n_blocks)
        onset_rate_hz = onsets / (n_blocks * HOP_S)
    silence = ~audible & ~speech
    music &= audible & ~speech

    jump_len = int(round(JUMP_WINDOW_S * sample_rate))
    rest = power[jump_len:]
    jump_db = float(_db(power[:jump_len].mean()) - _db(rest.mean())) if rest.size else 0.0
    return AudioTrack(
        has_audio=True,
        hop_s=HOP_S,
        loudness_db=tuple(round(float(v), 3) for v in levels),
        start_silence_s=round(_start_silence_s(power, sample_rate), 3),
        mean_loudness_db=round(float(_db(power.mean())), 3),
        loudness_p95_db=round(float(np.percentile(levels, LOUD_PERCENTILE)), 3),
        loudness_jump_db=round(jump_db, 3),
        speech_share=round(float(speech.mean()), 3),
        music_share=round(float(music.mean()), 3),
        silence_share=round(float(silence.mean()), 3),
        onset_rate_hz=round(float(onset_rate_hz), 3),
    )


def _db(power: np.ndarray | float) -> np.ndarray:
    """Mean power as dBFS (a full-scale square wave is 0 dB), floored at FLOOR_DB."""
    return np.maximum(10.0 * np.log10(np.maximum(power, 1e-20)), FLOOR_DB)


def _start_silence_s(power: np.ndarray, sample_rate: int) -> float:
    """Seconds before the first START_HOP_S block louder than SILENCE_DB (all of it when none)."""
    hop = int(round(START_HOP_S * sample_rate))
    n = power.size // hop
    loud = np.flatnonzero(_db(power[: n * hop].reshape(n, hop).mean(axis=1)) > SILENCE_DB)
    return float(loud[0] * hop / sample_rate) if loud.size else power.size / sample_rate


def _span_mask(spans_s: Sequence[tuple[float, float]], n_blocks: int) -> np.ndarray:
    """Blocks whose centre lies inside one of the spans."""
    centres_s = (np.arange(n_blocks) + 0.5) * HOP_S
    mask = np.zeros(n_blocks, bool)
    for start_s, end_s in _merge_spans(spans_s):
        mask |= (centres_s >= start_s) & (centres_s < end_s)
    return mask


def _merge_spans(spans_s: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Word spans joined across pauses shorter than SPEECH_GAP_MERGE_S."""
    merged: list[tuple[float, float]] = []
    for start_s, end_s in sorted(spans_s):
        if merged and start_s - merged[-1][1] < SPEECH_GAP_MERGE_S:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end_s))
        else:
            merged.append((start_s, end_s))
    return merged


def _music_and_onsets(x: np.ndarray, sample_rate: int, n_blocks: int) -> tuple[np.ndarray, int]:
    """Per block: does the MUSIC_WINDOW_S around it sound like music; and the number of onsets."""
    import librosa  # slow first import (numba): only when there is sound to analyse

    rms, flatness, onset_env = _spectral_curves(x, sample_rate)
    audible = _db(rms**2) > SILENCE_DB
    tonal = (flatness < MUSIC_FLATNESS_MAX) & audible
    per_block = int(round(HOP_S * sample_rate / STFT_HOP))
    window = int(round(MUSIC_WINDOW_S * sample_rate / STFT_HOP))
    starts = np.arange(n_blocks) * per_block + per_block // 2 - window // 2  # window centred on each block
    index = np.clip(starts[:, None] + np.arange(window)[None, :], 0, rms.size - 1)
    win_rms = rms[index]
    low_energy = (win_rms < LOW_ENERGY_FRAC * win_rms.mean(axis=1, keepdims=True)).mean(axis=1)
    music = (tonal[index].mean(axis=1) >= MUSIC_TONAL_SHARE_MIN) & (low_energy <= MUSIC_LOW_ENERGY_MAX)
    onsets = librosa.onset.onset_detect(onset_envelope=onset_env, sr=sample_rate, hop_length=STFT_HOP)
    return music, int(len(onsets))


def _spectral_curves(x: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RMS, spectral flatness and onset strength per STFT frame, computed SPECTRUM_CHUNK_S at a time.

    The power spectrum costs ~0.85 MB per second of audio; by chunks, memory stays flat for long
    videos. Chunks are whole hops long and each drops its last (centred) frame, which is the next
    chunk's first, so the frames line up exactly as in one pass.
    """
    import librosa

    chunk = max(STFT_HOP, int(SPECTRUM_CHUNK_S * sample_rate) // STFT_HOP * STFT_HOP)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, max(1, x.size), chunk):
        spectrum = np.abs(librosa.stft(x[start:start + chunk], n_fft=N_FFT, hop_length=STFT_HOP)) ** 2
        if start + chunk < x.size:
            spectrum = spectrum[:, :-1]
        mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=spectrum, sr=sample_rate))
        parts.append((librosa.feature.rms(S=np.sqrt(spectrum), frame_length=N_FFT)[0],
                      librosa.feature.spectral_flatness(S=spectrum, power=1.0)[0],
                      librosa.onset.onset_strength(S=mel_db, sr=sample_rate)))
    return tuple(np.concatenate(curves) for curves in zip(*parts))  # type: ignore[return-value]


def _round_or_none(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


def _float_or_none(v) -> float | None:
    return None if v is None else float(v)
