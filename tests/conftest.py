"""Shared fixtures: the committed samples, their labels, and small clips made with ffmpeg."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def expected() -> dict:
    """samples/expected.json: what each sample contains (written by scripts/make_samples.py)."""
    return json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))["samples"]


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="session")
def make_clip(ffmpeg, tmp_path_factory):
    """Build a small test clip with ffmpeg's lavfi sources; returns its path.

    `size` is the stored (coded) size; `audio` adds a 440 Hz tone; extra args go before the output.
    """
    folder = tmp_path_factory.mktemp("clips")

    def build(name: str, size: str = "320x240", seconds: float = 2.0, fps: int = 30, audio: bool = True,
              vcodec: str = "libx264", pix_fmt: str = "yuv420p", source: str = "testsrc2", extra: tuple[str, ...] = (), input_args: tuple[str, ...] = ()) -> Path:
        out = folder / name
        cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *input_args,
               "-f", "lavfi", "-i", f"{source}=size={size}:rate={fps}:duration={seconds}"]
        if audio:
            cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
        cmd += ["-c:v", vcodec, "-pix_fmt", pix_fmt]
        if audio:
            cmd += ["-c:a", "aac", "-b:a", "64k"]
        cmd += [*extra, str(out)]
        subprocess.run(cmd, check=True)
        return out

    return build


@pytest.fixture(scope="session")
def rotate_flag(ffmpeg):
    """Copy a clip adding a display-matrix rotation (degrees counter-clockwise), like phone footage."""

    def apply(src: Path, degrees: int) -> Path:
        out = src.with_name(f"{src.stem}_rot{degrees % 360}{src.suffix}")
        subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-display_rotation", str(degrees),
                        "-i", str(src), "-c", "copy", str(out)], check=True)
        return out

    return apply


@pytest.fixture(scope="session", autouse=True)
def isolated_cache_dir(tmp_path_factory):
    """Keep the tests' signal cache and assembled models out of the user's cache dir."""
    import os

    root = tmp_path_factory.mktemp("vidscore-cache")
    previous = os.environ.get("VIDSCORE_CACHE_DIR")
    os.environ["VIDSCORE_CACHE_DIR"] = str(root)
    yield root
    if previous is None:
        os.environ.pop("VIDSCORE_CACHE_DIR", None)
    else:
        os.environ["VIDSCORE_CACHE_DIR"] = previous
