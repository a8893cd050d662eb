#!/usr/bin/env python3
"""Benchmarks for vidscore, one section per expensive stage (`--section asr|pipeline|rescore|folder|dask`).

Pipeline: on a generated 30 s 1080x1920 clip, the end-to-end time (cold: a fresh process; warm:
models loaded) against the floor (decode every frame once + transcribe with the same model), the
per-stage times, peak RSS, and the CPU seconds that bound total/floor from below on this machine's
cores. Rescore: seconds per video when every signal comes from the cache.

ASR: for each model, the real-time factor (transcription time / audio duration) on ~30 s of speech
made by concatenating the samples' audio (espeak-ng clips when the samples are not built yet),
with model resolution (assembly + sha256), hashing and loading timed separately, and a plain
faster-whisper call with the same model as the baseline vidscore's extra steps are measured against.

    .venv/bin/python scripts/bench.py --section asr [--seconds 30] [--repeat 2] [--json out.json]

Dask: 20 clips with `--executor local --jobs 2` against `--executor dask` on a 2-worker
LocalCluster (or `--scheduler ADDRESS --clips-dir SHARED_DIR` for a real cluster): throughput,
overhead per video, and Dask's scheduling cost per task measured with no-op tasks.

    .venv/bin/python scripts/bench.py --section dask [--repeat 3] [--no-dask-speech]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from statistics import median

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))

SR = 16_000
ASR_MODELS = ("base", "tiny.en")
ESPEAK_LINES = (
    ("en-us", "Stop scrolling! This serum fixed my dry skin in three days."),
    ("en-us", "Today only, twenty percent off. Tap the link in bio and shop now."),
    ("it", "Guarda qui! Questo siero ha cambiato la mia pelle. Clicca il link in bio e acquista ora."),
    ("en-us", "Here is a quick look at our new kitchen organiser. You can find it on our website."),
)
GAP_S = 0.6  # silence between concatenated clips
DASK_WORKERS = 2  # the dask section: LocalCluster workers, against --jobs of the same number
NOOP_TASKS = 400  # tasks timed for the scheduling cost per task


# ---------------------------------------------------------------------------------- audio


def samples_audio(samples_dir: Path) -> list[np.ndarray]:
    """Decoded audio of every sample with an audio track, in expected.json order."""
    expected = samples_dir / "expected.json"
    if not expected.is_file():
        return []
    from vidscore.media import load_audio

    entries = json.loads(expected.read_text("utf-8"))["samples"]
    clips = [load_audio(samples_dir / name) for name, e in entries.items() if e.get("has_audio")]
    return [c for c in clips if c is not None and c.size]


def espeak_audio(workdir: Path) -> list[np.ndarray]:
    """A few spoken lines from espeak-ng (English and Italian)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return []
    from vidscore.signals.speech import resample

    clips = []
    for i, (voice, text) in enumerate(ESPEAK_LINES):
        wav = workdir / f"line{i}.wav"
        subprocess.run([exe, "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
        with wave.open(str(wav)) as w:
            x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
            clips.append(resample(x, w.getframerate(), SR))
    return clips


def concat_to_length(clips: list[np.ndarray], seconds: float) -> np.ndarray:
    """Clips one after another (cycling, GAP_S apart) cut to `seconds`."""
    n = int(seconds * SR)
    gap = np.zeros(int(GAP_S * SR), np.float32)
    parts, total, i = [], 0, 0
    while total < n:
        clip = clips[i % len(clips)]
        parts += [clip, gap]
        total += clip.size + gap.size
        i += 1
    return np.concatenate(parts)[:n].astype(np.float32)


def bench_audio(seconds: float, samples_dir: Path) -> tuple[np.ndarray, str]:
    clips = samples_audio(samples_dir)
    source = f"samples in {samples_dir}"
    if not clips:
        with tempfile.TemporaryDirectory() as tmp:
            clips = espeak_audio(Path(tmp))
        source = "espeak-ng clips"
    if not clips:
        raise SystemExit("bench: no samples (scripts/make_samples.py) and no espeak-ng to make speech")
    return concat_to_length(clips, seconds), source


# ---------------------------------------------------------------------------------- asr


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def _cpu_s(children: bool = False) -> float:
    """CPU seconds (user + system, every thread) used so far by this process, or by its waited-for children."""
    t = os.times()
    return t.children_user + t.children_system if children else t.user + t.system


def _timed_cpu(fn, *args, **kwargs):
    """`(result, wall seconds, CPU seconds)` of one call in this process (all its threads)."""
    cpu_start = _cpu_s()
    out, wall_s = _timed(fn, *args, **kwargs)
    return out, wall_s, _cpu_s() - cpu_start


@contextlib.contextmanager
def signal_cpu_s(out: dict[str, float]):
    """Collect in `out` the CPU seconds each visual signal and the frame scaling spend in their own threads.

    Wraps the signals' `consume`/`finish` and the scan's `upright_image` for the duration of the block
    (thread CPU clocks, so overlapping threads are not double-counted). What FFmpeg's own decoding
    threads use is not in here: it is the visual half's process CPU time minus these.
    """
    from vidscore.media import scan
    from vidscore.signals.faces import FaceSignal
    from vidscore.signals.product import ProductSignal
    from vidscore.signals.shots import ShotsSignal
    from vidscore.signals.text import TextSignal

    def counted(key: str, fn):
        def wrapper(*args, **kwargs):
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                out[key] = out.get(key, 0.0) + time.thread_time() - start
        return wrapper

    originals: list[tuple[object, str, object]] = [(scan, "upright_image", scan.upright_image)]
    for cls in (ShotsSignal, TextSignal, FaceSignal, ProductSignal):
        originals += [(cls, "consume", cls.consume), (cls, "finish", cls.finish)]
    try:
        for owner, attr, fn in originals:
            setattr(owner, attr, counted("frame scaling" if attr == "upright_image" else owner.name, fn))
        yield out
    finally:
        for owner, attr, fn in originals:
            setattr(owner, attr, fn)


def bench_asr_model(name: str, audio: np.ndarray, threads: int, repeat: int) -> dict:
    """Resolve, hash, load and transcribe with one model; times in seconds."""
    from vidscore import modelstore
    from vidscore.signals import speech

    duration_s = audio.size / SR
    resolved, resolve_s = _timed(modelstore.resolve_model, name)  # first in this process: verifies
    _, hash_s = _timed(modelstore.sha256_file, resolved.path / "model.bin")
    settings = speech.SpeechSettings(model=name, cpu_threads=threads)
    model, load_s = _timed(speech.load_model, settings)

    runs, transcript = [], None
    for _ in range(repeat):
        transcript, t = _timed(speech.transcribe, audio, settings)
        runs.append(t)
    baseline = []
    for _ in range(repeat):  # the unavoidable work: the same model, default options, VAD, words
        _, t = _timed(lambda: list(model.transcribe(audio, beam_size=speech.BEAM_SIZE, vad_filter=True,
                                                    word_timestamps=True)[0]))
        baseline.append(t)
    t_s, b_s = median(runs), median(baseline)
    return {
        "model": name,
        "threads": threads,
        "audio_s": round(duration_s, 2),
        "resolve_s": round(resolve_s, 3),
        "sha256_s": round(hash_s, 3),
        "load_s": round(load_s, 3),
        "transcribe_s": round(t_s, 3),
        "rtf": round(t_s / duration_s, 4),
        "baseline_s": round(b_s, 3),
        "baseline_rtf": round(b_s / duration_s, 4),
        "runs_s": [round(r, 3) for r in runs],
        "language": transcript.language,
        "words": len(transcript.words),
        "text_head": transcript.text[:80],
    }


def bench_asr(args: argparse.Namespace) -> list[dict]:
    audio, source = bench_audio(args.seconds, args.samples)
    print(f"asr: {audio.size / SR:.1f} s of audio from {source}; threads={args.threads or 'all'}; "
          f"load avg {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    for name in args.models:
        from vidscore.signals.speech import SpeechSettings

        threads = SpeechSettings(cpu_threads=args.threads).threads()
        row = bench_asr_model(name, audio, threads, args.repeat)
        rows.append(row)
        print(f"  {name:8s} RTF {row['rtf']:.3f} ({row['transcribe_s']:.2f} s; plain faster-whisper "
              f"{row['baseline_rtf']:.3f}) | resolve {row['resolve_s']:.2f} s, sha256 {row['sha256_s']:.2f} s, "
              f"load {row['load_s']:.2f} s | {row['language']}, {row['words']} words", flush=True)
    return rows


# ---------------------------------------------------------------------------------- pipeline


def bench_clip(width: int = 1080, height: int = 1920, seconds: float = 30.0) -> Path:
    """The generated 30 s 1080x1920 H.264+AAC ad (speech, cuts, text, product), built once into /tmp."""
    out = Path(tempfile.gettempdir()) / "vidscore-bench" / f"bench_{width}x{height}_{seconds:g}s.mp4"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        sys.path.insert(0, str(ROOT / "scripts"))
        import make_samples

        print(f"building {out} (about a minute, once)...", flush=True)
        make_samples.build_bench_clip(out, width=width, height=height, duration_s=seconds)
    return out


def decode_all_frames_s(path: Path) -> float:
    """The decoding floor: every video frame decoded once (threaded, no conversion)."""
    import av

    start = time.perf_counter()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            pass
    return time.perf_counter() - start


def bench_pipeline(args: argparse.Namespace) -> dict:
    """`total / floor` for one clip: floor = decode every frame + transcribe with the same model."""
    from vidscore import AnalyzeConfig, analyze
    from vidscore.config import ProductReference
    from vidscore.media import load_audio
    from vidscore.signals import speech
    from vidscore.system import available_cores

    clip = bench_clip()
    products = (ProductReference("Glowa serum", (args.samples / "products" / "glowa_front.jpg",)),)
    config = AnalyzeConfig(products=products)
    print(f"pipeline: {clip.name}, load avg {os.getloadavg()[0]:.2f}", flush=True)

    # Cold: a fresh process, models loaded from disk, no signal cache (as a user's first run).
    product_arg = f"Glowa serum={products[0].images[0]}"
    cmd = [sys.executable, "-c", "import resource, sys; from vidscore.cli import main; "
           "sys.argv = ['vidscore'] + sys.argv[1:]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
           "print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
           "score", str(clip), "--no-cache", "-q", "--product", product_arg]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    cold_s = time.perf_counter() - start
    rss_mb = next((int(line.split()[1]) / 1024 for line in done.stderr.splitlines() if line.startswith("maxrss_kb")),
                  float("nan"))

    # Floor, each part alone in this process: ASR (all cores, the model warmed up) before and
    # after the pipeline runs, decoding after; the faster ASR time counts. (The same
    # transcription was measured at 1.2-1.4 s after older pipeline versions had run in the
    # process and 2.2-2.5 s in a fresh one; taking the faster keeps the floor strict.)
    audio = load_audio(clip)
    model = speech.load_model(speech.SpeechSettings())

    def asr_floor() -> tuple[float, float]:
        """(wall, CPU) seconds of the faster of two transcriptions."""
        return min(_timed_cpu(lambda: list(model.transcribe(audio, beam_size=speech.BEAM_SIZE, vad_filter=True,
                                                            word_timestamps=True)[0]))[1:] for _ in range(2))

    asr_before_s, asr_before_cpu_s = asr_floor()

    # Warm: models already loaded in this process (first analyze warms up, second is timed).
    # The visual half alone (no speech) is timed too, to split the CPU seconds between the halves.
    analyze(clip, config)
    warm, warm_s, warm_cpu_s = _timed_cpu(analyze, clip, config)
    if not warm.ok:
        raise SystemExit(f"bench clip failed: {warm.error}")
    with signal_cpu_s({}) as stage_cpu_s:
        _, visual_s, visual_cpu_s = _timed_cpu(analyze, clip, dataclasses.replace(config, speech=None))
    stage_cpu_s["decoding and the rest"] = visual_cpu_s - sum(stage_cpu_s.values())

    _, decode_s, decode_cpu_s = _timed_cpu(decode_all_frames_s, clip)
    asr_after_s, asr_after_cpu_s = asr_floor()
    asr_s, asr_cpu_s = min((asr_before_s, asr_before_cpu_s), (asr_after_s, asr_after_cpu_s))
    floor_s = decode_s + asr_s
    cores = available_cores()
    # However well the work overlaps, `cores` cores cannot finish `warm_cpu_s` of it sooner than this.
    bound_over_floor = warm_cpu_s / (cores * floor_s)

    row = {
        "clip": clip.name, "duration_s": round(warm.media.duration_s, 2),
        "floor_s": round(floor_s, 2), "floor_decode_s": round(decode_s, 2), "floor_asr_s": round(asr_s, 2),
        "floor_asr_before_after_s": [round(asr_before_s, 2), round(asr_after_s, 2)],
        "cold_total_s": round(cold_s, 2), "warm_total_s": round(warm_s, 2),
        "warm_over_floor": round(warm_s / floor_s, 2), "cold_over_floor": round(cold_s / floor_s, 2),
        "peak_rss_mb_cold": round(rss_mb), "stages_s": {k: round(v, 2) for k, v in warm.timings_s.items()},
        "cores": cores, "warm_cpu_s": round(warm_cpu_s, 2), "visual_only_s": round(visual_s, 2),
        "visual_only_cpu_s": round(visual_cpu_s, 2), "floor_decode_cpu_s": round(decode_cpu_s, 2),
        "floor_asr_cpu_s": round(asr_cpu_s, 2), "bound_over_floor": round(bound_over_floor, 2),
        "visual_stages_cpu_s": {k: round(v, 2) for k, v in stage_cpu_s.items()},
    }
    print(f"  floor {floor_s:.2f} s (decode all frames {decode_s:.2f} s + ASR {asr_s:.2f} s; ASR alone before / "
          f"after the pipeline runs {asr_before_s:.2f} / {asr_after_s:.2f} s)")
    print(f"  warm total {warm_s:.2f} s -> total/floor {row['warm_over_floor']:.2f}")
    print(f"  cold total {cold_s:.2f} s (fresh process, models loaded) -> {row['cold_over_floor']:.2f} x floor; "
          f"peak RSS {rss_mb:.0f} MB")
    print("  stages (warm; visual and audio halves overlap): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in row["stages_s"].items()), flush=True)
    print(f"  CPU (core-seconds, all threads): warm run {warm_cpu_s:.1f} (visual half alone {visual_cpu_s:.1f} in "
          f"{visual_s:.2f} s, so speech and audio ~{warm_cpu_s - visual_cpu_s:.1f}); floor decode {decode_cpu_s:.1f} "
          f"+ ASR {asr_cpu_s:.1f}", flush=True)
    print("  CPU of the visual half by stage: "
          + ", ".join(f"{k} {v:.2f}" for k, v in sorted(stage_cpu_s.items(), key=lambda kv: -kv[1])), flush=True)
    print(f"  bound: {cores} cores x the {floor_s:.2f} s floor = {cores * floor_s:.1f} core-seconds for the "
          f"{warm_cpu_s:.1f} the warm run needs: total/floor >= {bound_over_floor:.2f} on this machine however well "
          "the work overlaps", flush=True)
    return row


def bench_rescore(args: argparse.Namespace) -> dict:
    """Re-scoring the samples with a changed config once their signals are cached (target <= 0.2 s per video)."""
    import dataclasses

    from vidscore import AnalyzeConfig, analyze
    from vidscore.cache import SignalCache
    from vidscore.config import CriterionOverride
    from vidscore.config_file import load_config

    videos = sorted(args.samples.glob("*.mp4"))
    file = load_config(args.samples / "vidscore.toml")
    config = dataclasses.replace(AnalyzeConfig(), products=file.products, scoring=file.scoring)
    changed = dataclasses.replace(config, scoring=dataclasses.replace(
        file.scoring, platform="reels", phrases={"cta.link": ("find it on our website",)},
        criteria={"hook_start_1s": CriterionOverride(thresholds={"max_s": 2.0}, weight=3.0)}))
    with tempfile.TemporaryDirectory() as tmp:
        cache = SignalCache(Path(tmp))
        for video in videos:
            analyze(video, config, cache=cache)
        start = time.perf_counter()
        results = [analyze(video, changed, cache=cache) for video in videos]
        per_video_s = (time.perf_counter() - start) / len(videos)
    scoring_s = median(r.timings_s["scoring"] for r in results)
    print(f"rescore with a changed config: {per_video_s * 1000:.0f} ms per video from the cache "
          f"({len(videos)} samples; criteria, scores and diagnosis {scoring_s * 1000:.0f} ms of it); "
          f"{per_video_s / 0.2:.2f} x the 0.2 s target", flush=True)
    return {"videos": len(videos), "per_video_s": round(per_video_s, 4), "scoring_s": round(scoring_s, 4)}


def bench_folder(args: argparse.Namespace) -> dict:
    """A folder of 20 clips (the samples, copied round-robin), `--jobs 1` against `--jobs 2`, no cache.

    Also prints how busy `--jobs 1` keeps the cores: a second process can only use what one leaves idle.
    """
    from vidscore.system import available_cores

    cores = available_cores()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "folder"
        _copy_clips(args.samples, folder, FOLDER_CLIPS)
        seconds, cpu_s = {}, {}
        for jobs in (1, 2):
            cmd = [sys.executable, "-m", "vidscore", "score", str(folder), "--no-cache", "-q", "--jobs", str(jobs),
                   "--config", str(args.samples / "vidscore.toml"), "--json", str(Path(tmp) / f"jobs{jobs}.json")]
            cpu_start = _cpu_s(children=True)
            start = time.perf_counter()
            subprocess.run(cmd, check=True)
            seconds[jobs] = time.perf_counter() - start
            cpu_s[jobs] = _cpu_s(children=True) - cpu_start
    ratio = seconds[2] / seconds[1]
    busy = {jobs: cpu_s[jobs] / (cores * seconds[jobs]) for jobs in seconds}
    print(f"folder of {FOLDER_CLIPS} clips: --jobs 1 {seconds[1]:.1f} s, --jobs 2 {seconds[2]:.1f} s -> "
          f"jobs 2 / jobs 1 = {ratio:.2f} (target <= 0.6)", flush=True)
    print(f"  CPU: --jobs 1 {cpu_s[1]:.0f} core-seconds = {busy[1]:.0%} of {cores} cores, --jobs 2 {cpu_s[2]:.0f} = "
          f"{busy[2]:.0%}; with the same work, jobs 2 / jobs 1 >= {busy[1]:.2f} on this machine", flush=True)
    return {"clips": FOLDER_CLIPS, "jobs1_s": round(seconds[1], 1), "jobs2_s": round(seconds[2], 1),
            "ratio": round(ratio, 2), "cores": cores, "jobs1_cpu_s": round(cpu_s[1], 1),
            "jobs2_cpu_s": round(cpu_s[2], 1), "bound_ratio": round(busy[1], 2)}


def _copy_clips(samples: Path, folder: Path, count: int) -> None:
    """`count` clips in `folder`: the samples copied round-robin (distinct names, same content)."""
    videos = sorted(samples.glob("*.mp4"))
    folder.mkdir()
    for i in range(count):
        shutil.copy(videos[i % len(videos)], folder / f"clip{i:02d}_{videos[i % len(videos)].name}")


def scheduling_cost_s(workers: int = DASK_WORKERS, tasks: int = NOOP_TASKS) -> float:
    """Seconds of Dask bookkeeping per task: no-op tasks through a LocalCluster like vidscore's (after warm-up)."""
    from distributed import Client, as_completed

    from vidscore.dask_executor import local_cluster, silence_dask_logs

    silence_dask_logs()
    with local_cluster(workers) as cluster, Client(cluster) as client:
        client.gather([client.submit(int, i, pure=False) for i in range(workers * 4)])  # workers up, code shipped
        start = time.perf_counter()
        for future in as_completed([client.submit(int, i, pure=False) for i in range(tasks)]):
            future.result()
        return (time.perf_counter() - start) * workers / tasks  # each worker does tasks/workers of them


def bench_dask(args: argparse.Namespace) -> dict:
    """20 clips, `--executor local --jobs 2` against `--executor dask` (a 2-worker LocalCluster), no cache.

    Runs alternate (local, dask, local, dask, ...) so load drifting on the machine hits both; the
    median of `--repeat` runs each. Overhead per video = (dask wall - local wall) / clips, against
    the local per-video wall time; it includes starting the cluster. The scheduling cost alone is
    measured with no-op tasks.
    """
    walls: dict[str, list[float]] = {"local": [], "dask": []}
    analysis: dict[str, list[float]] = {"local": [], "dask": []}
    speech = [] if args.dask_speech else ["--no-speech"]
    cluster = ["--scheduler", args.scheduler] if args.scheduler else ["--jobs", str(DASK_WORKERS)]
    with tempfile.TemporaryDirectory(dir=args.clips_dir) as tmp:  # --clips-dir: a folder the workers see
        folder = Path(tmp) / "folder"
        _copy_clips(args.samples, folder, FOLDER_CLIPS)
        for _ in range(args.repeat):
            for executor in walls:
                out = Path(tmp) / f"{executor}.json"
                where = cluster if executor == "dask" else ["--jobs", str(DASK_WORKERS)]
                cmd = [sys.executable, "-m", "vidscore", "score", str(folder), "--no-cache", "-q", *speech,
                       "--executor", executor, *where,
                       "--config", str(args.samples / "vidscore.toml"), "--json", str(out)]
                start = time.perf_counter()
                subprocess.run(cmd, check=True)
                walls[executor].append(time.perf_counter() - start)
                results = json.loads(out.read_text(encoding="utf-8"))["results"]
                analysis[executor].append(median(r["elapsed_s"] for r in results))
    local_s, dask_s = median(walls["local"]), median(walls["dask"])
    per_video_s = local_s / FOLDER_CLIPS
    overhead_s = (dask_s - local_s) / FOLDER_CLIPS
    scheduling_s = scheduling_cost_s() if not args.scheduler else float("nan")
    row = {
        "clips": FOLDER_CLIPS, "workers": DASK_WORKERS, "speech": args.dask_speech, "runs": args.repeat,
        "local_s": round(local_s, 2), "dask_s": round(dask_s, 2),
        "local_clips_per_min": round(60 * FOLDER_CLIPS / local_s, 1),
        "dask_clips_per_min": round(60 * FOLDER_CLIPS / dask_s, 1),
        "per_video_s": round(per_video_s, 3), "overhead_per_video_s": round(overhead_s, 3),
        "overhead_pct": round(100 * overhead_s / per_video_s, 1),
        "scheduling_per_task_ms": round(scheduling_s * 1000, 2),
        "scheduling_pct": round(100 * scheduling_s / per_video_s, 3),
        "median_analysis_s": {k: round(median(v), 2) for k, v in analysis.items()},
        "walls_s": {k: [round(w, 2) for w in v] for k, v in walls.items()},
    }
    cluster_name = args.scheduler or f"{DASK_WORKERS}-worker LocalCluster"
    row["cluster"] = cluster_name
    print(f"dask: {FOLDER_CLIPS} clips, {'with' if args.dask_speech else 'no'} speech, median of {args.repeat}: "
          f"local --jobs {DASK_WORKERS} {local_s:.1f} s ({row['local_clips_per_min']} clips/min), "
          f"dask on {cluster_name} {dask_s:.1f} s ({row['dask_clips_per_min']} clips/min)", flush=True)
    print(f"  overhead {overhead_s * 1000:+.0f} ms per video = {row['overhead_pct']:+.1f} % of the "
          f"{per_video_s:.2f} s per video (cluster start included; target < 5 %); scheduling alone "
          f"{row['scheduling_per_task_ms']:.1f} ms per task ({row['scheduling_pct']:.3f} %)", flush=True)
    print(f"  median analysis per video: local {row['median_analysis_s']['local']:.2f} s, "
          f"dask {row['median_analysis_s']['dask']:.2f} s; walls {row['walls_s']}", flush=True)
    return row


# ---------------------------------------------------------------------------------- main

SECTIONS = {"asr": bench_asr, "pipeline": bench_pipeline, "rescore": bench_rescore, "folder": bench_folder,
            "dask": bench_dask}
FOLDER_CLIPS = 20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--section", choices=[*SECTIONS, "all"], default="all")
    ap.add_argument("--samples", type=Path, default=ROOT / "samples", help="samples folder (expected.json)")
    ap.add_argument("--seconds", type=float, default=30.0, help="ASR audio length")
    ap.add_argument("--models", nargs="+", default=list(ASR_MODELS), help="ASR models to time")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all cores)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (median reported)")
    ap.add_argument("--no-dask-speech", dest="dask_speech", action="store_false",
                    help="dask section: score with --no-speech (default: with speech, as users run it)")
    ap.add_argument("--scheduler", metavar="ADDRESS",
                    help="dask section: use this Dask scheduler instead of a 2-worker LocalCluster")
    ap.add_argument("--clips-dir", type=Path, default=None,
                    help="dask section: where the 20 clips are written (a folder the cluster's workers can read)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    chosen = list(SECTIONS) if args.section == "all" else [args.section]
    results = {name: SECTIONS[name](args) for name in chosen}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
