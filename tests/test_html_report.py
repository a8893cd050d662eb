"""The HTML report: self-contained, escaped, complete, and rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest

import vidscore
from vidscore.cache import SignalCache
from vidscore.config_file import load_config
from vidscore.media.frames import frames_at
from vidscore.media.probe import probe
from vidscore.reports.html_report import render_compare_html, render_html, timeline_svg
from vidscore.reports.keyframes import keyframes
from vidscore.scoring import score_video

EVIL_FILE_NAME = "<img src=x onerror=alert(1)>.mp4"
EVIL_OCR_TEXT = "<script>alert(2)</script>"
EVIL_MESSAGE = '<b onmouseover="alert(3)">bold</b>'
PILLAR_NAMES = ("Hook", "Product", "Call to action", "Format", "Overall")
SUBPROCESS_TIMEOUT_S = 60
MIN_SCREENSHOT_BYTES = 10_000
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0")


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def config(samples_dir):
    loaded = load_config(samples_dir / "vidscore.toml")
    return vidscore.AnalyzeConfig(products=loaded.products, scoring=loaded.scoring, speech=vidscore.SpeechSettings())


@pytest.fixture(scope="module")
def analysed(samples_dir, config, tmp_path_factory):
    """views_no_sales.mp4 and strong.mp4 analysed (with speech), by sample name."""
    cache = SignalCache(tmp_path_factory.mktemp("signal-cache"))
    return {name: vidscore.analyze(samples_dir / name, config, cache=cache) for name in ("views_no_sales.mp4", "strong.mp4")}


def _with_evil_ocr(result, config):
    """`result` with one later text overlay (not part of the hook) reading `EVIL_OCR_TEXT`, re-scored so
    the text also reaches the criteria evidence."""
    track = result.signals.text
    index = next(i for i, line in enumerate(track.lines) if line.start_s > 3.0 and "GLOWA" not in line.text.upper())
    lines = list(track.lines)
    lines[index] = dataclasses.replace(lines[index], text=EVIL_OCR_TEXT)
    signals = dataclasses.replace(result.signals, text=dataclasses.replace(track, lines=tuple(lines)))
    return score_video(dataclasses.replace(result, signals=signals), config)


@pytest.fixture(scope="module")
def results(analysed, config, tmp_path_factory):
    """A folder's worth: the views-but-no-sales video (with hostile OCR text), the strong one, and a
    failed one whose file name is an HTML injection."""
    evil = tmp_path_factory.mktemp("evil") / EVIL_FILE_NAME
    evil.write_bytes(b"")
    failed = vidscore.analyze(evil, config)
    assert not failed.ok
    return [_with_evil_ocr(analysed["views_no_sales.mp4"], config), analysed["strong.mp4"], failed]


@pytest.fixture(scope="module")
def report_html(results) -> str:
    return render_html(results, title="Spring <campaign> & co")


@pytest.fixture(scope="module")
def report_file(report_html, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(report_html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return path


def run_chromium(chromium: str, profile_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with a fresh profile, its log (console messages included) on stderr."""
    return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", *args],
                          capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S, check=False)


