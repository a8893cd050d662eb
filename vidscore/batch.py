"""Find the videos under the user's paths and analyse them, in parallel processes if asked.

Results are yielded as they finish, tagged with their input index, so writers can keep input
order and a Ctrl-C keeps everything finished so far.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from vidscore.cache import SignalCache
from vidscore.config import AnalyzeConfig
from vidscore.errors import ConfigError
from vidscore.pipeline import analyze
from vidscore.result import VideoResult

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"})


def discover(paths: Iterable[str | Path], recursive: bool = False) -> list[Path]:
    """The video files named by `paths`: files as given, folders listed (walked with `recursive`).

    Raises `ConfigError` for a path that does not exist. Folder entries are sorted by name;
    symbolic links to folders are not followed (no loops); duplicates are dropped.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(_videos_in(path, recursive))
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise ConfigError(f"{raw}: no such file or folder")
    seen: set[str] = set()
    unique = []
    for path in found:
        key = os.path.normpath(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _videos_in(folder: Path, recursive: bool) -> list[Path]:
    videos = []
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=lambda _err: None):
        dirs.sort()
        for name in sorted(files):
            if Path(name).suffix.lower() in VIDEO_EXTENSIONS and not name.startswith("."):
                videos.append(Path(root) / name)
        if not recursive:
            break
    return videos


def default_jobs() -> int:
    """One process per core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def per_job_config(config: AnalyzeConfig, jobs: int) -> AnalyzeConfig:
    """Split the cores between `jobs` processes so parallel ASR does not oversubscribe the CPU."""
    if config.speech is None or config.speech.cpu_threads:
        return config
    threads = max(1, default_jobs() // max(1, jobs))
    return replace(config, speech=replace(config.speech, cpu_threads=threads))


def run_batch(
    videos: list[Path], config: AnalyzeConfig, jobs: int = 1, debug: bool = False,
    cache: SignalCache = SignalCache(None),
) -> Iterator[tuple[int, VideoResult]]:
    """Yield `(input_index, result)` for every video as it finishes.

    With `jobs` > 1 the videos run in a pool of `jobs` processes ('spawn', so no thread state from
    the parent is inherited). A worker that dies takes only its own videos with it: they come back
    as error rows and the rest of the batch goes on in a fresh pool.
    """
    config = per_job_config(config, jobs)
    if jobs <= 1 or len(videos) <= 1:
        for index, video in enumerate(videos):
            yield index, analyze(video, config, debug=debug, cache=cache)
        return
    pending = list(range(len(videos)))
    context = multiprocessing.get_context("spawn")
    while pending:
        with ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=context) as pool:
            futures: dict[Future, int] = {pool.submit(analyze, videos[i], config, debug=debug, cache=cache): i for i in pending}
            broken: list[int] = []
            try:
                not_done = set(futures)
                while not_done:
                    done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                    for future in done:
                        index = futures[future]
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            broken.append(index)
                            continue
                        pending.remove(index)
                        yield index, result
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        if broken:
            # The pool cannot tell which video killed its worker: rerun the survivors one at a time
            # in their own pool so only the culprit becomes an error row.
            for index in sorted(broken):
                pending.remove(index)
                yield index, _run_isolated(videos[index], config, debug, cache, context)


def _run_isolated(video: Path, config: AnalyzeConfig, debug: bool, cache: SignalCache, context) -> VideoResult:
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(analyze, video, config, debug=debug, cache=cache).result()
        except BrokenProcessPool:
            return VideoResult.failed(str(video), "the decoder crashed on this file (worker process died)")
