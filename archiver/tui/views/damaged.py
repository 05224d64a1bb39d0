"""Damaged: files whose last verify found them changed, missing or unreadable,
grouped by that status; Enter on a file opens its details."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from archiver.catalog import browse
from archiver.catalog.browse import DamagedTrack, Entry, Scope
from archiver.integrity import browse as integrity_browse
from archiver.tui import format as fmt
from archiver.tui.screens.detail import DetailScreen
from archiver.tui.sources import ListSource
from archiver.tui.views.base import Selection, Shown, View, ids_scope
from archiver.tui.widgets.paged_table import Column
from archiver.tui.widgets.status_bar import verify_text

ENTRY_COLUMNS = [
    Column("Damage", flex=1),
    Column("Files", width=6, align="right", hide_below=22, fit=True),
]
COLUMNS = [
    Column("Title", flex=2),
    Column("Artist", flex=2, hide_below=64),
    Column("Problem", flex=4),
    Column("Verified", width=20, hide_below=84),
]


def damaged_cells(d: DamagedTrack) -> tuple[str, ...]:
    t = d.track
    title = (t.title if t else None) or d.damage.path.rsplit("/", 1)[-1]
    problem = d.damage.detail or browse.DAMAGE_LABELS.get(d.damage.status, d.damage.status)
    return (
        title,
        (t.artist if t else None) or "",
        problem,
        fmt.timestamp(d.damage.last_verified_at),
    )


class DamagedView(View):
    key = "damaged"
    label = "Damaged"
    follows_filter = False  # the whole catalog (see docs/tui.md)
    rows_in_entry = True
    entry_columns = ENTRY_COLUMNS

    def badge(
        self, status: browse.CatalogStatus | None, counts: integrity_browse.IntegrityCounts | None
    ) -> int:
        return counts.damaged if counts is not None else 0

    def load_entries(self, conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
        return browse.damaged_entries(conn)

    def empty_text(self, sel: Selection) -> str:
        if sel.status is None or sel.status.last_verify is None:
            return "Nothing verified yet: run `archiver verify`."
        return "No damaged files at the last verify."

    def rows_title(self, entry_label: str) -> str:
        return f"Damaged: {entry_label}"

    def show_rows(self, entry: Entry, rows: list[DamagedTrack], sel: Selection) -> Shown:
        run = sel.status.last_verify if sel.status else None
        verified = f" · {verify_text(run)}" if run else ""
        source = ListSource(COLUMNS, rows, damaged_cells, dim=lambda d: d.track is None)
        return Shown(source, 0, "No files.", fmt.count(len(rows), "file") + verified)

    def open_row(self, entry: Entry, row: DamagedTrack) -> DetailScreen:
        return DetailScreen(row.id, [d.id for d in entry.extra or []])

    def load_status(
        self, conn: sqlite3.Connection, entries: Sequence[Entry], entry: Entry | None
    ) -> str:
        total = sum(len(e.extra or []) for e in entries)
        if not total and not conn.execute("SELECT 1 FROM verify_runs LIMIT 1").fetchone():
            return "Nothing verified yet"
        return f"{fmt.count(total, 'damaged file')} at the last verify"

    def export_target(self, sel: Selection) -> tuple[Scope, str] | None:
        if sel.entry is None:
            return None
        ids = [d.id for d in sel.entry.extra or []]
        return ids_scope(ids), f"the {sel.entry.label.lower()} files"
