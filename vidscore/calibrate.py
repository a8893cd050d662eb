"""Calibrate the scoring weights on a team's own results: which criteria go with sales in *their* videos.

Input: a CSV with one row per published video (its file and outcome counts such as views, clicks,
orders). Every video is scored (reusing the signal cache); a small ridge regression of the outcome
rate on the criterion and pillar scores then says which signals went with higher conversion, with
effect sizes and an honest cross-validated fit. The fit becomes a scoring-model file
(`vidscore score --model FILE`, or `model = "FILE"` in vidscore.toml), and the videos that did far
better or worse than their content predicts are flagged: their outcome had causes the video does not show.

A linear model on a few dozen videos finds associations, not causes; the report says so when the
data are too few or the fit is no better than predicting the average.
"""

from __future__ import annotations

import dataclasses

import csv
import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vidscore.cache import SignalCache
from vidscore.config import AnalyzeConfig
from vidscore.criteria.base import PILLARS
from vidscore.criteria.catalog import CATALOG
from vidscore.errors import ConfigError, VidscoreError
from vidscore.result import VideoResult

MIN_VIDEOS = 3  # fewer rows cannot be cross-validated at all
MIN_RELIABLE_VIDEOS = 20  # below this, effects are hints: warn
MAX_FOLDS = 5  # k-fold cross-validation with k = min(MAX_FOLDS, n)
CV_SEED = 0  # fold shuffling is fixed so a re-run gives the same report
RIDGE_ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 25))  # regularisation strengths tried (leave-one-out)
SCORE_SCALE = 100.0  # criterion and pillar scores are 0-100; features are score / 100
EFFECT_STEP_POINTS = 10.0  # effects are also given per +10 score points, in the outcome's own unit
WEAK_FIT_R2 = 0.1  # a cross-validated R² between 0 and this is within what chance gives: warn
RESIDUAL_FLAG_Z = 1.5  # |residual| / RMS residual at or above this flags a video
CONSTANT_EPS = 1e-9  # a feature or outcome whose spread is below this is constant
PILLAR_PREFIX = "pillar:"  # feature names: "pillar:cta" for a pillar score, the criterion id for a criterion
# Model-file weights (see `model_weights`):
PILLAR_FALLBACK_FACTOR = 0.25  # a pillar with no positive effect keeps this share of its default weight
CRITERION_FLOOR_WEIGHT = 0.1  # a criterion with no positive effect keeps this weight so it still counts
CATALOG_MAX_WEIGHT = max(c.weight for c in CATALOG)  # the strongest positive effect gets this weight
MODEL_FORMAT_VERSION = 1
DECIMALS = 4


@dataclass(frozen=True)
class Target:
    """An outcome rate: numerator / denominator × scale, e.g. orders per 1,000 views."""

    name: str
    numerator: str  # OutcomeColumns attribute: views | clicks | orders
    denominator: str
    scale: float
    unit: str  # how a value reads: "2.1 orders per 1,000 views"


TARGETS: dict[str, Target] = {
    "orders": Target("orders", "orders", "views", 1000.0, "orders per 1,000 views"),
    "conversion_rate": Target("conversion_rate", "orders", "clicks", 100.0, "orders per 100 clicks"),
    "ctr": Target("ctr", "clicks", "views", 100.0, "clicks per 100 views"),
}


@dataclass(frozen=True)
class OutcomeColumns:
    """The CSV's column names for the video file and the outcome counts (matched case-insensitively)."""

    file: str = "file"
    views: str = "views"
    clicks: str = "clicks"
    orders: str = "orders"


@dataclass(frozen=True)
class OutcomeRow:
    """One CSV row: the video (resolved against the CSV's folder) and its outcome."""

    line: int  # line number in the CSV (the header is line 1)
    file: Path
    name: str  # the file as written in the CSV
    numerator: float
    denominator: float
    rate: float  # numerator / denominator × the target's scale


