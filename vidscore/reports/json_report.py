"""The JSON report: `{"schema_version", "vidscore_version", "results": [...]}`."""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Sequence

from vidscore import __version__
from vidscore.result import SCHEMA_VERSION, VideoResult

SCHEMA_PACKAGE = "vidscore.reports"
SCHEMA_FILE = "results.schema.json"  # JSON Schema (draft 2020-12) of `to_document`'s output


def to_document(results: Sequence[VideoResult]) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "vidscore_version": __version__,
        "results": [result.to_json() for result in results],
    }


def render_json(results: Sequence[VideoResult]) -> str:
    return json.dumps(to_document(results), ensure_ascii=False, indent=2) + "\n"


def schema() -> dict:
    """The packaged JSON Schema of the document `to_document` builds, for validating it downstream.

    A fresh dict on each call, so callers may change it freely.
    """
    text = importlib.resources.files(SCHEMA_PACKAGE).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)
