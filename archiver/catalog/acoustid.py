"""All SQL for AcoustID lookups (schema 0012): the answer cache, and reading the
fingerprints `archiver analyze` stored in the ``analysis`` table (schema 0011).

The cache functions work in autocommit mode, like ``mb_cache``: an answer is kept
the moment it arrives, so an interrupted run never asks twice.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable

from archiver.catalog import analysis
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


def fingerprint_count(conn: sqlite3.Connection) -> int:
    """Present files with a current fingerprint (``archiver analyze``)."""
    return analysis.fingerprint_count(conn)


def fingerprints_for(
    conn: sqlite3.Connection, file_ids: Iterable[int]
) -> dict[int, tuple[str, float]]:
    """file_id -> (fingerprint, seconds fingerprinted) for the given files with a current one."""
    return {
        r.file_id: (str(r.fingerprint), float(r.fingerprint_seconds))
        for r in analysis.fingerprints(conn, file_ids)
        if r.fingerprint_seconds and r.fingerprint_seconds > 0
    }


# -- reporting ----------------------------------------------------------------


def run_acoustid_matches(conn: sqlite3.Connection, run_id: int) -> int:
    """Albums (and loose tracks) an enrich run matched through AcoustID."""
    row = conn.execute(
        "SELECT count(*) FROM album_matches WHERE enrich_run_id = ? AND method = 'acoustid' "
        "AND status = 'matched'",
        (run_id,),
    ).fetchone()
    return int(row[0])
