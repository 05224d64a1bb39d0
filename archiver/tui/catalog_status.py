"""The catalog's status line figures and whether the catalog changed: read off the
UI thread (status) or on the UI's own connection (``data_version``, instant)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any

from archiver.catalog import browse
from archiver.tui.scanlock import scan_lock_held

STATUS_EVERY = 10  # s between two reads of the status while the browser is open


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
