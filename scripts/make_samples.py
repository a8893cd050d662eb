#!/usr/bin/env python3
"""Build vidscore's synthetic sample videos and their ground truth, from scratch and deterministically.

Every picture is drawn here (OpenCV, Pillow, numpy), every word is spoken by espeak-ng, and every
number written to ``samples/expected.json`` is measured from what was rendered: utterance times
from where the trimmed speech was placed on the audio timeline, overlay boxes and product areas
from the composited frames, durations, sizes and rotation from the encoded file (probed with PyAV).

    python scripts/make_samples.py                      # all samples -> samples/
    python scripts/make_samples.py --only strong.mp4    # rebuild one, update its entry
    python scripts/make_samples.py --bench-clip /tmp/bench.mp4   # 1080x1920 30 s clip, not committed

Needs espeak-ng on PATH (``apt-get install espeak-ng``), plus numpy, opencv, pillow, av and
imageio-ffmpeg (its ffmpeg binary encodes H.264 + AAC). Importing this module does nothing;
``scripts/bench.py`` imports it for :func:`build_bench_clip`.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FPS = 30
SPEECH_SR = 22050  # espeak-ng's native rate; ffmpeg resamples to AUDIO_OUT_SR when encoding AAC
AUDIO_OUT_SR = 44100
SPEECH_PEAK = 0.7  # every utterance is normalised to this peak (about -3 dBFS)
BED_BELOW_SPEECH_DB = 25.0  # music bed peak relative to the speech peak
ROOM_TONE_RMS = 0.0025  # about -52 dBFS of soft noise, for "recorded" clips
TRIM_THRESHOLD = 0.01  # |amplitude| above this (about -40 dBFS) counts as audible speech
MIN_TEXT_INK_FRAC = 0.03  # rendered glyph height must stay at least this fraction of the frame height
MIN_GAP_S = 0.25  # utterances planned too close are pushed later by at least this gap
CANVAS_MARGIN = 1.3  # backgrounds are painted this much larger than the frame, for pans and zooms
SAFE_RIGHT_FRAC = 0.85  # TikTok safe zone: keep text out of the right 15 % ...
SAFE_BOTTOM_FRAC = 0.80  # ... and out of the bottom 20 %

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "samples"
NO_CTA_WORDS = ("buy", "shop", "link", "cart", "order")

RGB = tuple[int, int, int]


# ---------------------------------------------------------------------------------------------
# Specs: what a sample contains, in seconds and frame fractions (resolution independent)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pose:
    """Product placement: centre (fractions of frame width/height), height (fraction of frame
    height), in-plane rotation in degrees and a perspective yaw in [-0.4, 0.4]."""

    cx: float
    cy: float
    h: float
    rot_deg: float = 0.0
    yaw: float = 0.0


@dataclass(frozen=True)
class ProductSeg:
    """The product on screen from t0_s to t1_s, moving from pose0 to pose1 (eased)."""

    t0_s: float
    t1_s: float
    pose0: Pose
    pose1: Pose
    pop_in_s: float = 0.0  # grows from 35 % to full size over this many seconds after t0_s
    bob: float = 0.004  # small hand-held wobble (fraction of the frame)
    # "frame": the pose is in frame fractions (a floating hero shot). "scene": the product stands in
    # the painted scene and moves with the camera; cx is a canvas fraction, cy the canvas fraction of
    # the surface it stands on (its base), h its height as a fraction of the frame at zoom 1.
    anchor: str = "frame"


@dataclass(frozen=True)
class Shot:
    start_s: float
    scene: str
    seed: int
    motion: str = "slow"  # static | slow | fast | handheld


@dataclass(frozen=True)
class Overlay:
    text: str
    start_s: float
    end_s: float
    y_frac: float  # top of the text box, fraction of frame height
    size_frac: float = 0.075  # font size, fraction of frame height
    style: str = "outline"  # outline | box
    fill: RGB = (255, 255, 255)
    box: RGB = (20, 20, 20)
    cta: bool = False


@dataclass(frozen=True)
class Utterance:
    text: str
    start_s: float | None  # planned; pushed later if it would overlap. None: right after the previous one
    cta: bool = False
    optional: bool = False  # filler: dropped when it would not end before the next planned utterance


@dataclass(frozen=True)
class SampleSpec:
    name: str
    description: str
    width: int  # display size (upright)
    height: int
    duration_s: float
    shots: tuple[Shot, ...]
    overlays: tuple[Overlay, ...] = ()
    utterances: tuple[Utterance, ...] = ()
    voice: str | None = "en-us"
    speed_wpm: int = 160
    language: str | None = "en"
    has_audio: bool = True
    music_bed_from_s: float | None = None
    room_tone_from_s: float | None = None
    product: str | None = None  # key of PRODUCTS
    product_segs: tuple[ProductSeg, ...] = ()
    display_rotation: int = 0  # 0, or 270 (stored landscape, shown portrait like an iPhone clip)
    key_phrases: tuple[str, ...] = ()
    forbidden_words: tuple[str, ...] = ()
    crf: int = 30
    preset: str = "veryslow"
    audio_kbps: int = 64
    x264_threads: int = 1  # 1: byte-identical files on every run (x264 with threads is not); 0: auto


@dataclass(frozen=True)
class Product:
    name: str
    reference: str  # path relative to samples/
    draw: str  # name of the sprite function


PRODUCTS = {
    "glowa": Product("Glowa serum", "products/glowa_front.jpg", "glowa"),
    "nesto": Product("Nesto kitchen organiser", "products/nesto_front.jpg", "nesto"),
}


def sample_specs() -> list[SampleSpec]:
    """The committed samples. Times are plans; expected.json gets what was actually rendered."""
    white, teal, yellow, black, red = (255, 255, 255), (15, 95, 110), (255, 214, 0), (20, 20, 20), (238, 29, 82)
    return [
        SampleSpec(
            name="strong.mp4",
            description="Strong ad: spoken + written hook in the first second, product early and "
            "large, named, offer, spoken and on-screen CTA at the end.",
            width=540,
            height=960,
            duration_s=15.0,
            shots=(
                Shot(0.0, "bathroom", 11),
                Shot(3.0, "studio", 12),
                Shot(6.0, "vanity", 13),
                Shot(9.0, "desk", 14),
                Shot(12.0, "studio", 15),
            ),
            overlays=(
                Overlay("DRY SKIN?", 0.0, 3.0, 0.11, 0.095),
                Overlay("GLOWA SERUM", 4.2, 8.0, 0.11, 0.07, "box", white, teal),
                Overlay("-20% TODAY", 8.3, 11.0, 0.11, 0.08, "box", black, yellow),
                Overlay("SHOP NOW", 11.0, 15.0, 0.62, 0.07, "box", white, red, cta=True),
                Overlay("Link in bio", 11.0, 15.0, 0.71, 0.05, cta=True),
            ),
            utterances=(
                Utterance("Stop scrolling! This serum fixed my dry skin in three days.", 0.3),
                Utterance("Meet Glowa serum, with hyaluronic acid and vitamin C.", 4.5),
                Utterance("Today only, twenty percent off.", 8.4),
                Utterance("Tap the link in bio and shop now.", 11.3, cta=True),
            ),
            music_bed_from_s=0.0,
            product="glowa",
            product_segs=(
                ProductSeg(0.8, 3.0, Pose(0.45, 0.80, 0.60, -3, 0.12), Pose(0.45, 0.80, 0.62, 1, 0.06), pop_in_s=0.25, bob=0, anchor="scene"),
                ProductSeg(3.0, 6.0, Pose(0.45, 0.81, 0.68, 2, -0.15), Pose(0.45, 0.81, 0.70, -2, 0.1), bob=0, anchor="scene"),
                ProductSeg(6.0, 9.0, Pose(0.40, 0.75, 0.46, -2, 0.18), Pose(0.40, 0.75, 0.47, 1, 0.1), bob=0, anchor="scene"),
                ProductSeg(9.0, 12.0, Pose(0.42, 0.42, 0.40, 6, -0.1), Pose(0.44, 0.41, 0.42, 2, -0.05)),
                ProductSeg(12.0, 15.0, Pose(0.43, 0.36, 0.40, -3, 0.12), Pose(0.42, 0.35, 0.42, 2, 0.05)),
            ),
            key_phrases=("stop scrolling", "dry skin", "link in bio", "shop now"),
        ),
        SampleSpec(
            name="views_no_sales.mp4",
            description="Views but no sales: strong hook and fast cuts, story without the product, "
            "product only in the last 2.5 s and tiny, no call to action at all.",
            width=540,
            height=960,
            duration_s=15.0,
            shots=(
                Shot(0.0, "pop", 21, "fast"),
                Shot(1.2, "bedroom", 22, "fast"),
                Shot(2.5, "street", 23, "fast"),
                Shot(3.6, "kitchen", 24, "fast"),
                Shot(5.0, "park", 25, "fast"),
                Shot(6.2, "pop", 26, "fast"),
                Shot(7.5, "desk", 27, "fast"),
                Shot(8.7, "bedroom", 28, "fast"),
                Shot(10.1, "street", 29, "fast"),
                Shot(11.3, "park", 30, "fast"),
                Shot(12.5, "bathroom", 31, "fast"),
            ),
            overlays=(
                Overlay("YOU'RE DOING", 0.0, 2.5, 0.11, 0.075),
                Overlay("IT WRONG", 0.0, 2.5, 0.185, 0.075),
                Overlay("1 HOUR", 3.6, 6.2, 0.11, 0.075),
                Overlay("EVERY DAY?", 3.6, 6.2, 0.185, 0.075),
                Overlay("NOW: 5 MIN", 8.7, 11.3, 0.11, 0.07, "box", black, yellow),
            ),
            utterances=(
                Utterance("Wait, you have been doing this wrong your whole life!", 0.2),
                Utterance("I used to spend an hour on my morning routine.", 3.8),
                Utterance("Then a friend showed me one simple trick.", 7.0),
                Utterance("Now I am ready in five minutes, and my skin feels amazing.", 9.6),
            ),
            music_bed_from_s=0.0,
            product="glowa",
            product_segs=(
                ProductSeg(12.5, 15.0, Pose(0.56, 0.73, 0.21, -3, 0.1), Pose(0.56, 0.73, 0.21, 2, 0.0), bob=0, anchor="scene"),
            ),
            key_phrases=("whole life", "morning routine", "simple trick"),
            forbidden_words=NO_CTA_WORDS,
            crf=31,
        ),
        SampleSpec(
            name="italian.mp4",
            description="Italian ad: spoken hook, product named, offer, spoken and on-screen "
            "Italian CTA in the last 4 s.",
            width=540,
            height=960,
            duration_s=14.0,
            shots=(
                Shot(0.0, "vanity", 41),
                Shot(3.5, "studio", 42),
                Shot(7.0, "bathroom", 43),
                Shot(10.0, "studio", 44),
            ),
            overlays=(
                Overlay("PELLE SECCA?", 0.0, 3.5, 0.11, 0.085),
                Overlay("SIERO GLOWA", 4.0, 7.0, 0.11, 0.07, "box", white, teal),
                Overlay("-20% OGGI", 7.4, 10.0, 0.11, 0.08, "box", black, yellow),
                Overlay("ACQUISTA ORA", 10.0, 14.0, 0.62, 0.065, "box", white, red, cta=True),
                Overlay("Clicca il link in bio", 10.0, 14.0, 0.71, 0.05, cta=True),
            ),
            utterances=(
                Utterance("Guarda qui! Questo siero ha cambiato la mia pelle.", 0.3),
                Utterance("Il siero Glowa idrata la pelle per tutto il giorno.", 4.2),
                Utterance("Oggi hai il venti per cento di sconto.", 7.6),
                Utterance("Clicca il link in bio e acquista ora.", 10.3, cta=True),
            ),
            voice="it",
            speed_wpm=155,
            language="it",
            music_bed_from_s=0.0,
            product="glowa",
            product_segs=(
                ProductSeg(1.0, 3.5, Pose(0.42, 0.76, 0.50, 3, -0.12), Pose(0.42, 0.76, 0.52, -1, -0.05), pop_in_s=0.25, bob=0, anchor="scene"),
                ProductSeg(3.5, 7.0, Pose(0.45, 0.81, 0.66, -3, 0.14), Pose(0.45, 0.81, 0.68, 2, 0.04), bob=0, anchor="scene"),
                ProductSeg(7.0, 10.0, Pose(0.44, 0.80, 0.48, 3, -0.12), Pose(0.44, 0.80, 0.49, 0, -0.02), bob=0, anchor="scene"),
                ProductSeg(10.0, 14.0, Pose(0.43, 0.36, 0.40, -2, 0.1), Pose(0.42, 0.35, 0.42, 2, 0.02)),
            ),
            key_phrases=("guarda qui", "clicca il link", "link in bio"),
        ),
        SampleSpec(
            name="slow_landscape.mp4",
            description="Weak landscape ad: 3 s of digital silence over one static shot, slow "
            "shots, no on-screen text, product only mid-video, weak spoken CTA.",
            width=960,
            height=540,
            duration_s=14.0,
            shots=(
                Shot(0.0, "kitchen", 51, "static"),
                Shot(3.0, "counter", 52, "slow"),
                Shot(8.0, "desk", 53, "slow"),
            ),
            utterances=(
                Utterance("Here is a quick look at our new kitchen organiser.", 3.5),
                Utterance("It has three drawers for spices, tea bags and small jars.", 6.9),
                Utterance("You can find it on our website.", 11.3, cta=True),
            ),
            room_tone_from_s=3.0,
            product="nesto",
            product_segs=(
                ProductSeg(5.0, 6.5, Pose(1.05, 0.66, 0.46, 0, 0.15), Pose(0.62, 0.66, 0.46, 0, 0.1), bob=0, anchor="scene"),
                ProductSeg(6.5, 8.0, Pose(0.62, 0.66, 0.46, 0, 0.1), Pose(0.62, 0.66, 0.46, 0, 0.1), bob=0, anchor="scene"),
                ProductSeg(8.0, 10.6, Pose(0.36, 0.72, 0.50, 0, -0.1), Pose(0.36, 0.72, 0.50, 0, -0.1), bob=0, anchor="scene"),
                ProductSeg(10.6, 11.6, Pose(0.36, 0.72, 0.50, 0, -0.1), Pose(-0.10, 0.72, 0.50, 0, -0.1), bob=0, anchor="scene"),
            ),
            key_phrases=("quick look", "kitchen", "website"),
        ),
        SampleSpec(
            name="no_audio.mp4",
            description="No audio stream at all; product visible, two cuts, on-screen text with "
            "an on-screen CTA in the last 3 s.",
            width=540,
            height=960,
            duration_s=10.0,
            shots=(
                Shot(0.0, "studio", 61),
                Shot(3.3, "bathroom", 62),
                Shot(6.6, "vanity", 63),
            ),
            overlays=(
                Overlay("NEW!", 0.0, 3.3, 0.11, 0.075),
                Overlay("GLOWA SERUM", 0.0, 3.3, 0.185, 0.07, "box", white, teal),
                Overlay("HYDRATION", 3.3, 6.6, 0.11, 0.07, "box", white, teal),
                Overlay("IN 3 DAYS", 3.3, 6.6, 0.18, 0.07),
                Overlay("SHOP NOW", 7.0, 10.0, 0.62, 0.07, "box", white, red, cta=True),
                Overlay("Tap the orange cart", 7.0, 10.0, 0.71, 0.045, cta=True),
            ),
            voice=None,
            language=None,
            has_audio=False,
            product="glowa",
            product_segs=(
                ProductSeg(0.5, 3.3, Pose(0.45, 0.81, 0.52, 2, 0.1), Pose(0.45, 0.81, 0.55, -2, -0.05), pop_in_s=0.25, bob=0, anchor="scene"),
                ProductSeg(3.3, 6.6, Pose(0.42, 0.80, 0.50, -3, -0.15), Pose(0.42, 0.80, 0.51, 1, -0.05), bob=0, anchor="scene"),
                ProductSeg(6.6, 10.0, Pose(0.43, 0.36, 0.40, 3, 0.12), Pose(0.42, 0.35, 0.42, -1, 0.04)),
            ),
        ),
        SampleSpec(
            name="rotated_phone.mp4",
            description="Phone footage: pixels stored landscape 960x540 with a -90 degree display "
            "matrix, shown upright as 540x960; unboxing speech and a text overlay.",
            width=540,
            height=960,
            duration_s=6.0,
            shots=(Shot(0.0, "unboxing", 71, "handheld"),),
            overlays=(Overlay("UNBOXING TIME", 0.0, 6.0, 0.11, 0.075),),
            utterances=(
                Utterance("Quick unboxing, look at this.", 0.4),
                Utterance("The new Glowa serum, it looks so good.", 2.6),
            ),
            room_tone_from_s=0.0,
            product="glowa",
            product_segs=(
                ProductSeg(1.5, 2.6, Pose(0.45, 0.80, 0.40, -8, 0.0), Pose(0.44, 0.50, 0.46, -2, 0.1), bob=0.008),
                ProductSeg(2.6, 6.0, Pose(0.44, 0.50, 0.46, -2, 0.1), Pose(0.43, 0.49, 0.50, 3, -0.08), bob=0.008),
            ),
            display_rotation=270,
            key_phrases=("look at this",),
        ),
    ]


# Where a standing product's base goes in each scene (canvas fraction): a table, counter or pedestal.
SURFACE_BASE = {"bathroom": 0.80, "studio": 0.81, "vanity": 0.75, "desk": 0.74, "kitchen": 0.66, "bedroom": 0.78, "counter": 0.66}

BENCH_LINES = (
    "Stop scrolling! This serum fixed my dry skin in three days.",
    "Meet Glowa serum, with hyaluronic acid and vitamin C.",
    "I put two drops on every morning and every night.",
    "My skin feels soft, calm and hydrated all day long.",
    "It absorbs in seconds and never feels sticky.",
    "Dermatologists tested it on sensitive skin.",
    "Thousands of people already switched to it.",
    "Today only, twenty percent off.",
)
BENCH_CTA = "Tap the link in bio and shop now."


def bench_spec(width: int = 1080, height: int = 1920, duration_s: float = 30.0) -> SampleSpec:
    """A strong-style ad of any size and length: speech throughout, a cut every 3 s, text, product."""
    if duration_s < 8.0:
        raise ValueError("a bench clip needs at least 8 s")
    scenes = ("bathroom", "studio", "vanity", "desk", "kitchen", "studio", "bedroom", "vanity")
    cut_s = 3.0
    starts = [round(k * cut_s, 3) for k in range(int(math.ceil(duration_s / cut_s)))]
    shots = tuple(Shot(s, scenes[k % len(scenes)], 100 + k) for k, s in enumerate(starts))
    cta_start_s = duration_s - 3.6
    # Lines follow each other; build_audio drops the ones that would run into the CTA.
    n_lines = int(duration_s / 2.0) + 1
    utterances = [Utterance(BENCH_LINES[0], 0.3)]
    utterances += [Utterance(BENCH_LINES[k % len(BENCH_LINES)], None, optional=True) for k in range(1, n_lines)]
    utterances.append(Utterance(BENCH_CTA, round(cta_start_s, 3), cta=True))
    captions = ("GLOWA SERUM", "2 DROPS A DAY", "24H HYDRATION", "NOT STICKY", "DERM TESTED", "-20% TODAY")
    overlays = [Overlay("DRY SKIN?", 0.0, cut_s, 0.11, 0.095)]
    for k, s in enumerate(starts[1:]):
        end_s = min(s + cut_s, duration_s - 4.0)
        if end_s - s >= 1.0:
            overlays.append(Overlay(captions[k % len(captions)], s, end_s, 0.11, 0.07, "box", (255, 255, 255), (15, 95, 110)))
    overlays += [
        Overlay("SHOP NOW", duration_s - 4.0, duration_s, 0.62, 0.07, "box", (255, 255, 255), (238, 29, 82), cta=True),
        Overlay("Link in bio", duration_s - 4.0, duration_s, 0.71, 0.05, cta=True),
    ]
    segs = []
    for k, s in enumerate(starts):
        e = min(s + cut_s, duration_s)
        yaw = (0.12, -0.15, 0.08, -0.1)[k % 4]
        rot0, rot1 = (-4, 3, -2, 4)[k % 4], (2, -3, 1, -1)[k % 4]
        if e > duration_s - 4.0:  # CTA text below: the product floats above it
            p0, p1, anchor = Pose(0.43, 0.36, 0.40, rot0, yaw), Pose(0.42, 0.35, 0.42, rot1, -yaw / 2), "frame"
        else:  # standing on the scene's table or counter
            base = SURFACE_BASE[shots[k].scene]
            size = min(0.62 if k % 2 == 0 else 0.5, 1.3 * base - 0.35)  # top stays below the caption
            p0, p1, anchor = Pose(0.44, base, size, rot0 / 2, yaw), Pose(0.44, base, size * 1.03, rot1 / 2, -yaw / 2), "scene"
        segs.append(ProductSeg(max(s, 0.8), e, p0, p1, pop_in_s=0.25 if k == 0 else 0.0, bob=0.0 if anchor == "scene" else 0.004, anchor=anchor))
    return SampleSpec(
        name=f"bench_{width}x{height}_{duration_s:g}s.mp4",
        description="Benchmark clip: strong-style ad, speech throughout, cuts every 3 s.",
        width=width,
        height=height,
        duration_s=duration_s,
        shots=shots,
        overlays=tuple(overlays),
        utterances=tuple(utterances),
        music_bed_from_s=0.0,
        product="glowa",
        product_segs=tuple(segs),
        key_phrases=("stop scrolling", "link in bio", "shop now"),
        crf=23,
        preset="fast",
        audio_kbps=96,
        x264_threads=0,
    )


# ---------------------------------------------------------------------------------------------
# Fonts and text sprites
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def find_bold_font() -> str | None:
    """Path of DejaVuSans-Bold.ttf (system fonts, then the cv2/matplotlib/Pillow package dirs)."""
    roots = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
    for module in ("cv2", "matplotlib", "PIL"):
        try:
            mod = __import__(module)
            roots.append(Path(mod.__file__).resolve().parent)
        except Exception:  # noqa: BLE001 - any import problem just means one fewer place to look
            continue
    for name in ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "FreeSansBold.ttf"):
        for root in roots:
            if root.is_dir():
                hit = next(iter(sorted(root.rglob(name))), None)
                if hit:
                    return str(hit)
    return None


@lru_cache(maxsize=64)
def _font(size_px: int) -> ImageFont.FreeTypeFont | None:
    path = find_bold_font()
    return ImageFont.truetype(path, size_px) if path else None


@dataclass
class TextSprite:
    rgba: np.ndarray  # h x w x 4 uint8
    ink_box: tuple[int, int, int, int]  # x, y, w, h of the glyphs (with outline) inside rgba


def render_text_sprite(text: str, size_px: int, style: str, fill: RGB, box: RGB) -> TextSprite:
    """White (or `fill`) text with a dark outline, or on a rounded `box`; RGBA with its ink box."""
    font = _font(size_px)
    if font is None:
        return _render_text_sprite_cv2(text, size_px, style, fill, box)
    stroke = max(2, size_px // 12) if style == "outline" else 0
    probe = ImageDraw.Draw(Image.new("RGBA", (8, 8)))
    x0, y0, x1, y1 = probe.textbbox((0, 0), text, font=font, stroke_width=stroke)
    pad = int(round(size_px * 0.28)) if style == "box" else 2
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if style == "box":
        draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=max(4, size_px // 5), fill=(*box, 235))
        draw.text((pad - x0, pad - y0), text, font=font, fill=(*fill, 255))
    else:
        draw.text((pad - x0, pad - y0), text, font=font, fill=(*fill, 255), stroke_width=stroke, stroke_fill=(10, 10, 10, 255))
    return TextSprite(np.asarray(img).copy(), (pad, pad, x1 - x0, y1 - y0))


def _render_text_sprite_cv2(text: str, size_px: int, style: str, fill: RGB, box: RGB) -> TextSprite:
    face, thick = cv2.FONT_HERSHEY_DUPLEX, max(2, size_px // 14)
    scale = size_px / 30.0
    (tw, th), base = cv2.getTextSize(text, face, scale, thick)
    pad = int(size_px * 0.3)
    w, h = tw + 2 * pad, th + base + 2 * pad
    rgba = np.zeros((h, w, 4), np.uint8)
    if style == "box":
        rgba[:] = (*box, 235)
    else:
        cv2.putText(rgba, text, (pad, pad + th), face, scale, (10, 10, 10, 255), thick * 3, cv2.LINE_AA)
    cv2.putText(rgba, text, (pad, pad + th), face, scale, (*fill, 255), thick, cv2.LINE_AA)
    return TextSprite(rgba, (pad, pad, tw, th + base))


def fit_text_sprite(ov: Overlay, width: int, height: int) -> TextSprite:
    """The overlay's sprite at its requested size, shrunk until it fits 78 % of the frame width."""
    size_px = max(12, int(round(ov.size_frac * height)))
    while True:
        sprite = render_text_sprite(ov.text, size_px, ov.style, ov.fill, ov.box)
        if sprite.rgba.shape[1] <= 0.78 * width or size_px <= 12:
            return sprite
        size_px = int(size_px * 0.94)


