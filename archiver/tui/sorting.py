"""The orders picked with `s`: All tracks' (a catalog sort key, read by the
query) and any other list's (a column, sorted here in memory), and the menu
that picks them. Pure: the screen asks, shows the menu and sets the tables."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from archiver.catalog.browse import Scope
from archiver.tui.sources import ALL_TRACK_COLUMNS, SORT_KEYS, ListSource, natural_key

SortSpec = tuple[int, bool]  # (column, descending)


@dataclass(frozen=True)
class SortMenu:
    """A "Sort by" menu: the column titles (the current one with its arrow),
    the row the cursor starts on, and what each row picks."""

    titles: list[str]
    current: int
    choices: list[Any]  # a SORT_KEYS key (All tracks) or a column index


def marked(titles: list[str], sorted_by: int, descending: bool) -> list[str]:
    """``titles`` with ▲/▼ after the one sorted by (-1: none) (pure)."""
    arrow = "▼" if descending else "▲"
    return [f"{t} {arrow}" if i == sorted_by else t for i, t in enumerate(titles)]


@dataclass
class AllTracksOrder:
    """All tracks' order: a catalog sort key (the query sorts) and its direction."""

    key: str = "artist"
    descending: bool = False

    def menu(self) -> SortMenu:
        """The menu of All tracks' sortable columns."""
        titles = [c.title for c in ALL_TRACK_COLUMNS if c.sort]
        current = SORT_KEYS.index(self.key) if self.key in SORT_KEYS else 0
        return SortMenu(marked(titles, current, self.descending), current, list(SORT_KEYS))

    def pick(self, key: str) -> None:
        """Sort by ``key``: reversed if already sorted by it, else ascending."""
        self.descending = not self.descending if key == self.key else False
        self.key = key

    def reverse(self) -> None:
        self.descending = not self.descending

    def ids_key(self, scope: Scope) -> tuple[Scope, str, bool]:
        """The arguments of ``browse.track_ids`` for ``scope`` in this order (and
        the key of the ids in the cache)."""
        return (scope, self.key, self.descending)


class ListOrders:
    """The order picked with `s` for each (view, list) outside All tracks."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], SortSpec] = {}

    def get(self, view: str, name: str) -> SortSpec | None:
        return self._specs.get((view, name))

    def menu(self, view: str, name: str, source: Any) -> SortMenu:
        """The menu of the titled columns of ``source``."""
        columns = [i for i, c in enumerate(source.columns) if c.title]
        titles = [source.columns[i].title for i in columns]
        spec = self.get(view, name)
        current = columns.index(spec[0]) if spec and spec[0] in columns else 0
        sorted_by = current if spec else -1  # the list's own order: no arrow
        return SortMenu(marked(titles, sorted_by, bool(spec and spec[1])), current, columns)

    def pick(self, view: str, name: str, column: int) -> None:
        """Sort by ``column``; ascending, or reversed if already sorted by it."""
        spec = self.get(view, name)
        again = spec is not None and spec[0] == column
        self._specs[(view, name)] = (column, again and not spec[1])  # type: ignore[index]

    def reverse(self, view: str, name: str) -> None:
        column, descending = self._specs.get((view, name), (0, False))
        self._specs[(view, name)] = (column, not descending)


def sort_source(source: Any, spec: SortSpec | None, cursor: int) -> tuple[Any, int]:
    """``source`` in the order ``spec`` (if any, and if a list), and where the row
    at ``cursor`` went (pure)."""
    if spec is None or not isinstance(source, ListSource):
        return source, cursor
    column, descending = spec
    columns = [
        replace(c, sort=f"#{column}") if i == column else c for i, c in enumerate(source.columns)
    ]
    items = list(source.items)
    if column >= len(columns):
        return source, cursor
    order = sorted(
        range(len(items)),
        key=lambda i: natural_key(str(source.cells(i)[column])),
        reverse=descending,
    )
    keep = order.index(cursor) if 0 <= cursor < len(items) else 0
    return source.reordered([items[i] for i in order], columns), keep