class DomScan(HTMLParser):
    """The elements (tag, attributes) and the visible text of an HTML document."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._hidden_depth = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style", "title"):
            self._hidden_depth += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title") and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth:
            self.text.append(data)

    @property
    def visible_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]


def assert_self_contained(markup: str) -> None:
    """Nothing is fetched: no remote or relative src/href, one inline script, images as data: URIs."""
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", markup, re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=", markup, re.I)
    assert not re.search(r"<link\b|@import|url\(", markup, re.I)
    assert "http://" not in markup and "https://" not in markup
    dom = DomScan(markup)
    assert len(dom.tags("script")) == 1
    assert all((img.get("src") or "").startswith("data:image/jpeg;base64,") for img in dom.tags("img"))
    assert all((a.get("href") or "").startswith("#") for a in dom.tags("a"))


# ---------------------------------------------------------------------------------- static HTML


def test_report_is_self_contained(report_html):
    assert report_html.startswith("<!DOCTYPE html>")
    assert_self_contained(report_html)
    assert len(DomScan(report_html).tags("img")) >= 6  # keyframes of the two readable videos


def test_untrusted_text_is_escaped(report_html):
    for raw in (EVIL_FILE_NAME, EVIL_OCR_TEXT, "Spring <campaign>"):
        assert raw not in report_html
    assert "&lt;img src=x onerror=alert(1)&gt;.mp4" in report_html
    assert report_html.count("&lt;script&gt;alert(2)&lt;/script&gt;") >= 2  # timeline tooltip and evidence
    assert "Spring &lt;campaign&gt; &amp; co" in report_html
    dom = DomScan(report_html)
    assert not [img for img in dom.tags("img") if "onerror" in img]
    assert all(tag not in ("img", "script") or "alert" not in str(attrs) for tag, attrs in dom.elements)


def test_report_holds_every_part(report_html, results):
    dom = DomScan(report_html)
    text = dom.visible_text
    assert "Views but no conversions" in text
    assert all(name in text for name in PILLAR_NAMES)
    assert "file is empty (0 bytes)" in text  # the failed video's error, in the summary and its section
    assert len(dom.tags("details")) == 3 and len(dom.tags("svg")) == 2  # a timeline per analysed video
    summary_rows = [tr for tr in dom.tags("tr") if tr.get("data-target")]
    assert [tr["data-target"] for tr in summary_rows] == ["video-1", "video-2", "video-3"]
    assert {d["id"] for d in dom.tags("details")} == {"video-1", "video-2", "video-3"}
    for lane in ("Speech", "On-screen text", "Product: Glowa serum", "Faces", "Cuts", "Call to action", "Loudness"):
        assert f">{lane}</text>" in report_html
    # strong.mp4 says "Tap the link in bio" and names the serum: both marked in its transcript
    cta_marks = re.findall(r'<mark class="cta"[^>]*>([^<]*)</mark>', report_html)
    product_marks = re.findall(r'<mark class="product"[^>]*>([^<]*)</mark>', report_html)
    assert any("Tap the link in bio" in m for m in cta_marks), cta_marks
    assert any("serum" in m.lower() for m in product_marks), product_marks
    assert not any("Stop" in m for m in cta_marks + product_marks)
    # every criterion of the analysed videos is listed with its verdict
    for result in results[:2]:
        assert len(result.criteria) >= 25
    assert report_html.count('<tr class="pass">') + report_html.count('<tr class="fail">') + \
        report_html.count('<tr class="na">') == sum(len(r.criteria) for r in results)


def test_keyframes_of_a_sample(analysed, tmp_path):
    strong = analysed["strong.mp4"]
    frames = keyframes(strong, max_side_px=200)
    labels = [f.label for f in frames]
    assert labels[0].startswith("Start") and labels[-1] == "End"
    assert any("First cut" in label for label in labels)
    assert any("Glowa serum first seen" in label for label in labels)
    assert any(label.startswith("CTA") and "Tap the link in bio" in label for label in labels)
    times_s = [f.t_s for f in frames]
    assert times_s == sorted(times_s) and all(b - a >= 0.9 for a, b in zip(times_s, times_s[1:]))
    assert abs(times_s[-1] - (strong.media.duration_s - 1 / strong.media.fps)) < 0.05
    for frame in frames:
        image = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and max(image.shape[:2]) == 200 and image.shape[0] > image.shape[1]  # upright 9:16
    moved = dataclasses.replace(strong, file=str(tmp_path / "gone.mp4"))
    assert keyframes(moved) == []


def test_frames_at_picks_the_nearest_upright_frame(make_clip, rotate_flag):
    clip = rotate_flag(make_clip("landscape.mp4", size="320x240", seconds=2.0, fps=10, audio=False), 90)
    media = probe(clip)
    frames = frames_at(clip, media, [1.04, 0.0, 5.0, 1.04], max_side_px=160)
    assert [round(f.t_s, 2) for f in frames] == [1.0, 0.0, 1.9, 1.0]
    assert all(f.image.shape[:2] == (160, 120) for f in frames)  # shown upright: portrait


def test_shared_time_axis(analysed):
    strong = analysed["strong.mp4"]
    own, doubled = timeline_svg(strong), timeline_svg(strong, axis_s=2 * strong.media.duration_s)
    assert "after the end of this video" in doubled and "after the end" not in own
    assert re.search(r'viewBox="0 0 1000 ', own) and re.search(r'viewBox="0 0 1000 ', doubled)


def test_compare_page(analysed, results):
    strong, views = analysed["strong.mp4"], results[0]
    differences = {views.file: [{"message": EVIL_MESSAGE, "impact_points": 12.34, "criterion": "product_first_seen"},
                                {"message": "No call to action", "impact_points": 20.0, "criterion": "cta_spoken"},
                                {"message": "The draft has a face early", "impact_points": -4.0, "criterion": "hook_face_3s",
                                 "draft_better": True}]}
    markup = render_compare_html([views, strong, results[2]], strong.file, differences)
    assert_self_contained(markup)
    assert EVIL_MESSAGE not in markup and "&lt;b onmouseover=&quot;alert(3)&quot;&gt;bold&lt;/b&gt;" in markup
    assert EVIL_OCR_TEXT not in markup and EVIL_FILE_NAME not in markup
    text = DomScan(markup).visible_text
    assert "+12 Product seen early" in text and "+20 CTA said No call to action" in text and "reference" in text
    assert "draft better Face early" in text and "-4" not in text
    assert markup.count('<svg class="tl"') == 2  # the failed video has no timeline
    assert text.index("strong.mp4") < text.index("views_no_sales.mp4")  # the reference comes first


# ---------------------------------------------------------------------------------- in a browser


def test_report_in_headless_chromium(chromium, report_file, tmp_path):
    url = report_file.as_uri()
    dumped = run_chromium(chromium, tmp_path / "profile-dom", "--dump-dom", url)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert "Uncaught" not in dumped.stderr, dumped.stderr[-2000:]
    dom = DomScan(dumped.stdout)
    text = dom.visible_text
    for expected in ("views_no_sales.mp4", "strong.mp4", EVIL_FILE_NAME, EVIL_OCR_TEXT, "Views but no conversions",
                     *PILLAR_NAMES):
        assert expected in text, expected
    assert not [img for img in dom.tags("img") if "onerror" in img]  # the file name stayed text
    assert not [s for s in dom.tags("script") if s.get("src")] and len(dom.tags("script")) == 1
    body = dom.tags("body")[0]
    assert body.get("data-ready") == "1"  # the inline script ran to its end

    png = tmp_path / "report.png"
    shot = run_chromium(chromium, tmp_path / "profile-shot", f"--screenshot={png}", "--window-size=1280,2400", url)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert "Uncaught" not in shot.stderr, shot.stderr[-2000:]
    assert png.exists() and png.stat().st_size > MIN_SCREENSHOT_BYTES
    print(f"screenshot: {png}")


def test_compare_page_in_headless_chromium(chromium, analysed, tmp_path):
    strong, views = analysed["strong.mp4"], analysed["views_no_sales.mp4"]
    page = tmp_path / "compare.html"
    page.write_text(render_compare_html([strong, views], strong.file, {views.file: []}), encoding="utf-8")
    dumped = run_chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dumped.returncode == 0 and "Uncaught" not in dumped.stderr, dumped.stderr[-2000:]
    assert DomScan(dumped.stdout).tags("body")[0].get("data-ready") == "1"