# ---------------------------------------------------------------------------------------------
# Products (drawn sprites with alpha) and their reference photos
# ---------------------------------------------------------------------------------------------


def _pil_text(draw: ImageDraw.ImageDraw, xy_center: tuple[float, float], text: str, size_px: int, fill) -> None:
    font = _font(size_px)
    if font is None:
        draw.text((xy_center[0] - len(text) * size_px * 0.3, xy_center[1] - size_px / 2), text, fill=fill)
        return
    draw.text(xy_center, text, font=font, fill=fill, anchor="mm")


@lru_cache(maxsize=2)
def product_sprite(kind: str) -> np.ndarray:
    """RGBA sprite of a product, front-on, at a high base resolution."""
    return {"glowa": _draw_glowa, "nesto": _draw_nesto}[kind]()


def _draw_glowa() -> np.ndarray:
    """Serum bottle: black dropper, gold collar, teal glass, a busy high-contrast GLOWA label."""
    w, h = 480, 1200
    rng = np.random.default_rng(7)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((165, 10, 315, 200), fill=(28, 28, 34, 255))  # dropper bulb
    d.rectangle((175, 100, 305, 215), fill=(28, 28, 34, 255))
    d.ellipse((195, 40, 225, 120), fill=(90, 90, 100, 255))  # bulb highlight
    d.rectangle((145, 205, 335, 285), fill=(205, 165, 60, 255))  # gold collar
    for y in range(212, 282, 12):
        d.line((145, y, 335, y), fill=(150, 112, 30, 255), width=4)
    d.rectangle((190, 285, 290, 330), fill=(22, 110, 125, 255))  # neck
    d.polygon([(190, 325), (290, 325), (450, 420), (30, 420)], fill=(22, 110, 125, 255))  # shoulder
    d.rounded_rectangle((30, 390, 450, 1190), radius=70, fill=(22, 110, 125, 255))  # glass body
    d.rounded_rectangle((48, 420, 78, 1150), radius=14, fill=(120, 200, 210, 255))  # glass highlight
    # Label
    lx0, ly0, lx1, ly1 = 70, 450, 430, 1130
    lab = Image.new("RGB", (lx1 - lx0, ly1 - ly0), (250, 245, 232))
    ld = ImageDraw.Draw(lab)
    lw, lh = lab.size
    for k in range(-10, 30):  # diagonal stripes band on top
        x = k * 28
        ld.polygon([(x, 0), (x + 14, 0), (x + 14 - 70, 70), (x - 70, 70)], fill=(214, 40, 120) if k % 2 else (250, 150, 30))
    ld.rectangle((0, 70, lw, 78), fill=(20, 20, 20))
    cx, cy, r = lw // 2, 160, 66  # logo: sun with rays and a leaf
    for k in range(16):
        a = k * math.pi / 8
        a1, a2 = a - 0.12, a + 0.12
        ld.polygon([(cx + r * 0.8 * math.cos(a1), cy + r * 0.8 * math.sin(a1)), (cx + r * 1.25 * math.cos(a), cy + r * 1.25 * math.sin(a)),
                    (cx + r * 0.8 * math.cos(a2), cy + r * 0.8 * math.sin(a2))], fill=(240, 120, 20))
    ld.ellipse((cx - r * 0.85, cy - r * 0.85, cx + r * 0.85, cy + r * 0.85), fill=(245, 140, 25))
    ld.ellipse((cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6), fill=(22, 110, 125))
    ld.polygon([(cx, cy - 34), (cx + 22, cy), (cx, cy + 34), (cx - 22, cy)], fill=(250, 245, 232))
    ld.line((cx, cy - 30, cx, cy + 30), fill=(22, 110, 125), width=4)
    _pil_text(ld, (lw / 2, 275), "GLOWA", 80, (15, 15, 15))
    _pil_text(ld, (lw / 2, 350), "HYDRA SERUM", 38, (22, 110, 125))
    _pil_text(ld, (lw / 2, 392), "hyaluronic acid + vitamin C", 20, (70, 70, 70))
    _pil_text(ld, (lw / 2, 418), "24h hydration  dermatologist tested", 16, (70, 70, 70))
    # Pattern block: random blobs, triangles and dots, clipped to its box
    bx0, by0, bx1, by1 = 14, 440, lw - 14, 570
    block = Image.new("RGB", (bx1 - bx0, by1 - by0), (30, 30, 40))
    bd = ImageDraw.Draw(block)
    palette = [(250, 150, 30), (214, 40, 120), (22, 170, 180), (250, 245, 232), (120, 60, 200), (255, 220, 0)]
    bw, bh = block.size
    for _ in range(70):
        x, y = rng.uniform(-10, bw), rng.uniform(-10, bh)
        s = rng.uniform(6, 34)
        col = palette[int(rng.integers(len(palette)))]
        if rng.random() < 0.5:
            bd.ellipse((x, y, x + s * rng.uniform(0.6, 1.6), y + s), fill=col)
        else:
            bd.polygon([(x, y), (x + s, y + rng.uniform(-s, s)), (x + rng.uniform(-s, s), y + s)], fill=col)
    lab.paste(block, (bx0, by0))
    x = 20  # barcode
    while x < 180:
        bar = int(rng.integers(2, 7))
        if rng.random() < 0.6:
            ld.rectangle((x, 590, x + bar, 650), fill=(10, 10, 10))
        x += bar + int(rng.integers(1, 4))
    _pil_text(ld, (20 + 80, 664), "8 051234 567890", 13, (30, 30, 30))
    _pil_text(ld, (270, 605), "30 ml", 30, (15, 15, 15))
    _pil_text(ld, (270, 640), "1 fl oz", 20, (70, 70, 70))
    ld.rectangle((0, 0, lw - 1, lh - 1), outline=(20, 20, 20), width=3)
    img.paste(lab, (lx0, ly0))
    return np.asarray(img).copy()


