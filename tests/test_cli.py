"""The `vidscore score` command end to end: samples, JSON/CSV contract, exit codes, Ctrl-C.

Bad and hostile inputs (empty, truncated, not video, links, unreadable, ...) are in test_hostile_inputs.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vidscore.cli import main

MEDIA_KEYS = {"duration_s", "fps", "width", "height", "rotation", "codec", "has_audio"}


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def scored_samples(samples_dir, tmp_path_factory):
    """`vidscore score samples/ --json - --csv FILE` with speech, run once for the module."""
    csv_path = tmp_path_factory.mktemp("out") / "samples.csv"
    code, out, err = run_cli("score", str(samples_dir), "--json", "-", "--csv", str(csv_path))
    return code, json.loads(out), csv_path.read_text(encoding="utf-8"), err


def test_score_samples_json_contract(scored_samples, expected):
    code, doc, _, err = scored_samples
    assert code == 0, err
    assert set(doc) >= {"schema_version", "vidscore_version", "results"}
    by_name = {Path(r["file"]).name: r for r in doc["results"]}
    assert set(by_name) == set(expected), "every sample is listed"
    for name, labels in expected.items():
        result = by_name[name]
        assert result["ok"] is True and result["error"] is None
        assert MEDIA_KEYS <= set(result["media"])
        media = result["media"]
        assert (media["width"], media["height"]) == (labels["width"], labels["height"]), name
        assert media["has_audio"] is labels["has_audio"], name
        assert media["rotation"] == labels["rotation"], name
        assert media["duration_s"] == pytest.approx(labels["duration_s"], abs=0.15), name


def test_score_samples_transcripts(scored_samples, expected):
    _, doc, _, _ = scored_samples
    by_name = {Path(r["file"]).name: r for r in doc["results"]}
    for name, labels in expected.items():
        transcript = by_name[name]["transcript"]
        if not labels["has_audio"]:
            assert transcript["segments"] == [] and transcript["language"] is None
            continue
        assert transcript["language"] == labels["language"], name
        text = transcript["text"].lower()
        for phrase in labels.get("key_phrases", []):
            assert phrase in text, f"{name}: {phrase!r} not in {text!r}"
        speech = by_name[name]["speech"]
        assert speech["speech_onset_s"] == pytest.approx(labels["speech"][0]["start_s"], abs=0.3), name


def test_score_samples_csv(scored_samples, expected):
    _, _, csv_text, _ = scored_samples
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == len(expected)
    assert {"file", "ok", "error", "width", "height", "has_audio", "language"} <= set(rows[0])


def test_usage_errors_exit_2(tmp_path):
    code, _, err = run_cli("score", str(tmp_path / "missing"))
    assert code == 2 and "no such file or folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("score", str(tmp_path / "empty"))
    assert code == 2 and "no video files found" in err


def test_single_file_terminal_table(samples_dir):
    code, out, _ = run_cli("score", str(samples_dir / "slow_landscape.mp4"), "--no-speech")
    assert code == 0
    assert "slow_landscape.mp4" in out and "960x540" in out and "1 scored, 0 failed" in out


def test_jobs_keep_input_order(samples_dir):
    files = sorted(str(p) for p in samples_dir.glob("*.mp4"))
    code, out, _ = run_cli("score", *reversed(files), "--no-speech", "--jobs", "2", "--json", "-")
    assert code == 0
    assert [r["file"] for r in json.loads(out)["results"]] == list(reversed(files))


def test_python_dash_m_and_console_script(samples_dir):
    done = subprocess.run([sys.executable, "-m", "vidscore", "score", str(samples_dir / "no_audio.mp4"),
                           "--no-speech", "--json", "-", "-q"], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["results"][0]["media"]["has_audio"] is False
    script = Path(sys.executable).with_name("vidscore")
    assert subprocess.run([str(script), "--help"], capture_output=True, text=True).returncode == 0


def test_wrong_asr_model_path_is_a_usage_error(samples_dir, tmp_path):
    code, _, err = run_cli("score", str(samples_dir / "strong.mp4"), "--asr-model", str(tmp_path / "nope"))
    assert code == 2 and "nope" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_models_command_lists_both_models():
    code, out, _ = run_cli("models")
    assert code == 0 and "base" in out and "tiny.en" in out


def test_product_option_and_cache(samples_dir, tmp_path):
    photo = samples_dir / "products" / "glowa_front.jpg"
    args = ("score", str(samples_dir / "no_audio.mp4"), "--no-speech", "--product", f"Glowa serum={photo}",
            "--cache-dir", str(tmp_path / "cache"), "--json", "-", "-q")
    code, out, _ = run_cli(*args)
    assert code == 0
    first = json.loads(out)["results"][0]
    (product,) = first["signals"]["product"]["products"]
    assert product["name"] == "Glowa serum" and product["first_seen_s"] == pytest.approx(0.5, abs=0.5)
    code, out, _ = run_cli(*args)  # second run: every signal from the cache, same result
    again = json.loads(out)["results"][0]
    assert again["signals"] == first["signals"] and "decode" not in again["timings_s"]
    code, out, _ = run_cli("cache", "info", "--cache-dir", str(tmp_path / "cache"))
    assert code == 0 and "1 videos" in out
    code, _, err = run_cli("score", str(samples_dir / "no_audio.mp4"), "--product", "Glowa=missing.jpg")
    assert code == 2 and "missing.jpg" in err


INTERRUPT_CLIPS = 5
INTERRUPT_WAIT_S = 120


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_writes_finished_results_and_a_rerun_resumes_from_cache(jobs, make_clip, tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) after the first video:
    exit 130, the JSON holds the finished videos, and a rerun serves those from the cache."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for i in range(INTERRUPT_CLIPS):  # different lengths: different content, so no shared cache entries
        clip = make_clip(f"interrupt_{jobs}_{i}.mp4", size="480x270", seconds=2 + 0.5 * i)
        shutil.move(clip, folder / f"clip{i}.mp4")
    out, cache_dir = tmp_path / "out.json", tmp_path / "cache"
    args = [sys.executable, "-m", "vidscore", "score", str(folder), "--no-speech", "--jobs", jobs,
            "--cache-dir", str(cache_dir), "--json", str(out)]
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    lines = []
    try:
        for line in proc.stderr:  # not a terminal: one progress line per finished video
            lines.append(line)
            if line.startswith(f"[1/{INTERRUPT_CLIPS}]"):
                os.killpg(proc.pid, signal.SIGINT)
                break
        lines.extend(proc.stderr)
        code = proc.wait(timeout=INTERRUPT_WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = "".join(lines)
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted: kept" in stderr
    kept = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert 1 <= len(kept) < INTERRUPT_CLIPS, stderr
    assert all(r["ok"] for r in kept)
    assert not list(tmp_path.glob(".out.json.*")), "no temporary file left behind"

    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=INTERRUPT_WAIT_S)
    assert done.returncode == 0, done.stderr
    again = {r["file"]: r for r in json.loads(out.read_text(encoding="utf-8"))["results"]}
    assert len(again) == INTERRUPT_CLIPS
    for result in kept:
        assert "decode" not in again[result["file"]]["timings_s"], f"{result['file']} was decoded again"
    assert any("decode" in r["timings_s"] for r in again.values()), "the unfinished videos were analysed"
