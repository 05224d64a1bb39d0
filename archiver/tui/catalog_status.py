"""The catalog's status line figures and whether the catalog changed: read off the
UI thread (status) or on the UI's own connection (``data_version``, instant)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any

from archiver.catalog import browse
from archiver.integrity.browse import IntegrityCounts
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
