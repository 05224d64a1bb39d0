"""SQL of the byte and audio-identity hashes (``scan --checksum``, ``verify``): the
``fingerprints`` history table and the current hash columns of ``files``.

Not to be confused with acoustic (Chromaprint) fingerprints: these are exact
hashes, sha256 of the bytes and a hash of the encoded audio data (see
``integrity/hashing.py``). Callers pass a ``sqlite3.Connection`` (the
writer's inside ``Catalog.write()`` for writes) and get plain dataclasses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from archiver.catalog.db import utc_now


class FingerprintLike(Protocol):
    sha256: str
    audio_hash: str | None
    audio_hash_method: str | None
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class HashTarget:
    """A file to hash: its id, exact path and the size the catalog knows (for progress)."""

    file_id: int
    path_bytes: bytes
    size: int


def _root_filter(roots: Sequence[bytes] | None) -> tuple[str, list[Any]]:
    if roots is None:
        return "", []
    if not roots:
        return " AND 0", []
    clauses, params = [], []
    for root in roots:
        prefix = root.rstrip(b"/") + b"/"
        clauses.append(
            "(f.root_id IN (SELECT id FROM library_roots WHERE path_bytes = ?)"
            " OR f.path_bytes = ? OR substr(f.path_bytes, 1, ?) = ?)"
        )
        params += [root, root, len(prefix), prefix]
    return " AND (" + " OR ".join(clauses) + ")", params


def _ids_filter(file_ids: Iterable[int] | None) -> tuple[str, list[Any]]:
    if file_ids is None:
        return "", []
    ids = sorted(set(int(i) for i in file_ids))
    if not ids:
        return " AND 0", []
    return " AND f.id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]


def files_to_hash(
    conn: sqlite3.Connection,
    *,
    file_ids: Iterable[int] | None = None,
    roots: Sequence[bytes] | None = None,
) -> list[HashTarget]:
    """Present files whose current fingerprint is absent or stale (taken at another size/mtime)."""
    where_ids, p_ids = _ids_filter(file_ids)
    where_roots, p_roots = _root_filter(roots)
    rows = conn.execute(
        "SELECT f.id, f.path_bytes, f.size FROM files f WHERE f.missing = 0"
        " AND (f.sha256 IS NULL OR f.hashed_size IS NOT f.size OR f.hashed_mtime_ns IS NOT f.mtime_ns)"
        + where_ids
        + where_roots
        + " ORDER BY f.path_bytes",
        p_ids + p_roots,
    ).fetchall()
    return [HashTarget(r[0], bytes(r[1]), r[2]) for r in rows]


def add_fingerprint(
    conn: sqlite3.Connection,
    file_id: int,
    fp: FingerprintLike,
    *,
    current: bool = True,
    scan_id: int | None = None,
    verify_run_id: int | None = None,
    at: str | None = None,
) -> None:
    """Append ``fp`` to the file's history; with ``current`` also make it the file's fingerprint."""
    at = at or utc_now()
    conn.execute(
        "INSERT INTO fingerprints (file_id, computed_at, size, mtime_ns, sha256, audio_hash,"
        " audio_hash_method, scan_id, verify_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            file_id,
            at,
            fp.size,
            fp.mtime_ns,
            fp.sha256,
            fp.audio_hash,
            fp.audio_hash_method,
            scan_id,
            verify_run_id,
        ),
    )
    if current:
        conn.execute(
            "UPDATE files SET sha256 = ?, audio_hash = ?, audio_hash_method = ?, hashed_at = ?,"
            " hashed_size = ?, hashed_mtime_ns = ? WHERE id = ?",
            (fp.sha256, fp.audio_hash, fp.audio_hash_method, at, fp.size, fp.mtime_ns, file_id),
        )


def is_current_fingerprint(conn: sqlite3.Connection, file_id: int, fp: FingerprintLike) -> bool:
    """True when the file's current fingerprint already is ``fp`` (same bytes at the same
    size and mtime): another run (a concurrent verify) stored it since we looked."""
    row = conn.execute(
        "SELECT sha256, hashed_size, hashed_mtime_ns FROM files WHERE id = ?", (file_id,)
    ).fetchone()
    return row is not None and tuple(row) == (fp.sha256, fp.size, fp.mtime_ns)


@dataclass(frozen=True)
class StoredFingerprint:
    """A file's current fingerprint as the catalog holds it (sha256 None: never hashed)."""

    file_id: int
    path: str
    path_bytes: bytes
    size: int
    mtime_ns: int
    sha256: str | None
    audio_hash: str | None
    audio_hash_method: str | None
    hashed_size: int | None
    hashed_mtime_ns: int | None


STORED_COLS = (
    "f.id, f.path, f.path_bytes, f.size, f.mtime_ns, f.sha256, f.audio_hash,"
    " f.audio_hash_method, f.hashed_size, f.hashed_mtime_ns"
)


def stored_fingerprint(row: Sequence[Any]) -> StoredFingerprint:
    return StoredFingerprint(
        row[0], row[1], bytes(row[2]), row[3], row[4], row[5], row[6], row[7], row[8], row[9]
    )


def fingerprint_history(conn: sqlite3.Connection, file_id: int) -> list[dict[str, Any]]:
    """Every fingerprint taken of a file, oldest first."""
    cur = conn.execute(
        "SELECT id, computed_at, size, mtime_ns, sha256, audio_hash, audio_hash_method, scan_id,"
        " verify_run_id FROM fingerprints WHERE file_id = ? ORDER BY id",
        (file_id,),
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
