"""Hostile and odd inputs (issue 7): a corpus the tests generate, scored in one batch.

Every file gives either a valid result or an error row with a one-line reason, the batch goes on
and exits 1. Also here: per-video `--timeout` (a stuck video is killed, the others go on), worker
crash isolation, and bounded memory on a 10-minute clip.

Unreadable file: the tests run as root in CI, and root reads a mode-000 file. When running as
root, the corpus run drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (the capabilities that let
root ignore file permissions) from its process and children, so root gets the same "permission
denied" a user would. Where that is impossible, only the unreadable case is skipped, with the reason.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from vidscore.batch import CRASHED_ERROR, _run_in_workers
from vidscore.cache import SignalCache
from vidscore.config import AnalyzeConfig
from vidscore.result import VideoResult

QUIET = ("-hide_banner", "-loglevel", "error", "-y")
CORPUS_TIMEOUT_S = 120  # the corpus run goes through worker processes; nothing there should take this long
CORPUS_RANDOM_SEED = 7
MAX_RSS_BYTES = 1.5e9  # peak memory allowed for scoring the 10-minute clip
TEN_MINUTES_S = 600
STUCK_TIMEOUT_S = 5  # --timeout for the long clip: its full analysis takes ~55 s on a 2-core machine
STUCK_MAX_WALL_S = 30  # the whole timeout run, worker start-ups included
OK = "ok"

# Each corpus file (path inside the corpus folder) and what it must give: OK, or a word of its error.
EXPECTED = {
    "a_good.mp4": OK,
    "b_empty.mp4": "empty",
    "c_text.mp4": "not a readable video",
    "d_random_bytes.mp4": "not a readable video",
    "e_truncated_half.mp4": "not a readable video",  # moov atom at the end: cut off
    "f_truncated_half_faststart.mp4": "truncated",  # header intact, half the frames missing
    "g_audio_only.mp4": "no video stream",
    "h_audio_only.m4a": "no video stream",  # not a video extension: given on the command line
    "i_video_only.mp4": OK,
    "j_1x1.mp4": OK,
    "k_0.2s.mp4": OK,
    "l_4000x4000.mp4": OK,
    "m_vfr.mp4": OK,
    "n_rotated_90.mp4": OK,
    "o_hevc.mp4": OK,
    "names/with  spaces .mp4": OK,
    "names/vidéo 日本 🎬.mp4": OK,
    "names/a;b $(x) `y` 'q' \"d\" [bold] & | <z> *.mp4": OK,
    "links/p_loop_a.mp4": "symbolic link loop",
    "links/p_loop_b.mp4": "symbolic link loop",
    "links/q_dangling.mp4": "broken symbolic link",
    "r_unreadable.mp4": "permission denied",
}

# Run before the CLI when root: drop the capabilities that let root read any file, from this
# process and (bounding set) everything it starts. Prints nothing; raises OSError if not allowed.
_DROP_ROOT_READ_OVERRIDE = """
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_CAPS = (1, 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]
for _cap in _CAPS:
    if _libc.prctl(24, _cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
_header, _data = _Header(0x20080522, 0), (_Data * 2)()  # _LINUX_CAPABILITY_VERSION_3
if _libc.capget(ctypes.byref(_header), _data) != 0:
    raise OSError(ctypes.get_errno(), "capget")
_mask = ~sum(1 << c for c in _CAPS) & 0xFFFFFFFF
_data[0].effective &= _mask
_data[0].permitted &= _mask
_data[0].inheritable &= _mask
if _libc.capset(ctypes.byref(_header), _data) != 0:
    raise OSError(ctypes.get_errno(), "capset")
"""
_RUN_CLI = "import sys\nfrom vidscore.cli import main\nmain(args=sys.argv[1:], prog_name='vidscore')\n"


def _ffmpeg(ffmpeg: str, *args: str) -> None:
    subprocess.run([ffmpeg, *QUIET, *args], check=True)


def _root_read_denial(folder: Path) -> tuple[str | None, str]:
    """Code that makes a mode-000 file unreadable to the CLI process, or None and why not."""
    if os.geteuid() != 0:
        return "", "not root: file permissions apply"
    probe = folder / "probe.bin"
    probe.write_bytes(b"x")
    probe.chmod(0)
    check = _DROP_ROOT_READ_OVERRIDE + f"\nimport os, sys\nsys.exit(1 if os.access({str(probe)!r}, os.R_OK) else 0)\n"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    probe.unlink()
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "the file stayed readable"
        return None, f"running as root and the capabilities to ignore file permissions cannot be dropped ({why})"
    return _DROP_ROOT_READ_OVERRIDE, "running as root with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped"


@dataclass(frozen=True)
class Corpus:
    folder: Path
    skipped: dict[str, str]  # corpus name -> why that case could not be made here
    prelude: str  # code run before the CLI so the unreadable file is unreadable ("" when not needed)

    @property
    def expected(self) -> dict[str, str]:
        return {name: want for name, want in EXPECTED.items() if name not in self.skipped}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, ffmpeg, make_clip, rotate_flag) -> Corpus:
    """The hostile corpus of EXPECTED, in one folder (sub-folders: names/, links/)."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "names").mkdir()
    (folder / "links").mkdir()
    skipped: dict[str, str] = {}

    def clip(name: str, **kwargs) -> Path:
        built = make_clip(f"hostile_{Path(name).name}", **kwargs)
        return Path(shutil.move(built, folder / name))

    good = clip("a_good.mp4", seconds=2)
    (folder / "b_empty.mp4").write_bytes(b"")
    (folder / "c_text.mp4").write_text("this is not a video\n" * 100)
    (folder / "d_random_bytes.mp4").write_bytes(random.Random(CORPUS_RANDOM_SEED).randbytes(50_000))
    source = folder / "source.tmp"
    _ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=6", "-c:v", "libx264",
            "-pix_fmt", "yuv420p", "-f", "mp4", str(source))
    data = source.read_bytes()
    (folder / "e_truncated_half.mp4").write_bytes(data[: len(data) // 2])
    _ffmpeg(ffmpeg, "-i", str(source), "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(source) + "2")
    data = Path(str(source) + "2").read_bytes()
    (folder / "f_truncated_half_faststart.mp4").write_bytes(data[: len(data) // 2])
    source.unlink()
    Path(str(source) + "2").unlink()
    for name in ("g_audio_only.mp4", "h_audio_only.m4a"):
        _ffmpeg(ffmpeg, "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", str(folder / name))
    clip("i_video_only.mp4", seconds=2, audio=False)
    clip("j_1x1.mp4", size="1x1", source="color", pix_fmt="yuv444p", audio=False)
    clip("k_0.2s.mp4", seconds=0.2)
    clip("l_4000x4000.mp4", size="4000x4000", seconds=1, fps=10, audio=False, extra=("-preset", "ultrafast"))
    _ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=1",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5:duration=1",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=60:duration=1",
            "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]", "-map", "[v]", "-fps_mode", "vfr",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", str(folder / "m_vfr.mp4"))
    upright = clip("n_upright.mp4", seconds=1, audio=False)  # stored 320x240
    rotate_flag(upright, 90).rename(folder / "n_rotated_90.mp4")
    upright.unlink()
    try:
        clip("o_hevc.mp4", vcodec="libx265", extra=("-tag:v", "hvc1", "-x265-params", "log-level=error"))
    except subprocess.CalledProcessError:
        skipped["o_hevc.mp4"] = "this ffmpeg build cannot encode HEVC (no libx265)"
    for name in ("names/with  spaces .mp4", "names/vidéo 日本 🎬.mp4",
                 "names/a;b $(x) `y` 'q' \"d\" [bold] & | <z> *.mp4"):
        shutil.copyfile(good, folder / name)
    (folder / "links" / "up").symlink_to("..", target_is_directory=True)  # a folder loop for --recursive
    (folder / "links" / "p_loop_a.mp4").symlink_to("p_loop_b.mp4")
    (folder / "links" / "p_loop_b.mp4").symlink_to("p_loop_a.mp4")
    (folder / "links" / "q_dangling.mp4").symlink_to(folder / "gone.mp4")
    prelude, why = _root_read_denial(tmp_path_factory.mktemp("probe"))
    if prelude is None:
        skipped["r_unreadable.mp4"] = why
    else:
        shutil.copyfile(good, folder / "r_unreadable.mp4")
        (folder / "r_unreadable.mp4").chmod(0)
    (folder / "notes.txt").write_text("not a video extension: ignored")
    return Corpus(folder=folder, skipped=skipped, prelude=prelude or "")


@dataclass(frozen=True)
class CorpusRun:
    code: int
    stdout: str
    stderr: str
    results: dict[str, dict]  # corpus name -> JSON result
    order: list[str]  # corpus names in output order
    csv_rows: list[dict]


@pytest.fixture(scope="module")
def corpus_run(corpus, tmp_path_factory) -> CorpusRun:
    """`vidscore score CORPUS CORPUS/h_audio_only.m4a --recursive --json --csv`, once, in worker processes."""
    out = tmp_path_factory.mktemp("hostile-out")
    args = ["score", str(corpus.folder), str(corpus.folder / "h_audio_only.m4a"), "--recursive", "--no-speech",
            "--no-cache", "--jobs", "2", "--timeout", str(CORPUS_TIMEOUT_S),
            "--json", str(out / "results.json"), "--csv", str(out / "results.csv")]
    done = subprocess.run([sys.executable, "-c", corpus.prelude + _RUN_CLI, *args], capture_output=True,
                          text=True, timeout=10 * CORPUS_TIMEOUT_S)
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    names = [os.path.relpath(r["file"], corpus.folder) for r in doc["results"]]
    rows = list(csv.DictReader(io.StringIO((out / "results.csv").read_text(encoding="utf-8"))))
    return CorpusRun(done.returncode, done.stdout, done.stderr, dict(zip(names, doc["results"])), names, rows)


def test_corpus_run_lists_every_file_once_and_exits_1(corpus, corpus_run):
    assert corpus_run.code == 1, corpus_run.stderr
    assert "Traceback" not in corpus_run.stderr + corpus_run.stdout
    assert sorted(corpus_run.order) == sorted(corpus.expected), "every corpus file exactly once, nothing else"
    walked = [n for n in corpus_run.order if n != "h_audio_only.m4a"]
    assert walked == sorted(walked, key=lambda n: (n.count("/"), n)), "input order is kept"
    assert [r["file"] for r in corpus_run.csv_rows] == [corpus_run.results[n]["file"] for n in corpus_run.order]
    assert [r["ok"] for r in corpus_run.csv_rows] == [str(corpus_run.results[n]["ok"]) for n in corpus_run.order]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_corpus_file_gives_a_result_or_a_one_line_reason(name, corpus, corpus_run):
    if name in corpus.skipped:
        pytest.skip(corpus.skipped[name])
    result, want = corpus_run.results[name], EXPECTED[name]
    if want == OK:
        assert result["ok"] is True and result["error"] is None, result["error"]
        media = result["media"]
        assert media["width"] >= 1 and media["height"] >= 1 and media["duration_s"] > 0 and media["fps"] > 0
        assert result["scores"]["overall"] is not None
        return
    error = result["error"]
    assert result["ok"] is False and isinstance(error, str)
    assert want in error, error
    assert "\n" not in error and "Traceback" not in error and "internal error" not in error
    assert f"{result['file']}: {error}" in corpus_run.stderr, "stderr names the file and its reason"


def test_odd_but_valid_media_are_measured_right(corpus_run):
    media = {name: r["media"] for name, r in corpus_run.results.items() if r["ok"]}
    assert (media["j_1x1.mp4"]["width"], media["j_1x1.mp4"]["height"]) == (1, 1)
    assert (media["l_4000x4000.mp4"]["width"], media["l_4000x4000.mp4"]["height"]) == (4000, 4000)
    assert media["k_0.2s.mp4"]["duration_s"] == pytest.approx(0.2, abs=0.05)
    rotated = media["n_rotated_90.mp4"]
    assert rotated["rotation"] in (90, 270)
    assert (rotated["coded_width"], rotated["coded_height"]) == (320, 240)
    assert (rotated["width"], rotated["height"]) == (240, 320), "display size is the stored size turned"
    assert media["i_video_only.mp4"]["has_audio"] is False
    assert media["a_good.mp4"]["has_audio"] is True


def test_variable_frame_rate_is_sampled_to_the_end(corpus_run):
    vfr = corpus_run.results["m_vfr.mp4"]
    assert vfr["media"]["duration_s"] == pytest.approx(3.0, abs=0.1)
    assert vfr["scan"]["decoded_until_s"] == pytest.approx(3.0, abs=0.25)  # 30, 5 then 60 fps: no part lost
    assert vfr["scan"]["samples"] >= 3 * 2  # at least the 2 Hz analysis grid over 3 s


def test_hevc_is_decoded(corpus, corpus_run):
    if "o_hevc.mp4" in corpus.skipped:
        pytest.skip(corpus.skipped["o_hevc.mp4"])
    assert corpus_run.results["o_hevc.mp4"]["media"]["codec"] == "hevc"


def test_unreadable_file_is_permission_denied(corpus, corpus_run):
    """Root reads mode-000 files; the corpus run drops that privilege (see the module docstring)."""
    if "r_unreadable.mp4" in corpus.skipped:
        pytest.skip(corpus.skipped["r_unreadable.mp4"])
    assert "permission denied" in corpus_run.results["r_unreadable.mp4"]["error"]


def test_folder_symlink_loop_is_not_followed(corpus_run):
    assert not any("/up/" in name or name.startswith("up/") for name in corpus_run.order)


@pytest.fixture(scope="module")
def ten_minute_clip(ffmpeg, tmp_path_factory) -> Path:
    """10 minutes, 320x180 at 2 fps (1200 frames, scored in ~15 s) with a tone, so audio features run too."""
    out = tmp_path_factory.mktemp("long") / "ten_minutes.mp4"
    _ffmpeg(ffmpeg, "-f", "lavfi", "-i", f"color=c=0x336699:size=320x180:rate=2:duration={TEN_MINUTES_S}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=16000:duration={TEN_MINUTES_S}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "16k", str(out))
    return out


def test_ten_minute_clip_scores_in_bounded_memory(ten_minute_clip):
    """Peak RSS of `python -m vidscore score` (its own children only, measured by a wrapper process)."""
    wrapper = ("import json, resource, subprocess, sys\n"
               "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "print(json.dumps({'code': done.returncode, 'out': done.stdout, 'err': done.stderr,\n"
               "                  'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")
    command = [sys.executable, "-m", "vidscore", "score", str(ten_minute_clip), "--no-speech", "--no-cache",
               "--json", "-"]
    report = json.loads(subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True,
                                       check=True).stdout)
    assert report["code"] == 0, report["err"]
    (result,) = json.loads(report["out"])["results"]
    assert result["ok"] is True
    assert result["media"]["duration_s"] == pytest.approx(TEN_MINUTES_S, abs=1)
    assert result["scan"]["decoded_until_s"] == pytest.approx(TEN_MINUTES_S, abs=1)
    assert report["maxrss_kb"] * 1024 < MAX_RSS_BYTES, f"peak RSS {report['maxrss_kb'] / 1024:.0f} MB"


def test_timeout_kills_a_long_video_and_the_batch_goes_on(make_clip):
    """A video running past --timeout becomes an error row; the next one still runs, in a fresh worker."""
    long_clip = make_clip("timeout_long.mp4", size="1280x720", seconds=300, fps=2, audio=False, source="testsrc",
                          extra=("-preset", "ultrafast"))
    short_clip = make_clip("timeout_short.mp4", size="160x120", seconds=1, audio=False)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "vidscore", "score", str(long_clip), str(short_clip), "--no-speech",
                           "--no-cache", "--timeout", str(STUCK_TIMEOUT_S), "--json", "-", "-q"],
                          capture_output=True, text=True, timeout=10 * STUCK_MAX_WALL_S)
    wall_s = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    long_row, short_row = json.loads(done.stdout)["results"]
    assert long_row["ok"] is False and long_row["error"] == f"timed out after {STUCK_TIMEOUT_S} s"
    assert short_row["ok"] is True, short_row["error"]
    assert wall_s < STUCK_MAX_WALL_S, f"{wall_s:.1f} s: the long clip was not stopped"
    assert f"{long_clip}: timed out after {STUCK_TIMEOUT_S} s" in done.stderr


# Stand-ins for `analyze` in worker processes (module level, so a spawned worker can import them).
def _stand_in(video, config, *, debug, cache) -> VideoResult:
    name = Path(video).name
    if name.startswith("hang"):
        time.sleep(3600)  # a decode stuck in native code: only killing the process ends it
    if name.startswith("crash"):
        os._exit(3)  # a decoder segfault takes the whole process
    if name.startswith("slow"):
        time.sleep(1.0)
    return VideoResult(file=str(video), ok=True)


def test_workers_isolate_hangs_and_crashes():
    """jobs=2: a hung and a crashing video become error rows; in-flight and later videos all finish."""
    videos = [Path(n) for n in ("hang.mp4", "slow1.mp4", "crash.mp4", "ok1.mp4", "slow2.mp4", "ok2.mp4")]
    started = time.monotonic()
    rows = list(_run_in_workers(videos, AnalyzeConfig(speech=None), jobs=2, debug=False, cache=SignalCache(None),
                                timeout_s=4.0, analyse=_stand_in))
    wall_s = time.monotonic() - started
    assert sorted(i for i, _ in rows) == list(range(len(videos))), "every video exactly once"
    by_name = {videos[i].name: r for i, r in rows}
    assert by_name["hang.mp4"].error == "timed out after 4 s"
    assert by_name["crash.mp4"].error == CRASHED_ERROR
    assert all(by_name[n].ok for n in ("slow1.mp4", "ok1.mp4", "slow2.mp4", "ok2.mp4"))
    assert wall_s < 20


def test_workers_without_timeout_keep_crash_isolation():
    videos = [Path("crash.mp4"), Path("ok.mp4")]
    rows = dict(_run_in_workers(videos, AnalyzeConfig(speech=None), jobs=2, debug=False, cache=SignalCache(None),
                                timeout_s=None, analyse=_stand_in))
    assert rows[0].error == CRASHED_ERROR and rows[1].ok
