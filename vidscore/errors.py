"""Exceptions with one-line, user-facing messages.

Every failure a user can cause (bad file, missing model, bad option) is a `VidscoreError`; the CLI
prints its message on one line and never a traceback (unless --debug).
"""


class VidscoreError(Exception):
    """Base class: the message is shown to the user as is."""


class MediaError(VidscoreError):
    """The file cannot be read as a video (empty, truncated, not a video, unreadable)."""


class ModelError(VidscoreError):
    """A model is missing, corrupt (hash mismatch) or cannot be loaded."""


class ConfigError(VidscoreError):
    """An option or configuration value is invalid."""


def folded(exc: BaseException) -> str:
    """An underlying library's reason on one line: its `strerror` when it has one (FFmpeg and OS
    errors, without the file name they append), else its message, else its type name."""
    text = getattr(exc, "strerror", None) or str(exc)
    return " ".join(str(text).split()).rstrip(".") or type(exc).__name__


def one_line(exc: BaseException) -> str:
    """The exception as a single line: its message with newlines folded, or its type name."""
    text = " ".join(str(exc).split())
    if isinstance(exc, VidscoreError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
