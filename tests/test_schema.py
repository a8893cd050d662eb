"""The packaged JSON Schema of the results document: valid itself, met by real output, strict where it promises."""

from __future__ import annotations

import copy

import pytest
from jsonschema import Draft202012Validator

import vidscore
from vidscore.criteria.base import Evidence
from vidscore.diagnosis import Diagnosis
from vidscore.reports.json_report import schema, to_document
from vidscore.result import SCHEMA_VERSION

SCHEMA_ID = "urn:vidscore:results:1"
OUT_OF_RANGE_SCORE = 150
UNKNOWN_SEVERITY = "urgent"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


@pytest.fixture(scope="module")
def document(make_clip, tmp_path_factory) -> dict:
    """A real document: one analysed clip (no speech) and one failed video (a zero-byte x.mp4)."""
    clip = make_clip("schema_clip.mp4", seconds=2.0)
    empty = tmp_path_factory.mktemp("schema") / "x.mp4"
    empty.write_bytes(b"")
    config = vidscore.AnalyzeConfig(speech=None)
    return to_document([vidscore.analyze(clip, config), vidscore.analyze(empty, config)])


def errors(validator: Draft202012Validator, doc: dict) -> list[str]:
    """Every violation as 'path: message', including those inside anyOf (e.g. 'score or null'), so the
    failing field is named rather than just its nullable parent."""
    out: list[str] = []
    pending = list(validator.iter_errors(doc))
    while pending:
        error = pending.pop()
        out.append(f"{error.json_path}: {error.message}")
        pending.extend(error.context or ())
    return out


def test_schema_is_valid_draft_2020_12():
    packaged = schema()
    Draft202012Validator.check_schema(packaged)
    assert packaged["$id"] == SCHEMA_ID
    assert packaged["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_schema_returns_a_fresh_dict():
    first = schema()
    first["title"] = "changed"
    assert schema()["title"] != "changed"


def test_real_document_validates(document, validator):
    ok, failed = document["results"]
    assert ok["ok"] is True and ok["transcript"] is None and ok["scores"] is not None and ok["criteria"]
    assert failed["ok"] is False and failed["error"] and failed["media"] is None
    assert errors(validator, document) == []


def test_failed_result_with_scores_is_rejected(document, validator):
    doc = copy.deepcopy(document)
    doc["results"][1]["scores"] = doc["results"][0]["scores"]
    assert any(e.startswith("$.results[1].scores") for e in errors(validator, doc))


@pytest.mark.parametrize("where", ["pillar", "criterion"])
def test_score_of_150_is_rejected(document, validator, where):
    doc = copy.deepcopy(document)
    result = doc["results"][0]
    if where == "pillar":
        result["scores"]["hook"] = OUT_OF_RANGE_SCORE
        path = "$.results[0].scores.hook"
    else:
        scored = next(i for i, c in enumerate(result["criteria"]) if c["score"] is not None)
        result["criteria"][scored]["score"] = OUT_OF_RANGE_SCORE
        path = f"$.results[0].criteria[{scored}].score"
    assert [e for e in errors(validator, doc) if e.startswith(path)], errors(validator, doc)


def test_unknown_severity_is_rejected(document, validator):
    finding = Diagnosis("no_offer", "high", "No reason to buy now.", (Evidence(0.0, 1.0, "said: 'hello'"),),
                        "Give a reason to buy now.", ("offer",), 12.5).to_json()
    doc = copy.deepcopy(document)
    doc["results"][0]["diagnosis"] = [finding]
    assert errors(validator, doc) == []  # the same finding with a known severity is fine
    finding["severity"] = UNKNOWN_SEVERITY
    assert [e for e in errors(validator, doc) if e.startswith("$.results[0].diagnosis[0].severity")]


def test_missing_criteria_key_is_rejected(document, validator):
    doc = copy.deepcopy(document)
    del doc["results"][0]["criteria"]
    found = list(validator.iter_errors(doc))
    assert any(e.validator == "required" and "'criteria'" in e.message for e in found)


def test_unknown_top_level_key_is_rejected(document, validator):
    doc = copy.deepcopy(document)
    doc["extra"] = True
    assert errors(validator, doc)
