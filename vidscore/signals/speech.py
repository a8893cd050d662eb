"""Speech signal: the words said with their times, the spoken language, and derived stats.

`transcribe` takes 16 kHz mono audio and returns a `Transcript` whatever the engine
(faster-whisper by default, openai-whisper optionally). Silero VAD gates the engines: audio with
no detected speech (silence, music) yields an empty transcript without running ASR, and segments
that look hallucinated are dropped. Word onsets are snapped to the VAD's speech onsets because
Whisper tends to start the first word of a chunk at the padded chunk start.
"""

from __future__ import annotations

import importlib
import math
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from vidscore.errors import ConfigError, ModelError, folded

if TYPE_CHECKING:
    from vidscore.modelstore import ResolvedModel

SAMPLE_RATE = 16_000  # what Whisper models take
SPEECH_SIGNAL_VERSION = 3  # 3: no sampled fallback. Bump when the output for the same audio and settings changes
ENGINES = ("faster-whisper", "openai-whisper")
DEFAULT_ENGINE = "faster-whisper"
DEFAULT_MODEL = "base"

# Decoding, the same for both engines.
BEAM_SIZE = 5
# Greedy/beam decoding only, no sampled temperature fallback: sampling is not reproducible (the
# CTranslate2 seed does not reach its decoding threads), so a hard clip's transcript changed with
# the videos decoded before it in the process (the Darija real clip: words in one batch order,
# none in another). On the 17 real and sample clips with audio, the fallback (0.0, 0.4) changed
# no transcript and doubled the time on the Darija clip (15.2 s against 7.6 s).
TEMPERATURES = (0.0,)
CONDITION_ON_PREVIOUS_TEXT = False  # less prone to repetition loops; ads are short anyway
HALLUCINATION_SILENCE_S = 2.0  # skip silences this long when a hallucination is suspected

# Gates and hallucination filters (Whisper's own thresholds, applied to the final segments too).
MIN_AUDIO_S = 0.5  # shorter audio holds no phrase worth scoring; Whisper invents words on it
SILENT_PEAK = 1e-3  # peak amplitude (about -60 dBFS) below which audio is treated as silence
NO_SPEECH_PROB_MAX = 0.6
AVG_LOGPROB_MIN = -1.0
COMPRESSION_RATIO_MAX = 2.4  # above: a repetition loop

# VAD used to gate and to refine word times (speech regions without padding).
VAD_THRESHOLD = 0.5
VAD_MIN_SILENCE_S = 0.1
VAD_ONSET_PAD_S = 0.1  # Silero fires a little after a soft onset ("s", "f")
SPEECH_OVERLAP_TOLERANCE_S = 0.5  # a segment this far from any VAD speech is a hallucination

# Language codes Whisper knows (faster-whisper's and openai-whisper's lists; 'yue' needs large-v3).
WHISPER_LANGUAGES = ('af', 'am', 'ar', 'as', 'az', 'ba', 'be', 'bg', 'bn', 'bo', 'br', 'bs', 'ca',
    'cs', 'cy', 'da', 'de', 'el', 'en', 'es', 'et', 'eu', 'fa', 'fi', 'fo', 'fr', 'gl', 'gu', 'ha',
    'haw', 'he', 'hi', 'hr', 'ht', 'hu', 'hy', 'id', 'is', 'it', 'ja', 'jw', 'ka', 'kk', 'km', 'kn',
    'ko', 'la', 'lb', 'ln', 'lo', 'lt', 'lv', 'mg', 'mi', 'mk', 'ml', 'mn', 'mr', 'ms', 'mt', 'my',
    'ne', 'nl', 'nn', 'no', 'oc', 'pa', 'pl', 'ps', 'pt', 'ro', 'ru', 'sa', 'sd', 'si', 'sk', 'sl',
    'sn', 'so', 'sq', 'sr', 'su', 'sv', 'sw', 'ta', 'te', 'tg', 'th', 'tk', 'tl', 'tr', 'tt', 'uk',
    'ur', 'uz', 'vi', 'yi', 'yo', 'zh', 'yue')  # fmt: skip

_MUSIC_SYMBOLS = str.maketrans("", "", "♪♫♬♩")


# ---------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Word:
    """One recognised word; `word` has no surrounding spaces, punctuation stays attached."""

    start_s: float
    end_s: float
    word: str
    prob: float

    def to_json(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "word": self.word,
                "prob": round(self.prob, 3)}

    @classmethod
    def from_json(cls, d: dict) -> Word:
        return cls(float(d["start_s"]), float(d["end_s"]), str(d["word"]), float(d["prob"]))


