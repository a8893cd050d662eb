"""The criteria catalog: every check vidscore makes, its thresholds, weight and fix, in one place.

Scoring, diagnosis, the reports and `vidscore criteria` all read this list. Thresholds are the
tiktok defaults; a platform preset (`PLATFORMS`) and the user's `vidscore.toml` may override them.
Anchors: Google's ABCD ("attract, brand, connect, direct") findings for YouTube ads, TikTok's ad
specs and safe zones, CreativeX, and "Engagement that sells" (Marketing Science, 2025).
"""

from __future__ import annotations

from typing import Mapping

from vidscore.criteria.base import PILLARS, Criterion

C = Criterion

CATALOG: tuple[Criterion, ...] = (
    # ------------------------------------------------------------------ hook: the first seconds
    C("hook_start_1s", "hook", "Starts at once",
      "Speech or on-screen text starts within the first second.",
      {"max_s": 1.0, "zero_s": 3.0}, 2.0,
      "Open with words: say the hook or put a text hook on screen in the very first second; cut any silent lead-in.",
      anchor="ABCD: attract in the first seconds"),
    C("hook_speech_3s", "hook", "Voice within 3 s",
      "A word is spoken within the first 3 seconds.",
      {"max_s": 3.0, "zero_s": 6.0}, 1.0,
      "Start talking within 3 s: a spoken hook holds viewers better than music alone.",
      needs=("speech",), anchor="ABCD: speech within the first 5 s"),
    C("hook_dynamic_start", "hook", "Dynamic start",
      "The first shot ends (a cut) before 3 seconds, or the picture moves at least like a handheld camera "
      "(motion energy >= 0.25) in the first 3 seconds.",
      {"max_s": 3.0, "zero_s": 6.0, "min_motion": 0.25}, 1.0,
      "Cut to a second shot before 3 s, or open on movement (a hand, a zoom, the product in action).",
      needs=("shots",), anchor="ABCD: first shot shorter than 3 s"),
    C("hook_face_3s", "hook", "Face early",
      "A human face is visible within the first 3 seconds.",
      {"max_s": 3.0, "zero_s": 6.0}, 1.0,
      "Show a person's face in the first 3 s: people stop for people.",
      needs=("faces",), anchor="ABCD / VidMob: human presence early"),
    C("hook_line", "hook", "Hook line",
      "The opening words (first 3 s, said or written) are a hook: a question, a bold claim or number, "
      "direct 'you', a problem, or a pattern interrupt ('stop scrolling').",
      {"window_s": 3.0}, 1.5,
      "Open with a line that speaks to the viewer's problem or curiosity: a question, a number, a bold claim "
      "or 'stop scrolling', said and written.",
      anchor="UGC hook patterns"),
    C("product_first_3s", "hook", "Product in hook",
      "The product is shown or named within the first 3 seconds.",
      {"max_s": 3.0, "zero_s": 8.0}, 1.5,
      "Show the product or say its name in the first 3 s, so the viewers who stay know what it is for.",
      needs=("product",), anchor="ABCD: brand/product in the first 5 s"),
    C("hook_audio_start", "hook", "Sound at once",
      "The sound starts at once: no silent lead-in.",
      {"max_silence_s": 0.5, "zero_s": 2.0}, 0.5,
      "Trim the silent start: sound (voice or music) should begin on the first frame.",
      needs=("audio_track",), anchor="TikTok creative best practice"),
    # ------------------------------------------------------------------ product exposure
    C("product_first_seen", "product", "Product seen early",
      "The product is on screen early in the video.",
      {"max_s": 5.0, "zero_s": 12.0}, 1.5,
      "Bring the product on screen within the first 5 s; a story that shows it only at the end sells less.",
      needs=("product_photos",), anchor="ABCD: product in the first 5 s"),
    C("product_screen_time", "product", "Screen time",
      "The product is on screen for at least 40 % of the video.",
      {"min_frac": 0.4, "zero_frac": 0.05}, 1.5,
      "Keep the product in frame for longer: use it, hold it, show it in the background of talking shots.",
      needs=("product_photos",), anchor="Engagement that sells (2025): product-focused content"),
    C("product_size", "product", "Product size",
      "While visible, the product fills on average at least 10 % of the frame.",
      {"min_area_frac": 0.10, "zero_area_frac": 0.01}, 1.0,
      "Bring the product closer to the camera; a small product in a wide shot is not noticed.",
      needs=("product_photos",), anchor="CreativeX: product prominence"),
    C("product_closeup", "product", "Close-up",
      "At least one close-up where the product fills 30 % or more of the frame.",
      {"min_area_frac": 0.30, "zero_area_frac": 0.05}, 1.0,
      "Add a close-up shot where the product fills a third of the frame (label readable).",
      needs=("product_photos",), anchor="BulkAiBCD: close-up >= 30 % of frame"),
    C("product_end", "product", "Product at the end",
      "The product is visible in the last 5 seconds.",
      {"last_s": 5.0}, 1.0,
      "End on the product (with the call to action), so the last picture is the thing to buy.",
      needs=("product_photos",), anchor="ABCD: brand at the end"),
    C("product_named_speech", "product", "Named aloud",
      "The product or brand name is said aloud.",
      {}, 1.0,
      "Say the product's name aloud at least once (ideally while it is on screen).",
      needs=("speech", "product_names"), anchor="ABCD: brand mentioned in audio"),
    C("product_named_text", "product", "Name on screen",
      "The product or brand name is written on screen (overlay or readable label).",
      {}, 0.5,
      "Put the product's name on screen as a text overlay, or show its label readably.",
      needs=("product_names",), anchor="ABCD: brand on screen"),
    C("product_seen_and_said", "product", "Seen and said",
      "The product is named aloud while it is on screen.",
      {"tolerance_s": 1.0}, 1.0,
      "Say the product's name while it is in frame: seeing and hearing it together makes it stick.",
      needs=("speech", "product_names", "product_photos"), anchor="ABCD: seen and said"),
    C("offer", "product", "Offer or price",
      "An offer, price or urgency is stated: a price, % off, free shipping, a code, 'today only'.",
      {}, 1.0,
      "Give a reason to buy now: the price, the discount, free shipping or a time limit, said and shown.",
      anchor="TikTok Shop: promotions"),
    # ------------------------------------------------------------------ call to action
    C("cta_spoken", "cta", "CTA said",
      "A call to action is said aloud ('tap the orange cart', 'link in bio', 'shop now', 'use code').",
      {}, 1.5,
      "Tell viewers what to do, aloud: 'tap the orange cart to get yours' or 'link in bio'.",
      needs=("speech",), anchor="ABCD: direct; TikTok Shop phrasing"),
    C("cta_text", "cta", "CTA on screen",
      "A call to action is written on screen.",
      {}, 1.5,
      "Put the call to action on screen as text ('Shop now', 'Tap the cart') for viewers watching muted.",
      anchor="ABCD: direct with a text CTA"),
    C("cta_after_product", "cta", "CTA after product",
      "The first call to action comes after the product has been shown.",
      {}, 1.0,
      "Show the product before asking viewers to buy; a call to action before the product asks for nothing concrete.",
      needs=("product_photos",), anchor="funnel order: interest, then action"),
    C("cta_final_third", "cta", "CTA at the end",
      "A call to action lands in the final third of the video.",
      {"from_frac": 0.667}, 1.0,
      "Close with the call to action in the last third, when the viewer has decided.",
      anchor="ABCD: direct at the end"),
    C("cta_repeated", "cta", "CTA repeated",
      "The call to action comes at least twice (said and shown, or at two moments).",
      {"min_count": 2.0}, 0.5,
      "Repeat the call to action: say it and show it, or say it mid-video and again at the end.",
      anchor="direct-response practice"),
    C("cta_readable", "cta", "CTA readable",
      "On-screen call-to-action text is tall enough to read on a phone (box height >= 3 % of the frame).",
      {"min_height_frac": 0.03}, 0.5,
      "Make the on-screen call to action bigger: at least 3 % of the frame height.",
      anchor="TikTok text legibility"),
    C("cta_safe_zone", "cta", "CTA in safe zone",
      "On-screen call-to-action text is inside the platform's safe zone (not under the app's buttons and caption).",
      {"right_frac": 0.15, "bottom_frac": 0.20, "top_frac": 0.0, "left_frac": 0.0}, 0.5,
      "Move the call-to-action text away from the right edge and the bottom of the frame, where the app's buttons and caption cover it.",
      anchor="TikTok safe zone"),
    # ------------------------------------------------------------------ format
    C("format_vertical", "format", "Vertical",
      "The picture is vertical 9:16 (height / width >= 1.7).",
      {"min_ratio": 1.7, "zero_ratio": 1.0}, 2.0,
      "Shoot or crop to vertical 9:16 (e.g. 1080x1920); landscape video shows as a small strip in the feed.",
      anchor="TikTok ad specs: 9:16"),
    C("format_resolution", "format", "Resolution",
      "The picture is at least 540x960 (short side >= 540 px).",
      {"min_short_px": 540.0, "zero_short_px": 240.0}, 1.0,
      "Export at 1080x1920 (at least 540x960).",
      anchor="TikTok ad specs: >= 540x960"),
    C("format_length", "format", "Length",
      "The video lasts 9 to 60 seconds.",
      {"min_s": 9.0, "max_s": 60.0}, 1.0,
      "Cut the video to 9-60 s: shorter cannot tell the story, longer loses viewers before the call to action.",
      anchor="TikTok ad specs: 9-60 s recommended"),
    C("format_audio", "format", "Has sound",
      "The video has a sound track that is not silent.",
      {"min_loudness_db": -50.0}, 2.0,
      "Add sound: a voice-over or music. TikTok is watched with sound on and its ads require audio.",
      anchor="TikTok ad specs: audio required"),
    C("format_captions", "format", "Captions",
      "Captions or text overlays are present.",
      {"min_overlays": 1.0}, 1.0,
      "Add captions or text overlays: many viewers watch muted.",
      anchor="CreativeX: captions"),
    C("format_text_safe_zone", "format", "Text in safe zone",
      "Text overlays stay inside the safe zone (clear of the app's buttons on the right and caption at the bottom).",
      {"right_frac": 0.15, "bottom_frac": 0.20, "top_frac": 0.0, "left_frac": 0.0, "min_inside_frac": 0.9}, 1.0,
      "Move text away from the right 15 % and the bottom 20 % of the frame.",
      anchor="TikTok safe zone"),
    C("format_pacing", "format", "Pacing",
      "Quick pacing: the mean shot lasts at most 5 seconds.",
      {"max_mean_shot_s": 5.0, "zero_mean_shot_s": 12.0}, 1.0,
      "Cut tighter: change the shot (angle, close-up, b-roll) every 2-5 s.",
      needs=("shots",), anchor="ABCD: quick pacing"),
)

