"""Phrase lexicon: the built-in lists, user phrases, tolerant matching in speech and on-screen text, offers."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from vidscore.criteria import lexicon
from vidscore.criteria.lexicon import (
    DEFAULT_MIN_SIMILARITY, KINDS, LANGUAGES, Lexicon, Phrase, TimedText, find_offers, find_phrases, load_lexicon,
    normalize, screen_texts, speech_texts,
)
from vidscore.errors import ConfigError
from vidscore.signals.speech import Segment, Transcript, Word
from vidscore.signals.text import TextLine, TextTrack

WORD_S = 0.4  # each test word lasts this long
LINE_SPAN_S = (1.0, 3.5)  # every on-screen test line shows over this span


def spoken(text: str, start_s: float = 0.0) -> TimedText:
    """`text` as ASR gives it: one timed word per whitespace-separated word, with the leading space."""
    words = tuple((start_s + i * WORD_S, start_s + (i + 1) * WORD_S, " " + w) for i, w in enumerate(text.split()))
    return TimedText(text, start_s, start_s + len(words) * WORD_S, "speech", words)


def shown(text: str) -> TimedText:
    return TimedText(text, *LINE_SPAN_S, "screen")


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return load_lexicon()


def kinds_of(matches) -> set[str]:
    return {m.phrase.kind for m in matches}


def found(matches, kind: str) -> list[str]:
    return [m.phrase.text for m in matches if m.phrase.kind == kind]


# ---------------------------------------------------------------------------------- lists and loading


def test_phrases_toml_has_every_kind_in_every_language():
    data = tomllib.loads(resources.files("vidscore.criteria").joinpath("phrases.toml").read_text(encoding="utf-8"))
    for kind in KINDS:
        table = data
        for part in kind.split("."):
            table = table[part]
        assert set(table) == set(LANGUAGES), kind
        for lang, phrases in table.items():
            minimum = 4 if kind == "hook.you" else 10
            assert len(phrases) >= minimum, (kind, lang)
            norms = [normalize(p) for p in phrases]
            assert all(norms), (kind, lang)
            assert len(norms) == len(set(norms)), f"duplicate phrase in [{kind}] {lang}"


def test_builtin_lexicon_is_loaded_once_and_selects_by_kind_or_prefix(lex):
    assert load_lexicon() is lex  # parsed once, cached
    assert {p.kind for p in lex.phrases} == set(KINDS)
    assert {p.lang for p in lex.phrases} == set(LANGUAGES)
    assert all(p.norm == normalize(p.text) for p in lex.phrases)
    cta = lex.of("cta")
    assert {p.kind for p in cta} == {"cta.cart", "cta.link", "cta.shop", "cta.code"}
    assert {p.kind for p in lex.of("hook.you")} == {"hook.you"}
    assert {p.kind for p in lex.of("offer", "urgency")} == {"offer", "urgency"}
    assert lex.of("cta") is cta  # the same selection is the same tuple (find_phrases reuses its index)
    assert len(lex.of()) == len(lex.phrases)
    with pytest.raises(ValueError, match="hok"):
        lex.of("hok")


def test_user_phrases_are_added_by_kind_and_plain_cta_means_shop():
    lex = load_lexicon({"cta.link": ["scrivimi in dm"], "cta": ["prendilo nel negozio"]})
    user = {(p.kind, p.text) for p in lex.phrases if p.lang == "user"}
    assert user == {("cta.link", "scrivimi in dm"), ("cta.shop", "prendilo nel negozio")}
    matches = find_phrases([spoken("Per info scrivimi in DM!")], lex.of("cta"))
    assert [(m.phrase.lang, m.quote) for m in matches] == [("user", "scrivimi in DM")]
    builtin = load_lexicon()
    assert len(builtin.phrases) == len(lex.phrases) - 2  # the built-ins are not changed


def test_unknown_user_kind_names_it_and_the_known_kinds():
    with pytest.raises(ValueError) as err:
        load_lexicon({"cta.dm": ["scrivimi"]})
    assert "cta.dm" in str(err.value) and "cta.link" in str(err.value) and "hook.question" in str(err.value)
    assert isinstance(err.value, ConfigError)  # shown to the user on one line by the CLI
    with pytest.raises(ValueError, match="no letters"):
        load_lexicon({"cta.link": ["!!"]})


def test_normalize():
    assert normalize("Don't  STOP!") == "dont stop"
    assert normalize("Añade al CARRITO") == "anade al carrito"
    assert normalize("-20% oggi") == "20 % oggi"
    assert normalize("19,99€ / $5 / £3") == "19 99 € $ 5 £ 3"
    assert normalize("Straße, Ärger; l'offerta") == "strasse arger lofferta"
    assert normalize("ajoute-le au panier…") == "ajoute le au panier"
    assert normalize("  ") == ""


# ---------------------------------------------------------------------------------- matching


def test_italian_asr_link_in_bio_and_a_misheard_acquista_ora(lex):
    matches = find_phrases([spoken("Clicca il link in bio e a questa ora.")], lex.of("cta"))
    by_kind = {m.phrase.kind: m for m in matches}
    assert by_kind["cta.link"].phrase.text == "clicca il link in bio"
    assert by_kind["cta.link"].quote == "Clicca il link in bio"
    assert by_kind["cta.link"].similarity == 1.0
    shop = by_kind["cta.shop"]
    assert shop.phrase.text == "acquista ora" and shop.quote == "a questa ora"
    assert DEFAULT_MIN_SIMILARITY <= shop.similarity < 1.0
    assert (shop.start_s, shop.end_s) == pytest.approx((6 * WORD_S, 9 * WORD_S))  # the words' own times
    # Exact matching only: the misheard phrase is no longer found.
    strict = find_phrases([spoken("Clicca il link in bio e a questa ora.")], lex.of("cta"), min_similarity=1.0)
    assert kinds_of(strict) == {"cta.link"}


def test_english_asr_link_in_bio_and_shop_now_with_word_times(lex):
    start_s = 10.0
    matches = find_phrases([spoken("Tap the link in bio and shop now.", start_s)], lex.of("cta"))
    assert [m.phrase.kind for m in matches] == ["cta.link", "cta.shop"]  # sorted by time
    link, shop = matches
    assert "link in bio" in link.phrase.norm and link.quote.endswith("link in bio")
    assert link.end_s == pytest.approx(start_s + 5 * WORD_S)
    assert (shop.quote, shop.phrase.text) == ("shop now", "shop now")
    assert (shop.start_s, shop.end_s) == pytest.approx((start_s + 6 * WORD_S, start_s + 8 * WORD_S))
    assert all(m.source == "speech" for m in matches)


@pytest.mark.parametrize("line, kind, phrase", [
    ("SHOP NOW", "cta.shop", "shop now"),
    ("SH0P N0W", "cta.shop", "shop now"),  # OCR's 0 for O
    ("Tap the orange cart", "cta.cart", "tap the orange cart"),
    ("Link in bio", "cta.link", "link in bio"),
    ("LINKINBIO", "cta.link", "link in bio"),  # OCR runs words together
    ("👉 link in the bio 👈", "cta.link", "link in the bio"),
    ("USE CODE GLOW20", "cta.code", "use code"),
    ("FREE SHIPPING", "offer", "free shipping"),
    ("Añade al carrito", "cta.cart", "añade al carrito"),
    ("anade al carrito", "cta.cart", "añade al carrito"),
    ("Frete grátis hoje", "offer", "frete grátis"),
    ("Klik op de link in mijn bio", "cta.link", "klik op de link in mijn bio"),
    ("kies je kleur", "cta.shop", "kies je kleur"),
    ("GRATIS VERZENDING", "offer", "gratis verzending"),
])
def test_on_screen_text(lex, line, kind, phrase):
    matches = find_phrases([shown(line)], lex.phrases)
    assert phrase in found(matches, kind)
    m = next(m for m in matches if m.phrase.text == phrase)
    assert (m.source, m.start_s, m.end_s) == ("screen", *LINE_SPAN_S)
    assert m.quote.casefold() in line.casefold()


def test_a_bare_day_word_is_not_urgency(lex):
    # "oggi", "today", "hoy" alone are everyday words ("hoy me encuentro bien"); "solo oggi" is urgency
    assert not find_phrases([spoken("Oggi ha il 20% distonto")], lex.of("urgency"))
    assert not find_phrases([spoken("Hola, hoy me encuentro muy bien")], lex.of("offer", "urgency"))
    assert found(find_phrases([spoken("Solo oggi il 20% di sconto")], lex.of("urgency")), "urgency") == ["solo oggi"]


def test_accents_and_case_do_not_matter_in_speech(lex):
    for text in ("Añade al carrito ya", "anade al carrito ya", "AÑADE AL CARRITO YA"):
        assert found(find_phrases([spoken(text)], lex.of("cta")), "cta.cart") == ["añade al carrito"], text


def test_hooks(lex):
    hooks = lex.of("hook")
    stop = find_phrases([spoken("Stop scrolling, this serum changed my skin.")], hooks)
    assert "stop scrolling" in found(stop, "hook.stop")
    assert next(m for m in stop if m.phrase.kind == "hook.stop").quote == "Stop scrolling"
    assert found(find_phrases([spoken("Did you know most people apply it wrong?")], hooks), "hook.question")
    assert found(find_phrases([spoken("Sei stanca di avere la pelle secca?")], hooks), "hook.problem")
    assert found(find_phrases([spoken("Este sérum me cambió la vida")], hooks), "hook.claim")
    assert found(find_phrases([spoken("Wusstest du, dass das geht?")], hooks), "hook.question")


def test_short_phrases_match_whole_words_only(lex):
    assert not find_phrases([spoken("The young woman smiled")], lex.of("hook.you"))
    assert found(find_phrases([spoken("This is for you")], lex.of("hook.you")), "hook.you") == ["you"]
    assert not find_phrases([spoken("Ahoy there, sailor")], lex.of("urgency"))
    assert not find_phrases([spoken("Scan the barcode on the box")], lex.of("cta"))
    assert not find_phrases([shown("BARCODE")], lex.of("cta"))
    assert not find_phrases([shown("CODE: GLOW20")], lex.of("cta"))  # a bare code is an offer, not a call to action
    assert found(find_phrases([shown("CODE: GLOW20")], lex.of("offer")), "offer") == ["code"]
    # Speech words are whole words: a two-word phrase is not one word heard.
    assert not find_phrases([spoken("Ho comprato questa crema")], lex.of("cta"))


def test_one_match_per_phrase_and_text_and_the_longest_of_overlapping_phrases(lex):
    matches = find_phrases([spoken("Shop now, yes, shop now!")], lex.of("cta"))
    assert [(m.phrase.text, m.start_s) for m in matches] == [("shop now", 0.0)]
    # "tap the cart", "orange cart" and "tap the orange cart" overlap: the longest stays.
    matches = find_phrases([spoken("Tap the orange cart")], lex.of("cta"))
    assert [m.phrase.text for m in matches] == ["tap the orange cart"]
    # Phrases of different kinds may overlap: both are reported.
    matches = find_phrases([spoken("Use code SAVE20, today only")], lex.of("cta", "urgency"))
    assert kinds_of(matches) == {"cta.code", "urgency"}


def test_matches_across_texts_are_sorted_by_time(lex):
    texts = [spoken("Grab yours now", 20.0), shown("SHOP NOW"), spoken("Link in bio", 5.0)]
    matches = find_phrases(texts, lex.of("cta"))
    assert [m.start_s for m in matches] == sorted(m.start_s for m in matches)
    assert [m.source for m in matches] == ["screen", "speech", "speech"]


def test_callers_own_phrase_kinds_work(lex):
    names = (Phrase("Glow", "product", "user", normalize("Glow")),
             Phrase("Glowy Serum Plus", "product", "user", normalize("Glowy Serum Plus")))
    matches = find_phrases([spoken("My skin is glowing with Glowy Serum Pluss")], names)
    assert [(m.phrase.text, m.quote) for m in matches] == [("Glowy Serum Plus", "Glowy Serum Pluss")]


ORDINARY = [
    "I used to spend an hour on my morning routine.",
    "My sister gave me this for my birthday and I love the color.",
    "We went to the beach last weekend and the weather was perfect.",
    "The texture is creamy and it smells like vanilla and coconut.",
    "My dog keeps stealing my socks every single morning.",
    "It takes about 5 minutes and lasts 3 days, only 30 ml in the bottle.",
    "Ho comprato questa crema il mese scorso e mi piace molto.",
    "La mattina bevo sempre un caffè prima di uscire di casa.",
    "Mia madre cucina la pasta ogni domenica per tutta la famiglia.",
    "Ordino sempre la stessa cosa quando vado in quel ristorante.",
    "Mi hermana vive en Madrid y trabaja en un hospital.",
    "Por la mañana siempre tomo un café con leche antes del trabajo.",
    "Llevo dos semanas usándolo y noto la piel más luminosa.",
    "Ma sœur habite à Lyon et elle adore la cuisine italienne.",
    "La texture est légère et le parfum est très agréable.",
    "Je vais au marché tous les samedis pour acheter des légumes.",
    "Mein Bruder wohnt in Berlin und arbeitet als Lehrer.",
    "Die Creme riecht angenehm und zieht schnell ein.",
    "Ich trinke morgens immer einen Kaffee mit Milch.",
    "Eu uso esse produto todo dia de manhã antes de sair.",
    "Minha irmã mora em Lisboa e trabalha num escritório.",
    "No fim de semana fomos à praia com os amigos.",
    "Mijn zus woont in Utrecht en werkt in een ziekenhuis.",
    "Ik drink elke ochtend koffie voordat ik naar mijn werk ga.",
    "De textuur is licht en het ruikt naar vanille.",
]


@pytest.mark.parametrize("sentence", ORDINARY)
def test_ordinary_sentences_have_no_cta_offer_or_urgency(lex, sentence):
    selection = lex.of("cta", "offer", "urgency")
    for text in (spoken(sentence), shown(sentence)):
        assert find_phrases([text], selection) == [], text.source
    assert find_offers([spoken(sentence)]) == []


def test_empty_inputs_and_bad_similarity(lex):
    assert find_phrases([], lex.phrases) == []
    assert find_phrases([spoken("shop now")], ()) == []
    assert find_phrases([TimedText("", 0.0, 1.0, "speech")], lex.phrases) == []
    with pytest.raises(ValueError):
        find_phrases([spoken("shop now")], lex.phrases, min_similarity=0.0)


def test_speech_without_word_times_uses_the_segment_span(lex):
    matches = find_phrases([TimedText("and shop now", 4.0, 6.0, "speech")], lex.of("cta"))
    assert [(m.quote, m.start_s, m.end_s) for m in matches] == [("shop now", 4.0, 6.0)]


# ---------------------------------------------------------------------------------- offers


@pytest.mark.parametrize("text, pattern, quote", [
    ("Only today 20% off", "percent", "20%"),
    ("-20 % su tutto", "percent", "-20 %"),
    ("SAVE 50%OFF", "percent", "50%"),
    ("now 30 percent off", "percent", "30 percent"),
    ("just $19.99", "price", "$19.99"),
    ("solo 19,99 €", "price", "19,99 €"),
    ("€19 instead of €39", "price", "€19"),
    ("£5 off", "price", "£5"),
    ("meno di 5 euro", "price", "5 euro"),
    ("under 10 dollars", "price", "10 dollars"),
    ("por R$ 49,90", "price", "R$ 49,90"),
    ("solo 9.99", "price", "9.99"),
    ("2x1 en todo", "bundle", "2x1"),
    ("3 x 2 su tutto", "bundle", "3 x 2"),
    ("BOGO this weekend", "bundle", "BOGO"),
])
def test_offers_are_found_in_any_language(text, pattern, quote):
    for tt in (spoken(text), shown(text)):
        matches = find_offers([tt])
        assert [(m.phrase.text, m.quote) for m in matches][:1] == [(pattern, quote)], tt.source
        m = matches[0]
        assert (m.phrase.kind, m.phrase.lang, m.similarity) == ("offer", "any", 1.0)


def test_offer_times_are_the_words_for_speech_and_the_line_for_screen():
    m = find_offers([spoken("get it for just $19.99 today", 2.0)])[0]
    assert (m.start_s, m.end_s) == pytest.approx((2.0 + 4 * WORD_S, 2.0 + 5 * WORD_S))
    m = find_offers([shown("-20% OGGI")])[0]
    assert (m.source, m.start_s, m.end_s) == ("screen", *LINE_SPAN_S)
    both = find_offers([shown("$19.99 instead of $39.99")])
    assert [m.quote for m in both] == ["$19.99", "$39.99"]


@pytest.mark.parametrize("text", [
    "wait 3 days", "it takes 5 minutes", "30 ml bottle", "lasts 24h", "100% natural", "1080x1920 video",
    "step 2 of 3", "in 2024 we launched", "SPF 50", "24/7 support", "size 38", "2 for the road",
])
def test_ordinary_numbers_are_not_offers(text):
    assert find_offers([spoken(text), shown(text)]) == []


# ---------------------------------------------------------------------------------- adapters


def test_speech_texts_from_a_transcript():
    words = (Word(0.5, 0.8, " Shop", 0.9), Word(0.8, 1.2, " now!", 0.9))
    transcript = Transcript("en", 0.99, (Segment(0.5, 1.2, " Shop now!", words),
                                         Segment(2.0, 3.0, " Thanks.", (Word(2.0, 3.0, " Thanks.", 0.9),))),
                            "faster-whisper:base")
    texts = speech_texts(transcript)
    assert texts[0] == TimedText("Shop now!", 0.5, 1.2, "speech", ((0.5, 0.8, " Shop"), (0.8, 1.2, " now!")))
    assert len(texts) == 2
    matches = find_phrases(texts, load_lexicon().of("cta"))
    assert [(m.quote, m.start_s, m.end_s) for m in matches] == [("Shop now", 0.5, 1.2)]
    assert speech_texts(None) == []


def test_screen_texts_from_a_text_track():
    line = TextLine(text="LINK IN BIO", norm="link in bio", compact="linkinbio", confidence=0.95,
                    box_frac=(0.1, 0.7, 0.8, 0.06), height_frac=0.06, start_s=4.0, end_s=7.5)
    texts = screen_texts(TextTrack(lines=(line,)))
    assert texts == [TimedText("LINK IN BIO", 4.0, 7.5, "screen")]
    matches = find_phrases(texts, load_lexicon().of("cta"))
    assert [(m.phrase.kind, m.start_s, m.end_s) for m in matches] == [("cta.link", 4.0, 7.5)]
    assert screen_texts(None) == []


def test_matching_many_texts_uses_a_cached_index(lex):
    texts = [spoken("tap the orange cart and use my code")] * 30
    first = find_phrases(texts, lex.phrases)
    assert len(first) == 30 * 3  # the cart and the code (a call to action, and an offer)
    assert lexicon._index(lex.phrases) is lexicon._index(lex.phrases)


# ---------------------------------------------------------------------------------- the samples' scripts


def test_sample_ctas_are_found_and_other_overlays_are_not_ctas(lex, expected):
    cta = lex.of("cta")
    for name, sample in expected.items():
        for said in sample["cta"]["spoken"]:
            assert find_phrases([spoken(said["text"])], cta), (name, said["text"])
        cta_lines = {line["text"] for line in sample["cta"]["on_screen"]}
        for line in sample["text_overlays"]:
            matches = find_phrases([shown(line["text"])], cta)
            assert bool(matches) == (line["text"] in cta_lines), (name, line["text"])


def test_the_views_but_no_sales_script_has_hooks_but_no_cta_offer_or_urgency(lex):
    script = [spoken("Wait, you have been doing this wrong your whole life!"),
              spoken("I used to spend an hour on my morning routine.", 3.8),
              spoken("Then a friend showed me one simple trick.", 7.0),
              spoken("Now I am ready in five minutes, and my skin feels amazing.", 9.6),
              shown("YOU'RE DOING"), shown("IT WRONG"), shown("1 HOUR"), shown("EVERY DAY?"), shown("NOW: 5 MIN")]
    assert find_phrases(script, lex.of("cta", "offer", "urgency")) == []
    assert find_offers(script) == []
    hooks = find_phrases(script[:1], lex.of("hook"))
    assert kinds_of(hooks) == {"hook.stop", "hook.you", "hook.problem"}
    assert next(m for m in hooks if m.phrase.kind == "hook.stop").quote == "Wait"


def test_the_italian_sample_offer_line(lex):
    line = [spoken("Oggi hai il venti per cento di sconto.", 7.6)]
    matches = find_phrases(line, lex.of("offer", "urgency"))
    assert found(matches, "urgency") == []
    assert found(matches, "offer") == ["per cento di sconto"]
    assert not find_phrases([spoken("È naturale al cento per cento.")], lex.of("offer", "urgency"))


def test_dutch_speech_with_asr_run_together_words(lex):
    """The real Dutch ad's closing line as the ASR wrote it ("Kiesje" for "Kies je")."""
    matches = find_phrases([spoken("Kiesje kleur en ervaar hetzelf, duizenden andere gingen je al voor.")], lex.of("cta"))
    assert "kies je kleur" in found(matches, "cta.shop")
