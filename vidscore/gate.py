"""The pre-publish gate (`vidscore check`): pass or fail per video, and the failed checks that matter most.

A video passes when it was analysed, its overall score reaches `fail_under`, and every required
criterion passed (a required criterion that cannot be judged fails: the gate cannot vouch for it).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Sequence

from vidscore import __version__
from vidscore.criteria.base import Evidence
from vidscore.criteria.catalog import BY_ID
from vidscore.errors import ConfigError
from vidscore.result import VideoResult
from vidscore.scoring import ScoringModel, overall_gain

GATE_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class FailedCheck:
    """A criterion the video failed: why, when, the fix, and the overall points fixing it would gain."""

    id: str
    title: str
    required: bool
    why: str
    fix: str
    evidence: tuple[Evidence, ...]
    gain_points: float

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "required": self.required, "why": self.why, "fix": self.fix,
                "evidence": [e.to_json() for e in self.evidence], "gain_points": round(self.gain_points, 1)}


@dataclass(frozen=True)
class Verdict:
    file: str
    passed: bool
    overall: float | None
    failed_checks: tuple[FailedCheck, ...]  # required ones first, then by points gained when fixed
    reasons: tuple[str, ...]  # why it failed, in one line each (empty when it passed)
    error: str | None = None

    def to_json(self) -> dict:
        return {"file": self.file, "passed": self.passed,
                "overall": None if self.overall is None else round(self.overall, 1),
                "reasons": list(self.reasons), "error": self.error,
                "failed_checks": [c.to_json() for c in self.failed_checks]}


def parse_required(text: str) -> tuple[str, ...]:
    """`--require a,b` as catalog ids; an unknown id is a ConfigError with the closest known one."""
    ids = tuple(part.strip() for part in text.split(",") if part.strip())
    for cid in ids:
        if cid not in BY_ID:
            close = difflib.get_close_matches(cid, BY_ID, n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (see `vidscore criteria`)"
            raise ConfigError(f"--require: unknown criterion {cid!r}{hint}")
    return ids


def verdict(result: VideoResult, *, fail_under: float, required: Sequence[str], model: ScoringModel) -> Verdict:
    if not result.ok:
        return Verdict(result.file, False, None, (), (f"could not be analysed: {result.error}",), error=result.error)
    by_id = {c.id: c for c in result.criteria}
    checks: list[FailedCheck] = []
    reasons: list[str] = []
    for cid in required:
        c = by_id.get(cid)
        if c is None:
            reasons.append(f"required {cid} is switched off in the config")
        elif c.passed is not True:
            state = "failed" if c.passed is False else "cannot be checked"
            reasons.append(f"required {cid} {state}: {c.why}")
            checks.append(_failed(c, True, result, model))
    for c in result.criteria:
        if c.passed is False and c.id not in required:
            checks.append(_failed(c, False, result, model))
    checks.sort(key=lambda fc: (not fc.required, -fc.gain_points))
    overall = result.scores.overall if result.scores else None
    if overall is None:
        reasons.insert(0, "no criterion could be scored (all switched off or not applicable)")
    elif overall < fail_under:
        reasons.insert(0, f"overall {overall:.1f} is under {fail_under:g}")
    return Verdict(result.file, not reasons, overall, tuple(checks), tuple(reasons))


def _failed(c, required: bool, result: VideoResult, model: ScoringModel) -> FailedCheck:
    gain = overall_gain(result.criteria, {c.id}, model) if c.score is not None else 0.0
    return FailedCheck(c.id, BY_ID[c.id].title, required, c.why, c.fix, c.evidence, gain)


def check_results(results: Sequence[VideoResult], *, fail_under: float, required: Sequence[str],
                  model: ScoringModel) -> list[Verdict]:
    return [verdict(r, fail_under=fail_under, required=required, model=model) for r in results]


def verdicts_json(verdicts: Sequence[Verdict], *, fail_under: float, required: Sequence[str]) -> str:
    doc = {"gate_schema_version": GATE_SCHEMA_VERSION, "vidscore_version": __version__, "fail_under": fail_under,
           "required": list(required), "passed": all(v.passed for v in verdicts),
           "videos": [v.to_json() for v in verdicts]}
    return json.dumps(doc, ensure_ascii=False, indent=2)
