"""The terminal table: one row per video, colour only on a TTY, plain text when piped."""

from __future__ import annotations

import os
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from vidscore.result import VideoResult

PIPED_WIDTH = 160  # columns used when stdout is not a terminal (a file or a pipe has no width)


def _display_name(file: str) -> str:
    try:
        rel = os.path.relpath(file)
    except ValueError:
        return file
    return rel if not rel.startswith("..") else file


PILLAR_COLUMNS = ("hook", "product", "cta", "format", "overall")
DETAIL_MAX_VIDEOS = 3  # up to this many videos, each one's findings are printed under the table
GOOD_SCORE, FAIR_SCORE = 70.0, 50.0  # colour bands of a score


def _score(value: float | None) -> Text:
    if value is None:
        return Text("n/a", style="dim")
    style = "green" if value >= GOOD_SCORE else "yellow" if value >= FAIR_SCORE else "red"
    return Text(f"{value:.0f}", style=style)


def results_table(results: Sequence[VideoResult]) -> Table:
    """Pillar and overall scores per video with the top finding; scores are 0-100."""
    table = Table(header_style="bold", pad_edge=False, caption="scores 0-100; n/a = not checked (see the criteria)")
    table.add_column("file", overflow="fold", min_width=16)
    for header in ("dur", "display", "lang"):
        table.add_column(header, justify="right", no_wrap=True)
    for header in PILLAR_COLUMNS:
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("top finding", overflow="fold", min_width=12)
    for result in results:
        media, transcript = result.media, result.transcript
        if not result.ok:
            table.add_row(_display_name(result.file), *([""] * (3 + len(PILLAR_COLUMNS))),
                          Text(f"error: {result.error}", style="red"))
            continue
        top = result.diagnosis[0] if result.diagnosis else None
        finding = Text(top.id.replace("_", " "), style="red" if top.severity == "high" else "yellow") if top else Text("none", style="green")
        if result.warnings:
            finding.append(f" (warning: {'; '.join(result.warnings)})", style="yellow")
        scores = result.scores
        table.add_row(
            _display_name(result.file),
            f"{media.duration_s:.1f}",
            f"{media.width}x{media.height}" + (f" r{media.rotation}" if media.rotation else ""),
            (transcript.language or "-") if transcript else "n/a",
            *(_score(scores.pillar(p) if scores else None) for p in PILLAR_COLUMNS),
            finding,
        )
    return table


def print_findings(result: VideoResult, console: Console) -> None:
    """One video's findings: severity, what is wrong (with seconds), and the fix."""
    console.print(Text(_display_name(result.file), style="bold"))
    if not result.diagnosis:
        console.print(Text("  no problems found", style="green"))
    for d in result.diagnosis:
        style = {"high": "red", "medium": "yellow"}.get(d.severity, "")
        line = Text("  ")
        line.append(f"[{d.severity}] ", style=style)
        line.append(d.message)
        console.print(line)
        console.print(Text(f"    fix: {d.fix}", style="dim"))


def stdout_console() -> Console:
    """A console for stdout: the terminal's width, or a wide fixed width when piped."""
    console = Console()
    return console if console.is_terminal else Console(width=PIPED_WIDTH)


def print_results(results: Sequence[VideoResult], console: Console) -> None:
    console.print(results_table(results))
    scored = [r for r in results if r.ok]
    if len(scored) <= DETAIL_MAX_VIDEOS:
        for result in scored:
            print_findings(result, console)
    failed = sum(not r.ok for r in results)
    summary = f"{len(results) - failed} scored, {failed} failed"
    console.print(Text(summary, style="red" if failed else "green"))


CHECKS_SHOWN = 4  # failed checks listed per video, so a handful of drafts fit one screen


def print_verdicts(verdicts, console: Console) -> None:
    """`vidscore check`: PASS/FAIL per video with its reasons, then the failed checks that matter most."""
    for v in verdicts:
        line = Text()
        line.append("PASS " if v.passed else "FAIL ", style="bold green" if v.passed else "bold red")
        line.append(_display_name(v.file))
        if v.overall is not None:
            line.append(f"  overall {v.overall:.0f}")
        console.print(line)
        for reason in v.reasons:
            console.print(Text(f"  - {reason}", style="red"))
        for check in v.failed_checks[:CHECKS_SHOWN]:
            mark = "required, " if check.required else ""
            head = Text(f"  x {check.id}", style="bold")
            head.append(f" ({mark}+{check.gain_points:.0f} points if fixed): {check.why}")
            console.print(head)
            for e in check.evidence[:2]:
                console.print(Text(f"      at {e.start_s:.1f} s: {e.what}", style="dim"))
            console.print(Text(f"      fix: {check.fix}", style="cyan"))
        hidden = len(v.failed_checks) - CHECKS_SHOWN
        if hidden > 0:
            console.print(Text(f"  ... and {hidden} more failed checks (--json lists them all)", style="dim"))
    passed = sum(v.passed for v in verdicts)
    console.print(Text(f"{passed} of {len(verdicts)} passed", style="green" if passed == len(verdicts) else "red"))
