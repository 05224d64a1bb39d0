"""SQL of ``verify``: its runs (``verify_runs``), their findings (``verify_findings``)
and the last-verify columns of ``files``. Callers pass a ``sqlite3.Connection`` (the
writer's inside ``Catalog.write()`` for writes) and get plain dataclasses."""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from archiver.catalog.checksums import STORED_COLS, StoredFingerprint, stored_fingerprint
from archiver.catalog.db import storable_text, utc_now

VERIFY_STATUSES = ("ok", "changed", "modified", "missing", "unreadable")
DAMAGE_STATUSES = ("changed", "missing", "unreadable")


TARGET_BATCH = 500  # files read by id at a time while a run streams its targets


class VerifyTargets:
    """The files a verify run checks, planned once: their ids in path order (8 bytes a
    file) and catalogued size in total. Iterating reads their current fingerprints by id,
    :data:`TARGET_BATCH` at a time, so a run holds no list of the whole library and no read
    cursor stays open across its own commits. A file deleted from the catalog after the
    plan is left out."""

    def __init__(
        self, conn: sqlite3.Connection, ids: array, size: int, batch: int | None = None
    ) -> None:
        self.conn, self.ids, self.bytes, self.batch = conn, ids, size, batch

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[StoredFingerprint]:
        batch = self.batch or TARGET_BATCH
        for start in range(0, len(self.ids), batch):
            chunk = self.ids[start : start + batch]
            rows = self.conn.execute(
                f"SELECT {STORED_COLS} FROM files f WHERE f.id IN ({', '.join('?' * len(chunk))})",
                chunk.tolist(),
            ).fetchall()
            by_id = {r[0]: r for r in rows}
            for file_id in chunk:
                row = by_id.get(file_id)
                if row is not None:
                    yield stored_fingerprint(row)


def verify_targets(
    conn: sqlite3.Connection,
    *,
    where: str | None = None,
    params: Sequence[Any] = (),
    from_sql: str | None = None,
    not_verified_since: str | None = None,
    batch: int | None = None,
) -> VerifyTargets:
    """The files a verify run checks: every catalogued file (missing ones too, since the
    disk may disagree) matching ``where``, in path order. ``where`` is written against
    ``from_sql`` (the query language's ``TRACKS_FROM``, files aliased ``f``; default
    ``files AS f``) and evaluated once, here: one pass over the ids and sizes."""
    sql = "SELECT f.id, f.size FROM files f WHERE 1"
    bind: list[Any] = []
    if where and where.strip() != "1":
        sql += f" AND f.id IN (SELECT f.id FROM {from_sql or 'files AS f'} WHERE {where})"
        bind += list(params)
    if not_verified_since is not None:
        sql += " AND (f.last_verified_at IS NULL OR f.last_verified_at < ?)"
        bind.append(not_verified_since)
    sql += " ORDER BY f.path_bytes"
    ids = array("q")
    size = 0
    cur = conn.execute(sql, bind)
    while rows := cur.fetchmany(4096):
        for file_id, file_size in rows:
            ids.append(file_id)
            size += file_size
    return VerifyTargets(conn, ids, size, batch)


def start_verify_run(conn: sqlite3.Connection, query: str | None) -> int:
    cur = conn.execute(
        "INSERT INTO verify_runs (started_at, status, query) VALUES (?, 'running', ?)",
        (utc_now(), storable_text(query)),
    )
    return int(cur.lastrowid)


@dataclass(frozen=True)
class VerifyRun:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    query: str | None
    checked: int
    ok: int
    changed: int
    modified: int
    missing: int
    unreadable: int
    seconds: float | None


def _run(row: Sequence[Any]) -> VerifyRun:
    return VerifyRun(*row)


_RUN_COLS = (
    "id, started_at, finished_at, status, query, checked, ok, changed, modified, missing,"
    " unreadable, seconds"
)


