"""`archiver export`: the catalog (or a query's part of it) as CSV, JSON,
JSON Lines or a sha256sum manifest, streamed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from archiver.cli import AppContext, pass_app, query_argument
from archiver.commands._query import QueryUsageError, compile_args, quiet_broken_pipe

_BY_SUFFIX = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".sha256": "sha256sum",
}


@click.command()
@query_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "jsonl", "sha256sum"]),
    default=None,
    help="Output format (default: from the --output suffix, else csv).",
)
@click.option(
    "--output",
    "-o",
    default="-",
    metavar="FILE|-",
    help="Write to FILE (replaced only when done); - is stdout.",
)
@click.option(
    "--columns", metavar="LIST", help="Comma-separated columns (default: all, see docs/export.md)."
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for spreadsheets: BOM, and cells starting with = + - @ defused.",
)
@click.option(
    "--root", metavar="PATH", help="sha256sum: the library root the paths are relative to."
)
@pass_app
def export(
    app: AppContext,
    query: tuple[str, ...],
    fmt: str | None,
    output: str,
    columns: str | None,
    excel: bool,
    root: str | None,
) -> None:
    """Export the tracks QUERY selects (all without QUERY), streamed.

    CSV has a header with every documented column (or --columns) whatever
    the rows hold; multi-valued tags are joined with "; ", booleans are
    true/false, NULL is empty. JSON is one array, JSONL one object per line.
    sha256sum writes a manifest that `sha256sum -c` accepts when run in the
    library root. Nothing but the export is written to stdout.

    Exit status: 0 done, 1 failure (nothing replaced), 2 bad usage or query.

    \b
    Example:
      archiver export --output library.csv
      archiver export 'artist:"miles davis" year:1955..1965' --format json
      archiver export --columns path,artist,title,length lossless:no
      archiver export --format sha256sum --root ~/Music -o ~/Music/SHA256SUMS
    """
    from archiver import export as core

    if fmt is None:
        suffix = output[output.rfind(".") :].lower() if output != "-" and "." in output else ""
        fmt = _BY_SUFFIX.get(suffix, "csv")
    if fmt == "sha256sum":
        if columns is not None or excel:
            raise QueryUsageError("--columns and --excel do not apply to --format sha256sum")
    elif root is not None:
        raise QueryUsageError("--root applies to --format sha256sum only")
    if excel and fmt != "csv":
        raise QueryUsageError("--excel applies to --format csv only")
    try:
        names = core.parse_columns(columns) if fmt != "sha256sum" else []
    except core.ExportError as exc:
        raise QueryUsageError(str(exc)) from exc
    text, compiled = compile_args(query)
    if output != "-":
        _check_output(output, app.db_path)
    catalog = app.catalog(create=False)
    conn = catalog.conn
    if output != "-":
        _check_not_catalogued(output, conn)
    manifest_root = None
    if fmt == "sha256sum":
        try:
            manifest_root = core.resolve_root(conn, root)
        except core.ExportError as exc:
            raise QueryUsageError(str(exc)) from exc

    def run(out) -> object:
        if manifest_root is not None:
            return core.write_manifest(conn, compiled, manifest_root, out)
        return core.export_tracks(conn, compiled, out, fmt, names, excel=excel)

    try:
        if output == "-":
            sys.stdout.flush()
            stdout = sys.stdout.buffer
            result = run(stdout)
            stdout.flush()
        else:
            with core.atomic_output(output) as handle:
                result = run(handle)
    except core.NoChecksumsError as exc:  # nothing was written, no file created
        raise click.ClickException(str(exc)) from None
    except BrokenPipeError:
        quiet_broken_pipe()
    except OSError as exc:
        message = f"{output}: cannot write the export ({exc.strerror or exc}); nothing replaced"
        raise click.ClickException(message) from exc
    if manifest_root is not None:
        _report_manifest(result, manifest_root, output)
    elif output != "-":
        click.echo(f"archiver: wrote {result} tracks to {output}", err=True)


# Files next to the catalog that SQLite and `archiver scan` own.
_COMPANIONS = ("", "-wal", "-shm", "-journal", "-scan.lock")


def _check_output(output: str, db_path: Path) -> None:
    """Refuse an --output that would replace the catalog (or a file SQLite or
    the scan lock keeps beside it): the export would silently destroy the
    library it was made from. A folder gets a clear one-line error."""
    if not output.strip():
        raise QueryUsageError("--output: give a file name (or - for standard output)")
    target = os.path.realpath(output)
    bases = {os.path.abspath(db_path), os.path.realpath(db_path)}
    owned = {base + suffix for base in bases for suffix in _COMPANIONS}
    hit = target in owned or os.path.abspath(output) in owned
    if not hit and os.path.exists(target):
        for name in owned:
            try:
                hit = os.path.samefile(target, name)  # hard links too
            except OSError:
                continue
            if hit:
                break
    if hit:
        raise QueryUsageError(
            f"{output}: that is the catalog (or one of its files); refusing to overwrite it"
        )
    if os.path.isdir(target):
        raise click.ClickException(f"{output}: is a folder; give a file name for the export")


def _check_not_catalogued(output: str, conn) -> None:
    """Refuse to replace an audio file of the library: archiver never changes them."""
    target = os.path.realpath(output)
    if not os.path.isfile(target):
        return
    candidates = {os.fsencode(target), os.fsencode(os.path.abspath(output))}
    for raw in candidates:
        if conn.execute("SELECT 1 FROM files WHERE path_bytes = ?", (raw,)).fetchone():
            raise QueryUsageError(
                f"{output}: that is an audio file in the catalog; refusing to overwrite it"
            )


def _report_manifest(result, root, output: str) -> None:
    where = "" if output == "-" else f" to {output}"
    click.echo(
        f"archiver: wrote {result.written} checksums{where} (paths relative to {root.path})",
        err=True,
    )
    if result.no_checksum:
        click.echo(
            f"archiver: skipped {result.no_checksum} files without a checksum"
            " (run `archiver scan --checksum` or `archiver verify` to add them)",
            err=True,
        )
    if result.stale:
        click.echo(
            f"archiver: skipped {result.stale} files changed since they were hashed (run `archiver verify`)",
            err=True,
        )
    if result.missing:
        click.echo(f"archiver: skipped {result.missing} files missing at the last scan", err=True)
    if result.outside:
        click.echo(f"archiver: skipped {len(result.outside)} files outside {root.path}", err=True)
