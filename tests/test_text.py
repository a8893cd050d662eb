"""On-screen text signal: overlays read with the right spans and boxes, no invented text, few OCR calls."""

from __future__ import annotations

import json
import subprocess

import cv2
import numpy as np
import pytest

from vidscore.media import probe
from vidscore.media.scan import scan_video
from vidscore.signals.text import (
    MAX_OCR_INTERVAL_S,
    TextLine,
    TextSignal,
    TextTrack,
    compact_ocr_text,
    normalize_ocr_text,
)

SPAN_TOLERANCE_S = 0.6  # the 2 Hz grid plus one sample
BOX_TOLERANCE = 0.06  # frame fractions: the detector's box is a little looser than the glyphs
# The detector's line box is taller than the glyphs (labels: glyphs plus outline) by this much.
HEIGHT_RATIO_RANGE = (0.9, 1.8)
# Words printed on the drawn packaging in the samples (scripts/make_samples.py): real scene text.
PACKAGING_WORDS = ("glowa", "hydraserum", "aqua", "lumi", "nova", "mist", "olio", "nesto", "spices", "tea",
                   "jars", "30ml", "1floz", "hyaluronicacidvitaminc", "24hhydrationdermatologisttested")
TRACKS: dict[str, TextTrack] = {}


def text_track(path) -> TextTrack:
    """The text track of a video, computed once per test session."""
    key = str(path)
    if key not in TRACKS:
        media = probe(path)
        signal = TextSignal()
        scan_video(path, media, rate_hz=signal.rate_hz, max_side_px=signal.max_side_px, signals=[signal])
        TRACKS[key] = signal.finish(media)
    return TRACKS[key]


def test_normalisation_folds_spacing_case_accents_and_ocr_confusions():
    assert compact_ocr_text("SH OP NOW") == compact_ocr_text("shop now") == "shopnow"
    assert normalize_ocr_text("SH0P N0W!") == "shop now"
    assert normalize_ocr_text("LlNK in B1O") == "link in bio"
    assert normalize_ocr_text("Découvrez ÇA") == "decouvrez ca"
    assert normalize_ocr_text("You're 5ALE") == "youre sale"
    # Numbers stay numbers (and an O inside one is a zero); offers keep % and currency.
    assert normalize_ocr_text("-2O% TODAY") == "20% today"
    assert normalize_ocr_text("For less than £5?") == "for less than £5"
    assert normalize_ocr_text("NOW: 5 MIN, 30ml") == "now 5 min 30ml"


@pytest.mark.parametrize("sample", ["strong", "views_no_sales", "italian", "no_audio", "rotated_phone"])
def test_every_overlay_is_read_with_its_span_and_box(samples_dir, expected, sample):
    track = text_track(samples_dir / f"{sample}.mp4")
    for overlay in expected[f"{sample}.mp4"]["text_overlays"]:
        want = compact_ocr_text(overlay["text"])
        found = [line for line in track.lines if line.compact == want]
        assert found, f"{overlay['text']!r} not read in {sample}: {[ln.text for ln in track.lines]}"
        line = min(found, key=lambda ln: abs(ln.start_s - overlay["start_s"]))
        assert abs(line.start_s - overlay["start_s"]) <= SPAN_TOLERANCE_S, (overlay, line)
        assert abs(line.end_s - overlay["end_s"]) <= SPAN_TOLERANCE_S, (overlay, line)
        for got, label in zip(line.box_frac[:3], overlay["box_frac"][:3]):
            assert got == pytest.approx(label, abs=BOX_TOLERANCE), (overlay, line)
        ratio = line.height_frac / overlay["box_frac"][3]
        assert HEIGHT_RATIO_RANGE[0] <= ratio <= HEIGHT_RATIO_RANGE[1], (overlay, line)
        assert line.confidence >= 0.9


def test_drawn_scene_without_overlays_yields_only_its_packaging_print(samples_dir, expected):
    assert expected["slow_landscape.mp4"]["text_overlays"] == []
    track = text_track(samples_dir / "slow_landscape.mp4")
    for line in track.lines:  # partial reads of a word at the frame edge ("OLI") count as that word
        assert any(line.compact in word or word in line.compact for word in PACKAGING_WORDS), line
    assert not any(line.start_s < 3.0 for line in track.lines)  # the first shot is an empty room


def test_static_picture_is_read_only_every_max_interval(ffmpeg, tmp_path):
    image = np.full((960, 540, 3), 40, np.uint8)
    cv2.putText(image, "SALE", (90, 300), cv2.FONT_HERSHEY_DUPLEX, 3.0, (255, 255, 255), 6, cv2.LINE_AA)
    still = tmp_path / "still.png"
    cv2.imwrite(str(still), image)
    clip = tmp_path / "still.mp4"
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-loop", "1",
                    "-i", str(still), "-t", "8", "-r", "25", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)],
                   check=True)
    track = text_track(clip)
    samples = 8 * TextSignal().rate_hz
    assert track.ocr_frames <= 8 / MAX_OCR_INTERVAL_S + 1 < samples / 3  # + 1: the last sample
    assert [line.compact for line in track.lines] == ["sale"]
    assert track.lines[0].start_s == 0.0 and track.lines[0].end_s >= 7.5
    assert track.first_text_s == 0.0 and track.text_at(4.0) == track.lines


def test_track_helpers_and_json_round_trip(samples_dir):
    track = text_track(samples_dir / "strong.mp4")
    data = json.loads(json.dumps(track.to_json()))
    assert TextTrack.from_json(data) == track
    assert data["ocr_frames"] == track.ocr_frames == len(data["ocr_times_s"])
    assert set(data["lines"][0]) == {"text", "norm", "compact", "confidence", "box_frac", "height_frac",
                                     "start_s", "end_s", "readings", "moved_frac"}
    assert track.first_text_s == 0.0
    assert "SHOP NOW" in [line.text for line in track.text_at(12.0)]
    assert "DRY SKIN?" in track.all_text.splitlines()
    assert 0 < track.ocr_frames < 15 * 2  # fewer OCR calls than samples
    line = TextLine("a b", "a b", "ab", 0.9, (0.1, 0.2, 0.3, 0.04), 0.04, 1.0, 2.5)
    assert TextLine.from_json(line.to_json()) == line
    assert TextTrack.from_json(TextTrack(lines=()).to_json()).first_text_s is None