def get_verify_run(conn: sqlite3.Connection, run_id: int) -> VerifyRun | None:
    row = conn.execute(f"SELECT {_RUN_COLS} FROM verify_runs WHERE id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def last_verify_run(conn: sqlite3.Connection) -> VerifyRun | None:
    """The latest run, for `stats` and the TUI ("last verified")."""
    row = conn.execute(f"SELECT {_RUN_COLS} FROM verify_runs ORDER BY id DESC LIMIT 1").fetchone()
    return _run(row) if row else None


def resumable_verify_run(conn: sqlite3.Connection, query: str | None) -> VerifyRun | None:
    """The latest run if it was interrupted (or failed) with the same query. A run still
    'running' here is live (stale ones were marked interrupted first): never taken over."""
    row = conn.execute(
        f"SELECT {_RUN_COLS} FROM verify_runs WHERE status != 'running' ORDER BY id DESC LIMIT 1",
    ).fetchone()
    if row is None:
        return None
    run = _run(row)
    if run.status in ("interrupted", "failed") and run.query == storable_text(query):
        return run
    return None


def record_findings(
    conn: sqlite3.Connection,
    run_id: int,
    findings: Iterable[tuple[int, str, str | None]],
    *,
    keep_ok: bool = False,
    at: str | None = None,
) -> None:
    """Store (file_id, status, detail) results: the file's last-verify columns always,
    a ``verify_findings`` row for every status but ok (unless ``keep_ok``), and the run's counts."""
    at = at or utc_now()
    counts = dict.fromkeys(VERIFY_STATUSES, 0)
    for file_id, status, detail in findings:
        counts[status] += 1
        conn.execute(
            "UPDATE files SET last_verified_at = ?, last_verify_status = ? WHERE id = ?",
            (at, status, file_id),
        )
        if status != "ok" or keep_ok:
            conn.execute(
                "INSERT OR REPLACE INTO verify_findings (verify_run_id, file_id, status, detail)"
                " VALUES (?, ?, ?, ?)",
                (run_id, file_id, status, detail),
            )
    conn.execute(
        "UPDATE verify_runs SET checked = checked + ?, ok = ok + ?, changed = changed + ?,"
        " modified = modified + ?, missing = missing + ?, unreadable = unreadable + ?"
        " WHERE id = ?",
        (
            sum(counts.values()),
            counts["ok"],
            counts["changed"],
            counts["modified"],
            counts["missing"],
            counts["unreadable"],
            run_id,
        ),
    )


def finish_verify_run(conn: sqlite3.Connection, run_id: int, status: str, seconds: float) -> None:
    conn.execute(
        "UPDATE verify_runs SET status = ?, finished_at = ?, seconds = coalesce(seconds, 0) + ?"
        " WHERE id = ?",
        (status, utc_now(), seconds, run_id),
    )


def reopen_verify_run(conn: sqlite3.Connection, run_id: int) -> None:
    conn.execute(
        "UPDATE verify_runs SET status = 'running', finished_at = NULL WHERE id = ?", (run_id,)
    )


@dataclass(frozen=True)
class Finding:
    file_id: int
    path: str
    path_bytes: bytes
    status: str
    detail: str | None


def run_findings(conn: sqlite3.Connection, run_id: int) -> Iterator[Finding]:
    """The non-ok findings of a run, by path (a generator: read it before writing again)."""
    cur = conn.execute(
        "SELECT v.file_id, f.path, f.path_bytes, v.status, v.detail FROM verify_findings v"
        " JOIN files f ON f.id = v.file_id WHERE v.verify_run_id = ? ORDER BY f.path_bytes",
        (run_id,),
    )
    for r in cur:
        yield Finding(r[0], r[1], bytes(r[2]), r[3], r[4])


@dataclass(frozen=True)
class DamagedFile:
    """A file whose last verify found it changed, missing or unreadable (the TUI's "Damaged")."""

    file_id: int
    path: str
    status: str
    detail: str | None
    last_verified_at: str
    verify_run_id: int | None


def damaged_count(conn: sqlite3.Connection) -> int:
    """How many files the last verify found damaged: ``len(damaged_files(conn))``."""
    sql = f"SELECT count(*) FROM files WHERE last_verify_status IN {DAMAGE_STATUSES!r}"
    return int(conn.execute(sql).fetchone()[0])


def damaged_files(conn: sqlite3.Connection) -> list[DamagedFile]:
    rows = conn.execute(
        "SELECT f.id, f.path, f.last_verify_status, v.detail, f.last_verified_at, v.verify_run_id"
        " FROM files f LEFT JOIN verify_findings v ON v.file_id = f.id AND v.verify_run_id ="
        " (SELECT max(verify_run_id) FROM verify_findings WHERE file_id = f.id)"
        f" WHERE f.last_verify_status IN {DAMAGE_STATUSES!r}"
        " ORDER BY f.path_bytes"
    ).fetchall()
    return [DamagedFile(*r) for r in rows]
