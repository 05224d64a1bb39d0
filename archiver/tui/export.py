"""`x`: the current view to a CSV file, through the export module's writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widget import Widget

from archiver.catalog.browse import Scope, scope_where
from archiver.tui import format as fmt
from archiver.tui.format import sanitize


def export_view(db_path: Path, scope: Scope, out: Path) -> int:
    """Write the tracks of ``scope`` to ``out`` (atomically); returns the row count."""
    from archiver import export as exporter
    from archiver.catalog import open_catalog
    from archiver.catalog.query import CompiledQuery

    where, params = scope_where(scope)
    with open_catalog(db_path, create=False, migrate=False) as catalog:
        try:
            with exporter.atomic_output(out) as stream:
                return exporter.export_tracks(
                    catalog.conn, CompiledQuery(where, list(params)), stream, "csv"
                )
        except OSError as exc:  # name the file the user gave, not the temporary one
            raise OSError(f"{out}: cannot write ({exc.strerror or exc}); nothing replaced") from exc


def export_in_background(owner: Widget, filename: str, scope: Scope, label: str) -> None:
    """Export ``scope`` to ``filename`` in a worker of ``owner``; notices say how it went
    (one line on failure, never a traceback)."""
    path = Path(filename).expanduser()
    if path.is_dir():
        owner.notify(
            sanitize(f"{path} is a folder: give a file name."), severity="error", markup=False
        )
        return
    app: Any = owner.app

    def work() -> None:
        try:
            rows = export_view(app.db_path, scope, path)
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
