"""`archiver missing`: incomplete albums, from the tags and from MusicBrainz."""

from __future__ import annotations

import json

import click

from archiver.cli import AppContext, json_option, pass_app


def _length(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{int(seconds // 60)}:{int(round(seconds % 60)):02d}"


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    out, start, prev = [], None, None
    for n in numbers + [None]:
        if start is not None and (n is None or n != prev + 1):
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if n is not None and start is None:
            start = n
        prev = n
    return ", ".join(out)


@click.command()
@json_option
@pass_app
def missing(app: AppContext, as_json: bool) -> None:
    """List incomplete albums: what is not in your library.

    Gaps against the tags (track numbers 1..totaltracks per disc, discs
    1..totaldiscs) and, for albums matched to a MusicBrainz release by
    `archiver enrich`, the release's tracks that have no file (disc, number,
    title, length). Files marked missing by the last scan count as absent.

    \b
    Example:
      archiver missing
      archiver missing --json > incomplete.json
    """
    from archiver.integrity.completeness import incomplete_albums

    with app.catalog(create=False) as catalog:
        albums = incomplete_albums(catalog.conn)
    if as_json:
        payload = {"albums": [a.as_json() for a in albums], "album_count": len(albums)}
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    _print(albums)


def _print(albums: list) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not albums:
        console.print("No incomplete albums.")
        return
    for album in albums:
        title = f"{album.albumartist or 'Unknown artist'} - {album.album or '?'}"
        expected = f" of {album.expected}" if album.expected else ""
        table = Table(
            title=f"{title}  ({album.present}{expected} files)",
            title_justify="left",
            caption=album.folder,
            caption_justify="left",
            show_header=bool(album.release_missing),
        )
        table.add_column("disc", justify="right")
        table.add_column("track", justify="right")
        table.add_column("title", overflow="fold")
        table.add_column("length", justify="right")
        for disc in album.missing_discs:
            table.add_row(str(disc), "all", "(no file from this disc)", "")
        for disc, numbers in sorted(album.gaps.items()):
            if not album.release_missing:
                table.add_row(str(disc), _ranges(numbers), "(by the tags' track total)", "")
        for track in album.release_missing:
            table.add_row(
                str(track.disc),
                track.number or str(track.position),
                track.title or "",
                _length(track.length),
            )
        for path in album.missing_files:
            table.add_row("", "", f"catalogued but gone: {path}", "")
        console.print(table)
    console.print(f"{len(albums)} incomplete albums")