@dataclass(frozen=True)
class Effect:
    """How one signal goes with the outcome in this data (ridge coefficient, standardised features)."""

    feature: str  # criterion id, or "pillar:<name>"
    kind: str  # criterion | pillar | other
    pillar: str | None
    standardised: float  # outcome SDs per feature SD: comparable across features, used for ranking
    per_10_points: float  # outcome change (target unit) per +10 score points
    rank: int  # 1 = largest |standardised|

    @property
    def label(self) -> str:
        return f"{self.feature[len(PILLAR_PREFIX):]} pillar" if self.kind == "pillar" else self.feature

    def to_json(self) -> dict:
        return {"feature": self.feature, "kind": self.kind, "pillar": self.pillar, "rank": self.rank,
                "standardised": round(self.standardised, DECIMALS), "per_10_points": round(self.per_10_points, DECIMALS)}


@dataclass(frozen=True)
class Residual:
    """A video's actual outcome against what its content predicts (out-of-fold prediction)."""

    video: str
    actual: float
    predicted: float
    standardised: float  # residual / RMS residual
    unit: str

    @property
    def flagged(self) -> bool:
        return abs(self.standardised) >= RESIDUAL_FLAG_Z

    def sentence(self) -> str:
        numbers = f"{_num(self.actual)} {self.unit} vs {_num(self.predicted)} predicted"
        if self.actual < self.predicted:
            return (f"converted far below what its content predicts: {numbers}; look at what the video does not show: "
                    f"price, audience, targeting, stock, posting time")
        return (f"converted far above what its content predicts: {numbers}; find what else helped (audience, price, "
                f"paid boost, timing) and reuse it")

    def to_json(self) -> dict:
        return {"video": self.video, "actual": round(self.actual, DECIMALS), "predicted": round(self.predicted, DECIMALS),
                "standardised": round(self.standardised, DECIMALS), "flagged": self.flagged,
                "note": self.sentence() if self.flagged else None}


