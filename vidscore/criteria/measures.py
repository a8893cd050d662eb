"""One measure per catalog criterion: a pure function (facts, thresholds) -> Measurement.

A measure says what it measured (`value`), whether that passes, a 0-100 score, why, and the
moments that show it (times with the words heard or the text read).
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

from vidscore.criteria.base import Evidence, Measurement, verdict_score
from vidscore.criteria.facts import Facts
from vidscore.criteria.lexicon import Match, normalize

Thresholds = Mapping[str, float]
MEASURES: dict[str, Callable[[Facts, Thresholds], Measurement]] = {}

NO_SPEECH = "speech recognition was off (--no-speech)"
NO_PHOTOS = "no product reference photos were given (add images to [[products]] in vidscore.toml or use --product)"
NO_NAMES = "no product or brand names were given (add [[products]] or [brand] to vidscore.toml)"
UNDECODABLE_AUDIO = "the audio track could not be decoded (see the warnings)"
NO_PRODUCT = "no product was given (add [[products]] to vidscore.toml or use --product)"
_DIGIT = re.compile(r"\d")


def measure(criterion_id: str):
    def register(fn):
        MEASURES[criterion_id] = fn
        return fn

    return register


def _s(t: float | None) -> str:
    return "never" if t is None else f"{t:.1f} s"


def _quote(m: Match) -> Evidence:
    verb = "said" if m.source == "speech" else "on screen"
    return Evidence(m.start_s, m.end_s, f'{verb}: "{m.quote}"')


def _first(matches) -> Match | None:
    return min(matches, key=lambda m: m.start_s, default=None)


def _timed(value_s: float | None, t: Thresholds, what: str, evidence: tuple[Evidence, ...] = ()) -> Measurement:
    """A 'sooner is better' verdict: passes at or before max_s, scores down to 0 at zero_s."""
    if value_s is None:
        return Measurement(None, False, 0.0, f"{what}: never", evidence)
    passed = value_s <= t["max_s"]
    why = f"{what} at {value_s:.1f} s ({'within' if passed else 'after'} {t['max_s']:g} s)"
    return Measurement(round(value_s, 3), passed, verdict_score(passed, value_s, t["max_s"], t["zero_s"]), why, evidence)


def _earliest(candidates: list[tuple[float, Evidence]], t: Thresholds, what: str, none_why: str) -> Measurement:
    """`_timed` on the earliest of several (time, evidence) candidates, or a failure when there are none."""
    if not candidates:
        return Measurement(None, False, 0.0, none_why)
    start_s, evidence = min(candidates, key=lambda c: c[0])
    return _timed(start_s, t, what, (evidence,))


def _speech_applies(f: Facts) -> str | None:
    """Why speech criteria cannot be judged, or None when they can."""
    return None if f.speech_on else NO_SPEECH


# ------------------------------------------------------------------------------------------- hook


@measure("hook_start_1s")
def hook_start(f: Facts, t: Thresholds) -> Measurement:
    candidates = []
    if f.speech_onset_s is not None:
        word = f.transcript.words[0]
        candidates.append((f.speech_onset_s, Evidence(word.start_s, word.end_s, f'first word said: "{word.word.strip()}"')))
    if f.overlays:
        first = min(f.overlays, key=lambda ln: ln.start_s)
        candidates.append((first.start_s, Evidence(first.start_s, first.end_s, f'first text on screen: "{first.text}"')))
    if not candidates and not f.speech_on:
        return Measurement.not_applicable(f"no text on screen, and {NO_SPEECH}")
    return _earliest(candidates, t, "first words", "nothing is said or written on screen")


@measure("hook_speech_3s")
def hook_speech(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _speech_applies(f)) is not None:
        return Measurement.not_applicable(reason)
    if not f.has_audio:
        return Measurement(None, False, 0.0, "the video has no audio track, so nothing is said")
    if f.audio_undecodable:
        return Measurement.not_applicable(UNDECODABLE_AUDIO)
    if f.speech_onset_s is None:
        return Measurement(None, False, 0.0, "no speech was recognised")
    word = f.transcript.words[0]
    return _timed(f.speech_onset_s, t, "first spoken word",
                  (Evidence(word.start_s, word.end_s, f'first word said: "{word.word.strip()}"'),))


@measure("hook_dynamic_start")
def hook_dynamic(f: Facts, t: Thresholds) -> Measurement:
    if f.shots is None:
        return Measurement.not_applicable("the shots signal did not run")
    first_cut = f.shots.boundaries_s[0] if f.shots.boundaries_s else None
    motion = f.shots.max_motion_before(t["max_s"])
    if motion >= t["min_motion"]:
        return Measurement(round(motion, 3), True, 100.0,
                           f"strong motion in the first {t['max_s']:g} s (energy {motion:.2f} >= {t['min_motion']:g})",
                           (Evidence(0.0, min(t["max_s"], f.duration_s), f"motion energy {motion:.2f}"),))
    if first_cut is None:
        return Measurement(None, False, 0.0, f"one static opening shot: no cut and little motion (energy {motion:.2f})")
    passed = first_cut < t["max_s"]  # the first shot must be shorter than max_s
    why = f"first cut at {first_cut:.1f} s ({'before' if passed else 'not before'} {t['max_s']:g} s); " \
          f"little motion before it (energy {motion:.2f})"
    score = verdict_score(passed, first_cut, t["max_s"], t["zero_s"])
    return Measurement(round(first_cut, 3), passed, score, why, (Evidence(first_cut, first_cut, "first cut"),))


@measure("hook_face_3s")
def hook_face(f: Facts, t: Thresholds) -> Measurement:
    if f.faces is None or not f.faces.available:
        return Measurement.not_applicable("the face detector is not available")
    first = f.faces.first_face_s
    evidence = (Evidence(first, first, "first face"),) if first is not None else ()
    if first is None:
        return Measurement(None, False, 0.0, "no face is visible")
    return _timed(first, t, "first face", evidence)


HOOK_TYPES = {"hook.question": "question", "hook.claim": "bold claim", "hook.you": "direct 'you'",
              "hook.problem": "problem", "hook.stop": "pattern interrupt"}


@measure("hook_line")
def hook_line(f: Facts, t: Thresholds) -> Measurement:
    window_s = t["window_s"]
    types: dict[str, Evidence] = {}
    for m in f.hooks:
        if m.start_s < window_s and HOOK_TYPES.get(m.phrase.kind) not in types:
            types[HOOK_TYPES[m.phrase.kind]] = _quote(m)
    for text in f.speech + f.screen:  # questions and numbers are read from the sentence itself
        if text.start_s >= window_s:
            continue
        verb = "said" if text.source == "speech" else "on screen"
        if "?" in text.text and "question" not in types:
            types["question"] = Evidence(text.start_s, text.end_s, f'{verb}: "{text.text.strip()}"')
        if _DIGIT.search(text.text) and "number" not in types and (text.source == "speech" or _is_overlay_text(f, text)):
            types["number"] = Evidence(text.start_s, text.end_s, f'{verb}: "{text.text.strip()}"')
    if not types:
        opening = [x for x in f.speech + f.screen if x.start_s < window_s]
        if not opening and not f.speech_on:
            return Measurement.not_applicable(f"no text on screen in the first {window_s:g} s, and {NO_SPEECH}")
        if not opening:
            return Measurement([], False, 0.0, f"nothing is said or written in the first {window_s:g} s")
        return Measurement([], False, 25.0, "the opening words are not a hook (no question, claim, number, 'you', problem or interrupt)",
                           tuple(Evidence(x.start_s, x.end_s, f'"{x.text.strip()}"') for x in opening[:2]))
    names = sorted(types)
    score = 100.0 if len(names) >= 2 else 80.0
    return Measurement(names, True, score, f"hook in the first {window_s:g} s: {', '.join(names)}", tuple(types.values()))


def _is_overlay_text(f: Facts, text) -> bool:
    return any(line.text == text.text and line.start_s == text.start_s for line in f.overlays)


@measure("product_first_3s")
def product_first_3s(f: Facts, t: Thresholds) -> Measurement:
    if not f.product_photos and not f.product_names:
        return Measurement.not_applicable(NO_PRODUCT)
    seen = f.product.first_seen_s if f.product is not None and f.product_photos else None
    named = _first(f.mentions)
    options = []
    if seen is not None:
        options.append((seen, Evidence(seen, seen, f"{f.product.name} first on screen")))
    if named is not None:
        options.append((named.start_s, _quote(named)))
    return _earliest(options, t, "product first shown or named", "the product is never shown or named")


@measure("hook_audio_start")
def hook_audio(f: Facts, t: Thresholds) -> Measurement:
    if f.audio_undecodable:
        return Measurement.not_applicable(UNDECODABLE_AUDIO)
    if not f.has_audio or f.audio is None or not f.audio.has_audio:
        return Measurement.not_applicable("the video has no audio track (see format_audio)")
    silence = f.audio.start_silence_s
    if silence is None:
        return Measurement(None, False, 0.0, "the sound track is silent throughout")
    passed = silence <= t["max_silence_s"]
    jump = f.audio.loudness_jump_db
    why = f"sound starts at {silence:.1f} s" + ("" if passed else f" (silent lead-in longer than {t['max_silence_s']:g} s)")
    if jump is not None:
        why += f"; first second {jump:+.1f} dB against the rest"
    return Measurement(round(silence, 3), passed, verdict_score(passed, silence, t["max_silence_s"], t["zero_s"]), why,
                       (Evidence(0.0, silence, "silence before the sound starts"),) if silence > 0 else ())


# ------------------------------------------------------------------------------------------- product


def _product_presence(f: Facts) -> str | None:
    return None if f.product_photos and f.product is not None else NO_PHOTOS


@measure("product_first_seen")
def product_first_seen(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _product_presence(f)) is not None:
        return Measurement.not_applicable(reason)
    first = f.product.first_seen_s
    if first is None:
        return Measurement(None, False, 0.0, f"{f.product.name} is never seen on screen")
    return _timed(first, t, f"{f.product.name} first seen", (Evidence(first, first, f"{f.product.name} first on screen"),))


def _intervals(f: Facts) -> tuple[Evidence, ...]:
    return tuple(Evidence(i.start_s, i.end_s, f"{f.product.name} on screen") for i in f.product.intervals)


@measure("product_screen_time")
def product_screen_time(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _product_presence(f)) is not None:
        return Measurement.not_applicable(reason)
    share = f.product.visible_share
    passed = share >= t["min_frac"]
    return Measurement(round(share, 3), passed, verdict_score(passed, share, t["min_frac"], t["zero_frac"]),
                       f"{f.product.name} on screen {share:.0%} of the time (target {t['min_frac']:.0%})", _intervals(f))


@measure("product_size")
def product_size(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _product_presence(f)) is not None:
        return Measurement.not_applicable(reason)
    if f.product.first_seen_s is None:
        return Measurement(0.0, False, 0.0, f"{f.product.name} is never seen on screen")
    mean = f.product.mean_area_frac
    passed = mean >= t["min_area_frac"]
    return Measurement(round(mean, 3), passed, verdict_score(passed, mean, t["min_area_frac"], t["zero_area_frac"]),
                       f"{f.product.name} fills {mean:.0%} of the frame on average while visible "
                       f"(target {t['min_area_frac']:.0%})", _intervals(f))


@measure("product_closeup")
def product_closeup(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _product_presence(f)) is not None:
        return Measurement.not_applicable(reason)
    present = [s for s in f.product.samples if s.present]
    if not present:
        return Measurement(0.0, False, 0.0, f"{f.product.name} is never seen on screen")
    biggest = max(present, key=lambda s: s.area_frac)
    passed = biggest.area_frac >= t["min_area_frac"]
    why = f"largest view of {f.product.name}: {biggest.area_frac:.0%} of the frame at {biggest.t_s:.1f} s " \
          f"({'a' if passed else 'no'} close-up; target {t['min_area_frac']:.0%})"
    return Measurement(round(biggest.area_frac, 3), passed, verdict_score(passed, biggest.area_frac, t["min_area_frac"], t["zero_area_frac"]),
                       why, (Evidence(biggest.t_s, biggest.t_s, f"{f.product.name} at {biggest.area_frac:.0%} of the frame"),))


@measure("product_end")
def product_end(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _product_presence(f)) is not None:
        return Measurement.not_applicable(reason)
    last_s = t["last_s"]
    visible = f.product.visible_in_last_s(last_s, f.duration_s)
    ends = [i for i in f.product.intervals if i.end_s > f.duration_s - last_s]
    why = f"{f.product.name} {'is' if visible else 'is not'} visible in the last {last_s:g} s"
    return Measurement(visible, visible, 100.0 if visible else 0.0, why,
                       tuple(Evidence(i.start_s, i.end_s, f"{f.product.name} on screen") for i in ends))


@measure("product_named_speech")
def product_named_speech(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _speech_applies(f)) is not None:
        return Measurement.not_applicable(reason)
    if not f.product_names:
        return Measurement.not_applicable(NO_NAMES)
    said = f.spoken(f.mentions)
    if not said:
        return Measurement(0, False, 0.0, f"none of {', '.join(repr(n) for n in f.product_names[:4])} is heard in the speech")
    return Measurement(len(said), True, 100.0, f"named aloud {len(said)} time(s), first at {said[0].start_s:.1f} s",
                       tuple(_quote(m) for m in said))


@measure("product_named_text")
def product_named_text(f: Facts, t: Thresholds) -> Measurement:
    if not f.product_names:
        return Measurement.not_applicable(NO_NAMES)
    shown = f.shown(f.mentions)
    if not shown:
        return Measurement(0, False, 0.0, f"none of {', '.join(repr(n) for n in f.product_names[:4])} is read on screen")
    return Measurement(len(shown), True, 100.0, f"name read on screen, first at {shown[0].start_s:.1f} s",
                       tuple(_quote(m) for m in shown[:5]))


@measure("product_seen_and_said")
def product_seen_and_said(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _speech_applies(f) or _product_presence(f)) is not None:
        return Measurement.not_applicable(reason)
    if not f.product_names:
        return Measurement.not_applicable(NO_NAMES)
    tol = t["tolerance_s"]
    said = f.spoken(f.mentions)
    both = [m for m in said if any(i.start_s - tol <= m.start_s <= i.end_s + tol for i in f.product.intervals)]
    if both:
        return Measurement(len(both), True, 100.0, f"named aloud while on screen at {both[0].start_s:.1f} s",
                           tuple(_quote(m) for m in both))
    if not said:
        return Measurement(0, False, 0.0, "the product is never named aloud")
    return Measurement(0, False, 30.0, "the product is named aloud, but never while it is on screen",
                       tuple(_quote(m) for m in said) + _intervals(f))


@measure("offer")
def offer(f: Facts, t: Thresholds) -> Measurement:
    if not f.offers:
        return Measurement([], False, 0.0, "no price, discount, free offer, code or time limit is said or shown")
    kinds = sorted({m.phrase.kind for m in f.offers})
    return Measurement(kinds, True, 100.0, f"offer stated first at {f.offers[0].start_s:.1f} s",
                       tuple(_quote(m) for m in f.offers[:6]))


# ------------------------------------------------------------------------------------------- CTA


def _cta_why(matches: tuple[Match, ...], where: str) -> str:
    first = matches[0]
    return f"call to action {where} at {first.start_s:.1f} s: \"{first.quote}\""


@measure("cta_spoken")
def cta_spoken(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _speech_applies(f)) is not None:
        return Measurement.not_applicable(reason)
    said = f.spoken(f.cta)
    if not said:
        why = "no call to action is said" + ("" if f.has_audio else " (no audio track)")
        return Measurement([], False, 0.0, why)
    return Measurement([m.phrase.text for m in said], True, 100.0, _cta_why(said, "said"), tuple(_quote(m) for m in said))


@measure("cta_text")
def cta_text(f: Facts, t: Thresholds) -> Measurement:
    shown = f.shown(f.cta)
    if not shown:
        return Measurement([], False, 0.0, "no call to action is written on screen")
    return Measurement([m.quote for m in shown], True, 100.0, _cta_why(shown, "on screen"), tuple(_quote(m) for m in shown))


def _no_cta(f: Facts) -> Measurement:
    if not f.speech_on:
        return Measurement.not_applicable(f"no call to action on screen, and {NO_SPEECH}")
    return Measurement(None, False, 0.0, "there is no call to action")


@measure("cta_after_product")
def cta_after_product(f: Facts, t: Thresholds) -> Measurement:
    if (reason := _product_presence(f)) is not None:
        return Measurement.not_applicable(reason)
    if not f.cta:
        return _no_cta(f)
    first_cta = f.cta[0]
    seen = f.product.first_seen_s
    if seen is None:
        return Measurement(None, False, 0.0, f"the call to action at {first_cta.start_s:.1f} s never gets the product on screen",
                           (_quote(first_cta),))
    passed = first_cta.start_s >= seen
    gap = first_cta.start_s - seen
    why = (f"first call to action at {first_cta.start_s:.1f} s, {gap:.1f} s after the product first shows ({seen:.1f} s)"
           if passed else f"first call to action at {first_cta.start_s:.1f} s comes before the product shows ({seen:.1f} s)")
    return Measurement(round(gap, 3), passed, 100.0 if passed else 0.0, why,
                       (Evidence(seen, seen, f"{f.product.name} first on screen"), _quote(first_cta)))


@measure("cta_final_third")
def cta_final_third(f: Facts, t: Thresholds) -> Measurement:
    if not f.cta:
        return _no_cta(f)
    from_s = t["from_frac"] * f.duration_s
    late = [m for m in f.cta if m.end_s >= from_s]
    if not late:
        last = f.cta[-1]
        return Measurement(round(last.start_s, 3), False, 40.0,
                           f"the last call to action is at {last.start_s:.1f} s, before the final third ({from_s:.1f} s on)",
                           (_quote(last),))
    return Measurement(round(late[0].start_s, 3), True, 100.0,
                       f"call to action in the final third at {max(late[0].start_s, from_s):.1f} s", tuple(_quote(m) for m in late))


def cta_moments(f: Facts, merge_s: float = 1.0) -> list[tuple[float, float, set[str]]]:
    """CTA moments: matches closer than `merge_s` of the same source merge into one moment."""
    moments: list[tuple[float, float, set[str]]] = []
    for source in ("speech", "screen"):
        for m in sorted((m for m in f.cta if m.source == source), key=lambda m: m.start_s):
            if moments and moments[-1][2] == {source} and m.start_s - moments[-1][1] <= merge_s:
                start, end, _ = moments[-1]
                moments[-1] = (start, max(end, m.end_s), {source})
            else:
                moments.append((m.start_s, m.end_s, {source}))
    return sorted(moments)


@measure("cta_repeated")
def cta_repeated(f: Facts, t: Thresholds) -> Measurement:
    if not f.cta:
        return _no_cta(f)
    moments = cta_moments(f)
    count = len(moments)
    passed = count >= t["min_count"]
    sources = {s for _, _, src in moments for s in src}
    why = f"{count} call-to-action moment(s) ({' and '.join(sorted('said' if s == 'speech' else 'shown' for s in sources))})"
    return Measurement(count, passed, 100.0 if passed else 50.0, why, tuple(_quote(m) for m in f.cta))


def _cta_lines(f: Facts):
    """The OCR lines that carry an on-screen call to action (the matched words, read on that line)."""
    shown = f.shown(f.cta)
    lines = f.text.lines if f.text else ()
    return [line for line in lines
            if any(m.start_s == line.start_s and normalize(m.quote) in normalize(line.text) for m in shown)]


@measure("cta_readable")
def cta_readable(f: Facts, t: Thresholds) -> Measurement:
    lines = _cta_lines(f)
    if not lines:
        return Measurement.not_applicable("no on-screen call to action to check")
    smallest = min(lines, key=lambda ln: ln.height_frac)
    passed = smallest.height_frac >= t["min_height_frac"]
    why = f"smallest on-screen call to action \"{smallest.text}\" is {smallest.height_frac:.1%} of the frame height " \
          f"({'>=' if passed else '<'} {t['min_height_frac']:.0%})"
    return Measurement(round(smallest.height_frac, 4), passed, verdict_score(passed, smallest.height_frac, t["min_height_frac"], 0.5 * t["min_height_frac"]),
                       why, (Evidence(smallest.start_s, smallest.end_s, f'on screen: "{smallest.text}"'),))


def outside_safe_zone(box_frac: tuple[float, float, float, float], t: Thresholds) -> str | None:
    """Which edge's unsafe band a text box reaches into, or None when the box is inside the safe zone."""
    x, y, w, h = box_frac
    if x + w > 1.0 - t["right_frac"] + 1e-6:
        return "right"
    if y + h > 1.0 - t["bottom_frac"] + 1e-6:
        return "bottom"
    if y < t["top_frac"] - 1e-6:
        return "top"
    if x < t["left_frac"] - 1e-6:
        return "left"
    return None


