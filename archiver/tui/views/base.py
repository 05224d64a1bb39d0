"""What every view is made of: the :class:`View` base, the :class:`Selection`
a view reads the screen's state from, the :class:`Shown` a column displays,
and the columns and cells shared by several views (albums, tracks)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.screen import Screen

from archiver.catalog import browse
from archiver.catalog.browse import AlbumRow, Entry, Scope, TrackRow
from archiver.integrity import browse as integrity_browse
from archiver.tui import format as fmt
from archiver.tui.sources import ListSource
from archiver.tui.widgets.paged_table import Column

NO_MATCH = "Nothing matches the filter (Esc clears it)."

ENTRY_COLUMNS = [
    Column("Name", flex=1),
    Column("Tracks", width=6, align="right", hide_below=22, fit=True),
]
ALBUM_COLUMNS = [
    Column("Year", width=4, align="right"),
    Column("Album", flex=3),
    Column("Artist", flex=2, hide_below=56, hide_same=True),  # and by album artist
    Column("Tr", width=3, align="right", fit=True),
    Column("Length", width=7, align="right", hide_below=36),
    Column("Format", width=6, hide_below=58),
    Column("MB", width=9, hide_below=46),
]
ALBUM_COLUMNS_NO_ARTIST = [c for c in ALBUM_COLUMNS if c.title != "Artist"]
TRACK_COLUMNS = [
    Column("#", width=5, align="right"),
    Column("Title", flex=3),
    Column("Artist", flex=2, hide_below=48, hide_same=True),
    Column("Length", width=7, align="right"),
    Column("Format", width=6, hide_below=64),
    Column("MB", width=9, hide_below=56),
]


def album_cells(a: AlbumRow) -> tuple[str, ...]:
    return (
        str(a.year or ""),
        a.album if a.album is not None else "(no album)",
        a.albumartist or "",
        str(a.tracks),
        fmt.duration(a.duration),
        a.formats,
        a.mb_status,
    )


def album_cells_no_artist(a: AlbumRow) -> tuple[str, ...]:
    cells = album_cells(a)
    return cells[:2] + cells[3:]


def track_cells(t: TrackRow) -> tuple[str, ...]:
    return (
        fmt.track_number(t.disc, t.track),
        t.title or t.path.rsplit("/", 1)[-1],
        t.artist or "",
        fmt.duration(t.duration),
        t.format or "?",
        fmt.mb_status(t.mb_status),
    )


IDS_WHERE = "f.id IN (SELECT value FROM json_each(?))"


def ids_scope(ids: list[int]) -> Scope:
    """Exactly these files (missing ones included), for an export (in that order)."""
    return Scope(
        "albumartist",
        where=IDS_WHERE,
        params=(json.dumps(ids),),
        include_missing=True,
    )


@dataclass(frozen=True)
class Selection:
    """The screen's state as a view sees it (views never hold a reference to the screen)."""

    scope: Scope  # the view's category narrowed by the filter
    filter_text: str = ""
    level: int = 1  # the focused column: 0 categories, 1 entries, 2 rows, 3 children
    entry: Entry | None = None  # highlighted in the first column
    row: Any = None  # highlighted in the second column (an album, a duplicate group, …)
    rows: Sequence[Any] = ()  # what the second column lists
    status: browse.CatalogStatus | None = None  # the catalog status last read


@dataclass(frozen=True)
class Shown:
    """What a column displays: its rows, where the cursor goes, the empty text, the subtitle."""

    source: ListSource
    cursor: int = 0
    empty_text: str = ""
    subtitle: str = ""


