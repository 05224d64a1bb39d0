"""All SQL for scan data: roots, scan runs, files, tags, pictures, scan errors.

The scanner's single writer lives here (:class:`ScanWriter`). It batches rows
and writes each batch in one ``BEGIN IMMEDIATE`` transaction with
``executemany``, so a process killed at any moment leaves the catalog as it
was after the last committed batch, and the next scan carries on.

Upserts keyed on the unique ``files.path_bytes`` (and ``tags.file_id``) make
re-writing a file idempotent: no duplicate rows, ever. Tags are updated with
``ON CONFLICT DO UPDATE`` (never ``INSERT OR REPLACE``, which would delete and
re-insert and fire the delete triggers), so the FTS ``search_index`` keeps
exactly one row per file through its triggers.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from archiver.catalog.db import Catalog, utc_now
from archiver.catalog.db import _translate as translate_error
from archiver.scan.plan import Known, subtree_bounds
from archiver.scan.record import FileRecord, display_path

# Columns of ``files`` the scanner writes, in row order (see ``record_rows``).
FILE_COLUMNS: tuple[str, ...] = (
    "path",
    "path_bytes",
    "root_id",
    "size",
    "mtime_ns",
    "mtime",
    "format",
    "codec",
    "duration",
    "bitrate",
    "sample_rate",
    "channels",
    "bits_per_sample",
    "lossless",
    "tag_formats",
    "read_error",
    "read_notes",
    "first_seen_at",
    "last_seen_at",
    "last_read_at",
    "first_scan_id",
    "last_scan_id",
)
# Kept from the first time a file was seen when it is re-read.
_KEEP_ON_UPDATE = {"path", "path_bytes", "first_seen_at", "first_scan_id"}

PICTURE_COLUMNS = ("position", "picture_type", "mime", "width", "height", "size", "sha256")


class Rows(NamedTuple):
    """Ready-to-insert rows for one read file; built in the worker process so
    the writer only runs ``executemany``. Tuples only (cheap to pickle)."""

    path_bytes: bytes
    files: tuple
    tags: tuple
    pictures: tuple[tuple, ...]
    error: tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class Root:
    id: int
    path: str
    path_bytes: bytes
    last_scanned_at: str | None


def iso_from_ns(mtime_ns: int) -> str:
    """A file's mtime as ISO 8601 UTC text; absurd clocks do not crash a scan."""
    try:
        return datetime.fromtimestamp(mtime_ns / 1e9, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (OverflowError, OSError, ValueError):
        return "1970-01-01T00:00:00.000000Z"


def tag_columns(catalog: Catalog) -> tuple[str, ...]:
    """The normalized tag columns of this catalog (everything but the key and ``raw``)."""
    cols = [row[1] for row in catalog.execute("PRAGMA table_info(tags)")]
    return tuple(c for c in cols if c not in ("file_id", "raw"))


_SCALARS = frozenset({str, int, float, type(None)})
# One encoder for every row (``json.dumps`` with options builds a new one per call).
_RAW_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def record_rows(
    record: FileRecord,
    root_id: int | None,
    scan_id: int,
    tag_cols: Sequence[str],
    now: str | None = None,
) -> Rows:
    """Turn a :class:`FileRecord` into rows. Pure apart from the clock (``now``
    defaults to the current time); tag keys that are not columns stay only in
    ``raw`` (nothing is lost)."""
    now = now or utc_now()
    error = record.error
    files = (
        display_path(record.path_bytes),
        record.path_bytes,
        root_id,
        record.size,
        record.mtime_ns,
        iso_from_ns(record.mtime_ns),
        record.format,
        record.codec,
        record.duration,
        record.bitrate,
        record.sample_rate,
        record.channels,
        record.bits_per_sample,
        None if record.lossless is None else int(bool(record.lossless)),
        ", ".join(record.tag_formats) if record.tag_formats else None,
        error[1] if error else None,
        "; ".join(record.notes) if record.notes else None,
        now,
        now,
        now,
        scan_id,
        scan_id,
    )
    if error:
        tags = (record.path_bytes, *([None] * len(tag_cols)), "{}")
        pictures: tuple[tuple, ...] = ()
    else:
        values = record.tags
        if any(type(v) not in _SCALARS for v in values.values()):  # rare: lists, bools...
            values = {k: _cell(v) for k, v in values.items()}
        tags = (
            record.path_bytes,
            *map(values.get, tag_cols),
            _RAW_JSON.encode(record.raw_tags),
        )
        pictures = tuple(
            (record.path_bytes, i, p.picture_type, p.mime, p.width, p.height, p.size, p.sha256)
            for i, p in enumerate(record.pictures)
        )
    return Rows(record.path_bytes, files, tags, pictures, error)


def _cell(value: object) -> object:
    if value is None or isinstance(value, int | float | str):
        return value  # (bool is an int: stored as 0/1)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


# --- roots ---------------------------------------------------------------------


def list_roots(catalog: Catalog) -> list[Root]:
    rows = catalog.execute(
        "SELECT id, path, path_bytes, last_scanned_at FROM library_roots ORDER BY path_bytes"
    )
    return [Root(r[0], r[1], bytes(r[2]), r[3]) for r in rows]


def add_root(catalog: Catalog, path_bytes: bytes, absorbed: Iterable[int] = ()) -> int:
    """Remember a new root; files of the roots it contains move to it, and
    those inner roots are forgotten (roots never overlap)."""
    absorbed = list(absorbed)
    with catalog.write() as conn:
        row = conn.execute(
            "SELECT id FROM library_roots WHERE path_bytes = ?", (path_bytes,)
        ).fetchone()
        if row:
            return row[0]
        root_id = conn.execute(
            "INSERT INTO library_roots (path, path_bytes, added_at) VALUES (?, ?, ?)",
            (display_path(path_bytes), path_bytes, utc_now()),
        ).lastrowid
        for old in absorbed:
            conn.execute("UPDATE files SET root_id = ? WHERE root_id = ?", (root_id, old))
            conn.execute("DELETE FROM library_roots WHERE id = ?", (old,))
        return root_id


def mark_root_scanned(catalog: Catalog, root_id: int, scan_id: int) -> None:
    with catalog.write() as conn:
        conn.execute(
            "UPDATE library_roots SET last_scan_id = ?, last_scanned_at = ? WHERE id = ?",
            (scan_id, utc_now(), root_id),
        )


# --- what the catalog knows ----------------------------------------------------


def known_files(catalog: Catalog, root_id: int, top: bytes) -> dict[bytes, Known]:
    """Every file of ``root_id`` at or under ``top``, in one query."""
    lo, hi = subtree_bounds(top)
    rows = catalog.execute(
        "SELECT path_bytes, id, size, mtime_ns, missing FROM files "
        "WHERE root_id = ? AND (path_bytes = ? OR (path_bytes >= ? AND path_bytes < ?))",
        (root_id, top, lo, hi),
    )
    return {bytes(p): Known(i, s, m, bool(miss)) for p, i, s, m, miss in rows}


# --- scan runs -----------------------------------------------------------------


RUN_COUNTS = (
    "files_found",
    "added",
    "updated",
    "unchanged",
    "missing",
    "returned",
    "errors",
    "skipped",
)


def close_stale_runs(catalog: Catalog) -> int:
    """Runs left 'running' by a killed process become 'interrupted'. Call only
    while holding the scan lock (then no other scan can be running)."""
    with catalog.write() as conn:
        return conn.execute(
            "UPDATE scan_runs SET status = 'interrupted', "
            "finished_at = COALESCE(finished_at, ?) WHERE status = 'running'",
            (utc_now(),),
        ).rowcount


def start_run(catalog: Catalog, paths: Sequence[str], *, full: bool, checksum: bool) -> int:
    with catalog.write() as conn:
        return conn.execute(
            "INSERT INTO scan_runs (started_at, status, paths, full_rescan, checksum) "
            "VALUES (?, 'running', ?, ?, ?)",
            (utc_now(), json.dumps(list(paths), ensure_ascii=False), int(full), int(checksum)),
        ).lastrowid


def update_run(
    conn_or_catalog: Catalog, scan_id: int, counts: dict[str, int], **fields: object
) -> None:
    """Store the run's counts (and e.g. status, finished_at, seconds)."""
    values = {k: counts.get(k, 0) for k in RUN_COUNTS}
    values.update(fields)
    sets = ", ".join(f"{k} = ?" for k in values)
    conn_or_catalog.execute(
        f"UPDATE scan_runs SET {sets} WHERE id = ?", (*values.values(), scan_id)
    )


def finish_run(
    catalog: Catalog, scan_id: int, counts: dict[str, int], *, status: str, seconds: float
) -> None:
    with catalog.write() as conn:
        update_run(conn, scan_id, counts, status=status, finished_at=utc_now(), seconds=seconds)


def get_run(catalog: Catalog, scan_id: int) -> dict:
    cur = catalog.execute("SELECT * FROM scan_runs WHERE id = ?", (scan_id,))
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(names, row, strict=True)) if row else {}


