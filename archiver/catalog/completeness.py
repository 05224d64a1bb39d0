"""SQL of ``missing`` (``integrity/completeness.py`` finds the gaps): every
file's album position, and the stored MusicBrainz tracklists of matched releases.
Callers pass a ``sqlite3.Connection``.

At a million tracks, reading every file's row into Python is too slow and too
big, so ``missing`` first asks SQLite for per-disc summaries (:func:`disc_groups`,
off a covering index), the files marked missing (:func:`missing_files`) and the
matched releases with a track that has no file (:func:`releases_with_gaps`),
then reads the rows of only the albums these point at (:func:`rows_of_groups`,
:func:`rows_of_releases`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AlbumTrackRow:
    """One file's album position, for the completeness report."""

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


_ROW_COLUMNS = (
    "f.id, f.path, f.missing, t.album, t.albumartist, t.artist, t.discnumber,"
    " t.totaldiscs, t.tracknumber, t.totaltracks,"
    " CASE WHEN m.status = 'matched' THEN m.release_mbid END,"
    " CASE WHEN m.status = 'matched' THEN m.track_mbid END"
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
    return [AlbumTrackRow(*row) for row in rows]


@dataclass(frozen=True)
class DiscGroup:
    """The files of one (album artist, album, disc number) as tagged, summed up by
    SQLite; ``folder`` (the files' folder, ending in ``/``) only when the album
    artist is blank. Files marked missing count here: :func:`missing_files` finds them."""

    albumartist: str | None
    album: str
    folder: str | None
    disc: int | None
    totaltracks: int | None  # the largest on the disc
    totaldiscs: int | None  # the largest
    files: int
    distinct: int  # distinct track numbers >= 1
    low: int | None  # smallest and largest of those numbers
    high: int | None

    @property
    def tracks_complete(self) -> bool:
        """Every number 1..totaltracks has a file (a sufficient test: the
        numbers are exactly 1..high with high >= totaltracks)."""
        total = self.totaltracks or 0
        if total <= 0:
            return True
        return self.low == 1 and self.high == self.distinct and self.high >= total


_BLANK = "trim(t.albumartist, ' ' || char(9, 10, 11, 12, 13)) = ''"
_NUMBER = "CASE WHEN t.tracknumber >= 1 THEN t.tracknumber END"
_SUMS = (
    f"max(t.totaltracks), max(t.totaldiscs), count(*), count(DISTINCT {_NUMBER}),"
    f" min({_NUMBER}), max({_NUMBER})"
)


def disc_groups(conn: sqlite3.Connection) -> Iterator[DiscGroup]:
    """One summary per (album artist, album, disc number[, folder]) of the files with
    an album tag, streamed. The album artist's groups come off the covering index
    ``tags_album_disc`` in order (no sort, no join); only files with a blank album
    artist are joined to their path, grouped by folder."""
    by_artist = conn.execute(
        f"SELECT t.albumartist, t.album, NULL, t.discnumber, {_SUMS} FROM tags t"
        " WHERE t.albumartist IS NOT NULL AND t.album IS NOT NULL AND t.album != ''"
        " GROUP BY t.albumartist, t.album, t.discnumber"
    )
    by_folder = conn.execute(
        f"SELECT t.albumartist, t.album, rtrim(f.path, replace(f.path, '/', '')) AS folder,"
        f" t.discnumber, {_SUMS} FROM tags t JOIN files f ON f.id = t.file_id"
        f" WHERE (t.albumartist IS NULL OR (t.albumartist < '!' AND {_BLANK}))"
        " AND t.album IS NOT NULL AND t.album != ''"
        " GROUP BY t.albumartist, t.album, folder, t.discnumber"
    )
    for cursor in (by_artist, by_folder):
        cursor.arraysize = 1024
        for batch in iter(cursor.fetchmany, []):
            for row in batch:
                if row[2] is None and row[0] is not None and not row[0].strip(" \t\n\v\f\r"):
                    continue  # blank: the by_folder query has it
                yield DiscGroup(*row)


def missing_files(conn: sqlite3.Connection) -> Iterator[AlbumTrackRow]:
    """The files marked missing by the last scan (few: through the ``missing`` index)."""
    for row in conn.execute(f"SELECT {_ROW_COLUMNS} FROM {_ROW_FROM} WHERE f.missing = 1"):
        yield AlbumTrackRow(*row)


def releases_with_gaps(conn: sqlite3.Connection) -> list[str]:
    """Matched releases with a stored track no present file is matched to (by track id,
    or by disc and track number for matches without a track id). Each test is one
    lookup in ``matches_release`` (release, track id)."""
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
            "SELECT DISTINCT trk.release_mbid FROM mb_tracks trk"
            " WHERE trk.release_mbid IN (SELECT release_mbid FROM matches"
            "   WHERE status = 'matched' AND release_mbid IS NOT NULL AND release_mbid != '')"
            f" AND NOT EXISTS ({present})"
            f" AND NOT EXISTS ({by_position.format('IS NULL')})"
            f" AND NOT EXISTS ({untracked_empty})"
        )
    ]


def rows_of_groups(
    conn: sqlite3.Connection, groups: Iterable[tuple[str | None, str]]
) -> Iterator[tuple[bytes, AlbumTrackRow]]:
    """(path bytes, row) of every file tagged with one of these (album artist, album)."""
    sql = (
        f"SELECT f.path_bytes, {_ROW_COLUMNS} FROM {_ROW_FROM}"
        " WHERE t.albumartist IS ? AND t.album = ?"
    )
    for albumartist, album in groups:
        for row in conn.execute(sql, (albumartist, album)):
            yield bytes(row[0]), AlbumTrackRow(*row[1:])


def rows_of_releases(
    conn: sqlite3.Connection, release_mbids: Iterable[str]
) -> Iterator[tuple[bytes, AlbumTrackRow]]:
    """(path bytes, row) of every file matched to one of these releases."""
    sql = (
        f"SELECT f.path_bytes, {_ROW_COLUMNS} FROM matches m JOIN files f ON f.id = m.file_id"
        " JOIN tags t ON t.file_id = m.file_id WHERE m.release_mbid = ? AND +m.status = 'matched'"
    )
    for mbid in release_mbids:
        for row in conn.execute(sql, (mbid,)):
            yield bytes(row[0]), AlbumTrackRow(*row[1:])


@dataclass(frozen=True)
class ReleaseTrack:
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
    return [ReleaseTrack(*row) for row in rows]


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
