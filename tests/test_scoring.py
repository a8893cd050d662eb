"""Criteria, scores and diagnosis on the samples (the acceptance of the criteria issue), config re-scoring."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vidscore.cli import main
from vidscore.criteria.base import PILLARS, ramp
from vidscore.criteria.catalog import BY_ID, CATALOG, PLATFORMS, thresholds_for
from vidscore.criteria.measures import outside_safe_zone

CRITERION_KEYS = {"id", "pillar", "value", "passed", "score", "evidence", "why", "fix", "weight"}
TIME_TOLERANCE_S = 0.7


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def scored(samples_dir):
    """`vidscore score --config samples/vidscore.toml samples/ --json -`, by sample name."""
    code, out, err = run_cli("score", "--config", str(samples_dir / "vidscore.toml"), str(samples_dir), "--json", "-")
    assert code == 0, err
    doc = json.loads(out)
    return doc, {Path(r["file"]).name: r for r in doc["results"]}


def criterion(result: dict, cid: str) -> dict:
    return next(c for c in result["criteria"] if c["id"] == cid)


def diagnosis_ids(result: dict) -> list[str]:
    return [d["id"] for d in result["diagnosis"]]


def test_every_result_has_scores_criteria_and_diagnosis(scored):
    _, by_name = scored
    for name, result in by_name.items():
        assert set(result["scores"]) == {*PILLARS, "overall"}, name
        assert {c["id"] for c in result["criteria"]} == {c.id for c in CATALOG}, name
        duration_s = result["media"]["duration_s"]
        for c in result["criteria"]:
            assert set(c) == CRITERION_KEYS, (name, c["id"])
            assert c["pillar"] == BY_ID[c["id"]].pillar
            if c["passed"] is False:
                assert c["score"] <= 90, (name, c["id"], c["score"])  # a failure never scores like a pass
            if c["passed"] is None:
                assert c["score"] is None and c["why"], (name, c["id"])
            else:
                assert 0 <= c["score"] <= 100 and c["why"] and c["fix"], (name, c["id"])
            for e in c["evidence"]:
                assert 0 <= e["start_s"] <= e["end_s"] <= duration_s + 0.05 and e["what"], (name, c["id"], e)
        for d in result["diagnosis"]:
            assert d["severity"] in ("high", "medium", "low") and d["message"] and d["fix"], (name, d)


def test_strong_scores_highest(scored):
    _, by_name = scored
    overall = {name: r["scores"]["overall"] for name, r in by_name.items()}
    assert max(overall, key=overall.get) == "strong.mp4", overall
    strong = by_name["strong.mp4"]
    for cid in ("hook_start_1s", "hook_line", "product_first_3s", "product_closeup", "offer", "cta_spoken",
                "cta_text", "cta_after_product", "cta_final_third", "cta_repeated", "cta_readable", "cta_safe_zone",
                "format_vertical", "format_length", "format_audio", "format_captions"):
        assert criterion(strong, cid)["passed"] is True, (cid, criterion(strong, cid)["why"])
    assert "views_no_conversions" not in diagnosis_ids(strong)


def test_views_no_sales_is_diagnosed_with_late_product_and_missing_cta(scored, expected):
    _, by_name = scored
    result = by_name["views_no_sales.mp4"]
    assert result["scores"]["hook"] >= 60
    top = result["diagnosis"][0]
    assert top["id"] == "views_no_conversions" and top["severity"] == "high"
    first_seen_s = expected["views_no_sales.mp4"]["product"]["visible"][0]["start_s"]
    assert f"{first_seen_s:.1f} s" in top["message"] and "no call to action" in top["message"]
    assert any(abs(e["start_s"] - first_seen_s) <= TIME_TOLERANCE_S and "on screen" in e["what"] for e in top["evidence"])
    assert criterion(result, "cta_spoken")["passed"] is False and criterion(result, "cta_text")["passed"] is False
    assert criterion(result, "product_first_seen")["value"] == pytest.approx(first_seen_s, abs=TIME_TOLERANCE_S)


def _assert_cta_found(result: dict, labels: dict) -> None:
    for source, cid in (("spoken", "cta_spoken"), ("on_screen", "cta_text")):
        found = criterion(result, cid)
        if not labels["cta"][source]:
            continue
        assert found["passed"] is True, found["why"]
        for label in labels["cta"][source]:
            assert any(abs(e["start_s"] - label["start_s"]) <= TIME_TOLERANCE_S for e in found["evidence"]), (label, found)


def test_italian_cta_is_found_spoken_and_written(scored, expected):
    _, by_name = scored
    result = by_name["italian.mp4"]
    _assert_cta_found(result, expected["italian.mp4"])
    quotes = " ".join(e["what"].lower() for e in criterion(result, "cta_text")["evidence"])
    assert "acquista ora" in quotes and "clicca il link in bio" in quotes
    assert "link in bio" in " ".join(e["what"].lower() for e in criterion(result, "cta_spoken")["evidence"])
    assert criterion(result, "offer")["passed"] is True


def test_no_audio_finds_on_screen_cta_and_fails_audio(scored, expected):
    _, by_name = scored
    result = by_name["no_audio.mp4"]
    _assert_cta_found(result, expected["no_audio.mp4"])
    assert criterion(result, "format_audio")["passed"] is False
    assert "no audio track" in criterion(result, "format_audio")["why"]
    assert "format_problems" in diagnosis_ids(result)


def test_slow_landscape_fails_hook_and_format_for_the_right_reasons(scored, expected):
    _, by_name = scored
    result = by_name["slow_landscape.mp4"]
    silence_s = expected["slow_landscape.mp4"]["silence_until_s"]
    start = criterion(result, "hook_start_1s")
    assert start["passed"] is False and start["value"] >= silence_s - 0.3
    audio = criterion(result, "hook_audio_start")
    assert audio["passed"] is False and audio["value"] == pytest.approx(silence_s, abs=0.3)
    assert criterion(result, "hook_dynamic_start")["passed"] is False
    vertical = criterion(result, "format_vertical")
    assert vertical["passed"] is False and "landscape" in vertical["why"]
    assert criterion(result, "format_captions")["passed"] is False
    ids = diagnosis_ids(result)
    assert "weak_hook" in ids and "format_problems" in ids
    assert result["scores"]["hook"] < 50 and result["scores"]["format"] < 70


def test_no_product_config_makes_product_criteria_not_applicable(samples_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./vidscore.toml here
    code, out, err = run_cli("score", str(samples_dir / "no_audio.mp4"), "--no-speech", "--json", "-", "-q")
    assert code == 0, err
    result = json.loads(out)["results"][0]
    assert criterion(result, "product_first_seen")["passed"] is None
    assert "reference photos" in criterion(result, "product_first_seen")["why"]
    assert criterion(result, "cta_spoken")["passed"] is None and "--no-speech" in criterion(result, "cta_spoken")["why"]
    assert result["scores"]["product"] is not None or result["scores"]["overall"] is not None


def test_changed_config_rescoring_reuses_cached_signals(samples_dir, tmp_path, scored):
    base = (samples_dir / "vidscore.toml").read_text(encoding="utf-8")
    config = tmp_path / "vidscore.toml"
    config.write_text(base.replace('products/', f'{samples_dir.as_posix()}/products/') +
                      '\n[criteria.hook_start_1s]\nmax_s = 4.0\nzero_s = 6.0\n'
                      '[criteria.hook_face_3s]\nenabled = false\n'
                      '[phrases]\n"cta.link" = ["find it on our website"]\n', encoding="utf-8")
    video = samples_dir / "slow_landscape.mp4"
    started = time.perf_counter()
    code, out, err = run_cli("score", "--config", str(config), str(video), "--json", "-", "-q")
    elapsed_s = time.perf_counter() - started
    assert code == 0, err
    result = json.loads(out)["results"][0]
    assert "decode" not in result["timings_s"] and "speech" not in result["timings_s"], result["timings_s"]
    assert criterion(result, "hook_start_1s")["passed"] is True  # 3.x s onset now within max_s = 4
    assert "hook_face_3s" not in {c["id"] for c in result["criteria"]}
    spoken = criterion(result, "cta_spoken")
    assert spoken["passed"] is True and "website" in spoken["evidence"][0]["what"]
    assert elapsed_s < 10  # generous: the benchmark measures the real re-score time


def test_config_errors_are_one_line_usage_errors(samples_dir, tmp_path):
    config = tmp_path / "vidscore.toml"
    config.write_text('platform = "tiktok"\n[criteria.hook_strat_1s]\nmax_s = 2\n', encoding="utf-8")
    code, _, err = run_cli("score", "--config", str(config), str(samples_dir / "strong.mp4"), "--no-speech")
    assert code == 2 and "vidscore.toml:2" in err and "hook_start_1s" in err
    assert len(err.strip().splitlines()) == 1


def test_criteria_command_lists_the_catalog():
    code, out, _ = run_cli("criteria", "--json")
    assert code == 0
    doc = json.loads(out)
    assert [c["id"] for c in doc["criteria"]] == [c.id for c in CATALOG]
    assert all(c["definition"] and c["fix"] for c in doc["criteria"])
    code, out, _ = run_cli("criteria", "--platform", "reels", "--json")
    zone = next(c for c in json.loads(out)["criteria"] if c["id"] == "cta_safe_zone")
    assert zone["thresholds"]["bottom_frac"] == pytest.approx(0.35)
    code, out, _ = run_cli("criteria")
    assert code == 0 and "cta_spoken" in out and "format_vertical" in out


def test_thresholds_presets_and_helpers():
    zone = thresholds_for(BY_ID["format_text_safe_zone"], "tiktok")
    assert outside_safe_zone((0.1, 0.1, 0.5, 0.05), zone) is None
    assert outside_safe_zone((0.5, 0.1, 0.45, 0.05), zone) == "right"
    assert outside_safe_zone((0.1, 0.85, 0.5, 0.05), zone) == "bottom"
    assert thresholds_for(BY_ID["format_length"], "reels")["max_s"] == PLATFORMS["reels"]["format_length.max_s"]
    assert thresholds_for(BY_ID["format_length"], "tiktok", {"max_s": 30.0})["max_s"] == 30.0
    # moving a pass bound moves its zero bound with it, so the score still falls the right way
    assert thresholds_for(BY_ID["product_first_seen"], "tiktok", {"max_s": 15.0}) == {"max_s": 15.0, "zero_s": 22.0}
    assert thresholds_for(BY_ID["hook_start_1s"], "tiktok", {"max_s": 4.0, "zero_s": 6.0})["zero_s"] == 6.0
    assert ramp(1.0, 1.0, 3.0) == 100 and ramp(2.0, 1.0, 3.0) == 50 and ramp(5.0, 1.0, 3.0) == 0
    assert ramp(0.2, 0.4, 0.0) == 50  # higher is better


def test_samples_document_matches_the_published_schema(scored):
    import jsonschema

    from vidscore.reports.json_report import schema

    doc, _ = scored
    jsonschema.Draft202012Validator(schema()).validate(doc)


def test_model_option_changes_the_weights(samples_dir, tmp_path):
    model = tmp_path / "cta-only.json"
    model.write_text(json.dumps({"name": "cta-only", "pillars": {"hook": 0, "product": 0, "cta": 1, "format": 0},
                                 "criteria": {"cta_spoken": 0.0}}), encoding="utf-8")
    code, out, err = run_cli("score", "--config", str(samples_dir / "vidscore.toml"), str(samples_dir / "no_audio.mp4"),
                             "--model", str(model), "--json", "-", "-q")
    assert code == 0, err
    result = json.loads(out)["results"][0]
    assert result["scoring_model"] == "cta-only"
    assert result["scores"]["overall"] == result["scores"]["cta"]
    assert criterion(result, "cta_spoken")["weight"] == 0.0
    model.write_text("{not json", encoding="utf-8")
    code, _, err = run_cli("score", str(samples_dir / "no_audio.mp4"), "--no-speech", "--model", str(model))
    assert code == 2 and "cta-only.json" in err and len(err.strip().splitlines()) == 1


def test_csv_cells_from_videos_cannot_run_as_formulas():
    import csv
    import io

    from vidscore.reports.csv_report import render_csv
    from vidscore.result import VideoResult

    text = render_csv([VideoResult.failed("=HYPERLINK(\"http://x\").mp4", "-bad data")])
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["file"].startswith("'=") and row["error"] == "'-bad data"
