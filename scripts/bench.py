#!/usr/bin/env python3
"""Benchmarks for vidscore, one section per expensive stage (`--section asr|pipeline|rescore|folder`).

Pipeline: on a generated 30 s 1080x1920 clip, the end-to-end time (cold: a fresh process; warm:
models loaded) against the floor (decode every frame once + transcribe with the same model), the
per-stage times and peak RSS. Rescore: seconds per video when every signal comes from the cache.

ASR: for each model, the real-time factor (transcription time / audio duration) on ~30 s of speech
made by concatenating the samples' audio (espeak-ng clips when the samples are not built yet),
with model resolution (assembly + sha256), hashing and loading timed separately, and a plain
faster-whisper call with the same model as the baseline vidscore's extra steps are measured against.

    .venv/bin/python scripts/bench.py --section asr [--seconds 30] [--repeat 2] [--json out.json]
"""

from __future__ import annotations

import argparse
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

    # Warm: models already loaded in this process (first analyze warms up, second is timed).
    analyze(clip, config)
    warm, warm_s = _timed(analyze, clip, config)
    if not warm.ok:
        raise SystemExit(f"bench clip failed: {warm.error}")

    # Floor, measured in the same process after the warm run, each part alone.
    decode_s = decode_all_frames_s(clip)
    audio = load_audio(clip)
    settings = speech.SpeechSettings()
    model = speech.load_model(settings)
    _, asr_s = _timed(lambda: list(model.transcribe(audio, beam_size=speech.BEAM_SIZE, vad_filter=True,
                                                    word_timestamps=True)[0]))
    floor_s = decode_s + asr_s

    row = {
        "clip": clip.name, "duration_s": round(warm.media.duration_s, 2),
        "floor_s": round(floor_s, 2), "floor_decode_s": round(decode_s, 2), "floor_asr_s": round(asr_s, 2),
        "cold_total_s": round(cold_s, 2), "warm_total_s": round(warm_s, 2),
        "warm_over_floor": round(warm_s / floor_s, 2), "cold_over_floor": round(cold_s / floor_s, 2),
        "peak_rss_mb_cold": round(rss_mb), "stages_s": {k: round(v, 2) for k, v in warm.timings_s.items()},
    }
    print(f"  floor {floor_s:.2f} s (decode all frames {decode_s:.2f} s + ASR {asr_s:.2f} s)")
    print(f"  warm total {warm_s:.2f} s -> total/floor {row['warm_over_floor']:.2f}")
    print(f"  cold total {cold_s:.2f} s (fresh process, models loaded) -> {row['cold_over_floor']:.2f} x floor; "
          f"peak RSS {rss_mb:.0f} MB")
    print("  stages (warm; visual and audio halves overlap): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in row["stages_s"].items()), flush=True)
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
    """A folder of 20 clips (the samples, copied round-robin), `--jobs 1` against `--jobs 2`, no cache."""
    videos = sorted(args.samples.glob("*.mp4"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "folder"
        folder.mkdir()
        for i in range(FOLDER_CLIPS):
            shutil.copy(videos[i % len(videos)], folder / f"clip{i:02d}_{videos[i % len(videos)].name}")
        seconds = {}
        for jobs in (1, 2):
            cmd = [sys.executable, "-m", "vidscore", "score", str(folder), "--no-cache", "-q", "--jobs", str(jobs),
                   "--config", str(args.samples / "vidscore.toml"), "--json", str(Path(tmp) / f"jobs{jobs}.json")]
            start = time.perf_counter()
            subprocess.run(cmd, check=True)
            seconds[jobs] = time.perf_counter() - start
    ratio = seconds[2] / seconds[1]
    print(f"folder of {FOLDER_CLIPS} clips: --jobs 1 {seconds[1]:.1f} s, --jobs 2 {seconds[2]:.1f} s -> "
          f"jobs 2 / jobs 1 = {ratio:.2f} (target <= 0.6)", flush=True)
    return {"clips": FOLDER_CLIPS, "jobs1_s": round(seconds[1], 1), "jobs2_s": round(seconds[2], 1), "ratio": round(ratio, 2)}


# ---------------------------------------------------------------------------------- main

SECTIONS = {"asr": bench_asr, "pipeline": bench_pipeline, "rescore": bench_rescore, "folder": bench_folder}
FOLDER_CLIPS = 20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--section", choices=[*SECTIONS, "all"], default="all")
    ap.add_argument("--samples", type=Path, default=ROOT / "samples", help="samples folder (expected.json)")
    ap.add_argument("--seconds", type=float, default=30.0, help="ASR audio length")
    ap.add_argument("--models", nargs="+", default=list(ASR_MODELS), help="ASR models to time")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all cores)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (median reported)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    chosen = list(SECTIONS) if args.section == "all" else [args.section]
    results = {name: SECTIONS[name](args) for name in chosen}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
