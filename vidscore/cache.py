"""On-disk cache of extracted signals, so re-scoring a folder after a config change is instant.

An entry is keyed by the video's content hash, the signal's name and version, and the settings
that change its output. Entries are written atomically and carry a checksum of their payload: a
corrupt, partial or mismatched entry is deleted and recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidscore.modelstore import cache_root

HASH_CHUNK_BYTES = 1 << 20
ENTRY_FORMAT = 1

_file_hashes: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """sha256 of the file's bytes (memoised per process by path, size and mtime)."""
    stat = os.stat(path)
    memo_key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    digest = _file_hashes.get(memo_key)
    if digest is None:
        sha = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK_BYTES):
                sha.update(chunk)
        digest = _file_hashes[memo_key] = sha.hexdigest()
    return digest


def default_cache_dir() -> Path:
    return cache_root() / "signals"


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class SignalCache:
    """Signal tracks stored as JSON under `root`; a `root` of None disables caching."""

    root: Path | None

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def _entry_path(self, video_sha256: str, name: str, version: int, settings: dict) -> Path:
        settings_hash = hashlib.sha256(_canonical(settings).encode()).hexdigest()[:16]
        return self.root / video_sha256[:2] / video_sha256 / f"{name}-v{version}-{settings_hash}.json"

    def get(self, video_sha256: str, name: str, version: int, settings: dict) -> dict | None:
        """The cached payload, or None when absent or not trustworthy (then it is removed)."""
        if self.root is None:
            return None
        path = self._entry_path(video_sha256, name, version, settings)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            payload = entry["payload"]
            valid = (
                entry.get("format") == ENTRY_FORMAT
                and entry.get("video_sha256") == video_sha256
                and entry.get("signal") == name
                and entry.get("version") == version
                and entry.get("settings") == json.loads(_canonical(settings))
                and entry.get("payload_sha256") == hashlib.sha256(_canonical(payload).encode()).hexdigest()
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            path.unlink(missing_ok=True)
            return None
        return payload

    def put(self, video_sha256: str, name: str, version: int, settings: dict, payload: dict) -> None:
        """Store `payload` atomically; a cache that cannot be written is skipped, not fatal."""
        if self.root is None:
            return
        path = self._entry_path(video_sha256, name, version, settings)
        entry = {
            "format": ENTRY_FORMAT,
            "video_sha256": video_sha256,
            "signal": name,
            "version": version,
            "settings": json.loads(_canonical(settings)),
            "payload_sha256": hashlib.sha256(_canonical(payload).encode()).hexdigest(),
            "payload": payload,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_canonical(entry))
            os.replace(tmp, path)
        except OSError:
            return

    def info(self) -> tuple[int, int, int]:
        """(videos, entries, bytes) currently stored."""
        if self.root is None or not self.root.is_dir():
            return 0, 0, 0
        videos = entries = size = 0
        for video_dir in self.root.glob("*/*"):
            if video_dir.is_dir():
                videos += 1
                for entry in video_dir.glob("*.json"):
                    entries += 1
                    size += entry.stat().st_size
        return videos, entries, size

    def clear(self) -> None:
        if self.root is not None and self.root.is_dir():
            shutil.rmtree(self.root)
