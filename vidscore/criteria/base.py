"""The shapes criteria share: a catalog entry, a piece of evidence, and one criterion's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

PILLARS = ("hook", "product", "cta", "format")
DECIMALS = 3


@dataclass(frozen=True)
class Criterion:
    """One catalog entry: what is checked, against which thresholds, how much it weighs, how to fix it."""

    id: str
    pillar: str
    title: str  # a few words, for tables
    definition: str  # one line: what passing means
    thresholds: Mapping[str, float]  # named, with units in the names (max_s, min_frac, ...)
    weight: float  # relative weight inside its pillar
    fix: str  # what to change when it fails
    needs: tuple[str, ...] = ()  # signals or settings it needs: speech, faces, product_photos, product_names...
    anchor: str = ""  # where the threshold comes from

    def to_json(self) -> dict:
        return {
            "id": self.id, "pillar": self.pillar, "title": self.title, "definition": self.definition,
            "thresholds": dict(self.thresholds), "weight": self.weight, "fix": self.fix,
            "needs": list(self.needs), "anchor": self.anchor,
        }


@dataclass(frozen=True)
class Evidence:
    """A moment that supports a verdict: when, and what was heard, read or seen."""

    start_s: float
    end_s: float
    what: str

    def to_json(self) -> dict:
        return {"start_s": round(self.start_s, DECIMALS), "end_s": round(self.end_s, DECIMALS), "what": self.what}

    @classmethod
    def from_json(cls, d: dict) -> Evidence:
        return cls(d["start_s"], d["end_s"], d["what"])


@dataclass(frozen=True)
class Measurement:
    """What a measure returns: the measured value, the 0-100 score, the verdict, and its reasons.

    `passed` None means the criterion does not apply to this video (e.g. no product photos given);
    such a criterion has no score and is left out of its pillar.
    """

    value: Any
    passed: bool | None
    score: float | None
    why: str
    evidence: tuple[Evidence, ...] = ()

    @classmethod
    def not_applicable(cls, why: str) -> Measurement:
        return cls(value=None, passed=None, score=None, why=why)


@dataclass(frozen=True)
class CriterionResult:
    """A criterion applied to one video."""

    id: str
    pillar: str
    value: Any
    passed: bool | None
    score: float | None
    weight: float
    why: str
    fix: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    @property
    def applicable(self) -> bool:
        return self.passed is not None

    def to_json(self) -> dict:
        return {
            "id": self.id, "pillar": self.pillar, "value": _json_value(self.value), "passed": self.passed,
            "score": None if self.score is None else round(self.score, 1), "weight": self.weight,
            "why": self.why, "fix": self.fix, "evidence": [e.to_json() for e in self.evidence],
        }

    @classmethod
    def from_json(cls, d: dict) -> CriterionResult:
        return cls(d["id"], d["pillar"], d["value"], d["passed"], d["score"], d["weight"], d["why"], d["fix"],
                   tuple(Evidence.from_json(e) for e in d["evidence"]))


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


FAILED_SCORE_CAP = 90.0  # a failed criterion never scores as if it passed, even right at its threshold


def verdict_score(passed: bool, value: float, good: float, bad: float) -> float:
    """100 when the criterion passed; else the `ramp` from its pass bound to its zero bound, capped."""
    return 100.0 if passed else min(FAILED_SCORE_CAP, ramp(value, good, bad))


def ramp(value: float, good: float, bad: float) -> float:
    """A 0-100 score: 100 at `good` (or better), 0 at `bad` (or worse), linear between.

    Works both ways: good < bad for times ("sooner is better"), good > bad for shares and sizes.
    """
    if good == bad:
        return 100.0 if value == good else 0.0
    frac = (value - bad) / (good - bad)
    return 100.0 * min(1.0, max(0.0, frac))
