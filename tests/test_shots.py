"""Shots signal on the samples and on clips made here: cut times, pacing, motion, fades, flashes, JSON."""

from __future__ import annotations

import json

import pytest

from vidscore.media import probe
from vidscore.media.scan import scan_video
from vidscore.signals.shots import ShotsSignal, ShotsTrack

CUT_TOLERANCE_S = 0.2
SAMPLES_WITH_CUT_LABELS = ("strong.mp4", "views_no_sales.mp4", "italian.mp4", "slow_landscape.mp4",
                           "no_audio.mp4", "rotated_phone.mp4")


def shots_of(path) -> ShotsTrack:
    media = probe(path)
    signal = ShotsSignal()
    scan_video(path, media, rate_hz=signal.rate_hz, max_side_px=signal.max_side_px, signals=[signal])
    return signal.finish(media)


@pytest.fixture(scope="module")
def sample_tracks(samples_dir) -> dict[str, ShotsTrack]:
    return {name: shots_of(samples_dir / name) for name in SAMPLES_WITH_CUT_LABELS}


@pytest.mark.parametrize("name", SAMPLES_WITH_CUT_LABELS)
def test_cut_times_match_labels(name, sample_tracks, expected):
    found = [c.t_s for c in sample_tracks[name].cuts]
    labelled = expected[name]["cuts_s"]
    missing = [t for t in labelled if not any(abs(t - f) <= CUT_TOLERANCE_S for f in found)]
    extra = [f for f in found if not any(abs(t - f) <= CUT_TOLERANCE_S for t in labelled)]
    assert not missing, f"missed cuts {missing} (found {found})"
    assert not extra, f"extra cuts {extra} (labels {labelled})"  # measured: none on any sample


def test_static_start_has_no_motion_and_no_cut(sample_tracks, expected):
    track = sample_tracks["slow_landscape.mp4"]
    first_label_s = expected["slow_landscape.mp4"]["cuts_s"][0]
    assert all(c.t_s >= first_label_s - CUT_TOLERANCE_S for c in track.cuts)
    assert track.first_cut_s == pytest.approx(first_label_s, abs=CUT_TOLERANCE_S)
    assert track.max_motion_first_3s < 0.05
    assert max(m.energy for m in track.motion if m.t_s < first_label_s - CUT_TOLERANCE_S) < 0.05


def test_fast_paced_video_has_more_early_cuts(sample_tracks):
    fast, calm = sample_tracks["views_no_sales.mp4"], sample_tracks["strong.mp4"]
    assert fast.cuts_first_5s >= 3
    assert fast.cuts_first_5s >= calm.cuts_first_5s + 2
    assert fast.mean_shot_s < calm.mean_shot_s
    assert fast.max_motion_first_3s > calm.max_motion_first_3s  # its hook also moves more


def test_derived_values(sample_tracks, expected):
    track = sample_tracks["strong.mp4"]
    assert track.shot_count == len(expected["strong.mp4"]["cuts_s"]) + 1
    assert track.mean_shot_s == pytest.approx(track.duration_s / track.shot_count)
    assert len(track.motion) == pytest.approx(track.duration_s * track.sample_rate_hz, abs=2)
    assert sample_tracks["rotated_phone.mp4"].first_cut_s is None


def test_fades_in_and_out_are_found_and_are_not_cuts(make_clip):
    clip = make_clip("fades.mp4", size="320x568", seconds=4.0, audio=False,
                     extra=("-vf", "fade=t=in:st=0:d=0.6,fade=t=out:st=2.5:d=0.8"))
    track = shots_of(clip)
    assert track.cuts == ()
    kinds = {f.kind: f for f in track.fades}
    assert set(kinds) == {"in", "out"}
    assert kinds["in"].start_s == pytest.approx(0.0, abs=0.15) and kinds["in"].end_s == pytest.approx(0.6, abs=0.15)
    assert kinds["out"].start_s == pytest.approx(2.5, abs=0.15) and kinds["out"].end_s == pytest.approx(3.3, abs=0.15)
    assert track.shot_count == 1  # a fade in at the very start is no shot boundary


def test_flashes_are_neither_cuts_nor_motion(make_clip):
    """A static picture with two white flashes (3 and 6 frames): no cut, near-zero motion."""
    flashes = "drawbox=c=white:t=fill:enable='between(t,1.0,1.09)',drawbox=c=white:t=fill:enable='between(t,2.5,2.69)'"
    clip = make_clip("flashes.mp4", size="320x568", seconds=4.0, audio=False, source="smptebars",
                     extra=("-vf", flashes))
    track = shots_of(clip)
    assert track.cuts == ()
    assert max(m.energy for m in track.motion) < 0.05


def test_hard_cut_in_synthetic_clip(make_clip):
    """Static bars, then a full red picture from 1.5 s: one cut there, and a cut is not motion."""
    clip = make_clip("cut.mp4", size="320x568", seconds=3.0, audio=False, source="smptebars",
                     extra=("-vf", "drawbox=c=red:t=fill:enable='gte(t,1.5)'"))
    track = shots_of(clip)
    assert [round(c.t_s, 1) for c in track.cuts] == [1.5]
    assert track.first_cut_s == pytest.approx(1.5, abs=0.05)
    assert track.max_motion_first_3s < 0.05  # a cut is not motion


def test_json_round_trip(sample_tracks):
    for track in sample_tracks.values():
        data = json.loads(json.dumps(track.to_json()))
        again = ShotsTrack.from_json(data)
        assert again == track
        assert again.to_json() == data
    data = sample_tracks["views_no_sales.mp4"].to_json()
    assert {"shot_count", "mean_shot_s", "cuts_first_5s", "first_cut_s", "max_motion_first_3s"} <= set(data)
    assert data["cuts"][0]["t_s"] == 1.2 and data["cuts"][0]["score"] > 10  # grey levels across the cut


def test_settings_name_the_rate_and_size():
    signal = ShotsSignal()
    assert signal.name == "shots"
    assert signal.settings()["rate_hz"] == signal.rate_hz and signal.settings()["max_side_px"] == signal.max_side_px
