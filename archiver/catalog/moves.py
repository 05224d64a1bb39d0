"""SQL of move detection (``integrity/moves.py``): the candidate rows it
compares, the merge of a moved file into its old row, and the ``file_moves`` log.
Callers pass a ``sqlite3.Connection`` (the writer's inside ``Catalog.write()`` for
writes) and get plain dataclasses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from archiver.catalog.db import utc_now

# Columns a file row carries that describe its content, not its fingerprint or
# verification: on a move they are taken from the row the scan just inserted.
_KEEP_ON_MOVE = {
    "id",
    "first_seen_at",
    "first_scan_id",
    "sha256",
    "audio_hash",
    "audio_hash_method",
    "hashed_at",
    "hashed_size",
    "hashed_mtime_ns",
    "last_verified_at",
    "last_verify_status",
}


@dataclass(frozen=True)
class MoveCandidate:
    """A file row as move detection compares it."""

    file_id: int
    path: str
    path_bytes: bytes
    size: int
    mtime_ns: int
    format: str | None
    duration: float | None
    raw_tags: str | None
    sha256: str | None
    hashed_size: int | None
    hashed_mtime_ns: int | None


_MOVE_COLS = (
    "f.id, f.path, f.path_bytes, f.size, f.mtime_ns, f.format, f.duration, t.raw, f.sha256,"
    " f.hashed_size, f.hashed_mtime_ns"
)


def _candidate(row: Sequence[Any]) -> MoveCandidate:
    values = list(row)
    values[2] = bytes(values[2])
    return MoveCandidate(*values)


def new_files_of_scan(conn: sqlite3.Connection, scan_id: int) -> list[MoveCandidate]:
    """Present files first seen by this scan, or by a scan that was interrupted or failed
    (it never reached move detection)."""
    rows = conn.execute(
        f"SELECT {_MOVE_COLS} FROM files f LEFT JOIN tags t ON t.file_id = f.id"
        " WHERE f.missing = 0 AND (f.first_scan_id = ? OR f.first_scan_id IN ("
        "SELECT id FROM scan_runs WHERE status IN ('interrupted', 'failed') AND id < ?))"
        " ORDER BY f.path_bytes",
        (scan_id, scan_id),
    ).fetchall()
    return [_candidate(r) for r in rows]


def missing_files_with_sizes(conn: sqlite3.Connection, sizes: Iterable[int]) -> list[MoveCandidate]:
    """Files marked missing (by any scan) whose size is one of ``sizes``."""
    rows = conn.execute(
        f"SELECT {_MOVE_COLS} FROM files f LEFT JOIN tags t ON t.file_id = f.id"
        " WHERE f.missing = 1 AND f.size IN (SELECT value FROM json_each(?))"
        " ORDER BY f.missing_since DESC, f.id",
        (json.dumps(sorted(set(sizes))),),
    ).fetchall()
    return [_candidate(r) for r in rows]


def merge_moved_file(
    conn: sqlite3.Connection, old_id: int, new_id: int, scan_id: int | None, at: str | None = None
) -> None:
    """The file ``old_id`` (missing) now lives where the scan found ``new_id``: the old row
    takes the new row's path, state and freshly read tags/pictures; fingerprints taken of the
    new row move too; the new row is deleted; a ``file_moves`` row records it. Run inside
    the caller's transaction."""
    at = at or utc_now()
    old = conn.execute("SELECT path, path_bytes FROM files WHERE id = ?", (old_id,)).fetchone()
    cols = [r[1] for r in conn.execute("PRAGMA table_info(files)") if r[1] not in _KEEP_ON_MOVE]
    new_values = conn.execute(
        f"SELECT {', '.join(cols)} FROM files WHERE id = ?", (new_id,)
    ).fetchone()
    values = dict(zip(cols, new_values, strict=True))
    # Tags and pictures: the new row's were just read from the file as it is now.
    if conn.execute("SELECT 1 FROM tags WHERE file_id = ?", (new_id,)).fetchone():
        conn.execute("DELETE FROM tags WHERE file_id = ?", (old_id,))
        conn.execute("UPDATE tags SET file_id = ? WHERE file_id = ?", (old_id, new_id))
    conn.execute("DELETE FROM pictures WHERE file_id = ?", (old_id,))
    conn.execute("UPDATE pictures SET file_id = ? WHERE file_id = ?", (old_id, new_id))
    conn.execute("UPDATE fingerprints SET file_id = ? WHERE file_id = ?", (old_id, new_id))
    conn.execute("DELETE FROM files WHERE id = ?", (new_id,))
    values["missing"] = 0
    values["missing_since"] = None
    values["last_seen_at"] = values.get("last_seen_at") or at
    assignments = ", ".join(f"{c} = :{c}" for c in values)
    conn.execute(f"UPDATE files SET {assignments} WHERE id = :_id", {**values, "_id": old_id})
    # The search index row of the old file follows the tags row; refresh its path too.
    conn.execute(
        "INSERT INTO file_moves (file_id, old_path, old_path_bytes, new_path, new_path_bytes,"
        " detected_at, scan_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (old_id, old[0], old[1], values["path"], values["path_bytes"], at, scan_id),
    )


def file_moves(conn: sqlite3.Connection, file_id: int | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT id, file_id, old_path, new_path, detected_at, scan_id FROM file_moves"
        + (" WHERE file_id = ?" if file_id is not None else "")
        + " ORDER BY id"
    )
    cur = conn.execute(sql, (file_id,) if file_id is not None else ())
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
