"""Facts: what the criteria read, derived once per video from its signals and the scoring config.

The phrase matching (CTA, offers, hooks, product names) runs here once, so each criterion is a
cheap pure function of these facts and its thresholds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from vidscore.config import AnalyzeConfig
from vidscore.criteria.lexicon import Lexicon, Match, Phrase, TimedText, find_offers, find_phrases, load_lexicon, \
    normalize, screen_texts, speech_texts
from vidscore.result import VideoResult
from vidscore.signals.audio_features import AudioTrack
from vidscore.signals.faces import FaceTrack
from vidscore.signals.product import ProductPresence
from vidscore.signals.shots import ShotsTrack
from vidscore.signals.speech import Transcript
from vidscore.signals.text import TextLine, TextTrack

# Which OCR lines are text overlays (captions, titles, CTAs) rather than text in the scene
# (packaging, signs): overlays stand still on screen, span a good part of the frame's width, and are
# not printed on the product. Measured on the samples: overlays move <= 0.009 of the frame and
# are >= 0.46 wide; labels on bottles move 0.01-0.09, shop signs are <= 0.19 wide.
OVERLAY_MAX_MOVED_FRAC = 0.01
OVERLAY_MIN_WIDTH_FRAC = 0.2
OVERLAY_MIN_CHARS = 3

PRODUCT_KIND = "product"  # lexicon kind of the product and brand names from the config


@dataclass(frozen=True)
class Facts:
    """Everything the criteria look at for one video."""

    duration_s: float
    width: int
    height: int
    has_audio: bool
    speech_on: bool  # transcription ran (not --no-speech)
    transcript: Transcript | None
    shots: ShotsTrack | None
    faces: FaceTrack | None
    audio: AudioTrack | None
    text: TextTrack | None
    overlays: tuple[TextLine, ...]
    speech: tuple[TimedText, ...]
    screen: tuple[TimedText, ...]
    cta: tuple[Match, ...]
    offers: tuple[Match, ...]  # offer and urgency phrases, prices and discounts
    hooks: tuple[Match, ...]  # hook.* phrases anywhere (criteria pick the opening window)
    mentions: tuple[Match, ...]  # product and brand names, said or written
    product: ProductPresence | None  # the configured product most present in this video
    product_photos: bool  # reference photos were given, so presence was measured
    product_names: tuple[str, ...]

    @property
    def speech_onset_s(self) -> float | None:
        words = self.transcript.words if self.transcript is not None else ()
        return words[0].start_s if words else None

    @property
    def audio_undecodable(self) -> bool:
        """The file has an audio stream but it could not be decoded (a warning says why)."""
        return self.has_audio and (self.audio is None or not self.audio.has_audio)

    @property
    def first_overlay_s(self) -> float | None:
        return min((line.start_s for line in self.overlays), default=None)

    def spoken(self, matches: tuple[Match, ...]) -> tuple[Match, ...]:
        return tuple(m for m in matches if m.source == "speech")

    def shown(self, matches: tuple[Match, ...]) -> tuple[Match, ...]:
        return tuple(m for m in matches if m.source == "screen")


def build_facts(result: VideoResult, config: AnalyzeConfig, lexicon: Lexicon | None = None) -> Facts:
    """Derive the facts of one analysed video (`result.ok` must be true)."""
    assert result.ok and result.media is not None
    lexicon = lexicon or load_lexicon(config.scoring.phrases)
    signals = result.signals
    names = _product_names(config)
    name_phrases = tuple(Phrase(text=n, kind=PRODUCT_KIND, lang="user", norm=normalize(n)) for n in names)
    product = _main_product(signals.product.products) if signals.product is not None else None
    lines = signals.text.lines if signals.text is not None else ()
    overlays = tuple(line for line in lines if _is_overlay(line, product))
    speech = tuple(speech_texts(result.transcript)) if result.transcript is not None else ()
    # Calls to action and hook lines are read from text put on the video, not from text in the scene
    # (labels that move with the camera or sit on the product); names and prices count anywhere.
    all_screen = tuple(screen_texts(signals.text)) if signals.text is not None else ()
    screen = tuple(screen_texts(dataclasses.replace(signals.text, lines=tuple(
        line for line in lines if not _is_scene_text(line, product))))) if signals.text is not None else ()
    texts = speech + screen
    return Facts(
        duration_s=result.media.duration_s,
        width=result.media.width,
        height=result.media.height,
        has_audio=result.media.has_audio,
        speech_on=config.speech is not None,
        transcript=result.transcript,
        shots=signals.shots,
        faces=signals.faces,
        audio=signals.audio,
        text=signals.text,
        overlays=overlays,
        speech=speech,
        screen=screen,
        cta=tuple(find_phrases(texts, lexicon.of("cta"))),
        offers=tuple(sorted(find_phrases(speech + all_screen, lexicon.of("offer", "urgency"))
                            + find_offers(speech + all_screen), key=lambda m: m.start_s)),
        hooks=tuple(find_phrases(texts, lexicon.of("hook"))),
        mentions=tuple(find_phrases(speech + all_screen, name_phrases)) if name_phrases else (),
        product=product,
        product_photos=any(p.images for p in config.products),
        product_names=names,
    )


def _product_names(config: AnalyzeConfig) -> tuple[str, ...]:
    names: list[str] = []
    for product in config.products:
        names += [product.name, *product.aliases]
    names += list(config.scoring.brand)
    seen: set[str] = set()
    return tuple(n for n in names if n.strip() and not (normalize(n) in seen or seen.add(normalize(n))))


def _main_product(products: tuple[ProductPresence, ...]) -> ProductPresence | None:
    """The product this video is about: the most visible one (the first configured when none shows)."""
    if not products:
        return None
    return max(products, key=lambda p: (p.visible_share, -(p.first_seen_s or 0.0)))


def _is_scene_text(line: TextLine, product: ProductPresence | None) -> bool:
    """Text that belongs to the filmed scene: it moves with the camera or is printed on the product."""
    return line.moved_frac > OVERLAY_MAX_MOVED_FRAC or (product is not None and _on_product(line, product))


def _is_overlay(line: TextLine, product: ProductPresence | None) -> bool:
    """A caption, title or call to action laid over the video (see the OVERLAY_* constants)."""
    if len(line.compact) < OVERLAY_MIN_CHARS or line.box_frac[2] < OVERLAY_MIN_WIDTH_FRAC:
        return False
    return not _is_scene_text(line, product)


def _on_product(line: TextLine, product: ProductPresence) -> bool:
    """The line's centre lies inside the product's box at some moment the line is on screen."""
    x, y, w, h = line.box_frac
    cx, cy = x + w / 2, y + h / 2
    for sample in product.samples:
        if sample.present and sample.box_frac and line.start_s <= sample.t_s <= line.end_s:
            bx, by, bw, bh = sample.box_frac
            if bx <= cx <= bx + bw and by <= cy <= by + bh:
                return True
    return False
