"""Row sources for :class:`~archiver.tui.widgets.paged_table.PagedTable`.

``ListSource`` formats a bounded list kept in memory (categories, the
entries of a category, one entry's albums, one album's tracks). ``TrackPages``
is the "All tracks" source: it holds only the ordered ids of the view (from a
worker) and reads rows a page at a time by id on the UI thread, through an
LRU cache, so a jump to row 100,000 costs one indexed lookup of 100 rows.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from archiver.catalog import browse
from archiver.catalog.browse import TrackRow
from archiver.tui.format import duration, mb_status, track_number
from archiver.tui.widgets.paged_table import Column

T = TypeVar("T")


class ListSource(Generic[T]):
    """Rows kept in memory, formatted on demand."""

    def __init__(
        self,
        columns: list[Column],
        items: Sequence[T],
        format_row: Callable[[T], tuple[str, ...]],
        *,
        dim: Callable[[T], bool] | None = None,
    ) -> None:
        self.columns = columns
        self.items = items
        self._format = format_row
        self._dim = dim

    def __len__(self) -> int:
        return len(self.items)

    def cells(self, index: int) -> tuple[str, ...]:
        return self._format(self.items[index])

    def key(self, index: int) -> T:
        return self.items[index]

    def dim(self, index: int) -> bool:
        return bool(self._dim and self._dim(self.items[index]))


# On a narrow table the low-value columns go first (MB status, format, genre),
# so that artist, album and title keep readable widths.
ALL_TRACK_COLUMNS = [
    Column("Artist", flex=3, sort="artist"),
    Column("Album", flex=3, sort="album"),
    Column("#", width=5, align="right", sort="track"),
    Column("Title", flex=4, sort="title"),
    Column("Year", width=4, align="right", sort="year", hide_below=64),
    Column("Genre", flex=1, min_width=5, sort="genre", hide_below=76),
    Column("Format", width=6, sort="format", hide_below=84),
    Column("Length", width=7, align="right", sort="duration"),
    Column("MB", width=9, sort="mb", hide_below=90),
]
SORT_KEYS = [c.sort for c in ALL_TRACK_COLUMNS if c.sort]


def all_track_cells(row: TrackRow) -> tuple[str, ...]:
    return (
        row.artist or "",
        row.album or "",
        track_number(row.disc, row.track),
        row.title or row.path.rsplit("/", 1)[-1],
        str(row.year or ""),
        row.genre or "",
        row.format or "?",
        duration(row.duration),
        mb_status(row.mb_status),
    )


class TrackPages:
    """Ordered ids of a view; rows fetched by page through an LRU cache."""

    PAGE = 100
    PAGES_KEPT = 64

    def __init__(
        self, conn: sqlite3.Connection, ids: array, columns: list[Column] | None = None
    ) -> None:
        self.conn = conn
        self.ids = ids
        self.columns = columns or ALL_TRACK_COLUMNS
        self._pages: OrderedDict[int, list[TrackRow | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, index: int) -> TrackRow | None:
        number = index // self.PAGE
        page = self._pages.get(number)
        if page is None:
            start = number * self.PAGE
            wanted = list(self.ids[start : start + self.PAGE])
            found = {r.id: r for r in browse.tracks_by_ids(self.conn, wanted)}
            page = [found.get(i) for i in wanted]
            self._pages[number] = page
            while len(self._pages) > self.PAGES_KEPT:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[index % self.PAGE]

    def cells(self, index: int) -> tuple[str, ...]:
        row = self.row(index)
        return all_track_cells(row) if row else ("(gone)",)

    def key(self, index: int) -> Any:
        return self.ids[index]

    def dim(self, index: int) -> bool:
        row = self.row(index)
        return row is None or row.missing