def _draw_nesto() -> np.ndarray:
    """Kitchen organiser: a white box with three coloured drawers and a patterned NESTO band."""
    w, h = 840, 600
    rng = np.random.default_rng(8)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rectangle((40, 560, 100, 598), fill=(60, 45, 35, 255))  # feet
    d.rectangle((740, 560, 800, 598), fill=(60, 45, 35, 255))
    d.rounded_rectangle((10, 10, w - 10, 570), radius=26, fill=(245, 242, 235, 255), outline=(40, 40, 40, 255), width=5)
    # Top band: pattern + brand
    d.rectangle((30, 30, w - 30, 200), fill=(35, 45, 60, 255))
    for k in range(0, 26):  # chevrons
        x = 40 + k * 30
        col = (255, 200, 40, 255) if k % 3 == 0 else (240, 90, 70, 255) if k % 3 == 1 else (90, 200, 170, 255)
        d.line((x, 60, x + 15, 45, x + 30, 60), fill=col, width=6)
    for _ in range(45):  # confetti dots
        x, y = rng.uniform(40, w - 40), rng.uniform(150, 192)
        s = rng.uniform(4, 12)
        d.ellipse((x, y, x + s, y + s), fill=(255, 200, 40, 255) if rng.random() < 0.5 else (90, 200, 170, 255))
    hx, hy = 120, 110  # logo: house with a nest
    d.polygon([(hx - 55, hy), (hx, hy - 48), (hx + 55, hy)], fill=(255, 200, 40, 255))
    d.rectangle((hx - 40, hy, hx + 40, hy + 38), fill=(255, 200, 40, 255))
    d.ellipse((hx - 24, hy + 2, hx + 24, hy + 32), fill=(35, 45, 60, 255))
    d.ellipse((hx - 14, hy + 6, hx + 0, hy + 20), fill=(250, 250, 250, 255))
    d.ellipse((hx + 0, hy + 8, hx + 14, hy + 22), fill=(250, 250, 250, 255))
    _pil_text(d, (450, 105), "NESTO", 96, (250, 250, 250, 255))
    _pil_text(d, (680, 135), "kitchen", 24, (255, 200, 40, 255))
    # Drawers
    cols = [(90, 200, 170), (240, 90, 70), (255, 200, 40)]
    labels = ["SPICES", "TEA", "JARS"]
    dw = (w - 80) // 3
    for k in range(3):
        x0 = 30 + k * (dw + 10)
        d.rounded_rectangle((x0, 220, x0 + dw, 545), radius=14, fill=(*cols[k], 255), outline=(40, 40, 40, 255), width=4)
        for j in range(6):  # wood-like stripes
            y = 250 + j * 45 + int(rng.integers(-6, 6))
            d.line((x0 + 12, y, x0 + dw - 12, y + int(rng.integers(-8, 8))), fill=(*[max(0, c - 45) for c in cols[k]], 255), width=3)
        d.rounded_rectangle((x0 + 40, 300, x0 + dw - 40, 360), radius=8, fill=(250, 250, 250, 255), outline=(30, 30, 30, 255), width=3)
        _pil_text(d, (x0 + dw / 2, 330), labels[k], 30, (30, 30, 30, 255))
        d.ellipse((x0 + dw / 2 - 22, 420, x0 + dw / 2 + 22, 464), fill=(45, 45, 50, 255))
        d.ellipse((x0 + dw / 2 - 9, 433, x0 + dw / 2 + 9, 451), fill=(200, 200, 200, 255))
    return np.asarray(img).copy()


