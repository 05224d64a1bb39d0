"""SQL of ``missing`` (``integrity/completeness.py`` finds the gaps): every
file's album position, and the stored MusicBrainz tracklists of matched releases.
Callers pass a ``sqlite3.Connection``.

At a million tracks, reading every file's row into Python is too slow and too
big, so ``missing`` first asks SQLite which albums may miss a disc or a track
(:func:`suspect_pairs`, off the per-disc sums the writer keeps, :func:`disc_sums`),
the files marked missing (:func:`missing_files`) and the matched
releases with a track that has no file (:func:`releases_with_gaps`); then, for
only the albums these point at, per-disc facts (:func:`disc_facts`: no file's
row), and the rows of the files of their matched releases (:func:`rows_of_files`)
and of albums without album artist (:func:`rows_of_groups`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from archiver.catalog.disc_sums import DISC_SUMS, SUMS
from archiver.catalog.disc_sums import kept as kept_sums
from archiver.catalog.disc_sums import settle as settle_sums


class AlbumTrackRow(NamedTuple):
    """One file's album position, for the completeness report (a tuple: a million
    of them are built at most once, and cheaply)."""

    file_id: int
    path: str
    missing: int
    album: str | None
    albumartist: str | None
    artist: str | None
    discnumber: int | None
    totaldiscs: int | None
    tracknumber: int | None
    totaltracks: int | None
    release_mbid: str | None
    track_mbid: str | None
    path_bytes: bytes | None = None  # the path's exact bytes: the report's order


_ROW_COLUMNS = (
    "f.id, f.path, f.missing, t.album, t.albumartist, t.artist, t.discnumber,"
    " t.totaldiscs, t.tracknumber, t.totaltracks,"
    " CASE WHEN m.status = 'matched' THEN m.release_mbid END,"
    " CASE WHEN m.status = 'matched' THEN m.track_mbid END, f.path_bytes"
)
_ROW_FROM = "files f JOIN tags t ON t.file_id = f.id LEFT JOIN matches m ON m.file_id = f.id"


def album_track_rows(conn: sqlite3.Connection) -> list[AlbumTrackRow]:
    """Every file with an album tag, or matched to a MusicBrainz release (small catalogs, tests)."""
    rows = conn.execute(
        f"SELECT {_ROW_COLUMNS} FROM {_ROW_FROM}"
        " WHERE (t.album IS NOT NULL AND t.album != '')"
        " OR (m.status = 'matched' AND m.release_mbid IS NOT NULL)"
        " ORDER BY f.path_bytes"
    ).fetchall()
    return [AlbumTrackRow._make(row) for row in rows]


_BLANK = "trim(t.albumartist, ' ' || char(9, 10, 11, 12, 13)) = ''"


def disc_sums(conn: sqlite3.Connection) -> Iterator[tuple]:
    """``(albumartist, album, disc, totaldiscs, tracks_complete)`` for every (album
    artist, album, disc number) of the files with an album tag and an album artist
    (blank ones included), streamed off the covering index ``tags_album_disc`` in its
    order (no sort, no join: an album artist and album's discs come one after the
    other); ``totaldiscs`` is the largest, ``tracks_complete`` is 1 when the disc has
    every number 1..totaltracks (the largest on the disc) or no total."""
    cursor = conn.execute(
        "SELECT albumartist, album, discnumber, totaldiscs, complete"
        f" FROM {_disc_rows(conn)} ORDER BY albumartist, album, discnumber"
    )
    cursor.arraysize = 1024
    for batch in iter(cursor.fetchmany, []):
        yield from batch


def _disc_rows(conn: sqlite3.Connection) -> str:
    """The rows of :func:`disc_sums` as a table to select from: the kept one, or the
    plain query when the kept one is behind and cannot be settled now."""
    if kept_sums(conn) and settle_sums(conn):
        return "disc_sums"
    return f"({DISC_SUMS})"


_DISC = "coalesce(nullif(discnumber, 0), 1)"  # Python's ``discnumber or 1``


def suspect_pairs(conn: sqlite3.Connection) -> Iterator[tuple]:
    """``(albumartist, album, complete, totaldiscs, discs)`` for each (album artist,
    album) of :func:`disc_sums` that may miss something: a disc without every track
    (``complete`` 0), or a largest ``totaldiscs`` of 2 or more (``discs``: its disc
    numbers, comma-separated, for the caller to test), or of 1 with no disc 1. The
    others have every disc and track their tags ask for (few rows reach Python)."""
    cursor = conn.execute(
        f"SELECT albumartist, album, min(complete), max(totaldiscs),"
        f" CASE WHEN max(totaldiscs) >= 2 THEN group_concat(DISTINCT {_DISC}) END"
        f" FROM {_disc_rows(conn)} GROUP BY albumartist, album"
        f" HAVING min(complete) = 0 OR max(totaldiscs) >= 2"
        f" OR (max(totaldiscs) >= 1 AND NOT max({_DISC} = 1))"
    )
    cursor.arraysize = 1024
    for batch in iter(cursor.fetchmany, []):
        yield from batch


def album_pairs(conn: sqlite3.Connection) -> Iterator[tuple[str, str]]:
    """Every distinct ``(albumartist, album)`` of :func:`disc_sums`."""
    cursor = conn.execute(f"SELECT DISTINCT albumartist, album FROM {_disc_rows(conn)}")
    cursor.arraysize = 4096
    for batch in iter(cursor.fetchmany, []):
        yield from batch


def folder_disc_sums(conn: sqlite3.Connection) -> Iterator[tuple]:
    """The same for files whose album artist is NULL or blank to SQLite, per folder
    too (the files' folder, ending in ``/``): ``(albumartist, album, folder, disc,
    totaldiscs, tracks_complete)``."""
    cursor = conn.execute(
        f"SELECT t.albumartist, t.album, rtrim(f.path, replace(f.path, '/', '')) AS folder,"
        f" t.discnumber, {SUMS} FROM tags t JOIN files f ON f.id = t.file_id"
        f" WHERE (t.albumartist IS NULL OR (t.albumartist < '!' AND {_BLANK}))"
        " AND t.album IS NOT NULL AND t.album != ''"
        " GROUP BY t.albumartist, t.album, folder, t.discnumber"
    )
    cursor.arraysize = 1024
    for batch in iter(cursor.fetchmany, []):
        yield from batch


def missing_files(conn: sqlite3.Connection) -> Iterator[AlbumTrackRow]:
    """The files marked missing by the last scan (few: through the ``missing`` index),
    in path order."""
    sql = f"SELECT {_ROW_COLUMNS} FROM {_ROW_FROM} WHERE f.missing = 1 ORDER BY f.path_bytes"
    return map(AlbumTrackRow._make, conn.execute(sql))


def releases_with_gaps(conn: sqlite3.Connection, gone: Iterable[str] = ()) -> list[str]:
    """Matched releases with a stored track no present file is matched to (by track id,
    or by disc and track number for matches without a track id); ``gone``: the
    releases of the files marked missing (:func:`missing_files`), the only ones whose
    tracks may be matched to no file on disk although a match row exists.

    First the candidates: releases with a track no match row has (a pass over
    ``mb_tracks`` in table order with one lookup in ``matches_release`` per track,
    reading no file), and ``gone``; then the exact test on those alone."""
    candidates = {
        row[0]
        for row in conn.execute(
            "SELECT trk.release_mbid FROM mb_tracks trk NOT INDEXED WHERE NOT EXISTS"
            " (SELECT 1 FROM matches m WHERE m.release_mbid = trk.release_mbid"
            " AND m.track_mbid = trk.mbid AND m.status = 'matched')"
        )
    }
    candidates.update(gone)
    present = (
        "SELECT 1 FROM matches m JOIN files f ON f.id = m.file_id"
        " WHERE m.release_mbid = trk.release_mbid AND +m.status = 'matched'"
        " AND f.missing = 0 AND m.track_mbid = trk.mbid"
    )
    by_position = (
        "SELECT 1 FROM matches m JOIN files f ON f.id = m.file_id"
        " JOIN tags t ON t.file_id = m.file_id"
        " WHERE m.release_mbid = trk.release_mbid AND +m.status = 'matched'"
        " AND m.track_mbid {} AND f.missing = 0"
        " AND coalesce(nullif(t.discnumber, 0), 1) = trk.disc_number"
        " AND t.tracknumber = trk.position"
    )
    untracked_empty = by_position.format("= ''")
    return [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT trk.release_mbid FROM json_each(?) j"
            " JOIN mb_tracks trk ON trk.release_mbid = j.value"
            " WHERE EXISTS (SELECT 1 FROM matches WHERE release_mbid = trk.release_mbid"
            "   AND +status = 'matched')"
            f" AND NOT EXISTS ({present})"
            f" AND NOT EXISTS ({by_position.format('IS NULL')})"
            f" AND NOT EXISTS ({untracked_empty})",
            (_json_list(c for c in candidates if c),),
        )
    ]


def rows_of_groups(
    conn: sqlite3.Connection, groups: Iterable[tuple[str | None, str]]
) -> Iterator[AlbumTrackRow]:
    """The row of every file tagged with one of these (album artist, album), in one query."""
    sql = (
        f"SELECT {_ROW_COLUMNS} FROM json_each(?) j"
        " JOIN tags t ON t.albumartist IS json_extract(j.value, '$[0]')"
        " AND t.album = json_extract(j.value, '$[1]')"
        " JOIN files f ON f.id = t.file_id LEFT JOIN matches m ON m.file_id = f.id"
    )
    pairs = json.dumps([list(group) for group in groups])
    return map(AlbumTrackRow._make, conn.execute(sql, (pairs,)))


def _falsy(column: str) -> str:
    """SQL for Python's ``not value`` of a tag's value (NULL, 0, 0.0 or '')."""
    return f"({column} IS NULL OR {column} = 0 OR {column} = '')"


def disc_facts(conn: sqlite3.Connection, groups: Iterable[tuple[str, str]]) -> Iterator[tuple]:
    """What the report says of an album, summed up by SQLite per (album artist,
    album, disc number) of the files tagged with these (album artist, album), so that
    no file's row comes to Python: ``(albumartist, album, discnumber, totaldiscs,
    totaltracks, numbers, files, unnumbered, first, path, releases)``: the largest
    ``totaldiscs or 0``, the largest true ``totaltracks`` (or ``NULL``), a JSON list
    of the ``tracknumber or 0`` of the files on disk (repeats kept); how many files
    are on disk and how many of those have no track number; the smallest path (its
    bytes, a NUL and its file's id, to compare) and its text; a JSON list of the
    releases the files are matched to."""
    on_disk = "f.missing = 0"
    sums = (
        "SELECT t.albumartist AS a, t.album AS b, t.discnumber AS disc,"
        f" max(CASE WHEN {_falsy('t.totaldiscs')} THEN 0 ELSE t.totaldiscs END) AS discs,"
        f" max(CASE WHEN {_falsy('t.totaltracks')} THEN NULL ELSE t.totaltracks END) AS total,"
        f" json_group_array(CASE WHEN {_falsy('t.tracknumber')} THEN 0"
        f"   ELSE t.tracknumber END) FILTER (WHERE {on_disk}) AS numbers,"
        f" count(*) FILTER (WHERE {on_disk}) AS files,"
        f" count(*) FILTER (WHERE {on_disk} AND {_falsy('t.tracknumber')}) AS unnumbered,"
        # The smallest path's bytes, a NUL (no path has one: the order is the
        # paths') and its file's id (a bare f.path would not come from that row:
        # the query has more than one min or max).
        " min(CAST(f.path_bytes || x'00' || f.id AS BLOB)) AS first,"
        " json_group_array(DISTINCT m.release_mbid) FILTER (WHERE m.status = 'matched'"
        "   AND m.release_mbid IS NOT NULL AND m.release_mbid != '') AS releases"
        " FROM json_each(?) j"
        " JOIN tags t ON t.albumartist IS json_extract(j.value, '$[0]')"
        " AND t.album = json_extract(j.value, '$[1]')"
        " JOIN files f ON f.id = t.file_id LEFT JOIN matches m ON m.file_id = f.id"
        " GROUP BY t.albumartist, t.album, t.discnumber"
    )
    # The first file's path text, by its id (after the NUL; a path has none), in the
    # same statement: the same snapshot as the sums.
    sql = (
        "SELECT a, b, disc, discs, total, numbers, files, unnumbered, first,"
        " (SELECT path FROM files WHERE id = CAST(substr(first, instr(first, x'00') + 1)"
        f" AS INTEGER)), releases FROM ({sums})"
    )
    pairs = json.dumps([list(group) for group in groups])
    return iter(conn.execute(sql, (pairs,)))


def files_of_releases(conn: sqlite3.Connection, release_mbids: Iterable[str]) -> list[int]:
    """The ids of the files matched to these releases (off ``matches`` alone)."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT m.file_id FROM json_each(?) j JOIN matches m ON m.release_mbid = j.value"
            " AND +m.status = 'matched'",
            (_json_list(release_mbids),),
        )
    ]


