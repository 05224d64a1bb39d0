"""Duplicates: three ways of calling files the same (kinds) → the groups of one
kind → a group's copies, best first; Enter on a copy opens its details."""

from __future__ import annotations

import json
import os.path
import sqlite3
from collections.abc import Sequence
from typing import Any

from archiver.catalog import browse
from archiver.catalog.browse import Entry, Scope
from archiver.catalog.duplicates import TAG_SCORE_MAX
from archiver.integrity import browse as integrity_browse
from archiver.tui import format as fmt
from archiver.tui.sources import ListSource
from archiver.tui.text import plain
from archiver.tui.views.base import Selection, Shown, View, ids_scope
from archiver.tui.widgets.paged_table import Column

ENTRY_COLUMNS = [
    Column("Kind", flex=1),
    Column("Groups", width=6, align="right", hide_below=22, fit=True),
]
GROUP_COLUMNS = [
    Column("Artist – Title", flex=3),
    Column("Copies", width=6, align="right", fit=True),
    Column("Best copy", width=19, hide_below=48),
    Column("Why best", flex=3, hide_below=72),
]
COPY_COLUMNS = [
    Column("", width=6),
    Column("Path", flex=3, cut="path"),
    Column("Quality", width=19, hide_below=50),
    Column("Tags", width=5, align="right", hide_below=70),
    Column("Length", width=7, align="right", hide_below=78),
]


def group_label(group: Any) -> str:
    best = group.best
    title = best.title or best.path.rsplit("/", 1)[-1]
    return f"{best.artist} – {title}" if best.artist else title


def group_cells(group: Any) -> tuple[str, ...]:
    return (group_label(group), str(len(group.copies)), group.best.quality(), group.reason)


def copy_source(group: Any) -> ListSource:
    """A group's copies, best first and marked, paths shown below their common folder."""
    paths = [c.path for c in group.copies]
    try:
        common = os.path.commonpath([os.path.dirname(p) for p in paths])
    except ValueError:
        common = ""
    cut = len(common) + 1 if common not in ("", "/") else 0
    best = group.best

    def cells(c: Any) -> tuple[str, ...]:
        return (
            "★ best" if c is best else "",
            c.path[cut:],
            c.quality(),
            f"{c.tag_score}/{TAG_SCORE_MAX}",
            fmt.duration(c.duration),
        )

    return ListSource(COPY_COLUMNS, group.copies, cells)


class DuplicatesView(View):
    heavy = True
    key = "duplicates"
    label = "Duplicates"
    depth = 3
    follows_filter = False  # the whole catalog (see docs/tui.md)
    rows_in_entry = True
    children_in_row = True
    entry_columns = ENTRY_COLUMNS

    def badge(
        self, status: browse.CatalogStatus | None, counts: integrity_browse.IntegrityCounts | None
    ) -> int:
        return counts.duplicates if counts is not None else 0

    def load_entries(self, conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
        return integrity_browse.duplicate_kinds(conn)

    def rows_title(self, entry_label: str) -> str:
        return f"Groups · {entry_label}"

    def show_rows(self, entry: Entry, rows: list[Any], sel: Selection) -> Shown:
        old = sel.row.key if sel.row is not None else None
        index = next((i for i, g in enumerate(rows) if g.key == old), 0)
        if entry.key == ("audio",):
            empty = (
                "No duplicates. Only fingerprinted files take part: "
                "run `archiver scan --checksum` or `archiver verify`."
            )
        elif entry.key == ("tags",):
            empty = "No duplicates."
        elif entry.key == ("acoustic",):
            empty = "No duplicates among the files fingerprinted by `archiver analyze`."
        else:
            empty = "No duplicates among the files matched to MusicBrainz (`archiver enrich`)."
        source = ListSource(GROUP_COLUMNS, rows, group_cells)
        return Shown(source, index, empty, fmt.count(len(rows), "group"))

    def load_status(
        self, conn: sqlite3.Connection, entries: Sequence[Entry], entry: Entry | None
    ) -> str:
        """The highlighted kind's groups, and the bytes its copies beyond the best take."""
        kind = entry or (entries[0] if entries else None)
        if kind is None:
            return "No duplicates."
        groups = kind.extra or []
        if not groups:
            return f"{kind.label}: no duplicates"
        extra = [c.file_id for g in groups for c in g.copies if c is not g.best]
        wasted = conn.execute(
            "SELECT coalesce(sum(size), 0) FROM files WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(extra),),
        ).fetchone()[0]
        return (
            f"{kind.label}: {fmt.count(len(groups), 'group')} · "
            f"{fmt.size(wasted)} in {fmt.count(len(extra), 'copy', 'copies')} beyond the best"
        )

    def row_changed(self, old: Any, new: Any) -> bool:
        return new is not None and new is not old

    def children_title(self, row: Any) -> str:
        label = group_label(row) if row is not None else ""
        return f"Copies · {label}" if label else "Copies"

    def show_children(self, row: Any, children: list[Any], old: Any) -> Shown:
        return Shown(copy_source(row), 0, "", plain(f"best: {row.reason}"))

    def no_children(self) -> Shown:
        return Shown(ListSource(COPY_COLUMNS, [], lambda c: ()))

    def export_target(self, sel: Selection) -> tuple[Scope, str] | None:
        if sel.entry is None:
            return None
        if sel.level >= 2 and sel.row is not None:
            ids = [c.file_id for c in sel.row.copies]
            return ids_scope(ids), f"the copies of “{group_label(sel.row)}”"
        ids = [c.file_id for g in sel.entry.extra or [] for c in g.copies]
        return ids_scope(ids), f"every copy in “{sel.entry.label}”"
