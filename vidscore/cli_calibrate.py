"""`vidscore calibrate`: fit the scoring weights to a team's own results and explain what was found."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from vidscore.calibrate import TARGETS, CalibrationReport, OutcomeColumns, calibrate
from vidscore.cli import (EXIT_OK, UsageFailure, _analyze_config, _cache, _preflight_speech, _setup_logging,
                          _with_progress)
from vidscore.errors import VidscoreError, one_line
from vidscore.reports.terminal import stdout_console

MAX_EFFECT_ROWS = 15  # the effects table shows the strongest ones; the model file holds them all


@click.command("calibrate")
@click.argument("csv_file", metavar="RESULTS.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", type=click.Choice(list(TARGETS)), default="orders", show_default=True,
              help="The outcome to explain: orders (orders per 1,000 views), conversion_rate (orders per 100 clicks), "
                   "ctr (clicks per 100 views).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the fitted scoring model (default: next to the CSV, RESULTS-TARGET-model.json).")
@click.option("--file-column", default="file", show_default=True,
              help="Column with each video's path (relative to the CSV).")
@click.option("--views-column", default="views", show_default=True, help="Column with the view counts.")
@click.option("--clicks-column", default="clicks", show_default=True, help="Column with the click counts.")
@click.option("--orders-column", default="orders", show_default=True, help="Column with the order counts.")
@click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Config file (default: ./vidscore.toml when present): the products, brand and criteria to score with.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Videos scored in parallel processes (0 = one per core).")
@click.option("--no-speech", is_flag=True, help="Skip speech recognition (faster; spoken criteria are then n/a).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where extracted signals are cached (default: the user cache dir).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the signal cache.")
@click.option("--html", "html_out", metavar="FILE", help="Also write the report as a self-contained HTML page.")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no report; only errors.")
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
def calibrate_command(csv_file, target, out_path, file_column, views_column, clicks_column, orders_column,
                      config_file, jobs, no_speech, cache_dir, no_cache, html_out, quiet, debug) -> None:
    """Learn from your own results: which signals went with higher conversion in YOUR videos.

    RESULTS.csv has one row per published video: `file` (its path, relative to the CSV) and outcome
    counts (`views`, `clicks`, `orders`; other names with the --*-column options). Each video is
    scored (cached signals are reused), then a small regularised linear model relates the outcome
    rate to the criterion and pillar scores. The report ranks the signals by effect, gives the
    cross-validated fit, and flags videos that did far better or worse than their content predicts.

    The fitted weights are written as a scoring model: use it with `vidscore score --model FILE`, or
    `model = "FILE"` in vidscore.toml. With fewer than 20 videos the effects are rough hints.

    \b
    Exit codes: 0 calibrated (the warnings say how far to trust it),
                2 usage or data error (bad CSV value, missing column, too few videos, constant outcome).
    """
    from vidscore.batch import default_jobs

    _setup_logging(debug)
    err = Console(stderr=True, quiet=quiet)
    columns = OutcomeColumns(file=file_column, views=views_column, clicks=clicks_column, orders=orders_column)
    try:
        config = _analyze_config(config_file, None, (), err, speech=not no_speech)
        if config.speech is not None:
            _preflight_speech(config.speech)
        report = calibrate(csv_file, config, target=target, out_path=out_path, jobs=jobs or default_jobs(),
                           cache=_cache(cache_dir, no_cache), columns=columns, debug=debug,
                           progress=lambda items, total: _with_progress(items, total, err))
    except VidscoreError as exc:
        raise UsageFailure(one_line(exc)) from exc
    for skipped in report.skipped:
        click.echo(f"vidscore: {report.csv_path} line {skipped.line}: {skipped.name}: skipped, {skipped.reason}", err=True)
    if html_out:
        from vidscore.reports.files import write_text
        from vidscore.reports.html_report import render_calibration_html

        write_text(html_out, render_calibration_html(report))
    if not quiet:
        print_calibration(report, stdout_console())
    sys.exit(EXIT_OK)


def print_calibration(report: CalibrationReport, console: Console) -> None:
    """The fit summary, warnings, ranked effects, flagged videos, and how to use the model file."""
    cal = report.calibration
    unit = cal.target.unit
    console.print(Text.assemble(
        ("calibration ", "bold"), f"{cal.n_videos} videos, target {cal.target.name} ({unit}); mean {cal.mean_outcome:.3g}; ",
        (f"cross-validated R² {cal.cv_r2:.2f}", "green" if cal.better_than_mean else "red"),
        f" ({cal.folds}-fold, against predicting the mean); ridge alpha {cal.alpha:.3g}",
    ))
    if report.skipped:
        console.print(Text(f"{len(report.skipped)} row{'s' if len(report.skipped) != 1 else ''} skipped (missing or unreadable videos, listed on stderr)",
                           style="yellow"))
    for warning in cal.warnings:
        console.print(Text(f"warning: {warning}", style="bold yellow"))

    table = Table(header_style="bold", pad_edge=False,
                  caption=f"effects: associations in this data, not causes. std = outcome SDs per SD of the signal "
                          f"(ranked by size); per +10 = change in {unit} per +10 score points")
    for header, justify in (("#", "right"), ("signal", "left"), ("pillar", "left"), ("direction", "left"),
                            ("std", "right"), ("per +10", "right")):
        table.add_column(header, justify=justify, overflow="fold")
    for effect in cal.effects[:MAX_EFFECT_ROWS]:
        direction = Text("higher", style="green") if effect.standardised > 0 else \
            Text("lower", style="red") if effect.standardised < 0 else Text("none", style="dim")
        table.add_row(str(effect.rank), effect.label, effect.pillar or "", direction,
                      f"{effect.standardised:+.2f}", f"{effect.per_10_points:+.3g}")
    console.print(table)
    if len(cal.effects) > MAX_EFFECT_ROWS:
        console.print(Text(f"({len(cal.effects) - MAX_EFFECT_ROWS} weaker effects in the model file)", style="dim"))

    flagged = cal.flagged
    if flagged:
        console.print(Text("videos whose outcome their content does not explain", style="bold"))
        for residual in flagged:
            console.print(Text.assemble((f"  {residual.video}: ", "bold"), residual.sentence()))
    for note in (*cal.notes, *report.weights.notes):
        console.print(Text(f"note: {note}", style="dim"))
    pillars = ", ".join(f"{p} {w:.2f}" for p, w in report.weights.pillars.items())
    console.print(Text.assemble(("model written: ", "bold"), str(report.model_path), f" (pillar weights {pillars})"))
    advice = "use it" if cal.trustworthy else "once the fit is trustworthy (see the warnings), use it"
    console.print(f"{advice}: vidscore score --model {report.model_path} VIDEOS, "
                  f"or model = \"{report.model_path.resolve()}\" in vidscore.toml", markup=False, highlight=False)
