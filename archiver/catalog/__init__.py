"""The catalog: the one place that knows the SQL.

Submodules, one job each:
- ``db``: opening, pragmas, migrations, errors;
- ``files``: writing scan results (the scanner's single writer);
- ``query``: the shared query language (export, ls, TUI filter);
- ``browse``: read-only queries behind the TUI;
- ``musicbrainz``: storing and reading MusicBrainz data and matches;
- ``integrity``: checksums, verify runs, moves.
"""

from archiver.catalog.db import (
    Catalog,
    CatalogError,
    CatalogLockedError,
    open_catalog,
    schema_version,
    utc_now,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogLockedError",
    "open_catalog",
    "schema_version",
    "utc_now",
]
