"""The views that group tracks by their tags (album artists, artists, albums,
genres, years, formats, needs review, missing files: one :class:`LibraryView`
per :class:`~archiver.catalog.browse.Category`) and All tracks."""

from __future__ import annotations

import sqlite3
from typing import Any

from archiver.catalog import browse
from archiver.catalog.browse import CATEGORY_BY_KEY, AlbumRow, Entry, Scope, TrackRow
from archiver.integrity import browse as integrity_browse
from archiver.tui import format as fmt
from archiver.tui.sources import ListSource
from archiver.tui.views.base import (
    ALBUM_COLUMNS,
    ALBUM_COLUMNS_NO_ARTIST,
    NO_MATCH,
    TRACK_COLUMNS,
    Selection,
    Shown,
    View,
    album_cells,
    album_cells_no_artist,
    track_cells,
    tracks_target,
)

EMPTY_TEXT = {"review": "Nothing needs review.", "missing": "No missing files."}
BADGES = {"review": "needs_review", "missing": "missing"}  # CatalogStatus fields
NO_ARTIST_COLUMN = ("albumartist", "album", "missing")  # the entry already says the artist


class LibraryView(View):
    """Entries (the category's tag values) → albums → tracks, all narrowed by the filter."""

    depth = 3
    filter_narrows = True
    narrows_stats = True

    def __init__(self, key: str) -> None:
        self.key = key
        self.label = CATEGORY_BY_KEY[key].label
        # One entry per album: ~100,000 entries (~45 MB, ~1-2 s) at a million tracks.
        self.heavy = key == "album"

    def load_entries(self, conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
        return browse.entries(conn, scope)

    def empty_text(self, sel: Selection) -> str:
        return EMPTY_TEXT.get(self.key) or super().empty_text(sel)

    def badge(
        self, status: browse.CatalogStatus | None, counts: integrity_browse.IntegrityCounts | None
    ) -> int:
        field = BADGES.get(self.key)
        return getattr(status, field) if field and status is not None else 0

    def load_rows(self, conn: sqlite3.Connection, scope: Scope, entry: Entry) -> list[AlbumRow]:
        return browse.albums(conn, scope.with_(entry=entry.key))

    def show_rows(self, entry: Entry | None, rows: list[AlbumRow], sel: Selection) -> Shown:
        old = sel.row
        old_key = (old.albumartist, old.album) if isinstance(old, AlbumRow) else None
        index = next((i for i, a in enumerate(rows) if (a.albumartist, a.album) == old_key), 0)
        if self.key in NO_ARTIST_COLUMN:
            source = ListSource(ALBUM_COLUMNS_NO_ARTIST, rows, album_cells_no_artist)
        else:
            source = ListSource(ALBUM_COLUMNS, rows, album_cells)
        return Shown(source, index, "No albums.", fmt.count(len(rows), "album"))

    def no_rows(self) -> Shown:
        return self.show_rows(None, [], Selection(Scope(self.key)))

    def children_title(self, row: Any) -> str:
        album = row.album if isinstance(row, AlbumRow) and row.album is not None else ""
        return f"Tracks · {album}" if album else "Tracks"

    def load_children(
        self, conn: sqlite3.Connection, scope: Scope, entry: Entry, row: AlbumRow
    ) -> list[TrackRow]:
        return browse.album_tracks(
            conn, scope.with_(entry=entry.key, album=(row.albumartist, row.album))
        )

    def show_children(self, row: AlbumRow, children: list[TrackRow], old: Any) -> Shown:
        old_id = old.id if isinstance(old, TrackRow) else None
        index = next((i for i, t in enumerate(children) if t.id == old_id), 0)
        length = fmt.duration(sum(t.duration or 0 for t in children))
        return Shown(
            ListSource(TRACK_COLUMNS, children, track_cells, dim=lambda t: t.missing),
            index,
            "",
            f"{fmt.count(len(children), 'track')} · {length}",
        )

    def stats_scope(self, sel: Selection) -> Scope:
        scope = sel.scope
        if sel.level >= 2 and sel.entry is not None:
            scope = scope.with_(entry=sel.entry.key)
        if sel.level >= 3 and isinstance(sel.row, AlbumRow):
            scope = scope.with_(album=(sel.row.albumartist, sel.row.album))
        return scope

    def enrich_target(self, sel: Selection) -> tuple[Scope, str]:
        return tracks_target(sel)


class AllTracksView(View):
    """Every track in one sortable, paged pane (see ``MainScreen._load_all_ids``)."""

    key = "all"
    label = CATEGORY_BY_KEY["all"].label
    depth = 1
    all_tracks = True
    filter_narrows = True

    def empty_text(self, sel: Selection) -> str:
        return NO_MATCH if sel.filter_text else "No tracks."

    def stats_scope(self, sel: Selection) -> Scope:
        return sel.scope

    def enrich_target(self, sel: Selection) -> tuple[Scope, str]:
        if sel.filter_text:
            return sel.scope, f"everything matching “{sel.filter_text}”"
        return sel.scope, "the whole catalog"