def write_reference_photos(products_dir: Path) -> list[Path]:
    """Front-on reference photos on plain backgrounds (and one angled view of the serum)."""
    products_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for name, (bw, bh), bg, pose in (
        ("glowa_front.jpg", (480, 640), (236, 236, 236), Pose(0.5, 0.5, 0.9, 0, 0)),
        ("glowa_angle.jpg", (480, 640), (232, 222, 205), Pose(0.5, 0.5, 0.84, 9, 0.28)),
        ("nesto_front.jpg", (600, 450), (236, 236, 236), None),
    ):
        canvas = np.full((bh, bw, 3), bg, np.uint8)
        shadow = canvas.copy()
        cv2.ellipse(shadow, (bw // 2, int(bh * 0.93)), (int(bw * 0.3), int(bh * 0.03)), 0, 0, 360, (200, 200, 200), -1)
        canvas = cv2.GaussianBlur(shadow, (0, 0), 6)
        if pose is None:  # the organiser is wide: scale it to 86 % of the width
            sprite = product_sprite("nesto")
            sh = int(round(sprite.shape[0] * bw * 0.86 / sprite.shape[1]))
            pose = Pose(0.5, 0.5, sh / bh, 0, 0)
            composite_product(canvas, sprite, pose)
        else:
            composite_product(canvas, product_sprite("glowa"), pose)
        path = products_dir / name
        Image.fromarray(canvas).save(path, quality=90, optimize=True)
        out.append(path)
    return out


def composite_product(frame: np.ndarray, sprite: np.ndarray, pose: Pose) -> float:
    """Warp `sprite` into `frame` (in place) at `pose`; returns the visible area as a frame fraction."""
    fh, fw = frame.shape[:2]
    sh0, sw0 = sprite.shape[:2]
    ph = pose.h * fh
    pw = ph * sw0 / sh0
    # Pre-shrink the sprite near its final size so the warp does not alias the fine label texture.
    scale = min(1.0, 1.25 * ph / sh0)
    if scale < 1.0:
        sprite = cv2.resize(sprite, (max(2, int(sw0 * scale)), max(2, int(sh0 * scale))), interpolation=cv2.INTER_AREA)
    sh, sw = sprite.shape[:2]
    k = max(-0.4, min(0.4, pose.yaw))
    half_w = pw / 2 * math.sqrt(1 - k * k)
    corners = np.array([[-half_w, -ph / 2 * (1 - k)], [half_w, -ph / 2 * (1 + k)], [half_w, ph / 2 * (1 + k)], [-half_w, ph / 2 * (1 - k)]])
    a = math.radians(pose.rot_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    dst = corners @ rot.T + np.array([pose.cx * fw, pose.cy * fh])
    x0, y0 = np.floor(dst.min(axis=0)).astype(int)
    x1, y1 = np.ceil(dst.max(axis=0)).astype(int) + 1
    x0c, y0c, x1c, y1c = max(0, x0), max(0, y0), min(fw, x1), min(fh, y1)
    if x1c <= x0c or y1c <= y0c:
        return 0.0
    src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32)
    m = cv2.getPerspectiveTransform(src, (dst - np.array([x0c, y0c])).astype(np.float32))
    warped = cv2.warpPerspective(sprite, m, (x1c - x0c, y1c - y0c), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    alpha = warped[:, :, 3:4].astype(np.float32) / 255.0
    roi = frame[y0c:y1c, x0c:x1c]
    roi[:] = (roi.astype(np.float32) * (1 - alpha) + warped[:, :, :3].astype(np.float32) * alpha + 0.5).astype(np.uint8)
    return float(alpha.sum()) / (fw * fh)


# ---------------------------------------------------------------------------------------------
# Scenes: painted backgrounds with ordinary objects (and look-alike bottles as decoys)
# ---------------------------------------------------------------------------------------------


def _vgrad(h: int, w: int, top: RGB, bottom: RGB) -> np.ndarray:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    col = np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t
    return np.repeat(col, w, axis=1)


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int, amp: float) -> np.ndarray:
    small = rng.standard_normal((cells, max(2, int(cells * w / h)))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)[:, :, None] * amp


def _jitter(rng: np.random.Generator, col: RGB, amount: int = 25) -> RGB:
    return tuple(int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255)) for c in col)  # type: ignore[return-value]


class _P:
    """Drawing in fractions of the canvas: x in [0,1] of width, y in [0,1] of height."""

    def __init__(self, img: np.ndarray):
        self.img = img
        self.h, self.w = img.shape[:2]
        self.u = min(self.w, self.h)

    def pt(self, x: float, y: float) -> tuple[int, int]:
        return int(round(x * self.w)), int(round(y * self.h))

    def rect(self, x0, y0, x1, y1, col, thick=-1):
        cv2.rectangle(self.img, self.pt(x0, y0), self.pt(x1, y1), col, thick if thick < 0 else max(1, int(thick * self.u)), cv2.LINE_AA)

    def circle(self, x, y, r, col, thick=-1):
        cv2.circle(self.img, self.pt(x, y), max(1, int(r * self.u)), col, thick if thick < 0 else max(1, int(thick * self.u)), cv2.LINE_AA)

    def ellipse(self, x, y, rx, ry, col, angle=0.0, thick=-1):
        cv2.ellipse(self.img, self.pt(x, y), (max(1, int(rx * self.u)), max(1, int(ry * self.u))), angle, 0, 360, col,
                    thick if thick < 0 else max(1, int(thick * self.u)), cv2.LINE_AA)

    def poly(self, pts, col):
        cv2.fillPoly(self.img, [np.array([self.pt(x, y) for x, y in pts], np.int32)], col, cv2.LINE_AA)

    def line(self, x0, y0, x1, y1, col, thick=0.004):
        cv2.line(self.img, self.pt(x0, y0), self.pt(x1, y1), col, max(1, int(thick * self.u)), cv2.LINE_AA)

    def text(self, s, x, y, size, col):
        scale = size * self.u / 30.0
        cv2.putText(self.img, s, self.pt(x, y), cv2.FONT_HERSHEY_DUPLEX, scale, col, max(1, int(scale * 1.6)), cv2.LINE_AA)

    def decoy_bottle(self, x, base_y, hh, body: RGB, label: RGB, name: str):
        """A plain look-alike bottle (different shape, flat label) to tempt false product matches."""
        ww = hh * self.h / self.u * 0.33
        self.rect(x - ww * 0.18, base_y - hh, x + ww * 0.18, base_y - hh * 0.8, (235, 235, 240))
        self.rect(x - ww / 2, base_y - hh * 0.8, x + ww / 2, base_y, body)
        self.rect(x - ww * 0.42, base_y - hh * 0.58, x + ww * 0.42, base_y - hh * 0.22, label)
        self.text(name, x - ww * 0.36, base_y - hh * 0.35, hh * 0.12 * self.h / self.u, (40, 40, 40))

    def jar(self, x, base_y, r, body: RGB, lid: RGB):
        self.rect(x - r, base_y - r * 1.4 * self.u / self.h, x + r, base_y, body)
        self.rect(x - r * 1.05, base_y - r * 1.8 * self.u / self.h, x + r * 1.05, base_y - r * 1.35 * self.u / self.h, lid)

    def plant(self, x, base_y, s, rng):
        pot = (186, 96, 60)
        self.poly([(x - s * 0.5, base_y - s * 0.55), (x + s * 0.5, base_y - s * 0.55), (x + s * 0.35, base_y), (x - s * 0.35, base_y)], pot)
        for _ in range(9):
            ang = float(rng.uniform(-70, 70))
            lx = x + float(rng.uniform(-0.35, 0.35)) * s
            ly = base_y - s * (0.75 + float(rng.uniform(0, 0.6)))
            self.ellipse(lx, ly, s * 0.09, s * 0.26, _jitter(rng, (50, 140, 60), 30), angle=ang)


def paint_scene(kind: str, w: int, h: int, seed: int) -> np.ndarray:
    """An RGB canvas of size (h, w) with a recognisable scene; same kind and seed, same picture."""
    rng = np.random.default_rng(seed)
    painters = {
        "bathroom": _scene_bathroom, "studio": _scene_studio, "vanity": _scene_vanity, "kitchen": _scene_kitchen,
        "bedroom": _scene_bedroom, "street": _scene_street, "park": _scene_park, "desk": _scene_desk,
        "pop": _scene_pop, "unboxing": _scene_unboxing, "counter": _scene_counter,
    }
    img = painters[kind](w, h, rng)
    return np.clip(img, 0, 255).astype(np.uint8) if img.dtype != np.uint8 else img


def _base(w, h, rng, top, bottom, noise=10.0) -> np.ndarray:
    img = _vgrad(h, w, _jitter(rng, top, 15), _jitter(rng, bottom, 15)) + _smooth_noise(rng, h, w, 6, noise)
    return np.clip(img, 0, 255).astype(np.uint8)


