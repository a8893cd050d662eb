"""`--executor dask`: the same results as the local executor, worker deaths, URLs, Ctrl-C, usage errors.

Runs real LocalClusters (2 single-threaded worker processes) on the samples; the whole module
is skipped where the dask extra is not installed (scripts/test.sh installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

distributed = pytest.importorskip(
    "distributed", reason="the dask extra is not installed: pip install -e '.[dask]' (scripts/test.sh does)")
psutil = pytest.importorskip("psutil", reason="psutil comes with distributed")

from vidscore.batch import discover  # noqa: E402
from vidscore.cache import SignalCache  # noqa: E402
from vidscore.cli import main  # noqa: E402
from vidscore.config import AnalyzeConfig  # noqa: E402
from vidscore.dask_executor import LOST_ERROR, local_cluster, run_dask, score_on_worker  # noqa: E402
from vidscore.errors import ConfigError  # noqa: E402
from vidscore.result import VideoResult  # noqa: E402

WORKERS = "2"
TIMING_FIELDS = ("elapsed_s", "timings_s")  # wall-clock figures: the only fields allowed to differ
QUICK_SAMPLES = ("no_audio.mp4", "rotated_phone.mp4")  # the fastest two, where any two will do
RUN_WAIT_S = 240
INTERRUPT_CLIPS = 5
# `vidscore`, with Ctrl-C handled even where the tests run with SIGINT ignored (a background job
# of a non-interactive shell): Python only turns SIGINT into KeyboardInterrupt if it was not ignored.
CLI_WITH_CTRL_C = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                   "from vidscore.cli import main; main(sys.argv[1:], prog_name='vidscore')")


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def comparable(result: dict) -> dict:
    """A result's JSON without its timings (the OCR time inside the text track included)."""
    out = {k: v for k, v in result.items() if k not in TIMING_FIELDS}
    text = out["signals"]["text"]
    if text is not None:
        out["signals"] = {**out["signals"], "text": {k: v for k, v in text.items() if k != "ocr_seconds"}}
    return out


@pytest.fixture(scope="module")
def local_results(samples_dir) -> dict[str, dict]:
    """The local executor's results for the samples (no speech, no cache), by file name.

    Without product photos: the product signal's matching (FLANN, RANSAC) draws on OpenCV's
    per-thread random state, which carries over from the videos a process scored before, so its
    tracks differ with the order videos land on workers, whichever the executor.
    """
    code, out, err = run_cli("score", str(samples_dir), "--no-speech", "--no-cache", "--jobs", WORKERS,
                             "--json", "-", "-q")
    assert code == 0, err
    return {Path(r["file"]).name: r for r in json.loads(out)["results"]}


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster set up as run_dask sets up its own, for the tests that pass --scheduler."""
    with local_cluster(int(WORKERS)) as running, distributed.Client(running) as client:
        yield running, client


def test_dask_results_equal_the_local_executors(samples_dir, local_results, tmp_path, monkeypatch):
    """LocalCluster of 2 workers (no --scheduler): every sample's scores, criteria, diagnosis and
    signals equal the local executor's, in input order."""
    monkeypatch.chdir(tmp_path)  # no ./vidscore.toml; the workers get absolute paths
    files = sorted(str(p) for p in samples_dir.glob("*.mp4"))
    code, out, err = run_cli("score", *reversed(files), "--no-speech", "--no-cache",
                             "--executor", "dask", "--jobs", WORKERS, "--json", "-", "-q")
    assert code == 0, err
    assert err == "", "distributed's logs stay off stderr"
    results = json.loads(out)["results"]
    assert [r["file"] for r in results] == list(reversed(files))
    for result in results:
        expected = local_results[Path(result["file"]).name]
        assert result["ok"] and result["criteria"] and result["scores"]["overall"] is not None
        assert comparable(result) == comparable(expected), result["file"]


def _worker_pids(parent_pid: int) -> list[int]:
    """The LocalCluster worker processes under a vidscore process (spawned children, not the resource tracker)."""
    children = psutil.Process(parent_pid).children(recursive=True)
    return [c.pid for c in children if "spawn_main" in " ".join(c.cmdline())]


