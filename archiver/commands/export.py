"""`archiver export`: the catalog (or a query's part of it) as CSV, JSON,
JSON Lines, Parquet or a sha256sum manifest, streamed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from archiver.commands._common import AppContext, QueryCommand, pass_app, query_argument
from archiver.commands._query import compile_args, quiet_broken_pipe
from archiver.errors import ArchiverError, UsageError

_BY_SUFFIX = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".sha256": "sha256sum",
    ".m3u8": "m3u8",
    ".m3u": "m3u8",
}


@click.command(cls=QueryCommand)
@query_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "jsonl", "parquet", "sha256sum", "m3u8"]),
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
    "--root",
    metavar="PATH",
    help="sha256sum: the library root the paths are relative to; m3u8: the folder they are relative to.",
)
@click.option(
    "--partition-by",
    metavar="COLUMN",
    help="parquet: write a Hive-partitioned folder (--output FOLDER), one folder per value.",
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
    partition_by: str | None,
) -> None:
    """Export the tracks QUERY selects (all without QUERY), streamed.

    CSV has a header with every documented column (or --columns) whatever
    the rows hold; multi-valued tags are joined with "; ", booleans are
    true/false, NULL is empty. JSON is one array, JSONL one object per line.
    Parquet (needs pip install 'archiver[parquet]') has the same columns,
    typed: lists, booleans, a timestamp mtime, dates as text.
    sha256sum writes a manifest that `sha256sum -c` accepts when run in the
    library root. m3u8 writes an extended M3U playlist (absolute paths, or
    relative to --root); files not on disk are left out and counted. Nothing but the export is written to stdout.

    Exit status: 0 done, 1 failure (nothing replaced), 2 bad usage or query.

    \b
    Example:
      archiver export --output library.csv
      archiver export 'artist:"miles davis" year:1955..1965' --format json
      archiver export --columns path,artist,title,length lossless:no
      archiver export --format sha256sum --root ~/Music -o ~/Music/SHA256SUMS
      archiver export 'genre:jazz year:1965..1969' -o ~/Music/jazz.m3u8 --root ~/Music
      archiver export -o library.parquet
      archiver export --format parquet --partition-by format -o library-parquet/
    """
    from archiver import export as core

    if fmt is None:
        suffix = output[output.rfind(".") :].lower() if output != "-" and "." in output else ""
        fmt = _BY_SUFFIX.get(suffix, "csv")
    if fmt == "sha256sum":
        if columns is not None or excel:
            raise UsageError("--columns and --excel do not apply to --format sha256sum")
    elif fmt == "m3u8":
        if columns is not None or excel:
            raise UsageError("--columns and --excel do not apply to --format m3u8")
        if root is not None and not os.path.isdir(os.path.expanduser(root)):
            raise UsageError(f"--root {root!r}: not a folder")
    elif root is not None:
        raise UsageError("--root applies to --format sha256sum and m3u8 only")
    if excel and fmt != "csv":
        raise UsageError("--excel applies to --format csv only")
    if partition_by is not None:
        if fmt != "parquet":
            raise UsageError("--partition-by applies to --format parquet only")
        if output == "-":
            raise UsageError("--partition-by writes a folder: give it with --output FOLDER")
    if fmt == "parquet":
        core._pyarrow()  # a missing extra fails before anything is opened
    names = (
        core.parse_columns(columns) if fmt not in ("sha256sum", "m3u8") else []
    )  # ExportError: exit 2
    text, compiled = compile_args(query)
    if output != "-":
        _check_output(output, app.db_path, folder=partition_by is not None)
    catalog = app.catalog(create=False)
    conn = catalog.conn
    if output != "-":
        _check_not_catalogued(output, conn)
    manifest_root = core.resolve_root(conn, root) if fmt == "sha256sum" else None

    def run(out) -> object:
        if manifest_root is not None:
            return core.write_manifest(conn, compiled, manifest_root, out)
        if fmt == "m3u8":
            return core.write_m3u8(conn, compiled, out, root)
        return core.export_tracks(conn, compiled, out, fmt, names, excel=excel)

    if partition_by is not None:
        try:
            with core.atomic_folder(output) as folder:
                count, parts = core.write_parquet_partitioned(
                    conn, compiled, folder, names, partition_by
                )
        except OSError as exc:
            message = f"{output}: cannot write the export ({exc.strerror or exc}); nothing written"
            raise ArchiverError(message) from exc
        click.echo(f"archiver: wrote {count} tracks in {parts} partitions to {output}", err=True)
        return
    try:
        if output == "-":
            sys.stdout.flush()
            stdout = sys.stdout.buffer
            result = run(stdout)
            stdout.flush()
        else:
            with core.atomic_output(output) as handle:
                result = run(handle)
    except BrokenPipeError:
        quiet_broken_pipe()
    except OSError as exc:
        message = f"{output}: cannot write the export ({exc.strerror or exc}); nothing replaced"
        raise ArchiverError(message) from exc
    if manifest_root is not None:
        _report_manifest(result, manifest_root, output)
    elif fmt == "m3u8":
        _report_playlist(result, output)
    elif output != "-":
        click.echo(f"archiver: wrote {result} tracks to {output}", err=True)


# Files next to the catalog that SQLite and `archiver scan` own.
_COMPANIONS = ("", "-wal", "-shm", "-journal", "-scan.lock")


def _check_output(output: str, db_path: Path, *, folder: bool = False) -> None:
    """Refuse an --output that would replace the catalog (or a file SQLite or
    the scan lock keeps beside it): the export would silently destroy the
    library it was made from. A folder gets a clear one-line error."""
    if not output.strip():
        raise UsageError("--output: give a file name (or - for standard output)")
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
        raise UsageError(
            f"{output}: that is the catalog (or one of its files); refusing to overwrite it"
        )
    if os.path.isdir(target) and not folder:
        raise ArchiverError(f"{output}: is a folder; give a file name for the export")


def _check_not_catalogued(output: str, conn) -> None:
    """Refuse to replace an audio file of the library: archiver never changes them."""
    target = os.path.realpath(output)
    if not os.path.isfile(target):
        return
    candidates = {os.fsencode(target), os.fsencode(os.path.abspath(output))}
    for raw in candidates:
        if conn.execute("SELECT 1 FROM files WHERE path_bytes = ?", (raw,)).fetchone():
            raise UsageError(
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


def _report_playlist(result, output: str) -> None:
    where = "" if output == "-" else f" to {output}"
    click.echo(f"archiver: wrote {result.written} tracks{where}", err=True)
    if result.missing:
        click.echo(f"archiver: left out {result.missing} files not on disk", err=True)
    if result.unplayable:
        click.echo(
            f"archiver: left out {len(result.unplayable)} files whose names hold a line break"
            f" (no M3U line can name them), e.g. {result.unplayable[0]!r}",
            err=True,
        )
