"""Faces signal: no faces on the drawn samples, box clipping, track helpers, missing detector."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from vidscore.media import probe
from vidscore.media.frames import Frame
from vidscore.media.scan import scan_video
from vidscore.signals import faces
from vidscore.signals.faces import FaceBox, FaceSample, FaceSignal, FaceTrack, face_boxes

needs_detector = pytest.mark.skipif(faces.detector_problem() is not None, reason="yuface not usable here")


@needs_detector
@pytest.mark.parametrize("name", ["strong.mp4", "views_no_sales.mp4", "italian.mp4", "slow_landscape.mp4",
                                  "no_audio.mp4", "rotated_phone.mp4"])
def test_no_faces_on_drawn_samples(samples_dir, name):
    """The samples are drawn scenes with bottles and text: any face found would be a false positive."""
    path = samples_dir / name
    media = probe(path)
    signal = FaceSignal()
    scan_video(path, media, rate_hz=signal.rate_hz, max_side_px=signal.max_side_px, signals=[signal])
    track = signal.finish(media)
    assert track.available and track.detector == faces.DETECTOR_LABEL
    assert len(track.samples) >= int(media.duration_s * signal.rate_hz) - 1
    assert track.first_face_s is None and track.face_share() == 0.0 and track.max_area_frac == 0.0


@needs_detector
def test_detector_takes_padded_frames():
    """A non-contiguous (row-padded) frame is accepted; the signal copies it before detection."""
    image = np.zeros((480, 700, 3), np.uint8)[:, :640]
    assert not image.flags.c_contiguous
    signal = FaceSignal()
    signal.consume(Frame(t_s=0.0, image=image))
    assert signal._samples == [FaceSample(0.0, ())]


def test_face_boxes_clip_to_the_frame():
    confs = np.array([90, 85, 95], np.int16)
    boxes = np.array([[-20, 10, 60, 50],    # runs off the left edge: 40 px wide inside
                      [300, 200, 40, 60],   # runs off the bottom-right corner
                      [700, 10, 30, 30]],   # wholly outside: dropped
                     np.int16)
    result = face_boxes(confs, boxes, width=320, height=240)
    assert len(result) == 2
    left = next(f for f in result if f.box_frac[0] == 0.0)
    assert left.box_frac == (0.0, round(10 / 240, 3), 0.125, round(50 / 240, 3))
    assert left.area_frac == pytest.approx(40 * 50 / (320 * 240), abs=1e-3)
    assert left.score == 0.9
    corner = next(f for f in result if f.box_frac[0] > 0.5)
    assert corner.area_frac == pytest.approx(20 * 40 / (320 * 240), abs=1e-3)
    assert result[0].area_frac >= result[1].area_frac  # largest first


def test_track_helpers_and_json_round_trip():
    big, small = FaceBox((0.1, 0.1, 0.5, 0.4), 0.2, 0.93), FaceBox((0.7, 0.1, 0.1, 0.1), 0.01, 0.81)
    track = FaceTrack(samples=(FaceSample(0.0, ()), FaceSample(0.5, (big,)), FaceSample(1.0, (big, small)),
                               FaceSample(1.5, ())), detector=faces.DETECTOR_LABEL)
    assert track.first_face_s == 0.5
    assert track.face_share() == 0.5 and track.face_share(0.5, 1.5) == 1.0
    assert track.max_area_frac == 0.2
    assert track.faces_in(0.0, 1.0) == (big,) and len(track.faces_in(0.0, 3.0)) == 3
    payload = track.to_json()
    assert FaceTrack.from_json(payload) == track and FaceTrack.from_json(payload).to_json() == payload
    assert FaceTrack(samples=(), detector="").face_share() == 0.0


def test_missing_detector_gives_an_unavailable_track(monkeypatch, caplog):
    monkeypatch.setattr(faces, "_detector", None)
    monkeypatch.setattr(faces, "YUFACE_LIBRARY_SHA256", "0" * 64)  # as if the library were altered
    with caplog.at_level(logging.WARNING, logger="vidscore.signals.faces"):
        problem = faces.detector_problem()
    assert problem and "pip install yuface==2023.5.1" in problem and "\n" not in problem
    assert "pip install yuface==2023.5.1" in caplog.text
    signal = FaceSignal()
    signal.consume(Frame(t_s=0.0, image=np.zeros((64, 64, 3), np.uint8)))
    track = signal.finish(None)
    assert not track.available and track.samples == ()
    assert FaceTrack.from_json(track.to_json()) == track
    assert signal.settings()["detector"] is None  # a later run with the detector is not served from cache