@dataclass(frozen=True)
class Segment:
    """A phrase as the model cut it, with its words."""

    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...]

    def to_json(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "text": self.text,
                "words": [w.to_json() for w in self.words]}

    @classmethod
    def from_json(cls, d: dict) -> Segment:
        return cls(float(d["start_s"]), float(d["end_s"]), str(d["text"]),
                   tuple(Word.from_json(w) for w in d.get("words", ())))


@dataclass(frozen=True)
class Transcript:
    """What was said. `language` is None when nothing was heard.

    `language_prob` is the detection probability (1.0 when the language was given or the model
    is English-only).
    """

    language: str | None
    language_prob: float | None
    segments: tuple[Segment, ...]
    model: str  # engine:model label, e.g. "faster-whisper:base"

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    def to_json(self) -> dict:
        return {
            "language": self.language,
            "language_prob": None if self.language_prob is None else round(self.language_prob, 3),
            "text": self.text,
            "segments": [s.to_json() for s in self.segments],
            "model": self.model,
        }

    @classmethod
    def from_json(cls, d: dict) -> Transcript:
        prob = d.get("language_prob")
        return cls(
            language=d.get("language"),
            language_prob=None if prob is None else float(prob),
            segments=tuple(Segment.from_json(s) for s in d.get("segments", ())),
            model=str(d.get("model", "")),
        )

    @classmethod
    def empty(cls, model: str) -> Transcript:
        return cls(language=None, language_prob=None, segments=(), model=model)


@dataclass(frozen=True)
class SpeechStats:
    """Speech facts the criteria need: when speech starts, how dense, how much of the video."""

    speech_onset_s: float | None  # first word start; None when nothing was said
    words_per_s: float  # words over the whole video duration
    speech_share: float  # fraction of the video covered by words (union of their spans)

    def to_json(self) -> dict:
        return {
            "speech_onset_s": None if self.speech_onset_s is None else round(self.speech_onset_s, 3),
            "words_per_s": round(self.words_per_s, 3),
            "speech_share": round(self.speech_share, 3),
        }


def speech_stats(transcript: Transcript, duration_s: float) -> SpeechStats:
    """Onset, word rate and speech share of `transcript` for a video of `duration_s` seconds."""
    spans: list[tuple[float, float]] = []
    for seg in transcript.segments:
        if seg.words:
            spans.extend((w.start_s, w.end_s) for w in seg.words)
        else:
            spans.append((seg.start_s, seg.end_s))
    onset = min((s for s, _ in spans), default=None)
    if duration_s <= 0:
        return SpeechStats(onset, 0.0, 0.0)
    words_per_s = len(transcript.words) / duration_s
    covered = _union_length_s(spans, 0.0, duration_s)
    return SpeechStats(onset, words_per_s, min(1.0, covered / duration_s))


def _union_length_s(spans: list[tuple[float, float]], lo_s: float, hi_s: float) -> float:
    total, cur_start, cur_end = 0.0, None, None
    for start, end in sorted((max(lo_s, s), min(hi_s, e)) for s, e in spans):
        if end <= start:
            continue
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total


