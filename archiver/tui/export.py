"""`x`: the current view to a CSV file, through the export helper's writer."""

from __future__ import annotations

from pathlib import Path

from archiver.catalog.browse import Scope, scope_where


def export_view(db_path: Path, scope: Scope, sort: str | None, out: Path) -> int:
    """Write the tracks of ``scope`` to ``out``; returns the row count."""
    from archiver import export as exporter
    from archiver.catalog import open_catalog
    from archiver.catalog.query import CompiledQuery

    where, params = scope_where(scope)
    compiled = CompiledQuery(where, list(params))
    with open_catalog(db_path, create=False, migrate=False) as catalog:
        return exporter.export_csv_view(catalog.conn, compiled, out)  # type: ignore[attr-defined]
