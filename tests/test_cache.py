"""Signal cache: hits, misses on changed settings, and corrupt entries never trusted."""

from __future__ import annotations

import json

from vidscore.cache import SignalCache, file_sha256


def test_round_trip_and_settings_in_key(tmp_path):
    cache = SignalCache(tmp_path)
    cache.put("ab" * 32, "text", 1, {"rate_hz": 2}, {"lines": [{"text": "SHOP NOW"}]})
    assert cache.get("ab" * 32, "text", 1, {"rate_hz": 2}) == {"lines": [{"text": "SHOP NOW"}]}
    assert cache.get("ab" * 32, "text", 1, {"rate_hz": 3}) is None
    assert cache.get("ab" * 32, "text", 2, {"rate_hz": 2}) is None
    assert cache.info() == (1, 1, cache.info()[2])


def test_corrupt_or_partial_entry_is_removed_and_missed(tmp_path):
    cache = SignalCache(tmp_path)
    cache.put("cd" * 32, "shots", 1, {}, {"cuts": [1.0, 2.0]})
    (entry,) = tmp_path.rglob("shots-*.json")
    text = entry.read_text()
    entry.write_text(text[: len(text) // 2])  # partial write
    assert cache.get("cd" * 32, "shots", 1, {}) is None and not entry.exists()
    cache.put("cd" * 32, "shots", 1, {}, {"cuts": [1.0, 2.0]})
    data = json.loads(entry.read_text())
    data["payload"]["cuts"] = [9.0]  # tampered payload: checksum no longer matches
    entry.write_text(json.dumps(data))
    assert cache.get("cd" * 32, "shots", 1, {}) is None


def test_disabled_cache_does_nothing(tmp_path):
    cache = SignalCache(None)
    cache.put("ef" * 32, "x", 1, {}, {"a": 1})
    assert cache.get("ef" * 32, "x", 1, {}) is None and cache.info() == (0, 0, 0)


def test_file_hash_is_content_based(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    a.write_bytes(b"same bytes")
    b.write_bytes(b"same bytes")
    assert file_sha256(a) == file_sha256(b)
    b.write_bytes(b"other bytes")
    assert file_sha256(a) != file_sha256(b)
