"""`--executor dask`: score a batch on a Dask cluster, one task per video.

Each task runs the same `analyze` as the local process pool, in a long-lived Dask worker process,
so the models (ASR, OCR) load once per worker and stay loaded for its next videos. Without a
scheduler address a `LocalCluster` of single-threaded worker processes is started on this machine.

Inputs are local paths (the workers must see them: same machine or a shared file system) or URLs
the workers read through fsspec (`file://`, `s3://`, `gs://` with the matching backend installed):
a URL is copied to a temporary file on the worker, analysed, and the temporary file deleted.

Faults: a worker that dies mid-video (killed, out of memory) has its video re-run by Dask on
another worker; a video whose worker dies twice becomes an error row. Only `--executor dask`
imports this module: the default install has no `distributed`, and `run_dask` then says in one
line which extra to install.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from vidscore.batch import Video, default_jobs, per_job_config, url_filesystem, url_scheme
from vidscore.cache import SignalCache, default_cache_dir
from vidscore.config import AnalyzeConfig
from vidscore.errors import ConfigError, VidscoreError, folded, one_line
from vidscore.pipeline import analyze
from vidscore.result import VideoResult

DASK_EXTRA_HINT = "--executor dask needs the dask extra: pip install 'vidscore[dask]'"
TASK_RETRIES = 1  # a task that raises (e.g. a worker that cannot unpickle it) is tried once more
ALLOWED_WORKER_DEATHS = 1  # LocalCluster: a video whose worker dies twice becomes an error row
WORKER_SATURATION = 1.0  # one video per worker at a time, so a dying worker takes only its running video along
LOOPBACK = "127.0.0.1"  # a LocalCluster listens on this machine only (its HTTP endpoint on a free port)
CONNECT_TIMEOUT_S = 30.0  # reaching a --scheduler address
INTERRUPT_GRACE_S = 0.5  # after Ctrl-C, a LocalCluster worker still on a video is killed after this
HOUSEKEEPING_INTERVAL = "1s"  # LocalCluster: event-loop, memory and system checks (videos take seconds)
KEY_PREFIX = "vidscore"
COPY_CHUNK_BYTES = 1 << 22  # URL inputs are copied to the worker's temp dir 4 MiB at a time
TIMED_OUT_ERROR = "timed out after {timeout_s:g} s"
LOST_ERROR = "worker lost {times} while scoring this video"
CANCELLED_ERROR = "the Dask scheduler dropped this video ({reason})"

try:  # only for the plugin's base class; everything else imports distributed when a batch starts
    from distributed import WorkerPlugin as _WorkerPlugin
except ImportError:  # the dask extra is not installed: run_dask says so in one line
    _WorkerPlugin = object


def import_distributed():
    """The `distributed` module, or a one-line ConfigError naming the extra to install."""
    try:
        import distributed
    except ImportError as exc:
        raise ConfigError(DASK_EXTRA_HINT) from exc
    return distributed


def run_dask(
    videos: list[Video], config: AnalyzeConfig, *, scheduler: str | None = None, workers: int = 0,
    debug: bool = False, cache: SignalCache | None = None, timeout_s: float | None = None,
    analyse: Callable[..., VideoResult] = analyze,
) -> Iterator[tuple[int, VideoResult]]:
    """Yield `(input_index, result)` for every video as it finishes on the cluster (as `run_batch`).

    `scheduler`: a Dask scheduler address (tcp://host:8786); None starts a LocalCluster of
    `workers` processes (0 = one per core) for this batch and closes it afterwards. `cache`: a
    signal cache the workers can reach (a shared path); None lets each worker use its own default
    cache dir (the same one as here on a LocalCluster); `SignalCache(None)` disables caching.
    `timeout_s` is best-effort: the video gets its error row, but the worker cannot stop the
    native decode and finishes it in the background. `analyse` is what the workers run per video
    (a module-level function; tests pass stand-ins). Raises ConfigError when the dask extra is
    missing (at once) or the scheduler cannot be reached (on the first `next`).
    """
    import_distributed()
    if scheduler is None:
        workers = workers or default_jobs()
        config = per_job_config(config, workers)  # this machine's cores, split between the workers
    return _stream(videos, _portable(config), scheduler, workers, debug, cache, timeout_s, analyse)


def local_cluster(workers: int, debug: bool = False):
    """A LocalCluster of `workers` single-threaded processes, set up for vidscore's fault handling."""
    import dask
    from distributed import LocalCluster

    settings = {"distributed.scheduler.allowed-failures": ALLOWED_WORKER_DEATHS,
                "distributed.scheduler.worker-saturation": WORKER_SATURATION,
                "distributed.nanny.pre-spawn-environ": {},  # workers get this process's environment, as local ones do
                # Housekeeping that competes with the videos for the cores (8 % of a core when idle, with
                # the defaults): stack sampling every 10 ms, loop checks every 20 ms, memory every 100 ms.
                "distributed.worker.profile.enabled": False,
                "distributed.admin.tick.interval": HOUSEKEEPING_INTERVAL,
                "distributed.worker.memory.monitor-interval": HOUSEKEEPING_INTERVAL,
                "distributed.admin.system-monitor.interval": HOUSEKEEPING_INTERVAL}
    with dask.config.set(settings):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host=LOOPBACK,
                            dashboard_address=None, scheduler_kwargs={"dashboard_address": f"{LOOPBACK}:0"},
                            silence_logs=logging.WARNING if debug else logging.CRITICAL)


