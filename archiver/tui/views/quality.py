"""Quality: what `archiver analyze` heard, by kind (transcodes, upsampled, padded
bits, decode errors, ...) → the files of a kind; Enter on a file opens its details.

The kinds read current analyses only (archiver.catalog.quality): a file changed
since its analysis is "Not analysed yet", as ``ls analyzed:no`` says."""

from __future__ import annotations

import sqlite3

from archiver.catalog import quality
from archiver.catalog.browse import Entry, Scope
from archiver.catalog.quality import QualityRow
from archiver.tui import format as fmt
from archiver.tui.screens.detail import DetailScreen
from archiver.tui.sources import ListSource
from archiver.tui.views.base import Selection, Shown, View, ids_scope
from archiver.tui.widgets.paged_table import Column

ENTRY_COLUMNS = [Column("Kind", flex=1), Column("Files", width=6, align="right", hide_below=22)]
COLUMNS = [
    Column("Title", flex=2),
    Column("Artist", flex=2, hide_below=64),
    Column("Verdict", width=12),
    Column("Detail", flex=4, hide_below=48),
    Column("Cut-off", width=8, align="right", hide_below=76),
    Column("Format", width=6, hide_below=84),
]
# Always listed once anything is analysed (0 is an answer); the others only when some.
MAIN_KINDS = ("transcode", "upsampled", "padded-bits", "decode-error")
NOT_ANALYSED = "Nothing analysed yet: run `archiver analyze` to check every file's audio."


def cutoff(hz: int | None) -> str:
    return f"{hz / 1000:.1f} kHz" if hz else ""


def quality_cells(r: QualityRow) -> tuple[str, ...]:
    return (
        r.title or r.path.rsplit("/", 1)[-1],
        r.artist or "",
        r.verdict,
        r.detail or "",
        cutoff(r.cutoff_hz),
        r.format or "?",
    )


def quality_entries(conn: sqlite3.Connection) -> list[Entry]:
    """The kinds with their file counts; none at all before the first analysis."""
    if not quality.analysed_any(conn):
        return []
    counts = quality.kind_counts(conn)
    return [
        Entry((k.key,), k.label, counts[k.key], 0.0)
        for k in quality.KINDS
        if k.key in MAIN_KINDS or counts[k.key]
    ]


class QualityView(View):
    key = "quality"
    label = "Quality"
    follows_filter = False  # the whole catalog, like Damaged (see docs/tui.md)
    entry_columns = ENTRY_COLUMNS

    def load_entries(self, conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
        return quality_entries(conn)

    def empty_text(self, sel: Selection) -> str:
        return NOT_ANALYSED

    def rows_title(self, entry_label: str) -> str:
        return f"Quality: {entry_label}" if entry_label else "Quality"

    def load_rows(self, conn: sqlite3.Connection, scope: Scope, entry: Entry) -> list[QualityRow]:
        return quality.kind_rows(conn, entry.key[0])

    def show_rows(self, entry: Entry, rows: list[QualityRow], sel: Selection) -> Shown:
        old = sel.row.id if isinstance(sel.row, QualityRow) else None
        index = next((i for i, r in enumerate(rows) if r.id == old), 0)
        kind = quality.KIND_BY_KEY[entry.key[0]]
        source = ListSource(COLUMNS, rows, quality_cells)
        subtitle = f"{fmt.count(len(rows), 'file')} · {kind.query}"
        return Shown(source, index, "No files.", subtitle)

    def no_rows(self) -> Shown:
        return Shown(ListSource(COLUMNS, [], quality_cells), empty_text=NOT_ANALYSED)

    def open_row(self, entry: Entry, row: QualityRow) -> DetailScreen:
        return DetailScreen(row.id)

    def export_target(self, sel: Selection) -> tuple[Scope, str] | None:
        if sel.entry is None or not sel.rows:
            return None
        ids = [r.id for r in sel.rows if isinstance(r, QualityRow)]
        return ids_scope(ids), f"the {sel.entry.label.lower()}"
