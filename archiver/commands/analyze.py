"""`archiver analyze`: decode every file, judge its spectrum, fingerprint it."""

from __future__ import annotations

import json
import signal
import sys
from contextlib import nullcontext
from typing import Any

import click

from archiver.cli import AppContext, format_seconds, json_option, pass_app, plural, query_argument
from archiver.cli import console as cli_console

WHAT_STYLE = {
    "decode error": "bold red",
    "not analysed": "red",
    "transcode": "yellow",
    "upsampled": "yellow",
    "padded-bits": "yellow",
}
MAX_LISTED = 50


class _Progress:
    """A rich progress bar on stderr, in files."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("analysing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("analyse", total=None)

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, event: Any) -> None:
        self.progress.update(self.task, total=max(event.total, 1), completed=event.done)


def _terminate(signum, frame):
    raise KeyboardInterrupt


@click.command()
@query_argument
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Analysis processes (default: CPU count).",
)
@click.option("--force", is_flag=True, help="Analyse again files already analysed and unchanged.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; print only problems.")
@json_option
@pass_app
def analyze(
    app: AppContext,
    query: tuple[str, ...],
    jobs: int | None,
    force: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Decode every file (or those matching QUERY) to hear what it holds.

    Per file: whether the whole stream decodes (ok, error with its position,
    unsupported), a quality verdict from the spectrum (lossless, transcode,
    upsampled, padded-bits, lossy, unknown) with the cut-off frequency, and a
    Chromaprint fingerprint of the first 120 s. Files unchanged since their
    analysis are skipped; --force analyses them again. Files are only read.

    Exit status: 0 when the run finished, whatever it found; 1 when it could
    not run; 2 on a usage error; 130 when interrupted (run again to finish).

    \b
    Example:
      archiver analyze
      archiver analyze artist:beatles --jobs 2
      archiver analyze --json | jq .quality
    """
    from archiver.audio.run import AnalyzeError, AnalyzeInterrupted, run_analysis
    from archiver.catalog import CatalogError
    from archiver.catalog import analysis as sql
    from archiver.commands.verify import compile_verify_query

    _text, where, params, from_sql = compile_verify_query(query)
    with app.catalog(create=False) as catalog:  # one-line error (exit 1) without a catalog
        if sql.count_files(catalog.conn) == 0:
            raise click.ClickException(
                "the catalog has no files yet: run `archiver scan PATH` first"
            )
    show_progress = not quiet and not as_json and sys.stderr.isatty()
    renderer = _Progress() if show_progress else None
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        with renderer or nullcontext():
            summary = run_analysis(
                app.db_path,
                where=where,
                params=params,
                from_sql=from_sql,
                jobs=jobs,
                force=force,
                progress=renderer.update if renderer else None,
            )
    except AnalyzeInterrupted as exc:
        s = exc.summary
        if as_json:
            click.echo(json.dumps(s.as_dict(), ensure_ascii=False))
        click.echo(
            f"archiver: analyze interrupted; kept {plural(s.analyzed, 'analysed file')}"
            " (run `archiver analyze` again to finish)",
            err=True,
        )
        sys.exit(130)
    except (CatalogError, AnalyzeError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)

    if summary.fingerprint_note and not as_json:
        click.echo(f"archiver: {summary.fingerprint_note}", err=True)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        return
    _print(summary, quiet)


def _print(summary: Any, quiet: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    console = cli_console()
    problems = summary.problems
    if problems:
        console.print(
            Text(f"Files that need attention ({len(problems)}):", style="bold"), soft_wrap=True
        )
        width = max(len(what) for _, what, _ in problems[:MAX_LISTED])
        for path, what, detail in problems[:MAX_LISTED]:
            line = Text("  ")
            line.append(what.ljust(width), style=WHAT_STYLE.get(what, ""))
            line.append(f"  {path}")
            if detail:
                line.append(f": {detail}")
            console.print(line, soft_wrap=True, highlight=False)
        if len(problems) > MAX_LISTED:
            console.print(
                f"  ... and {len(problems) - MAX_LISTED} more (archiver analyze --json lists all)",
                highlight=False,
            )
    if quiet:
        return
    table = Table(title="Analysis", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("analysed now", str(summary.analyzed))
    table.add_row("unchanged (skipped)", str(summary.skipped))
    table.add_row("decode errors", str(summary.decode_errors))
    if summary.unsupported:
        table.add_row("unsupported codec", str(summary.unsupported))
    table.add_row("not analysable", str(summary.errors))
    for quality, count in sorted(summary.quality.items()):
        table.add_row(f"  {quality}", str(count))
    table.add_row("fingerprints", str(summary.fingerprints))
    table.add_row("elapsed", format_seconds(summary.seconds))
    console.print(table)
