"""Draft comparison (`vidscore compare`): what the reference video does that each draft does not.

Each draft is set against the reference criterion by criterion; where one passes and the other
does not, the difference is said in plain words ("the reference shows the product at 1.2 s, this
draft at 9.8 s") and ranked by the overall points the draft would gain by matching the reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from vidscore import __version__
from vidscore.criteria.base import CriterionResult
from vidscore.criteria.catalog import BY_ID
from vidscore.result import VideoResult
from vidscore.scoring import ScoringModel, overall_gain

COMPARE_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Difference:
    """One way a draft differs from the reference, and what matching the reference is worth."""

    criterion: str
    message: str
    impact_points: float  # overall points the draft gains if it matches the reference here (<= 0: the draft is better)
    draft_better: bool

    def to_json(self) -> dict:
        return {"criterion": self.criterion, "message": self.message, "impact_points": round(self.impact_points, 1),
                "draft_better": self.draft_better}


@dataclass(frozen=True)
class Comparison:
    reference: VideoResult
    reference_chosen: bool  # True when --reference named it, False when it is the best-scoring video
    drafts: tuple[VideoResult, ...]
    differences: dict[str, tuple[Difference, ...] | None]  # draft file -> differences, most valuable first;
    # None when the draft or the reference could not be analysed (see `not_compared`)

    def not_compared(self, draft: VideoResult) -> str | None:
        """Why a draft has no differences listed, or None when it was compared."""
        if not self.reference.ok:
            return f"not compared: the reference could not be analysed ({self.reference.error})"
        if not draft.ok:
            return f"not compared: {draft.error}"
        return None

    def to_json(self) -> dict:
        return {"compare_schema_version": COMPARE_SCHEMA_VERSION, "vidscore_version": __version__,
                "reference": self.reference.file, "reference_chosen": self.reference_chosen,
                "videos": [r.to_json() for r in (self.reference, *self.drafts)],
                "differences": {f: None if diffs is None else [d.to_json() for d in diffs]
                                for f, diffs in self.differences.items()}}

    def render_json(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"


def pick_reference(results: Sequence[VideoResult], reference: str | None) -> tuple[VideoResult, bool]:
    """The named reference (matched by path or file name), else the best overall score."""
    if reference is not None:
        wanted = Path(reference)
        for r in results:
            if Path(r.file) == wanted or Path(r.file).resolve() == wanted.resolve():
                return r, True
        raise ValueError(f"--reference {reference} is not one of the compared videos")
    scored = [r for r in results if r.ok and r.scores and r.scores.overall is not None]
    if not scored:
        raise ValueError("no video could be scored, so there is nothing to compare")
    return max(scored, key=lambda r: r.scores.overall), False


def compare(results: Sequence[VideoResult], model: ScoringModel, reference: str | None = None) -> Comparison:
    ref, chosen = pick_reference(results, reference)
    drafts = tuple(r for r in results if r is not ref)
    diffs = {d.file: tuple(differences(ref, d, model)) if d.ok and ref.ok else None for d in drafts}
    return Comparison(ref, chosen, drafts, diffs)


def differences(ref: VideoResult, draft: VideoResult, model: ScoringModel) -> list[Difference]:
    """Criteria where the reference and the draft disagree, the draft's biggest gap first."""
    ref_by_id = {c.id: c for c in ref.criteria}
    out: list[Difference] = []
    for d in draft.criteria:
        r = ref_by_id.get(d.id)
        if r is None or r.passed is None or d.passed is None or r.passed == d.passed:
            continue
        draft_better = bool(d.passed)
        if draft_better:
            gain = -overall_gain(ref.criteria, {r.id}, model)
        else:
            gain = overall_gain(draft.criteria, {d.id}, model)
        phrase = PHRASES.get(d.id, _generic)
        out.append(Difference(d.id, phrase(r, d), gain, draft_better))
    out.sort(key=lambda x: (x.draft_better, -x.impact_points))
    return out


def _t(c: CriterionResult) -> str:
    return "never" if c.value is None else f"at {c.value:.1f} s"


def _generic(ref: CriterionResult, draft: CriterionResult) -> str:
    title = BY_ID[ref.id].title
    return (f"{title}: the reference {'passes' if ref.passed else 'fails'} ({ref.why}); "
            f"this draft {'passes' if draft.passed else 'fails'} ({draft.why})")


def _product_seen(ref: CriterionResult, draft: CriterionResult) -> str:
    return f"the reference shows the product {_t(ref)}, this draft {_t(draft)}"


def _shown_or_named(ref: CriterionResult, draft: CriterionResult) -> str:
    return f"the reference shows or names the product {_t(ref)}, this draft {_t(draft)}"


def _first_words(ref: CriterionResult, draft: CriterionResult) -> str:
    return f"the reference starts talking or writing {_t(ref)}, this draft {_t(draft)}"


def _count(c: CriterionResult) -> str:
    quotes = [e.what.split(": ", 1)[-1] for e in c.evidence]
    if not quotes:
        return "never"
    times = "once" if len(quotes) == 1 else ("twice" if len(quotes) == 2 else f"{len(quotes)} times")
    return f"{times} ({quotes[0]} at {c.evidence[0].start_s:.1f} s)"


def _asks(verb: str) -> Callable[[CriterionResult, CriterionResult], str]:
    def phrase(ref: CriterionResult, draft: CriterionResult) -> str:
        return f"the reference {verb} {_count(ref)}, this draft {_count(draft)}"

    return phrase


def _share(ref: CriterionResult, draft: CriterionResult) -> str:
    return f"the reference keeps the product on screen {ref.value:.0%} of the time, this draft {draft.value:.0%}"


PHRASES: dict[str, Callable[[CriterionResult, CriterionResult], str]] = {
    "product_first_seen": _product_seen,
    "product_first_3s": _shown_or_named,
    "hook_start_1s": _first_words,
    "cta_spoken": _asks("asks aloud for the sale"),
    "cta_text": _asks("writes the call to action"),
    "product_screen_time": _share,
    "product_named_speech": _asks("says the product's name"),
}
