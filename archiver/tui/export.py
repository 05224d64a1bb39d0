"""`x`: the current view to a CSV file, through the export module's writer."""

from __future__ import annotations

import io
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from textual.widget import Widget

from archiver.catalog.browse import Scope, scope_where
from archiver.catalog.tracks import EXPORT_COLUMNS, count_tracks, iter_tracks
from archiver.tui import format as fmt
from archiver.tui.format import sanitize


def export_view(db_path: Path, scope: Scope, out: Path, ids: Sequence[int] | None = None) -> int:
    """Write the tracks of ``scope`` to ``out`` (atomically); returns the row count.
    With ``ids``, exactly those tracks in that order (what the screen shows)."""
    from archiver import export as exporter
    from archiver.catalog import open_catalog
    from archiver.catalog.query import CompiledQuery

    where, params = scope_where(scope)
    with open_catalog(db_path, create=False, migrate=False) as catalog:
        try:
            with exporter.atomic_output(out) as stream:
                if ids is None:
                    return exporter.export_tracks(
                        catalog.conn, CompiledQuery(where, list(params)), stream, "csv"
                    )
                text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
                try:
                    rows = rows_in_order(catalog.conn, ids)
                    count = exporter.write_csv(rows, EXPORT_COLUMNS, text)
                    text.flush()
                finally:
                    text.detach()
                return count
        except OSError as exc:  # name the file the user gave, not the temporary one
            raise OSError(f"{out}: cannot write ({exc.strerror or exc}); nothing replaced") from exc


CHUNK = 500  # ids read per query when exporting in the screen's order


def rows_in_order(conn: sqlite3.Connection, ids: Sequence[int]) -> Iterator[tuple]:
    """The export rows of ``ids``, in that order (ids gone from the catalog skipped)."""
    from archiver.catalog.query import CompiledQuery

    columns = [*EXPORT_COLUMNS, "id"]
    for start in range(0, len(ids), CHUNK):
        chunk = [int(i) for i in ids[start : start + CHUNK]]
        query = CompiledQuery("f.id IN (SELECT value FROM json_each(?))", [json.dumps(chunk)])
        found = {
            row[-1]: row[:-1]
            for row in iter_tracks(conn, query, columns, order=None, text_booleans=True)
        }
        for i in chunk:
            if i in found:
                yield found[i]


def count_scope(conn: sqlite3.Connection, scope: Scope) -> int:
    """How many tracks an export of ``scope`` writes (worker thread)."""
    from archiver.catalog.query import CompiledQuery

    where, params = scope_where(scope)
    return count_tracks(conn, CompiledQuery(where, list(params)))


def default_path(name: str = "archiver-export.csv") -> Path:
    """Where an export goes unless the user says otherwise: the current folder when it
    can be written, else the home folder; always a full path."""
    cwd = Path.cwd()
    folder = cwd if os.access(cwd, os.W_OK) else Path.home()
    return (folder / name).absolute()


def export_in_background(
    owner: Widget, filename: str, scope: Scope, label: str, ids: Sequence[int] | None = None
) -> None:
    """Export ``scope`` (or ``ids`` in order) to ``filename`` in a worker of ``owner``;
    notices say how it went, with the full path (one line on failure, never a traceback)."""
    path = Path(filename).expanduser().absolute()
    if path.is_dir():
        owner.notify(
            sanitize(f"{path} is a folder: give a file name."), severity="error", markup=False
        )
        return
    app: Any = owner.app

    def work() -> None:
        try:
            rows = export_view(app.db_path, scope, path, ids)
        except Exception as exc:  # a one-line message, never a traceback
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            app.call_from_thread(
                lambda: app.notify(
                    sanitize(f"Export failed: {text}"),
                    severity="error",
                    timeout=10,
                    markup=False,
                )
            )
        else:
            done = f"Exported {fmt.count(rows, 'track')} ({label}) to {path}"
            app.call_from_thread(lambda: app.notify(sanitize(done), markup=False))

    owner.notify(sanitize(f"Exporting {label} to {path}…"), timeout=2, markup=False)
    owner.run_worker(work, thread=True, exclusive=True, group="export", exit_on_error=False)
