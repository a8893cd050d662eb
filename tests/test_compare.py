"""`vidscore compare`: a draft set against the reference, differences in plain words, ranked."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from vidscore.cli import EXIT_OK, EXIT_USAGE, main


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_draft_against_reference(samples_dir, expected):
    config = str(samples_dir / "vidscore.toml")
    strong, draft = str(samples_dir / "strong.mp4"), str(samples_dir / "views_no_sales.mp4")
    code, out, err = run_cli("compare", "--config", config, draft, "--reference", strong, "--json", "-")
    assert code == EXIT_OK, err
    doc = json.loads(out)
    assert doc["reference"] == strong and doc["reference_chosen"] is True
    diffs = doc["differences"][draft]
    by_id = {d["criterion"]: d for d in diffs}
    seen_ref = expected["strong.mp4"]["product"]["visible"][0]["start_s"]
    seen_draft = expected["views_no_sales.mp4"]["product"]["visible"][0]["start_s"]
    message = by_id["product_first_seen"]["message"]
    assert message.startswith("the reference shows the product at") and "this draft at" in message
    times = [float(part.split(" s")[0]) for part in message.split(" at ")[1:]]
    assert abs(times[0] - seen_ref) <= 0.7 and abs(times[1] - seen_draft) <= 0.7
    assert "this draft never" in by_id["cta_spoken"]["message"]
    impacts = [d["impact_points"] for d in diffs if not d["draft_better"]]
    assert impacts == sorted(impacts, reverse=True) and impacts[0] > 0


def test_best_video_is_the_default_reference_and_terminal_timelines(samples_dir):
    config = str(samples_dir / "vidscore.toml")
    code, out, _ = run_cli("compare", "--config", config, str(samples_dir / "views_no_sales.mp4"),
                           str(samples_dir / "strong.mp4"))
    assert code == EXIT_OK
    assert "★ strong.mp4" in out and "the best overall score" in out
    assert "timelines, one scale" in out and "CTA" in out and "against the reference" in out


def test_compare_usage_errors(samples_dir):
    code, _, err = run_cli("compare", str(samples_dir / "strong.mp4"), "--no-speech")
    assert code == EXIT_USAGE and "at least two videos" in err
    code, _, err = run_cli("compare", str(samples_dir / "strong.mp4"), str(samples_dir / "italian.mp4"), "--no-speech",
                           "--reference", str(Path("nope.mp4")))
    assert code == EXIT_USAGE and "nope.mp4" in err


def test_differences_say_when_the_reference_fails(samples_dir):
    config = str(samples_dir / "vidscore.toml")
    weak, strong = str(samples_dir / "views_no_sales.mp4"), str(samples_dir / "strong.mp4")
    code, out, err = run_cli("compare", "--config", config, strong, "--reference", weak, "--json", "-")
    assert code == EXIT_OK, err
    diffs = json.loads(out)["differences"][strong]
    better = [d for d in diffs if d["draft_better"]]
    assert better and all(d["impact_points"] <= 0 for d in better)
    assert not any("the reference passes" in d["message"] for d in better)
