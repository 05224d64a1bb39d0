"""The catalog's status line figures and whether the catalog changed: read off the
UI thread (status) or on the UI's own connection (``data_version``, instant)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from archiver.catalog import browse
from archiver.integrity.counts import CountsProcess, IntegrityCounts
from archiver.tui.loader import Loader
from archiver.tui.scanlock import scan_lock_held
from archiver.tui.sources import ListSource
from archiver.tui.views import VIEWS, View
from archiver.tui.widgets.paged_table import Column

STATUS_EVERY = 10  # s between two reads of the status while the browser is open

# The counts are never cut nor hidden: the label gives way.
CATEGORY_COLUMNS = [Column("Browse by", flex=1), Column("", align="right", fit=True)]


def read_status(conn: sqlite3.Connection, db_path: Any) -> browse.CatalogStatus:
    """The catalog's status, with "scan running" decided by the scanner's OS lock."""
    status = browse.catalog_status(conn)
    return replace(status, scan_running=scan_lock_held(db_path))


def data_version(reader: Any) -> int | None:
    """SQLite's ``data_version`` on the UI connection ``reader``: it changes whenever
    another connection (a scan, verify or enrich anywhere) commits."""
    try:
        return int(reader.execute("PRAGMA data_version").fetchone()[0])
    except (sqlite3.Error, AttributeError):
        return None


def categories_source(
    status: browse.CatalogStatus | None, counts: IntegrityCounts | None
) -> ListSource[View]:
    """The left column: every view, with its count (none while unknown or zero)."""
    badges = {v.key: v.badge(status, counts) for v in VIEWS}

    def cells(v: View) -> tuple[str, ...]:
        n = badges[v.key]
        return (v.label, f"{n:,}" if n else "")

    return ListSource(CATEGORY_COLUMNS, list(VIEWS), cells)


class CatalogWatch:
    """The catalog's status (read every STATUS_EVERY s) and the left column's
    integrity counts: whole-catalog work (seconds of Python at a million tracks),
    so read only at start, after a change, and never during a scan; and in a child
    process, so that the UI thread keeps the GIL meanwhile (a child that fails
    leaves the counts unknown)."""

    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.status: browse.CatalogStatus | None = None
        self.counts: IntegrityCounts | None = None
        self.counted_at: int | None = None  # data_version when the counts were read

    def load_status(self, db_path: Any, then: Callable[[browse.CatalogStatus], None]) -> None:
        def got(status: browse.CatalogStatus) -> None:
            self.status = status
            then(status)

        self.loader.load("status", read_status, (db_path,), got)

    def counts_stale(self, version: int | None) -> bool:
        """The catalog changed since the counts were read, and no scan runs."""
        running = self.status is not None and self.status.scan_running
        return not running and version != self.counted_at

    def load_counts(self, version: int | None, then: Callable[[IntegrityCounts], None]) -> None:
        """Read the counts of the catalog at ``version`` (a child process; an earlier
        one still counting is killed)."""
        self.counted_at = version
        db_path = self.loader.owner.app.db_path  # type: ignore[attr-defined]

        def got(counts: IntegrityCounts) -> None:
            self.counts = counts
            then(counts)

        self.loader.load_apart("integrity", lambda: CountsProcess(db_path), got)

    def categories(self) -> ListSource[View]:
        return categories_source(self.status, self.counts)
