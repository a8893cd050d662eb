"""Open a media container with PyAV and turn its failures into one-line `MediaError`s."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import av

from vidscore.errors import MediaError, folded


def check_readable(path: Path) -> None:
    """Fail early, with the reason, for a path that is missing, not a file, empty or unreadable."""
    if not path.exists():
        raise MediaError("no such file" if not path.is_symlink() else _link_problem(path))
    if not path.is_file():
        raise MediaError("not a regular file")
    if path.stat().st_size == 0:
        raise MediaError("file is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        raise MediaError("permission denied (file is not readable)")


def _link_problem(path: Path) -> str:
    """Why the symbolic link `path` leads nowhere: a loop of links, or a missing target."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself)"
    return "broken symbolic link (its target does not exist)"


def open_container(path: Path) -> av.container.InputContainer:
    """Open `path` for demuxing; raise `MediaError` with the decoder's reason when it is not media."""
    check_readable(path)
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except PermissionError as exc:
        raise MediaError("permission denied (file is not readable)") from exc
    except av.error.InvalidDataError as exc:
        raise MediaError(f"not a readable video file ({folded(exc)})") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot open file ({folded(exc)})") from exc

