"""The `vidscore` command: a thin layer over the library (discover → analyze → reports)."""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vidscore import __version__
from vidscore.batch import VIDEO_EXTENSIONS, default_jobs, discover, run_batch
from vidscore.config import AnalyzeConfig, ScoringConfig
from vidscore.criteria.catalog import PLATFORMS
from vidscore.errors import VidscoreError, one_line
from vidscore.reports.terminal import print_results, stdout_console
from vidscore.result import VideoResult
from vidscore.signals.speech import SpeechSettings

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_CHECK_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXECUTORS = ("local", "dask")


class UsageFailure(click.ClickException):
    """A usage error (bad path, no videos, missing model): one line, exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"vidscore: error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="vidscore")
def main() -> None:
    """Score short marketing videos (TikTok, Reels, Shorts) like a content expert would.

    Everything runs offline on this machine. Start with `vidscore score VIDEO_OR_FOLDER`.
    """


_ANALYSIS_OPTIONS = (
    click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
                 help="Videos scored in parallel processes (0 = one per core); with --executor dask and no "
                      "--scheduler, the LocalCluster's workers (default there: one per core)."),
    click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
                 help="Where the videos are scored: worker processes here, or a Dask cluster, one task per video "
                      "(the dask extra: pip install 'vidscore[dask]'); dask also reads s3://, gs://, file:// URLs."),
    click.option("--scheduler", metavar="ADDRESS", default=None,
                 help="With --executor dask: the Dask scheduler to use, e.g. tcp://scheduler:8786 (default: a "
                      "LocalCluster on this machine). Workers must reach the inputs, photos and --cache-dir."),
    click.option("-r", "--recursive", is_flag=True, help="Also look for videos in sub-folders."),
    click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
                 help="Give up on a video that takes longer than this (it gets an error row; the others go on)."),
    click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="Config file (default: ./vidscore.toml when present): products, brand, platform, phrases, "
                      "criterion thresholds and weights. See vidscore.example.toml."),
    click.option("--platform", type=click.Choice(sorted(PLATFORMS)), default=None,
                 help="Platform whose specs and safe zones apply (default: the config's, else tiktok)."),
    click.option("--model", "scoring_model", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="Scoring weights file (written by `vidscore calibrate`); default: the config's model, "
                      "else the packaged models/scoring.json."),
    click.option("--product", "products", multiple=True, metavar="NAME=PHOTO",
                 help="A product to look for, with a reference photo of it (repeat for more photos or products); "
                      "added to the config file's products."),
    click.option("--asr-engine", type=click.Choice(["faster-whisper", "openai-whisper"]), default="faster-whisper",
                 show_default=True, help="Speech recognition engine (openai-whisper is an optional extra)."),
    click.option("--asr-model", default="base", show_default=True, metavar="NAME|PATH",
                 help="ASR model: base (multilingual), tiny.en (faster, English only), a local CTranslate2 "
                      "model folder, or for openai-whisper a checkpoint file or a name in its cache. "
                      "See `vidscore models`."),
    click.option("--language", default="auto", show_default=True, metavar="auto|CODE",
                 help="Spoken language (ISO code such as en, it, es), or auto-detect (the config's language "
                      "when it sets one)."),
    click.option("--no-speech", is_flag=True, help="Skip speech recognition (faster; no transcript)."),
    click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                 help="Where extracted signals are cached (default: the user cache dir, see `vidscore cache info`)."),
    click.option("--no-cache", is_flag=True, help="Neither read nor write the signal cache."),
    click.option("-q", "--quiet", is_flag=True, help="No progress and no table; only errors and the requested output."),
    click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors."),
)


def analysis_options(command):
    """The options every analysing command shares (config, speech, cache, jobs, ...)."""
    for option in reversed(_ANALYSIS_OPTIONS):
        command = option(command)
    return click.pass_context(command)


@dataclasses.dataclass
class Batch:
    """What an analysing command ran: results in input order (None where unfinished)."""

    config: AnalyzeConfig
    videos: list[Path | str]  # str: a URL (--executor dask)
    results: list[VideoResult | None]
    interrupted: bool

    @property
    def finished(self) -> list[VideoResult]:
        return [r for r in self.results if r is not None]

    def report_failures(self) -> None:
        for result in self.finished:
            if not result.ok:
                click.echo(f"vidscore: {result.file}: {result.error}", err=True)
        if self.interrupted:
            click.echo(f"vidscore: interrupted: kept {len(self.finished)} of {len(self.videos)} results", err=True)


def _analyze_paths(ctx: click.Context, paths, opts: dict, err: Console) -> Batch:
    """Build the config, find the videos, check the model once, then analyse them with progress."""
    _setup_logging(opts["debug"])
    try:
        language_given = ctx.get_parameter_source("language") is not click.core.ParameterSource.DEFAULT
        config = _analyze_config(opts["config_file"], opts["platform"], opts["products"], err,
                                 speech=not opts["no_speech"], engine=opts["asr_engine"], model=opts["asr_model"],
                                 language=opts["language"] if language_given else None,
                                 scoring_model=opts["scoring_model"])
        dask = opts["executor"] == "dask"
        if opts["scheduler"] and not dask:
            raise VidscoreError("--scheduler needs --executor dask")
        if dask:
            from vidscore.dask_executor import import_distributed

            import_distributed()  # a missing extra is one line, before anything is listed
        videos = discover(paths, recursive=opts["recursive"], urls=dask)
        if not videos:
            hint = "" if opts["recursive"] else "; add --recursive for sub-folders"
            raise VidscoreError(f"no video files found in {', '.join(paths)} "
                                f"(looked for {', '.join(sorted(VIDEO_EXTENSIONS))}{hint})")
        if config.speech is not None and not opts["scheduler"]:  # remote workers verify their own models
            _preflight_speech(config.speech)
    except VidscoreError as exc:
        raise UsageFailure(one_line(exc)) from exc
    batch = Batch(config=config, videos=videos, results=[None] * len(videos), interrupted=False)
    runs = _start_runs(ctx, videos, config, opts)
    try:
        for index, result in _with_progress(runs, len(videos), err):
            batch.results[index] = result
    except KeyboardInterrupt:
        batch.interrupted = True
    except VidscoreError as exc:  # the Dask scheduler could not be reached
        raise UsageFailure(one_line(exc)) from exc
    finally:
        runs.close()  # stops the workers (or cancels the Dask tasks) now, not when garbage-collected
    return batch


def _start_runs(ctx: click.Context, videos: list, config: AnalyzeConfig, opts: dict):
    """The `(index, result)` stream of the chosen executor: local worker processes or Dask tasks."""
    jobs_given = ctx.get_parameter_source("jobs") is not click.core.ParameterSource.DEFAULT
    if opts["executor"] != "dask":
        return run_batch(videos, config, jobs=opts["jobs"] or default_jobs(), debug=opts["debug"],
                         cache=_cache(opts["cache_dir"], opts["no_cache"]), timeout_s=opts["timeout"])
    from vidscore.cache import SignalCache
    from vidscore.dask_executor import run_dask, silence_dask_logs

    if opts["no_cache"]:
        cache = SignalCache(None)
    elif opts["cache_dir"] is not None:
        cache = SignalCache(opts["cache_dir"].absolute())  # a path the workers can reach (shared file system)
    else:
        cache = None  # each worker's own default cache dir: the same as here on a LocalCluster
    if not opts["debug"]:
        silence_dask_logs()  # for the whole command: the cluster's shutdown logs too
    return run_dask(videos, config, scheduler=opts["scheduler"], workers=opts["jobs"] if jobs_given else 0,
                    debug=opts["debug"], cache=cache, timeout_s=opts["timeout"])


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "json_out", metavar="FILE", help="Write the results as JSON to FILE ('-' for stdout).")
@click.option("--csv", "csv_out", metavar="FILE", help="Write one CSV row per video to FILE ('-' for stdout).")
@click.option("--html", "html_out", metavar="FILE",
              help="Write a self-contained HTML report (keyframes, timeline, transcript, every criterion).")
@analysis_options
def score(ctx, paths, json_out, csv_out, html_out, **opts):
    """Score videos: PATHS are video files and/or folders of videos.

    Folders are searched for .mp4 .mov .m4v .webm .mkv .avi files. A file that cannot be scored
    gets an error row and the others are still scored.

    \b
    Exit codes: 0 all videos scored, 1 some video failed (see its error),
                2 usage error (no such path, no video found, missing model, bad config),
                130 interrupted (results finished so far are written).
    """
    err = Console(stderr=True, quiet=opts["quiet"])
    batch = _analyze_paths(ctx, paths, opts, err)
    finished = batch.finished
    _write_reports(finished, json_out, csv_out, html_out, err)
    if not opts["quiet"] and "-" not in (json_out, csv_out):
        print_results(finished, stdout_console())
    batch.report_failures()
    if batch.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_SOME_FAILED if any(not r.ok for r in finished) else EXIT_OK)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--reference", metavar="VIDEO", default=None,
              help="The video to hold the others against (e.g. the draft that sold); default: the best overall score.")
@click.option("--html", "html_out", metavar="FILE", help="Write a side-by-side HTML page with aligned timelines.")
@click.option("--json", "json_out", metavar="FILE", help="Write the comparison as JSON to FILE ('-' for stdout).")
@analysis_options
def compare(ctx, paths, reference, html_out, json_out, **opts):
    """Compare drafts side by side: scores, criteria, aligned timelines, and what each draft misses.

    With --reference, every other video is diagnosed against it: "the reference shows the product
    at 1.2 s, this draft at 9.8 s". Exit codes as for `score`.
    """
    from vidscore.compare import compare as compare_results
    from vidscore.reports.files import write_text
    from vidscore.reports.terminal import print_comparison
    from vidscore.scoring import load_model

    paths = tuple(paths) + ((reference,) if reference and reference not in paths else ())
    err = Console(stderr=True, quiet=opts["quiet"])
    batch = _analyze_paths(ctx, paths, opts, err)
    finished = batch.finished
    if len(finished) < 2:
        batch.report_failures()
        raise UsageFailure("compare needs at least two videos")
    try:
        comparison = compare_results(finished, load_model(batch.config.scoring.model), reference)
    except ValueError as exc:
        raise UsageFailure(str(exc)) from exc
    if json_out:
        write_text(json_out, comparison.render_json())
    if html_out:
        from vidscore.reports.html_report import render_compare_html

        diffs = {d.file: ([x.to_json() for x in ds] if (ds := comparison.differences[d.file]) is not None else
                          [{"criterion": "", "message": comparison.not_compared(d), "impact_points": 0.0}])
                 for d in comparison.drafts}
        write_text(html_out, render_compare_html([comparison.reference, *comparison.drafts],
                                                 comparison.reference.file, diffs))
    if not opts["quiet"] and json_out != "-":
        print_comparison(comparison, stdout_console())
    batch.report_failures()
    if batch.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_SOME_FAILED if any(not r.ok for r in finished) else EXIT_OK)


DEFAULT_FAIL_UNDER = 60.0


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--fail-under", type=click.FloatRange(0, 100), default=DEFAULT_FAIL_UNDER, show_default=True,
              help="A video fails when its overall score is below this.")
@click.option("--require", "required", metavar="ID,...", default="",
              help="Criteria that must pass (comma-separated ids, see `vidscore criteria`), "
                   "e.g. cta_spoken,product_first_3s. A required criterion that cannot be checked fails.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON on stdout (for scripts).")
@analysis_options
def check(ctx, paths, fail_under, required, as_json, **opts):
    """Pre-publish gate: pass or fail per video, with the failed checks, when they happen and the fix.

    \b
    Exit codes: 0 every video passes,
                3 some video fails the check (score under --fail-under or a required criterion failed),
                1 some video could not be analysed (see its error),
                2 usage error (no such path, unknown criterion id, missing model, bad config),
                130 interrupted.
    """
    from vidscore.gate import check_results, parse_required, verdicts_json
    from vidscore.reports.terminal import print_verdicts
    from vidscore.scoring import load_model

    try:
        required_ids = parse_required(required)
    except VidscoreError as exc:
        raise UsageFailure(one_line(exc)) from exc
    err = Console(stderr=True, quiet=opts["quiet"])
    batch = _analyze_paths(ctx, paths, opts, err)
    verdicts = check_results(batch.finished, fail_under=fail_under, required=required_ids,
                             model=load_model(batch.config.scoring.model))
    if as_json:
        click.echo(verdicts_json(verdicts, fail_under=fail_under, required=required_ids))
    elif not opts["quiet"]:
        print_verdicts(verdicts, stdout_console())
    batch.report_failures()
    if batch.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    if any(v.error for v in verdicts):
        sys.exit(EXIT_SOME_FAILED)
    sys.exit(EXIT_CHECK_FAILED if any(not v.passed for v in verdicts) else EXIT_OK)


@main.command()
@click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Show the thresholds and weights this config file sets (default: ./vidscore.toml when present).")
@click.option("--platform", type=click.Choice(sorted(PLATFORMS)), default=None, help="Show this platform's thresholds.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as JSON.")
def criteria(config_file, platform, as_json) -> None:
    """List the criteria vidscore checks: pillar, what passing means, thresholds, weight, fix."""
    import json

    from rich.table import Table

    from vidscore.criteria.catalog import CATALOG, thresholds_for
    from vidscore.scoring import load_model

    try:
        scoring = _analyze_config(config_file, platform, (), Console(stderr=True), speech=False).scoring
        model = load_model(scoring.model)
    except VidscoreError as exc:
        raise UsageFailure(one_line(exc)) from exc
    rows = []
    for criterion in CATALOG:
        override = scoring.criteria.get(criterion.id)
        entry = criterion.to_json()
        entry["thresholds"] = thresholds_for(criterion, scoring.platform, override.thresholds if override else None)
        entry["weight"] = override.weight if override and override.weight is not None else model.criteria.get(criterion.id, criterion.weight)
        entry["enabled"] = override.enabled if override else True
        rows.append(entry)
    if as_json:
        click.echo(json.dumps({"platform": scoring.platform, "pillar_weights": dict(model.pillars), "criteria": rows},
                              ensure_ascii=False, indent=2))
        return
    table = Table(header_style="bold", pad_edge=False,
                  caption=f"platform {scoring.platform}; pillar weights " +
                          ", ".join(f"{p} {w:g}" for p, w in model.pillars.items()) + f" ({model.source})")
    for column in ("id", "pillar", "definition", "thresholds", "weight"):
        table.add_column(column, overflow="fold")
    for entry in rows:
        thresholds = ", ".join(f"{k}={v:g}" for k, v in entry["thresholds"].items())
        weight = f"{entry['weight']:g}" if entry["enabled"] else "off"
        table.add_row(entry["id"], entry["pillar"], entry["definition"], thresholds, weight)
    stdout_console().print(table)


@main.command()
def models() -> None:
    """List the speech models: installed, assembled or missing, and what to install."""
    from rich.table import Table

    from vidscore.modelstore import list_models

    table = Table(header_style="bold", pad_edge=False)
    for column in ("model", "state", "languages", "size", "notes"):
        table.add_column(column, overflow="fold")
    for status in list_models():
        notes = status.install_hint or status.note
        languages = status.languages if isinstance(status.languages, str) else ", ".join(status.languages)
        table.add_row(status.name, status.state, languages, f"{status.size_bytes / 1e6:.0f} MB", notes)
    Console().print(table)


@main.group()
def cache() -> None:
    """Inspect or empty the signal cache (extracted signals, keyed by video content)."""


@cache.command("info")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def cache_info(cache_dir) -> None:
    """Where the cache is and how much it holds."""
    store = _cache(cache_dir, False)
    videos, entries, size = store.info()
    click.echo(f"{store.root}: {videos} videos, {entries} entries, {size / 1e6:.1f} MB")


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def cache_clear(cache_dir) -> None:
    """Delete every cached signal (models are kept)."""
    store = _cache(cache_dir, False)
    store.clear()
    click.echo(f"cleared {store.root}")


def _analyze_config(config_file: Path | None, platform: str | None, products: tuple[str, ...], err: Console, *,
                    speech: bool, engine: str = "faster-whisper", model: str = "base",
                    language: str | None = None, scoring_model: Path | None = None) -> AnalyzeConfig:
    """Options over the config file (`--config`, else ./vidscore.toml) over the defaults."""
    from vidscore.config_file import find_config, load_config

    path = config_file or find_config()
    file = load_config(path) if path is not None else None
    if file is not None:
        err.print(f"config: {path}", markup=False, highlight=False)
    scoring = file.scoring if file is not None else ScoringConfig()
    if platform:
        scoring = dataclasses.replace(scoring, platform=platform)
    if scoring_model is not None:
        scoring = dataclasses.replace(scoring, model=scoring_model)
    from vidscore.scoring import load_model

    load_model(scoring.model)  # a bad weights file is a usage error before any video is decoded
    language = language or (file.language if file is not None and file.language else "auto")
    settings = SpeechSettings(engine=engine, model=model, language=language) if speech else None
    products_all = (file.products if file is not None else ()) + _parse_products(products)
    return AnalyzeConfig(speech=settings, products=products_all, scoring=scoring)


def _cache(cache_dir: Path | None, disabled: bool):
    from vidscore.cache import SignalCache, default_cache_dir

    return SignalCache(None if disabled else (cache_dir or default_cache_dir()))


def _parse_products(values: tuple[str, ...]):
    """`NAME=PHOTO` options grouped by name into product references; photos must exist."""
    from vidscore.config import ProductReference

    photos: dict[str, list[Path]] = {}
    for value in values:
        name, sep, photo = value.partition("=")
        if not sep or not name.strip() or not photo.strip():
            raise VidscoreError(f"--product {value!r}: expected NAME=PHOTO, e.g. --product 'Glowa serum=glowa.jpg'")
        if not Path(photo).is_file():
            raise VidscoreError(f"--product {value!r}: no such photo {photo}")
        photos.setdefault(name.strip(), []).append(Path(photo))
    return tuple(ProductReference(name=name, images=tuple(paths)) for name, paths in photos.items())


def _preflight_speech(settings: SpeechSettings) -> None:
    """Find and verify the ASR model once, before any video, so a missing model is one clear error."""
    from vidscore.signals.speech import validate_settings

    validate_settings(settings)


def _with_progress(items, total: int, console: Console):
    """Pass `items` through, showing a progress bar on a terminal or a line per video otherwise."""
    if total <= 1 or console.quiet:
        yield from items
        return
    if not console.is_terminal:
        started = time.perf_counter()
        for done, (index, result) in enumerate(items, start=1):
            yield index, result  # handed over before printing, so a Ctrl-C while printing loses nothing
            state = "ok" if result.ok else f"error: {result.error}"
            console.print(f"[{done}/{total}] {result.file} {state} ({time.perf_counter() - started:.1f} s)",
                          markup=False, highlight=False, soft_wrap=True)
        return
    columns = (TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total)
        for index, result in items:
            yield index, result
            progress.update(task, advance=1, description=Path(result.file).name)


def _write_reports(results: list[VideoResult], json_out: str | None, csv_out: str | None,
                   html_out: str | None = None, err: Console | None = None) -> None:
    from vidscore.reports.files import write_text

    if json_out:
        from vidscore.reports.json_report import render_json

        write_text(json_out, render_json(results))
    if csv_out:
        from vidscore.reports.csv_report import render_csv

        write_text(csv_out, render_csv(results))
    if html_out:
        from vidscore.reports.html_report import render_html

        if err is not None:
            err.print(f"writing {html_out} (keyframes for {len(results)} videos)", markup=False, highlight=False)
        write_text(html_out, render_html(results))


def _setup_logging(debug: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        import av.logging

        av.logging.set_level(None)  # FFmpeg's own chatter would drown the one-line errors


from vidscore.cli_calibrate import calibrate_command  # noqa: E402  (it imports helpers from this module)

main.add_command(calibrate_command)
