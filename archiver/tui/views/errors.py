"""Scan errors: the files the last scan could not read, by kind of error;
Enter on a file shows the whole message."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from archiver.catalog import browse
from archiver.catalog.browse import Entry, ScanErrorRow, Scope
from archiver.integrity import browse as integrity_browse
from archiver.tui import format as fmt
from archiver.tui.screens.message import MessageScreen
from archiver.tui.sources import ListSource
from archiver.tui.views.base import Selection, Shown, View
from archiver.tui.widgets.paged_table import Column

COLUMNS = [Column("Path", flex=2, cut="path"), Column("Problem", flex=3)]


class ScanErrorsView(View):
    key = "errors"
    label = "Scan errors"

    def badge(
        self, status: browse.CatalogStatus | None, counts: integrity_browse.IntegrityCounts | None
    ) -> int:
        return status.scan_errors if status is not None else 0

    def load_entries(self, conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
        return browse.scan_error_kinds(conn)

    def empty_text(self, sel: Selection) -> str:
        return "No scan errors."

    def rows_title(self, entry_label: str) -> str:
        return f"Scan errors: {entry_label}"

    def load_rows(self, conn: sqlite3.Connection, scope: Scope, entry: Entry) -> list[ScanErrorRow]:
        return browse.scan_errors(conn, entry.key[0])

    def show_rows(self, entry: Entry, rows: list[ScanErrorRow], sel: Selection) -> Shown:
        source = ListSource(COLUMNS, rows, lambda e: (e.path, e.message))
        return Shown(source, 0, "No errors.", fmt.count(len(rows), "file"))

    def load_status(
        self, conn: sqlite3.Connection, entries: Sequence[Entry], entry: Entry | None
    ) -> str:
        total = sum(e.tracks for e in entries)
        return f"{fmt.count(total, 'file')} the last scan could not read"

    def open_row(self, entry: Entry, row: ScanErrorRow) -> MessageScreen:
        return MessageScreen(
            f"Scan error: {row.kind}",
            f"{row.path}\n\n{row.message}\n\n{fmt.timestamp(row.occurred_at)}",
        )

    def export_target(self, sel: Selection) -> tuple[Scope, str] | None:
        if sel.entry is None:
            return None
        paths = [r.path for r in sel.rows if isinstance(r, ScanErrorRow)]
        scope = Scope(
            "albumartist",
            where="f.path IN (SELECT value FROM json_each(?))",
            params=(json.dumps(paths),),
            include_missing=True,
        )
        return scope, f"the files with scan errors “{sel.entry.label}”"
