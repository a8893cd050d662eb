"""The CSV report: one flat row per video, for spreadsheets. Columns are appended, never renamed."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from vidscore.criteria.base import PILLARS
from vidscore.criteria.catalog import CATALOG
from vidscore.result import VideoResult

COLUMNS = (
    "file", "ok", "error", "duration_s", "fps", "width", "height", "rotation", "codec", "has_audio",
    "language", "language_prob", "speech_onset_s", "words_per_s", "speech_share", "word_count",
    "transcript", "warnings",
    *PILLARS, "overall", "top_diagnosis",
    *(c.id for c in CATALOG),  # pass | fail | n/a (not applicable) | empty (not scored or switched off)
)


def row(result: VideoResult) -> dict:
    media, transcript, speech = result.media, result.transcript, result.speech
    return {
        "file": result.file,
        "ok": result.ok,
        "error": result.error or "",
        "duration_s": _num(media and media.duration_s),
        "fps": _num(media and media.fps),
        "width": media.width if media else "",
        "height": media.height if media else "",
        "rotation": media.rotation if media else "",
        "codec": media.codec if media else "",
        "has_audio": media.has_audio if media else "",
        "language": (transcript.language or "") if transcript else "",
        "language_prob": _num(transcript and transcript.language_prob),
        "speech_onset_s": _num(speech and speech.speech_onset_s),
        "words_per_s": _num(speech and speech.words_per_s),
        "speech_share": _num(speech and speech.speech_share),
        "word_count": len(transcript.words) if transcript else "",
        "transcript": transcript.text if transcript else "",
        "warnings": "; ".join(result.warnings),
        **_scores(result),
    }


def _scores(result: VideoResult) -> dict:
    if result.scores is None:
        return {}
    out = {pillar: _num(result.scores.pillar(pillar)) for pillar in (*PILLARS, "overall")}
    out["top_diagnosis"] = result.diagnosis[0].id if result.diagnosis else ""
    for c in result.criteria:
        out[c.id] = "n/a" if c.passed is None else ("pass" if c.passed else "fail")
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula
TEXT_COLUMNS = ("file", "error", "language", "transcript", "warnings", "top_diagnosis")


def render_csv(results: Sequence[VideoResult]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    for result in results:
        writer.writerow(_defused(row(result)))
    return buffer.getvalue()


def _defused(values: dict) -> dict:
    """Text from videos and file names, made inert for spreadsheets: a leading ' stops formula evaluation."""
    return {k: (f"'{v}" if k in TEXT_COLUMNS and isinstance(v, str) and v.startswith(FORMULA_STARTS) else v)
            for k, v in values.items()}


def _num(value) -> str:
    return "" if value is None or value == "" else f"{float(value):.3f}".rstrip("0").rstrip(".")
