"""Row sources for :class:`~archiver.tui.widgets.paged_table.PagedTable`.

``ListSource`` formats a bounded list kept in memory (categories, the
entries of a category, one entry's albums, one album's tracks). ``TrackPages``
is the "All tracks" source: it holds only the ordered ids of the view (from a
worker) and keeps an LRU of pages of rows read by id; the table's worker reads
the missing pages off the UI thread (see ``PagedSource``), so a jump to row
100,000 costs one indexed lookup of 100 rows and never blocks a key.
"""

from __future__ import annotations

import re
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

    def reordered(self, items: Sequence[T], columns: list[Column] | None = None) -> ListSource[T]:
        """The same formatting over ``items`` (a sorted copy of ``self.items``)."""
        return ListSource(columns or self.columns, items, self._format, dim=self._dim)


def natural_key(text: str) -> tuple:
    """How a cell sorts: numbers (``1,234``), lengths (``3:07``) and track numbers
    (``2-01``) by value, words case-blind, empty cells last (pure)."""
    text = text.strip()
    if not text or text in ("—", "?"):
        return (2, 0, "")
    if re.fullmatch(r"\d[\d,]*", text):
        return (0, int(text.replace(",", "")), "")
    if m := re.fullmatch(r"(\d+):(\d\d)(?::(\d\d))?", text):
        a, b, c = int(m[1]), int(m[2]), int(m[3]) if m[3] else None
        return (0, a * 3600 + b * 60 + c if c is not None else a * 60 + b, "")
    if m := re.fullmatch(r"(\d+)-(\d+)", text):
        return (0, int(m[1]) * 10_000 + int(m[2]), "")
    return (1, 0, text.casefold())


# On a narrow table the low-value columns go first (MB status, format, genre),
# so that artist, album and title keep readable widths.
ALL_TRACK_COLUMNS = [
    Column("Artist", flex=3, sort="artist"),
    Column("Album", flex=3, sort="album"),
    Column("#", width=5, align="right", sort="track"),
    Column("Title", flex=5, sort="title"),
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


NOT_READ = object()  # a row whose page is not in memory


class TrackPages:
    """Ordered ids of a view; rows kept by page in an LRU, read by a worker.

    ``connect`` opens a connection for the calling (worker) thread; the ids
    never change after creation, so the worker may read them.
    """

    PAGE = 100
    PAGES_KEPT = 64

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        ids: array | Sequence[int],
        columns: list[Column] | None = None,
    ) -> None:
        self.connect = connect
        self.ids = ids
        self.columns = columns or ALL_TRACK_COLUMNS
        self._pages: OrderedDict[int, list[TrackRow | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, index: int) -> Any:
        """The row at ``index`` (None: gone from the catalog), or NOT_READ."""
        number = index // self.PAGE
        page = self._pages.get(number)
        if page is None:
            return NOT_READ
        self._pages.move_to_end(number)
        return page[index % self.PAGE]

    def cells(self, index: int) -> tuple[str, ...] | None:
        row = self.row(index)
        if row is NOT_READ:
            return None
        return all_track_cells(row) if row else ("(gone)",)

    def key(self, index: int) -> Any:
        return self.ids[index]

    def dim(self, index: int) -> bool:
        row = self.row(index)
        return row is None or row is NOT_READ or row.missing

    def missing_pages(self, start: int, stop: int) -> list[int]:
        stop = min(stop, len(self.ids))
        if stop <= start:
            return []
        pages = range(start // self.PAGE, (stop - 1) // self.PAGE + 1)
        return [n for n in pages if n not in self._pages]

    def read_pages(self, numbers: list[int]) -> dict[int, list[TrackRow | None]]:
        conn = self.connect()
        try:
            return self.pages_of(conn, self.ids, numbers)
        finally:
            conn.close()

    @classmethod
    def pages_of(
        cls, conn: sqlite3.Connection, ids: Sequence[int], numbers: list[int]
    ) -> dict[int, list[TrackRow | None]]:
        """The rows of pages ``numbers`` of ``ids`` (None: gone from the catalog)."""
        pages: dict[int, list[TrackRow | None]] = {}
        for number in numbers:
            start = number * cls.PAGE
            wanted = list(ids[start : start + cls.PAGE])
            found = {r.id: r for r in browse.tracks_by_ids(conn, wanted)}
            pages[number] = [found.get(i) for i in wanted]
        return pages

    def add_pages(self, pages: dict[int, list[TrackRow | None]]) -> None:
        for number, rows in pages.items():
            self._pages[number] = rows
            self._pages.move_to_end(number)
        while len(self._pages) > self.PAGES_KEPT:
            self._pages.popitem(last=False)


def with_first_page(
    read: Callable[..., Sequence[int]],
) -> Callable[..., tuple[Sequence[int], dict[int, list[TrackRow | None]]]]:
    """``read(conn, *args)`` (ids in display order) that also reads their first page
    in the same worker: new ids show with their rows in one step, without the
    table's page worker (a second thread and connection) after them."""

    def both(
        conn: sqlite3.Connection, *args: Any
    ) -> tuple[Sequence[int], dict[int, list[TrackRow | None]]]:
        ids = read(conn, *args)
        return ids, TrackPages.pages_of(conn, ids, [0] if len(ids) else [])

    return both


def file_ids(source: Any) -> Sequence[int]:
    """The file ids of a list of tracks (or copies), in its order: n/p in the details."""
    if isinstance(source, TrackPages):
        return source.ids
    if isinstance(source, ListSource):
        ids = [getattr(item, "file_id", getattr(item, "id", None)) for item in source.items]
        return [i for i in ids if isinstance(i, int)]
    return ()
