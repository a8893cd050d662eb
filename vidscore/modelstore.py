"""Offline ASR model files: find them in installed packages, assemble split ones, verify sha256.

The manifest `models/asr.json` (installed as `vidscore._models`) names the models vidscore knows.
Nothing here reaches the network: a model is a local directory or a clear `ModelError`.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidscore.errors import ModelError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

log = logging.getLogger(__name__)

CACHE_ENV_VAR = "VIDSCORE_CACHE_DIR"
MANIFEST_FILE = "asr.json"
MARKER_FILE = "vidscore-model.json"  # written into an assembled dir: what it was built from
# A CTranslate2 Whisper dir needs these; without tokenizer.json faster-whisper would download one.
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")
MULTILINGUAL_VOCAB_SIZE = 51865  # English-only Whisper vocabularies have 51864 entries
_HASH_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ModelStatus:
    """One manifest model as `vidscore models` shows it."""

    name: str
    state: str  # "assembled" | "installed" | "missing"
    languages: str | tuple[str, ...]  # "multilingual" or the language codes
    size_bytes: int
    install_hint: str | None  # the pip command when missing
    path: Path | None  # where it is (or will be assembled) when usable
    note: str

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "state": self.state,
            "languages": self.languages if isinstance(self.languages, str) else list(self.languages),
            "size_bytes": self.size_bytes,
            "install_hint": self.install_hint,
            "path": str(self.path) if self.path else None,
            "note": self.note,
        }


@dataclass(frozen=True)
class ResolvedModel:
    """A model directory ready to load, checked where a hash is known."""

    name: str  # manifest name, or the directory path for a local model
    path: Path  # directory holding model.bin, config.json, tokenizer.json
    label: str  # what reports show, e.g. "base" or "/m/x (unverified: no known sha256)"
    multilingual: bool
    verified: bool = True  # False for a local dir with no known sha256


# ---------------------------------------------------------------------------------- manifest


@lru_cache(maxsize=1)
def load_manifest() -> dict[str, Any]:
    """The parsed `asr.json`, from the installed package or, in a source checkout, `models/`."""
    try:
        text = importlib.resources.files("vidscore._models").joinpath(MANIFEST_FILE).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        text = (Path(__file__).resolve().parents[1] / "models" / MANIFEST_FILE).read_text("utf-8")
    return json.loads(text)


def manifest_models() -> dict[str, dict[str, Any]]:
    """Model name -> manifest entry."""
    return load_manifest()["models"]


def default_model_name() -> str:
    return load_manifest()["default"]


def install_hint(name: str) -> str:
    """The pip command that installs the packages of manifest model `name`."""
    pkgs = manifest_models()[name]["packages"]
    return "pip install " + " ".join(f"{p['distribution']}=={p['version']}" for p in pkgs)


def _languages(entry: dict[str, Any]) -> str | tuple[str, ...]:
    langs = entry["languages"]
    return langs if isinstance(langs, str) else tuple(langs)


# ---------------------------------------------------------------------------------- locations


def cache_root() -> Path:
    """vidscore's per-user cache dir; `VIDSCORE_CACHE_DIR` replaces it when set."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("vidscore"))


def models_cache_dir() -> Path:
    return cache_root() / "models"


def _package_root(module: str) -> Traversable | None:
    """The installed package's files, or None when it is not installed (tests patch this)."""
    try:
        return importlib.resources.files(module)
    except ModuleNotFoundError:
        return None


def _missing_packages(entry: dict[str, Any]) -> list[dict[str, str]]:
    return [p for p in entry["packages"] if _package_root(p["module"]) is None]


def _part_files(entry: dict[str, Any]) -> dict[str, list[Traversable]]:
    """Target file name -> its parts inside the installed packages (packages must be present)."""
    out: dict[str, list[Traversable]] = {}
    for target, spec in entry["files"].items():
        parts = []
        for part in spec["parts"]:
            root = _package_root(part["module"])
            if root is None:  # raced with an uninstall; callers check _missing_packages first
                raise ModelError(f"package module {part['module']} is not installed")
            parts.append(root.joinpath(*part["path"].split("/")))
        out[target] = parts
    return out


