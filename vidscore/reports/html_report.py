"""The HTML report: one self-contained file (inline CSS, SVG and JPEG data URIs) that opens offline.

`render_html` writes the folder summary and one section per video (scores, findings, keyframes, a
timeline of the signals, the transcript with the call to action and product names marked, every
criterion); `render_compare_html` puts drafts side by side on one shared time axis. Everything that
comes from a video or a file (names, speech, OCR text, evidence, messages) goes through `_e`, which
escapes for both text and attribute positions; no data is ever written into the script or the CSS.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from vidscore import __version__
from vidscore.criteria.base import PILLARS, CriterionResult, Evidence
from vidscore.criteria.catalog import BY_ID
from vidscore.diagnosis import Diagnosis
from vidscore.reports.keyframes import CTA_CRITERIA, Keyframe, keyframes as make_keyframes
from vidscore.reports.terminal import FAIR_SCORE, GOOD_SCORE, display_name
from vidscore.result import VideoResult
from vidscore.signals.audio_features import SILENCE_DB
from vidscore.signals.speech import Word

PILLAR_LABELS = {"hook": "Hook", "product": "Product", "cta": "Call to action", "format": "Format", "overall": "Overall"}
SCORE_COLUMNS = (*PILLARS, "overall")
PRODUCT_MENTION_CRITERIA = ("product_named_speech", "product_named_text")
SAID_PREFIX = "said"  # evidence heard in the speech reads 'said: "..."'
OPEN_SECTIONS_MAX_VIDEOS = 3  # with more videos only the first section starts open (the summary links open the others)
THUMB_MAX_SIDE_PX = 360
SPAN_MIN_S = 0.05  # evidence shorter than this is a moment ("3.0 s"), not a span ("3.0-5.0 s")
OVERLAP_EPS_S = 0.01  # evidence times are rounded to ms; words touching a span's edge are not in it

# Timeline geometry, in SVG user units (the SVG scales to the page width).
SVG_WIDTH = 1000.0
LABEL_GUTTER = 150.0
RIGHT_PAD = 14.0
LANE_HEIGHT = 18.0
LANE_GAP = 6.0
TEXT_ROW_HEIGHT = 9.0
TEXT_MAX_ROWS = 4
LOUDNESS_LANE_HEIGHT = 34.0
AXIS_HEIGHT = 24.0
TOP_PAD = 6.0
MIN_MARK_WIDTH = 1.5  # a span narrower than this (a word at a long time scale) is still visible
LOUDNESS_FLOOR_DB = SILENCE_DB  # the loudness lane runs from silence (bottom) to 0 dBFS (top)


def _e(value: object) -> str:
    """Escape anything for HTML text and for quoted attribute values."""
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------------------------- formatting


def _score_band(value: float | None) -> str:
    if value is None:
        return "na"
    return "good" if value >= GOOD_SCORE else "fair" if value >= FAIR_SCORE else "poor"


def _score_pill(value: float | None) -> str:
    text = "n/a" if value is None else f"{value:.0f}"
    return f'<span class="score {_score_band(value)}">{text}</span>'


def _seconds(t_s: float) -> str:
    return f"{t_s:.1f} s"


def _span_text(start_s: float, end_s: float) -> str:
    if end_s - start_s < SPAN_MIN_S:
        return _seconds(start_s)
    return f"{start_s:.1f}–{end_s:.1f} s"


def _value_text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v) for v in value) or "none"
    return str(value)


def _status_badge(passed: bool | None) -> str:
    kind, text = ("na", "n/a") if passed is None else ("pass", "pass") if passed else ("fail", "fail")
    return f'<span class="badge {kind}">{text}</span>'


def _severity_badge(severity: str) -> str:
    kind = severity if severity in ("high", "medium", "low") else "low"
    return f'<span class="badge {kind}">{_e(severity)}</span>'


def _criterion_title(criterion_id: str) -> str:
    entry = BY_ID.get(criterion_id)
    return entry.title if entry is not None else criterion_id


def _breakable(name: str) -> str:
    """A file name escaped, with line-break chances after path separators and underscores."""
    return _e(name).replace("/", "/<wbr>").replace("_", "_<wbr>")


def _evidence_list(evidence: Sequence[Evidence]) -> str:
    if not evidence:
        return ""
    items = "".join(f'<li><span class="t">{_span_text(ev.start_s, ev.end_s)}</span> {_e(ev.what)}</li>' for ev in evidence)
    return f'<ul class="evidence">{items}</ul>'


# ---------------------------------------------------------------------------------- page frame

CSS = """
:root{--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--bg:#f6f8fa;--card:#fff;--head:#f0f3f6;
--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--fair:#9a6700;--fair-bg:#fff8c5;
--na:#6e7781;--na-bg:#eaeef2;--accent:#0969da;--accent-bg:#ddf4ff;--medium:#bc4c00;}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 24px 48px}
h1{font-size:24px;margin:0}
h2{font-size:18px;margin:28px 0 10px}
h3{font-size:15px;margin:20px 0 8px}
h4{font-size:14px;margin:16px 0 6px;display:flex;gap:8px;align-items:center}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
.muted{color:var(--muted)}
.small{font-size:12px}
header.page{display:flex;justify-content:space-between;align-items:flex-end;gap:16px;flex-wrap:wrap;
border-bottom:1px solid var(--border);padding-bottom:12px;margin-bottom:8px}
.toolbar button{font:inherit;font-size:12px;padding:3px 10px;border:1px solid var(--border);border-radius:6px;
background:var(--card);color:var(--fg);cursor:pointer;margin-left:6px}
.table-wrap{overflow-x:auto;border:1px solid var(--border);border-radius:8px;background:var(--card)}
table{border-collapse:collapse;width:100%}
th,td{padding:7px 10px;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
tr:last-child>td{border-bottom:0}
th{background:var(--head);font-weight:600;white-space:nowrap;font-size:13px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:hover{background:#e6eaef}
table.sortable th::after{content:" \\2195";color:#afb8c1;font-size:11px}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2";color:var(--fg)}
table.sortable th[aria-sort=descending]::after{content:" \\25BC";color:var(--fg)}
tr[data-target]{cursor:pointer}
tr[data-target]:hover>td{background:#f6f8fa}
td.file{font-weight:600;overflow-wrap:break-word;min-width:200px;max-width:320px}
td.finding{min-width:260px;max-width:460px}
.clamp{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.error{color:var(--fail)}
.score{display:inline-block;min-width:2.4em;padding:0 7px;border-radius:10px;font-weight:600;text-align:center;
font-variant-numeric:tabular-nums}
.score.good{background:var(--pass-bg);color:var(--pass)}
.score.fair{background:var(--fair-bg);color:var(--fair)}
.score.poor{background:var(--fail-bg);color:var(--fail)}
.score.na{background:var(--na-bg);color:var(--na)}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:11px;font-weight:700;text-transform:uppercase;
letter-spacing:.03em;line-height:18px;white-space:nowrap;vertical-align:1px}
.badge.high{background:var(--fail);color:#fff}
.badge.medium{background:var(--medium);color:#fff}
.badge.low{background:var(--accent-bg);color:var(--accent)}
.badge.pass{background:var(--pass-bg);color:var(--pass)}
.badge.fail{background:var(--fail-bg);color:var(--fail)}
.badge.na{background:var(--na-bg);color:var(--na)}
.badge.ref{background:var(--fg);color:#fff}
details.video{background:var(--card);border:1px solid var(--border);border-radius:10px;margin:16px 0;
box-shadow:0 1px 2px rgba(31,35,40,.06)}
details.video>summary{padding:12px 16px;cursor:pointer;display:flex;gap:12px;align-items:center;flex-wrap:wrap;
list-style:none;border-radius:10px}
details.video>summary::-webkit-details-marker{display:none}
details.video>summary::before{content:"\\25B8";color:var(--muted);transition:transform .15s}
details.video[open]>summary::before{transform:rotate(90deg)}
details.video[open]>summary{border-bottom:1px solid var(--border);border-radius:10px 10px 0 0}
details.video>summary .name{font-size:16px;font-weight:700;overflow-wrap:anywhere}
.body{padding:4px 20px 20px}
.facts{color:var(--muted);font-size:13px;margin:10px 0 0}
.warn{background:var(--fair-bg);color:var(--fair);border-radius:6px;padding:6px 10px;margin:10px 0 0;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(5,minmax(120px,1fr));gap:12px;margin-top:14px}
.card{border:1px solid var(--border);border-radius:8px;padding:10px 12px;background:var(--card)}
.card .label{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:28px;font-weight:700;line-height:1.2;font-variant-numeric:tabular-nums}
.card .value small{font-size:13px;color:var(--muted);font-weight:400}
.card.overall{border-width:2px}
.card.good .value{color:var(--pass)} .card.fair .value{color:var(--fair)} .card.poor .value{color:var(--fail)}
.card.na .value{color:var(--na)}
.bar{height:6px;background:var(--na-bg);border-radius:3px;margin-top:6px;overflow:hidden}
.bar>span{display:block;height:100%}
.good .bar>span{background:var(--pass)} .fair .bar>span{background:#d4a72c} .poor .bar>span{background:var(--fail)}
ol.findings{list-style:none;margin:0;padding:0}
ol.findings>li{border:1px solid var(--border);border-left:4px solid var(--accent);border-radius:6px;padding:8px 12px;
margin:8px 0;background:var(--card)}
ol.findings>li.high{border-left-color:var(--fail)}
ol.findings>li.medium{border-left-color:var(--medium)}
.finding-head{display:flex;gap:8px;align-items:baseline}
.impact{margin-left:auto;white-space:nowrap;color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums}
.fix{margin:4px 0 0;color:var(--fg)}
.fix b{color:var(--pass)}
ul.evidence{margin:4px 0 0;padding:0;list-style:none;font-size:12px;color:var(--muted)}
ul.evidence li{margin:1px 0}
ul.evidence .t{display:inline-block;min-width:86px;font-variant-numeric:tabular-nums;color:var(--fg)}
.ok{color:var(--pass);font-weight:600}
.thumbs{display:flex;gap:12px;overflow-x:auto;padding-bottom:6px}
figure.thumb{margin:0;flex:0 0 auto}
figure.thumb img{display:block;height:200px;width:auto;background:#000;border-radius:6px;border:1px solid var(--border)}
figure.thumb figcaption{font-size:12px;margin-top:4px;width:0;min-width:100%}
figure.thumb .t{font-weight:700;font-variant-numeric:tabular-nums;margin-right:4px}
.timeline{border:1px solid var(--border);border-radius:8px;padding:8px;background:var(--card)}
.timeline svg{display:block;width:100%;height:auto}
.timeline text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:11px;fill:var(--fg)}
.timeline text.note{fill:var(--na);font-style:italic}
.timeline text.tick{fill:var(--muted);font-size:10px}
svg.tl .seg{fill:#b6e3ff}svg.tl .word{fill:#218bff}svg.tl .ocr{fill:#8c959f}svg.tl .product{fill:#8250df}
svg.tl .face{fill:#bf8700}svg.tl .fade{fill:#d0d7de}svg.tl .cut{stroke:#1f2328;stroke-width:1.5}
svg.tl .cta{fill:#e16f24;stroke:#fff;stroke-width:1}svg.tl .cta-span{fill:#ffb77c}
svg.tl .loud{fill:#a5d6b3}svg.tl .loud-line{fill:none;stroke:#1a7f37;stroke-width:1}
svg.tl .grid{stroke:#d8dee4;stroke-width:1}svg.tl .grid.major{stroke:#afb8c1}svg.tl .lane-bg{fill:#f6f8fa}
svg.tl .after-end{fill:#eaeef2}svg.tl .axis{stroke:#59636e;stroke-width:1}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;color:var(--muted);margin:6px 0 0}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.transcript{border:1px solid var(--border);border-radius:8px;padding:8px 12px;background:var(--card);max-height:360px;
overflow-y:auto}
.transcript p{margin:4px 0}
.transcript .t{display:inline-block;min-width:56px;color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums}
mark{border-radius:3px;padding:0 2px}
mark.cta{background:#ffd8b5;color:#762c00}
mark.product{background:#d8b9ff;color:#3e1f79}
table.criteria{table-layout:fixed}
table.criteria th.status{width:64px}
table.criteria th.title{width:210px}
table.criteria th.value{width:140px}
table.criteria th.num{width:60px}
table.criteria td.title .def{font-size:12px;color:var(--muted);font-weight:400}
table.criteria td.value{overflow-wrap:anywhere}
table.criteria td.why .fix{font-size:13px}
table.criteria tr.fail>td{background:#fffafa}
table.criteria tr.na>td{color:var(--muted)}
table.compare td.cell{min-width:150px}
table.compare td.differs{background:var(--fair-bg)}
table.compare tr.group>th{background:var(--card);font-size:13px;text-transform:uppercase;letter-spacing:.04em;
color:var(--muted);padding-top:14px}
table.compare th.row{background:var(--card);font-weight:500;white-space:normal;width:150px}
table.diffs th.num{width:90px}
table.diffs td.crit{width:180px;font-weight:600}
table.diffs .gain{font-weight:700;color:var(--fail);font-variant-numeric:tabular-nums}
table.diffs tr.better>td{color:var(--muted)}
.stack h3{margin:14px 0 4px;font-size:14px;overflow-wrap:anywhere}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media (max-width:800px){.cards{grid-template-columns:repeat(2,1fr)}}
@media print{
body{background:#fff;font-size:11px}
main{max-width:none;padding:0}
.toolbar,.no-print{display:none}
details.video{box-shadow:none;break-before:page;border:0}
details.video>summary::before{content:none}
.transcript{max-height:none;overflow:visible}
.thumbs{flex-wrap:wrap;overflow:visible}
.table-wrap{overflow:visible}
tr,figure,ol.findings>li,.timeline{break-inside:avoid}
a{color:inherit}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

# Sorting, expand/collapse and jump-to-section; sets body[data-ready] last, so a test can see it ran.
SCRIPT = """
(function () {
  "use strict";
  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (!numeric) { return raw.toLowerCase(); }
    var n = parseFloat(raw);
    return isNaN(n) ? null : n;
  }
  function sortBy(table, th, index) {
    var numeric = th.getAttribute("data-type") === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellKey(a, index, numeric), y = cellKey(b, index, numeric);
      if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(table, th, index); });
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortBy(table, th, index); }
      });
    });
  });
  function openSection(id) {
    var el = id ? document.getElementById(id) : null;
    if (!el) { return; }
    if (el.tagName === "DETAILS") { el.open = true; }
    el.scrollIntoView({block: "start"});
  }
  document.querySelectorAll("tr[data-target]").forEach(function (tr) {
    tr.addEventListener("click", function (ev) {
      if (ev.target.closest("a")) { return; }
      location.hash = tr.getAttribute("data-target");
      openSection(tr.getAttribute("data-target"));
    });
  });
  document.querySelectorAll("a[href^='#']").forEach(function (a) {
    a.addEventListener("click", function () { openSection(a.getAttribute("href").slice(1)); });
  });
  window.addEventListener("hashchange", function () { openSection(location.hash.slice(1)); });
  if (location.hash) { openSection(location.hash.slice(1)); }
  document.querySelectorAll("[data-toggle-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-toggle-all") === "open";
      document.querySelectorAll("details.video").forEach(function (d) { d.open = open; });
    });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.video").forEach(function (d) { d.open = true; });
  });
  document.body.setAttribute("data-ready", "1");
})();
"""


def _page(title: str, subtitle: str, body: str, toolbar: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="vidscore {_e(__version__)}">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f'<body><main><header class="page"><div><h1>{_e(title)}</h1>'
        f'<div class="muted">{subtitle}</div></div>{toolbar}</header>'
        f"{body}"
        f'<footer>vidscore {_e(__version__)} · scores 0-100 (green ≥ {GOOD_SCORE:.0f}, amber ≥ {FAIR_SCORE:.0f}) · '
        "n/a: not checked for this video · times in seconds from the start</footer>"
        f"</main><script>{SCRIPT}</script></body></html>\n"
    )


# ---------------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class _Scale:
    """Seconds to SVG x: the plot runs from `LABEL_GUTTER` to `SVG_WIDTH - RIGHT_PAD` over `axis_s`."""

    axis_s: float

    @property
    def width(self) -> float:
        return SVG_WIDTH - LABEL_GUTTER - RIGHT_PAD

    def x(self, t_s: float) -> float:
        return LABEL_GUTTER + max(0.0, min(t_s, self.axis_s)) / self.axis_s * self.width

    def span(self, start_s: float, end_s: float) -> tuple[float, float]:
        """x and width of [start_s, end_s], at least `MIN_MARK_WIDTH` wide."""
        x0, x1 = self.x(start_s), self.x(end_s)
        return x0, max(MIN_MARK_WIDTH, x1 - x0)


@dataclass(frozen=True)
class _Lane:
    """One row of the timeline: its label, height and SVG content drawn from y = 0 (its top)."""

    label: str
    height: float
    content: str


def _rect(scale: _Scale, start_s: float, end_s: float, y: float, height: float, css_class: str, tip: str) -> str:
    x, width = scale.span(start_s, end_s)
    return (f'<rect class="{css_class}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="2">'
            f"<title>{_e(tip)}</title></rect>")


def _note_lane(label: str, note: str) -> _Lane:
    return _Lane(label, LANE_HEIGHT, f'<text class="note" x="{LABEL_GUTTER + 4:.0f}" y="{LANE_HEIGHT - 5:.0f}">{_e(note)}</text>')


def _speech_lane(result: VideoResult, scale: _Scale) -> _Lane:
    if result.transcript is None:
        return _note_lane("Speech", "not transcribed")
    if not result.transcript.segments:
        return _note_lane("Speech", "nothing said")
    parts = []
    for seg in result.transcript.segments:
        tip = f"{_span_text(seg.start_s, seg.end_s)}: {seg.text.strip()}"
        parts.append(_rect(scale, seg.start_s, seg.end_s, 2, LANE_HEIGHT - 4, "seg", tip))
        parts += [_rect(scale, w.start_s, w.end_s, 5, LANE_HEIGHT - 10, "word", f"{_seconds(w.start_s)}: {w.word}")
                  for w in seg.words]
    return _Lane("Speech", LANE_HEIGHT, "".join(parts))


def _pack_rows(spans: Sequence[tuple[float, float]], max_rows: int) -> list[int]:
    """A row per span so that spans in one row do not overlap (greedy, first free row; the last row takes the rest)."""
    row_end_s: list[float] = []
    rows = []
    for start_s, end_s in spans:
        row = next((i for i, busy_s in enumerate(row_end_s) if busy_s <= start_s), None)
        if row is None:
            row = len(row_end_s) if len(row_end_s) < max_rows else max_rows - 1
            if row == len(row_end_s):
                row_end_s.append(end_s)
        row_end_s[row] = max(row_end_s[row], end_s)
        rows.append(row)
    return rows


def _text_lane(result: VideoResult, scale: _Scale) -> _Lane:
    track = result.signals.text
    if track is None:
        return _note_lane("On-screen text", "not analysed")
    if not track.lines:
        return _note_lane("On-screen text", "no text read")
    lines = sorted(track.lines, key=lambda ln: ln.start_s)
    rows = _pack_rows([(ln.start_s, ln.end_s) for ln in lines], TEXT_MAX_ROWS)
    parts = [_rect(scale, ln.start_s, ln.end_s, 1 + row * TEXT_ROW_HEIGHT, TEXT_ROW_HEIGHT - 2, "ocr",
                   f'{_span_text(ln.start_s, ln.end_s)}: "{ln.text}"') for ln, row in zip(lines, rows)]
    height = max(LANE_HEIGHT, (max(rows) + 1) * TEXT_ROW_HEIGHT + 2)
    return _Lane("On-screen text", height, "".join(parts))


def _product_lanes(result: VideoResult, scale: _Scale) -> list[_Lane]:
    track = result.signals.product
    if track is None or not track.products:
        return [_note_lane("Product", "not checked (no reference photos)")]
    lanes = []
    for presence in track.products:
        label = f"Product: {presence.name}"
        if not presence.intervals:
            lanes.append(_note_lane(label, "never seen"))
            continue
        parts = [_rect(scale, iv.start_s, iv.end_s, 3, LANE_HEIGHT - 6, "product",
                       f"{presence.name} on screen {_span_text(iv.start_s, iv.end_s)}") for iv in presence.intervals]
        lanes.append(_Lane(label, LANE_HEIGHT, "".join(parts)))
    return lanes


def _faces_lane(result: VideoResult, scale: _Scale) -> _Lane:
    track = result.signals.faces
    if track is None or not track.available:
        return _note_lane("Faces", "not checked")
    samples = track.samples
    parts = []
    for i, sample in enumerate(samples):
        if not sample.faces:
            continue
        end_s = samples[i + 1].t_s if i + 1 < len(samples) else scale.axis_s
        parts.append(_rect(scale, sample.t_s, end_s, 3, LANE_HEIGHT - 6, "face",
                           f"{len(sample.faces)} face(s) at {_seconds(sample.t_s)}"))
    if not parts:
        return _note_lane("Faces", "no face seen")
    return _Lane("Faces", LANE_HEIGHT, "".join(parts))


def _cuts_lane(result: VideoResult, scale: _Scale) -> _Lane:
    track = result.signals.shots
    if track is None:
        return _note_lane("Cuts", "not analysed")
    parts = [_rect(scale, f.start_s, f.end_s, 3, LANE_HEIGHT - 6, "fade",
                   f"fade {f.kind} {_span_text(f.start_s, f.end_s)}") for f in track.fades]
    for cut in track.cuts:
        x = scale.x(cut.t_s)
        parts.append(f'<line class="cut" x1="{x:.1f}" x2="{x:.1f}" y1="1" y2="{LANE_HEIGHT - 1:.0f}">'
                     f"<title>cut at {_seconds(cut.t_s)}</title></line>")
    if not parts:
        return _note_lane("Cuts", "one continuous shot")
    return _Lane("Cuts", LANE_HEIGHT, "".join(parts))


def _cta_lane(result: VideoResult, scale: _Scale) -> _Lane:
    evidence = _evidence_of(result, CTA_CRITERIA)
    if not evidence:
        return _note_lane("Call to action", "none said or shown")
    parts = []
    mid_y = LANE_HEIGHT / 2
    for ev in evidence:
        x, width = scale.span(ev.start_s, ev.end_s)
        tip = f"{_span_text(ev.start_s, ev.end_s)} {ev.what}"
        parts.append(f'<rect class="cta-span" x="{x:.1f}" y="{mid_y - 2:.1f}" width="{width:.1f}" height="4" rx="2"/>')
        parts.append(f'<path class="cta" d="M{x:.1f} {mid_y - 7:.1f}l6 7l-6 7l-6 -7z"><title>{_e(tip)}</title></path>')
    return _Lane("Call to action", LANE_HEIGHT, "".join(parts))


def _loudness_lane(result: VideoResult, scale: _Scale) -> _Lane:
    audio = result.signals.audio
    if audio is None:
        return _note_lane("Loudness", "not analysed")
    if not audio.has_audio or not audio.loudness_db:
        return _note_lane("Loudness", "no audio")
    height = LOUDNESS_LANE_HEIGHT
    points = []
    for i, level_db in enumerate(audio.loudness_db):
        t_s = (i + 0.5) * audio.hop_s
        frac = (min(0.0, max(LOUDNESS_FLOOR_DB, level_db)) - LOUDNESS_FLOOR_DB) / -LOUDNESS_FLOOR_DB
        points.append(f"{scale.x(t_s):.1f},{height - frac * (height - 2):.1f}")
    first_x, last_x = scale.x(0.5 * audio.hop_s), scale.x((len(audio.loudness_db) - 0.5) * audio.hop_s)
    area = f"M{first_x:.1f},{height:.1f}L" + "L".join(points) + f"L{last_x:.1f},{height:.1f}Z"
    tip = f"loudness, {LOUDNESS_FLOOR_DB:.0f} to 0 dBFS"
    if audio.mean_loudness_db is not None:
        tip += f"; mean {audio.mean_loudness_db:.0f} dBFS"
    return _Lane("Loudness", height, f'<path class="loud" d="{area}"><title>{_e(tip)}</title></path>'
                                     f'<polyline class="loud-line" points="{" ".join(points)}"/>')


LANE_BUILDERS: tuple[Callable[[VideoResult, _Scale], _Lane | list[_Lane]], ...] = (
    _speech_lane, _text_lane, _product_lanes, _faces_lane, _cuts_lane, _cta_lane, _loudness_lane,
)



def _tick_steps_s(axis_s: float) -> tuple[float, float]:
    """(tick spacing, label spacing) in seconds: every second for short videos, coarser for long ones."""
    if axis_s <= 20:
        return 1.0, 1.0
    if axis_s <= 60:
        return 1.0, 5.0
    if axis_s <= 300:
        return 5.0, 30.0
    return 30.0, 60.0


def _axis(scale: _Scale, top: float, plot_bottom: float) -> str:
    tick_s, label_s = _tick_steps_s(scale.axis_s)
    parts = [f'<line class="axis" x1="{LABEL_GUTTER:.0f}" x2="{scale.x(scale.axis_s):.1f}" '
             f'y1="{plot_bottom:.1f}" y2="{plot_bottom:.1f}"/>']
    count = int(scale.axis_s / tick_s + 1e-6)
    for i in range(count + 1):
        t_s = i * tick_s
        x = scale.x(t_s)
        labelled = abs(t_s / label_s - round(t_s / label_s)) < 1e-6
        grid = "grid major" if labelled else "grid"
        tick_end = plot_bottom + (5 if labelled else 3)
        parts.append(f'<line class="{grid}" x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{tick_end:.1f}"/>')
        if labelled:
            parts.append(f'<text class="tick" x="{x:.1f}" y="{plot_bottom + 16:.1f}" text-anchor="middle">{t_s:g}</text>')
    parts.append(f'<text class="tick" x="{LABEL_GUTTER - 8:.0f}" y="{plot_bottom + 16:.1f}" text-anchor="end">seconds</text>')
    return "".join(parts)


def timeline_svg(result: VideoResult, axis_s: float | None = None) -> str:
    """The signals of one video as an inline SVG timeline over `axis_s` seconds (its duration by default).

    Drafts compared on one page pass the same `axis_s`, so the same second sits at the same x.
    """
    duration_s = result.media.duration_s if result.media is not None else 0.0
    scale = _Scale(max(axis_s or duration_s, SPAN_MIN_S))
    lanes: list[_Lane] = []
    for build in LANE_BUILDERS:
        built = build(result, scale)
        lanes += built if isinstance(built, list) else [built]
    backgrounds, parts, y = [], [], TOP_PAD
    for lane in lanes:
        backgrounds.append(f'<rect class="lane-bg" x="{LABEL_GUTTER:.0f}" y="{y:.1f}" width="{scale.width:.1f}" '
                           f'height="{lane.height:.1f}"/>')
        parts.append(f'<text x="{LABEL_GUTTER - 8:.0f}" y="{y + min(lane.height, LANE_HEIGHT) / 2 + 4:.1f}" '
                     f'text-anchor="end">{_e(lane.label)}</text>')
        parts.append(f'<g transform="translate(0 {y:.1f})">{lane.content}</g>')
        y += lane.height + LANE_GAP
    plot_bottom = y - LANE_GAP / 2
    if duration_s < scale.axis_s:
        x_end = scale.x(duration_s)
        backgrounds.append(f'<rect class="after-end" x="{x_end:.1f}" y="{TOP_PAD:.1f}" '
                           f'width="{scale.x(scale.axis_s) - x_end:.1f}" height="{plot_bottom - TOP_PAD:.1f}">'
                           "<title>after the end of this video</title></rect>")
    grid = _axis(scale, TOP_PAD, plot_bottom)
    height = plot_bottom + AXIS_HEIGHT
    label = f"Timeline of {display_name(result.file)}"
    return (f'<svg class="tl" viewBox="0 0 {SVG_WIDTH:.0f} {height:.0f}" role="img" '
            f'aria-label="{_e(label)}">{"".join(backgrounds)}{grid}{"".join(parts)}</svg>')


TIMELINE_LEGEND = (
    '<div class="legend"><span><i style="background:#218bff"></i>word spoken</span>'
    '<span><i style="background:#8c959f"></i>text on screen</span><span><i style="background:#8250df"></i>product visible</span>'
    '<span><i style="background:#bf8700"></i>face visible</span><span><i style="background:#1f2328"></i>cut</span>'
    '<span><i style="background:#e16f24"></i>call to action</span><span><i style="background:#a5d6b3"></i>loudness</span>'
    '<span class="no-print">hover a mark for details</span></div>'
)


# ---------------------------------------------------------------------------------- video section


def _evidence_of(result: VideoResult, criterion_ids: Sequence[str]) -> list[Evidence]:
    out: list[Evidence] = []
    for criterion_id in criterion_ids:
        criterion = result.criterion(criterion_id)
        out += criterion.evidence if criterion is not None else ()
    return sorted(out, key=lambda ev: ev.start_s)


def _said_spans(result: VideoResult, criterion_ids: Sequence[str]) -> list[tuple[float, float]]:
    return [(ev.start_s, ev.end_s) for ev in _evidence_of(result, criterion_ids) if ev.what.startswith(SAID_PREFIX)]


def _overlaps(word_start_s: float, word_end_s: float, spans: Sequence[tuple[float, float]]) -> bool:
    for start_s, end_s in spans:
        if end_s - start_s < OVERLAP_EPS_S:  # a moment: the word that holds it
            if word_start_s - OVERLAP_EPS_S <= start_s <= word_end_s + OVERLAP_EPS_S:
                return True
        elif word_start_s < end_s - OVERLAP_EPS_S and word_end_s > start_s + OVERLAP_EPS_S:
            return True
    return False


MARKS = {"cta": "call to action", "product": "product name"}  # mark class -> its tooltip


def _marked_words(words: Sequence[Word], cta_spans: Sequence[tuple[float, float]],
                  product_spans: Sequence[tuple[float, float]]) -> str:
    """The words as escaped HTML, with each run of call-to-action or product-name words in one <mark>."""
    runs: list[tuple[str | None, list[str]]] = []
    for w in words:
        kind = "cta" if _overlaps(w.start_s, w.end_s, cta_spans) else \
            "product" if _overlaps(w.start_s, w.end_s, product_spans) else None
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(_e(w.word))
        else:
            runs.append((kind, [_e(w.word)]))
    return " ".join(" ".join(texts) if kind is None else f'<mark class="{kind}" title="{MARKS[kind]}">{" ".join(texts)}</mark>'
                    for kind, texts in runs)


def _transcript(result: VideoResult) -> str:
    transcript = result.transcript
    if transcript is None:
        return '<p class="muted">Speech was not transcribed.</p>'
    if not transcript.segments:
        return '<p class="muted">Nothing was said.</p>'
    cta_spans = _said_spans(result, CTA_CRITERIA)
    product_spans = _said_spans(result, PRODUCT_MENTION_CRITERIA)
    paragraphs = []
    for seg in transcript.segments:
        if not seg.words:
            paragraphs.append(f'<p><span class="t">{_seconds(seg.start_s)}</span>{_e(seg.text.strip())}</p>')
            continue
        words = _marked_words(seg.words, cta_spans, product_spans)
        paragraphs.append(f'<p><span class="t">{_seconds(seg.start_s)}</span>{words}</p>')
    language = f" · language {_e(transcript.language)}" if transcript.language else ""
    legend = ('<div class="legend"><span><mark class="cta">call to action</mark></span>'
              f'<span><mark class="product">product name</mark></span><span>{_e(transcript.model)}{language}</span></div>')
    return f'<div class="transcript">{"".join(paragraphs)}</div>{legend}'


def _score_cards(result: VideoResult) -> str:
    cards = []
    for key in SCORE_COLUMNS:
        value = result.scores.pillar(key) if result.scores is not None else None
        band = _score_band(value)
        number = "n/a" if value is None else f"{value:.0f}<small> /100</small>"
        width = 0.0 if value is None else max(0.0, min(100.0, value))
        extra = " overall" if key == "overall" else ""
        cards.append(f'<div class="card {band}{extra}"><div class="label">{PILLAR_LABELS[key]}</div>'
                     f'<div class="value">{number}</div><div class="bar"><span style="width:{width:.0f}%"></span></div></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def _findings(diagnosis: Sequence[Diagnosis]) -> str:
    if not diagnosis:
        return '<p class="ok">No problems found.</p>'
    items = []
    for d in diagnosis:
        items.append(
            f'<li class="{_e(d.severity)}"><div class="finding-head">{_severity_badge(d.severity)}'
            f'<span>{_e(d.message)}</span><span class="impact">+{d.impact_points:.0f} pts if fixed</span></div>'
            f'<p class="fix"><b>Fix:</b> {_e(d.fix)}</p>{_evidence_list(d.evidence)}</li>'
        )
    return f'<ol class="findings">{"".join(items)}</ol>'


def _thumbnails(frames: Sequence[Keyframe]) -> str:
    if not frames:
        return '<p class="muted">No keyframes (the video could not be read again).</p>'
    figures = []
    for frame in frames:
        data = base64.b64encode(frame.jpeg).decode("ascii")
        figures.append(f'<figure class="thumb"><img src="data:image/jpeg;base64,{data}" alt="{_e(frame.label)}" loading="lazy">'
                       f'<figcaption><span class="t">{_seconds(frame.t_s)}</span>{_e(frame.label)}</figcaption></figure>')
    return f'<div class="thumbs">{"".join(figures)}</div>'


def _criterion_row(c: CriterionResult) -> str:
    entry = BY_ID.get(c.id)
    definition = f'<div class="def">{_e(entry.definition)}</div>' if entry is not None else ""
    state = "na" if c.passed is None else "pass" if c.passed else "fail"
    fix = f'<p class="fix"><b>Fix:</b> {_e(c.fix)}</p>' if c.passed is False and c.fix else ""
    score = "" if c.score is None else f"{c.score:.0f}"
    return (f'<tr class="{state}"><td class="status">{_status_badge(c.passed)}</td>'
            f'<td class="title"><b>{_e(_criterion_title(c.id))}</b>{definition}</td>'
            f'<td class="value">{_e(_value_text(c.value))}</td><td class="num">{score}</td>'
            f'<td class="why">{_e(c.why)}{fix}{_evidence_list(c.evidence)}</td></tr>')


def _criteria_tables(result: VideoResult) -> str:
    out = []
    for pillar in PILLARS:
        rows = [_criterion_row(c) for c in result.criteria if c.pillar == pillar]
        if not rows:
            continue
        value = result.scores.pillar(pillar) if result.scores is not None else None
        out.append(f"<h4>{PILLAR_LABELS[pillar]} {_score_pill(value)}</h4>"
                   '<div class="table-wrap"><table class="criteria"><thead><tr><th class="status">result</th>'
                   '<th class="title">criterion</th><th class="value">value</th><th class="num">score</th>'
                   '<th>why · fix · evidence</th></tr></thead>'
                   f'<tbody>{"".join(rows)}</tbody></table></div>')
    return "".join(out)


def _media_facts(result: VideoResult) -> str:
    media = result.media
    if media is None:
        return ""
    facts = [f"{media.duration_s:.1f} s", f"{media.width}×{media.height}", f"{media.fps:.3g} fps", _e(media.codec)]
    if media.rotation:
        facts.append(f"rotated {media.rotation}°")
    facts.append(f"audio {_e(media.audio_codec)}" if media.has_audio else "no audio")
    facts.append(f"{media.size_bytes / 1e6:.1f} MB")
    if result.scoring_model:
        facts.append(f"scoring model {_e(result.scoring_model)}")
    return f'<p class="facts">{" · ".join(facts)}</p>'


def _summary_head(result: VideoResult) -> str:
    name = f'<span class="name">{_e(display_name(result.file))}</span>'
    if not result.ok:
        return f'{name}<span class="badge fail">failed</span>'
    overall = result.scores.overall if result.scores is not None else None
    counts = [f"{sum(d.severity == s for d in result.diagnosis)} {s}" for s in ("high", "medium", "low")
              if any(d.severity == s for d in result.diagnosis)]
    return f'{name}{_score_pill(overall)}<span class="muted small">{" · ".join(counts) or "no findings"}</span>'


def _video_section(result: VideoResult, anchor: str, *, with_keyframes: bool, open_: bool) -> str:
    opened = " open" if open_ else ""
    head = f'<details class="video" id="{anchor}"{opened}><summary>{_summary_head(result)}</summary><div class="body">'
    if not result.ok:
        error = f'<p class="error"><b>Could not be analysed:</b> {_e(result.error)}</p>'
        return f"{head}{_media_facts(result)}{error}</div></details>"
    warnings = "".join(f'<p class="warn">Warning: {_e(w)}</p>' for w in result.warnings)
    parts = [head, _media_facts(result), warnings, _score_cards(result),
             "<h3>Findings</h3>", _findings(result.diagnosis)]
    if with_keyframes:
        parts += ["<h3>Keyframes</h3>", _thumbnails(make_keyframes(result, THUMB_MAX_SIDE_PX))]
    parts += ["<h3>Timeline</h3>", f'<div class="timeline">{timeline_svg(result)}</div>', TIMELINE_LEGEND,
              "<h3>Transcript</h3>", _transcript(result), "<h3>Criteria</h3>", _criteria_tables(result), "</div></details>"]
    return "".join(parts)


def _summary_table(results: Sequence[VideoResult], anchors: Sequence[str]) -> str:
    heads = ['<th data-type="text">file</th>', '<th data-type="num" class="num">duration</th>']
    heads += [f'<th data-type="num" class="num">{PILLAR_LABELS[k]}</th>' for k in SCORE_COLUMNS]
    heads.append('<th data-type="text">top finding</th>')
    rows = []
    for result, anchor in zip(results, anchors):
        duration = result.media.duration_s if result.media is not None else None
        cells = [f'<td class="file"><a href="#{anchor}">{_breakable(display_name(result.file))}</a></td>',
                 f'<td class="num" data-value="{"" if duration is None else f"{duration:.3f}"}">'
                 f'{"—" if duration is None else _seconds(duration)}</td>']
        for key in SCORE_COLUMNS:
            value = result.scores.pillar(key) if result.scores is not None else None
            cells.append(f'<td class="num" data-value="{"" if value is None else f"{value:.3f}"}">{_score_pill(value)}</td>')
        cells.append(_top_finding_cell(result))
        rows.append(f'<tr data-target="{anchor}">{"".join(cells)}</tr>')
    return (f'<div class="table-wrap"><table class="sortable summary"><thead><tr>{"".join(heads)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _top_finding_cell(result: VideoResult) -> str:
    if not result.ok:
        return f'<td class="finding error" data-value="0 error">error: {_e(result.error)}</td>'
    if not result.diagnosis:
        return '<td class="finding" data-value="9"><span class="ok">no problems found</span></td>'
    top = result.diagnosis[0]
    rank = {"high": 1, "medium": 2, "low": 3}.get(top.severity, 4)
    return (f'<td class="finding" data-value="{rank} {_e(top.id)}">{_severity_badge(top.severity)} '
            f'<span class="clamp" title="{_e(top.message)}">{_e(top.message)}</span></td>')


def render_html(results: Sequence[VideoResult], *, keyframes: bool = True, title: str = "vidscore report") -> str:
    """The report for `results` as one self-contained HTML page (no external files, opens offline)."""
    anchors = [f"video-{i + 1}" for i in range(len(results))]
    failed = sum(not r.ok for r in results)
    subtitle = f"{len(results)} video(s)" + (f", {failed} could not be analysed" if failed else "")
    toolbar = ('<div class="toolbar"><button type="button" data-toggle-all="open">expand all</button>'
               '<button type="button" data-toggle-all="close">collapse all</button></div>')
    open_all = len(results) <= OPEN_SECTIONS_MAX_VIDEOS
    sections = "".join(_video_section(r, a, with_keyframes=keyframes, open_=open_all or i == 0)
                       for i, (r, a) in enumerate(zip(results, anchors)))
    body = ('<h2>Summary</h2><p class="muted small no-print">Click a column header to sort, a row to open its video.</p>'
            f"{_summary_table(results, anchors)}<h2>Videos</h2>{sections}")
    return _page(title, subtitle, body, toolbar)


# ---------------------------------------------------------------------------------- compare


def _reference_badge(is_reference: bool) -> str:
    return ' <span class="badge ref">reference</span>' if is_reference else ""


def _compare_cell(result: VideoResult, criterion_id: str, reference: VideoResult | None) -> str:
    if not result.ok:
        return '<td class="cell muted">—</td>'
    c = result.criterion(criterion_id)
    if c is None:
        return '<td class="cell muted">not checked</td>'
    ref = reference.criterion(criterion_id) if reference is not None and reference is not result and reference.ok else None
    differs = " differs" if ref is not None and ref.passed != c.passed else ""
    return (f'<td class="cell{differs}">{_status_badge(c.passed)} {_e(_value_text(c.value))}'
            f'<div class="small muted">{_e(c.why)}</div></td>')


def _compare_table(results: Sequence[VideoResult], reference: VideoResult | None) -> str:
    heads = ['<th class="row"></th>']
    for r in results:
        badge = _reference_badge(r is reference)
        error = f'<div class="error small">{_e(r.error)}</div>' if not r.ok else ""
        heads.append(f"<th>{_e(display_name(r.file))}{badge}{error}</th>")
    colspan = len(results) + 1
    rows = [f'<tr class="group"><th colspan="{colspan}">Scores</th></tr>']
    for key in SCORE_COLUMNS:
        cells = "".join(f'<td class="cell">{_score_pill(r.scores.pillar(key) if r.scores is not None else None)}</td>'
                        for r in results)
        rows.append(f'<tr><th class="row">{PILLAR_LABELS[key]}</th>{cells}</tr>')
    ids = list(dict.fromkeys(c.id for r in results for c in r.criteria))
    for pillar in PILLARS:
        pillar_ids = [cid for cid in ids if (BY_ID[cid].pillar if cid in BY_ID else "") == pillar]
        if not pillar_ids:
            continue
        rows.append(f'<tr class="group"><th colspan="{colspan}">{PILLAR_LABELS[pillar]}</th></tr>')
        for cid in pillar_ids:
            cells = "".join(_compare_cell(r, cid, reference) for r in results)
            rows.append(f'<tr><th class="row">{_e(_criterion_title(cid))}</th>{cells}</tr>')
    return (f'<div class="table-wrap"><table class="compare"><thead><tr>{"".join(heads)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


BETTER_ROW = ' class="better"'
MIN_SHOWN_POINTS = 0.5  # smaller gains read "<1" rather than "+0"


def _difference_row(diff: Mapping) -> str:
    """One difference as a table row: the points matching the reference is worth, the criterion, the
    message. A draft that does better than the reference (`draft_better`; without it, points < 0) says so."""
    points = diff.get("impact_points")
    numeric = isinstance(points, (int, float))
    better = bool(diff["draft_better"]) if "draft_better" in diff else numeric and points < 0
    if better:
        gain = '<span class="badge pass">draft better</span>'
    elif numeric:
        gain = f'<span class="gain">{f"+{points:.0f}" if points >= MIN_SHOWN_POINTS else "&lt;1"}</span>'
    else:
        gain = ""
    criterion = diff.get("criterion")
    title = _e(_criterion_title(str(criterion))) if criterion else ""
    return (f'<tr{BETTER_ROW if better else ""}><td class="num">{gain}</td>'
            f'<td class="crit">{title}</td><td>{_e(diff.get("message", ""))}</td></tr>')


def _differences(columns: Sequence[VideoResult], differences: Mapping[str, Sequence[Mapping]]) -> str:
    """Per draft (in column order, then any other keys), its differences from the reference in the given order."""
    known = [r.file for r in columns]
    files = [f for f in known if f in differences] + [f for f in differences if f not in known]
    blocks = []
    for file in files:
        rows = "".join(_difference_row(diff) for diff in differences[file])
        table = ('<div class="table-wrap"><table class="diffs"><thead><tr><th class="num">points</th><th>criterion</th>'
                 f'<th>difference</th></tr></thead><tbody>{rows}</tbody></table></div>') if rows else \
            '<p class="ok">No differences in the checked criteria.</p>'
        blocks.append(f'<h3>{_e(display_name(file))}</h3>{table}')
    return "".join(blocks) or '<p class="muted">No drafts to compare.</p>'


def _stacked_timelines(columns: Sequence[VideoResult], reference: VideoResult | None) -> str:
    """Every analysed video's timeline on the axis of the longest one, so the same second lines up."""
    axis_s = max((r.media.duration_s for r in columns if r.ok and r.media is not None), default=0.0)
    timelines = "".join(
        f'<div class="stack"><h3>{_e(display_name(r.file))}{_reference_badge(r is reference)}</h3>'
        f'<div class="timeline">{timeline_svg(r, axis_s)}</div></div>'
        for r in columns if r.ok)
    return timelines + TIMELINE_LEGEND if timelines else '<p class="muted">No video could be analysed.</p>'


def render_compare_html(results: Sequence[VideoResult], reference_file: str | None,
                        differences: Mapping[str, Sequence[Mapping]]) -> str:
    """`vidscore compare` as one self-contained page: per draft its differences from the reference
    (in the given order, most valuable first), the timelines on one shared time axis, and every
    criterion side by side. `differences` maps a result's `file` to mappings with the keys
    "message", "impact_points" and "criterion"."""
    reference = next((r for r in results if r.file == reference_file), None) if reference_file else None
    columns = ([reference] if reference is not None else []) + [r for r in results if r is not reference]
    subtitle = f"{len(results)} video(s)"
    if reference is not None:
        subtitle += f" · reference: {_e(display_name(reference.file))}"
    body = ("<h2>Differences</h2>" + _differences(columns, differences)
            + "<h2>Timelines</h2>" + _stacked_timelines(columns, reference)
            + "<h2>Side by side</h2>"
            + ('<p class="muted small">Highlighted: the verdict differs from the reference.</p>' if reference else "")
            + _compare_table(columns, reference))
    return _page("vidscore compare", subtitle, body)


# ---------------------------------------------------------------------------------- calibration


def render_calibration_html(report) -> str:
    """`vidscore calibrate --html`: the fit, its warnings, the ranked effects and the flagged videos."""
    cal = report.calibration
    unit = cal.target.unit
    fit_class = "good" if cal.trustworthy else ("fair" if cal.better_than_mean else "poor")
    summary = (f'<p>{cal.n_videos} videos · target <b>{_e(cal.target.name)}</b> ({_e(unit)}) · mean {cal.mean_outcome:.3g} · '
               f'cross-validated R² <span class="score {fit_class}">{cal.cv_r2:.2f}</span> ({cal.folds}-fold, against '
               f'predicting the mean) · ridge alpha {cal.alpha:.3g}</p>')
    warnings = "".join(f'<li class="high"><b>Warning:</b> {_e(w)}</li>' for w in cal.warnings)
    skipped = "".join(f"<li>line {s.line}, {_e(s.name)}: {_e(s.reason)}</li>" for s in report.skipped)
    rows = []
    for effect in cal.effects:
        direction = "higher" if effect.standardised > 0 else "lower" if effect.standardised < 0 else "none"
        badge = "pass" if effect.standardised > 0 else "fail" if effect.standardised < 0 else "na"
        rows.append(f'<tr><td class="num">{effect.rank}</td><td>{_e(effect.label)}</td><td>{_e(effect.pillar or "")}</td>'
                    f'<td><span class="badge {badge}">{direction}</span></td><td class="num">{effect.standardised:+.2f}</td>'
                    f'<td class="num">{effect.per_10_points:+.3g}</td></tr>')
    effects = ('<div class="table-wrap"><table class="sortable"><thead><tr><th class="num">#</th><th>signal</th>'
               '<th>pillar</th><th>direction</th><th class="num">std effect</th>'
               f'<th class="num">per +10 points ({_e(unit)})</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
               '<p class="muted small">Associations in this data, not causes. std effect = outcome SDs per SD of the '
               'signal; ranked by size.</p>')
    flagged = "".join(f"<li><b>{_e(r.video)}</b>: {_e(r.sentence())}</li>" for r in cal.flagged)
    notes = "".join(f"<li>{_e(n)}</li>" for n in (*cal.notes, *report.weights.notes))
    pillars = ", ".join(f"{_e(p)} {w:.2f}" for p, w in report.weights.pillars.items())
    body = (f"<section><h2>Fit</h2>{summary}"
            + (f'<ol class="findings">{warnings}</ol>' if warnings else "")
            + (f"<h3>Skipped rows</h3><ul>{skipped}</ul>" if skipped else "")
            + f"</section><section><h2>Which signals go with higher {_e(cal.target.name)}</h2>{effects}</section>"
            + (f"<section><h2>Videos their content does not explain</h2><ul>{flagged}</ul></section>" if flagged else "")
            + f"<section><h2>Model file</h2><p>{_e(report.model_path)} · pillar weights {pillars}</p>"
            + f'<p class="muted">Use it with <code>vidscore score --model {_e(report.model_path)}</code>.</p>'
            + (f'<ul class="muted small">{notes}</ul>' if notes else "") + "</section>")
    return _page("vidscore calibration", f"{_e(report.csv_path)}", body)