BY_ID: dict[str, Criterion] = {c.id: c for c in CATALOG}

# Platform presets: threshold overrides ("criterion.threshold": value) on top of the tiktok defaults.
# Safe zones: TikTok keeps the right 15 % and bottom 20 % for its buttons and caption; Reels covers
# about 14 % at the top and 35 % at the bottom; Shorts about 15 % on the right and 25 % at the bottom.
PLATFORMS: dict[str, dict[str, float]] = {
    "tiktok": {},
    "reels": {
        "format_length.max_s": 90.0,
        **{f"{cid}.{key}": value for cid in ("cta_safe_zone", "format_text_safe_zone")
           for key, value in (("top_frac", 0.14), ("bottom_frac", 0.35), ("right_frac", 0.06), ("left_frac", 0.06))},
    },
    "shorts": {
        "format_length.max_s": 60.0,
        **{f"{cid}.{key}": value for cid in ("cta_safe_zone", "format_text_safe_zone")
           for key, value in (("top_frac", 0.10), ("bottom_frac", 0.25), ("right_frac", 0.15))},
    },
}
DEFAULT_PLATFORM = "tiktok"


# A pass bound and the bound where the score reaches 0. When only the pass bound is changed (by a
# preset or the user), the zero bound moves by as much, so the score keeps falling the right way.
ZERO_BOUND_OF = {"max_s": "zero_s", "max_silence_s": "zero_s", "min_frac": "zero_frac",
                 "min_area_frac": "zero_area_frac", "min_ratio": "zero_ratio", "min_short_px": "zero_short_px",
                 "max_mean_shot_s": "zero_mean_shot_s"}


