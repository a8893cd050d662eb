"""The JSON report: `{"schema_version", "vidscore_version", "results": [...]}`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from vidscore import __version__
from vidscore.result import SCHEMA_VERSION, VideoResult


def to_document(results: Sequence[VideoResult]) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "vidscore_version": __version__,
        "results": [result.to_json() for result in results],
    }


def render_json(results: Sequence[VideoResult]) -> str:
    return json.dumps(to_document(results), ensure_ascii=False, indent=2) + "\n"