def _in_place_dir(parts: dict[str, list[Traversable]]) -> Path | None:
    """The package dir itself when every file is one real file, named as the target, in one dir."""
    dirs = set()
    for target, files in parts.items():
        if len(files) != 1 or not isinstance(files[0], Path) or files[0].name != target:
            return None
        dirs.add(files[0].parent)
    return dirs.pop() if len(dirs) == 1 else None


# ---------------------------------------------------------------------------------- hashing

_verified: set[tuple[str, int, int]] = set()  # (path, size, mtime_ns) whose sha256 matched
_lock = threading.Lock()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK_BYTES):
            h.update(chunk)
    return h.hexdigest()


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def verify_file(path: Path, expected_sha256: str, what: str, hint: str = "") -> None:
    """Raise `ModelError` unless `path` hashes to `expected_sha256` (checked once per process)."""
    key = _stat_key(path)
    if key in _verified:
        return
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelError(
            f"{what}: {path} failed its sha256 check (got {actual[:16]}…, expected "
            f"{expected_sha256[:16]}…); it was not loaded{f' ({hint})' if hint else ''}"
        )
    _verified.add(key)


def _reinstall_hint(name: str) -> str:
    return "reinstall: " + install_hint(name).replace("pip install", "pip install --force-reinstall", 1)


# ---------------------------------------------------------------------------------- assembly


def _write_joined(parts: list[Traversable], dest: Path) -> str:
    """Concatenate `parts` into `dest`; return the sha256 of what was written."""
    h = hashlib.sha256()
    with open(dest, "wb") as out:
        for part in parts:
            try:
                src = part.open("rb")
            except FileNotFoundError as exc:
                raise ModelError(f"model file {part} is missing from its package; reinstall it") from exc
            with src:
                while chunk := src.read(_HASH_CHUNK_BYTES):
                    h.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest()


