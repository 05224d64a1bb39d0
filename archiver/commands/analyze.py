"""`archiver analyze`: decode every file, judge its spectrum, fingerprint it."""

from __future__ import annotations

import json
from typing import Any

import click

from archiver.commands._common import (
    AppContext,
    QueryCommand,
    format_seconds,
    jobs_option,
    json_option,
    pass_app,
    plural,
    query_argument,
    quiet_option,
)
from archiver.commands._common import console as cli_console
from archiver.commands._job import long_job
from archiver.errors import ArchiverError

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


@click.command(cls=QueryCommand)
@query_argument
@jobs_option("Analysis processes (default: CPU count).")
@click.option("--force", is_flag=True, help="Analyse again files already analysed and unchanged.")
@quiet_option("No progress bar; print only problems.")
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
    from archiver.audio.run import run_analysis
    from archiver.catalog import analysis as sql
    from archiver.commands.verify import compile_verify_query

    _text, where, params, from_sql = compile_verify_query(query)
    with app.catalog(create=False) as catalog:  # one-line error (exit 1) without a catalog
        if sql.count_files(catalog.conn) == 0:
            raise ArchiverError("the catalog has no files yet: run `archiver scan PATH` first")

    def kept(exc: BaseException) -> str | None:
        summary = getattr(exc, "summary", None)
        return f"kept {plural(summary.analyzed, 'analysed file')}" if summary else None

    def report(exc: BaseException) -> dict | None:  # --json: what was done, "interrupted": true
        summary = getattr(exc, "summary", None)
        return summary.as_dict() if summary else {"interrupted": True}

    with long_job(
        "analyze",
        quiet=quiet,
        as_json=as_json,
        bar=_Progress,
        note=kept,
        hint="run `archiver analyze` again to finish",
        report=report,
    ) as job:
        summary = run_analysis(
            app.db_path,
            where=where,
            params=params,
            from_sql=from_sql,
            jobs=jobs,
            force=force,
            progress=job.progress,
        )

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
