"""`archiver art`: album covers out of the library (``--extract FOLDER``)."""

from __future__ import annotations

import json
import os

import click

from archiver.commands._common import AppContext, QueryCommand, pass_app, plural, query_argument
from archiver.commands._query import compile_args
from archiver.errors import ArchiverError, UsageError

_SAY = {
    "written": "wrote",
    "replaced": "replaced",
    "exists": "exists, left alone (--force replaces it)",
    "no cover": "no front cover in its files",
    "not found": "cover not found in its files (changed since the scan: run `archiver scan`)",
    "no album": "tracks without an album tag: skipped",
}


@click.command(cls=QueryCommand)
@query_argument
@click.option(
    "--extract",
    "folder",
    metavar="FOLDER",
    required=True,
    help="Write each album's front cover into FOLDER (made if needed; never in the library).",
)
@click.option("--force", is_flag=True, help="Replace files already in FOLDER.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def art(app: AppContext, query: tuple[str, ...], folder: str, force: bool, as_json: bool) -> None:
    """Extract the front cover of every album QUERY selects (all without QUERY)
    into FOLDER, named "Album Artist - Album.jpg" (or .png, ...), with the
    original bytes: the same SHA-256 the catalog records for the picture.

    An album's cover is the embedded front cover most of its files carry.
    Names are made safe for every file system. A file already in FOLDER is
    left alone and reported, unless --force. Audio files are only read.

    Exit status: 0 done, 1 failure (a cover could not be written), 2 bad usage.

    \b
    Example:
      archiver art --extract ~/covers
      archiver art 'albumartist:"miles davis"' --extract /tmp/miles --json
    """
    from archiver.art import extract_covers

    _text, compiled = compile_args(query)
    target = os.path.expanduser(folder)
    if os.path.exists(target) and not os.path.isdir(target):
        raise UsageError(f"--extract {folder}: is a file, not a folder")
    catalog = app.catalog(create=False)
    _refuse_library(catalog.conn, target, folder)
    try:
        os.makedirs(target, exist_ok=True)
    except OSError as exc:
        raise ArchiverError(
            f"--extract {folder}: cannot make the folder ({exc.strerror or exc})"
        ) from exc

    def show(item) -> None:
        if as_json or item.status in ("no album",):
            return
        title = f"{item.albumartist or 'Unknown artist'} - {item.album}"
        where = (
            f": {item.path}"
            if item.path and item.status in ("written", "replaced", "exists")
            else ""
        )
        note = " (its files disagree on the cover: the most common one)" if item.disagree else ""
        click.echo(f"{title}: {_SAY[item.status]}{where}{note}")

    try:
        report = extract_covers(catalog.conn, compiled, target, force=force, on_album=show)
    except OSError as exc:
        raise ArchiverError(
            f"--extract {folder}: cannot write a cover ({exc.strerror or exc})"
        ) from exc
    counts = {s: report.count(s) for s in _SAY}
    if as_json:
        payload = {"folder": target, **{k.replace(" ", "_"): v for k, v in counts.items()}}
        payload["albums"] = [a.as_json() for a in report.albums]
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    click.echo(
        f"archiver: {plural(len(report.albums), 'album')}: {counts['written'] + counts['replaced']} covers"
        f" written, {counts['exists']} already there, {counts['no cover']} without a cover"
        + (f", {counts['not found']} not found" if counts["not found"] else ""),
        err=True,
    )


def _refuse_library(conn, target: str, folder: str) -> None:
    """FOLDER may not be in a library root: archiver never writes into the library."""
    real = os.fsencode(os.path.realpath(target))
    for (root,) in conn.execute("SELECT path_bytes FROM library_roots"):
        root = os.path.realpath(bytes(root))
        if real == root or real.startswith(root.rstrip(b"/") + b"/"):
            raise UsageError(
                f"--extract {folder}: is inside the library root {os.fsdecode(root)};"
                " archiver never writes into the library: choose a folder outside it"
            )