def _scene_bathroom(w, h, rng):
    walls = [(170, 210, 225), (225, 225, 215), (200, 225, 205)]
    img = _base(w, h, rng, walls[int(rng.integers(3))], (150, 170, 180))
    p = _P(img)
    tile = 0.09 * p.u
    grout = tuple(int(c * 0.8) for c in img[5, 5])
    for y in np.arange(0, 0.68 * h, tile):
        cv2.line(img, (0, int(y)), (w, int(y)), grout, max(1, int(p.u * 0.004)))
    for x in np.arange(0, w, tile):
        cv2.line(img, (int(x), 0), (int(x), int(0.68 * h)), grout, max(1, int(p.u * 0.004)))
    p.circle(0.72, 0.3, 0.17, (120, 110, 100))  # mirror
    p.circle(0.72, 0.3, 0.155, (205, 225, 235))
    p.line(0.66, 0.24, 0.74, 0.18, (245, 250, 255), 0.01)
    p.rect(0, 0.68, 1, 1, (232, 230, 226))  # marble counter
    for _ in range(14):
        x, y = rng.uniform(0, 1), rng.uniform(0.69, 1)
        pts = [p.pt(x + k * 0.05, y + float(rng.uniform(-0.01, 0.01))) for k in range(6)]
        cv2.polylines(img, [np.array(pts, np.int32)], False, (175, 175, 182), max(1, int(p.u * 0.004)), cv2.LINE_AA)
    p.rect(0, 0.675, 1, 0.69, (190, 188, 184))
    p.plant(0.13, 0.69, 0.16, rng)
    p.decoy_bottle(0.72, 0.72, 0.17, (120, 170, 220), (245, 245, 250), "AQUA")
    p.decoy_bottle(0.80, 0.71, 0.12, (230, 170, 190), (250, 250, 250), "LUMI")
    p.ellipse(0.28, 0.75, 0.07, 0.02, (245, 245, 240))  # soap dish
    p.ellipse(0.28, 0.74, 0.04, 0.012, (250, 200, 120))
    return img


def _scene_studio(w, h, rng):
    palettes = [((255, 200, 205), (235, 120, 140)), ((190, 235, 220), (80, 170, 160)), ((255, 225, 180), (240, 150, 80)), ((205, 200, 250), (120, 110, 210))]
    inner, outer = palettes[int(rng.integers(len(palettes)))]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((xx - w * 0.45) / w) ** 2 + ((yy - h * 0.45) / h) ** 2)[:, :, None] / 0.7
    img = np.array(inner, np.float32) * (1 - np.clip(r, 0, 1)) + np.array(outer, np.float32) * np.clip(r, 0, 1)
    layer = np.zeros_like(img)
    for _ in range(7):  # bokeh
        cv2.circle(layer, (int(rng.uniform(0, w)), int(rng.uniform(0, h * 0.6))), int(rng.uniform(0.06, 0.16) * min(w, h)), (40, 40, 40), -1)
    img = img + cv2.GaussianBlur(layer, (0, 0), min(w, h) * 0.03)
    img = np.clip(img, 0, 255).astype(np.uint8)
    p = _P(img)
    ped = tuple(int(c * 0.85) for c in outer)
    p.rect(0.2, 0.8, 0.7, 1.0, ped)  # pedestal
    p.ellipse(0.45, 0.8, 0.25 * p.w / p.u, 0.04, tuple(min(255, c + 30) for c in ped))
    p.circle(0.85, 0.2, 0.09, tuple(min(255, c + 40) for c in inner), thick=0.02)  # rings and shapes
    p.poly([(0.05, 0.55), (0.15, 0.45), (0.2, 0.6)], tuple(int(c * 0.7) for c in outer))
    return img


def _scene_vanity(w, h, rng):
    img = _base(w, h, rng, (245, 215, 200), (225, 180, 170))
    p = _P(img)
    p.ellipse(0.5, 0.28, 0.3 * p.w / p.u, 0.2, (200, 170, 120))  # oval mirror
    p.ellipse(0.5, 0.28, 0.28 * p.w / p.u, 0.185, (225, 235, 240))
    p.rect(0, 0.66, 1, 1, (150, 100, 65))  # wooden table with grain
    for k in range(22):
        y = 0.67 + k * 0.015
        pts = [p.pt(x / 20, y + 0.004 * math.sin(x * 0.9 + k)) for x in range(21)]
        cv2.polylines(img, [np.array(pts, np.int32)], False, (120, 78, 50), max(1, int(p.u * 0.003)), cv2.LINE_AA)
    p.rect(0.05, 0.58, 0.22, 0.67, (250, 250, 245))  # folded towel
    for k in range(4):
        p.rect(0.05, 0.59 + k * 0.02, 0.22, 0.595 + k * 0.02, (120, 170, 200))
    p.jar(0.8, 0.67, 0.05, (250, 230, 235), (200, 160, 60))
    p.jar(0.92, 0.67, 0.035, (240, 240, 250), (60, 60, 70))
    p.rect(0.66, 0.5, 0.7, 0.66, (90, 160, 90))  # vase with flowers
    for _ in range(6):
        p.circle(0.68 + rng.uniform(-0.05, 0.05), 0.48 + rng.uniform(-0.05, 0.02), 0.025, _jitter(rng, (240, 120, 150), 40))
    p.decoy_bottle(0.87, 0.67, 0.12, (180, 140, 220), (255, 255, 255), "NOVA")
    return img


def _scene_kitchen(w, h, rng):
    img = _base(w, h, rng, (240, 232, 210), (225, 215, 190), 6)
    p = _P(img)
    cab = _jitter(rng, (120, 150, 170), 30)
    for k in range(5):  # upper cabinets
        p.rect(0.02 + k * 0.2, 0.02, 0.2 + k * 0.2, 0.28, cab)
        p.rect(0.04 + k * 0.2, 0.04, 0.18 + k * 0.2, 0.26, tuple(min(255, c + 15) for c in cab))
        p.circle(0.17 + k * 0.2, 0.24, 0.008, (60, 60, 60))
    tile = 0.06 * p.u  # subway tile backsplash
    for r, y in enumerate(np.arange(0.33 * h, 0.62 * h, tile / 2)):
        cv2.line(img, (0, int(y)), (w, int(y)), (200, 200, 195), max(1, int(p.u * 0.003)))
        for x in np.arange((r % 2) * tile / 2, w, tile):
            cv2.line(img, (int(x), int(y)), (int(x), int(y + tile / 2)), (200, 200, 195), max(1, int(p.u * 0.003)))
    p.rect(0, 0.62, 1, 0.68, (70, 70, 75))  # counter top
    p.rect(0, 0.68, 1, 1, tuple(int(c * 0.85) for c in cab))  # lower cabinets
    for k in range(6):
        p.rect(0.01 + k * 0.167, 0.71, 0.16 + k * 0.167, 0.98, cab, thick=0.004)
    for k in range(3):  # jars and a kettle
        p.jar(0.08 + k * 0.07, 0.62, 0.025, (230, 225, 200), _jitter(rng, (180, 60, 50), 40))
    p.circle(0.82, 0.55, 0.06, (190, 190, 200))
    p.rect(0.78, 0.55, 0.86, 0.62, (190, 190, 200))
    p.line(0.88, 0.56, 0.92, 0.52, (170, 170, 180), 0.012)
    p.rect(0.55, 0.5, 0.68, 0.62, (170, 120, 70))  # cutting board
    p.plant(0.95, 0.62, 0.1, rng)
    return img


def _scene_bedroom(w, h, rng):
    img = _base(w, h, rng, _jitter(rng, (180, 160, 200), 40), (150, 130, 160))
    p = _P(img)
    p.rect(0.1, 0.1, 0.55, 0.45, (240, 240, 240))  # window
    sky = _vgrad(int(0.33 * h), int(0.42 * w), (90, 150, 230), (190, 220, 250)).astype(np.uint8)
    y0, x0 = int(0.115 * h), int(0.115 * w)
    img[y0:y0 + sky.shape[0], x0:x0 + sky.shape[1]] = sky
    for _ in range(3):
        p.ellipse(rng.uniform(0.15, 0.5), rng.uniform(0.15, 0.3), 0.06, 0.025, (250, 250, 250))
    p.line(0.325, 0.1, 0.325, 0.45, (240, 240, 240), 0.012)
    p.rect(0, 0.6, 1, 1, _jitter(rng, (70, 90, 160), 40))  # bed and blanket stripes
    for k in range(6):
        p.rect(0, 0.7 + k * 0.05, 1, 0.72 + k * 0.05, (240, 200, 90))
    p.ellipse(0.3, 0.6, 0.16, 0.05, (250, 250, 250))
    p.ellipse(0.68, 0.6, 0.16, 0.05, (250, 250, 250))
    p.poly([(0.8, 0.2), (0.95, 0.2), (0.99, 0.32), (0.76, 0.32)], (250, 220, 150))  # lamp
    p.rect(0.87, 0.32, 0.88, 0.55, (80, 80, 80))
    return img


def _scene_street(w, h, rng):
    img = _vgrad(h, w, _jitter(rng, (70, 130, 220), 30), (230, 180, 150)).astype(np.uint8)
    p = _P(img)
    p.circle(0.8, 0.15, 0.08, (255, 235, 150))
    x = 0.0
    while x < 1.0:
        bw = float(rng.uniform(0.12, 0.25))
        top = float(rng.uniform(0.25, 0.5))
        col = _jitter(rng, (110, 100, 120), 50)
        p.rect(x, top, x + bw, 0.8, col)
        for wy in np.arange(top + 0.03, 0.76, 0.05):
            for wx in np.arange(x + 0.02, x + bw - 0.03, 0.05):
                p.rect(wx, wy, wx + 0.025, wy + 0.025, (255, 225, 120) if rng.random() < 0.5 else (60, 70, 90))
        x += bw + 0.01
    p.rect(0, 0.8, 1, 1, (60, 60, 65))
    for k in range(8):
        p.rect(k * 0.14, 0.89, k * 0.14 + 0.07, 0.905, (240, 240, 240))
    return img


def _scene_park(w, h, rng):
    img = _vgrad(h, w, (120, 190, 240), (210, 235, 250)).astype(np.uint8)
    p = _P(img)
    p.circle(0.2, 0.12, 0.07, (255, 240, 170))
    p.ellipse(0.2, 0.75, 0.7, 0.25, _jitter(rng, (110, 180, 90), 20))
    p.ellipse(0.85, 0.8, 0.6, 0.25, _jitter(rng, (80, 160, 70), 20))
    p.rect(0, 0.8, 1, 1, (90, 170, 80))
    for k in range(4):
        x = 0.12 + k * 0.25 + float(rng.uniform(-0.05, 0.05))
        p.rect(x - 0.015, 0.55, x + 0.015, 0.82, (110, 80, 50))
        for _ in range(4):
            p.circle(x + rng.uniform(-0.06, 0.06), 0.5 + rng.uniform(-0.06, 0.03), 0.07, _jitter(rng, (50, 130, 60), 25))
    p.poly([(0.45, 1.0), (0.55, 1.0), (0.52, 0.8), (0.5, 0.8)], (220, 200, 160))
    return img


