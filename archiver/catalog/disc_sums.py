"""Every album disc's sums, kept by the writer (migration 0024, issue 17).

``archiver missing`` asks, for every (album artist, album, disc number), the
largest ``totaldiscs`` and whether the disc holds every track number 1..its
total. Grouping a million tags for that took 0.8 s; the table ``disc_sums``
holds the answer. Triggers on ``tags`` note the disc keys a change touches in
``disc_dirty`` (one insert per row); :func:`settle` recomputes just those discs
off the covering index ``tags_album_disc`` before the writer commits. The sums
read ``tags`` alone, so no other table can make them stale.
"""

from __future__ import annotations

import sqlite3

from archiver.catalog.db import settle_notes

__all__ = ["DISC_SUMS", "SETTLE", "kept", "settle"]

_NUMBER = "CASE WHEN t.tracknumber >= 1 THEN t.tracknumber END"
# Every number 1..totaltracks has a file (a sufficient test: the distinct numbers
# >= 1 are exactly 1..the largest, which is at least totaltracks); files marked
# missing count here.
_COMPLETE = (
    f"coalesce(max(t.totaltracks), 0) <= 0 OR coalesce(min({_NUMBER}) = 1"
    f" AND max({_NUMBER}) = count(DISTINCT {_NUMBER}) AND max({_NUMBER}) >= max(t.totaltracks), 0)"
)
SUMS = f"max(t.totaldiscs), {_COMPLETE}"
# The plain query the table replaces (and what a reader runs when it is behind),
# its columns named as the table's.
DISC_SUMS = (
    "SELECT t.albumartist AS albumartist, t.album AS album, t.discnumber AS discnumber,"
    f" max(t.totaldiscs) AS totaldiscs, {_COMPLETE} AS complete FROM tags t"
    " WHERE t.albumartist IS NOT NULL AND t.album IS NOT NULL AND t.album != ''"
    " GROUP BY t.albumartist, t.album, t.discnumber"
)
SETTLE = (
    "CREATE TEMP TABLE IF NOT EXISTS disc_keys (albumartist, album, discnumber)",
    "DELETE FROM temp.disc_keys",
    "INSERT INTO temp.disc_keys SELECT DISTINCT albumartist, album, discnumber FROM main.disc_dirty",
    "DELETE FROM main.disc_sums WHERE EXISTS (SELECT 1 FROM temp.disc_keys k"
    " WHERE k.albumartist = disc_sums.albumartist AND k.album = disc_sums.album"
    " AND k.discnumber IS disc_sums.discnumber)",
    "INSERT INTO main.disc_sums (albumartist, album, discnumber, totaldiscs, complete)"
    f" SELECT t.albumartist, t.album, t.discnumber, {SUMS} FROM temp.disc_keys k"
    " JOIN main.tags t ON t.albumartist = k.albumartist AND t.album = k.album"
    " AND t.discnumber IS k.discnumber"
    " GROUP BY t.albumartist, t.album, t.discnumber",
    "DELETE FROM main.disc_dirty",
)


def kept(conn: sqlite3.Connection) -> bool:
    """Whether this catalog has the table (migration 0024)."""
    return conn.execute("PRAGMA user_version").fetchone()[0] >= 24


def settle(conn: sqlite3.Connection) -> bool:
    """Recompute the discs noted dirty, in the caller's transaction if one is open.
    False when some are noted and the catalog cannot be written now (read-only,
    locked): the table is then behind and must not be read."""
    return settle_notes(conn, "disc_dirty", SETTLE)