@dataclass(frozen=True)
class ModelWeights:
    """The scoring-model weights a calibration implies, and how each fallback was taken."""

    pillars: dict[str, float]
    criteria: dict[str, float]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Calibration:
    """A fitted calibration: ranked effects, cross-validated fit, warnings, residuals."""

    target: Target
    n_videos: int
    features: tuple[str, ...]  # the features the model used (after dropping constant / never-applicable ones)
    effects: tuple[Effect, ...]  # ranked by |standardised|
    intercept: float
    alpha: float  # the ridge strength chosen by leave-one-out
    cv_r2: float  # out-of-fold R² against predicting the training folds' mean (<= 0: no better than the mean)
    folds: int
    mean_outcome: float
    warnings: tuple[str, ...]  # reasons not to trust the result much
    notes: tuple[str, ...]  # what was imputed or dropped
    residuals: tuple[Residual, ...]

    @property
    def better_than_mean(self) -> bool:
        return self.cv_r2 > 0

    @property
    def trustworthy(self) -> bool:
        """Enough videos and a fit clearly better than chance: the model is worth scoring with."""
        return self.n_videos >= MIN_RELIABLE_VIDEOS and self.cv_r2 >= WEAK_FIT_R2

    @property
    def flagged(self) -> tuple[Residual, ...]:
        return tuple(sorted((r for r in self.residuals if r.flagged), key=lambda r: -abs(r.standardised)))

    def model_weights(self, default_pillars: Mapping[str, float] | None = None) -> ModelWeights:
        """Pillar and criterion weights from the positive effects (the model file's content).

        Pillars: a pillar with a positive effect gets a weight in proportion to it; one without keeps
        PILLAR_FALLBACK_FACTOR of its default weight (so it still counts, a little); the weights sum to 1.
        When no pillar has a positive effect, the default pillar weights are kept as they are.
        Criteria: a positive effect is scaled so the strongest gets the catalog's largest weight; a zero
        or negative effect gets CRITERION_FLOOR_WEIGHT, so the criterion still counts a little. A
        criterion the fit could not estimate (constant, or never applicable here) keeps its catalog weight.
        """
        if default_pillars is None:
            from vidscore.scoring import load_model

            default_pillars = load_model(None).pillars
        by_feature = {e.feature: e for e in self.effects}
        notes: list[str] = []
        pillar_effect = {p: (by_feature[PILLAR_PREFIX + p].standardised if PILLAR_PREFIX + p in by_feature else None)
                         for p in PILLARS}
        positive = {p: v for p, v in pillar_effect.items() if v is not None and v > 0}
        if not positive:
            pillars = {p: float(default_pillars[p]) for p in PILLARS}
            notes.append("no pillar score went with a higher outcome: the default pillar weights are kept")
        else:
            fallback = {p: float(default_pillars[p]) * PILLAR_FALLBACK_FACTOR for p in PILLARS if p not in positive}
            share = 1.0 - sum(fallback.values())
            total = sum(positive.values())
            pillars = {p: (positive[p] / total * share if p in positive else fallback[p]) for p in PILLARS}
            for p in fallback:
                why = "could not be estimated" if pillar_effect[p] is None else "had no positive effect"
                notes.append(f"the {p} pillar {why}: it keeps {PILLAR_FALLBACK_FACTOR:g} of its default weight "
                             f"({default_pillars[p]:g} -> {fallback[p]:.3g})")
        criterion_effects = {e.feature: e.standardised for e in self.effects if e.kind == "criterion"}
        strongest = max([v for v in criterion_effects.values() if v > 0], default=0.0)
        criteria = {}
        for criterion in CATALOG:
            effect = criterion_effects.get(criterion.id)
            if effect is None:
                continue  # not estimated: the catalog weight applies
            weight = CATALOG_MAX_WEIGHT * effect / strongest if effect > 0 else 0.0
            criteria[criterion.id] = round(max(CRITERION_FLOOR_WEIGHT, weight), DECIMALS)
        floored = sorted(c for c, v in criterion_effects.items() if v <= 0)
        if floored:
            notes.append(f"{len(floored)} criteria with no positive effect keep weight {CRITERION_FLOOR_WEIGHT:g}: "
                         + ", ".join(floored))
        return ModelWeights(pillars={p: round(w, DECIMALS) for p, w in pillars.items()}, criteria=criteria,
                            notes=tuple(notes))

    def to_model_json(self, source: str = "", created: dt.date | None = None,
                      default_pillars: Mapping[str, float] | None = None) -> dict:
        """The scoring-model file (the shape `vidscore.scoring.load_model` reads) plus a `calibration` block."""
        weights = self.model_weights(default_pillars)
        label = f"{source} " if source else ""
        return {
            "name": f"calibrated {label}({self.target.name})".strip(),
            "version": MODEL_FORMAT_VERSION,
            "description": f"Weights fitted by `vidscore calibrate` to {self.n_videos} videos' {self.target.unit}"
                           f"{' from ' + source if source else ''}. Associations in that data, not causes.",
            "pillars": weights.pillars,
            "criteria": weights.criteria,
            "calibration": {
                "target": self.target.name,
                "unit": self.target.unit,
                "n_videos": self.n_videos,
                "cv_r2": round(self.cv_r2, DECIMALS),
                "folds": self.folds,
                "alpha": round(self.alpha, DECIMALS),
                "mean_outcome": round(self.mean_outcome, DECIMALS),
                "created": (created or dt.date.today()).isoformat(),
                "source": source,
                "warnings": list(self.warnings),
                "notes": [*self.notes, *weights.notes],
                "effects": [e.to_json() for e in self.effects],
                "residuals": [r.to_json() for r in self.residuals],
            },
        }


@dataclass(frozen=True)
class SkippedRow:
    line: int
    name: str
    reason: str


@dataclass(frozen=True)
class CalibrationReport:
    """What `calibrate` did: the rows used and skipped, the fit, and where the model file went."""

    csv_path: Path
    rows: tuple[OutcomeRow, ...]  # the rows that went into the fit
    skipped: tuple[SkippedRow, ...]
    calibration: Calibration
    weights: ModelWeights
    model_path: Path


# ---------------------------------------------------------------------------------------------- CSV


