"""What the browser read from the catalog and may show again at once: each
view's first column (per filter) and All tracks' orderings, until the catalog
changes (SQLite's ``data_version``). The screen decides when to read (off the UI
thread); this keeps what was read."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from typing import Any

from archiver.catalog.browse import Entry, Scope
from archiver.tui.views import VIEWS, View

IDS_KEPT = 4  # orderings of All tracks kept in memory (0.8 MB each at 100k tracks)
ENTRIES_KEPT = 32  # (view, filter) entry lists kept until the catalog changes


def entries_key(view: View, scope: Scope) -> tuple:
    """The cache key of ``view``'s first column under ``scope`` (pure)."""
    # Whole-catalog views read the same entries whatever the filter.
    return (view.key, scope if view.follows_filter else None)


def _remember(cache: OrderedDict[tuple, Any], key: tuple, value: Any, kept: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > kept:
        cache.popitem(last=False)


class BrowseCache:
    """Entry lists keyed by ``entries_key``; All tracks' id lists keyed by
    ``(scope, sort key, descending)``; both least recently used first out."""

    def __init__(self, version: int | None = None) -> None:
        # The first column of each view (and filter), until the catalog changes: moving
        # in the left column shows a view already seen (or warmed) at once.
        self.entries: OrderedDict[tuple, list[Entry]] = OrderedDict()
        self.ids: OrderedDict[tuple, Any] = OrderedDict()
        self.version = version  # data_version the caches were read at

    def remember_entries(self, key: tuple, rows: list[Entry]) -> None:
        _remember(self.entries, key, rows, ENTRIES_KEPT)

    def remember_ids(self, key: tuple, ids: Any) -> None:
        _remember(self.ids, key, ids, IDS_KEPT)

    def clear(self, version: int | None) -> None:
        """Forget everything: the catalog is now at ``version``."""
        self.version = version
        self.entries.clear()
        self.ids.clear()

    def forget_if_changed(self, version: int | None) -> None:
        """Drop what was read from the catalog when it changed since."""
        if version != self.version:
            self.clear(version)

    def missing_views(self, scope: Scope, heavy: bool = True) -> list[tuple[tuple, View, Scope]]:
        """The views whose first column is not in memory: (key, view, its scope);
        without the ``View.heavy`` ones unless ``heavy``."""
        wanted = []
        for view in VIEWS:
            view_scope = scope.with_(category=view.key)
            key = entries_key(view, view_scope)
            if view.heavy and not heavy:
                continue
            if not view.all_tracks and key not in self.entries:
                wanted.append((key, view, view_scope))
        return wanted


def read_entries(
    conn: sqlite3.Connection, wanted: list[tuple[tuple, View, Scope]]
) -> list[tuple[tuple, list[Entry]]]:
    """The first column of each view ``wanted`` (from ``missing_views``); a view
    that fails is left out (it shows its own error when opened)."""
    got = []
    for key, view, view_scope in wanted:
        try:
            got.append((key, view.load_entries(conn, view_scope)))
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise
        except Exception:  # the view shows its own error when opened
            continue
    return got