class View:
    """One entry of the left column: how deep it goes, what each column lists and says.

    Columns: 1 the entries (``load_entries``), 2 the rows of the highlighted entry
    (``rows_of`` when they came with the entry, else ``load_rows`` in a worker), 3 the
    children of the highlighted row (``children_of`` or ``load_children``). Methods named
    ``load_*`` run in a worker thread on a connection of their own; all others run on
    the UI thread and must not touch SQLite.
    """

    key: str
    label: str
    depth: ClassVar[int] = 2  # the deepest column (1 = entries only)
    all_tracks: ClassVar[bool] = False  # the one paged "All tracks" pane instead of columns
    follows_filter: ClassVar[bool] = True  # a new `/` filter reloads it
    filter_narrows: ClassVar[bool] = False  # its entries are narrowed by the filter
    rows_in_entry: ClassVar[bool] = False  # the rows came with the entry (Entry.extra)
    children_in_row: ClassVar[bool] = False  # the children came with the row
    narrows_stats: ClassVar[bool] = False  # the status bar follows the highlighted row
    # Its first column is whole-catalog work in Python or one entry per album (seconds
    # and tens of MB at a million tracks): read ahead in the background only in
    # smaller catalogs (MainScreen._warm_heavy).
    heavy: bool = False
    entry_columns: ClassVar[list[Column]] = ENTRY_COLUMNS

    # ---------------------------------------------------------- column 1: entries

    def load_entries(self, conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
        raise NotImplementedError

    def entry_cells(self, entry: Entry) -> tuple[str, ...]:
        return (entry.label, f"{entry.tracks:,}")

    def empty_text(self, sel: Selection) -> str:
        """What the empty first column says (and how to fill it)."""
        return f"No {self.label.lower()}."

    def entries_subtitle(self, rows: list[Entry]) -> str:
        return f"{len(rows):,}"

    def badge(
        self, status: browse.CatalogStatus | None, counts: integrity_browse.IntegrityCounts | None
    ) -> int:
        """The count beside the view in the left column (0: none shown). ``counts`` are
        read later than ``status`` (whole-catalog work, see docs/tui.md)."""
        return 0

    # ---------------------------------------------------------- column 2: rows

    def rows_title(self, entry_label: str) -> str:
        return f"Albums · {entry_label}" if entry_label else "Albums"

    def rows_of(self, entry: Entry) -> list[Any]:
        """The rows that came with the entry (``rows_in_entry`` views)."""
        return entry.extra or []

    def load_rows(self, conn: sqlite3.Connection, scope: Scope, entry: Entry) -> list[Any]:
        return self.rows_of(entry)

    def show_rows(self, entry: Entry, rows: list[Any], sel: Selection) -> Shown:
        raise NotImplementedError

    def no_rows(self) -> Shown:
        """The second column when the first is empty: nothing (the first says why)."""
        return Shown(ListSource([], [], lambda r: ()))

    def row_changed(self, old: Any, new: Any) -> bool:
        return old != new

    def open_row(self, entry: Entry, row: Any) -> Screen[Any] | None:
        """Enter on a row: a screen to push, or None to move into the third column."""
        return None

    # ---------------------------------------------------------- column 3: children

    def children_title(self, row: Any) -> str:
        return "Tracks"

    def children_of(self, row: Any) -> list[Any]:
        return []

    def load_children(
        self, conn: sqlite3.Connection, scope: Scope, entry: Entry, row: Any
    ) -> list[Any]:
        return self.children_of(row)

    def show_children(self, row: Any, children: list[Any], old: Any) -> Shown:
        """``old`` is the key under the third column's cursor, kept when still there."""
        return Shown(ListSource(TRACK_COLUMNS, children, track_cells))

    def no_children(self) -> Shown:
        return Shown(ListSource(TRACK_COLUMNS, [], track_cells))

    # ---------------------------------------------------------- actions

    def stats_scope(self, sel: Selection) -> Scope:
        """What the status bar counts: the whole catalog (with the filter) by default."""
        return sel.scope.with_(category="albumartist")

    def load_status(
        self, conn: sqlite3.Connection, entries: Sequence[Entry], entry: Entry | None
    ) -> str | None:
        """Worker thread: what the status bar says about this view (None: the tracks,
        albums, artists, length and size of ``stats_scope``)."""
        return None

    def enrich_target(self, sel: Selection) -> tuple[Scope, str] | None:
        """What `e` enriches (None: nothing here is an album or a track)."""
        return None

    def export_target(self, sel: Selection) -> tuple[Scope, str] | None:
        """What `x` exports: by default what `e` would enrich."""
        return self.enrich_target(sel)


def tracks_target(sel: Selection) -> tuple[Scope, str]:
    """The selected album when an album or track is focused, else the entry, else the view."""
    album = sel.row if isinstance(sel.row, AlbumRow) else None
    if sel.level >= 2 and album is not None and sel.entry is not None:
        scope = sel.scope.with_(entry=sel.entry.key, album=(album.albumartist, album.album))
        return scope, f"the album “{album.album or '(no album)'}”"
    if sel.level >= 1 and sel.entry is not None:
        return sel.scope.with_(entry=sel.entry.key), f"“{sel.entry.label}”"
    if sel.filter_text:
        return sel.scope, f"everything matching “{sel.filter_text}”"
    return sel.scope, "the whole catalog"
