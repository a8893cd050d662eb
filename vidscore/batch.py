"""Find the videos under the user's paths and analyse them, in parallel processes if asked.

Results are yielded as they finish, tagged with their input index, so writers can keep input
order and a Ctrl-C keeps everything finished so far.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from multiprocessing import connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from vidscore.cache import SignalCache
from vidscore.config import AnalyzeConfig
from vidscore.errors import ConfigError, folded
from vidscore.pipeline import analyze
from vidscore.result import VideoResult
from vidscore.system import available_cores

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"})
WORKER_EXIT_WAIT_S = 5.0  # an idle worker asked to exit gets this long before it is killed
CRASHED_ERROR = "the decoder crashed on this file (worker process died)"
URL_PATTERN = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")  # s3://bucket/key, gs://..., file:///abs/path
FILE_URL_PREFIX = "file://"
FSSPEC_HINT = "pip install 'vidscore[dask]'"

Video = Path | str  # a local path, or (dask executor only) a URL the workers read through fsspec


def url_scheme(raw: str | Path) -> str | None:
    """The scheme of a URL input ('s3', 'gs', 'file', ...), or None for a plain path."""
    match = URL_PATTERN.match(raw) if isinstance(raw, str) else None
    return match.group(1).lower() if match else None


def discover(paths: Iterable[str | Path], recursive: bool = False, *, urls: bool = False) -> list[Video]:
    """The video files named by `paths`: files as given, folders listed (walked with `recursive`).

    Raises `ConfigError` for a path that does not exist. Folder entries are sorted by name;
    symbolic links to folders are not followed (no loops); duplicates are dropped.

    With `urls` (the dask executor), URL inputs stay URLs, for the workers to read: `file://`
    and, through fsspec, object-store URLs such as `s3://` and `gs://` (a folder URL is listed like
    a folder). Without it a `file:///abs/path` URL is read as its local path and other URLs are a
    `ConfigError`: the local executor reads local files only.
    """
    found: list[Video] = []
    for raw in paths:
        scheme = url_scheme(raw)
        if scheme is not None:
            found.extend(_videos_at_url(str(raw), scheme, recursive, urls))
            continue
        path = Path(raw)
        if path.is_dir():
            found.extend(_videos_in(path, recursive))
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise ConfigError(f"{raw}: no such file or folder")
    seen: set[str] = set()
    unique = []
    for video in found:
        key = video if isinstance(video, str) else os.path.normpath(os.path.abspath(video))
        if key not in seen:
            seen.add(key)
            unique.append(video)
    return unique


def _videos_at_url(url: str, scheme: str, recursive: bool, keep_urls: bool) -> list[Video]:
    """The videos a URL names: itself, or a folder URL's videos (as URLs with `keep_urls`)."""
    if scheme == "file":
        local = file_url_path(url)
        if local.is_dir():
            videos = _videos_in(local, recursive)
            return [FILE_URL_PREFIX + str(v) for v in videos] if keep_urls else list(videos)
        if local.exists() or local.is_symlink():
            return [url if keep_urls else local]
        raise ConfigError(f"{url}: no such file or folder")
    if not keep_urls:
        raise ConfigError(f"{url}: {scheme}:// inputs need --executor dask (the local executor reads local "
                          "paths and file:// URLs)")
    fs, root = url_filesystem(url)
    try:
        if fs.isdir(root):
            depth = None if recursive else 1
            names = fs.find(root, maxdepth=depth, withdirs=False)
            return [fs.unstrip_protocol(name) for name in sorted(names) if _is_video_name(name.rsplit("/", 1)[-1])]
        if fs.exists(root):
            return [url]
    except Exception as exc:  # noqa: BLE001 - storage backends raise their own types (credentials, network)
        raise ConfigError(f"{url}: cannot list it ({folded(exc)})") from exc
    raise ConfigError(f"{url}: no such file or folder")


def file_url_path(url: str) -> Path:
    """The local path of a `file:///abs/path` URL, read as fsspec reads it (no percent-decoding)."""
    path = url[len(FILE_URL_PREFIX):] if url.lower().startswith(FILE_URL_PREFIX) else url
    if not path.startswith("/"):
        raise ConfigError(f"{url}: a file URL needs an absolute path, e.g. file:///data/videos")
    return Path(path)


