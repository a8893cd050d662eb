"""Nothing reaches the network: a full score (speech with the default model, product photos) runs
with Python's socket layer blocked, and the guard records no attempt.

The guard lives in a `sitecustomize` module on PYTHONPATH of a subprocess, so it is active from
interpreter start (before vidscore or any library is imported) and cannot leak into the test
process. It blocks and records internet connections and name lookups; local (AF_UNIX) sockets are
not network and stay allowed. The model cache is fresh, so model assembly and verification run
offline too. HF_HUB_OFFLINE and friends are removed from the environment: the product must not
rely on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

OFFLINE_HINT_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
RUN_TIMEOUT_S = 600

SOCKET_GUARD = '''
"""Test guard: record and refuse every attempt to reach the network."""
import os
import socket
import traceback

_LOG = os.environ["VIDSCORE_TEST_NETWORK_LOG"]


def _refuse(what, target):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {what} {target!r}\\n{''.join(traceback.format_stack(limit=8))}\\n")
    raise OSError(f"network blocked by the vidscore offline test: {what} {target!r}")


def _is_local(sock):
    return getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX


_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto


def connect(self, address):
    return _connect(self, address) if _is_local(self) else _refuse("connect", address)


def connect_ex(self, address):
    return _connect_ex(self, address) if _is_local(self) else _refuse("connect_ex", address)


def sendto(self, data, *args):
    return _sendto(self, data, *args) if _is_local(self) else _refuse("sendto", args[-1])


socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
socket.create_connection = lambda address, *a, **k: _refuse("create_connection", address)
socket.getaddrinfo = lambda host, *a, **k: _refuse("getaddrinfo", host)
socket.gethostbyname = lambda host: _refuse("gethostbyname", host)
socket.gethostbyname_ex = lambda host: _refuse("gethostbyname_ex", host)
'''


def test_full_score_with_speech_and_product_makes_no_network_attempt(samples_dir, tmp_path):
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(SOCKET_GUARD, encoding="utf-8")
    log = tmp_path / "network-attempts.log"
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_HINT_VARS}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(guard_dir), env.get("PYTHONPATH")])),
               VIDSCORE_TEST_NETWORK_LOG=str(log), VIDSCORE_CACHE_DIR=str(tmp_path / "fresh-cache"))

    armed = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80))"],
                           env=env, capture_output=True, text=True)
    assert armed.returncode != 0 and "network blocked" in armed.stderr, "the guard is active in subprocesses"
    log.unlink()

    photo = samples_dir / "products" / "glowa_front.jpg"
    done = subprocess.run([sys.executable, "-m", "vidscore", "score", str(samples_dir / "strong.mp4"),
                           "--product", f"Glowa serum={photo}", "--json", "-", "-q"],
                          env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    attempts = log.read_text(encoding="utf-8") if log.exists() else ""
    assert attempts == "", f"network attempts:\n{attempts}"
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["results"]
    assert result["ok"] is True
    assert result["transcript"]["text"].strip(), "speech was transcribed"
    (product,) = result["signals"]["product"]["products"]
    assert product["name"] == "Glowa serum" and product["first_seen_s"] is not None
    assert (tmp_path / "fresh-cache").exists(), "the fresh cache was the one used"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_guard_allows_local_sockets(tmp_path):
    """The guard must not turn local IPC into false alarms (AF_UNIX is not the network)."""
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(SOCKET_GUARD, encoding="utf-8")
    log = tmp_path / "log"
    env = {**os.environ, "PYTHONPATH": str(guard_dir), "VIDSCORE_TEST_NETWORK_LOG": str(log)}
    code = ("import socket\na, b = socket.socketpair()\na.sendall(b'x')\nassert b.recv(1) == b'x'\n"
            f"s = socket.socket(socket.AF_UNIX)\ns.bind({str(tmp_path / 'sock')!r})\ns.listen()\n"
            f"c = socket.socket(socket.AF_UNIX)\nc.connect({str(tmp_path / 'sock')!r})\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not log.exists()
