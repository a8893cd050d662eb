"""`vidscore calibrate`: outcome CSVs, the ridge fit on known relations, the model file, and the samples end to end."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vidscore.calibrate import (CRITERION_FLOOR_WEIGHT, MIN_RELIABLE_VIDEOS, PILLAR_FALLBACK_FACTOR, OutcomeColumns, default_model_path, fit,
                                read_outcomes, video_features)
from vidscore.cli import EXIT_OK, EXIT_USAGE
from vidscore.cli_calibrate import calibrate_command
from vidscore.errors import ConfigError
from vidscore.scoring import load_model, score_video

PILLAR_FEATURES = ("pillar:hook", "pillar:product", "pillar:cta", "pillar:format")


def synthetic(n: int = 60, seed: int = 7, noise: float = 0.2, hook_slope: float = 0.0) -> tuple[list[dict], list[float]]:
    """Random pillar and criterion scores (0-1); orders rate = 3·cta + 1·product + 0·format + 2·cta_text
    (+ hook_slope·hook) + noise."""
    rng = np.random.default_rng(seed)
    rows, outcome = [], []
    for _ in range(n):
        row = {name: float(rng.uniform()) for name in PILLAR_FEATURES}
        row.update(cta_text=float(rng.uniform()), offer=float(rng.uniform()), format_length=float(rng.uniform()))
        rows.append(row)
        outcome.append(1.0 + 3 * row["pillar:cta"] + 1 * row["pillar:product"] + 0 * row["pillar:format"]
                       + 2 * row["cta_text"] + hook_slope * row["pillar:hook"] + float(rng.normal(0, noise)))
    return rows, outcome


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- fit


def test_fit_recovers_direction_and_rank_of_known_effects():
    rows, outcome = synthetic()
    cal = fit(rows, outcome, None)
    effects = {e.feature: e for e in cal.effects}
    assert [e.feature for e in cal.effects[:3]] == ["pillar:cta", "cta_text", "pillar:product"]
    assert [e.rank for e in cal.effects] == list(range(1, len(cal.effects) + 1))
    assert effects["pillar:cta"].standardised > 0 and effects["pillar:product"].standardised > 0
    # per +10 points in the outcome's unit: the true slopes are 0.3, 0.2 and 0.1 (ridge shrinks a little)
    assert effects["pillar:cta"].per_10_points == pytest.approx(0.3, abs=0.05)
    assert effects["cta_text"].per_10_points == pytest.approx(0.2, abs=0.05)
    assert effects["pillar:product"].per_10_points == pytest.approx(0.1, abs=0.05)
    for null in ("pillar:format", "pillar:hook", "offer", "format_length"):
        assert abs(effects[null].standardised) < 0.1
    assert cal.cv_r2 > 0.8 and cal.better_than_mean and cal.folds == 5
    assert cal.warnings == () and cal.trustworthy  # 60 videos, a good fit: nothing to warn about


def test_model_file_loads_and_weighs_the_stronger_pillar_more(tmp_path):
    rows, outcome = synthetic()
    cal = fit(rows, outcome, None)
    document = cal.to_model_json(source="results.csv")
    assert document["calibration"]["n_videos"] == 60 and document["calibration"]["target"] == "orders"
    assert document["calibration"]["effects"][0]["feature"] == "pillar:cta"
    path = tmp_path / "team.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    model = load_model(path)  # extra keys (calibration, version, description) are ignored
    assert model.pillars["cta"] > model.pillars["product"] > model.pillars["hook"]
    assert model.pillars["product"] > model.pillars["format"]
    assert sum(model.pillars.values()) == pytest.approx(1.0, abs=1e-3)
    assert model.criteria["cta_text"] == pytest.approx(2.0)  # the strongest positive criterion: the catalog's top weight
    assert "hook_line" not in model.criteria  # not in the data: its catalog weight applies
    for effect in cal.effects:
        if effect.kind == "criterion" and effect.standardised <= 0:
            assert model.criteria[effect.feature] == CRITERION_FLOOR_WEIGHT
        elif effect.kind == "criterion":
            assert CRITERION_FLOOR_WEIGHT <= model.criteria[effect.feature] <= 2.0


def test_pillars_without_positive_effect_fall_back_and_say_so():
    rows, outcome = synthetic(hook_slope=-1.5)
    cal = fit(rows, outcome, None)
    assert next(e for e in cal.effects if e.feature == "pillar:hook").standardised < 0
    weights = cal.model_weights({"hook": 0.3, "product": 0.3, "cta": 0.3, "format": 0.1})
    assert weights.pillars["hook"] == pytest.approx(0.3 * PILLAR_FALLBACK_FACTOR)
    assert weights.pillars["cta"] > weights.pillars["product"] > weights.pillars["hook"]
    assert any(note.startswith("the hook pillar had no positive effect") for note in weights.notes)
    unrelated = fit(rows, [-3 * r["pillar:hook"] - 2 * r["pillar:cta"] - r["pillar:product"] - r["pillar:format"]
                           for r in rows], None)
    weights = unrelated.model_weights({"hook": 0.3, "product": 0.3, "cta": 0.3, "format": 0.1})
    assert weights.pillars == {"hook": 0.3, "product": 0.3, "cta": 0.3, "format": 0.1}
    assert any("default pillar weights are kept" in note for note in weights.notes)


def test_fit_imputes_not_applicable_and_drops_constant_features():
    rows, outcome = synthetic(n=30)
    for i, row in enumerate(rows):
        row["cta_spoken"] = None if i % 3 == 0 else row["pillar:cta"]
        row["format_vertical"] = 1.0
        row["product_named_speech"] = None
    cal = fit(rows, outcome, None)
    assert "cta_spoken" in cal.features and "format_vertical" not in cal.features
    assert "product_named_speech" not in cal.features
    notes = " ".join(cal.notes)
    assert "cta_spoken: not applicable in 10 of 30 videos" in notes
    assert "never applicable" in notes and "product_named_speech" in notes
    assert "the same in every video" in notes and "format_vertical" in notes


def test_few_videos_and_a_fit_no_better_than_the_mean_are_warned():
    rows, outcome = synthetic(n=8)
    cal = fit(rows, outcome, None)
    assert any(f"only 8 videos (under {MIN_RELIABLE_VIDEOS})" in w for w in cal.warnings)
    assert not cal.trustworthy


def unrelated(seed: int, n: int = 40) -> tuple[list[dict], list[float]]:
    """Random scores and an outcome that has nothing to do with them."""
    rng = np.random.default_rng(seed)
    rows = [{name: float(rng.uniform()) for name in PILLAR_FEATURES} for _ in range(n)]
    return rows, [float(v) for v in rng.normal(2.0, 1.0, n)]


def test_unrelated_outcomes_are_warned_as_no_better_than_the_mean_or_chance():
    cal = fit(*unrelated(seed=1), None)
    assert cal.cv_r2 <= 0 and not cal.better_than_mean and not cal.trustworthy
    assert any("no better than predicting the mean" in w for w in cal.warnings)
    lucky = fit(*unrelated(seed=3), None)  # this draw fits a little by chance
    assert 0 < lucky.cv_r2 < 0.1 and not lucky.trustworthy
    assert any("explains little" in w and "by chance" in w for w in lucky.warnings)
    for seed in range(10):  # whatever the draw, pure noise never passes as a usable model
        assert not fit(*unrelated(seed=seed), None).trustworthy


def test_residuals_flag_videos_that_converted_far_below_their_content():
    rows, outcome = synthetic(n=40, noise=0.05)
    outcome[5] -= 2.5  # this one sold far less than its content predicts (say it was out of stock)
    cal = fit(rows, outcome, None, videos=[f"v{i}.mp4" for i in range(40)])
    flagged = cal.flagged
    assert flagged and flagged[0].video == "v5.mp4" and flagged[0].standardised <= -1.5
    sentence = flagged[0].sentence()
    assert sentence.startswith("converted far below what its content predicts:")
    assert "orders per 1,000 views vs" in sentence and "predicted" in sentence and "stock" in sentence


def test_degenerate_fits_are_clear_errors():
    rows, outcome = synthetic(n=10)
    with pytest.raises(ConfigError, match="only 1 video with results: at least 3"):
        fit(rows[:1], outcome[:1], None)
    with pytest.raises(ConfigError, match="the same for every video"):
        fit(rows, [2.0] * 10, None)
    constant_rows = [{"pillar:cta": 0.5, "pillar:hook": None} for _ in range(10)]
    with pytest.raises(ConfigError, match="varies between these videos"):
        fit(constant_rows, outcome, None)
    with pytest.raises(ConfigError, match="'high' is not a number"):
        fit([{"pillar:cta": "high"}] * 3, [1.0, 2.0, 3.0], None)


# ---------------------------------------------------------------------------------------------- CSV


def test_read_outcomes_targets_and_column_names(tmp_path):
    csv_path = write_csv(tmp_path / "results.csv",
                         "Video;Impressions;Taps;Sales\nads/a.mp4;2000;100;5\nb.mp4; 500 ;20;0\n\n")
    columns = OutcomeColumns(file="video", views="impressions", clicks="taps", orders="sales")
    rows = read_outcomes(csv_path, "orders", columns)
    assert [r.name for r in rows] == ["ads/a.mp4", "b.mp4"] and [r.line for r in rows] == [2, 3]
    assert rows[0].file == tmp_path / "ads" / "a.mp4"
    assert [r.rate for r in rows] == [pytest.approx(2.5), 0.0]  # orders per 1,000 views
    assert [r.rate for r in read_outcomes(csv_path, "conversion_rate", columns)] == [pytest.approx(5.0), 0.0]
    assert [r.rate for r in read_outcomes(csv_path, "ctr", columns)] == [pytest.approx(5.0), pytest.approx(4.0)]


@pytest.mark.parametrize("text, target, message", [
    ("video,views,orders\na.mp4,10,1\n", "orders", "no 'file' column: needs it (columns: 'video', 'views', 'orders'); "
                                                   "name yours with --file-column"),
    ("file,views,orders\na.mp4,10,1\n", "conversion_rate", "no 'clicks' column: target conversion_rate"),
    ("file,views\na.mp4,10\n", "orders", "no 'orders' column"),
    ("file,views,orders\na.mp4,10,1\nb.mp4,ten,1\n", "orders", "line 3, column 'views': 'ten' is not a number"),
    ("file,views,orders\na.mp4,10,-1\n", "orders", "line 2, column 'orders': -1 is negative"),
    ("file,views,orders\na.mp4,0,0\n", "orders", "line 2: 'views' is 0, so orders per 1,000 views is undefined"),
    ("file,views,orders\na.mp4,10,\n", "orders", "line 2, column 'orders': empty"),
    ("file,views,orders\n,10,1\n", "orders", "line 2: empty 'file'"),
    ("file,views,orders\n", "orders", "no data rows"),
    ("", "orders", "empty file"),
    ("file,views,orders\na.mp4,10,1\n", "revenue", "unknown target 'revenue'"),
])
def test_bad_outcome_csvs_are_one_line_errors(tmp_path, text, target, message):
    csv_path = write_csv(tmp_path / "results.csv", text)
    with pytest.raises(ConfigError) as info:
        read_outcomes(csv_path, target)
    assert message in str(info.value) and "\n" not in str(info.value)
    if target in ("orders", "conversion_rate") and text:
        assert str(csv_path) in str(info.value)


def test_missing_csv_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        read_outcomes(tmp_path / "nope.csv")


# ---------------------------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def sample_scores(samples_dir, tmp_path_factory):
    """The six samples scored once without speech (cached for the CLI run): file -> VideoResult."""
    from vidscore.batch import run_batch
    from vidscore.cache import SignalCache
    from vidscore.config import AnalyzeConfig
    from vidscore.config_file import load_config

    cache_dir = tmp_path_factory.mktemp("calibrate-cache")
    file = load_config(samples_dir / "vidscore.toml")
    config = AnalyzeConfig(speech=None, products=file.products, scoring=file.scoring)
    videos = sorted(samples_dir.glob("*.mp4"))
    results = {videos[i]: r for i, r in run_batch(videos, config, jobs=2, cache=SignalCache(cache_dir))}
    assert all(r.ok for r in results.values())
    return cache_dir, config, results


def test_calibrate_samples_end_to_end(samples_dir, sample_scores, tmp_path):
    cache_dir, config, results = sample_scores
    lines = ["file,views,clicks,orders"]
    for i, (video, result) in enumerate(sorted(results.items())):
        cta = result.scores.cta / 100  # orders follow the CTA pillar: 1 to 4 per 1,000 views, a little noise
        orders = round(10_000 * (1.0 + 3.0 * cta) / 1000) + (i % 2)
        lines.append(f"{os.path.relpath(video, tmp_path)},10000,400,{orders}")
    lines.append("gone.mp4,5000,100,3")
    csv_path = write_csv(tmp_path / "results.csv", "\n".join(lines) + "\n")

    runner = CliRunner()
    html_path = tmp_path / "calibration.html"
    result = runner.invoke(calibrate_command, [str(csv_path), "--config", str(samples_dir / "vidscore.toml"),
                                               "--no-speech", "--cache-dir", str(cache_dir), "--html", str(html_path)],
                           catch_exceptions=False)
    assert result.exit_code == EXIT_OK, result.stderr
    out = result.stdout
    page = html_path.read_text(encoding="utf-8")
    assert "Which signals go with higher orders" in page and "only 6 videos (under 20)" in page
    assert "gone.mp4" in page and "<script src" not in page
    assert "line 8: gone.mp4: skipped, no such file" in result.stderr
    assert "6 videos, target orders (orders per 1,000 views)" in out
    assert "only 6 videos (under 20)" in out and "rough hints" in out
    assert "vidscore score --model" in out and "1 row skipped" in out

    model_path = default_model_path(csv_path, "orders")
    document = json.loads(model_path.read_text(encoding="utf-8"))
    effects = document["calibration"]["effects"]
    assert document["calibration"]["n_videos"] == 6
    assert [e["pillar"] for e in effects[:2]] == ["cta", "cta"] and effects[0]["standardised"] > 0
    model = load_model(model_path)
    assert model.pillars["cta"] == max(model.pillars.values())
    # scoring with the fitted model (as `score --model` will): the videos with a CTA now rank on top
    rescored = {video: score_video(scored, dataclasses.replace(config, scoring=dataclasses.replace(
        config.scoring, model=model_path))) for video, scored in results.items()}
    ranked = sorted(rescored, key=lambda v: -rescored[v].scores.overall)
    assert {v.name for v in ranked[:3]} == {v.name for v, r in results.items() if r.scores.cta > 50}
    assert all(r.scoring_model == "calibrated results.csv (orders)" for r in rescored.values())
    for video, scored in results.items():
        if scored.scores.cta == 0:
            assert rescored[video].scores.overall < scored.scores.overall
    features = video_features(results[samples_dir / "strong.mp4"])
    assert features["pillar:cta"] == pytest.approx(results[samples_dir / "strong.mp4"].scores.cta / 100)
    assert features["cta_spoken"] is None  # no speech: not applicable, left to the fit to drop


def test_calibrate_cli_data_errors_exit_2(tmp_path):
    runner = CliRunner()
    csv_path = write_csv(tmp_path / "results.csv", "file,views\na.mp4,10\n")
    result = runner.invoke(calibrate_command, [str(csv_path), "--no-speech", "--no-cache"])
    assert result.exit_code == EXIT_USAGE
    assert "no 'orders' column" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    csv_path = write_csv(tmp_path / "results.csv", "file,views,orders\na.mp4,10,1\nb.mp4,10,2\n")
    result = runner.invoke(calibrate_command, [str(csv_path), "--no-speech", "--no-cache"])
    assert result.exit_code == EXIT_USAGE
    assert "only 0 videos with results" in result.stderr and "2 of 2 rows skipped" in result.stderr