def _stream(videos: list[Video], config: AnalyzeConfig, scheduler: str | None, workers: int, debug: bool,
            cache: SignalCache | None, timeout_s: float | None,
            analyse: Callable[..., VideoResult]) -> Iterator[tuple[int, VideoResult]]:
    distributed = import_distributed()
    completed = False

    def close_cluster(cluster) -> None:
        if not completed:  # interrupted: stop the videos still running now rather than wait for them
            with contextlib.suppress(Exception):
                cluster.sync(_stop_workers, list(cluster.workers.values()))
        cluster.close()

    with _quiet_dask_logs(debug), contextlib.ExitStack() as stack:
        if scheduler is None:
            try:
                cluster = local_cluster(workers, debug)
            except Exception as exc:  # noqa: BLE001 - e.g. no ports, cannot spawn: one line, not a traceback
                if debug:
                    raise
                raise VidscoreError(f"could not start a local Dask cluster ({folded(exc)})") from exc
            stack.callback(close_cluster, cluster)
            client = distributed.Client(cluster)
            stack.callback(client.close)
            client.register_plugin(IgnoreSigint(), name="vidscore-ignore-sigint")  # Ctrl-C is the client's
        else:
            client = _connect(distributed, scheduler)
            stack.callback(client.close)
        threads = _threads_by_host(client) if scheduler is not None else {}
        run_id = uuid.uuid4().hex[:12]
        futures = [client.submit(score_on_worker, _source(video), str(video), config, debug, cache, timeout_s, analyse,
                                 threads, key=f"{KEY_PREFIX}-{run_id}-{index}", retries=TASK_RETRIES, pure=False)
                   for index, video in enumerate(videos)]
        index_of = {future.key: index for index, future in enumerate(futures)}
        try:
            for future in distributed.as_completed(futures):
                index = index_of[future.key]
                result = _outcome(future, str(videos[index]), debug)
                futures[index] = None  # the client lets go of it, so the cluster frees the result
                future.release()
                yield index, result
            completed = True
        finally:  # Ctrl-C or an abandoned iterator: unfinished videos are cancelled, finished ones kept
            unfinished = [f for f in futures if f is not None and not f.done()]
            if unfinished:
                with contextlib.suppress(Exception):
                    client.cancel(unfinished, force=True)


