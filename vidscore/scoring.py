"""Scoring: apply the criteria catalog to a video, then weigh criteria into pillar and overall scores.

Pillar scores are the weighted mean of the pillar's applicable criteria (0-100); the overall score
is the weighted mean of the pillars that have a score. Weights come from a scoring model file:
`models/scoring.json` by default, or a team's own file (`vidscore.toml` `model = ...`).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from vidscore.config import AnalyzeConfig
from vidscore.criteria.base import FAILED_SCORE_CAP, PILLARS, CriterionResult
from vidscore.criteria.catalog import CATALOG, thresholds_for
from vidscore.criteria.facts import Facts, build_facts
from vidscore.criteria.lexicon import load_lexicon
from vidscore.criteria.measures import MEASURES
from vidscore.errors import ConfigError
from vidscore.result import VideoResult

DEFAULT_MODEL_FILE = "scoring.json"

assert set(MEASURES) == {c.id for c in CATALOG}, "every catalog criterion needs a measure"


@dataclass(frozen=True)
class ScoringModel:
    """Weights: one per pillar for the overall score, and optional per-criterion weights."""

    name: str
    pillars: Mapping[str, float]
    criteria: Mapping[str, float]
    source: str  # where it was read from

    def to_json(self) -> dict:
        return {"name": self.name, "source": self.source}


@dataclass(frozen=True)
class Scores:
    """Pillar and overall scores, 0-100; None where no criterion of the pillar applied."""

    hook: float | None
    product: float | None
    cta: float | None
    format: float | None
    overall: float | None

    def pillar(self, name: str) -> float | None:
        return getattr(self, name)

    def to_json(self) -> dict:
        return {k: (None if v is None else round(v, 1)) for k, v in dataclasses.asdict(self).items()}


def load_model(path: Path | None = None) -> ScoringModel:
    """The scoring model at `path`, or the packaged default; a bad file is a one-line ConfigError.

    Cached per file version (path, size, modification time), so a rewritten file is read again.
    """
    try:
        stat = Path(path).stat() if path is not None else None
    except OSError:
        stat = None
    key = (stat.st_size, stat.st_mtime_ns) if stat is not None else None
    return _load_model(path, key)


@functools.lru_cache(maxsize=8)
def _load_model(path: Path | None, _version: tuple[int, int] | None) -> ScoringModel:
    if path is None:
        source = f"vidscore/models/{DEFAULT_MODEL_FILE}"
        text = importlib.resources.files("vidscore._models").joinpath(DEFAULT_MODEL_FILE).read_text("utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the scoring model: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
        pillars = {p: float(data["pillars"][p]) for p in PILLARS}
        criteria = {str(k): float(v) for k, v in (data.get("criteria") or {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{source}: not a scoring model (needs 'pillars' with {', '.join(PILLARS)}): {exc}") from exc
    known = {c.id for c in CATALOG}
    unknown = sorted(set(criteria) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown criteria {', '.join(unknown)}")
    if any(w < 0 for w in [*pillars.values(), *criteria.values()]) or sum(pillars.values()) <= 0:
        raise ConfigError(f"{source}: weights must be >= 0 and the pillar weights must not all be 0")
    return ScoringModel(name=str(data.get("name") or Path(source).stem), pillars=pillars, criteria=criteria, source=source)


def evaluate(facts: Facts, config: AnalyzeConfig, model: ScoringModel) -> tuple[CriterionResult, ...]:
    """Every enabled catalog criterion applied to one video's facts, in catalog order."""
    results = []
    for criterion in CATALOG:
        override = config.scoring.criteria.get(criterion.id)
        if override is not None and not override.enabled:
            continue
        thresholds = thresholds_for(criterion, config.scoring.platform, override.thresholds if override else None)
        weight = override.weight if override is not None and override.weight is not None else \
            model.criteria.get(criterion.id, criterion.weight)
        m = MEASURES[criterion.id](facts, thresholds)
        score = m.score if m.passed is not False or m.score is None else min(m.score, FAILED_SCORE_CAP)
        results.append(CriterionResult(
            id=criterion.id, pillar=criterion.pillar, value=m.value, passed=m.passed, score=score,
            weight=weight, why=m.why, fix=criterion.fix, evidence=m.evidence,
        ))
    return tuple(results)


def pillar_scores(criteria: tuple[CriterionResult, ...], model: ScoringModel) -> Scores:
    values: dict[str, float | None] = {}
    for pillar in PILLARS:
        scored = [c for c in criteria if c.pillar == pillar and c.score is not None and c.weight > 0]
        total = sum(c.weight for c in scored)
        values[pillar] = sum(c.score * c.weight for c in scored) / total if total else None
    weighted = [(values[p], model.pillars[p]) for p in PILLARS if values[p] is not None and model.pillars[p] > 0]
    total = sum(w for _, w in weighted)
    overall = sum(v * w for v, w in weighted) / total if total else None
    return Scores(overall=overall, **values)


def overall_gain(criteria: tuple[CriterionResult, ...], ids: set[str], model: ScoringModel) -> float:
    """Points the overall score would gain if the criteria `ids` scored 100: the impact of fixing them."""
    scores = pillar_scores(criteria, model)
    fixed = tuple(dataclasses.replace(c, score=100.0) if c.id in ids and c.score is not None else c for c in criteria)
    after = pillar_scores(fixed, model)
    return (after.overall or 0.0) - (scores.overall or 0.0)


def score_video(result: VideoResult, config: AnalyzeConfig) -> VideoResult:
    """The result with its criteria, pillar scores and diagnosis filled in (failed results unchanged)."""
    if not result.ok:
        return result
    from vidscore.diagnosis import diagnose

    model = load_model(config.scoring.model)
    facts = build_facts(result, config, load_lexicon_for(config))
    criteria = evaluate(facts, config, model)
    scores = pillar_scores(criteria, model)
    return dataclasses.replace(result, scores=scores, criteria=criteria,
                               diagnosis=diagnose(criteria, scores, facts, model), scoring_model=model.name)


def load_lexicon_for(config: AnalyzeConfig):
    """The built-in phrases plus the config's own (cached per distinct phrase set)."""
    return _lexicon(tuple(sorted((k, tuple(v)) for k, v in config.scoring.phrases.items())))


@functools.lru_cache(maxsize=8)
def _lexicon(phrases: tuple[tuple[str, tuple[str, ...]], ...]):
    return load_lexicon(dict(phrases))
