"""SQL of ``missing`` (``integrity/completeness.py`` finds the gaps): every
file's album position, and the stored MusicBrainz tracklists of matched releases.
Callers pass a ``sqlite3.Connection``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
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


def album_track_rows(conn: sqlite3.Connection) -> list[AlbumTrackRow]:
    """Every file with an album tag, or matched to a MusicBrainz release."""
    rows = conn.execute(
        "SELECT f.id, f.path, f.missing, t.album, t.albumartist, t.artist, t.discnumber,"
        " t.totaldiscs, t.tracknumber, t.totaltracks,"
        " CASE WHEN m.status = 'matched' THEN m.release_mbid END,"
        " CASE WHEN m.status = 'matched' THEN m.track_mbid END"
        " FROM files f JOIN tags t ON t.file_id = f.id LEFT JOIN matches m ON m.file_id = f.id"
        " WHERE (t.album IS NOT NULL AND t.album != '')"
        " OR (m.status = 'matched' AND m.release_mbid IS NOT NULL)"
        " ORDER BY f.path_bytes"
    ).fetchall()
    return [AlbumTrackRow(*row) for row in rows]


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
