"""All SQL for ``skipped_files``: the files a scan passed over as not audio.

The scanner records every file it skips (with its kind, see
``archiver.scan.walk.skipped_kind``) so that ``scan --json`` can list them and
``stats`` can count them. Rows are upserted on the unique ``path_bytes``, in
batches of one transaction each (a killed scan leaves whole batches only), and
never deleted: a skipped file not seen again is marked missing, as files are.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from archiver.catalog.db import Catalog, utc_now
from archiver.catalog.db import _translate as translate_error
from archiver.scan.plan import Known, subtree_bounds
from archiver.scan.record import display_path

_UPSERT = (
    "INSERT INTO skipped_files (path, path_bytes, root_id, kind, size, mtime_ns, "
    "first_seen_at, last_seen_at, first_scan_id, last_scan_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(path_bytes) DO UPDATE SET root_id = excluded.root_id, kind = excluded.kind, "
    "size = excluded.size, mtime_ns = excluded.mtime_ns, last_seen_at = excluded.last_seen_at, "
    "last_scan_id = excluded.last_scan_id, missing = 0, missing_since = NULL"
)


class SkippedLog:
    """Buffers the skipped files of one scan and writes them in batches."""

    def __init__(self, catalog: Catalog, scan_id: int, *, max_rows: int = 500) -> None:
        self.catalog = catalog
        self.scan_id = scan_id
        self.max_rows = max_rows
        self._rows: list[tuple] = []
        self._last = time.monotonic()

    def add(
        self,
        path_bytes: bytes,
        kind: str,
        size: int | None,
        mtime_ns: int | None,
        root_id: int | None,
    ) -> None:
        now = utc_now()
        self._rows.append(
            (
                display_path(path_bytes),
                path_bytes,
                root_id,
                kind,
                size,
                mtime_ns,
                now,
                now,
                self.scan_id,
                self.scan_id,
            )
        )

    def maybe_flush(self) -> None:
        if len(self._rows) >= self.max_rows or (
            self._rows and time.monotonic() - self._last >= 0.5
        ):
            self.flush()

    def flush(self) -> None:
        """Write what is pending in one transaction; a failure is a one-line CatalogError."""
        if self._rows:
            try:
                with self.catalog.write() as conn:
                    conn.executemany(_UPSERT, self._rows)
            except sqlite3.Error as exc:
                raise translate_error(self.catalog.path, exc) from exc
            self._rows.clear()
        self._last = time.monotonic()


def known_skipped(catalog: Catalog, top: bytes) -> dict[bytes, Known]:
    """Every skipped file recorded at or under ``top`` (whatever its root), in one query."""
    lo, hi = subtree_bounds(top)
    rows = catalog.execute(
        "SELECT path_bytes, id, size, mtime_ns, missing FROM skipped_files "
        "WHERE path_bytes = ? OR (path_bytes >= ? AND path_bytes < ?)",
        (top, lo, hi),
    )
    return {bytes(p): Known(i, s or 0, m or 0, bool(miss)) for p, i, s, m, miss in rows}


def mark_gone(catalog: Catalog, ids: Sequence[int], scan_id: int) -> int:
    """Skipped files this scan did not see: flagged missing, never deleted. A row
    this scan wrote (e.g. a file the reader turned down) is left alone."""
    now = utc_now()
    done = 0
    for start in range(0, len(ids), 5000):
        with catalog.write() as conn:
            before = conn.total_changes
            conn.executemany(
                "UPDATE skipped_files SET missing = 1, missing_since = ? "
                "WHERE id = ? AND missing = 0 AND last_scan_id IS NOT ?",
                [(now, i, scan_id) for i in ids[start : start + 5000]],
            )
            done += conn.total_changes - before
    return done


def skipped_by_scan(catalog: Catalog, scan_id: int, limit: int | None = None) -> list[dict]:
    """The files run ``scan_id`` skipped, in path order: path (display) and kind."""
    sql = "SELECT path, kind FROM skipped_files WHERE last_scan_id = ? ORDER BY path_bytes"
    params: tuple = (scan_id,)
    if limit is not None:
        sql += " LIMIT ?"
        params = (scan_id, limit)
    return [{"path": p, "kind": k} for p, k in catalog.execute(sql, params)]


def skipped_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Skipped files present at their last scan, per kind (largest first)."""
    return dict(
        conn.execute(
            "SELECT kind, count(*) AS n FROM skipped_files WHERE missing = 0 "
            "GROUP BY kind ORDER BY n DESC, kind"
        ).fetchall()
    )


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """One skipped file, as a view of them (e.g. the TUI's) shows it."""

    path: str
    path_bytes: bytes
    kind: str
    size: int | None
    missing: bool
    last_seen_at: str


def list_skipped(
    conn: sqlite3.Connection, kind: str | None = None, *, include_missing: bool = False
) -> list[SkippedFile]:
    """The skipped files (of one ``kind``, or all), in path order; files gone since
    their last scan only with ``include_missing``."""
    sql = "SELECT path, path_bytes, kind, size, missing, last_seen_at FROM skipped_files"
    where, params = [], []
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    if not include_missing:
        where.append("missing = 0")
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY path_bytes", params)
    return [SkippedFile(p, bytes(b), k, s, bool(m), seen) for p, b, k, s, m, seen in rows]
