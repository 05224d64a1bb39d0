"""`archiver playlist import`: what a playlist's entries are to the catalog
(found, catalogued but missing, unknown), changing nothing."""

from __future__ import annotations

import json

import click

from archiver.commands._common import AppContext, json_option, pass_app, plural
from archiver.errors import ArchiverError, UsageError


@click.group()
def playlist() -> None:
    """Playlists (M3U / M3U8) and the catalog. To write one: `archiver export
    QUERY --format m3u8`.

    \b
    Example:
      archiver export 'genre:jazz' -o ~/Music/jazz.m3u8 --root ~/Music
      archiver playlist import ~/Music/jazz.m3u8
    """


@playlist.command("import")
@click.argument("file", metavar="FILE.m3u8")
@json_option
@pass_app
def import_(app: AppContext, file: str, as_json: bool) -> None:
    """Say which entries of the playlist FILE are in the catalog (found),
    catalogued but missing on disk, and unknown to the catalog; name the last
    two. Nothing is changed: not the catalog, not the playlist.

    Relative entries are relative to the playlist's folder; file:// URLs are
    read as paths; a .m3u that is not UTF-8 is read as Latin-1.

    Exit status: 0 done (whatever was found), 1 failure, 2 bad usage.

    \b
    Example:
      archiver playlist import ~/Music/jazz.m3u8
      archiver playlist import party.m3u --json
    """
    import os

    from archiver.playlist import match_entries, read_playlist

    if os.path.isdir(file):
        raise UsageError(f"{file}: is a folder; give a playlist file")
    try:
        entries = read_playlist(file)
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file") from None
    except OSError as exc:
        raise ArchiverError(f"{file}: cannot read the playlist ({exc.strerror or exc})") from exc
    with app.catalog(create=False) as catalog:
        report = match_entries(catalog.conn, entries)
    if as_json:
        click.echo(json.dumps({"playlist": file, **report.as_json()}, ensure_ascii=False))
        return
    click.echo(
        f"{file}: {plural(report.entries, 'entry', 'entries')}: {report.found} found,"
        f" {len(report.missing)} catalogued but missing, {len(report.unknown)} unknown"
    )
    for entry in report.missing:
        click.echo(f"  missing (line {entry.line}): {entry.location}")
    for entry in report.unknown:
        click.echo(f"  unknown (line {entry.line}): {entry.location}")