def test_a_worker_killed_mid_video_is_retried_and_every_video_gets_a_result(samples_dir, tmp_path):
    """SIGKILL one worker while the batch runs (each worker is on a video): Dask re-runs its
    video elsewhere and the command still ends with every video scored."""
    folder = tmp_path / "videos"
    folder.mkdir()
    for i, sample in enumerate(sorted(samples_dir.glob("*.mp4"))[:4]):
        shutil.copy(sample, folder / f"clip{i}_{sample.name}")
    out = tmp_path / "out.json"
    proc = subprocess.Popen([sys.executable, "-m", "vidscore", "score", str(folder), "--no-speech", "--no-cache",
                             "--executor", "dask", "--jobs", WORKERS, "--json", str(out)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines, killed = [], None
    try:
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("[1/4]") and killed is None:  # both workers are now on their next video
                pids = _worker_pids(proc.pid)
                assert len(pids) == int(WORKERS), pids
                killed = pids[0]
                os.kill(killed, signal.SIGKILL)
        code = proc.wait(timeout=RUN_WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = "".join(lines)
    assert killed is not None, stderr
    assert code == 0, stderr
    assert "Traceback" not in stderr
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert sorted(Path(r["file"]).name for r in results) == sorted(p.name for p in folder.iterdir())
    assert all(r["ok"] for r in results), [r["error"] for r in results]


def _dies_on_some(video, config, *, debug, cache) -> VideoResult:
    """Stand-in for analyze: 'crash*' kills its worker every time, 'flaky*' the first time only."""
    name = Path(video).name
    marker = Path(video).with_suffix(".tried")
    if name.startswith("crash") or (name.startswith("flaky") and not marker.exists()):
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return VideoResult(file=str(video), ok=True)


def test_a_video_whose_worker_dies_twice_becomes_an_error_row(tmp_path):
    videos = [tmp_path / name for name in ("ok1.mp4", "flaky.mp4", "crash.mp4", "ok2.mp4")]
    for video in videos:
        video.write_bytes(b"stand-in")
    rows = dict(run_dask(videos, AnalyzeConfig(speech=None), workers=int(WORKERS), cache=SignalCache(None),
                         analyse=_dies_on_some))
    assert sorted(rows) == [0, 1, 2, 3]
    assert [rows[i].file for i in range(4)] == [str(v) for v in videos]
    assert rows[0].ok and rows[1].ok and rows[3].ok, "a worker lost once: the video is re-run elsewhere"
    assert not rows[2].ok and rows[2].error == LOST_ERROR.format(times="twice")


def test_file_url_folder_on_a_scheduler(cluster, samples_dir, local_results, tmp_path, monkeypatch):
    """`file://` folder URL, --scheduler ADDRESS: listed like a folder, read by the workers through
    fsspec, reported as URLs, scored like the local files."""
    running, _ = cluster
    folder = tmp_path / "bucket"
    folder.mkdir()
    for name in QUICK_SAMPLES:
        shutil.copy(samples_dir / name, folder / name)
    (folder / "notes.txt").write_text("not a video")
    url = f"file://{folder}"
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("score", url, "--no-speech", "--no-cache", "--executor", "dask",
                             "--scheduler", running.scheduler_address, "--json", "-", "-q")
    assert code == 0, err
    results = json.loads(out)["results"]
    assert [r["file"] for r in results] == [f"{url}/{name}" for name in sorted(QUICK_SAMPLES)]
    for result in results:
        expected = local_results[result["file"].rsplit("/", 1)[-1]]
        assert comparable(result) == comparable(expected) | {"file": result["file"]}


def _loaded_models() -> dict[str, list[int]]:
    """On a worker: the identities of the speech models and OCR engines this process holds."""
    from vidscore.signals import speech, text

    return {"asr": [id(m) for m in speech._loaded.values()], "ocr": [id(e) for e in text._engines.values()]}


def test_models_load_once_per_worker_process(cluster, samples_dir):
    """Two batches with speech: each worker keeps the models it loaded for its first video."""
    running, client = cluster
    video = samples_dir / "rotated_phone.mp4"
    config = AnalyzeConfig()
    seen = []
    for _ in range(2):
        rows = dict(run_dask([video] * 2, config, scheduler=running.scheduler_address, cache=SignalCache(None)))
        assert all(r.ok and r.transcript.words for r in rows.values()), [r.error for r in rows.values()]
        seen.append(client.run(_loaded_models))
    first, second = seen
    assert any(models["asr"] for models in first.values())
    for worker, models in first.items():
        assert len(models["asr"]) <= 1 and len(models["ocr"]) <= 1, models
        if models["asr"]:
            assert second[worker] == models, f"{worker} loaded its models again"


def test_ctrl_c_cancels_the_cluster_and_keeps_the_finished_results(make_clip, tmp_path):
    """SIGINT to the process group (workers included, as a terminal sends it) after the first
    video: exit 130 soon after, the JSON holds what finished, no traceback, no worker left."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for i in range(INTERRUPT_CLIPS):
        clip = make_clip(f"dask_interrupt_{i}.mp4", size="480x270", seconds=3 + 0.5 * i)
        shutil.move(clip, folder / f"clip{i}.mp4")
    out = tmp_path / "out.json"
    proc = subprocess.Popen([sys.executable, "-c", CLI_WITH_CTRL_C, "score", str(folder), "--no-speech", "--no-cache",
                             "--executor", "dask", "--jobs", WORKERS, "--json", str(out)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    lines, workers, interrupted_at = [], [], None
    try:
        for line in proc.stderr:
            lines.append(line)
            if line.startswith(f"[1/{INTERRUPT_CLIPS}]"):
                workers = _worker_pids(proc.pid)
                interrupted_at = time.monotonic()
                os.killpg(proc.pid, signal.SIGINT)
                break
        lines.extend(proc.stderr)
        code = proc.wait(timeout=RUN_WAIT_S)
        exit_s = time.monotonic() - interrupted_at
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = "".join(lines)
    assert code == 130, stderr
    assert "Traceback" not in stderr and "interrupted: kept" in stderr
    assert exit_s < 10, f"took {exit_s:.1f} s to stop"
    kept = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert 1 <= len(kept) < INTERRUPT_CLIPS and all(r["ok"] for r in kept)
    assert workers and not any(psutil.pid_exists(pid) for pid in workers), "the workers were stopped"


def _sleeps(video, config, *, debug, cache) -> VideoResult:
    time.sleep(5)
    return VideoResult(file=str(video), ok=True)


def _records_path(video, config, *, debug, cache) -> VideoResult:
    """Stand-in that reports the local file it was given and whether it held the URL's bytes."""
    data = Path(video).read_bytes()
    return VideoResult(file=str(video), ok=data == b"fake video bytes", warnings=(str(video),))


def test_url_is_copied_to_a_temp_file_and_reported_as_the_url(tmp_path):
    """On the worker: a URL's bytes land in a temp file with the same extension, which is deleted after."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.pipe("/vidscore-test/ads/clip.mov", b"fake video bytes")
    url = "memory://vidscore-test/ads/clip.mov"
    result = score_on_worker(url, url, AnalyzeConfig(speech=None), False, SignalCache(None), None, _records_path)
    assert result.ok and result.file == url
    local = Path(result.warnings[0])
    assert local.suffix == ".mov" and not local.exists()
    missing = score_on_worker(url + ".gone", url + ".gone", AnalyzeConfig(speech=None), False, SignalCache(None),
                              None, _records_path)
    assert not missing.ok and missing.error.startswith("cannot read it from storage") and "\n" not in missing.error


def test_timeout_is_an_error_row_without_waiting_for_the_video():
    started = time.monotonic()
    result = score_on_worker("/videos/slow.mp4", "slow.mp4", AnalyzeConfig(speech=None), False, SignalCache(None),
                             0.2, _sleeps)
    assert time.monotonic() - started < 2
    assert not result.ok and result.error == "timed out after 0.2 s" and result.file == "slow.mp4"


def test_folder_urls_are_listed_through_fsspec():
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    for name in ("b.MOV", "a.mp4", ".hidden.mp4", "notes.txt", "sub/c.webm"):
        fs.pipe(f"/vidscore-list/{name}", b"x")
    assert discover(["memory://vidscore-list"], urls=True) == ["memory:///vidscore-list/a.mp4",
                                                               "memory:///vidscore-list/b.MOV"]
    assert discover(["memory://vidscore-list"], recursive=True, urls=True)[-1] == "memory:///vidscore-list/sub/c.webm"
    assert discover(["memory://vidscore-list/notes.txt"], urls=True) == ["memory://vidscore-list/notes.txt"]
    with pytest.raises(ConfigError, match="no such file or folder"):
        discover(["memory://vidscore-list/missing.mp4"], urls=True)


def test_file_urls_with_the_local_executor_are_local_paths(samples_dir):
    assert discover([f"file://{samples_dir}/strong.mp4"]) == [samples_dir / "strong.mp4"]
    assert discover([f"file://{samples_dir}"]) == discover([samples_dir])
    with pytest.raises(ConfigError, match="absolute path"):
        discover(["file://samples/strong.mp4"])


def test_usage_errors_are_one_line(samples_dir, monkeypatch):
    video = str(samples_dir / "no_audio.mp4")
    cases = [
        (("score", "s3://bucket/ads/", "--no-speech"), "need --executor dask"),
        (("score", video, "--no-speech", "--scheduler", "tcp://127.0.0.1:8786"), "--scheduler needs --executor dask"),
        (("score", "nosuch://bucket/ads/", "--no-speech", "--executor", "dask"), "not a storage protocol"),
    ]
    try:
        import s3fs  # noqa: F401
    except ImportError:
        cases.append((("score", "s3://bucket/ads/", "--no-speech", "--executor", "dask"), "needs the s3fs package"))
    for args, message in cases:
        code, _, err = run_cli(*args)
        assert code == 2 and message in err, (args, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err

    import vidscore.dask_executor

    monkeypatch.setattr(vidscore.dask_executor, "CONNECT_TIMEOUT_S", 1.0)
    code, _, err = run_cli("score", video, "--no-speech", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert len(err.strip().splitlines()) == 1

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    code, _, err = run_cli("score", video, "--no-speech", "--executor", "dask")
    assert code == 2 and err.strip() == "vidscore: error: --executor dask needs the dask extra: pip install 'vidscore[dask]'"
