"""`archiver duplicates`: copies of the same audio, recording or song, and the best one."""

from __future__ import annotations

import json

import click

from archiver.cli import AppContext, json_option, pass_app


@click.command()
@click.option(
    "--by",
    type=click.Choice(["audio", "recording", "tags"]),
    default="audio",
    show_default=True,
    help="audio: same audio identity (needs fingerprints: `scan --checksum` or `verify`); "
    "recording: same MusicBrainz recording (needs `enrich`); "
    "tags: same artist and title, durations within 2 s.",
)
@json_option
@pass_app
def duplicates(app: AppContext, by: str, as_json: bool) -> None:
    """List groups of duplicate files and the best copy of each.

    The best copy is lossless over lossy, then the higher bit depth and sample
    rate (lossless) or bitrate (lossy), then the more complete tags; the
    reason is shown. Files marked missing take no part. Nothing is deleted.

    \b
    Example:
      archiver duplicates
      archiver duplicates --by tags
      archiver duplicates --by recording --json
    """
    from archiver.integrity.duplicates import find_duplicates

    with app.catalog(create=False) as catalog:
        groups = find_duplicates(catalog.conn, by)
    if as_json:
        payload = {
            "by": by,
            "groups": [g.as_json() for g in groups],
            "group_count": len(groups),
            "file_count": sum(len(g.copies) for g in groups),
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    _print(groups, by)


def _print(groups: list, by: str) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if not groups:
        console.print(f"No duplicates by {by}.")
        return
    for number, group in enumerate(groups, 1):
        if by == "tags":
            label = group.key
        elif by == "audio":
            label = f"same audio ({group.key[:12]}…)"
        else:
            label = f"recording {group.key}"
        table = Table(
            title=f"{number}. {label}",
            title_justify="left",
            caption=f"best: {group.reason}",
            caption_justify="left",
        )
        table.add_column("", width=1)
        table.add_column("file", overflow="fold")
        table.add_column("quality")
        table.add_column("length", justify="right")
        table.add_column("tags", justify="right")
        for i, copy in enumerate(group.copies):
            length = (
                ""
                if copy.duration is None
                else f"{int(copy.duration // 60)}:{copy.duration % 60:04.1f}"
            )
            table.add_row(
                Text("*", style="bold green") if i == 0 else "",
                Text(copy.path, style="bold" if i == 0 else ""),
                copy.quality(),
                length,
                str(copy.tag_score),
            )
        console.print(table)
    total = sum(len(g.copies) for g in groups)
    console.print(f"{len(groups)} groups, {total} files (* = best copy)")
