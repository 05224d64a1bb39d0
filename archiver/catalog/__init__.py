"""The catalog: the one place that knows the SQL.

Submodules, one job each:
- ``db``: opening, pragmas, migrations, errors;
- ``files``: writing scan results (the scanner's single writer);
- ``query``: the shared query language (export, ls, TUI filter);
- ``browse``: read-only queries behind the TUI;
- ``musicbrainz``: storing and reading MusicBrainz data and matches;
- ``checksums``: byte and audio-identity hashes (``fingerprints`` table);
- ``verify_runs``: verify runs and their findings;
- ``moves``: moved-file candidates, merges and the ``file_moves`` log;
- ``duplicates``, ``completeness``: the rows the ``integrity`` package groups and checks.

The catalog never imports the ``integrity`` package: the logic depends on the SQL, not back.
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