def _zone(t: Thresholds) -> str:
    parts = [f"{name} {t[f'{name}_frac']:.0%}" for name in ("right", "bottom", "top", "left") if t[f"{name}_frac"] > 0]
    return "clear of the " + ", ".join(parts)


@measure("cta_safe_zone")
def cta_safe_zone(f: Facts, t: Thresholds) -> Measurement:
    lines = _cta_lines(f)
    if not lines:
        return Measurement.not_applicable("no on-screen call to action to check")
    unsafe = [(line, edge) for line in lines if (edge := outside_safe_zone(line.box_frac, t))]
    if unsafe:
        line, edge = unsafe[0]
        return Measurement(False, False, 0.0, f"on-screen call to action \"{line.text}\" reaches into the {edge} band "
                           f"covered by the app ({_zone(t)})",
                           tuple(Evidence(ln.start_s, ln.end_s, f'on screen, {e} edge: "{ln.text}"') for ln, e in unsafe))
    return Measurement(True, True, 100.0, f"on-screen call to action inside the safe zone ({_zone(t)})",
                       tuple(Evidence(ln.start_s, ln.end_s, f'on screen: "{ln.text}"') for ln in lines))


# ------------------------------------------------------------------------------------------- format


@measure("format_vertical")
def format_vertical(f: Facts, t: Thresholds) -> Measurement:
    ratio = f.height / f.width if f.width else 0.0
    passed = ratio >= t["min_ratio"]
    shape = "vertical" if ratio >= t["min_ratio"] else ("landscape" if ratio < 1 else "not tall enough for 9:16")
    return Measurement(round(ratio, 3), passed, verdict_score(passed, ratio, t["min_ratio"], t["zero_ratio"]),
                       f"{f.width}x{f.height} is {shape} (height/width {ratio:.2f}, 9:16 is 1.78)")