def normalize_text(text: str) -> str:
    """Lower case, accents kept, punctuation dropped, spaces collapsed: for phrase matching."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch if ch.isalnum() or ch in "'’" else " " for ch in text)
    return " ".join(text.replace("’", "'").split())


# ---------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SpeechSettings:
    """How to transcribe. Part of the signal cache key (with `SPEECH_SIGNAL_VERSION`)."""

    engine: str = DEFAULT_ENGINE  # or "openai-whisper"
    model: str = DEFAULT_MODEL  # manifest name, a local CTranslate2 dir, or (openai) a checkpoint
    language: str = "auto"  # "auto" or an ISO 639-1 code Whisper knows
    cpu_threads: int = 0  # 0 = all cores this process may use

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown ASR engine '{self.engine}': use one of {', '.join(ENGINES)}")
        if not isinstance(self.cpu_threads, int) or self.cpu_threads < 0:
            raise ConfigError(f"cpu_threads must be 0 (all cores) or a positive integer, not {self.cpu_threads!r}")
        if not str(self.model).strip():
            raise ConfigError("the ASR model name or path is empty")
        language = str(self.language).strip().lower()
        if language != "auto" and language not in WHISPER_LANGUAGES:
            raise ConfigError(
                f"unknown language '{self.language}': use 'auto' or a code Whisper knows "
                "(e.g. en, it, es, fr, de, pt)"
            )
        object.__setattr__(self, "language", language)

    def threads(self) -> int:
        """The thread count to run with: `cpu_threads`, or every core this process may use."""
        from vidscore.system import available_cores

        return self.cpu_threads or available_cores()


# ---------------------------------------------------------------------------------- engines

# What engine modules return before filtering; plain data, times in seconds.
@dataclass
class RawSegment:
    start_s: float
    end_s: float
    text: str
    words: list[tuple[float, float, str, float]]  # (start_s, end_s, word, prob)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


@dataclass
class RawTranscript:
    language: str | None
    language_prob: float | None
    segments: list[RawSegment] = field(default_factory=list)


_ENGINE_MODULES = {
    "faster-whisper": "vidscore.signals.asr_faster_whisper",
    "openai-whisper": "vidscore.signals.asr_openai_whisper",
}
_loaded: dict[tuple[str, str, int], Any] = {}  # (engine, model path, threads) -> loaded model
_load_lock = threading.Lock()


def _engine(name: str):
    return importlib.import_module(_ENGINE_MODULES[name])


def _check_language(language: str, multilingual: bool, model_label: str) -> None:
    if language not in ("auto", "en") and not multilingual:
        raise ConfigError(
            f"model '{model_label}' is English-only: it transcribes only 'en', not '{language}'; "
            "use language 'auto' or 'en', or a multilingual model such as 'base'"
        )


def validate_settings(settings: SpeechSettings) -> ResolvedModel:
    """Resolve the model (assemble, verify) and check the language: fail before a batch starts.

    Returns the engine's resolved model (its `label` is what transcripts report).
    """
    resolved = _engine(settings.engine).resolve(settings.model)
    _check_language(settings.language, resolved.multilingual, resolved.label)
    return resolved


def model_label(settings: SpeechSettings) -> str:
    """The `Transcript.model` value these settings produce, e.g. 'faster-whisper:base'."""
    return f"{settings.engine}:{validate_settings(settings).label}"


def load_model(settings: SpeechSettings):
    """The engine's loaded model for `settings`, loaded once per process."""
    engine = _engine(settings.engine)
    resolved = validate_settings(settings)
    threads = settings.threads()
    key = (settings.engine, str(resolved.path), threads)
    with _load_lock:
        model = _loaded.get(key)
        if model is None:
            model = engine.load(resolved, threads)
            _loaded[key] = model
    _check_language(settings.language, engine.is_multilingual(model), resolved.label)
    return model


def clear_loaded_models() -> None:
    """Forget loaded models (frees memory; the next transcribe loads again)."""
    with _load_lock:
        _loaded.clear()


# ---------------------------------------------------------------------------------- audio


def _as_mono_float(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio)
    if np.issubdtype(audio.dtype, np.integer):
        audio = audio.astype(np.float32) / float(np.iinfo(audio.dtype).max)
    audio = audio.astype(np.float32, copy=False)
    if audio.ndim == 2:  # (samples, channels) or (channels, samples): average the short axis
        audio = audio.mean(axis=int(np.argmin(audio.shape)))
    return np.ascontiguousarray(audio.reshape(-1))


def resample(audio: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Band-limited resampling through the FFT (whole clip; ads are short)."""
    if sr_in == sr_out or audio.size == 0:
        return audio
    n_out = max(1, int(round(audio.size * sr_out / sr_in)))
    spectrum = np.fft.rfft(audio)
    keep = n_out // 2 + 1
    out_spec = np.zeros(keep, dtype=spectrum.dtype)
    n = min(keep, spectrum.size)
    out_spec[:n] = spectrum[:n]
    return (np.fft.irfft(out_spec, n_out) * (n_out / audio.size)).astype(np.float32)


def speech_regions_s(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """Silero VAD speech regions (start_s, end_s) without padding."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(threshold=VAD_THRESHOLD, min_silence_duration_ms=int(VAD_MIN_SILENCE_S * 1000),
                      speech_pad_ms=0)
    return [(c["start"] / sample_rate, c["end"] / sample_rate)
            for c in get_speech_timestamps(audio, opts, sampling_rate=sample_rate)]


# ---------------------------------------------------------------------------------- transcribe