def rows_of_files(conn: sqlite3.Connection, file_ids: Iterable[int]) -> Iterator[AlbumTrackRow]:
    """The rows of these files (those with a tags row), in path order."""
    sql = (
        f"SELECT {_ROW_COLUMNS} FROM json_each(?) j"
        " JOIN files f ON f.id = j.value JOIN tags t ON t.file_id = f.id"
        " LEFT JOIN matches m ON m.file_id = f.id ORDER BY f.path_bytes"
    )
    return map(AlbumTrackRow._make, conn.execute(sql, (_json_list(file_ids),)))


def rows_of_releases(
    conn: sqlite3.Connection, release_mbids: Iterable[str]
) -> Iterator[AlbumTrackRow]:
    """The row of every file matched to one of these releases, in path order."""
    sql = (
        f"SELECT {_ROW_COLUMNS} FROM json_each(?) j"
        " JOIN matches m ON m.release_mbid = j.value AND +m.status = 'matched'"
        " JOIN files f ON f.id = m.file_id JOIN tags t ON t.file_id = m.file_id"
        " ORDER BY f.path_bytes"
    )
    return map(AlbumTrackRow._make, conn.execute(sql, (_json_list(release_mbids),)))


class ReleaseTrack(NamedTuple):
    """One track of a stored release tracklist (a tuple: tens of thousands per report)."""

    release_mbid: str
    track_mbid: str
    disc: int
    position: int
    number: str | None
    title: str | None
    length: float | None


def release_tracks(conn: sqlite3.Connection, release_mbids: Iterable[str]) -> list[ReleaseTrack]:
    """The stored tracklists of these releases (empty for releases never fetched)."""
    rows = conn.execute(
        "SELECT release_mbid, mbid, disc_number, position, number, title, length FROM mb_tracks"
        " WHERE release_mbid IN (SELECT value FROM json_each(?))"
        " ORDER BY release_mbid, disc_number, position",
        (_json_list(release_mbids),),
    ).fetchall()
    return list(map(ReleaseTrack._make, rows))


def release_titles(conn: sqlite3.Connection, release_mbids: Iterable[str]) -> dict[str, tuple]:
    """mbid -> (title, artist_credit) for the releases stored."""
    rows = conn.execute(
        "SELECT mbid, title, artist_credit FROM mb_releases"
        " WHERE mbid IN (SELECT value FROM json_each(?))",
        (_json_list(release_mbids),),
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _json_list(values: Iterable[Any]) -> str:
    return json.dumps(sorted(set(values)))