async def _stop_workers(nannies: list) -> None:
    """Close a LocalCluster's worker processes after a short grace period (a running native decode
    does not return on request; the default grace is seconds)."""
    import asyncio

    await asyncio.gather(*(nanny.close(timeout=INTERRUPT_GRACE_S) for nanny in nannies), return_exceptions=True)


def _source(video: Video) -> str:
    """What a worker opens: the URL, or the path made absolute (workers do not share our cwd)."""
    return video if url_scheme(video) else os.path.abspath(video)


def _threads_by_host(client) -> dict[str, int]:
    """Cores per video on each host of a running cluster: the host's cores split between the task
    threads of all its workers (several worker processes may share a machine)."""
    from dask.system import CPU_COUNT

    workers = client.scheduler_info(n_workers=-1)["workers"]
    if not workers:  # an adaptive cluster with no worker yet: each worker decides (see _worker_config)
        return {}
    cores = client.run(lambda: CPU_COUNT)
    task_threads: dict[str, int] = {}
    host_cores: dict[str, int] = {}
    for address, info in workers.items():
        host = info["host"]
        task_threads[host] = task_threads.get(host, 0) + info["nthreads"]
        host_cores[host] = max(host_cores.get(host, 0), cores.get(address, 0))
    return {host: max(1, host_cores[host] // max(1, task_threads[host])) for host in task_threads}


def _connect(distributed, scheduler: str):
    """A client of the scheduler at `scheduler`; an unreachable one is a one-line ConfigError."""
    try:
        return distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler} ({folded(exc)})") from exc


def _outcome(future, file: str, debug: bool) -> VideoResult:
    """The task's result, or an error row for a video Dask could not finish (one line)."""
    from distributed import KilledWorker
    from distributed.client import FutureCancelledError

    try:
        return future.result()
    except KilledWorker as exc:
        deaths = int(getattr(exc, "allowed_failures", ALLOWED_WORKER_DEATHS)) + 1
        return VideoResult.failed(file, LOST_ERROR.format(times="twice" if deaths == 2 else f"{deaths} times"))
    except FutureCancelledError as exc:
        return VideoResult.failed(file, CANCELLED_ERROR.format(reason=getattr(exc, "reason", "cancelled")))
    except Exception as exc:
        if debug:
            raise
        return VideoResult.failed(file, f"worker error: {one_line(exc)}")


def _portable(config: AnalyzeConfig) -> AnalyzeConfig:
    """`config` with its local paths made absolute (product photos, weights file, ASR model path):
    a worker process does not run in this process's working directory."""
    products = tuple(dataclasses.replace(p, images=tuple(Path(os.path.abspath(i)) for i in p.images))
                     for p in config.products)
    scoring = config.scoring
    if scoring.model is not None:
        scoring = dataclasses.replace(scoring, model=Path(os.path.abspath(scoring.model)))
    speech = config.speech
    if speech is not None and os.path.exists(speech.model):
        speech = dataclasses.replace(speech, model=os.path.abspath(speech.model))
    return dataclasses.replace(config, products=products, scoring=scoring, speech=speech)


def silence_dask_logs() -> Callable[[], None]:
    """Keep distributed's INFO/WARNING chatter (cluster start, worker restarts, lost tasks) off stderr:
    the error rows already say what happened to each video. Returns what puts the levels back."""
    import distributed  # noqa: F401  (sets its loggers' levels from the dask config)

    names = ["distributed", *(n for n in logging.root.manager.loggerDict if n.startswith("distributed."))]
    loggers = [logging.getLogger(n) for n in names]
    loggers = [lg for lg in loggers if lg.name == "distributed" or lg.level != logging.NOTSET]
    levels = [lg.level for lg in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)

    def restore() -> None:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)

    return restore


@contextlib.contextmanager
def _quiet_dask_logs(debug: bool):
    """`silence_dask_logs` for the duration of a batch, unless --debug."""
    restore = (lambda: None) if debug else silence_dask_logs()
    try:
        yield
    finally:
        restore()