def scan_errors(catalog: Catalog, scan_id: int, limit: int | None = None) -> list[dict]:
    """The errors of one run: path (display), kind, message."""
    sql = "SELECT path, kind, message FROM scan_errors WHERE scan_id = ? ORDER BY id"
    params: tuple = (scan_id,)
    if limit is not None:
        sql += " LIMIT ?"
        params = (scan_id, limit)
    return [{"path": p, "kind": k, "message": m} for p, k, m in catalog.execute(sql, params)]


def any_missing(catalog: Catalog) -> bool:
    """Is any file of the catalog marked missing? (uses the ``files_missing`` index)"""
    return catalog.execute("SELECT 1 FROM files WHERE missing = 1 LIMIT 1").fetchone() is not None


def mark_missing(catalog: Catalog, ids: Sequence[int], scan_id: int) -> int:
    """Files not found by this scan: flagged, never deleted. Returns how many."""
    now = utc_now()
    done = 0
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        with catalog.write() as conn:
            # rowcount: the rows this UPDATE changed, not what triggers on files
            # change besides (total_changes counts those too: albumartist_counts, 0018).
            cursor = conn.executemany(
                "UPDATE files SET missing = 1, missing_since = ? WHERE id = ? AND missing = 0",
                [(now, i) for i in chunk],
            )
            done += cursor.rowcount
    return done


