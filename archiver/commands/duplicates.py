"""`archiver duplicates`: copies of the same audio, recording or song, and the best one."""

from __future__ import annotations

import json

import click

from archiver.commands._common import AppContext, json_option, pass_app, plural
from archiver.commands._common import console as cli_console


@click.command()
@click.option(
    "--by",
    type=click.Choice(["audio", "recording", "tags", "acoustic"]),
    default="audio",
    show_default=True,
    help="audio: same audio identity (needs fingerprints: `scan --checksum` or `verify`); "
    "recording: same MusicBrainz recording (needs `enrich`); "
    "tags: same artist and title, durations within 2 s; "
    "acoustic: the same recording by its sound, whatever the format (needs `analyze`).",
)
@json_option
@pass_app
def duplicates(app: AppContext, by: str, as_json: bool) -> None:
    """List groups of duplicate files and the best copy of each.

    The best copy is lossless over lossy, then the higher bit depth and sample
    rate (lossless) or bitrate (lossy), then the more complete tags; the
    reason is shown. Files marked missing take no part. Nothing is deleted.
    With --by acoustic, a lossless file that `analyze` found to be a transcode
    counts as lossy.

    \b
    Example:
      archiver duplicates
      archiver duplicates --by tags
      archiver duplicates --by recording --json
      archiver duplicates --by acoustic
    """
    from archiver.catalog.duplicates import duplicate_coverage

    with app.catalog(create=False) as catalog:
        groups = _find(catalog.conn, by)
        covered, total = duplicate_coverage(catalog.conn, by)
        if by == "acoustic":
            from archiver.catalog.analysis import unfingerprintable_count
            from archiver.integrity.acoustic import fingerprinted_count

            covered = fingerprinted_count(catalog.conn)
            # files analysed without a fingerprint (undecodable) are not "to analyze"
            total -= unfingerprintable_count(catalog.conn)
    if as_json:
        payload = {
            "by": by,
            "groups": [g.as_json() for g in groups],
            "group_count": len(groups),
            "file_count": sum(len(g.copies) for g in groups),
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    if by in NEEDS and covered == 0 and total:
        what, how = NEEDS[by]  # not "No duplicates": nothing could be compared
        cli_console().print(
            f"No file is {what} yet: {how} to find duplicates by {by}.",
            highlight=False,
            soft_wrap=True,
        )
        return
    _print(groups, by)
    if covered < total:
        _print_coverage(by, covered, total)


def _find(conn, by: str) -> list:
    """find_duplicates, with a missing Chromaprint library as a one-line failure."""
    from archiver.integrity.duplicates import find_duplicates

    return find_duplicates(conn, by)  # ChromaprintMissing is an ArchiverError: one line


NEEDS = {
    "audio": ("fingerprinted", "run `archiver scan --checksum` or `archiver verify` first"),
    "recording": ("matched to a MusicBrainz recording", "run `archiver enrich` first"),
    "acoustic": ("fingerprinted acoustically", "run `archiver analyze` first"),
}


def _print_coverage(by: str, covered: int, total: int) -> None:
    """Some files could not be compared: one line on stderr (the list on stdout stays
    what it was)."""
    what, how = NEEDS[by]
    click.echo(
        f"archiver: {total - covered} of {plural(total, 'file')} not {what} yet, so not"
        f" compared ({how.replace(' first', '')})",
        err=True,
    )


def _length(seconds: float | None) -> str:
    return "" if seconds is None else f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _print(groups: list, by: str) -> None:
    """Each group: a heading, then one line per copy (best first, marked ``*``) with
    quality, length and tag score in aligned columns and the path last, never wrapped
    (at the terminal width or at 80 columns on a pipe), so paths grep and paste."""
    from rich.text import Text

    console = cli_console()
    if not groups:
        console.print(f"No duplicates by {by}.")
        return
    for number, group in enumerate(groups, 1):
        if by == "tags":
            label = group.key
        elif by == "audio":
            label = f"same audio ({group.key[:12]}…)"
        elif by == "acoustic":
            label = f"same recording: {group.key}"
        else:
            label = f"recording {group.key}"
        if number > 1:
            console.print()
        console.print(Text(f"{number}. {label}", style="bold"), soft_wrap=True, highlight=False)
        quality = [copy.quality() for copy in group.copies]
        lengths = [_length(copy.duration) for copy in group.copies]
        q_width = max(len(q) for q in quality)
        l_width = max(len(x) for x in lengths)
        for i, copy in enumerate(group.copies):
            line = Text("  ")
            line.append("*" if i == 0 else " ", style="bold green")
            line.append(f" {quality[i]:<{q_width}}  {lengths[i]:>{l_width}}")
            line.append(f"  tags {copy.tag_score:>2}  ")
            line.append(copy.path, style="bold" if i == 0 else "")
            console.print(line, soft_wrap=True, highlight=False)
        console.print(Text(f"  best: {group.reason}"), soft_wrap=True, highlight=False)
    total = sum(len(g.copies) for g in groups)
    console.print(
        f"{plural(len(groups), 'group')}, {plural(total, 'file')} (* = best copy)",
        highlight=False,
    )