def read_outcomes(csv_path: str | Path, target: str = "orders", columns: OutcomeColumns = OutcomeColumns()) -> list[OutcomeRow]:
    """The CSV's rows as outcome rates; any bad value is a one-line ConfigError naming the line and column."""
    csv_path = Path(csv_path)
    spec = target_spec(target)
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{csv_path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{csv_path}: cannot read it as a UTF-8 CSV: {getattr(exc, 'strerror', None) or exc}") from exc
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ConfigError(f"{csv_path}: empty file (expected a header row with {columns.file!r} and the outcome columns)")
    reader = csv.reader(lines, dialect=_dialect(lines[0]))
    header = [h.strip() for h in next(reader)]
    lookup = {h.casefold(): i for i, h in reversed(list(enumerate(header)))}
    shown = ", ".join(repr(h) for h in header)

    def column(role: str) -> int:
        name = getattr(columns, role)
        if name.strip().casefold() not in lookup:
            need = f"target {spec.name} ({spec.unit}) needs" if role != "file" else "needs"
            raise ConfigError(f"{csv_path}: no {name!r} column: {need} it (columns: {shown}); "
                              f"name yours with --{role}-column")
        return lookup[name.strip().casefold()]

    file_i, num_i, den_i = column("file"), column(spec.numerator), column(spec.denominator)
    num_name, den_name = header[num_i], header[den_i]
    rows: list[OutcomeRow] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        where = f"{csv_path} line {line}"
        name = _cell(cells, file_i)
        if not name:
            raise ConfigError(f"{where}: empty {header[file_i]!r} (the video's path, relative to the CSV)")
        numerator = _count(cells, num_i, num_name, where)
        denominator = _count(cells, den_i, den_name, where)
        if denominator == 0:
            raise ConfigError(f"{where}: {den_name!r} is 0, so {spec.unit} is undefined; leave the row out")
        rows.append(OutcomeRow(line=line, file=csv_path.parent / Path(name).expanduser(), name=name,
                               numerator=numerator, denominator=denominator,
                               rate=numerator / denominator * spec.scale))
    if not rows:
        raise ConfigError(f"{csv_path}: no data rows under the header")
    return rows


def target_spec(target: str) -> Target:
    if target not in TARGETS:
        raise ConfigError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    return TARGETS[target]


def _dialect(header_line: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma CSV, or what the header shows: spreadsheets in many locales write ';' or tabs."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _count(cells: list[str], index: int, name: str, where: str) -> float:
    raw = _cell(cells, index)
    if not raw:
        raise ConfigError(f"{where}, column {name!r}: empty (write 0 if there were none)")
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{where}, column {name!r}: {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{where}, column {name!r}: {raw!r} is not a finite number")
    if value < 0:
        raise ConfigError(f"{where}, column {name!r}: {raw} is negative")
    return value


# ---------------------------------------------------------------------------------------------- features


def default_feature_names() -> tuple[str, ...]:
    """The four pillar scores, then every catalog criterion, in catalog order."""
    return tuple(PILLAR_PREFIX + p for p in PILLARS) + tuple(c.id for c in CATALOG)


def video_features(result: VideoResult) -> dict[str, float | None]:
    """A scored video's features: pillar and criterion scores / 100; None where not applicable."""
    features: dict[str, float | None] = {}
    for pillar in PILLARS:
        value = result.scores.pillar(pillar) if result.scores is not None else None
        features[PILLAR_PREFIX + pillar] = None if value is None else value / SCORE_SCALE
    for c in result.criteria:
        features[c.id] = None if c.score is None else c.score / SCORE_SCALE
    return features


_CATALOG_PILLAR = {c.id: c.pillar for c in CATALOG}


def _kind(feature: str) -> tuple[str, str | None]:
    if feature.startswith(PILLAR_PREFIX):
        return "pillar", feature[len(PILLAR_PREFIX):]
    if feature in _CATALOG_PILLAR:
        return "criterion", _CATALOG_PILLAR[feature]
    return "other", None


# ---------------------------------------------------------------------------------------------- fit


def fit(feature_rows: Sequence[Mapping[str, float | None]], outcome: Sequence[float],
        feature_names: Sequence[str] | None = None, *, target: str = "orders",
        videos: Sequence[str] | None = None) -> Calibration:
    """Ridge regression of `outcome` on the features (0-1 scores; None = not applicable), cross-validated.

    Not-applicable values are imputed with the column mean; never-applicable and constant features
    are dropped (both noted). Too few rows (< MIN_VIDEOS) or a constant outcome is a ConfigError.
    """
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    spec = target_spec(target)
    y = np.asarray(outcome, dtype=float)
    n = len(y)
    if len(feature_rows) != n:
        raise ValueError(f"{len(feature_rows)} feature rows for {n} outcomes")
    videos = list(videos) if videos is not None else [f"row {i + 1}" for i in range(n)]
    if n < MIN_VIDEOS:
        raise ConfigError(f"only {n} video{'s' if n != 1 else ''} with results: at least {MIN_VIDEOS} are needed "
                          f"to fit anything, and {MIN_RELIABLE_VIDEOS} or more for effects worth acting on")
    if not np.all(np.isfinite(y)):
        raise ConfigError("the outcome has missing or infinite values")
    if np.ptp(y) <= CONSTANT_EPS * max(1.0, float(np.abs(y).max())):
        raise ConfigError(f"the outcome is the same for every video ({_num(float(y[0]))} {spec.unit}): "
                          f"nothing to learn from")
    names = list(feature_names) if feature_names is not None else _union_keys(feature_rows)
    X = np.array([[_as_float(row.get(name)) for name in names] for row in feature_rows], dtype=float).reshape(n, len(names))

    notes: list[str] = []
    keep: list[int] = []
    never, constant = [], []
    for j, name in enumerate(names):
        column = X[:, j]
        present = column[~np.isnan(column)]
        if present.size == 0:
            never.append(name)
        elif np.ptp(present) <= CONSTANT_EPS:
            constant.append(name)
        else:
            keep.append(j)
            if present.size < n:
                notes.append(f"{name}: not applicable in {n - present.size} of {n} videos, "
                             f"imputed with the mean of the others ({present.mean() * SCORE_SCALE:.0f})")
    if never:
        notes.append(f"dropped, never applicable (or switched off) here: {', '.join(never)}")
    if constant:
        notes.append(f"dropped, the same in every video (nothing to learn): {', '.join(constant)}")
    if not keep:
        raise ConfigError("no criterion or pillar score varies between these videos: nothing to learn from")
    names = [names[j] for j in keep]
    X = X[:, keep]

    def model():
        return make_pipeline(SimpleImputer(strategy="mean", keep_empty_features=True), StandardScaler(),
                             RidgeCV(alphas=RIDGE_ALPHAS))

    folds = min(MAX_FOLDS, n)
    predicted = np.empty(n)
    baseline = np.empty(n)
    for train, test in KFold(n_splits=folds, shuffle=True, random_state=CV_SEED).split(X):
        predicted[test] = model().fit(X[train], y[train]).predict(X[test])
        baseline[test] = y[train].mean()
    cv_r2 = 1.0 - float(np.sum((y - predicted) ** 2)) / float(np.sum((y - baseline) ** 2))

    final = model().fit(X, y)
    scaler, ridge = final[1], final[2]
    y_sd = float(y.std())
    raw = [(name, float(coef), float(coef / scale * (EFFECT_STEP_POINTS / SCORE_SCALE)))
           for name, coef, scale in zip(names, ridge.coef_, scaler.scale_)]
    raw.sort(key=lambda item: -abs(item[1]))
    effects = tuple(Effect(feature=name, kind=_kind(name)[0], pillar=_kind(name)[1], standardised=coef / y_sd,
                           per_10_points=per_10, rank=rank)
                    for rank, (name, coef, per_10) in enumerate(raw, start=1))

    warnings: list[str] = []
    if n < MIN_RELIABLE_VIDEOS:
        warnings.append(f"only {n} videos (under {MIN_RELIABLE_VIDEOS}): treat the effects as rough hints, not findings; "
                        f"add more results and calibrate again")
    if cv_r2 <= 0:
        warnings.append(f"the fit is no better than predicting the mean (cross-validated R² {cv_r2:.2f}): in this data "
                        f"the criteria do not explain the {spec.unit}; do not score with this model")
    elif cv_r2 < WEAK_FIT_R2:
        warnings.append(f"the fit explains little (cross-validated R² {cv_r2:.2f}, under {WEAK_FIT_R2:g}): unrelated "
                        f"numbers often fit this well by chance; do not act on the effects yet")
    if float(ridge.alpha_) >= RIDGE_ALPHAS[-1]:
        notes.append("the strongest regularisation was chosen: every effect is shrunk hard toward zero")

    rms = math.sqrt(float(np.mean((y - predicted) ** 2))) or 1.0
    residuals = tuple(Residual(video=v, actual=float(a), predicted=float(p), standardised=float((a - p) / rms),
                               unit=spec.unit) for v, a, p in zip(videos, y, predicted))
    return Calibration(target=spec, n_videos=n, features=tuple(names), effects=effects,
                       intercept=float(ridge.intercept_), alpha=float(ridge.alpha_), cv_r2=cv_r2, folds=folds,
                       mean_outcome=float(y.mean()), warnings=tuple(warnings), notes=tuple(notes), residuals=residuals)


def _union_keys(rows: Iterable[Mapping[str, float | None]]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _as_float(value) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"feature value {value!r} is not a number") from None


def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


# ---------------------------------------------------------------------------------------------- end to end


def default_model_path(csv_path: str | Path, target: str) -> Path:
    """Where the model file goes by default: next to the CSV, e.g. results.csv -> results-orders-model.json."""
    csv_path = Path(csv_path)
    return csv_path.with_name(f"{csv_path.stem}-{target}-model.json")


Progress = Callable[[Iterator[tuple[int, VideoResult]], int], Iterator[tuple[int, VideoResult]]]


def calibrate(csv_path: str | Path, config: AnalyzeConfig, target: str = "orders", out_path: str | Path | None = None,
              jobs: int = 1, cache: SignalCache = SignalCache(None), columns: OutcomeColumns = OutcomeColumns(),
              progress: Progress | None = None, debug: bool = False) -> CalibrationReport:
    """Read the outcomes, score their videos, fit, and write the model file (atomically).

    Rows whose file is missing, or whose video cannot be analysed, are skipped and reported.
    `progress(items, total)` may wrap the stream of analysed videos (a progress bar).
    """
    from vidscore.batch import run_batch
    from vidscore.reports.files import write_text
    from vidscore.scoring import load_model

    # Features come from the packaged weights, so an earlier calibrated model never feeds back into the fit.
    config = dataclasses.replace(config, scoring=dataclasses.replace(config.scoring, model=None))

    csv_path = Path(csv_path)
    rows = read_outcomes(csv_path, target, columns)
    skipped: list[SkippedRow] = []
    present: list[OutcomeRow] = []
    for row in rows:
        if row.file.is_file():
            present.append(row)
        else:
            skipped.append(SkippedRow(row.line, row.name, f"no such file: {row.file}"))
    videos = list(dict.fromkeys(row.file for row in present))
    results: dict[Path, VideoResult] = {}
    runs = run_batch(videos, config, jobs=jobs, debug=debug, cache=cache)
    for index, result in (progress(runs, len(videos)) if progress else runs):
        results[videos[index]] = result
    used: list[OutcomeRow] = []
    for row in present:
        result = results[row.file]
        if result.ok:
            used.append(row)
        else:
            skipped.append(SkippedRow(row.line, row.name, f"not analysed: {result.error}"))
    skipped.sort(key=lambda s: s.line)
    try:
        calibration = fit([video_features(results[row.file]) for row in used], [row.rate for row in used],
                          default_feature_names(), target=target, videos=[row.name for row in used])
    except ConfigError as exc:
        suffix = f" ({len(skipped)} of {len(rows)} rows skipped: missing or unreadable videos)" if skipped else ""
        raise ConfigError(f"{csv_path}: {exc}{suffix}") from exc
    out = Path(out_path) if out_path is not None else default_model_path(csv_path, target)
    default_pillars = load_model(None).pillars
    document = calibration.to_model_json(source=csv_path.name, default_pillars=default_pillars)
    write_text(str(out), json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    try:
        load_model(out)  # the file must load as a scoring model (cached per file version)
    except VidscoreError as exc:
        raise ConfigError(f"{out}: the written model does not load: {exc}") from exc
    return CalibrationReport(csv_path=csv_path, rows=tuple(used), skipped=tuple(skipped), calibration=calibration,
                             weights=calibration.model_weights(default_pillars), model_path=out)
