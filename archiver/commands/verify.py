"""`archiver verify`: re-hash files and report ok / changed / modified / missing / unreadable."""

from __future__ import annotations

import json
import signal
import sys
from contextlib import nullcontext
from typing import Any

import click

from archiver.cli import (
    AppContext,
    format_seconds,
    json_option,
    pass_app,
    plural,
    query_argument,
)
from archiver.cli import console as cli_console
from archiver.commands._progress import HashProgressBar

STATUS_STYLE = {
    "changed": "bold red",
    "missing": "red",
    "unreadable": "red",
    "modified": "yellow",
}


def _terminate(signum, frame):
    raise KeyboardInterrupt


def compile_verify_query(words: tuple[str, ...]) -> tuple[str | None, str | None, list, str | None]:
    """QUERY words -> (query text, where, params, from clause); one-line usage error (exit 2)."""
    if not words:
        return None, None, [], None
    from archiver.catalog.query import TRACKS_FROM
    from archiver.commands._query import compile_args

    text, compiled = compile_args(words)
    return text, compiled.where, list(compiled.params), TRACKS_FROM


@click.command()
@query_argument
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Hashing processes (default: CPU count). 1 hashes in this process.",
)
@click.option(
    "--resume", is_flag=True, help="Continue the last interrupted verify run (same QUERY)."
)
@click.option("--strict", is_flag=True, help="Exit 1 for modified (edited) files too.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; print only problems.")
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
    from archiver.catalog import CatalogError
    from archiver.integrity.verify import verify_files

    text, where, params, from_sql = compile_verify_query(query)
    app.catalog(create=False).close()  # one-line error (exit 1) if there is no usable catalog
    show_progress = not quiet and not as_json and sys.stderr.isatty()
    renderer = HashProgressBar("verify") if show_progress else None
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        with renderer or nullcontext():
            result = verify_files(
                app.db_path,
                where=where,
                params=params,
                from_sql=from_sql,
                query=text,
                resume=resume,
                jobs=jobs,
                progress=renderer.update if renderer else None,
                notice=lambda message: click.echo(f"archiver: {message}", err=True),
            )
    except KeyboardInterrupt as exc:
        partial = getattr(exc, "verify_result", None)
        if as_json:  # the documented object, "interrupted": true, for what was checked
            data = partial.as_json() if partial else _nothing_checked()
            data["interrupted"] = True
            click.echo(json.dumps(data, ensure_ascii=False))
        done = f"; kept {plural(partial.checked, 'checked file')}" if partial else ""
        click.echo(
            f"archiver: verify interrupted{done} (run `archiver verify --resume` to continue)",
            err=True,
        )
        sys.exit(130)
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)

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

    console = cli_console()
    problems = [
        (status, path)
        for status in ("changed", "missing", "unreadable", "modified")
        for path in getattr(result, status)
    ]
    if problems:
        # One line per file, however long the path: never wrapped at the terminal width
        # (or at 80 columns on a pipe), so it greps and pastes.
        console.print(
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
            console.print(line, soft_wrap=True, highlight=False)
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
    console.print(summary)
