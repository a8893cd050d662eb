"""Product signal on the samples (labelled screen time and share), made clips and warped photos."""

from __future__ import annotations

import json
import math
import shutil

import cv2
import numpy as np
import pytest

from vidscore.config import ProductReference
from vidscore.errors import ConfigError
from vidscore.media import probe
from vidscore.media.frames import Frame
from vidscore.media.scan import scan_video
from vidscore.signals.product import ProductPresence, ProductSample, ProductSignal, ProductTrack

GLOWA_SAMPLES = ["strong.mp4", "views_no_sales.mp4", "italian.mp4", "no_audio.mp4", "rotated_phone.mp4"]
EDGE_TOLERANCE_S = 0.5  # one sample period at 2 Hz
AREA_FACTOR = 1.5  # the silhouette is the reference's convex hull, warped: not the exact pixel mask


@pytest.fixture(scope="module")
def products(samples_dir) -> tuple[ProductReference, ProductReference]:
    photos = samples_dir / "products"
    glowa = ProductReference("glowa", (photos / "glowa_front.jpg", photos / "glowa_angle.jpg"), ("Glowa serum",))
    nesto = ProductReference("nesto", (photos / "nesto_front.jpg",))
    return glowa, nesto


def run_signal(path, products) -> ProductTrack:
    media = probe(path)
    signal = ProductSignal(products)
    scan_video(path, media, rate_hz=signal.rate_hz, max_side_px=signal.max_side_px, signals=[signal])
    return signal.finish(media)


@pytest.fixture(scope="module")
def tracks(samples_dir, products) -> dict[str, ProductTrack]:
    names = [*GLOWA_SAMPLES, "slow_landscape.mp4"]
    return {name: run_signal(samples_dir / name, products) for name in names}


@pytest.mark.parametrize("name", GLOWA_SAMPLES)
def test_glowa_screen_time_and_share_match_labels(tracks, expected, name):
    glowa = tracks[name].get("glowa")
    visible = expected[name]["product"]["visible"]
    assert len(glowa.intervals) == len(visible)
    for got, want in zip(glowa.intervals, visible):
        assert got.start_s == pytest.approx(want["start_s"], abs=EDGE_TOLERANCE_S)
        assert got.end_s == pytest.approx(want["end_s"], abs=EDGE_TOLERANCE_S)
    assert glowa.first_seen_s == pytest.approx(visible[0]["start_s"], abs=EDGE_TOLERANCE_S)
    want_max = max(v["max_area_frac"] for v in visible)
    assert want_max / AREA_FACTOR <= glowa.max_area_frac <= want_max * AREA_FACTOR
    assert 0 < glowa.mean_area_frac <= glowa.max_area_frac
    for sample in glowa.samples:
        if sample.present:
            x, y, w, h = sample.box_frac
            assert 0 <= x and 0 <= y and x + w <= 1.001 and y + h <= 1.001
            assert sample.area_frac <= w * h + 1e-3 and len(sample.quad_frac) == 4


def test_small_late_product_is_found(tracks, expected):
    """views_no_sales: the product is only in the last 2.5 s at ~3 % of the frame; found at 400 px."""
    glowa = tracks["views_no_sales.mp4"].get("glowa")
    assert glowa.first_seen_s >= 12.0
    assert glowa.visible_in_last_s(3.0)
    assert not glowa.visible_in_last_s(2.0, duration_s=12.0)  # nothing shown from 10 to 12 s
    assert glowa.visible_share == pytest.approx(2.5 / 15.0, abs=0.07)


def test_other_product_and_lookalikes_are_not_the_product(tracks, expected):
    """slow_landscape shows the Nesto organiser, never Glowa; the Glowa ads never show Nesto."""
    landscape = tracks["slow_landscape.mp4"]
    assert landscape.get("glowa").first_seen_s is None
    nesto = landscape.get("nesto")
    want = expected["slow_landscape.mp4"]["product"]["visible"]
    assert len(nesto.intervals) == 1
    assert nesto.intervals[0].start_s == pytest.approx(want[0]["start_s"], abs=EDGE_TOLERANCE_S)
    assert nesto.intervals[0].end_s == pytest.approx(want[0]["end_s"], abs=EDGE_TOLERANCE_S)
    for name in GLOWA_SAMPLES:
        assert tracks[name].get("nesto").visible_share == 0.0, name


def test_clip_without_product_has_no_presence(make_clip, products):
    clip = make_clip("no_product.mp4", size="360x640", seconds=3.0, audio=False)
    track = run_signal(clip, products)
    assert [p.name for p in track.products] == ["glowa", "nesto"]
    for presence in track.products:
        assert presence.first_seen_s is None and presence.intervals == ()
        assert len(presence.samples) == 6


