"""The first view's data, read while Python is still importing the browser.

`archiver tui` spends ~0.3-0.5 s importing Textual and the screens before the
app can ask SQLite anything; the catalog's status and the first view (album
artists with their counts) take ~0.1 s more at a million tracks. SQLite lets go
of the GIL while it reads, so a thread started before the imports reads both
meanwhile, and the first frame the app draws already shows them (no "Loading…"
frame, no worker round trip). Kept light on purpose: no Textual here.

The entries are only used if the catalog's stamp (migration 0021, changed by
every write to files, tags or matches) is still the one they were read at.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

from archiver.catalog import browse, orders
from archiver.catalog.db import open_catalog
from archiver.tui.scanlock import scan_lock_held

FIRST_SCOPE = browse.Scope()  # the first view: album artists, no filter


class Preload:
    """Start reading at once (a daemon thread); ``take()`` what was read, if ready."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self.stamp: int | None = None
        self.status: browse.CatalogStatus | None = None
        self.entries: list[browse.Entry] | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._read, name="archiver-preload", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            conn = open_catalog(self.db_path, create=False, migrate=False).conn
        except Exception:  # the app reports it when it opens the catalog itself
            self._done.set()
            return
        try:
            conn.execute("BEGIN")  # the stamp, the status and the entries from one snapshot
            self.stamp = orders.catalog_stamp(conn)
            self.status = replace(
                browse.catalog_status(conn), scan_running=scan_lock_held(self.db_path)
            )
            self.entries = browse.entries(conn, FIRST_SCOPE)
            conn.execute("COMMIT")
        except sqlite3.Error:
            self.status = self.entries = None
        finally:
            conn.close()
            self._done.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the reads; whether they are done."""
        return self._done.wait(timeout)

    def peek_status(self) -> browse.CatalogStatus | None:
        """The status if read by now (the app's choice of first screen)."""
        return self.status if self._done.is_set() else None

    def take_status(self) -> browse.CatalogStatus | None:
        """The status if read by now (taken once: the status bar's first figures)."""
        status = self.peek_status()
        self.status = None
        return status

    def take_entries(self, conn: sqlite3.Connection) -> list[browse.Entry] | None:
        """The first view's entries if read by now and the catalog has not changed
        since (``conn``'s stamp, one indexed read); taken once."""
        if not self._done.is_set() or self.entries is None or self.stamp is None:
            return None
        entries, self.entries = self.entries, None
        try:
            now = orders.catalog_stamp(conn)
        except sqlite3.Error:
            return None
        return entries if now == self.stamp else None