def transcribe(audio: np.ndarray | None, settings: SpeechSettings | None = None,
               sample_rate: int = SAMPLE_RATE) -> Transcript:
    """Transcribe mono audio; None (no audio track), very short, silent or music-only audio
    gives an empty transcript (language None). Raises `ModelError` / `ConfigError`."""
    settings = settings or SpeechSettings()
    label = model_label(settings)
    if audio is None:
        return Transcript.empty(label)
    audio = resample(_as_mono_float(audio), sample_rate, SAMPLE_RATE)
    duration_s = audio.size / SAMPLE_RATE
    if not np.isfinite(audio).all():  # a damaged decode: treat bad samples as silence
        audio = np.nan_to_num(audio, nan=0.0, posinf=1.0, neginf=-1.0)
    if duration_s < MIN_AUDIO_S or float(np.abs(audio).max()) < SILENT_PEAK:
        return Transcript.empty(label)
    regions = speech_regions_s(audio)
    if not regions:
        return Transcript.empty(label)
    model = load_model(settings)
    language = None if settings.language == "auto" else settings.language
    try:
        raw = _engine(settings.engine).transcribe_raw(model, audio, language)
    except (ModelError, ConfigError):
        raise
    except Exception as exc:  # an engine failure on this audio is a model problem to the user
        raise ModelError(f"{label} failed to transcribe: {folded(exc)}") from exc
    segments = clean_segments(raw.segments, regions, duration_s)
    if not segments:
        return Transcript.empty(label)
    prob = None if raw.language_prob is None else round(float(raw.language_prob), 3)
    return Transcript(language=raw.language, language_prob=prob, segments=segments, model=label)


def clean_segments(raw_segments: list[RawSegment], regions: list[tuple[float, float]],
                   duration_s: float, drop_hallucinations: bool = True) -> tuple[Segment, ...]:
    """Drop hallucinated segments, snap word times to VAD speech, clamp, order and round.

    `drop_hallucinations=False` keeps every segment with sayable text (for inspecting engines).
    """
    out: list[Segment] = []
    last_start = 0.0
    for raw in sorted(raw_segments, key=lambda r: r.start_s):
        text = " ".join(raw.text.translate(_MUSIC_SYMBOLS).split())
        if not _is_spoken(text):
            continue  # "♪", "...", empty
        if drop_hallucinations and _looks_hallucinated(raw, regions):
            continue
        words: list[Word] = []
        for start_s, end_s, word_text, prob in raw.words:
            word_text = word_text.strip()
            if not _is_spoken(word_text) or not (math.isfinite(start_s) and math.isfinite(end_s)):
                continue
            prob = prob if math.isfinite(prob) else 0.0
            start_s, end_s = _snap_to_speech(start_s, end_s, regions)
            start_s = min(max(start_s, last_start, 0.0), duration_s)
            end_s = min(max(end_s, start_s), duration_s)
            last_start = start_s
            words.append(Word(round(start_s, 3), round(end_s, 3), word_text, round(min(max(prob, 0.0), 1.0), 3)))
        if raw.words and not words:
            continue
        if words:
            seg_start, seg_end = words[0].start_s, max(w.end_s for w in words)
        else:
            seg_start = min(max(raw.start_s, last_start, 0.0), duration_s)
            seg_end = min(max(raw.end_s, seg_start), duration_s)
            last_start = seg_start
        out.append(Segment(round(seg_start, 3), round(seg_end, 3), text, tuple(words)))
    return tuple(out)


def _looks_hallucinated(raw: RawSegment, regions: list[tuple[float, float]]) -> bool:
    if raw.no_speech_prob > NO_SPEECH_PROB_MAX and raw.avg_logprob < AVG_LOGPROB_MIN:
        return True  # Whisper's silence rule
    if raw.compression_ratio > COMPRESSION_RATIO_MAX:
        return True  # repetition loop
    spans = [(w[0], w[1]) for w in raw.words] or [(raw.start_s, raw.end_s)]
    return not any(_near_speech(s, e, regions) for s, e in spans)  # where the VAD heard nothing


def _is_spoken(text: str) -> bool:
    """True when `text` holds something sayable: a letter or digit, a currency sign, '%'."""
    return any(ch.isalnum() or ch == "%" or unicodedata.category(ch) == "Sc" for ch in text)


def _near_speech(start_s: float, end_s: float, regions: list[tuple[float, float]]) -> bool:
    tol = SPEECH_OVERLAP_TOLERANCE_S
    return any(start_s < r_end + tol and end_s > r_start - tol for r_start, r_end in regions)


def _snap_to_speech(start_s: float, end_s: float, regions: list[tuple[float, float]]) -> tuple[float, float]:
    """Move a word start out of leading non-speech and its end out of trailing non-speech."""
    pad = VAD_ONSET_PAD_S
    if not any(r0 - pad <= start_s <= r1 + pad for r0, r1 in regions):
        later = [r0 - pad for r0, _ in regions if start_s < r0 - pad < end_s]
        if later:
            start_s = later[0]
    if not any(r0 - pad <= end_s <= r1 + pad for r0, r1 in regions):
        earlier = [r1 + pad for _, r1 in regions if start_s < r1 + pad < end_s]
        if earlier:
            end_s = earlier[-1]
    return start_s, end_s
