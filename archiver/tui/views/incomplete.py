"""Incomplete albums: albums with gaps against their totaltracks/totaldiscs tags
or their MusicBrainz release → what each misses; Enter shows the whole report."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from archiver.catalog import browse
from archiver.catalog.browse import Entry, Scope
from archiver.integrity import browse as integrity_browse
from archiver.integrity.browse import MissingRow
from archiver.tui import format as fmt
from archiver.tui.screens.message import MessageScreen
from archiver.tui.sources import ListSource
from archiver.tui.text import plain
from archiver.tui.views.base import Selection, Shown, View
from archiver.tui.widgets.paged_table import Column

ENTRY_COLUMNS = [
    Column("Album", flex=1),
    Column("Missing", width=7, align="right", hide_below=24, fit=True),
]
COLUMNS = [
    Column("Missing", width=15),
    Column("Title", flex=3),
    Column("Length", width=7, align="right"),
    Column("Known from", width=17, hide_below=52),
]


def missing_cells(m: MissingRow) -> tuple[str, ...]:
    return (m.what, m.title or "", fmt.duration(m.length), m.source)


def album_summary(album: Any) -> str:
    """``7 of 10 present`` (or ``7 present``), and the matched release's title."""
    text = (
        f"{album.present} of {album.expected} present"
        if album.expected
        else f"{album.present} present"
    )
    if album.release_title:
        text += f" · release “{album.release_title}”"
    return text


def album_report(album: Any) -> str:
    """Everything known to be missing from one album, a line each."""
    lines = [f"Folder: {album.folder}", album_summary(album), ""]
    lines += [row.sentence() for row in integrity_browse.missing_rows(album)]
    if album.release_mbid:
        lines += ["", f"MusicBrainz release: {album.release_title or '?'} ({album.release_mbid})"]
    for path in album.missing_files:
        lines.append(f"gone from disk: {path}")
    return "\n".join(lines)


class IncompleteView(View):
    heavy = True
    key = "incomplete"
    label = "Incomplete albums"
    follows_filter = False  # the whole catalog (see docs/tui.md)
    rows_in_entry = True
    entry_columns = ENTRY_COLUMNS

    def badge(
        self, status: browse.CatalogStatus | None, counts: integrity_browse.IntegrityCounts | None
    ) -> int:
        return counts.incomplete if counts is not None else 0

    def load_entries(self, conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
        return integrity_browse.incomplete_album_entries(conn)

    def empty_text(self, sel: Selection) -> str:
        return "No incomplete albums (gaps against totaltracks or MusicBrainz)."

    def entries_subtitle(self, rows: list[Entry]) -> str:
        return fmt.count(len(rows), "album")

    def rows_title(self, entry_label: str) -> str:
        return f"Missing · {entry_label}"

    def rows_of(self, entry: Entry) -> list[MissingRow]:
        return integrity_browse.missing_rows(entry.extra) if entry.extra is not None else []

    def show_rows(self, entry: Entry, rows: list[MissingRow], sel: Selection) -> Shown:
        album = entry.extra
        summary = plain(album_summary(album) if album is not None else "")
        return Shown(ListSource(COLUMNS, rows, missing_cells), 0, "", summary)

    def load_status(
        self, conn: sqlite3.Connection, entries: Sequence[Entry], entry: Entry | None
    ) -> str:
        missing = sum(e.tracks for e in entries)
        return (
            f"{fmt.count(len(entries), 'incomplete album')} · {fmt.count(missing, 'track')} missing"
        )

    def open_row(self, entry: Entry, row: MissingRow) -> MessageScreen | None:
        if entry.extra is None:
            return None
        return MessageScreen(f"Incomplete: {entry.label}", album_report(entry.extra))

    def export_target(self, sel: Selection) -> tuple[Scope, str] | None:
        if sel.entry is None:
            return None
        album = sel.entry.extra
        folder = album.folder.rstrip("/") + "/"
        # The album's present files: its tag, in its folder (disc subfolders included).
        where = "t.album IS ? AND substr(f.path, 1, length(?)) = ?"
        scope = Scope("albumartist", where=where, params=(album.album, folder, folder))
        return scope, f"the files of “{sel.entry.label}”"
