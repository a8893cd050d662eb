"""The `vidscore score` command end to end: samples, JSON/CSV contract, bad inputs, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
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


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, samples_dir, ffmpeg):
    """A folder with one good video and every kind of bad input issue 2 names."""
    folder = tmp_path_factory.mktemp("bad")
    good = folder / "a_good.mp4"
    good.write_bytes((samples_dir / "no_audio.mp4").read_bytes())
    (folder / "b_empty.mp4").write_bytes(b"")
    (folder / "c_text.mp4").write_text("this is not a video\n" * 100)
    (folder / "d_random.mov").write_bytes(os.urandom(20000))
    source = folder / "src.mkv.tmp"
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=6",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4", str(source)], check=True)
    data = source.read_bytes()
    (folder / "e_truncated.mp4").write_bytes(data[: len(data) // 2])  # moov atom at the end: cut off
    faststart = folder / "fs.tmp"
    subprocess.run([ffmpeg, "-loglevel", "error", "-i", str(source), "-c", "copy", "-movflags", "+faststart",
                    "-f", "mp4", str(faststart)], check=True)
    data = faststart.read_bytes()
    (folder / "f_truncated_faststart.mp4").write_bytes(data[: len(data) // 2])  # header intact, data cut
    source.unlink()
    faststart.unlink()
    (folder / "g_dangling.mp4").symlink_to(folder / "gone.mp4")
    unreadable = folder / "h_unreadable.mp4"
    unreadable.write_bytes((samples_dir / "no_audio.mp4").read_bytes())
    unreadable.chmod(0)
    (folder / "notes.txt").write_text("ignored: not a video extension")
    return folder


def test_bad_inputs_get_one_line_errors_and_batch_goes_on(bad_inputs, tmp_path):
    out = tmp_path / "out.json"
    code, stdout, stderr = run_cli("score", str(bad_inputs), "--no-speech", "--json", str(out), "--jobs", "2")
    assert code == 1
    assert "Traceback" not in stderr and "Traceback" not in stdout
    results = {Path(r["file"]).name: r for r in json.loads(out.read_text())["results"]}
    assert list(results) == sorted(results), "input order is kept"
    assert "notes.txt" not in results
    assert results["a_good.mp4"]["ok"] is True
    reasons = {
        "b_empty.mp4": "empty",
        "c_text.mp4": "not a readable video",
        "d_random.mov": "not a readable video",
        "e_truncated.mp4": "not a readable video",
        "f_truncated_faststart.mp4": "truncated",
        "g_dangling.mp4": "broken symbolic link",
    }
    if os.geteuid() != 0:  # root reads everything, so the permission case only exists for users
        reasons["h_unreadable.mp4"] = "permission denied"
    for name, reason in reasons.items():
        row = results[name]
        assert row["ok"] is False and reason in row["error"], (name, row["error"])
        assert "\n" not in row["error"]
        assert f"{name}: " in stderr, f"stderr names {name}"


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