def url_filesystem(url: str):
    """fsspec's `(filesystem, path)` for `url`; a missing fsspec or storage backend is a one-line ConfigError."""
    try:
        from fsspec.core import url_to_fs
        from fsspec.registry import known_implementations
    except ImportError as exc:
        raise ConfigError(f"{url}: reading URLs needs fsspec: {FSSPEC_HINT}") from exc
    scheme = url_scheme(url) or "file"
    try:
        return url_to_fs(url)
    except ImportError as exc:
        package = known_implementations.get(scheme, {}).get("class", "").split(".")[0] or "its fsspec backend"
        raise ConfigError(f"{url}: reading {scheme}:// URLs needs the {package} package (pip install {package})") from exc
    except ValueError as exc:  # "Protocol not known"
        raise ConfigError(f"{url}: {scheme}:// is not a storage protocol fsspec knows") from exc


def _is_video_name(name: str) -> bool:
    return Path(name).suffix.lower() in VIDEO_EXTENSIONS and not name.startswith(".")


def _videos_in(folder: Path, recursive: bool) -> list[Path]:
    videos = []
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=lambda _err: None):
        dirs.sort()
        for name in sorted(files):
            if _is_video_name(name):
                videos.append(Path(root) / name)
        if not recursive:
            break
    return videos


def default_jobs() -> int:
    """One process per core."""
    return available_cores()


