"""Phrase lexicon: the built-in multilingual phrase lists plus the user's, matched tolerantly in timed text.

The lists (phrases.toml, next to this module) say what a call to action, an offer, urgency or a
hook line sounds like in EN, IT, ES, FR, DE and PT. Matching forgives case, accents, punctuation
and the errors of speech recognition and OCR ("a questa ora" for "acquista ora", "LINKINBIO"),
but never lets a short word match inside another ("you" in "young", "code" in "barcode"): short
phrases must appear as whole words, longer ones are compared fuzzily with whole-word spans only.
`find_offers` adds the language-independent prices and discounts ("-20%", "19,99 €", "2x1").
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from vidscore.errors import ConfigError

KINDS: tuple[str, ...] = ("cta.cart", "cta.link", "cta.shop", "cta.code", "offer", "urgency", "hook.stop",
                          "hook.problem", "hook.claim", "hook.you", "hook.question")
LANGUAGES: tuple[str, ...] = ("en", "it", "es", "fr", "de", "pt", "nl")
USER_LANG = "user"  # Phrase.lang of the phrases from the user's config
PATTERN_LANG = "any"  # Phrase.lang of find_offers' patterns
USER_KIND_ALIASES = {"cta": "cta.shop"}  # config keys that stand for a kind ("cta" = a generic buy phrase)
PHRASES_FILE = "phrases.toml"

# Fuzzy matching. Similarity is rapidfuzz's fuzz.ratio (normalised Indel similarity) of the
# space-less strings, so word splits and merges cost nothing. ~0.8 forgives about one wrong letter
# in five ("a questa ora" heard for "acquista ora": 0.86); it sits just above 0.8 because exactly
# 0.8 is where a different everyday phrase starts to pass ("you need to" for "you need this").
DEFAULT_MIN_SIMILARITY = 0.82
# A second bar for fuzzy matches, on the Levenshtein similarity (a substitution costs 1, not 2 as
# above): 0.81 allows one edit up to 10 letters, two from 11, three from 16. Recognition errors swap
# or drop a letter or split a word ("a questa ora" for "acquista ora": 0.82), while other words
# that merely share letters need more edits ("per cento" for "percent off" 0.8, "are below" for
# "cart below" 0.78, "days only" for "today only" 0.67), though their Indel similarity passes.
MIN_EDIT_SIMILARITY = 0.81
# Phrases shorter than this (letters and digits, spaces not counted) must match whole words exactly:
# below ~9 characters one edit is already another common word ("hold" for "hol dir", "warm" for
# "warum", "espero" for "espera", "get your" for "get yours"), and ASR spells short phrases right.
SHORT_PHRASE_CHARS = 9
# Kinds matched as whole words only, at any length: direct-address pronouns are a closed set of
# words, and a near miss is a different word ("your" -> "four", "du" -> "dü").
EXACT_KINDS = frozenset({"hook.you"})
# Phrases are grouped by length for the fuzzy pass so that each group is compared only with the
# word windows long enough to reach the similarity threshold (fewer comparisons, same result).
_LENGTH_BANDS = (9, 13, 17, 23, 31)  # each band's first length; the last band has no upper end
_ROUNDING = 1e-9  # keeps a window whose length bound is a whole number from being cut by float error

_APOSTROPHES = dict.fromkeys(map(ord, "'’‘`´ʼ′"), None)  # dropped: "don't" -> "dont", "l'offerta" -> "lofferta"
_KEPT_SYMBOLS = frozenset("%€$£")  # offers and prices: each stays as its own token


# ---------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Phrase:
    """One phrase of the lexicon; `norm` is `normalize(text)`, what matching compares."""

    text: str  # as written in the list
    kind: str  # one of KINDS (callers may use their own kinds, e.g. product names)
    lang: str  # "en".. "pt", "user" for the user's phrases, "any" for find_offers' patterns
    norm: str


@dataclass(frozen=True)
class Lexicon:
    """All phrases, built-in and the user's; `of` picks kinds."""

    phrases: tuple[Phrase, ...]
    _selected: dict[tuple[str, ...], tuple[Phrase, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def of(self, *kinds_or_prefixes: str) -> tuple[Phrase, ...]:
        """The phrases of the given kinds: "cta" selects every cta.* kind, "hook.you" that kind only.

        No argument selects everything. The same selection returns the same tuple, which lets
        `find_phrases` reuse its index for it.
        """
        key = tuple(kinds_or_prefixes)
        cached = self._selected.get(key)
        if cached is not None:
            return cached
        kinds: set[str] = set()
        for selector in key:
            chosen = {k for k in KINDS if k == selector or k.startswith(selector + ".")}
            if not chosen:
                raise ValueError(f"unknown phrase kind {selector!r}; known: {', '.join(KINDS)}")
            kinds |= chosen
        selected = tuple(p for p in self.phrases if not key or p.kind in kinds)
        self._selected[key] = selected
        return selected


@dataclass(frozen=True)
class TimedText:
    """A piece of text heard or read, with its time span; words carry their own times for speech."""

    text: str
    start_s: float
    end_s: float
    source: str  # "speech" | "screen"
    words: tuple[tuple[float, float, str], ...] = ()  # (start_s, end_s, word) for speech


@dataclass(frozen=True)
class Match:
    """A phrase found in a text: what was heard or read, and when."""

    phrase: Phrase
    source: str  # "speech" | "screen"
    quote: str  # the words heard / text read that matched, as they appear (original casing)
    start_s: float  # speech: the matched words' own times; screen: the line's span
    end_s: float
    similarity: float  # 0..1


class LexiconError(ConfigError, ValueError):
    """A user phrase is unusable (unknown kind, empty text): a config error, and a ValueError."""


# ---------------------------------------------------------------------------------- normalisation


def normalize(text: str) -> str:
    """Accents stripped, case folded, apostrophes dropped, other punctuation as spaces.

    "%" and the currency signs € $ £ stay, each as its own token ("20%" -> "20 %"), so that
    offers survive; spaces are collapsed.
    """
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    out = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch in _KEPT_SYMBOLS:
            out.append(f" {ch} ")
        elif ch.isalnum():
            out.append(ch)
        else:
            out.append(" ")
    return " ".join("".join(out).casefold().split())


def _compact(norm: str) -> str:
    return norm.replace(" ", "")


# ---------------------------------------------------------------------------------- loading


def load_lexicon(extra: Mapping[str, Sequence[str]] | None = None) -> Lexicon:
    """The built-in phrases plus the user's, keyed by kind ({"cta.link": ["scrivimi in dm"]}).

    A plain "cta" key means cta.shop. An unknown kind or an empty phrase raises `LexiconError`
    (a ValueError) naming it.
    """
    key: list[tuple[str, tuple[str, ...]]] = []
    for kind, texts in (extra or {}).items():
        if isinstance(texts, str):
            texts = (texts,)
        if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
            raise LexiconError(f"phrases for {kind!r} must be a list of strings")
        key.append((str(kind), tuple(texts)))
    return _lexicon(tuple(key))


@functools.lru_cache(maxsize=16)
def _lexicon(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> Lexicon:
    phrases = list(_builtin_phrases())
    seen = {(p.kind, p.norm) for p in phrases}
    for key, texts in extra:
        kind = USER_KIND_ALIASES.get(key, key)
        if kind not in KINDS:
            known = ", ".join((*KINDS, *USER_KIND_ALIASES))
            raise LexiconError(f"unknown phrase kind {key!r} in the phrases config; known kinds: {known}")
        for text in texts:
            norm = normalize(text)
            if not norm:
                raise LexiconError(f"phrase {text!r} for {key!r} has no letters or digits")
            if (kind, norm) not in seen:
                seen.add((kind, norm))
                phrases.append(Phrase(text=text, kind=kind, lang=USER_LANG, norm=norm))
    return Lexicon(tuple(phrases))


@functools.lru_cache(maxsize=1)
def _builtin_phrases() -> tuple[Phrase, ...]:
    """phrases.toml, parsed once: a table per kind, a list of phrases per language."""
    data = tomllib.loads(resources.files(__package__).joinpath(PHRASES_FILE).read_text(encoding="utf-8"))
    phrases: list[Phrase] = []
    for kind, table in _kind_tables(data):
        if kind not in KINDS:
            raise ValueError(f"{PHRASES_FILE}: unknown kind {kind!r}")
        for lang, texts in table.items():
            if lang not in LANGUAGES:
                raise ValueError(f"{PHRASES_FILE}: [{kind}] unknown language {lang!r}")
            phrases += [Phrase(text=t, kind=kind, lang=lang, norm=normalize(t)) for t in texts]
    return tuple(phrases)


def _kind_tables(data: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Mapping[str, Any]]]:
    """The tables whose values are phrase lists, with their dotted names ([cta.cart] -> "cta.cart")."""
    for name, value in data.items():
        if isinstance(value, Mapping) and value and all(isinstance(v, list) for v in value.values()):
            yield prefix + name, value
        elif isinstance(value, Mapping):
            yield from _kind_tables(value, prefix + name + ".")
        else:
            raise ValueError(f"{PHRASES_FILE}: {prefix + name} is not a table of phrase lists")


# ---------------------------------------------------------------------------------- timed text


def speech_texts(transcript: Any) -> list[TimedText]:
    """One TimedText per transcript segment, its words with their own times."""
    if transcript is None:
        return []
    return [TimedText(text=seg.text.strip(), start_s=seg.start_s, end_s=seg.end_s, source="speech",
                      words=tuple((w.start_s, w.end_s, w.word) for w in seg.words))
            for seg in transcript.segments]


def screen_texts(text_track: Any) -> list[TimedText]:
    """One TimedText per OCR line, over the time the line is on screen."""
    if text_track is None:
        return []
    return [TimedText(text=line.text, start_s=line.start_s, end_s=line.end_s, source="screen")
            for line in text_track.lines]


@dataclass(frozen=True)
class _Words:
    """A text cut into words (with their place in `display` and their times) and normalised tokens."""

    source: str
    display: str  # the words as they appear: the line read, or the words heard joined by spaces
    spans: tuple[tuple[int, int], ...]  # each word's characters in display
    times: tuple[tuple[float, float], ...]  # each word's time span
    tokens: tuple[str, ...]  # normalised tokens, in order
    token_word: tuple[int, ...]  # the word each token comes from

    def quote(self, first_word: int, last_word: int) -> str:
        """The words as they appear, without the punctuation at either end ("shop now." -> "shop now")."""
        text = self.display[self.spans[first_word][0]:self.spans[last_word][1]]
        start, end = 0, len(text)
        while start < end and _is_edge_punct(text[start]):
            start += 1
        while end > start and _is_edge_punct(text[end - 1]):
            end -= 1
        return text[start:end] or text

    def span_s(self, first_word: int, last_word: int) -> tuple[float, float]:
        return self.times[first_word][0], self.times[last_word][1]

    def word_at(self, char: int) -> int:
        """The word holding character `char` of display (the one before it, between words)."""
        return max(0, bisect.bisect_right([start for start, _ in self.spans], char) - 1)


def _is_edge_punct(ch: str) -> bool:
    return ch not in _KEPT_SYMBOLS and unicodedata.category(ch)[0] in "PZ"


def _words(tt: TimedText) -> _Words:
    """Words with times: speech words carry their own; screen lines (and speech without words) share the span."""
    if tt.source == "speech" and tt.words:
        raw = [(w.strip(), s, e) for s, e, w in tt.words]
        raw = [(w, s, e) for w, s, e in raw if w]
        spans, pos = [], 0
        for w, _, _ in raw:
            spans.append((pos, pos + len(w)))
            pos += len(w) + 1
        display = " ".join(w for w, _, _ in raw)
        times = [(s, e) for _, s, e in raw]
        texts = [w for w, _, _ in raw]
    else:
        display = tt.text
        found = list(re.finditer(r"\S+", display))
        spans = [m.span() for m in found]
        times = [(tt.start_s, tt.end_s)] * len(found)
        texts = [m.group() for m in found]
    norm = _ocr_normalize if tt.source == "screen" else normalize
    tokens: list[str] = []
    token_word: list[int] = []
    for i, text in enumerate(texts):
        for token in norm(text).split():
            tokens.append(token)
            token_word.append(i)
    return _Words(tt.source, display, tuple(spans), tuple(times), tuple(tokens), tuple(token_word))


def _ocr_normalize(word: str) -> str:
    """`normalize` after undoing OCR letter/digit confusions ("SH0P" -> "shop", "2O%" -> "20%")."""
    from vidscore.signals.text import normalize_ocr_text  # imports OpenCV: only when there is OCR text

    return normalize(normalize_ocr_text(word))


# ---------------------------------------------------------------------------------- phrase matching


@dataclass(frozen=True)
class _Index:
    """The phrases prepared for matching: exact ones by their space-less form, fuzzy ones by length band."""

    exact: Mapping[str, tuple[tuple[tuple[str, ...], Phrase], ...]]  # compact -> (tokens, phrase)
    exact_max_chars: int
    fuzzy: tuple[tuple[int, int, tuple[str, ...], tuple[tuple[Phrase, ...], ...]], ...]
    # per band: (shortest, longest compact length, the compacts, the phrases of each compact)


_INDEX_CACHE: dict[int, tuple[Sequence[Phrase], _Index]] = {}
_INDEX_CACHE_SIZE = 32  # selections kept by identity (a lexicon's `of` results, product names)


def _index(phrases: Sequence[Phrase]) -> _Index:
    """The index of a selection: looked up by identity for tuples (cheap), by value otherwise."""
    if not isinstance(phrases, tuple):
        return _build_index(tuple(phrases))
    cached = _INDEX_CACHE.get(id(phrases))
    if cached is not None and cached[0] is phrases:
        return cached[1]
    index = _build_index(phrases)
    if len(_INDEX_CACHE) >= _INDEX_CACHE_SIZE:
        _INDEX_CACHE.pop(next(iter(_INDEX_CACHE), None), None)
    _INDEX_CACHE[id(phrases)] = (phrases, index)  # holding `phrases` keeps its id from being reused
    return index


@functools.lru_cache(maxsize=_INDEX_CACHE_SIZE)
def _build_index(phrases: tuple[Phrase, ...]) -> _Index:
    exact: dict[str, list[tuple[tuple[str, ...], Phrase]]] = {}
    fuzzy: dict[str, list[Phrase]] = {}
    for p in phrases:
        compact = _compact(p.norm)
        if not compact:
            continue
        if p.kind in EXACT_KINDS or len(compact) < SHORT_PHRASE_CHARS:
            exact.setdefault(compact, []).append((tuple(p.norm.split()), p))
        else:
            fuzzy.setdefault(compact, []).append(p)
    bands = []
    edges = (*_LENGTH_BANDS[1:], math.inf)
    for lo, hi in zip(_LENGTH_BANDS, edges):
        members = sorted(c for c in fuzzy if lo <= len(c) < hi)
        if members:
            bands.append((len(members[0]), len(members[-1]), tuple(members),
                          tuple(tuple(fuzzy[c]) for c in members)))
    return _Index(exact={k: tuple(v) for k, v in exact.items()},
                  exact_max_chars=max(map(len, exact), default=0), fuzzy=tuple(bands))


@dataclass(frozen=True)
class _Hit:
    phrase: Phrase
    text_i: int
    first_token: int
    end_token: int  # exclusive
    similarity: float

    @property
    def rank(self) -> tuple[float, int]:
        """Among overlapping hits: the most similar, then the longest phrase (an exact hit beats a fuzzy one)."""
        return self.similarity, len(_compact(self.phrase.norm))


def find_phrases(texts: Iterable[TimedText], phrases: Sequence[Phrase],
                 min_similarity: float = DEFAULT_MIN_SIMILARITY) -> list[Match]:
    """Where each phrase is heard or read, sorted by time.

    Case, accents and punctuation are ignored. Phrases shorter than SHORT_PHRASE_CHARS (and all of
    EXACT_KINDS) must equal whole words (speech) or whole runs of words, spaces ignored (screen,
    where OCR runs words together); longer ones are compared with every run of whole words and match
    at `min_similarity`. At most one match per phrase and text; where phrases of the same kind
    overlap in a text, only the longest, most similar one is kept.
    """
    if not 0.0 < min_similarity <= 1.0:
        raise ValueError(f"min_similarity must be in (0, 1], got {min_similarity}")
    texts = list(texts)
    if not texts or not phrases:
        return []
    index = _index(phrases)
    prepared = [_words(t) for t in texts]
    hits = _exact_hits(prepared, index) + _fuzzy_hits(prepared, index, min_similarity)
    return _to_matches(_resolve(hits), prepared)


def _exact_hits(prepared: Sequence[_Words], index: _Index) -> list[_Hit]:
    hits: list[_Hit] = []
    if not index.exact:
        return hits
    for ti, w in enumerate(prepared):
        seen: set[Phrase] = set()
        toks = w.tokens
        for i in range(len(toks)):
            compact = ""
            for j in range(i, len(toks)):
                compact += toks[j]
                if len(compact) > index.exact_max_chars:
                    break
                for tokens, phrase in index.exact.get(compact, ()):
                    if phrase in seen:
                        continue
                    # Speech words are whole words as heard; OCR may run words together ("LINKINBIO").
                    if w.source == "screen" or toks[i:j + 1] == tokens:
                        seen.add(phrase)
                        hits.append(_Hit(phrase, ti, i, j + 1, 1.0))
    return hits


def _fuzzy_hits(prepared: Sequence[_Words], index: _Index, min_similarity: float) -> list[_Hit]:
    """Compare each fuzzy phrase with every run of whole words of a length that can reach the threshold."""
    if not index.fuzzy:
        return []
    # A window of m characters can reach similarity s with a phrase of n only if n*s/(2-s) <= m <= n*(2-s)/s.
    grow = (2.0 - min_similarity) / min_similarity
    longest = max(band[1] for band in index.fuzzy)
    windows: dict[str, list[tuple[int, int, int]]] = {}  # compact -> (text, first token, end token)
    for ti, w in enumerate(prepared):
        toks = w.tokens
        for i in range(len(toks)):
            compact = ""
            for j in range(i, len(toks)):
                compact += toks[j]
                if len(compact) > longest * grow:
                    break
                windows.setdefault(compact, []).append((ti, i, j + 1))
    if not windows:
        return []
    by_len = sorted(windows, key=len)
    lengths = [len(c) for c in by_len]
    best: dict[tuple[Phrase, int], tuple[float, int, int, int]] = {}  # (phrase, text) -> score, -gap, -start, end
    cutoff = min_similarity * 100.0
    for shortest, longest_in_band, compacts, band_phrases in index.fuzzy:
        lo = bisect.bisect_left(lengths, math.ceil(shortest / grow - _ROUNDING))
        hi = bisect.bisect_right(lengths, math.floor(longest_in_band * grow + _ROUNDING))
        if lo >= hi:
            continue
        cands = by_len[lo:hi]
        scores = process.cdist(compacts, cands, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32)
        for row, col in zip(*np.nonzero(scores)):
            score = float(scores[row, col])
            compact = cands[col]
            if Levenshtein.normalized_similarity(compacts[row], compact) < MIN_EDIT_SIMILARITY:
                continue
            gap = abs(len(compact) - len(compacts[row]))
            for ti, i, j in windows[compact]:
                w = prepared[ti]
                span_words = w.token_word[j - 1] - w.token_word[i] + 1
                for phrase in band_phrases[row]:
                    # Speech recognition writes words apart: a phrase of several words is never one word heard
                    # ("comprato" is not "compra ora"); OCR runs words together ("LINKINBIO"), so screen may.
                    if w.source == "speech" and span_words < min(2, phrase.norm.count(" ") + 1):
                        continue
                    rank = (score, -gap, -i, -j)  # most similar, closest in length, earliest, shortest
                    key = (phrase, ti)
                    if key not in best or rank > best[key]:
                        best[key] = rank
    return [_Hit(phrase, ti, -rank[2], -rank[3], rank[0] / 100.0) for (phrase, ti), rank in best.items()]


def _resolve(hits: list[_Hit]) -> list[_Hit]:
    """One hit per (phrase, text); among overlapping hits of one kind in one text, the best ranked."""
    hits = sorted(hits, key=lambda h: (-h.rank[0], -h.rank[1], h.first_token, h.phrase.text))
    kept: list[_Hit] = []
    taken: dict[tuple[int, str], list[tuple[int, int]]] = {}
    seen: set[tuple[Phrase, int]] = set()
    for h in hits:
        if (h.phrase, h.text_i) in seen:
            continue
        spans = taken.setdefault((h.text_i, h.phrase.kind), [])
        if any(h.first_token < end and start < h.end_token for start, end in spans):
            continue
        seen.add((h.phrase, h.text_i))
        spans.append((h.first_token, h.end_token))
        kept.append(h)
    return kept


def _to_matches(hits: Iterable[_Hit], prepared: Sequence[_Words]) -> list[Match]:
    matches = []
    for h in hits:
        w = prepared[h.text_i]
        first, last = w.token_word[h.first_token], w.token_word[h.end_token - 1]
        start_s, end_s = w.span_s(first, last)
        matches.append(Match(h.phrase, w.source, w.quote(first, last), start_s, end_s, round(h.similarity, 3)))
    return sorted(matches, key=lambda m: (m.start_s, m.end_s, m.phrase.kind, m.phrase.text))


# ---------------------------------------------------------------------------------- prices and discounts

_NUMBER = r"\d+(?:[.,]\d{3})*(?:[.,]\d{1,2})?"  # 5, 19.99, 19,99, 1,299.00
_CURRENCY_WORDS = r"(?:euros?|eur|dollars?|usd|bucks|d[oó]lares|reais|libras|gbp)"
_PERCENT_WORDS = r"(?:%|percent\b|per\s?cent\b|por\s?ciento\b|per\s?cento\b|pour\s?cent\b|prozent\b|por\s?cento\b)"
# Discounts: 1-99 % ("100%" is a claim, "100% natural", not a discount), optionally with a minus sign.
_PERCENT = re.compile(rf"(?<![\w.,])[-−–]?\s?(\d{{1,2}}(?:[.,]\d+)?)\s?{_PERCENT_WORDS}", re.IGNORECASE)
_PRICE = re.compile(
    rf"(?:(?:R|US|CA|AU)?[$€£]\s?{_NUMBER}(?![\d%])"  # $19.99, €19, £5, R$ 49
    rf"|(?<![\w.,]){_NUMBER}\s?(?:[$€£]|{_CURRENCY_WORDS}\b)"  # 19,99 €, 5 euro, 10 dollars
    rf"|(?<![\w.,])\d{{1,4}}[.,]9[59](?![\w%.,]))",  # 9.99, 24,95: retail endings read as prices
    re.IGNORECASE)
# Multi-buy: 2x1, 3x2, "2 for 1", BOGO, B1G1 (the first number larger than the second).
_BUNDLE = re.compile(r"(?<![\w.,])([2-9])\s?(?:x|for|per|por|pour|für)\s?([1-8])(?![\w.,])|\bbogo\b|\bb1g1\b",
                     re.IGNORECASE)
_OFFER_PATTERNS = (("percent", _PERCENT), ("price", _PRICE), ("bundle", _BUNDLE))


def _pattern_phrase(name: str) -> Phrase:
    return Phrase(text=name, kind="offer", lang=PATTERN_LANG, norm=name)


def _is_offer(name: str, m: re.Match[str]) -> bool:
    if name == "percent":
        return 0 < float(m.group(1).replace(",", ".")) < 100
    if name == "bundle" and m.group(1):
        return int(m.group(1)) > int(m.group(2))
    return True


def find_offers(texts: Iterable[TimedText]) -> list[Match]:
    """Prices and discounts in any language: "20%", "-20 %", "$19.99", "19,99 €", "5 euro", "2x1", "BOGO".

    Each is a Match of kind "offer", lang "any", phrase text "percent", "price" or "bundle".
    Ordinary quantities ("3 days", "30 ml", "24h") are not offers. Offer words ("sconto", "free
    shipping") are phrases: find them with `find_phrases`.
    """
    matches = []
    for tt in texts:
        w = _words(tt)
        if not w.spans:
            continue
        taken: list[tuple[int, int]] = []
        for name, pattern in _OFFER_PATTERNS:
            for m in pattern.finditer(w.display):
                start, end = m.span()
                while start < end and w.display[start].isspace():
                    start += 1
                if not _is_offer(name, m) or any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                start_s, end_s = w.span_s(w.word_at(start), w.word_at(end - 1))
                matches.append(Match(_pattern_phrase(name), w.source, w.display[start:end], start_s, end_s, 1.0))
    return sorted(matches, key=lambda m: (m.start_s, m.end_s, m.phrase.text))