def count_missing(catalog: Catalog, ids: Sequence[int]) -> int:
    """How many of ``ids`` are still marked missing (after move detection merged some)."""
    total = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        total += catalog.execute(
            f"SELECT count(*) FROM files WHERE missing = 1 AND id IN ({marks})", tuple(chunk)
        ).fetchone()[0]
    return total


# --- the single writer ---------------------------------------------------------


class ScanWriter:
    """Buffers scan results and writes them in batches, one transaction each.

    Flush when ``max_rows`` results are pending or ``max_seconds`` passed since
    the last flush (the caller polls :meth:`maybe_flush`). Unchanged files
    only get ``last_seen_at`` / ``last_scan_id``; returning files are un-marked.
    """

    def __init__(
        self,
        catalog: Catalog,
        scan_id: int,
        tag_cols: Sequence[str],
        *,
        max_rows: int = 500,
        max_seconds: float = 0.5,
    ) -> None:
        self.catalog = catalog
        self.scan_id = scan_id
        self.max_rows = max_rows
        self.max_seconds = max_seconds
        self._last = time.monotonic()
        self._rows: list[Rows] = []
        self._replace_pictures: list[tuple[bytes]] = []
        self._seen: list[int] = []
        self._returned: list[int] = []
        self._errors: list[tuple] = []
        self.counts: dict[str, int] = {}
        self._foreign_keys = int(catalog.execute("PRAGMA foreign_keys").fetchone()[0])
        cols = ", ".join(FILE_COLUMNS)
        marks = ", ".join("?" for _ in FILE_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in FILE_COLUMNS if c not in _KEEP_ON_UPDATE)
        self._files_sql = (
            f"INSERT INTO files ({cols}) VALUES ({marks}) ON CONFLICT(path_bytes) DO UPDATE SET "
            f"{updates}, missing = 0, missing_since = NULL"
        )
        # Tags go through a TEMP staging table and one INSERT ... SELECT per
        # batch: the FTS triggers then run inside one statement, which costs
        # FTS5 far less than one statement per row (measured: 41 vs 67 us/file).
        names = (*tag_cols, "raw")
        tcols = ", ".join(names)
        tupdates = ", ".join(f"{c} = excluded.{c}" for c in names)
        catalog.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS scan_stage_tags (path_bytes BLOB, {tcols})"
        )
        catalog.execute("DELETE FROM temp.scan_stage_tags")
        self._stage_sql = (
            f"INSERT INTO temp.scan_stage_tags (path_bytes, {tcols}) "
            f"VALUES (?, {', '.join('?' for _ in names)})"
        )
        self._tags_sql = (
            f"INSERT INTO tags (file_id, {tcols}) "
            f"SELECT f.id, {', '.join('s.' + c for c in names)} "
            "FROM temp.scan_stage_tags s JOIN files f ON f.path_bytes = s.path_bytes "
            f"WHERE true ON CONFLICT(file_id) DO UPDATE SET {tupdates}"
        )
        # Every statement of a batch is idempotent (upserts, absolute counts, errors
        # not repeated), so a batch written again is harmless: Ctrl-C can land after
        # its COMMIT but before the writer forgets it, and the interrupted scan then
        # flushes it again (that used to fail with "UNIQUE constraint failed:
        # pictures.file_id, pictures.position").
        pcols = ", ".join(PICTURE_COLUMNS)
        pupdates = ", ".join(f"{c} = excluded.{c}" for c in PICTURE_COLUMNS if c != "position")
        self._pictures_sql = (
            f"INSERT INTO pictures (file_id, {pcols}) VALUES "
            f"((SELECT id FROM files WHERE path_bytes = ?), ?, ?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT(file_id, position) DO UPDATE SET {pupdates}"
        )

    @property
    def pending(self) -> int:
        return len(self._rows) + len(self._seen) + len(self._returned) + len(self._errors)

    def add_rows(self, rows: Rows, *, replace: bool) -> None:
        """A file that was read (``replace``: it was in the catalog already)."""
        self._rows.append(rows)
        if replace:
            self._replace_pictures.append((rows.path_bytes,))
        if rows.error:
            self.add_error(rows.path_bytes, *rows.error)

    def add_unchanged(self, file_id: int, *, returned: bool = False) -> None:
        (self._returned if returned else self._seen).append(file_id)

    def add_error(self, path_bytes: bytes, kind: str, message: str) -> None:
        self._errors.append(
            (self.scan_id, display_path(path_bytes), path_bytes, kind, message, utc_now())
        )

    def maybe_flush(self) -> bool:
        if self.pending >= self.max_rows or (
            self.pending and time.monotonic() - self._last >= self.max_seconds
        ):
            self.flush()
            return True
        return False

    def flush(self) -> None:
        """Write everything pending in one transaction (also the run's counts).

        A failure (disk full, I/O error) rolls the batch back and raises a
        one-line :class:`CatalogError`; the pending rows stay for a retry."""
        try:
            self._flush()
        except sqlite3.Error as exc:
            raise translate_error(self.catalog.path, exc) from exc

    def _flush(self) -> None:
        # Foreign keys are off for the batch: every reference it writes is to
        # a row this scan holds (its root and run, under the scan lock) or
        # joins to in the same statement (tags, pictures), and it deletes
        # nothing that cascades. With them on, SQLite looks for child rows in
        # every table that references ``files`` for each upserted file
        # (measured: 17 -> 6 us per file for the files rows alone).
        # (A no-op inside an open transaction, so it cannot leak into one.)
        conn = self.catalog.conn
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            self._write_batch()
        finally:
            conn.execute(f"PRAGMA foreign_keys = {self._foreign_keys}")

    def _write_batch(self) -> None:
        now = utc_now()
        with self.catalog.write() as conn:
            if self._rows:
                conn.executemany(self._files_sql, [r.files for r in self._rows])
                conn.executemany(self._stage_sql, [r.tags for r in self._rows])
                conn.execute(self._tags_sql)
                conn.execute("DELETE FROM temp.scan_stage_tags")
                if self._replace_pictures:
                    conn.executemany(
                        "DELETE FROM pictures WHERE file_id = "
                        "(SELECT id FROM files WHERE path_bytes = ?)",
                        self._replace_pictures,
                    )
                pictures = [p for r in self._rows for p in r.pictures]
                if pictures:
                    conn.executemany(self._pictures_sql, pictures)
            if self._seen:
                conn.executemany(
                    "UPDATE files SET last_seen_at = ?, last_scan_id = ? WHERE id = ?",
                    [(now, self.scan_id, i) for i in self._seen],
                )
            if self._returned:
                conn.executemany(
                    "UPDATE files SET missing = 0, missing_since = NULL, last_seen_at = ?, "
                    "last_scan_id = ? WHERE id = ?",
                    [(now, self.scan_id, i) for i in self._returned],
                )
            if self._errors:
                conn.executemany(
                    "INSERT INTO scan_errors (scan_id, path, path_bytes, kind, message, occurred_at) "
                    "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM scan_errors "
                    "WHERE scan_id = ?1 AND path_bytes = ?3 AND kind = ?4 AND message = ?5)",
                    self._errors,
                )
            update_run(conn, self.scan_id, self.counts)
        self._rows.clear()
        self._replace_pictures.clear()
        self._seen.clear()
        self._returned.clear()
        self._errors.clear()
        self._last = time.monotonic()
