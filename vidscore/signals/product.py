"""Product signal: where the user's product shows on screen, matched against their reference photos.

Each sampled frame is matched to each reference photo with OpenCV local features (SIFT keypoints,
FLANN kd-tree matching, Lowe's ratio test) and a RANSAC homography. A homography only counts
as "present" when it maps the reference outline to a plausible picture of the object: enough
inliers spread over the object, a convex, unflipped quadrilateral of sane size and shape. That
validation is what keeps look-alike bottles, text overlays and other products from being taken for
the product. Reference features are computed once per process per photo content (sha256).
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vidscore.config import ProductReference
from vidscore.errors import ConfigError
from vidscore.media.frames import Frame
from vidscore.media.probe import MediaInfo
from vidscore.signals.base import FrameSignal, fit_image

PRODUCT_SIGNAL_VERSION = 2  # bump when the output for the same video and settings changes
PRODUCT_RATE_HZ = 2.0  # products stay on screen for seconds; 2 samples/s puts edges within 0.5 s
# Frames are matched at this size (SIFT doubles it internally): a product at 3 % of the frame still
# gives 25-38 inliers; 480 px costs 1.4x the CPU for one more hit on the real clips, 360 px loses 4.
PRODUCT_MAX_SIDE_PX = 400

# SIFT, chosen by measurement on the real clips (5 products cropped from one frame each, matched on
# every clip at 2 Hz): ORB (4 ms/frame at 640 px, one core) found 9 present samples, AKAZE (13 ms at
# 480 px) 12, SIFT (25 ms at 400 px) 28; none of them a false presence.
FRAME_NFEATURES = 1000  # strongest keypoints kept per frame (bounds matching time)
REF_NFEATURES = 2000  # strongest keypoints kept per reference photo (computed once)
REF_MAX_SIDE_PX = 640  # large reference photos are shrunk to this before feature extraction
# Small reference photos (a product cropped from a video frame) are enlarged to this size so
# SIFT's finest scales see the label details.
REF_MIN_SIDE_PX = 480
LOWE_RATIO = 0.8  # Lowe's ratio test: best match must be clearly better than the second best
RANSAC_REPROJ_FRAC = 0.01  # RANSAC inlier distance as a fraction of the frame's longer side
RANSAC_MAX_ITERS = 2000
RANSAC_CONFIDENCE = 0.995
FLANN_KDTREE_INDEX = {"algorithm": 1, "trees": 4}  # 1 = randomised kd-trees (float descriptors)
FLANN_SEARCH = {"checks": 48}

# --- validation of a candidate homography (what separates the product from look-alikes)
# With 6 inliers, no spread and no ratio floor, 2 false presences appeared on the real clips; these
# values keep a margin (8 inliers and 3 % spread still gave none) and keep true close-ups.
MIN_INLIERS = 10  # fewer consistent matches than this happen by chance in busy frames
MIN_INLIER_RATIO = 0.2  # inliers / ratio-test matches: random clutter gives ~0.05-0.1
# Inliers must cover this share of the reference outline (convex hull): one word or logo of the
# label matching (e.g. the brand name repeated as a text overlay, 0.6-4 % measured) is not the product.
MIN_INLIER_SPREAD_FRAC = 0.04
MIN_QUAD_AREA_FRAC = 0.002  # projected outline smaller than 0.2 % of the frame: noise, not a product
MAX_QUAD_AREA_FRAC = 4.0  # a close-up may overflow the frame, but not by more than 4x its area
MAX_ASPECT_CHANGE = 2.5  # width/height of the projected outline vs the reference, either way
MAX_OPPOSITE_SIDE_RATIO = 3.0  # foreshortening beyond this is a degenerate fit, not perspective
MIN_CORNER_ANGLE_DEG = 25.0  # sliver-shaped quadrilaterals are degenerate fits

# --- finding the object's outline inside a reference photo shot on a plain background
BORDER_PX = 4  # border strip sampled for the background colour
PLAIN_BORDER_MAX_STD = 12.0  # border colour spread (0-255) below which the background counts as plain
FOREGROUND_DIFF = 30  # a pixel differing this much (max over channels) from the background is object
MIN_FOREGROUND_FRAC = 0.05  # a smaller detected object is unreliable: keep the whole photo

# Intervals: a present run is bridged over this many absent samples (a blur, a hand passing by).
BRIDGE_GAP_SAMPLES = 1


# ---------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class ProductSample:
    """The product in the frame sampled at `t_s`.

    `inliers` / `inlier_ratio` describe the best match tried (also when rejected: how close it came).
    When present: `quad_frac` is the reference outline projected into the frame (4 corners, frame
    fractions, may leave [0, 1]), `box_frac` its [x, y, w, h] clipped to the frame and `area_frac`
    the clipped quadrilateral's area over the frame area.
    """

    t_s: float
    present: bool
    inliers: int
    inlier_ratio: float
    box_frac: tuple[float, float, float, float] | None = None
    area_frac: float = 0.0
    quad_frac: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True)
class ProductInterval:
    """A span in which the product is on screen (consecutive present samples, short gaps bridged)."""

    start_s: float
    end_s: float

    def to_json(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}


@dataclass(frozen=True)
class ProductPresence:
    """One product over the whole video: its samples plus the derived exposure figures."""

    name: str
    samples: tuple[ProductSample, ...]
    period_s: float = 1.0 / PRODUCT_RATE_HZ  # time one sample stands for
    duration_s: float = 0.0

    @property
    def first_seen_s(self) -> float | None:
        """Time of the first sample that shows the product (None: never seen)."""
        return next((s.t_s for s in self.samples if s.present), None)

    @property
    def visible_share(self) -> float:
        """Fraction of the sampled time in which the product is present (0-1)."""
        return sum(s.present for s in self.samples) / len(self.samples) if self.samples else 0.0

    @property
    def max_area_frac(self) -> float:
        """Largest screen share of the product (0 when never seen)."""
        return max((s.area_frac for s in self.samples if s.present), default=0.0)

    @property
    def mean_area_frac(self) -> float:
        """Mean screen share over the samples where the product is present (0 when never seen)."""
        areas = [s.area_frac for s in self.samples if s.present]
        return sum(areas) / len(areas) if areas else 0.0

    @property
    def intervals(self) -> tuple[ProductInterval, ...]:
        """Present spans; each present sample covers one period; gaps of one sample are bridged."""
        spans: list[list[float]] = []
        last_present = -10
        for i, s in enumerate(self.samples):
            if not s.present:
                continue
            end_s = s.t_s + self.period_s
            if self.duration_s:
                end_s = min(end_s, self.duration_s)
            if spans and i - last_present <= BRIDGE_GAP_SAMPLES + 1:
                spans[-1][1] = end_s
            else:
                spans.append([s.t_s, end_s])
            last_present = i
        return tuple(ProductInterval(round(a, 3), round(b, 3)) for a, b in spans)

    def visible_in_last_s(self, seconds: float, duration_s: float | None = None) -> bool:
        """Whether any sample in the last `seconds` before `duration_s` (the video's end) shows the product."""
        end_s = self.duration_s if duration_s is None else duration_s
        return any(s.present and end_s - seconds - 1e-6 <= s.t_s <= end_s for s in self.samples)

    def to_json(self) -> dict:
        present = [
            {
                "t_s": s.t_s,
                "inliers": s.inliers,
                "inlier_ratio": s.inlier_ratio,
                "box_frac": list(s.box_frac or ()),
                "area_frac": s.area_frac,
                "quad_frac": [list(p) for p in s.quad_frac or ()],
            }
            for s in self.samples
            if s.present
        ]
        return {
            "name": self.name,
            "first_seen_s": self.first_seen_s,
            "visible_share": round(self.visible_share, 3),
            "max_area_frac": round(self.max_area_frac, 3),
            "mean_area_frac": round(self.mean_area_frac, 3),
            "intervals": [iv.to_json() for iv in self.intervals],
            "period_s": round(self.period_s, 3),
            "duration_s": round(self.duration_s, 3),
            "present_samples": present,
            # [t_s, inliers, inlier_ratio] of the samples without the product, kept for the evidence
            "absent_samples": [[s.t_s, s.inliers, s.inlier_ratio] for s in self.samples if not s.present],
        }

    @classmethod
    def from_json(cls, d: dict) -> ProductPresence:
        samples = [
            ProductSample(
                t_s=float(p["t_s"]),
                present=True,
                inliers=int(p["inliers"]),
                inlier_ratio=float(p["inlier_ratio"]),
                box_frac=tuple(float(v) for v in p["box_frac"]),  # type: ignore[arg-type]
                area_frac=float(p["area_frac"]),
                quad_frac=tuple((float(x), float(y)) for x, y in p["quad_frac"]),
            )
            for p in d["present_samples"]
        ]
        samples += [ProductSample(float(t), False, int(n), float(r)) for t, n, r in d["absent_samples"]]
        samples.sort(key=lambda s: s.t_s)
        return cls(d["name"], tuple(samples), float(d["period_s"]), float(d["duration_s"]))


@dataclass(frozen=True)
class ProductTrack:
    """Every configured product (with at least one reference photo) across the sampled frames."""

    products: tuple[ProductPresence, ...]

    def get(self, name: str) -> ProductPresence | None:
        """The presence of the product called `name` (None when it was not configured)."""
        return next((p for p in self.products if p.name == name), None)

    def to_json(self) -> dict:
        return {"products": [p.to_json() for p in self.products]}

    @classmethod
    def from_json(cls, data: dict) -> ProductTrack:
        return cls(tuple(ProductPresence.from_json(p) for p in data["products"]))


# ---------------------------------------------------------------------------------- references


@dataclass(frozen=True)
class _RefFeatures:
    """Keypoints of one reference photo, in the coordinates of its shrunk copy, and its outline."""

    points: np.ndarray  # N x 2 float32
    descriptors: np.ndarray | None  # N x 128 float32 (SIFT)
    outline: np.ndarray  # 4 x 2 float32: TL, TR, BR, BL of the object's bounding box in the photo
    outline_area: float
    hull: np.ndarray  # K x 2 float32: the object's convex silhouette (the outline when unknown)


_ref_lock = threading.Lock()
_ref_cache: dict[str, _RefFeatures] = {}  # sha256 of the photo file -> its features


def _file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(f"product reference photo cannot be read: {path} ({exc.strerror or exc})") from exc


def _object_outline(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The object's bounding rectangle and convex hull when the photo has a plain background, else
    the whole photo (twice). The hull measures screen share: a bottle is not its bounding box."""
    h, w = image.shape[:2]
    whole = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    border = np.concatenate([
        image[:BORDER_PX].reshape(-1, 3), image[-BORDER_PX:].reshape(-1, 3),
        image[:, :BORDER_PX].reshape(-1, 3), image[:, -BORDER_PX:].reshape(-1, 3),
    ]).astype(np.float32)
    if float(border.std(axis=0).max()) > PLAIN_BORDER_MAX_STD:
        return whole, whole
    background = np.median(border, axis=0)
    mask = (np.abs(image.astype(np.float32) - background).max(axis=2) > FOREGROUND_DIFF).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    x, y, bw, bh = cv2.boundingRect(mask)
    if bw * bh < MIN_FOREGROUND_FRAC * w * h:
        return whole, whole
    hull = cv2.convexHull(cv2.findNonZero(mask)).reshape(-1, 2).astype(np.float32)
    return np.array([[x, y], [x + bw, y], [x + bw, y + bh], [x, y + bh]], np.float32), hull


def _reference_features(path: Path, sha256: str) -> _RefFeatures:
    """Features of the photo at `path`, computed once per process per content hash."""
    with _ref_lock:
        cached = _ref_cache.get(sha256)
    if cached is not None:
        return cached
    image = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ConfigError(f"product reference photo is not a readable image: {path}")
    longest = max(image.shape[:2])
    if longest < REF_MIN_SIDE_PX:
        scale = REF_MIN_SIDE_PX / longest
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    image = fit_image(image, REF_MAX_SIDE_PX)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    keypoints, descriptors = cv2.SIFT_create(nfeatures=REF_NFEATURES).detectAndCompute(gray, None)
    outline, hull = _object_outline(image)
    feats = _RefFeatures(
        points=np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2),
        descriptors=descriptors,
        outline=outline,
        outline_area=float(cv2.contourArea(outline)),
        hull=hull,
    )
    with _ref_lock:
        _ref_cache[sha256] = feats
    return feats


# ---------------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Match:
    inliers: int
    inlier_ratio: float
    quad: np.ndarray | None  # 4 x 2 frame pixels when the homography passed validation
    hull: np.ndarray | None = None  # the object's silhouette in frame pixels, with `quad`


def _corner_angles_deg(quad: np.ndarray) -> list[float]:
    angles = []
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        angles.append(math.degrees(math.acos(max(-1.0, min(1.0, cos)))))
    return angles


def _plausible_quad(quad: np.ndarray, ref: _RefFeatures, frame_area: float) -> bool:
    """Whether the projected outline looks like the object seen in perspective (not a degenerate fit)."""
    x, y = quad[:, 0], quad[:, 1]
    signed_area = 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    if signed_area <= 0 or not cv2.isContourConvex(quad.reshape(-1, 1, 2)):  # flipped or twisted
        return False
    if not MIN_QUAD_AREA_FRAC <= signed_area / frame_area <= MAX_QUAD_AREA_FRAC:
        return False
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)  # top, right, bottom, left
    if min(sides) <= 0:
        return False
    top_bottom, left_right = sides[0] / sides[2], sides[1] / sides[3]
    if max(top_bottom, 1 / top_bottom, left_right, 1 / left_right) > MAX_OPPOSITE_SIDE_RATIO:
        return False
    ref_sides = np.linalg.norm(ref.outline - np.roll(ref.outline, -1, axis=0), axis=1)
    ref_aspect = (ref_sides[0] + ref_sides[2]) / (ref_sides[1] + ref_sides[3])
    aspect = (sides[0] + sides[2]) / (sides[1] + sides[3]) / ref_aspect
    if not 1.0 / MAX_ASPECT_CHANGE <= aspect <= MAX_ASPECT_CHANGE:
        return False
    return min(_corner_angles_deg(quad)) >= MIN_CORNER_ANGLE_DEG


def _reference_matcher(ref: _RefFeatures) -> cv2.DescriptorMatcher | None:
    """A FLANN kd-tree index over the reference photo's descriptors (None: too few keypoints)."""
    if ref.descriptors is None or len(ref.descriptors) < MIN_INLIERS:
        return None
    matcher = cv2.FlannBasedMatcher(FLANN_KDTREE_INDEX, FLANN_SEARCH)
    matcher.add([ref.descriptors])
    matcher.train()
    return matcher


def _match_reference(ref: _RefFeatures, matcher: cv2.DescriptorMatcher | None, frame_points: np.ndarray,
                     frame_desc: np.ndarray, frame_w: int, frame_h: int) -> _Match:
    """Ratio-test matches of frame keypoints to the reference, a RANSAC homography, its validation."""
    if matcher is None:
        return _Match(0, 0.0, None)
    pairs = matcher.knnMatch(frame_desc, k=2)
    good: dict[int, tuple[float, int]] = {}  # reference keypoint -> (distance, frame keypoint)
    for pair in pairs:
        if len(pair) == 2 and pair[0].distance < LOWE_RATIO * pair[1].distance:
            m = pair[0]
            if m.trainIdx not in good or m.distance < good[m.trainIdx][0]:
                good[m.trainIdx] = (m.distance, m.queryIdx)
    if len(good) < MIN_INLIERS:
        return _Match(0, 0.0, None)
    ref_idx = np.fromiter(good.keys(), np.int32)
    frame_idx = np.array([good[i][1] for i in ref_idx], np.int32)
    src, dst = ref.points[ref_idx], frame_points[frame_idx]
    homography, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_REPROJ_FRAC * max(frame_w, frame_h),
                                          maxIters=RANSAC_MAX_ITERS, confidence=RANSAC_CONFIDENCE)
    if homography is None or mask is None:
        return _Match(0, 0.0, None)
    inlier_mask = mask.ravel().astype(bool)
    inliers = int(inlier_mask.sum())
    ratio = inliers / len(good)
    if inliers < MIN_INLIERS or ratio < MIN_INLIER_RATIO:
        return _Match(inliers, ratio, None)
    hull_area = float(cv2.contourArea(cv2.convexHull(src[inlier_mask])))
    if hull_area < MIN_INLIER_SPREAD_FRAC * ref.outline_area:
        return _Match(inliers, ratio, None)
    quad = cv2.perspectiveTransform(ref.outline.reshape(-1, 1, 2), homography).reshape(4, 2)
    if not np.all(np.isfinite(quad)) or not _plausible_quad(quad, ref, float(frame_w * frame_h)):
        return _Match(inliers, ratio, None)
    hull = cv2.perspectiveTransform(ref.hull.reshape(-1, 1, 2), homography).reshape(-1, 2)
    return _Match(inliers, ratio, quad, hull)


def _frame_sample(t_s: float, match: _Match, frame_w: int, frame_h: int) -> ProductSample:
    """The sample for the best match: the silhouette clipped to the frame gives box and screen share."""
    ratio = round(match.inlier_ratio, 3)
    if match.quad is None:
        return ProductSample(round(t_s, 3), False, match.inliers, ratio)
    frame_rect = np.array([[0, 0], [frame_w, 0], [frame_w, frame_h], [0, frame_h]], np.float32)
    area_px, clipped = cv2.intersectConvexConvex(cv2.convexHull(match.hull.astype(np.float32)), frame_rect)
    if clipped is None or area_px <= 0:
        return ProductSample(round(t_s, 3), False, match.inliers, ratio)
    corners = clipped.reshape(-1, 2) / np.array([frame_w, frame_h], np.float32)
    (x0, y0), (x1, y1) = corners.min(axis=0).clip(0, 1), corners.max(axis=0).clip(0, 1)
    box = (round(float(x0), 3), round(float(y0), 3), round(float(x1 - x0), 3), round(float(y1 - y0), 3))
    quad = tuple((round(float(px) / frame_w, 3), round(float(py) / frame_h, 3)) for px, py in match.quad)
    return ProductSample(round(t_s, 3), True, match.inliers, ratio, box, round(area_px / (frame_w * frame_h), 3), quad)


# ---------------------------------------------------------------------------------- signal


class ProductSignal(FrameSignal):
    """Presence, position and screen share of each configured product, per sampled frame."""

    name = "product"
    version = PRODUCT_SIGNAL_VERSION

    def __init__(self, products: tuple[ProductReference, ...], rate_hz: float = PRODUCT_RATE_HZ,
                 max_side_px: int = PRODUCT_MAX_SIDE_PX) -> None:
        self.rate_hz = rate_hz
        self.max_side_px = max_side_px
        # Products without photos cannot be seen (only heard or read): they get no visual track.
        self._products: list[tuple[str, list[tuple[Path, str]]]] = []
        for product in products:
            photos = []
            for image in product.images:
                path = Path(image)
                if not path.is_file():
                    raise ConfigError(f"product reference photo not found: {path} (product {product.name!r})")
                photos.append((path, _file_sha256(path)))
            if photos:
                self._products.append((product.name, photos))
        self._refs = [[_reference_features(p, sha) for p, sha in photos] for _, photos in self._products]
        self._sift = cv2.SIFT_create(nfeatures=FRAME_NFEATURES)
        self._matchers = [[_reference_matcher(ref) for ref in refs] for refs in self._refs]
        self._samples: list[list[ProductSample]] = [[] for _ in self._products]

    def settings(self) -> dict[str, Any]:
        return {
            "rate_hz": self.rate_hz,
            "max_side_px": self.max_side_px,
            "features": f"sift:{FRAME_NFEATURES}/{REF_NFEATURES}:{REF_MIN_SIDE_PX}-{REF_MAX_SIDE_PX}",
            "thresholds": [LOWE_RATIO, RANSAC_REPROJ_FRAC, MIN_INLIERS, MIN_INLIER_RATIO, MIN_INLIER_SPREAD_FRAC,
                           MIN_QUAD_AREA_FRAC, MAX_QUAD_AREA_FRAC, MAX_ASPECT_CHANGE, MAX_OPPOSITE_SIDE_RATIO,
                           MIN_CORNER_ANGLE_DEG],
            "outline": [BORDER_PX, PLAIN_BORDER_MAX_STD, FOREGROUND_DIFF, MIN_FOREGROUND_FRAC],
            "products": [{"name": name, "images": [sha for _, sha in photos]} for name, photos in self._products],
        }

    def consume(self, frame: Frame) -> None:
        if not self._products:
            return
        image = fit_image(frame.image, self.max_side_px)
        frame_h, frame_w = image.shape[:2]
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        keypoints, descriptors = self._sift.detectAndCompute(gray, None)
        points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
        for k, refs in enumerate(self._refs):
            best = _Match(0, 0.0, None)
            if descriptors is not None and len(descriptors) >= 2:
                for ref, matcher in zip(refs, self._matchers[k]):
                    match = _match_reference(ref, matcher, points, descriptors, frame_w, frame_h)
                    if (match.quad is not None, match.inliers) > (best.quad is not None, best.inliers):
                        best = match
            self._samples[k].append(_frame_sample(frame.t_s, best, frame_w, frame_h))

    def finish(self, media: MediaInfo) -> ProductTrack:
        period_s = round(1.0 / self.rate_hz, 3)
        return ProductTrack(tuple(
            ProductPresence(name, tuple(samples), period_s, round(media.duration_s, 3))
            for (name, _), samples in zip(self._products, self._samples)
        ))

