"""`archiver verify`: re-hash files and report ok / changed / modified / missing / unreadable."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from archiver.commands._common import (
    AppContext,
    QueryCommand,
    console,
    format_seconds,
    jobs_option,
    json_option,
    pass_app,
    plural,
    query_argument,
    quiet_option,
)
from archiver.commands._job import long_job
from archiver.commands._progress import HashProgressBar

STATUS_STYLE = {
    "changed": "bold red",
    "missing": "red",
    "unreadable": "red",
    "modified": "yellow",
}


def compile_verify_query(words: tuple[str, ...]) -> tuple[str | None, str | None, list, str | None]:
    """QUERY words -> (query text, where, params, from clause); one-line usage error (exit 2)."""
    if not words:
        return None, None, [], None
    from archiver.catalog.query import TRACKS_FROM
    from archiver.commands._query import compile_args

    text, compiled = compile_args(words)
    return text, compiled.where, list(compiled.params), TRACKS_FROM


@click.command(cls=QueryCommand)
@query_argument
@jobs_option("Hashing processes (default: CPU count). 1 hashes in this process.")
@click.option(
    "--resume", is_flag=True, help="Continue the last interrupted verify run (same QUERY)."
)
@click.option("--strict", is_flag=True, help="Exit 1 for modified (edited) files too.")
@quiet_option("No progress bar; print only problems.")
@json_option
@pass_app
def verify(
    app: AppContext,
    query: tuple[str, ...],
    jobs: int | None,
    resume: bool,
    strict: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Re-read every file (or those matching QUERY) and check its fingerprint.

    Each file is ok, changed (bytes differ while size and mtime are the same:
    bit rot or tampering), modified (size or mtime changed: edited; the report
    says when only the tags changed), missing or unreadable. A file never
    fingerprinted before gets its first fingerprint and counts as ok. Every
    run and its findings are kept in the catalog. Files are only read.

    Exit status: 0 when nothing is changed, missing or unreadable (modified
    files are edits, not damage, unless --strict), 1 otherwise, 2 on a usage
    error, 130 when interrupted (run again with --resume to continue).

    \b
    Example:
      archiver verify
      archiver verify artist:beatles --json
      archiver verify --resume
    """
    from archiver.integrity.verify import verify_files

    text, where, params, from_sql = compile_verify_query(query)
    app.catalog(create=False).close()  # one-line error (exit 1) if there is no usable catalog

    def report(exc: BaseException) -> dict:  # --json: the documented object, "interrupted": true
        partial = getattr(exc, "verify_result", None)
        data = partial.as_json() if partial else _nothing_checked()
        data["interrupted"] = True
        return data

    def kept(exc: BaseException) -> str | None:
        partial = getattr(exc, "verify_result", None)
        return f"kept {plural(partial.checked, 'checked file')}" if partial else None

    with long_job(
        "verify",
        quiet=quiet,
        as_json=as_json,
        bar=lambda: HashProgressBar("verify"),
        note=kept,
        hint="run `archiver verify --resume` to continue",
        report=report,
    ) as job:
        result = verify_files(
            app.db_path,
            where=where,
            params=params,
            from_sql=from_sql,
            query=text,
            resume=resume,
            jobs=jobs,
            progress=job.progress,
            notice=lambda message: click.echo(f"archiver: {message}", err=True),
        )

    failed = result.damaged or (strict and bool(result.modified))
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        _print(result, quiet)
    sys.exit(1 if failed else 0)


def _nothing_checked() -> dict[str, Any]:
    """The ``--json`` object of a run stopped before it started."""
    from archiver.integrity.verify import VerifyResult

    return VerifyResult(None).as_json()


def _print(result: Any, quiet: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    out = console()
    problems = [
        (status, path)
        for status in ("changed", "missing", "unreadable", "modified")
        for path in getattr(result, status)
    ]
    if problems:
        # One line per file, however long the path: never wrapped at the terminal width
        # (or at 80 columns on a pipe), so it greps and pastes.
        out.print(
            Text(f"Files that need attention ({len(problems)}):", style="bold"), soft_wrap=True
        )
        width = max(len(status) for status, _ in problems)
        for status, path in problems:
            line = Text("  ")
            line.append(status.ljust(width), style=STATUS_STYLE[status])
            line.append(f"  {path}")
            detail = result.details.get(path)
            if detail:
                line.append(f": {detail}")
            out.print(line, soft_wrap=True, highlight=False)
    if quiet:
        return
    summary = Table(
        title=f"Verify run {result.run_id}" + (" (resumed)" if result.resumed else ""),
        show_header=False,
        title_justify="left",
    )
    summary.add_column("what")
    summary.add_column("count", justify="right")
    summary.add_row("checked", str(result.checked))
    summary.add_row("ok", str(result.ok))
    for status in ("changed", "modified", "missing", "unreadable"):
        count = len(getattr(result, status))
        summary.add_row(Text(status, style=STATUS_STYLE[status] if count else ""), str(count))
    if result.first_fingerprints:
        summary.add_row("first fingerprints", str(result.first_fingerprints))
    summary.add_row("elapsed", format_seconds(result.seconds))
    out.print(summary)