def _scene(width: int, height: int, seed: int) -> np.ndarray:
    """A cluttered background: smooth colour noise plus random rectangles and circles."""
    rng = np.random.default_rng(seed)
    image = cv2.resize(rng.integers(0, 255, (12, 8, 3), dtype=np.uint8), (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(25):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        if rng.random() < 0.5:
            cv2.rectangle(image, (x, y), (x + int(rng.integers(10, 60)), y + int(rng.integers(10, 60))), colour, -1)
        else:
            cv2.circle(image, (x, y), int(rng.integers(5, 30)), colour, -1)
    return image


def _paste_warped(scene: np.ndarray, photo: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`photo` warped onto `corners` of `scene`; also the warped convex hull of the bottle in it."""
    h, w = photo.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    warped = cv2.warpPerspective(photo, m, scene.shape[1::-1])
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, scene.shape[1::-1])
    out = scene.copy()
    out[mask > 0] = warped[mask > 0]
    ink = (np.abs(photo.astype(int) - photo[0, 0].astype(int)).max(axis=2) > 40).astype(np.uint8)
    hull = cv2.convexHull(cv2.findNonZero(ink)).astype(np.float32)
    return out, cv2.perspectiveTransform(hull, m).reshape(-1, 2)


@pytest.mark.parametrize("angle_deg, yaw, scale, occlude", [(0, 0.0, 0.5, False), (35, 0.0, 0.35, False),
                                                            (-20, 0.3, 0.45, False), (10, 0.1, 0.5, True)])
def test_robust_to_rotation_perspective_scale_and_occlusion(samples_dir, products, angle_deg, yaw, scale, occlude):
    """The reference photo warped into a cluttered frame is found where it was pasted."""
    photo = cv2.imread(str(samples_dir / "products" / "glowa_front.jpg"))
    fw, fh = 720, 1280
    ph, pw = photo.shape[:2]
    half_h, half_w = scale * fh / 2, scale * fh / 2 * pw / ph
    corners = np.array([[-half_w, -half_h * (1 - yaw)], [half_w, -half_h * (1 + yaw)],
                        [half_w, half_h * (1 + yaw)], [-half_w, half_h * (1 - yaw)]])
    a = math.radians(angle_deg)
    corners = corners @ np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]]) + [fw * 0.5, fh * 0.5]
    frame, bottle = _paste_warped(_scene(fw, fh, seed=angle_deg + 100), photo, corners)
    if occlude:  # a hand over the lower 40 % of the bottle
        cv2.rectangle(frame, (0, int(fh * 0.5 + half_h * 0.2)), (fw, fh), (90, 120, 170), -1)
    signal = ProductSignal(products[:1])
    signal.consume(Frame(0.0, frame))
    signal.consume(Frame(0.5, _scene(fw, fh, seed=7)))
    sample, empty = signal._samples[0]
    assert sample.present and not empty.present
    # The reported outline is the bottle's (occluded parts included), not the pasted photo's edge.
    quad = (np.array(sample.quad_frac) * [fw, fh]).astype(np.float32)
    assert cv2.pointPolygonTest(bottle.reshape(-1, 1, 2), tuple(map(float, quad.mean(axis=0))), False) > 0
    want_area = cv2.contourArea(bottle) / (fw * fh)
    assert sample.area_frac == pytest.approx(want_area, rel=0.2)


def test_json_round_trip(tracks):
    track = tracks["strong.mp4"]
    data = json.loads(json.dumps(track.to_json()))
    again = ProductTrack.from_json(data)
    assert again == track
    assert again.to_json() == data
    glowa = data["products"][0]
    assert glowa["name"] == "glowa" and glowa["intervals"][0]["start_s"] == track.get("glowa").intervals[0].start_s
    assert {"first_seen_s", "visible_share", "max_area_frac", "mean_area_frac", "present_samples",
            "absent_samples"} <= set(glowa)
    assert all("box_frac" in s for s in glowa["present_samples"])


def test_derived_helpers_bridge_single_gaps():
    flags = [0, 1, 1, 0, 1, 0, 0, 1, 0, 0]
    samples = tuple(ProductSample(i * 0.5, bool(f), 40 if f else 3, 0.8 if f else 0.1,
                                  (0.1, 0.1, 0.2, 0.2) if f else None, 0.04 * (i + 1) if f else 0.0,
                                  ((0.1, 0.1), (0.3, 0.1), (0.3, 0.3), (0.1, 0.3)) if f else None)
                    for i, f in enumerate(flags))
    presence = ProductPresence("x", samples, period_s=0.5, duration_s=5.0)
    assert [(iv.start_s, iv.end_s) for iv in presence.intervals] == [(0.5, 2.5), (3.5, 4.0)]
    assert presence.first_seen_s == 0.5
    assert presence.visible_share == pytest.approx(0.4)
    assert presence.max_area_frac == pytest.approx(0.32)
    assert presence.mean_area_frac == pytest.approx((0.08 + 0.12 + 0.2 + 0.32) / 4)
    assert presence.visible_in_last_s(1.5) and not presence.visible_in_last_s(1.0)
    assert ProductPresence.from_json(json.loads(json.dumps(presence.to_json()))) == presence


def test_missing_or_unreadable_photo_is_a_config_error(tmp_path):
    missing = tmp_path / "nope.jpg"
    with pytest.raises(ConfigError, match="nope.jpg"):
        ProductSignal((ProductReference("x", (missing,)),))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    with pytest.raises(ConfigError, match="broken.jpg"):
        ProductSignal((ProductReference("x", (broken,)),))


def test_settings_follow_photo_content(tmp_path, samples_dir):
    photo = tmp_path / "p.jpg"
    shutil.copy(samples_dir / "products" / "glowa_front.jpg", photo)
    before = ProductSignal((ProductReference("p", (photo,)),)).settings()
    cv2.imwrite(str(photo), cv2.flip(cv2.imread(str(photo)), 1))
    after = ProductSignal((ProductReference("p", (photo,)),)).settings()
    assert before != after and before["products"][0]["images"] != after["products"][0]["images"]
    # A product named only in words (no photo) gets no visual track.
    assert ProductSignal((ProductReference("words only"),)).settings()["products"] == []