def _scene_desk(w, h, rng):
    img = _base(w, h, rng, _jitter(rng, (210, 225, 200), 30), (180, 190, 170))
    p = _P(img)
    p.rect(0.05, 0.2, 0.95, 0.23, (120, 90, 60))  # shelf with books
    x = 0.07
    while x < 0.9:
        bw = float(rng.uniform(0.02, 0.045))
        p.rect(x, 0.2 - rng.uniform(0.08, 0.14), x + bw, 0.2, _jitter(rng, (150, 80, 80), 80))
        x += bw + 0.004
    p.rect(0, 0.65, 1, 1, (190, 150, 100))  # desk
    p.poly([(0.55, 0.64), (0.95, 0.64), (0.98, 0.68), (0.52, 0.68)], (60, 60, 65))  # laptop
    p.rect(0.58, 0.42, 0.92, 0.64, (50, 50, 55))
    p.rect(0.6, 0.44, 0.9, 0.62, (90, 140, 200))
    p.rect(0.08, 0.56, 0.16, 0.66, (245, 245, 245))  # mug
    p.circle(0.17, 0.6, 0.025, (245, 245, 245), thick=0.01)
    p.rect(0.2, 0.7, 0.4, 0.78, (230, 80, 80))  # notebook and pen
    p.line(0.25, 0.84, 0.42, 0.8, (30, 30, 120), 0.01)
    return img


def _scene_counter(w, h, rng):
    img = _base(w, h, rng, (60, 100, 80), (40, 75, 60), 8)  # dark green wall, open shelves
    p = _P(img)
    for y in (0.22, 0.42):
        p.rect(0.3, y, 1.0, y + 0.025, (200, 170, 130))
        x = 0.33
        while x < 0.95:  # plates and cups on the shelves
            if rng.random() < 0.5:
                p.ellipse(x + 0.03, y - 0.06, 0.028 * p.h / p.u, 0.06, (240, 240, 235))
                x += 0.05
            else:
                p.rect(x, y - 0.07, x + 0.04, y, _jitter(rng, (220, 120, 90), 40))
                x += 0.06
    p.rect(0.04, 0.08, 0.24, 0.52, (235, 235, 225))  # window
    p.rect(0.055, 0.1, 0.225, 0.5, (150, 200, 235))
    p.line(0.14, 0.1, 0.14, 0.5, (235, 235, 225), 0.012)
    p.rect(0, 0.62, 1, 1, (175, 125, 80))  # wooden counter top, seen from slightly above
    for k in range(18):
        y = 0.63 + k * 0.021
        pts = [p.pt(x / 20, y + 0.005 * math.sin(x * 0.7 + k * 1.1)) for x in range(21)]
        cv2.polylines(img, [np.array(pts, np.int32)], False, (140, 95, 60), max(1, int(p.u * 0.003)), cv2.LINE_AA)
    p.ellipse(0.2, 0.72, 0.12, 0.035, (240, 240, 240))  # fruit bowl
    for k in range(5):
        p.circle(0.15 + k * 0.025, 0.69 - (k % 2) * 0.015, 0.028, (245, 150, 30))
    p.decoy_bottle(0.88, 0.7, 0.22, (200, 190, 80), (250, 250, 240), "OLIO")
    return img


def _scene_pop(w, h, rng):
    cols = [(255, 60, 120), (255, 210, 0), (0, 190, 220), (120, 70, 220), (40, 40, 40)]
    order = rng.permutation(len(cols))
    img = np.full((h, w, 3), cols[order[0]], np.uint8)
    p = _P(img)
    for k in range(-2, 14):  # diagonal bands
        x = k * 0.12
        p.poly([(x, 0), (x + 0.06, 0), (x + 0.06 - 0.5, 1), (x - 0.5, 1)], cols[order[1]])
    p.circle(0.65, 0.45, 0.3, cols[order[2]])
    p.circle(0.65, 0.45, 0.18, cols[order[3]])
    pts = [(0.05 + k * 0.08, 0.85 + (0.04 if k % 2 else 0)) for k in range(12)]
    cv2.polylines(img, [np.array([p.pt(*q) for q in pts], np.int32)], False, cols[order[4]], max(2, int(p.u * 0.02)), cv2.LINE_AA)
    return img


def _scene_unboxing(w, h, rng):
    img = _base(w, h, rng, (200, 160, 115), (170, 130, 90), 8)  # wooden desk seen from above
    p = _P(img)
    for k in range(30):
        y = k / 30
        pts = [p.pt(x / 20, y + 0.006 * math.sin(x * 1.3 + k * 0.7)) for x in range(21)]
        cv2.polylines(img, [np.array(pts, np.int32)], False, (150, 110, 75), max(1, int(p.u * 0.003)), cv2.LINE_AA)
    p.poly([(0.18, 0.62), (0.8, 0.62), (0.86, 0.95), (0.12, 0.95)], (190, 150, 95))  # open cardboard box
    p.poly([(0.18, 0.62), (0.8, 0.62), (0.72, 0.66), (0.26, 0.66)], (120, 90, 55))
    p.poly([(0.18, 0.62), (0.05, 0.5), (0.2, 0.48), (0.3, 0.62)], (205, 165, 110))
    p.poly([(0.8, 0.62), (0.95, 0.5), (0.8, 0.48), (0.7, 0.62)], (205, 165, 110))
    p.rect(0.44, 0.66, 0.54, 0.95, (215, 190, 140))  # tape
    p.poly([(0.22, 0.6), (0.4, 0.52), (0.5, 0.6)], (250, 240, 245))  # tissue paper
    p.circle(0.1, 0.2, 0.035, (220, 60, 60), thick=0.01)  # scissors
    p.circle(0.16, 0.2, 0.035, (220, 60, 60), thick=0.01)
    p.line(0.12, 0.17, 0.3, 0.05, (170, 170, 180), 0.012)
    p.line(0.14, 0.17, 0.26, 0.03, (170, 170, 180), 0.012)
    p.decoy_bottle(0.88, 0.4, 0.16, (250, 250, 250), (120, 200, 200), "MIST")
    return img


# ---------------------------------------------------------------------------------------------
# Frame rendering
# ---------------------------------------------------------------------------------------------


def _smoothstep(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3 - 2 * u)


def _lerp_pose(a: Pose, b: Pose, u: float) -> Pose:
    return Pose(*(x + (y - x) * u for x, y in zip((a.cx, a.cy, a.h, a.rot_deg, a.yaw), (b.cx, b.cy, b.h, b.rot_deg, b.yaw))))