def per_job_config(config: AnalyzeConfig, jobs: int) -> AnalyzeConfig:
    """Split the cores between `jobs` processes so their thread pools do not oversubscribe the CPU."""
    if config.cpu_threads:
        return config
    return replace(config, cpu_threads=max(1, default_jobs() // max(1, jobs)))


def run_batch(
    videos: list[Path], config: AnalyzeConfig, jobs: int = 1, debug: bool = False,
    cache: SignalCache = SignalCache(None), timeout_s: float | None = None,
) -> Iterator[tuple[int, VideoResult]]:
    """Yield `(input_index, result)` for every video as it finishes.

    With `jobs` > 1 or a `timeout_s`, the videos run in `jobs` worker processes ('spawn', so no
    thread state from the parent is inherited), one video at a time each. A worker that dies takes
    only its own video with it, and a video still running after `timeout_s` seconds has its worker
    killed (a stuck native decode cannot be interrupted otherwise): either becomes an error row
    and the rest of the batch goes on in a fresh worker.
    """
    config = per_job_config(config, min(jobs, max(1, len(videos))))  # the processes that will run
    if timeout_s is None and (jobs <= 1 or len(videos) <= 1):
        for index, video in enumerate(videos):
            yield index, analyze(video, config, debug=debug, cache=cache)
        return
    yield from _run_in_workers(videos, config, max(1, jobs), debug, cache, timeout_s)


@dataclass
class _Worker:
    """A worker process, the pipes to it, and the video it is on (None when idle)."""

    process: BaseProcess
    tasks: Connection  # parent -> worker: (index, path), or None to stop
    results: Connection  # worker -> parent: (kind, index, payload)
    index: int | None = None
    started_s: float | None = None  # monotonic time the worker began the video (after its imports)

    def stop(self, wait_s: float = 0.0) -> None:
        """Ask the worker to exit, wait up to `wait_s`, then kill it if it is still there."""
        with contextlib.suppress(OSError):
            self.tasks.send(None)
        self.process.join(wait_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.tasks.close()
        self.results.close()


def _run_in_workers(
    videos: list[Path], config: AnalyzeConfig, jobs: int, debug: bool, cache: SignalCache,
    timeout_s: float | None, analyse: Callable[..., VideoResult] = analyze,
) -> Iterator[tuple[int, VideoResult]]:
    """`run_batch` over worker processes that the parent starts, watches and kills itself.

    Each worker gets one video at a time over its own pipe, so a dead or killed worker never
    corrupts another's results and the video it was on is known exactly. `analyse` is what the
    workers run per video (a module-level function; tests pass stand-ins that hang or crash).
    """
    context = multiprocessing.get_context("spawn")
    queue = deque(range(len(videos)))
    workers: list[_Worker] = []

    def start_worker() -> _Worker:
        tasks_read, tasks_write = context.Pipe(duplex=False)
        results_read, results_write = context.Pipe(duplex=False)
        process = context.Process(target=_worker_main, name="vidscore-worker", daemon=True,
                                  args=(tasks_read, results_write, analyse, config, debug, cache))
        process.start()
        tasks_read.close()  # the worker holds its own copies; closing ours lets EOF reach each side
        results_write.close()
        return _Worker(process=process, tasks=tasks_write, results=results_read)

    def retire(worker: _Worker) -> None:
        worker.stop()
        workers.remove(worker)

    idle_done: list[_Worker] = []  # asked to exit, joined at the end so nobody waits on them now
    stopped_normally = False
    try:
        while queue or workers:
            while queue and len(workers) < min(jobs, len(videos)):
                workers.append(start_worker())
            for worker in list(workers):
                if worker.index is not None:
                    continue
                if not queue:  # nothing left for it
                    with contextlib.suppress(OSError):
                        worker.tasks.send(None)
                    workers.remove(worker)
                    idle_done.append(worker)
                    continue
                worker.index, worker.started_s = queue.popleft(), None
                try:
                    worker.tasks.send((worker.index, videos[worker.index]))
                except OSError:  # the worker died between two videos; count it against this one, never loop
                    yield worker.index, VideoResult.failed(str(videos[worker.index]), CRASHED_ERROR)
                    retire(worker)
            busy = [w for w in workers if w.index is not None]
            if not busy:
                continue
            now_s = time.monotonic()
            deadlines_s = [w.started_s + timeout_s for w in busy if timeout_s is not None and w.started_s is not None]
            wait_s = max(0.0, min(deadlines_s) - now_s) if deadlines_s else None
            connection.wait([w.results for w in busy] + [w.process.sentinel for w in busy], timeout=wait_s)
            for worker in busy:
                outcome = _collect(worker, videos, timeout_s)
                if outcome is None:
                    continue
                index, result, healthy = outcome
                worker.index = worker.started_s = None
                if not healthy:
                    retire(worker)
                yield index, result
        stopped_normally = True
    finally:
        for worker in workers:  # on Ctrl-C or an abandoned iterator, do not wait for running videos
            worker.stop()
        for worker in idle_done:
            worker.stop(WORKER_EXIT_WAIT_S if stopped_normally else 0.0)


def _collect(worker: _Worker, videos: list[Path], timeout_s: float | None) -> tuple[int, VideoResult, bool] | None:
    """The finished `(index, result, worker still usable)` of a busy worker, or None while it runs."""
    index = worker.index
    try:
        while worker.results.poll():
            kind, _, payload = worker.results.recv()
            if kind == "started":
                worker.started_s = time.monotonic()
            elif kind == "done":
                return index, payload, True
            else:  # "raised": --debug wants the traceback, as a run without workers would give it
                raise RuntimeError(f"analysing {videos[index]} failed in a worker process:\n{payload}")
    except (EOFError, OSError):  # the pipe broke: the worker is exiting, let it be reaped
        worker.process.join(WORKER_EXIT_WAIT_S)
    if not worker.process.is_alive():
        elapsed_s = time.monotonic() - worker.started_s if worker.started_s is not None else 0.0
        return index, VideoResult.failed(str(videos[index]), CRASHED_ERROR, elapsed_s=elapsed_s), False
    if timeout_s is not None and worker.started_s is not None and time.monotonic() - worker.started_s >= timeout_s:
        error = f"timed out after {timeout_s:g} s"
        return index, VideoResult.failed(str(videos[index]), error, elapsed_s=timeout_s), False
    return None


def _worker_main(tasks: Connection, results: Connection, analyse: Callable[..., VideoResult],
                 config: AnalyzeConfig, debug: bool, cache: SignalCache) -> None:
    """A worker process: analyse the videos sent on `tasks` one by one, answer on `results`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    while True:
        try:
            task = tasks.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        index, video = task
        results.send(("started", index, None))
        try:
            result = analyse(video, config, debug=debug, cache=cache)
        except Exception:  # only with --debug does analyze raise
            results.send(("raised", index, traceback.format_exc()))
            return
        results.send(("done", index, result))
