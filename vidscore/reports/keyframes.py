"""Keyframes for the HTML report: small JPEG thumbnails of the moments a reader wants to see.

The moments come from the result alone (no re-analysis): the first frame, the first cut, each
product's first appearance, each call-to-action moment and the last frame. The frames are decoded
again from the file in one sequential pass (`media.frames.frames_at`), upright like the signals saw them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2

from vidscore.media.frames import frames_at
from vidscore.result import VideoResult

log = logging.getLogger(__name__)

JPEG_QUALITY = 80  # small files (~10-20 kB at 360 px) with no visible blocking on text overlays
MERGE_WITHIN_S = 1.0  # moments closer than this share one thumbnail (their labels are joined)
CTA_CRITERIA = ("cta_spoken", "cta_text")
LABEL_JOIN = " · "
CTA_PREFIX = "CTA "
CTA_JOIN = "; "


@dataclass(frozen=True)
class Keyframe:
    """One thumbnail: what moment it shows, the frame's time, and its JPEG bytes."""

    label: str
    t_s: float
    jpeg: bytes


@dataclass(frozen=True)
class Moment:
    """A time worth a thumbnail and why."""

    label: str
    t_s: float


def keyframe_moments(result: VideoResult) -> list[Moment]:
    """The moments to show, in time order, with moments closer than `MERGE_WITHIN_S` merged."""
    media = result.media
    if not result.ok or media is None:
        return []
    frame_s = 1.0 / media.fps if media.fps > 0 else 0.0
    moments = [Moment("Start", 0.0)]
    shots = result.signals.shots
    if shots is not None and shots.first_cut_s is not None:
        moments.append(Moment("First cut", shots.first_cut_s))
    product = result.signals.product
    for presence in product.products if product is not None else ():
        if presence.first_seen_s is not None:
            moments.append(Moment(f"{presence.name} first seen", presence.first_seen_s))
    moments += cta_moments(result)
    moments.append(Moment("End", max(0.0, media.duration_s - frame_s)))
    return _merge_close(sorted(moments, key=lambda m: m.t_s))


def cta_moments(result: VideoResult) -> list[Moment]:
    """Call-to-action moments: the evidence of the spoken and on-screen CTA criteria."""
    moments = []
    for criterion_id in CTA_CRITERIA:
        criterion = result.criterion(criterion_id)
        for evidence in criterion.evidence if criterion is not None else ():
            moments.append(Moment(CTA_PREFIX + evidence.what, evidence.start_s))
    return moments


def _merge_close(moments: list[Moment]) -> list[Moment]:
    """Join moments (sorted by time) closer than `MERGE_WITHIN_S` to the first of their group."""
    merged: list[Moment] = []
    for moment in moments:
        if merged and moment.t_s - merged[-1].t_s < MERGE_WITHIN_S:
            merged[-1] = Moment(_join_labels(merged[-1].label, moment.label), merged[-1].t_s)
        else:
            merged.append(moment)
    return merged


def _join_labels(first: str, second: str) -> str:
    """'Start · First cut'; call-to-action quotes share one prefix: 'CTA said: "x"; on screen: "y"'."""
    if first.split(LABEL_JOIN)[-1].startswith(CTA_PREFIX) and second.startswith(CTA_PREFIX):
        return first + CTA_JOIN + second[len(CTA_PREFIX):]
    return first + LABEL_JOIN + second


def keyframes(result: VideoResult, max_side_px: int = 360) -> list[Keyframe]:
    """JPEG thumbnails of `keyframe_moments`; [] for a failed result or a file that can no longer be read."""
    moments = keyframe_moments(result)
    if not moments:
        return []
    try:
        frames = frames_at(result.file, result.media, [m.t_s for m in moments], max_side_px)
    except Exception:  # noqa: BLE001 - a report must never fail because a thumbnail cannot be made
        log.debug("keyframes(%s) failed", result.file, exc_info=True)
        return []
    out = []
    for moment, frame in zip(moments, frames):
        ok, encoded = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if ok:
            out.append(Keyframe(label=moment.label, t_s=frame.t_s, jpeg=encoded.tobytes()))
    return out
