"""The terminal table: one row per video, colour only on a TTY, plain text when piped."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from vidscore.result import VideoResult

PIPED_WIDTH = 160  # columns used when stdout is not a terminal (a file or a pipe has no width)


def display_name(file: str) -> str:
    """A file as reports show it: relative to the working directory when it lies below it."""
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
            table.add_row(Text(display_name(result.file)), *([""] * (3 + len(PILLAR_COLUMNS))),
                          Text(f"error: {result.error}", style="red"))
            continue
        top = result.diagnosis[0] if result.diagnosis else None
        finding = Text(top.id.replace("_", " "), style="red" if top.severity == "high" else "yellow") if top else Text("none", style="green")
        if result.warnings:
            finding.append(f" (warning: {'; '.join(result.warnings)})", style="yellow")
        scores = result.scores
        table.add_row(
            Text(display_name(result.file)),
            f"{media.duration_s:.1f}",
            f"{media.width}x{media.height}" + (f" r{media.rotation}" if media.rotation else ""),
            (transcript.language or "-") if transcript else "n/a",
            *(_score(scores.pillar(p) if scores else None) for p in PILLAR_COLUMNS),
            finding,
        )
    return table


def print_findings(result: VideoResult, console: Console) -> None:
    """One video's findings: severity, what is wrong (with seconds), and the fix."""
    console.print(Text(display_name(result.file), style="bold"))
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
        line.append(display_name(v.file))
        if v.overall is not None:
            line.append(f"  overall {v.overall:.1f}")
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


TIMELINE_WIDTH = 60  # characters for the longest compared video


def _lane(spans: Sequence[tuple[float, float]], scale_s: float, mark: str = "█") -> str:
    cells = [" "] * TIMELINE_WIDTH
    for start_s, end_s in spans:
        first = min(TIMELINE_WIDTH - 1, int(start_s / scale_s * TIMELINE_WIDTH))
        last = min(TIMELINE_WIDTH - 1, max(first, int(end_s / scale_s * TIMELINE_WIDTH - 1e-9)))
        for i in range(first, last + 1):
            cells[i] = mark
    return "".join(cells)


def timeline_lanes(result: VideoResult, scale_s: float) -> list[tuple[str, str]]:
    """Text lanes on a shared time scale: product on screen, speech, on-screen text, cuts, CTA moments."""
    sig, lanes = result.signals, []
    if sig.product is not None:
        for product in sig.product.products:
            lanes.append((product.name[:10], _lane([(i.start_s, i.end_s) for i in product.intervals], scale_s)))
    if result.transcript is not None:
        lanes.append(("speech", _lane([(s.start_s, s.end_s) for s in result.transcript.segments], scale_s, "▄")))
    if sig.text is not None:
        lanes.append(("text", _lane([(ln.start_s, ln.end_s) for ln in sig.text.lines], scale_s, "▒")))
    if sig.shots is not None:
        lanes.append(("cuts", _lane([(t, t) for t in sig.shots.boundaries_s], scale_s, "|")))
    ctas = [(e.start_s, e.end_s) for cid in ("cta_spoken", "cta_text") if (c := result.criterion(cid)) for e in c.evidence]
    lanes.append(("CTA", _lane(ctas, scale_s, "▲")))
    return lanes


def print_comparison(comparison, console: Console) -> None:
    """`vidscore compare`: scores and criteria side by side, aligned timelines, and each draft's gaps."""
    videos = [comparison.reference, *comparison.drafts]
    table = Table(header_style="bold", pad_edge=False,
                  caption="★ reference" + ("" if comparison.reference_chosen else " (the best overall score)"))
    table.add_column("", no_wrap=True)
    for i, r in enumerate(videos):
        table.add_column(Text(("★ " if i == 0 else "") + Path(r.file).name), justify="center", overflow="fold")
    for pillar in PILLAR_COLUMNS:
        table.add_row(Text(pillar, style="bold"), *(_score(r.scores.pillar(pillar)) if r.scores else Text("error", style="red")
                                                     for r in videos))
    ids = next(([c.id for c in r.criteria] for r in videos if r.ok), [])
    for cid in ids:
        cells = []
        for r in videos:
            c = r.criterion(cid)
            cells.append(Text("-", style="dim") if c is None or c.passed is None else
                         Text("pass", style="green") if c.passed else Text("fail", style="red"))
        table.add_row(cid, *cells)
    console.print(table)
    scale_s = max((r.media.duration_s for r in videos if r.media), default=1.0) or 1.0
    console.print(Text(f"timelines, one scale: 0 to {scale_s:.1f} s, {scale_s / TIMELINE_WIDTH:.2f} s per character", style="bold"))
    for i, r in enumerate(videos):
        console.print(Text(("★ " if i == 0 else "  ") + display_name(r.file), style="bold"))
        if not r.ok:
            console.print(Text(f"    error: {r.error}", style="red"))
            continue
        for name, lane in timeline_lanes(r, scale_s):
            console.print(Text(f"    {name:<10} │{lane}│"), markup=False, highlight=False)
    for draft in comparison.drafts:
        diffs = comparison.differences.get(draft.file)
        console.print(Text(f"{display_name(draft.file)} against the reference:", style="bold"))
        if diffs is None:
            console.print(Text(f"  {comparison.not_compared(draft)}", style="red"))
            continue
        if not diffs:
            console.print(Text("  no difference in what passes and fails"))
        for d in diffs:
            style = "green" if d.draft_better else ""
            gain = "better here" if d.draft_better else f"+{d.impact_points:.0f} points if matched"
            console.print(Text(f"  - {d.message} ({gain})", style=style))