class ShotRenderer:
    """Background of one shot: a painted canvas seen through a moving camera, plus drifting shapes."""

    def __init__(self, shot: Shot, width: int, height: int, duration_s: float):
        self.shot, self.w, self.h, self.duration_s = shot, width, height, duration_s
        self.cw, self.ch = int(width * CANVAS_MARGIN), int(height * CANVAS_MARGIN)
        self.canvas = paint_scene(shot.scene, self.cw, self.ch, shot.seed)
        rng = np.random.default_rng(shot.seed + 1000)
        fast = shot.motion == "fast"
        self.z0, self.z1 = (1.0, 1.0) if shot.motion == "static" else (1.0, float(rng.uniform(1.12, 1.25) if fast else rng.uniform(1.03, 1.07)))
        if rng.random() < 0.5:
            self.z0, self.z1 = self.z1, self.z0
        span = 0.9 if fast else 0.35
        self.p0 = rng.uniform(-span, span, 2) if shot.motion != "static" else np.zeros(2)
        self.p1 = rng.uniform(-span, span, 2) if shot.motion != "static" else np.zeros(2)
        if fast:  # make sure the pan is large
            self.p1 = -np.sign(self.p0) * np.abs(self.p1).clip(0.5)
        self.shake = {"fast": 0.01, "handheld": 0.006}.get(shot.motion, 0.0)
        n = {"static": 0, "slow": 5, "fast": 9, "handheld": 4}[shot.motion]
        u = min(width, height)
        self.particles = [
            (rng.uniform(0, width), rng.uniform(0, height), rng.uniform(-1, 1) * (0.9 if fast else 0.06) * u,
             rng.uniform(-1, 1) * (0.9 if fast else 0.06) * u, rng.uniform(0.012, 0.035 if fast else 0.02) * u,
             tuple(int(c) for c in rng.integers(150, 256, 3)), bool(rng.random() < 0.4 and fast))
            for _ in range(n)
        ]

    def scene_to_frame(self, pose: Pose) -> Pose:
        """A scene-anchored pose (canvas cx, base line cy) as a frame pose for the current camera."""
        z, cam_x, cam_y = self.camera
        base_x = self.w / 2 + z * (pose.cx * self.cw - cam_x)
        base_y = self.h / 2 + z * (pose.cy * self.ch - cam_y)
        h_frac = pose.h * z
        return Pose(base_x / self.w, base_y / self.h - h_frac / 2, h_frac, pose.rot_deg, pose.yaw)

    def render(self, t_s: float, shot_end_s: float) -> np.ndarray:
        dur = max(1e-6, shot_end_s - self.shot.start_s)
        u = (t_s - self.shot.start_s) / dur
        if self.shot.motion != "fast":
            u = _smoothstep(u)
        z = self.z0 + (self.z1 - self.z0) * u
        pan = self.p0 + (self.p1 - self.p0) * u
        half_w, half_h = self.w / (2 * z), self.h / (2 * z)
        cx = self.cw / 2 + pan[0] * (self.cw / 2 - half_w)
        cy = self.ch / 2 + pan[1] * (self.ch / 2 - half_h)
        if self.shake:
            cx += self.shake * self.w * (math.sin(t_s * 7.3 + self.shot.seed) + 0.5 * math.sin(t_s * 17.1))
            cy += self.shake * self.h * 0.6 * (math.sin(t_s * 5.9 + 2 * self.shot.seed) + 0.5 * math.sin(t_s * 13.3))
            cx = min(max(cx, half_w), self.cw - half_w)
            cy = min(max(cy, half_h), self.ch - half_h)
        self.camera = (z, cx, cy)
        m = np.array([[z, 0, self.w / 2 - z * cx], [0, z, self.h / 2 - z * cy]], np.float32)
        frame = cv2.warpAffine(self.canvas, m, (self.w, self.h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        dt = t_s - self.shot.start_s
        for x0, y0, vx, vy, r, col, square in self.particles:
            x = (x0 + vx * dt) % (self.w + 2 * r) - r
            y = (y0 + vy * dt) % (self.h + 2 * r) - r
            if square:
                a = dt * 3 + x0
                box = cv2.boxPoints(((x, y), (2 * r, 2 * r), math.degrees(a)))
                cv2.fillPoly(frame, [box.astype(np.int32)], col, cv2.LINE_AA)
            else:
                cv2.circle(frame, (int(x), int(y)), int(r), col, -1, cv2.LINE_AA)
        return frame


@dataclass
class RenderLog:
    """What the renderer actually drew, frame by frame."""

    product_area: list[float] = field(default_factory=list)
    overlay_frames: dict[int, list[int]] = field(default_factory=dict)
    overlay_boxes: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    cut_frames: list[int] = field(default_factory=list)


def _frame_range(start_s: float, end_s: float) -> range:
    return range(int(round(start_s * FPS)), int(round(end_s * FPS)))


def render_frames(spec: SampleSpec, log: RenderLog):
    """Yield upright RGB frames of `spec` and fill `log` with what each one shows."""
    w, h = spec.width, spec.height
    n_frames = int(round(spec.duration_s * FPS))
    shot_starts = [int(round(s.start_s * FPS)) for s in spec.shots]
    if shot_starts[0] != 0 or shot_starts != sorted(set(shot_starts)):
        raise ValueError(f"{spec.name}: shots must start at 0 and be increasing")
    log.cut_frames = shot_starts[1:]
    sprites = [fit_text_sprite(ov, w, h) for ov in spec.overlays]
    positions = []
    for k, (ov, sp) in enumerate(zip(spec.overlays, sprites)):
        sh, sw = sp.rgba.shape[:2]
        x = int(round(0.45 * w - sw / 2))  # centred in the safe band [0.05, 0.85] of the width
        y = int(round(ov.y_frac * h))
        ix, iy, iw, ih = sp.ink_box
        box = (x + ix, y + iy, iw, ih)
        if box[0] < 0 or box[0] + box[2] > SAFE_RIGHT_FRAC * w or box[1] + box[3] > SAFE_BOTTOM_FRAC * h:
            raise ValueError(f"{spec.name}: overlay {ov.text!r} leaves the safe zone: {box}")
        if ih < MIN_TEXT_INK_FRAC * h:
            raise ValueError(f"{spec.name}: overlay {ov.text!r} is too small ({ih} px high); split it into lines")
        positions.append((x, y))
        log.overlay_boxes[k] = box
        log.overlay_frames[k] = []
    sprite = product_sprite(PRODUCTS[spec.product].draw) if spec.product else None
    current, renderer = -1, None
    for i in range(n_frames):
        t_s = i / FPS
        k = max(j for j, s in enumerate(shot_starts) if s <= i)
        if k != current:
            current, renderer = k, ShotRenderer(spec.shots[k], w, h, spec.duration_s)
        end_s = shot_starts[k + 1] / FPS if k + 1 < len(shot_starts) else spec.duration_s
        frame = renderer.render(t_s, end_s)
        area = 0.0
        if sprite is not None:
            for seg in spec.product_segs:
                if i in _frame_range(seg.t0_s, seg.t1_s):
                    u = _smoothstep((t_s - seg.t0_s) / max(1e-6, seg.t1_s - seg.t0_s))
                    pose = _lerp_pose(seg.pose0, seg.pose1, u)
                    grow = 1.0 if not seg.pop_in_s else 0.35 + 0.65 * _smoothstep((t_s - seg.t0_s) / seg.pop_in_s)
                    pose = Pose(pose.cx + seg.bob * math.sin(t_s * 4.1), pose.cy + seg.bob * math.sin(t_s * 3.3 + 1), pose.h * grow,
                                pose.rot_deg + 40 * seg.bob * math.sin(t_s * 2.7), pose.yaw)
                    if seg.anchor == "scene":
                        pose = renderer.scene_to_frame(pose)
                    area = composite_product(frame, sprite, pose)
                    break
        log.product_area.append(area)
        for k2, (ov, sp) in enumerate(zip(spec.overlays, sprites)):
            if i in _frame_range(ov.start_s, ov.end_s):
                x, y = positions[k2]
                sh, sw = sp.rgba.shape[:2]
                roi = frame[y:y + sh, x:x + sw]
                a = sp.rgba[:, :, 3:4].astype(np.float32) / 255.0
                roi[:] = (roi.astype(np.float32) * (1 - a) + sp.rgba[:, :, :3].astype(np.float32) * a + 0.5).astype(np.uint8)
                log.overlay_frames[k2].append(i)
        yield frame


# ---------------------------------------------------------------------------------------------
# Audio: espeak-ng utterances on a timeline, music bed, room tone
# ---------------------------------------------------------------------------------------------


def require_espeak() -> str:
    exe = shutil.which("espeak-ng")
    if not exe:
        raise RuntimeError("espeak-ng not found on PATH; install it: apt-get install espeak-ng")
    return exe


def synth_utterance(text: str, voice: str, speed_wpm: int, workdir: Path) -> np.ndarray:
    """espeak-ng speech as float32 at SPEECH_SR, silence trimmed at TRIM_THRESHOLD, peak SPEECH_PEAK."""
    wav_path = workdir / "utt.wav"
    subprocess.run([require_espeak(), "-v", voice, "-s", str(speed_wpm), "-w", str(wav_path), text], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with wave.open(str(wav_path)) as wf:
        if wf.getsampwidth() != 2 or wf.getnchannels() != 1:
            raise RuntimeError("unexpected espeak-ng wav format")
        sr = wf.getframerate()
        x = np.frombuffer(wf.readframes(wf.getnframes()), np.int16).astype(np.float32) / 32768.0
    if sr != SPEECH_SR:
        n = int(round(len(x) * SPEECH_SR / sr))
        x = np.interp(np.arange(n) * sr / SPEECH_SR, np.arange(len(x)), x).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > TRIM_THRESHOLD)
    if loud.size == 0:
        raise RuntimeError(f"espeak-ng produced silence for {text!r}")
    x = x[loud[0]:loud[-1] + 1]
    return (x * (SPEECH_PEAK / np.abs(x).max())).astype(np.float32)


def music_bed(n: int, rng: np.random.Generator) -> np.ndarray:
    """Soft sine chords (Am F C G, 2 s each, crossfaded), peak normalised to 1."""
    chords = [(220.0, 261.63, 329.63), (174.61, 220.0, 261.63), (261.63, 329.63, 392.0), (196.0, 246.94, 293.66)]
    t = np.arange(n, dtype=np.float64) / SPEECH_SR
    out = np.zeros(n, np.float64)
    chord_s, fade_s = 2.0, 0.3
    for k in range(int(math.ceil(n / SPEECH_SR / chord_s)) + 1):
        t0 = k * chord_s
        env = np.clip((t - t0 + fade_s) / fade_s, 0, 1) * np.clip((t0 + chord_s + fade_s - t) / fade_s, 0, 1)
        if k == 0:
            env = np.clip((t0 + chord_s + fade_s - t) / fade_s, 0, 1)  # full level from the first sample
        idx = np.flatnonzero(env)
        for f in chords[k % len(chords)]:
            out[idx] += env[idx] * np.sin(2 * np.pi * f * t[idx] + float(rng.uniform(0, 0.01)))
    return (out / np.abs(out).max()).astype(np.float32)


def room_tone(n: int, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(n + 64).astype(np.float32)
    smooth = np.convolve(noise, np.ones(8, np.float32) / 8, mode="same")[:n]
    return smooth * (ROOM_TONE_RMS / float(np.sqrt(np.mean(smooth ** 2))))


def build_audio(spec: SampleSpec, workdir: Path) -> tuple[np.ndarray, list[dict]]:
    """The mixed mono timeline (float32 at SPEECH_SR) and the utterances as placed."""
    n = int(round(spec.duration_s * SPEECH_SR))
    mix = np.zeros(n, np.float32)
    rng = np.random.default_rng(sum(map(ord, spec.name)))  # fixed per sample, independent of PYTHONHASHSEED
    placed: list[dict] = []
    prev_end = 0
    gap = int(MIN_GAP_S * SPEECH_SR)
    for k, utt in enumerate(spec.utterances):
        x = synth_utterance(utt.text, spec.voice or "en-us", spec.speed_wpm, workdir)
        start = int(round(utt.start_s * SPEECH_SR)) if utt.start_s is not None else prev_end + 2 * gap
        if placed:
            start = max(start, prev_end + gap)
        end = start + len(x)
        if utt.optional:
            later = [u.start_s for u in spec.utterances[k + 1:] if u.start_s is not None and not u.optional]
            limit = int(round(later[0] * SPEECH_SR)) - gap if later else n - int(0.15 * SPEECH_SR)
            if end > limit:
                continue
        if end > n - int(0.15 * SPEECH_SR):
            raise ValueError(f"{spec.name}: utterance {utt.text!r} ends at {end / SPEECH_SR:.2f} s, past the video end")
        mix[start:end] += x
        prev_end = end
        placed.append({"start_s": round(start / SPEECH_SR, 3), "end_s": round(end / SPEECH_SR, 3), "text": utt.text, "cta": utt.cta})
    if spec.music_bed_from_s is not None:
        s0 = int(round(spec.music_bed_from_s * SPEECH_SR))
        mix[s0:] += music_bed(n - s0, rng) * SPEECH_PEAK * 10 ** (-BED_BELOW_SPEECH_DB / 20)
    if spec.room_tone_from_s is not None:
        s0 = int(round(spec.room_tone_from_s * SPEECH_SR))
        mix[s0:] += room_tone(n - s0, rng)
    return np.clip(mix, -1.0, 1.0), placed


def write_wav(path: Path, x: np.ndarray, sr: int = SPEECH_SR) -> None:
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(sr)
        wf.writeframes((np.round(x * 32767.0)).astype(np.int16).tobytes())


def first_sound_s(x: np.ndarray, sr: int = SPEECH_SR) -> float:
    """Seconds of exact digital silence at the start of the (int16-quantised) timeline."""
    q = np.round(x * 32767.0).astype(np.int16)
    nz = np.flatnonzero(q)
    return round((nz[0] if nz.size else len(q)) / sr, 3)


# ---------------------------------------------------------------------------------------------
# Encoding and probing
# ---------------------------------------------------------------------------------------------


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def encode(spec: SampleSpec, frames, wav_path: Path | None, out_path: Path, workdir: Path) -> None:
    """Pipe RGB frames into ffmpeg (libx264 yuv420p, AAC mono), then add a display matrix if asked."""
    rotate = spec.display_rotation % 360
    if rotate not in (0, 270):
        raise ValueError("only display rotation 0 or 270 (-90) is supported")
    stored_w, stored_h = (spec.height, spec.width) if rotate else (spec.width, spec.height)
    target = workdir / "stored.mp4" if rotate else out_path
    cmd = [ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{stored_w}x{stored_h}", "-r", str(FPS), "-i", "-"]
    if wav_path is not None:
        cmd += ["-i", str(wav_path), "-map", "0:v:0", "-map", "1:a:0", "-c:a", "aac", "-b:a", f"{spec.audio_kbps}k",
                "-ac", "1", "-ar", str(AUDIO_OUT_SR)]
    cmd += ["-c:v", "libx264", "-preset", spec.preset, "-crf", str(spec.crf), "-pix_fmt", "yuv420p", "-profile:v", "high",
            "-threads", str(spec.x264_threads), "-map_metadata", "-1", "-fflags", "+bitexact", "-movflags", "+faststart", str(target)]
    err_path = workdir / "ffmpeg.log"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=err)
        try:
            for frame in frames:
                if rotate:  # stored picture is the upright one turned 90 degrees counter-clockwise
                    frame = np.rot90(frame, k=1)
                proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        finally:
            proc.stdin.close()
            rc = proc.wait()
    if rc != 0:
        raise RuntimeError(f"ffmpeg failed ({rc}): {err_path.read_text(errors='replace')[-2000:]}")
    if rotate:
        # -display_rotation is counter-clockwise degrees: -90 is what iPhone portrait clips carry.
        cmd = [ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error", "-display_rotation:v:0", str(rotate - 360), "-i", str(target),
               "-map", "0", "-c", "copy", "-map_metadata", "-1", "-fflags", "+bitexact", "-movflags", "+faststart", str(out_path)]
        subprocess.run(cmd, check=True)


def probe(path: Path) -> dict:
    """Display size, rotation (0..359), codec, fps, duration and audio presence, as PyAV sees them."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        first = next(c.decode(v))
        rotation = int(round(first.rotation or 0)) % 360
        w, h = v.codec_context.width, v.codec_context.height
        if rotation in (90, 270):
            w, h = h, w
        rate = float(v.average_rate)
        return {
            "width": w,
            "height": h,
            "rotation": rotation,
            "codec": v.codec_context.name,
            "fps": int(round(rate)) if abs(rate - round(rate)) < 1e-3 else round(rate, 3),
            "duration_s": round(c.duration / av.time_base, 3),
            "has_audio": bool(c.streams.audio),
        }


def _intervals(frames: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive frame indices as (first, last+1)."""
    runs: list[tuple[int, int]] = []
    for i in frames:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def build_sample(spec: SampleSpec, out_path: Path) -> dict:
    """Render, encode and measure one sample; returns its expected.json entry."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if spec.forbidden_words:
        words = " ".join([u.text for u in spec.utterances] + [o.text for o in spec.overlays]).lower()
        bad = [w for w in spec.forbidden_words if w in words.replace("'", " ").replace(",", " ").split()]
        if bad:
            raise ValueError(f"{spec.name}: forbidden words present: {bad}")
    with tempfile.TemporaryDirectory(prefix="vidscore_samples_") as tmp:
        workdir = Path(tmp)
        wav_path, placed, silence_until = None, [], None
        if spec.has_audio:
            mix, placed = build_audio(spec, workdir)
            wav_path = workdir / "audio.wav"
            write_wav(wav_path, mix)
            silence_until = first_sound_s(mix)
        log = RenderLog()
        encode(spec, render_frames(spec, log), wav_path, out_path, workdir)
    info = probe(out_path)
    overlays = []
    for k, ov in enumerate(spec.overlays):
        runs = _intervals(log.overlay_frames[k])
        x, y, bw, bh = log.overlay_boxes[k]
        box = [round(x / spec.width, 4), round(y / spec.height, 4), round(bw / spec.width, 4), round(bh / spec.height, 4)]
        for a, b in runs:
            overlays.append({"text": ov.text, "start_s": round(a / FPS, 3), "end_s": round(b / FPS, 3), "box_frac": box, "cta": ov.cta})
    product = None
    if spec.product:
        visible = []
        shown = [i for i, a in enumerate(log.product_area) if a > 0]
        for a, b in _intervals(shown):
            visible.append({"start_s": round(a / FPS, 3), "end_s": round(b / FPS, 3), "max_area_frac": round(max(log.product_area[a:b]), 4)})
        p = PRODUCTS[spec.product]
        product = {"name": p.name, "reference": p.reference, "visible": visible}
    entry = {
        "description": spec.description,
        **info,
        "language": spec.language if spec.has_audio else None,
        "speech": [{k: u[k] for k in ("start_s", "end_s", "text")} for u in placed],
        "silence_until_s": silence_until,
        "cuts_s": [round(f / FPS, 3) for f in log.cut_frames],
        "text_overlays": [{k: o[k] for k in ("text", "start_s", "end_s", "box_frac")} for o in overlays],
        "product": product,
        "cta": {
            "spoken": [{"text": u["text"], "start_s": u["start_s"], "end_s": u["end_s"]} for u in placed if u["cta"]],
            "on_screen": [{"text": o["text"], "start_s": o["start_s"], "end_s": o["end_s"]} for o in overlays if o["cta"]],
        },
        "key_phrases": list(spec.key_phrases),
    }
    _check_entry(spec, entry)
    return entry


def _check_entry(spec: SampleSpec, entry: dict) -> None:
    """The encoded file must be what the spec asked for."""
    problems = []
    if (entry["width"], entry["height"]) != (spec.width, spec.height):
        problems.append(f"display size {entry['width']}x{entry['height']}")
    if entry["rotation"] != spec.display_rotation % 360:
        problems.append(f"rotation {entry['rotation']}")
    if entry["has_audio"] != spec.has_audio:
        problems.append(f"has_audio {entry['has_audio']}")
    if abs(entry["duration_s"] - spec.duration_s) > 0.1:
        problems.append(f"duration {entry['duration_s']}")
    if entry["codec"] != "h264" or entry["fps"] != FPS:
        problems.append(f"codec/fps {entry['codec']} {entry['fps']}")
    if problems:
        raise RuntimeError(f"{spec.name}: encoded file differs from its spec: {', '.join(problems)}")


def build_bench_clip(out_path, width: int = 1080, height: int = 1920, duration_s: float = 30.0) -> dict:
    """Write a strong-style benchmark ad (H.264 + AAC) to `out_path`; returns its ground truth entry.

    Not committed: `scripts/bench.py` builds it on demand to time the pipeline on a realistic
    30 s 1080x1920 clip.
    """
    require_espeak()
    return build_sample(bench_spec(width, height, duration_s), Path(out_path))


# ---------------------------------------------------------------------------------------------
# README and CLI
# ---------------------------------------------------------------------------------------------


def readme_text(expected: dict) -> str:
    rows = []
    for name, e in expected["samples"].items():
        size = f"{e['width']}x{e['height']}" + (f" (stored rotated, display matrix {e['rotation']})" if e["rotation"] else "")
        audio = "none (no stream)" if not e["has_audio"] else f"{e['language']}, {len(e['speech'])} utterances"
        prod = "-" if not e["product"] else ", ".join(f"{v['start_s']:g}-{v['end_s']:g} s (max {v['max_area_frac']:.0%})" for v in e["product"]["visible"])
        cta = ", ".join([f"said {c['start_s']:g} s" for c in e["cta"]["spoken"]] + [f"shown \"{c['text']}\" {c['start_s']:g} s" for c in e["cta"]["on_screen"]]) or "none"
        rows.append(f"| `{name}` | {size}, {e['duration_s']:g} s | {audio} | {len(e['cuts_s'])} | {len(e['text_overlays'])} | {prod} | {cta} | {e['description']} |")
    return "\n".join([
        "# Sample videos",
        "",
        "Synthetic short ads, drawn and voiced by `scripts/make_samples.py` (OpenCV/Pillow pictures, espeak-ng",
        "speech, H.264 + AAC via the ffmpeg from imageio-ffmpeg). `expected.json` holds what each one contains,",
        "measured while rendering (speech times from the placed, silence-trimmed utterances; overlay boxes and",
        "product screen share from the composited frames) and from the encoded file (size, rotation, duration,",
        "probed with PyAV). Tests read `expected.json`; do not edit it by hand.",
        "",
        "| file | display size, length | audio | cuts | text overlays | product visible | CTA | what it is |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Products: `products/glowa_front.jpg` (the Glowa serum bottle, front-on; `products/glowa_angle.jpg` is an",
        "extra view at an angle) and `products/nesto_front.jpg` (the Nesto kitchen organiser in `slow_landscape.mp4`).",
        "Scenes also hold look-alike bottles (AQUA, LUMI, NOVA, MIST) to tempt false product matches.",
        "",
        "Conventions: times in seconds from the start; `box_frac` is `[x, y, w, h]` of the rendered glyphs (outline",
        "included) as fractions of the display frame; `width`/`height` are the display size after rotation and",
        "`rotation` is PyAV's `frame.rotation` normalised to 0..359; `silence_until_s` is the length of exact digital",
        "silence at the start (null without audio); `max_area_frac` is the product's largest screen share.",
        "",
        "Regenerate (needs espeak-ng: `apt-get install espeak-ng`):",
        "",
        "    python scripts/make_samples.py",
        "",
        "A longer benchmark clip (not committed): `python scripts/make_samples.py --bench-clip /tmp/bench.mp4`.",
        "",
    ])


def dump_json(obj) -> str:
    """Indented JSON with short lists of numbers (box_frac, cuts_s) kept on one line."""
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    text = re.sub(r"\[\s+([-0-9.eE,\s]+?)\s+\]", lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text)
    return text + "\n"


def build_all(out_dir: Path, only: list[str] | None = None) -> dict:
    require_espeak()
    specs = sample_specs()
    names = [s.name for s in specs]
    unknown = sorted(set(only or []) - set(names))
    if unknown:
        raise SystemExit(f"unknown sample(s): {', '.join(unknown)}; known: {', '.join(names)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_reference_photos(out_dir / "products")
    exp_path = out_dir / "expected.json"
    previous = json.loads(exp_path.read_text())["samples"] if only and exp_path.exists() else {}
    samples = {}
    for spec in specs:
        if only and spec.name not in only:
            if spec.name in previous:
                samples[spec.name] = previous[spec.name]
            continue
        print(f"building {spec.name} ...", flush=True)
        samples[spec.name] = build_sample(spec, out_dir / spec.name)
    expected = {"schema": 1, "generator": "scripts/make_samples.py", "samples": samples}
    exp_path.write_text(dump_json(expected))
    (out_dir / "README.md").write_text(readme_text(expected))
    return expected


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="output folder (default: samples/)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="build only these samples, keep the other entries")
    ap.add_argument("--bench-clip", type=Path, metavar="PATH", help="write only the benchmark clip to PATH")
    ap.add_argument("--bench-size", default="1080x1920", metavar="WxH")
    ap.add_argument("--bench-duration", type=float, default=30.0, metavar="SECONDS")
    args = ap.parse_args(argv)
    try:
        if args.bench_clip:
            w, h = (int(v) for v in args.bench_size.lower().split("x"))
            entry = build_bench_clip(args.bench_clip, w, h, args.bench_duration)
            print(json.dumps({str(args.bench_clip): entry}, indent=2))
            return 0
        build_all(args.out, args.only)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