def _assemble(name: str, entry: dict[str, Any], target: Path) -> None:
    """Build `target` from the packages: write into a temp dir beside it, verify, then rename.

    Processes racing here each write their own temp dir; the first rename wins and the others
    discard theirs, so a reader never sees a half-written model.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _cache_error(target.parent, exc) from exc
    try:
        parts = _part_files(entry)
        digest = ""
        for fname, files in parts.items():
            written = _write_joined(files, tmp / fname)
            if fname == "model.bin":
                digest = written
        if digest != entry["sha256"]:
            sources = " + ".join(str(p) for p in parts["model.bin"])
            raise ModelError(
                f"model '{name}': model.bin joined from {sources} failed its sha256 check (got "
                f"{digest[:16]}…, expected {entry['sha256'][:16]}…); it was not loaded ({_reinstall_hint(name)})"
            )
        marker = {"name": name, "sha256": digest, "packages": entry["packages"]}
        (tmp / MARKER_FILE).write_text(json.dumps(marker, indent=1), "utf-8")
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "model.bin").is_file():
                raise
            log.debug("model %s was assembled by another process meanwhile", name)
        else:
            _verified.add(_stat_key(target / "model.bin"))  # hashed while writing
            log.info("assembled model %s into %s", name, target)
    except OSError as exc:  # disk full, permissions
        raise _cache_error(target.parent, exc) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cache_error(folder: Path, exc: OSError) -> ModelError:
    return ModelError(f"cannot write the model cache {folder}: {exc.strerror or exc}; "
                      f"free some space or set {CACHE_ENV_VAR} to a writable folder")


def _discard(target: Path) -> None:
    """Move a bad assembled dir aside (atomic for readers), then delete it."""
    aside = target.parent / f".{target.name}.bad-{os.getpid()}-{threading.get_ident()}"
    try:
        os.rename(target, aside)
    except FileNotFoundError:
        return
    shutil.rmtree(aside, ignore_errors=True)


def _resolve_manifest_model(name: str) -> ResolvedModel:
    entry = manifest_models()[name]
    multilingual = entry["languages"] == "multilingual"
    assembled = models_cache_dir() / name
    if (assembled / "model.bin").is_file():
        try:
            verify_file(assembled / "model.bin", entry["sha256"], f"model '{name}'")
            return ResolvedModel(name, assembled, name, multilingual)
        except ModelError:
            log.warning("assembled copy of model %s in %s is corrupt; rebuilding it", name, assembled)
            _discard(assembled)
    elif assembled.exists():  # an incomplete copy (files deleted by hand)
        _discard(assembled)
    missing = _missing_packages(entry)
    if missing:
        raise ModelError(f"model '{name}' is not installed: {install_hint(name)}")
    in_place = _in_place_dir(_part_files(entry))
    if in_place is not None:
        verify_file(in_place / "model.bin", entry["sha256"], f"model '{name}'", _reinstall_hint(name))
        return ResolvedModel(name, in_place, name, multilingual)
    _assemble(name, entry, assembled)
    verify_file(assembled / "model.bin", entry["sha256"], f"model '{name}'")
    return ResolvedModel(name, assembled, name, multilingual)


# ---------------------------------------------------------------------------------- local dirs


def _vocabulary_size(model_dir: Path) -> int | None:
    txt = model_dir / "vocabulary.txt"
    if txt.is_file():
        with open(txt, "rb") as fh:
            return sum(1 for _ in fh)
    js = model_dir / "vocabulary.json"
    if js.is_file():
        return len(json.loads(js.read_text("utf-8")))
    return None


def _resolve_local_dir(value: str) -> ResolvedModel:
    path = Path(value).expanduser()
    if not path.exists():
        raise ModelError(
            f"ASR model '{value}' not found: use one of {', '.join(manifest_models())} or the path of "
            "a CTranslate2 Whisper model directory"
        )
    if not path.is_dir():
        raise ModelError(
            f"ASR model path {path} is a file: faster-whisper needs a CTranslate2 model directory "
            "(model.bin, config.json, tokenizer.json); an openai-whisper .pt checkpoint needs "
            "--asr-engine openai-whisper"
        )
    path = path.resolve()
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if not any((path / f).is_file() for f in VOCABULARY_FILES):
        missing.append(" or ".join(VOCABULARY_FILES))
    if missing:
        raise ModelError(f"ASR model directory {path} lacks {', '.join(missing)}")
    vocab = _vocabulary_size(path)
    multilingual = vocab is None or vocab >= MULTILINGUAL_VOCAB_SIZE
    entry = manifest_models().get(path.name)
    if entry is not None:
        # Named like a known model: it must hold exactly those weights.
        verify_file(path / "model.bin", entry["sha256"], f"model directory {path} (named like model '{path.name}')")
        return ResolvedModel(path.name, path, f"{path.name} ({path})", multilingual)
    return ResolvedModel(str(path), path, f"{path} (unverified: no known sha256)", multilingual, verified=False)


# ---------------------------------------------------------------------------------- public

_name_locks: dict[str, threading.Lock] = {}


def _lock_for(key: str) -> threading.Lock:
    """One lock per model so threads of one process assemble and hash a model once."""
    with _lock:
        return _name_locks.setdefault(key, threading.Lock())


def resolve_model(name_or_path: str) -> ResolvedModel:
    """A manifest name (assembled into the cache on first use) or a local model dir, verified.

    Raises `ModelError` for a missing package (with the pip command), a hash mismatch (naming
    the file, which is then not loaded) or a path that is not a usable model directory.
    """
    with _lock_for(name_or_path):
        if name_or_path in manifest_models():
            return _resolve_manifest_model(name_or_path)
        return _resolve_local_dir(name_or_path)


def list_models() -> list[ModelStatus]:
    """Every manifest model with its state; fast (no hashing)."""
    out = []
    for name, entry in manifest_models().items():
        size = int(entry["size_bytes"])
        langs = _languages(entry)
        assembled = models_cache_dir() / name
        missing = _missing_packages(entry)
        if (assembled / "model.bin").is_file():
            out.append(ModelStatus(name, "assembled", langs, size, None, assembled,
                                   f"{entry['description']}; {entry['speed']}"))
        elif missing:
            names = ", ".join(p["distribution"] for p in missing)
            out.append(ModelStatus(name, "missing", langs, size, install_hint(name), None,
                                   f"{entry['description']}; package {names} not installed"))
        else:
            in_place = _in_place_dir(_part_files(entry))
            if in_place is not None:
                note = f"{entry['description']}; used in place; {entry['speed']}"
                out.append(ModelStatus(name, "installed", langs, size, None, in_place, note))
            else:
                note = (f"{entry['description']}; assembled into {assembled} on first use "
                        f"({size / 1e6:.0f} MB); {entry['speed']}")
                out.append(ModelStatus(name, "installed", langs, size, None, assembled, note))
    return out