@measure("format_resolution")
def format_resolution(f: Facts, t: Thresholds) -> Measurement:
    short = min(f.width, f.height)
    passed = short >= t["min_short_px"]
    return Measurement(short, passed, verdict_score(passed, short, t["min_short_px"], t["zero_short_px"]),
                       f"{f.width}x{f.height}: short side {short} px ({'>=' if passed else '<'} {t['min_short_px']:g})")


@measure("format_length")
def format_length(f: Facts, t: Thresholds) -> Measurement:
    d = f.duration_s
    lo, hi = t["min_s"], t["max_s"]
    if d < lo:
        return Measurement(round(d, 3), False, verdict_score(False, d, lo, lo / 2), f"{d:.1f} s is shorter than {lo:g} s")
    if d > hi:
        return Measurement(round(d, 3), False, verdict_score(False, d, hi, 2 * hi), f"{d:.1f} s is longer than {hi:g} s")
    return Measurement(round(d, 3), True, 100.0, f"{d:.1f} s is within {lo:g}-{hi:g} s")


@measure("format_audio")
def format_audio(f: Facts, t: Thresholds) -> Measurement:
    if not f.has_audio:
        return Measurement(False, False, 0.0, "the video has no audio track")
    if f.audio_undecodable:
        return Measurement(False, False, 0.0, "the audio track could not be decoded")
    level = f.audio.mean_loudness_db
    if level is None or level < t["min_loudness_db"]:
        shown = "" if level is None else f" ({level:.0f} dBFS on average)"
        return Measurement(False, False, 0.0, f"the audio track is silent{shown}")
    return Measurement(True, True, 100.0, f"audio track at {level:.0f} dBFS on average")


