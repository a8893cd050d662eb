"""Diagnosis: named patterns across criteria, in plain words, ranked by what fixing them is worth.

Each pattern looks at the criteria results (and the facts for times) and either finds nothing or
returns a finding with the seconds it concerns and the fix. A finding's `impact_points` is how
many overall points the video would gain if the criteria behind it passed; findings are ranked by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from vidscore.criteria.base import CriterionResult, Evidence
from vidscore.criteria.catalog import DIAGNOSIS_THRESHOLDS as T
from vidscore.criteria.facts import Facts

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Diagnosis:
    """One finding about a video: what is wrong, when, what to change, and what it is worth."""

    id: str
    severity: str  # high | medium | low
    message: str
    evidence: tuple[Evidence, ...]
    fix: str
    criteria: tuple[str, ...]  # the criteria behind it
    impact_points: float  # overall points gained if fixed

    def to_json(self) -> dict:
        return {"id": self.id, "severity": self.severity, "message": self.message,
                "evidence": [e.to_json() for e in self.evidence], "fix": self.fix,
                "criteria": list(self.criteria), "impact_points": round(self.impact_points, 1)}

    @classmethod
    def from_json(cls, d: dict) -> Diagnosis:
        return cls(d["id"], d["severity"], d["message"], tuple(Evidence.from_json(e) for e in d["evidence"]), d["fix"],
                   tuple(d["criteria"]), d["impact_points"])


@dataclass(frozen=True)
class _Finding:
    id: str
    message: str
    evidence: tuple[Evidence, ...]
    fix: str
    criteria: tuple[str, ...]
    min_severity: str = "low"  # some problems matter more than their points say (no sound, landscape)
    max_severity: str = "high"  # and some less (a missing offer is a missed chance, not a fault)


class _View:
    """Criteria by id, with the questions patterns ask."""

    def __init__(self, criteria: tuple[CriterionResult, ...], scores, facts: Facts):
        self.by_id = {c.id: c for c in criteria}
        self.scores = scores
        self.facts = facts

    def failed(self, *ids: str) -> list[CriterionResult]:
        return [self.by_id[i] for i in ids if i in self.by_id and self.by_id[i].passed is False]

    def passed(self, cid: str) -> bool:
        return cid in self.by_id and self.by_id[cid].passed is True

    def applies(self, cid: str) -> bool:
        return cid in self.by_id and self.by_id[cid].passed is not None

    def evidence(self, *ids: str, limit: int = 2) -> tuple[Evidence, ...]:
        out: list[Evidence] = []
        for cid in ids:
            if cid in self.by_id:
                out += self.by_id[cid].evidence[:limit]
        return tuple(out)

    def weak(self, pillar: str) -> bool:
        score = self.scores.pillar(pillar)
        return score is not None and score <= T["weak_pillar_max"]


PRODUCT_IDS = ("product_first_3s", "product_first_seen", "product_screen_time", "product_size", "product_closeup",
               "product_named_speech", "product_seen_and_said")
CTA_IDS = ("cta_spoken", "cta_text", "cta_final_third", "cta_after_product", "cta_repeated")


def _no_cta(v: _View) -> bool:
    """Calls to action were checked (said or on screen) and none was found."""
    checked = [v.by_id[c] for c in ("cta_spoken", "cta_text") if v.applies(c)]
    return bool(checked) and not any(c.passed for c in checked)


def _product_phrase(v: _View) -> str | None:
    """'first shows at 12.5 s and fills 3 % of the frame' / 'is never shown', or None when unknown."""
    f = v.facts
    if not (f.product_photos and f.product is not None):
        return None
    if f.product.first_seen_s is None:
        return f"the product ({f.product.name}) is never shown"
    text = f"the product first shows at {f.product.first_seen_s:.1f} s"
    if v.failed("product_size", "product_closeup"):
        text += f" and stays small ({f.product.max_area_frac:.0%} of the frame at most)"
    elif v.failed("product_screen_time"):
        text += f" and is on screen only {f.product.visible_share:.0%} of the time"
    return text


def views_no_conversions(v: _View) -> _Finding | None:
    """The classic: a hook that earns views, with product and call to action too weak to sell."""
    hook = v.scores.hook
    if hook is None or hook < T["strong_hook_min"]:
        return None
    product_weak = v.weak("product") or bool(v.failed("product_first_seen")) or v.scores.product is None
    cta_weak = v.weak("cta") or _no_cta(v)
    if not (product_weak and cta_weak):
        return None
    product = _product_phrase(v) or "the product was not checked (no reference photos)"
    cta = "there is no call to action" if _no_cta(v) else "the call to action is weak (" + \
        "; ".join(c.why for c in v.failed(*CTA_IDS)[:2]) + ")"
    message = (f"Views but no conversions: the hook works (hook {hook:.0f}/100), but {product} and {cta}. "
               "Viewers watch, but are not shown what to buy or told how to buy it.")
    evidence = v.evidence("hook_start_1s", "hook_line", limit=1) + v.evidence("product_first_seen", "product_closeup", limit=1)
    evidence += v.evidence(*CTA_IDS, limit=1)
    fix = ("Show the product within the first 3-5 s and keep it in frame, name it aloud, then end with a spoken and "
           "written call to action ('tap the orange cart to get yours').")
    failed = tuple(c.id for c in v.failed(*PRODUCT_IDS, *CTA_IDS))
    return _Finding("views_no_conversions", message, evidence, fix, failed, min_severity="high")


def weak_hook(v: _View) -> _Finding | None:
    hook = v.scores.hook
    if hook is None or hook > T["weak_pillar_max"]:
        return None
    failed = v.failed("hook_start_1s", "hook_speech_3s", "hook_dynamic_start", "hook_line", "hook_audio_start",
                      "hook_face_3s", "product_first_3s")
    reasons = "; ".join(c.why for c in failed[:3])
    message = f"Weak hook ({hook:.0f}/100): {reasons}. Most viewers decide to scroll on in the first 2 seconds."
    return _Finding("weak_hook", message, tuple(e for c in failed for e in c.evidence[:1]),
                    failed[0].fix if failed else "", tuple(c.id for c in failed))


def product_never_shown(v: _View) -> _Finding | None:
    f = v.facts
    seen = v.by_id.get("product_first_seen")
    if seen is None or seen.passed is not False or seen.value is not None or f.product is None:
        return None
    return _Finding("product_never_shown",
                    f"The product ({f.product.name}) is never recognised on screen: the video cannot sell what it does not show.",
                    (), "Show the product clearly, label towards the camera, early and for several seconds "
                    "(or check that the reference photo matches the product in the video).",
                    tuple(c.id for c in v.failed(*PRODUCT_IDS, "product_end")))


def product_late(v: _View) -> _Finding | None:
    seen = v.by_id.get("product_first_seen")
    if seen is None or seen.passed is not False or seen.value is None:
        return None
    return _Finding("product_late",
                    f"The product shows up late: {seen.why}, when most viewers have already decided to stay or go.",
                    seen.evidence, seen.fix,
                    tuple(c.id for c in v.failed("product_first_seen", "product_first_3s", "product_screen_time")))


def cta_missing(v: _View) -> _Finding | None:
    if not _no_cta(v):
        return None
    where = "said or shown" if v.facts.speech_on else "shown (speech was not checked)"
    return _Finding("cta_missing", f"There is no call to action {where}: viewers who want the product are not told how to get it.",
                    (), "End with a call to action, said and written: 'tap the orange cart', 'link in bio', 'use code ...'.",
                    tuple(c.id for c in v.failed(*CTA_IDS)))


def cta_before_product(v: _View) -> _Finding | None:
    c = v.by_id.get("cta_after_product")
    if c is None or c.passed is not False or _no_cta(v) or v.facts.product is None or v.facts.product.first_seen_s is None:
        return None
    return _Finding("cta_before_product", f"The call to action comes before the product is shown: {c.why}.",
                    c.evidence, c.fix, (c.id,))


def text_unreadable_or_unsafe(v: _View) -> _Finding | None:
    failed = v.failed("cta_readable", "cta_safe_zone", "format_text_safe_zone")
    if not failed:
        return None
    return _Finding("text_unreadable_or_unsafe",
                    "On-screen text is hard to read or hidden by the app: " + "; ".join(c.why for c in failed) + ".",
                    tuple(e for c in failed for e in c.evidence[:2]), " ".join(c.fix for c in failed), tuple(c.id for c in failed))


def format_problems(v: _View) -> _Finding | None:
    failed = v.failed("format_vertical", "format_resolution", "format_length", "format_audio", "format_captions")
    if not failed:
        return None
    serious = bool(v.failed("format_vertical", "format_audio"))  # the feed crops it or plays it mute
    return _Finding("format_problems", "Format problems: " + "; ".join(c.why for c in failed) + ".",
                    (), " ".join(c.fix for c in failed), tuple(c.id for c in failed),
                    min_severity="medium" if serious else "low")


def no_offer(v: _View) -> _Finding | None:
    if not v.failed("offer"):
        return None
    c = v.by_id["offer"]
    return _Finding("no_offer", "No reason to buy now: " + c.why + ".", (), c.fix, (c.id,), max_severity="medium")


PATTERNS: tuple[Callable[[_View], _Finding | None], ...] = (
    views_no_conversions, weak_hook, product_never_shown, product_late, cta_missing, cta_before_product,
    text_unreadable_or_unsafe, format_problems, no_offer,
)
# A finding already explained by a broader one is not repeated.
COVERED_BY = {"views_no_conversions": {"product_late", "cta_missing", "product_never_shown"}}


def diagnose(criteria: tuple[CriterionResult, ...], scores, facts: Facts, model) -> tuple[Diagnosis, ...]:
    """The findings for one video, most valuable fix first."""
    from vidscore.scoring import overall_gain

    view = _View(criteria, scores, facts)
    findings = [f for f in (pattern(view) for pattern in PATTERNS) if f is not None]
    ids = {f.id for f in findings}
    hidden = set().union(*(COVERED_BY.get(i, set()) for i in ids))
    out = []
    for f in findings:
        if f.id in hidden:
            continue
        impact = overall_gain(criteria, set(f.criteria), model)
        by_impact = "high" if impact >= T["high_impact_points"] else \
            "medium" if impact >= T["medium_impact_points"] else "low"
        severity = min(by_impact, f.min_severity, key=SEVERITIES.index)
        severity = max(severity, f.max_severity, key=SEVERITIES.index)
        out.append(Diagnosis(f.id, severity, f.message, f.evidence, f.fix, f.criteria, impact))
    out.sort(key=lambda d: (SEVERITIES.index(d.severity), -d.impact_points))
    return tuple(out)
