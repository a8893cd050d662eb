"""The terminal table: one row per video, colour only on a TTY, plain text when piped."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from vidscore.result import VideoResult


def results_table(results: Sequence[VideoResult]) -> Table:
    table = Table(show_lines=False, header_style="bold", pad_edge=False)
    table.add_column("file", overflow="fold")
    table.add_column("dur s", justify="right")
    table.add_column("display", justify="right")
    table.add_column("rot", justify="right")
    table.add_column("codec")
    table.add_column("audio")
    table.add_column("lang")
    table.add_column("speech at", justify="right")
    table.add_column("words/s", justify="right")
    table.add_column("status", overflow="fold")
    for result in results:
        media, transcript, speech = result.media, result.transcript, result.speech
        if result.ok:
            status = Text("ok" + (f" ({'; '.join(result.warnings)})" if result.warnings else ""), style="green")
        else:
            status = Text(f"error: {result.error}", style="red")
        table.add_row(
            result.file,
            f"{media.duration_s:.1f}" if media else "",
            f"{media.width}x{media.height}" if media else "",
            f"{media.rotation}" if media else "",
            media.codec if media else "",
            ("yes" if media.has_audio else "no") if media else "",
            (transcript.language or "-") if transcript else "",
            f"{speech.speech_onset_s:.2f}" if speech and speech.speech_onset_s is not None else ("-" if speech else ""),
            f"{speech.words_per_s:.1f}" if speech else "",
            status,
        )
    return table


def print_results(results: Sequence[VideoResult], console: Console) -> None:
    console.print(results_table(results))
    failed = sum(not r.ok for r in results)
    summary = f"{len(results) - failed} scored, {failed} failed"
    console.print(Text(summary, style="red" if failed else "green"))
