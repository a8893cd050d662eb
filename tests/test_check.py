"""`vidscore check`: the pre-publish gate's verdicts, failed checks, JSON and exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from vidscore.cli import EXIT_CHECK_FAILED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, main


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_check_gates_drafts_with_required_criteria(samples_dir):
    config = str(samples_dir / "vidscore.toml")
    videos = [str(samples_dir / "strong.mp4"), str(samples_dir / "views_no_sales.mp4")]
    code, out, err = run_cli("check", "--config", config, *videos, "--require", "cta_spoken,product_first_3s", "--json")
    assert code == EXIT_CHECK_FAILED, err
    doc = json.loads(out)
    strong, weak = doc["videos"]
    assert doc["passed"] is False and doc["required"] == ["cta_spoken", "product_first_3s"]
    assert strong["passed"] is True and strong["reasons"] == []
    assert weak["passed"] is False
    assert [c["id"] for c in weak["failed_checks"][:2]] == ["cta_spoken", "product_first_3s"]
    assert all(c["required"] for c in weak["failed_checks"][:2]) and weak["failed_checks"][0]["fix"]
    assert any("under 60" in r for r in weak["reasons"])
    late = weak["failed_checks"][1]
    assert late["evidence"] and abs(late["evidence"][0]["start_s"] - 12.5) <= 0.7

    code, out, _ = run_cli("check", "--config", config, *videos, "--require", "cta_spoken")
    assert code == EXIT_CHECK_FAILED
    assert "PASS" in out and "FAIL" in out and "fix:" in out and "1 of 2 passed" in out


def test_check_passes_and_exit_codes(samples_dir, tmp_path):
    config = str(samples_dir / "vidscore.toml")
    code, out, _ = run_cli("check", "--config", config, str(samples_dir / "strong.mp4"), "--fail-under", "80", "-q")
    assert code == EXIT_OK and out == ""
    code, _, err = run_cli("check", str(samples_dir / "strong.mp4"), "--require", "cta_spokn")
    assert code == EXIT_USAGE and "did you mean cta_spoken" in err and len(err.strip().splitlines()) == 1
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    code, out, err = run_cli("check", "--config", config, str(samples_dir / "strong.mp4"), str(broken), "--json")
    assert code == EXIT_SOME_FAILED
    verdicts = json.loads(out)["videos"]
    assert verdicts[0]["passed"] is True and verdicts[1]["passed"] is False and verdicts[1]["error"]
