"""Media layer on real encoded clips: probe, sequential sampler, audio decode, bad files."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from vidscore.errors import MediaError
from vidscore.media import AUDIO_SAMPLE_RATE, load_audio, probe, sample_frames
from vidscore.media.frames import scaled_size
from vidscore.media.scan import scan_video
from vidscore.signals.base import FrameSignal


def test_probe_landscape_h264_with_audio(make_clip):
    clip = make_clip("land.mp4", size="320x240", seconds=2.0)
    info = probe(clip)
    assert (info.width, info.height, info.rotation) == (320, 240, 0)
    assert info.codec == "h264" and info.has_audio and info.audio_codec == "aac"
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert info.fps == pytest.approx(30.0)
    assert info.frame_count == 60


@pytest.mark.parametrize("degrees, display", [(90, (240, 320)), (-90, (240, 320)), (180, (320, 240))])
def test_probe_honours_rotation_flag(make_clip, rotate_flag, degrees, display):
    clip = rotate_flag(make_clip("stored_landscape.mp4", size="320x240", audio=False), degrees)
    info = probe(clip)
    assert (info.coded_width, info.coded_height) == (320, 240)
    assert (info.width, info.height) == display
    assert info.rotation == degrees % 360
    assert not info.has_audio


def test_sampler_returns_upright_frames_matching_ffmpeg_autorotate(make_clip, rotate_flag, ffmpeg):
    import subprocess

    clip = rotate_flag(make_clip("rot_src.mp4", size="320x240", audio=False, seconds=1.0), 90)
    first = next(iter(sample_frames(clip, rate_hz=1)))
    assert first.image.shape == (320, 240, 3)
    raw = subprocess.run([ffmpeg, "-loglevel", "error", "-i", str(clip), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "bgr24", "-"], check=True, capture_output=True).stdout
    reference = np.frombuffer(raw, np.uint8).reshape(320, 240, 3)  # ffmpeg auto-rotates by default
    assert np.abs(first.image.astype(int) - reference.astype(int)).mean() < 3


def test_sampler_rate_grid_and_downscale(make_clip):
    clip = make_clip("grid.mp4", size="1080x1920", seconds=3.0, audio=False)
    frames = list(sample_frames(clip, rate_hz=2, max_side_px=320))
    assert [round(f.t_s, 2) for f in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert frames[0].image.shape == (320, 180, 3) and frames[0].image.dtype == np.uint8


def test_sampler_variable_frame_rate_gives_even_samples(make_clip):
    # Frame times jump (vfr): the sampler must follow presentation times, not frame indexes.
    clip = make_clip("vfr.mp4", size="160x120", seconds=4.0, fps=30, audio=False,
                     extra=("-vf", "select='not(between(t,1,2))',setpts=N/FRAME_RATE/TB*1", "-fps_mode", "vfr"))
    times = [f.t_s for f in sample_frames(clip, rate_hz=1)]
    assert times == sorted(times) and len(times) >= 3


def test_hevc_and_odd_size(make_clip):
    clip = make_clip("odd_hevc.mp4", size="321x241", vcodec="libx265", seconds=1.0, audio=False,
                     pix_fmt="yuv444p", source="testsrc",
                     extra=("-tag:v", "hvc1"))
    info = probe(clip)
    assert info.codec == "hevc" and (info.width, info.height) == (321, 241)
    frames = list(sample_frames(clip, rate_hz=4))
    assert len(frames) == 4 and frames[0].image.shape[:2] == (241, 321)


def test_audio_is_16k_mono_float(make_clip):
    audio = load_audio(make_clip("tone.mp4", seconds=2.0))
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == pytest.approx(2.0 * AUDIO_SAMPLE_RATE, rel=0.05)
    assert 0.1 < np.abs(audio).max() <= 1.0


def test_no_audio_track_is_none_not_error(make_clip):
    assert load_audio(make_clip("silent_film.mp4", audio=False)) is None


def test_scaled_size_keeps_aspect_and_even():
    assert scaled_size(1080, 1920, 640) == (360, 640)
    assert scaled_size(321, 241, 640) == (321, 241)


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"hello, I am text\n" * 50, "not a readable video")])
def test_bad_files_raise_one_line_media_error(tmp_path, content, reason):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    with pytest.raises(MediaError, match=reason) as info:
        probe(bad)
    assert "\n" not in str(info.value)


def test_audio_only_file_is_a_media_error(ffmpeg, tmp_path):
    import subprocess

    song = tmp_path / "song.m4a"
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(song)],
                   check=True)
    with pytest.raises(MediaError, match="no video stream"):
        probe(song)


class _Recorder(FrameSignal):
    """A visual signal that records what it is fed, and can fail on a chosen sample."""

    name = "recorder"
    version = 1

    def __init__(self, rate_hz: float, max_side_px: int, fail_at: int | None = None):
        self.rate_hz, self.max_side_px, self.fail_at = rate_hz, max_side_px, fail_at
        self.seen: list[tuple[float, tuple[int, ...]]] = []

    def settings(self) -> dict:
        return {}

    def consume(self, frame) -> None:
        if self.fail_at is not None and len(self.seen) == self.fail_at:
            raise RuntimeError("signal failed on purpose")
        self.seen.append((frame.t_s, frame.image.shape))

    def finish(self, media):
        return None


def test_scan_feeds_each_signal_its_own_grid_and_size_in_order(make_clip):
    clip = make_clip("scan.mp4", size="320x240", seconds=3.0, audio=False)
    fast, slow = _Recorder(10.0, 160), _Recorder(2.0, 320)
    scan = scan_video(clip, probe(clip), rate_hz=2.0, max_side_px=320, signals=[fast, slow])
    assert scan.samples == 30 and scan.rate_hz == 10.0
    assert [round(t, 2) for t, _ in slow.seen] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert [t for t, _ in fast.seen] == sorted(t for t, _ in fast.seen) and len(fast.seen) == 30
    assert {shape for _, shape in fast.seen} == {(120, 160, 3)} and {shape for _, shape in slow.seen} == {(240, 320, 3)}


def test_scan_raises_a_signals_exception_and_stops_its_threads(make_clip):
    clip = make_clip("scan_fail.mp4", size="320x240", seconds=3.0, audio=False)
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="on purpose"):
        scan_video(clip, probe(clip), rate_hz=2.0, max_side_px=320, signals=[_Recorder(2.0, 320, fail_at=2)])
    assert threading.active_count() == before

