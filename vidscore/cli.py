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

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


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


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "json_out", metavar="FILE", help="Write the results as JSON to FILE ('-' for stdout).")
@click.option("--csv", "csv_out", metavar="FILE", help="Write one CSV row per video to FILE ('-' for stdout).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Videos scored in parallel processes (0 = one per core).")
@click.option("-r", "--recursive", is_flag=True, help="Also look for videos in sub-folders.")
@click.option("--asr-engine", type=click.Choice(["faster-whisper", "openai-whisper"]), default="faster-whisper",
              show_default=True, help="Speech recognition engine (openai-whisper is an optional extra).")
@click.option("--asr-model", default="base", show_default=True, metavar="NAME|PATH",
              help="ASR model: base (multilingual), tiny.en (faster, English only), a local CTranslate2 "
                   "model folder, or for openai-whisper a checkpoint file or a name in its cache. "
                   "See `vidscore models`.")
@click.option("--language", default="auto", show_default=True, metavar="auto|CODE",
              help="Spoken language (ISO code such as en, it, es), or auto-detect.")
@click.option("--no-speech", is_flag=True, help="Skip speech recognition (faster; no transcript).")
@click.option("--product", "products", multiple=True, metavar="NAME=PHOTO",
              help="A product to look for, with a reference photo of it (repeat for more photos or products); "
                   "added to the config file's products.")
@click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Config file (default: ./vidscore.toml when present): products, brand, platform, phrases, "
                   "criterion thresholds and weights. See vidscore.example.toml.")
@click.option("--platform", type=click.Choice(sorted(PLATFORMS)), default=None,
              help="Platform whose specs and safe zones apply (default: the config's, else tiktok).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where extracted signals are cached (default: the user cache dir, see `vidscore cache info`).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the signal cache.")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no table; only errors and the requested files.")
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.pass_context
def score(ctx, paths, json_out, csv_out, jobs, recursive, asr_engine, asr_model, language, no_speech, products,
          config_file, platform, cache_dir, no_cache, quiet, debug):
    """Score videos: PATHS are video files and/or folders of videos.

    Folders are searched for .mp4 .mov .m4v .webm .mkv .avi files. A file that cannot be scored
    gets an error row and the others are still scored.

    \b
    Exit codes: 0 all videos scored, 1 some video failed (see its error),
                2 usage error (no such path, no video found, missing model),
                130 interrupted (results finished so far are written).
    """
    _setup_logging(debug)
    err = Console(stderr=True, quiet=quiet)
    try:
        language_given = ctx.get_parameter_source("language") is not click.core.ParameterSource.DEFAULT
        config = _analyze_config(config_file, platform, products, err,
                                 speech=not no_speech, engine=asr_engine, model=asr_model,
                                 language=language if language_given else None)
        speech = config.speech
        videos = discover(paths, recursive=recursive)
        if not videos:
            raise VidscoreError(f"no video files found in {', '.join(paths)} "
                                f"(looked for {', '.join(sorted(VIDEO_EXTENSIONS))}{'' if recursive else '; add --recursive for sub-folders'})")
        if speech is not None:
            _preflight_speech(speech)
    except VidscoreError as exc:
        raise UsageFailure(one_line(exc)) from exc
    jobs = jobs or default_jobs()
    stdout_taken = "-" in (json_out, csv_out)
    results: list[VideoResult | None] = [None] * len(videos)
    interrupted = False
    try:
        for index, result in _with_progress(run_batch(videos, config, jobs=jobs, debug=debug, cache=_cache(cache_dir, no_cache)), len(videos), err):
            results[index] = result
    except KeyboardInterrupt:
        interrupted = True
    finished = [r for r in results if r is not None]
    _write_reports(finished, json_out, csv_out)
    if not quiet and not stdout_taken:
        print_results(finished, stdout_console())
    for result in finished:
        if not result.ok:
            click.echo(f"vidscore: {result.file}: {result.error}", err=True)
    if interrupted:
        click.echo(f"vidscore: interrupted: kept {len(finished)} of {len(videos)} results", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_SOME_FAILED if any(not r.ok for r in finished) else EXIT_OK)


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
                    language: str | None = None) -> AnalyzeConfig:
    """Options over the config file (`--config`, else ./vidscore.toml) over the defaults."""
    from vidscore.config_file import find_config, load_config

    path = config_file or find_config()
    file = load_config(path) if path is not None else None
    if file is not None:
        err.print(f"config: {path}", markup=False, highlight=False)
    scoring = file.scoring if file is not None else ScoringConfig()
    if platform:
        scoring = dataclasses.replace(scoring, platform=platform)
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
            state = "ok" if result.ok else f"error: {result.error}"
            console.print(f"[{done}/{total}] {result.file} {state} ({time.perf_counter() - started:.1f} s)",
                          markup=False, highlight=False)
            yield index, result
        return
    columns = (TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total)
        for index, result in items:
            progress.update(task, advance=1, description=Path(result.file).name)
            yield index, result


def _write_reports(results: list[VideoResult], json_out: str | None, csv_out: str | None) -> None:
    from vidscore.reports.files import write_text

    if json_out:
        from vidscore.reports.json_report import render_json

        write_text(json_out, render_json(results))
    if csv_out:
        from vidscore.reports.csv_report import render_csv

        write_text(csv_out, render_csv(results))


def _setup_logging(debug: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        import av.logging

        av.logging.set_level(None)  # FFmpeg's own chatter would drown the one-line errors