def thresholds_for(criterion: Criterion, platform: str = DEFAULT_PLATFORM,
                   overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The criterion's thresholds: catalog defaults, then the platform preset, then the user's overrides."""
    values = dict(criterion.thresholds)
    changed: dict[str, float] = {}
    for key, value in PLATFORMS[platform].items():
        cid, _, name = key.partition(".")
        if cid == criterion.id:
            changed[name] = value
    changed.update(overrides or {})
    for name, value in changed.items():
        zero = ZERO_BOUND_OF.get(name)
        if zero in values and zero not in changed:
            values[zero] = max(0.0, values[zero] + value - values[name])
        values[name] = value
    return values


def _check_catalog() -> None:
    ids = [c.id for c in CATALOG]
    assert len(ids) == len(set(ids)), "duplicate criterion id"
    assert all(c.pillar in PILLARS for c in CATALOG), "unknown pillar"
    for preset in PLATFORMS.values():
        for key in preset:
            cid, _, name = key.partition(".")
            assert name in BY_ID[cid].thresholds, key


_check_catalog()

# Diagnosis patterns read these (vidscore/diagnosis.py): what counts as a strong or weak pillar, and
# how many overall points make a finding high or medium severity. "Late" is product_first_seen failing.
DIAGNOSIS_THRESHOLDS: dict[str, float] = {
    "strong_hook_min": 60.0,  # hook score from which the video is likely to get views
    "weak_pillar_max": 50.0,  # a pillar at or below this is weak
    "high_impact_points": 10.0,  # overall points a fix would gain: high severity from here
    "medium_impact_points": 4.0,
}
