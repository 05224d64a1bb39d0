"""`archiver stats`: what the catalog (or a query's part of it) holds."""

from __future__ import annotations

import json

import click

from archiver.commands._common import (
    AppContext,
    QueryCommand,
    json_option,
    pass_app,
    query_argument,
)
from archiver.commands._query import compile_args


@click.command(cls=QueryCommand)
@query_argument
@json_option
@pass_app
def stats(app: AppContext, query: tuple[str, ...], as_json: bool) -> None:
    """Figures about the tracks QUERY selects (all without QUERY).

    Tracks, albums, artists, total length and size, formats and codecs,
    lossless share, tag completeness, MusicBrainz enrichment, decode
    results and quality verdicts (archiver analyze), missing files, scan
    errors, skipped non-audio files, last scan and last verify. --json keys
    are listed in docs/stats.md.

    \b
    Example:
      archiver stats
      archiver stats --json genre:jazz
      archiver stats 'albumartist:"various artists"'
    """
    from archiver.catalog.stats import collect_stats

    text, compiled = compile_args(query)
    catalog = app.catalog(create=False)
    figures = collect_stats(catalog.conn, compiled, text)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    _render(figures)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{days} d " if days else "") + f"{hours}:{minutes:02d}:{secs:02d}"


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"  # pragma: no cover


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _render(f: dict) -> None:
    from rich.table import Table

    from archiver.commands._common import console as pipe_console
    from archiver.commands._common import timestamp

    console = pipe_console(highlight=False)
    tracks = f["tracks"]
    title = f"Catalog stats{' for ' + repr(f['query']) if f['query'] else ''}"
    overview = Table(title=title, show_header=False, title_justify="left")
    overview.add_column(style="bold")
    overview.add_column(justify="right")
    overview.add_row("Tracks", f"{tracks:,}")
    overview.add_row("Albums", f"{f['albums']:,}")
    overview.add_row("Artists", f"{f['artists']:,}")
    overview.add_row("Album artists", f"{f['album_artists']:,}")
    overview.add_row("Total length", _duration(f["duration_seconds"]))
    overview.add_row("Total size", _size(f["size_bytes"]))
    overview.add_row("Lossless", f"{f['lossless']['tracks']:,} ({_pct(f['lossless']['share'])})")
    overview.add_row("Missing files", f"{f['missing_files']:,}")
    overview.add_row("Unreadable files", f"{f['read_errors']:,}")
    overview.add_row("With checksum", f"{f['checksummed']:,}")
    overview.add_row("Never verified", f"{f['never_verified']:,}")
    scan = f["last_scan"]
    overview.add_row(
        "Last scan",
        f"{timestamp(scan['finished_at'] or scan['started_at'])} ({scan['status']})"
        if scan
        else "never",
    )
    overview.add_row("Scan errors (last scan)", f"{f['scan_errors']:,}")
    verify = f["last_verified"]
    overview.add_row(
        "Last verified",
        f"{timestamp(verify['finished_at'] or verify['started_at'])} "
        f"({verify['ok']:,} ok of {verify['checked']:,})"
        if verify
        else "never",
    )
    overview.add_row("Albums settled by you", f"{f['review']['settled_by_user']:,}")
    overview.add_row("Albums to review", f"{f['review']['needs_review']:,}")
    console.print(overview)

    def counts(name: str, data: dict[str, int]) -> Table:
        table = Table(title=name, title_justify="left")
        table.add_column("")
        table.add_column("Tracks", justify="right")
        table.add_column("Share", justify="right")
        for key, value in data.items():
            table.add_row(key, f"{value:,}", _pct(value / tracks if tracks else 0))
        return table

    console.print(counts("Formats", f["formats"]))
    console.print(counts("Codecs", f["codecs"]))
    console.print(counts("MusicBrainz enrichment", f["enrichment"]))
    tags = Table(title="Tag completeness", title_justify="left")
    tags.add_column("Field")
    tags.add_column("Tracks", justify="right")
    tags.add_column("Set", justify="right")
    for key, value in f["tag_completeness"].items():
        tags.add_row(key, f"{value['tracks']:,}", _pct(value["share"]))
    console.print(tags)
    _render_analysis(console, f["analysis"], tracks)
    skipped = f["skipped_files"]
    if skipped["total"]:
        table = Table(title="Skipped files", title_justify="left")
        table.add_column("Not audio")
        table.add_column("Files", justify="right")
        for kind, n in skipped["kinds"].items():
            table.add_row(kind, f"{n:,}")
        console.print(table)


def _render_analysis(console, a: dict, tracks: int) -> None:
    """Decode results and quality verdicts; a hint when analysis is absent or behind."""
    from rich.table import Table

    from archiver.commands._common import plural

    if not tracks:
        return
    todo = a["not_analyzed"] + a["outdated"]
    if not a["analyzed"]:
        console.print(
            "No audio analysis yet: run `archiver analyze` to check that every file decodes "
            "and to tell genuine lossless from transcodes.",
            soft_wrap=True,
        )
        return
    table = Table(title="Audio analysis (archiver analyze)", title_justify="left")
    table.add_column("")
    table.add_column("Tracks", justify="right")
    table.add_column("Share", justify="right")
    analyzed = a["analyzed"]

    def row(label: str, n: int, whole: int) -> None:
        table.add_row(label, f"{n:,}", _pct(n / whole if whole else 0))

    row("analysed", analyzed, tracks)
    row("changed since", a["outdated"], tracks)
    row("not analysed", a["not_analyzed"], tracks)
    table.add_section()
    for key, n in a["decode"].items():
        row(f"decode {key}", n, analyzed)
    if a["failed"]:
        row("could not be analysed", a["failed"], analyzed)
    table.add_section()
    for key, n in a["quality"].items():
        row(f"quality {key}" if key != "none" else "no quality verdict", n, analyzed)
    console.print(table)
    if todo:
        console.print(
            f"{plural(todo, 'track')} not analysed yet (or changed since): run `archiver analyze`",
            soft_wrap=True,
        )