class IgnoreSigint(_WorkerPlugin):
    """Worker plugin: LocalCluster workers share the terminal's process group, but Ctrl-C is for the
    client, which cancels the batch and closes the cluster (workers would otherwise print tracebacks)."""

    idempotent = True

    def setup(self, worker) -> None:
        with contextlib.suppress(ValueError):  # not the main thread: nothing to do
            signal.signal(signal.SIGINT, signal.SIG_IGN)


# ---------------------------------------------------------------------------------- on the worker


def score_on_worker(source: str, file: str, config: AnalyzeConfig, debug: bool, cache: SignalCache | None,
                    timeout_s: float | None, analyse: Callable[..., VideoResult] = analyze,
                    threads_by_host: dict[str, int] | None = None) -> VideoResult:
    """One video on a Dask worker: `source` (absolute path or URL) analysed, reported as `file`."""
    config = _worker_config(config, threads_by_host or {})
    cache = cache if cache is not None else SignalCache(default_cache_dir())

    def run() -> VideoResult:
        if url_scheme(source):
            return _analyse_url(source, file, config, debug, cache, analyse)
        return dataclasses.replace(analyse(source, config, debug=debug, cache=cache), file=file)

    if timeout_s is None:
        return run()
    return _with_timeout(run, file, timeout_s)


def _worker_config(config: AnalyzeConfig, threads_by_host: dict[str, int]) -> AnalyzeConfig:
    """The cores one video may use on this worker when not set (a LocalCluster's config arrives
    with them set): the client's share for this host, else this worker's cores split between its
    task threads."""
    if config.cpu_threads:
        return config
    from dask.system import CPU_COUNT
    from distributed import get_worker
    from distributed.comm import get_address_host

    try:
        worker = get_worker()
    except ValueError:  # not inside a worker (called directly)
        threads = CPU_COUNT
    else:
        threads = (threads_by_host.get(get_address_host(worker.address))
                   or CPU_COUNT // max(1, worker.state.nthreads))
    return dataclasses.replace(config, cpu_threads=max(1, threads))


def _analyse_url(url: str, file: str, config: AnalyzeConfig, debug: bool, cache: SignalCache,
                 analyse: Callable[..., VideoResult]) -> VideoResult:
    """Copy the URL's bytes into a temp file on this worker (keeping its extension), analyse it, delete it."""
    suffix = PurePosixPath(urlsplit(url).path).suffix
    with tempfile.TemporaryDirectory(prefix="vidscore-") as folder:
        local = Path(folder) / f"video{suffix}"
        try:
            fs, path = url_filesystem(url)
            with fs.open(path, "rb") as src, open(local, "wb") as dst:
                shutil.copyfileobj(src, dst, COPY_CHUNK_BYTES)
        except VidscoreError as exc:
            return VideoResult.failed(file, one_line(exc))
        except Exception as exc:  # noqa: BLE001 - storage backends raise their own types
            return VideoResult.failed(file, f"cannot read it from storage ({folded(exc)})")
        return dataclasses.replace(analyse(local, config, debug=debug, cache=cache), file=file)


def _with_timeout(run: Callable[[], VideoResult], file: str, timeout_s: float) -> VideoResult:
    """`run()`, or an error row after `timeout_s`: the video's thread is left to finish in the
    background (native decoding cannot be interrupted), so the batch goes on."""
    outcome: list = []

    def target() -> None:
        try:
            outcome.append((True, run()))
        except BaseException as exc:  # noqa: BLE001 - handed to the task's thread (only --debug raises)
            outcome.append((False, exc))

    thread = threading.Thread(target=target, name="vidscore-video", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not outcome:
        return VideoResult.failed(file, TIMED_OUT_ERROR.format(timeout_s=timeout_s), elapsed_s=timeout_s)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value
