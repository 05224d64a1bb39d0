"""All SQL for AcoustID lookups (schema 0012): the answer cache, and reading the
fingerprints `archiver analyze` stored in the ``analysis`` table (schema 0011).

The cache functions work in autocommit mode, like ``mb_cache``: an answer is kept
the moment it arrives, so an interrupted run never asks twice.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable

from archiver.catalog.db import utc_now

# -- cache --------------------------------------------------------------------


def fingerprint_key(fingerprint: str) -> str:
    """The cache key of a fingerprint: its SHA-256 (fingerprints are kilobytes long)."""
    return hashlib.sha256(fingerprint.encode("ascii", "replace")).hexdigest()


def cache_get(conn: sqlite3.Connection, fingerprint: str, duration: int) -> str | None:
    row = conn.execute(
        "SELECT body FROM acoustid_cache WHERE fingerprint_sha256 = ? AND duration = ?",
        (fingerprint_key(fingerprint), duration),
    ).fetchone()
    return row[0] if row else None


def cache_put(conn: sqlite3.Connection, fingerprint: str, duration: int, body: str) -> None:
    conn.execute(
        "INSERT INTO acoustid_cache (fingerprint_sha256, duration, body, fetched_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(fingerprint_sha256, duration) DO UPDATE SET "
        "body = excluded.body, fetched_at = excluded.fetched_at",
        (fingerprint_key(fingerprint), duration, body, utc_now()),
    )


# -- fingerprints (the analysis table of `archiver analyze`) -------------------
# The only SQL that reads the analysis table here: point these two functions at
# the analysis module's own readers when both live in one tree.


def fingerprint_count(conn: sqlite3.Connection) -> int | None:
    """Files with a stored fingerprint; None when the catalog has no analysis table."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'analysis'"
    ).fetchone()
    if not exists:
        return None
    row = conn.execute(
        "SELECT count(*) FROM analysis WHERE fingerprint IS NOT NULL AND fingerprint != ''"
    ).fetchone()
    return int(row[0])


def fingerprints_for(
    conn: sqlite3.Connection, file_ids: Iterable[int]
) -> dict[int, tuple[str, float]]:
    """file_id -> (fingerprint, seconds fingerprinted) for the given files that have one."""
    ids = list(file_ids)
    found: dict[int, tuple[str, float]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            "SELECT file_id, fingerprint, fingerprint_seconds FROM analysis "
            f"WHERE file_id IN ({', '.join('?' * len(chunk))}) "
            "AND fingerprint IS NOT NULL AND fingerprint != '' AND fingerprint_seconds > 0",
            chunk,
        )
        for file_id, fingerprint, seconds in rows:
            found[int(file_id)] = (str(fingerprint), float(seconds))
    return found


# -- reporting ----------------------------------------------------------------


def run_acoustid_matches(conn: sqlite3.Connection, run_id: int) -> int:
    """Albums (and loose tracks) an enrich run matched through AcoustID."""
    row = conn.execute(
        "SELECT count(*) FROM album_matches WHERE enrich_run_id = ? AND method = 'acoustid' "
        "AND status = 'matched'",
        (run_id,),
    ).fetchone()
    return int(row[0])