@measure("format_captions")
def format_captions(f: Facts, t: Thresholds) -> Measurement:
    count = len(f.overlays)
    passed = count >= t["min_overlays"]
    if not passed:
        scene = len(f.text.lines) if f.text else 0
        why = "no captions or text overlays" + (f" (only {scene} pieces of text in the scene, e.g. labels)" if scene else "")
        return Measurement(count, False, 0.0, why)
    return Measurement(count, True, 100.0, f"{count} text overlay(s), first at {f.overlays[0].start_s:.1f} s",
                       tuple(Evidence(ln.start_s, ln.end_s, f'on screen: "{ln.text}"') for ln in f.overlays[:5]))


@measure("format_text_safe_zone")
def format_text_safe_zone(f: Facts, t: Thresholds) -> Measurement:
    if not f.overlays:
        return Measurement.not_applicable("no text overlays to check")
    unsafe = [(line, edge) for line in f.overlays if (edge := outside_safe_zone(line.box_frac, t))]
    inside = 1.0 - len(unsafe) / len(f.overlays)
    passed = inside >= t["min_inside_frac"]
    why = f"{len(f.overlays) - len(unsafe)} of {len(f.overlays)} text overlays inside the safe zone ({_zone(t)})"
    return Measurement(round(inside, 3), passed, 100.0 * inside, why,
                       tuple(Evidence(ln.start_s, ln.end_s, f'{e} edge: "{ln.text}"') for ln, e in unsafe))


@measure("format_pacing")
def format_pacing(f: Facts, t: Thresholds) -> Measurement:
    if f.shots is None:
        return Measurement.not_applicable("the shots signal did not run")
    mean = f.shots.mean_shot_s
    passed = mean <= t["max_mean_shot_s"]
    why = f"{f.shots.shot_count} shot(s), {mean:.1f} s on average; {f.shots.cuts_first_5s} cut(s) in the first 5 s"
    return Measurement(round(mean, 3), passed, verdict_score(passed, mean, t["max_mean_shot_s"], t["zero_mean_shot_s"]), why,
                       tuple(Evidence(b, b, "cut") for b in f.shots.boundaries_s))
