"""`x`: the current view to a CSV file, through the export module's writer."""

from __future__ import annotations

from pathlib import Path

from archiver.catalog.browse import Scope, scope_where


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
