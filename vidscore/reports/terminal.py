"""The terminal table: one row per video, colour only on a TTY, plain text when piped."""

from __future__ import annotations

import os
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from vidscore.result import VideoResult

PIPED_WIDTH = 160  # columns used when stdout is not a terminal (a file or a pipe has no width)


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _display_name(file: str) -> str:
    try:
        rel = os.path.relpath(file)
    except ValueError:
        return file
    return rel if not rel.startswith("..") else file


def results_table(results: Sequence[VideoResult]) -> Table:
    """Media facts and the first-seconds signals per video; times are seconds from the start."""
    table = Table(header_style="bold", pad_edge=False, caption="times in seconds from the start; - = never")
    table.add_column("file", overflow="fold", min_width=16)
    for header in ("dur", "display", "audio", "lang", "speech", "1st text", "cuts<5s", "faces", "product"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("status", overflow="fold", min_width=10)
    for result in results:
        media, transcript, speech, sig = result.media, result.transcript, result.speech, result.signals
        if not result.ok:
            table.add_row(_display_name(result.file), *([""] * 9), Text(f"error: {result.error}", style="red"))
            continue
        product = "n/a"
        if sig.product is not None and sig.product.products:
            product = ", ".join(_s(p.first_seen_s) for p in sig.product.products)
        faces = "n/a"
        if sig.faces is not None and sig.faces.available:
            faces = f"{sig.faces.face_share():.0%}"
        status = Text("ok" + (f" ({'; '.join(result.warnings)})" if result.warnings else ""),
                      style="yellow" if result.warnings else "green")
        table.add_row(
            _display_name(result.file),
            f"{media.duration_s:.1f}",
            f"{media.width}x{media.height}" + (f" r{media.rotation}" if media.rotation else ""),
            "yes" if media.has_audio else "no",
            (transcript.language or "-") if transcript else "n/a",
            _s(speech.speech_onset_s) if speech else "n/a",
            _s(sig.text.first_text_s) if sig.text is not None else "n/a",
            str(sig.shots.cuts_first_5s) if sig.shots is not None else "n/a",
            faces,
            product,
            status,
        )
    return table


def stdout_console() -> Console:
    """A console for stdout: the terminal's width, or a wide fixed width when piped."""
    console = Console()
    return console if console.is_terminal else Console(width=PIPED_WIDTH)


def print_results(results: Sequence[VideoResult], console: Console) -> None:
    console.print(results_table(results))
    failed = sum(not r.ok for r in results)
    summary = f"{len(results) - failed} scored, {failed} failed"
    console.print(Text(summary, style="red" if failed else "green"))
