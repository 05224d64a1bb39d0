"""Every SQL statement about audio analysis (the ``analysis`` table, migration
0011). Callers pass a ``sqlite3.Connection`` (the writer's inside
``Catalog.write()`` for writes) and get plain tuples or dataclasses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from archiver.catalog.db import utc_now

COLUMNS = (
    "size",
    "mtime_ns",
    "sha256",
    "decode",
    "decode_detail",
    "decoded_seconds",
    "stated_seconds",
    "codec",
    "sample_rate",
    "channels",
    "bits",
    "quality",
    "quality_detail",
    "cutoff_hz",
    "fingerprint",
    "fingerprint_seconds",
    "error",
    "analyzer_version",
)
QUALITIES = ("lossless", "transcode", "upsampled", "padded-bits", "lossy", "unknown")
DECODES = ("ok", "error", "unsupported")


# When an analysis row (alias ``an``) still describes its file (alias ``f``): the
# file's size and mtime_ns as the catalog knows them are those analysed, and the
# catalog's sha256, when taken at that size and mtime, is the one analysed (when
# both are known). Anything else is a stale row that reads as "not analysed":
# every reader (the query language's join, stats, duplicates, AcoustID) uses this.
def current_sql(alias: str = "an") -> str:
    """SQL true when the analysis row ``alias`` was made against file ``f`` as catalogued
    (same size and mtime, and same sha256 where both are known): the one definition of a
    current analysis, for every query that joins the table."""
    a = alias
    return (
        f"{a}.size = f.size AND {a}.mtime_ns = f.mtime_ns"
        f" AND ({a}.sha256 IS NULL OR f.sha256 IS NULL OR f.hashed_size IS NOT f.size"
        f" OR f.hashed_mtime_ns IS NOT f.mtime_ns OR {a}.sha256 = f.sha256)"
    )


CURRENT = current_sql("an")


class Target(NamedTuple):
    """A present file and what its current analysis (if any) was made against (a named
    tuple: analyze makes one per present file, a million on a big library)."""

    file_id: int
    path_bytes: bytes
    size: int  # as the catalog knows it
    mtime_ns: int
    sha256: str | None  # the catalog's current sha256, when taken at this size/mtime
    duration: float | None
    analysed_size: int | None
    analysed_mtime_ns: int | None
    analysed_sha256: str | None
    analysed: bool


def targets(
    conn: sqlite3.Connection,
    *,
    where: str | None = None,
    params: Sequence[Any] = (),
    from_sql: str | None = None,
) -> Iterator[Target]:
    """Present files matching ``where`` (written against ``from_sql``, the query
    language's ``TRACKS_FROM``, files aliased ``f``), with their analysis state,
    in path order. A generator: a big library is not held in memory twice."""
    sql = (
        "SELECT f.id, f.path_bytes, f.size, f.mtime_ns,"
        " CASE WHEN f.hashed_size IS f.size AND f.hashed_mtime_ns IS f.mtime_ns"
        " THEN f.sha256 END, f.duration,"
        " a.size, a.mtime_ns, a.sha256, a.file_id IS NOT NULL"
        # "+": not through the index on missing, whose rows would then be sorted by path
        # (all of them before the first comes out); the path index gives the order as is.
        " FROM files f LEFT JOIN analysis a ON a.file_id = f.id WHERE +f.missing = 0"
    )
    bind: list[Any] = []
    if where and where.strip() != "1":
        sql += f" AND f.id IN (SELECT f.id FROM {from_sql or 'files AS f'} WHERE {where})"
        bind += list(params)
    sql += " ORDER BY f.path_bytes"
    for r in conn.execute(sql, bind):
        yield Target(r[0], bytes(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]))


def job_files(
    conn: sqlite3.Connection, ids: Sequence[int], batch: int = 500
) -> Iterator[tuple[int, bytes, float | None]]:
    """(file_id, path_bytes, duration) of the files ``ids``, in that order, read
    ``batch`` at a time (no cursor left open between batches); ids no longer in the
    catalog are left out."""
    for start in range(0, len(ids), batch):
        chunk = list(ids[start : start + batch])
        rows = conn.execute(
            f"SELECT id, path_bytes, duration FROM files WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        by_id = {r[0]: r for r in rows}
        for file_id in chunk:
            row = by_id.get(file_id)
            if row is not None:
                yield file_id, bytes(row[1]), row[2]


def count_files(conn: sqlite3.Connection) -> int:
    """Catalogued files present on disk (0: nothing scanned yet)."""
    return conn.execute("SELECT count(*) FROM files WHERE missing = 0").fetchone()[0]


def current_sha256(conn: sqlite3.Connection, file_id: int, size: int, mtime_ns: int) -> str | None:
    """The file's sha256 if the catalog took it at exactly this size and mtime."""
    row = conn.execute(
        "SELECT sha256 FROM files WHERE id = ? AND hashed_size = ? AND hashed_mtime_ns = ?",
        (file_id, size, mtime_ns),
    ).fetchone()
    return row[0] if row else None


def store(
    conn: sqlite3.Connection, file_id: int, values: dict[str, Any], at: str | None = None
) -> None:
    """Insert or replace a file's analysis (one row per file: a re-run never
    duplicates). ``values`` holds :data:`COLUMNS` (missing ones are NULL)."""
    cols = ", ".join(COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    conn.execute(
        f"INSERT OR REPLACE INTO analysis (file_id, {cols}, analyzed_at) VALUES (?, {marks}, ?)",
        [file_id, *(values.get(c) for c in COLUMNS), at or utc_now()],
    )


def get(conn: sqlite3.Connection, file_id: int) -> dict[str, Any] | None:
    """A file's analysis as a dict (column -> value), or None."""
    cur = conn.execute("SELECT * FROM analysis WHERE file_id = ?", (file_id,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def get_current(conn: sqlite3.Connection, file_id: int) -> dict[str, Any] | None:
    """A file's analysis as :func:`get` gives it plus ``current`` (False: the file
    changed since, the row is stale and reads as not analysed), or None."""
    row = get(conn, file_id)
    if row is None:
        return None
    (current,) = conn.execute(
        f"SELECT count(*) FROM analysis an JOIN files f ON f.id = an.file_id AND {CURRENT}"
        " WHERE an.file_id = ?",
        (file_id,),
    ).fetchone()
    return {**row, "current": bool(current)}


@dataclass(frozen=True)
class AcousticRow:
    """What acoustic duplicate grouping and AcoustID lookups need per file."""

    file_id: int
    fingerprint: str
    fingerprint_seconds: float | None
    quality: str | None
    decode: str | None


def fingerprints(
    conn: sqlite3.Connection, file_ids: Iterable[int] | None = None
) -> Iterator[AcousticRow]:
    """Every present file with a current fingerprint (or those in ``file_ids``), by file id."""
    sql = (
        "SELECT an.file_id, an.fingerprint, an.fingerprint_seconds, an.quality, an.decode"
        f" FROM analysis an JOIN files f ON f.id = an.file_id AND {CURRENT}"
        " WHERE an.fingerprint IS NOT NULL AND an.fingerprint != '' AND f.missing = 0"
    )
    bind: list[Any] = []
    if file_ids is not None:
        sql += " AND an.file_id IN (SELECT value FROM json_each(?))"
        bind.append(json.dumps(sorted(set(int(i) for i in file_ids))))
    sql += " ORDER BY an.file_id"
    for r in conn.execute(sql, bind):
        yield AcousticRow(r[0], r[1], r[2], r[3], r[4])


_FINGERPRINTED = (
    f"FROM analysis an JOIN files f ON f.id = an.file_id AND {CURRENT}"
    " JOIN tags t ON t.file_id = f.id"
    " WHERE f.missing = 0 AND an.fingerprint IS NOT NULL AND an.fingerprint != ''"
)


def fingerprint_copies(conn: sqlite3.Connection) -> Iterator[tuple]:
    """For acoustic duplicates: every present file with a current fingerprint, by
    file id, as ``(fingerprint, fingerprint_seconds, quality, decode, *copy)`` where ``copy``
    is :class:`archiver.catalog.duplicates.CopyRow`'s columns after its key."""
    from archiver.catalog.duplicates import _COPY_COLS

    sql = (
        f"SELECT an.fingerprint, an.fingerprint_seconds, an.quality, an.decode, {_COPY_COLS}"
        f" {_FINGERPRINTED} ORDER BY f.id"
    )
    yield from conn.execute(sql)


def fingerprint_count(conn: sqlite3.Connection) -> int:
    """Present files with a current fingerprint."""
    return conn.execute(f"SELECT count(*) {_FINGERPRINTED}").fetchone()[0]


def unfingerprintable_count(conn: sqlite3.Connection) -> int:
    """Present files analysed as they are that have no fingerprint all the same (their
    audio did not decode, or Chromaprint was missing): running analyze again won't help."""
    return conn.execute(
        f"SELECT count(*) FROM analysis an JOIN files f ON f.id = an.file_id AND {CURRENT}"
        " WHERE f.missing = 0 AND (an.fingerprint IS NULL OR an.fingerprint = '')"
    ).fetchone()[0]


def counts(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Present files by decode result and by quality verdict, current analyses only (for stats):
    ``{"decode": {...}, "quality": {...}, "analyzed": n, "not_analyzed": n, "errors": n}``."""
    decode = dict(
        conn.execute(
            "SELECT an.decode, count(*) FROM analysis an JOIN files f ON f.id = an.file_id"
            f" AND {CURRENT} WHERE f.missing = 0 AND an.decode IS NOT NULL GROUP BY an.decode"
        ).fetchall()
    )
    quality = dict(
        conn.execute(
            "SELECT an.quality, count(*) FROM analysis an JOIN files f ON f.id = an.file_id"
            f" AND {CURRENT} WHERE f.missing = 0 AND an.quality IS NOT NULL GROUP BY an.quality"
        ).fetchall()
    )
    analyzed, errors = conn.execute(
        "SELECT count(*), count(an.error) FROM analysis an JOIN files f ON f.id = an.file_id"
        f" AND {CURRENT} WHERE f.missing = 0"
    ).fetchone()
    total = count_files(conn)
    return {
        "decode": decode,
        "quality": quality,
        "totals": {"analyzed": analyzed, "not_analyzed": total - analyzed, "errors": errors},
    }


def problems(
    conn: sqlite3.Connection,
    *,
    where: str | None = None,
    params: Sequence[Any] = (),
    from_sql: str | None = None,
) -> list[tuple[str, str, str | None]]:
    """(path, what, detail) for every present file (matching ``where``, as in
    :func:`targets`) with a decode error, a failed analysis or a suspicious
    verdict, in path order (for the command's report)."""
    sql = (
        "SELECT f.path,"
        " CASE WHEN a.error IS NOT NULL THEN 'not analysed'"
        " WHEN a.decode = 'error' THEN 'decode error' ELSE a.quality END,"
        " coalesce(a.error, CASE WHEN a.decode = 'error' THEN a.decode_detail"
        " ELSE a.quality_detail END)"
        " FROM analysis a JOIN files f ON f.id = a.file_id WHERE f.missing = 0"
        " AND (a.error IS NOT NULL OR a.decode = 'error'"
        " OR a.quality IN ('transcode', 'upsampled', 'padded-bits'))"
    )
    bind: list[Any] = []
    if where and where.strip() != "1":
        sql += f" AND f.id IN (SELECT f.id FROM {from_sql or 'files AS f'} WHERE {where})"
        bind += list(params)
    rows = conn.execute(sql + " ORDER BY f.path_bytes", bind).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]
