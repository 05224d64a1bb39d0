"""`archiver missing`: incomplete albums, from the tags and from MusicBrainz."""

from __future__ import annotations

import gc
import json
import os
import re
from collections.abc import Iterable, Iterator

import click

from archiver.commands._common import AppContext, json_option, pass_app, plural
from archiver.commands._common import console as cli_console


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


def _copies(album) -> str:
    """ ", 6 files" when some track has more than one file on disk."""
    return f", {plural(album.files, 'file')}" if album.files > album.present else ""


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

    # Python's cyclic garbage collector would walk the rows read, again and again, as
    # they pile up: 13 % of the time at a million tracks, for no garbage (no cycles).
    gc.disable()
    with app.catalog(create=False) as catalog:
        # A second process reads half the suspect albums where there is a second core.
        albums = incomplete_albums(catalog.conn, processes=min(2, _cpus()))
    if as_json:
        _print_json(albums)
        return
    _print(albums)


def _cpus() -> int:
    """The CPUs this process may run on (its affinity mask, where there is one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _print_json(albums: list) -> None:
    """``{"albums": [...], "album_count": n}`` written an album at a time (the same
    text as one ``json.dumps`` of it, without holding all of it twice)."""
    click.echo('{"albums": [', nl=False)
    for number, album in enumerate(albums):
        text = json.dumps(album.as_json(), ensure_ascii=False)
        click.echo(f", {text}" if number else text, nl=False)
    click.echo(f'], "album_count": {len(albums)}}}')


def _print(albums: list) -> None:
    """Each album: a heading with its folder, then one line per gap, never wrapped (at
    the terminal width or at 80 columns on a pipe), so paths grep and paste."""
    console = cli_console()
    if not albums:
        console.print("No incomplete albums.")
        return
    out = _Lines(console)
    for number, album in enumerate(albums):
        out.add([("", "")] if number else [])
        out.add(_album_lines(album))
    out.flush()
    console.print(f"{plural(len(albums), 'incomplete album')}", highlight=False)


class _Lines:
    """Unwrapped lines to a rich console, a few hundred per write: one ``print`` call
    costs ~0.1 ms of rich's own work whatever its length, which line by line was most
    of the command's time at 15,000 albums. On a pipe or a file (no terminal, no
    colour) rich would only drop the control codes it strips and expand tabs, so
    lines without a tab are written as rich would write them, without rich."""

    def __init__(self, console) -> None:
        self.console = console
        self.plain = not console.is_terminal and console.color_system is None
        self.pending: list[tuple[str, str]] = []

    def add(self, lines: Iterable[tuple[str, str]]) -> None:
        """(text, style) lines."""
        self.pending.extend(lines)
        if len(self.pending) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        from rich.text import Text

        pending, self.pending = self.pending, []
        if self.plain and pending:
            text = _strip_control_codes("\n".join(text for text, _ in pending))
            if "\t" not in text:
                self.console.file.write(text + "\n")
                self.console.file.flush()
                return
        if pending:
            batch = Text("\n").join(Text(text, style) for text, style in pending)
            self.console.print(batch, soft_wrap=True, highlight=False)


_BATCH = 500  # lines per write


def _strip_control_codes(text: str) -> str:
    """``rich.control.strip_control_codes`` (``str.translate`` with a dict: 0.1 s per
    MB) as one regular expression over the same characters."""
    global _CONTROL
    if _CONTROL is None:
        from rich.control import STRIP_CONTROL_CODES

        _CONTROL = re.compile("[" + "".join(re.escape(chr(c)) for c in STRIP_CONTROL_CODES) + "]")
    return _CONTROL.sub("", text)


_CONTROL: re.Pattern[str] | None = None


def _album_lines(album) -> Iterator[tuple[str, str]]:
    """(text, style) of each line of one album's report."""
    title = f"{album.albumartist or 'Unknown artist'} - {album.album or '?'}"
    expected = f" of {album.expected}" if album.expected else ""
    tracks = "track" if album.present == 1 and not expected else "tracks"
    yield f"{title}  ({album.present}{expected} {tracks}{_copies(album)})", "bold"
    if album.folder:
        yield f"  folder: {album.folder}", ""
    for disc in album.missing_discs:
        yield f"  disc {disc}: no file from this disc", ""
    if not album.release_missing:
        for disc, numbers in sorted(album.gaps.items()):
            which = "track" if len(numbers) == 1 else "tracks"
            yield (
                f"  disc {disc}: {which} {_ranges(numbers)} missing (by the tags' track total)",
                "",
            )
    if album.release_missing:
        yield (
            f"  not in the library, from the release {album.release_title or album.release_mbid}:",
            "",
        )
    for track in album.release_missing:
        length = _length(track.length)
        yield (
            f"  disc {track.disc}, track {track.number or track.position}: {track.title or '?'}"
            + (f" ({length})" if length else ""),
            "",
        )
    for path in album.missing_files:
        yield f"  catalogued but gone: {path}", ""
