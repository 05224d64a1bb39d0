"""All SQL for the MusicBrainz tables (schema 0003): cache, runs, entities,
matches, and the read helpers the TUI and export use.

Writers take a connection that is inside a transaction when the caller wants
atomicity (enrich commits once per album); the cache functions are written to
work in autocommit mode so a response is kept the moment it arrives.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from archiver.catalog.db import utc_now

if TYPE_CHECKING:  # pragma: no cover
    from archiver.musicbrainz.parse import Recording, Release

# -- cache --------------------------------------------------------------------


def cache_get(conn: sqlite3.Connection, request: str) -> tuple[int, str | None] | None:
    row = conn.execute("SELECT status, body FROM mb_cache WHERE request = ?", (request,)).fetchone()
    return (row[0], row[1]) if row else None


def cache_put(conn: sqlite3.Connection, request: str, status: int, body: str | None) -> None:
    conn.execute(
        "INSERT INTO mb_cache (request, status, body, fetched_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(request) DO UPDATE SET status = excluded.status, body = excluded.body, "
        "fetched_at = excluded.fetched_at",
        (request, status, body, utc_now()),
    )


# -- runs ---------------------------------------------------------------------


def start_run(conn: sqlite3.Connection, query: str | None) -> int:
    from archiver.catalog.db import storable_text

    cur = conn.execute(
        "INSERT INTO enrich_runs (started_at, status, query) VALUES (?, 'running', ?)",
        (utc_now(), storable_text(query)),
    )
    return int(cur.lastrowid)


def finish_run(conn: sqlite3.Connection, run_id: int, status: str, stats: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE enrich_runs SET finished_at = ?, status = ?, albums = ?, matched = ?, ambiguous = ?, "
        "unmatched = ?, errors = ?, requests = ?, cache_hits = ?, seconds = ? WHERE id = ?",
        (
            utc_now(),
            status,
            stats.get("albums", 0),
            stats.get("matched", 0),
            stats.get("ambiguous", 0),
            stats.get("unmatched", 0),
            stats.get("errors", 0),
            stats.get("requests", 0),
            stats.get("cache_hits", 0),
            stats.get("seconds"),
            run_id,
        ),
    )


# -- files to enrich ----------------------------------------------------------

FILE_COLUMNS = (
    "files.id AS file_id, files.path AS path, files.duration AS duration, "
    "tags.title, tags.artist, tags.album, tags.albumartist, tags.tracknumber, tags.totaltracks, "
    "tags.discnumber, tags.totaldiscs, tags.date, tags.isrc, tags.musicbrainz_albumid, "
    "tags.musicbrainz_recordingid, tags.musicbrainz_trackid, "
    # edition clues (archiver.musicbrainz.match.edition_penalties)
    "tags.originaldate, tags.label, tags.catalognumber, tags.barcode, tags.compilation, "
    "tags.musicbrainz_releasegroupid, tags.raw, files.bits_per_sample, files.sample_rate"
)


def files_to_enrich(
    conn: sqlite3.Connection, where: str | None = None, params: Sequence[Any] | dict = ()
) -> list[dict[str, Any]]:
    """Present, readable files with their tags, optionally filtered by a
    compiled query (``CompiledQuery.where`` over ``query.TRACKS_FROM``)."""
    cur = conn.execute(
        f"SELECT {FILE_COLUMNS} FROM files JOIN tags ON tags.file_id = files.id"
        f" WHERE {_enrich_where(where)} ORDER BY files.path",
        params,
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


# os.path.dirname of an absolute path (``folder()``: see db.register_functions).
FOLDER = "coalesce(nullif(folder(files.path), ''), '/')"


def _enrich_where(where: str | None) -> str:
    from archiver.catalog.query import TRACKS_FROM

    sql = "files.missing = 0 AND files.read_error IS NULL"
    if where:
        sql += f" AND files.id IN (SELECT f.id FROM {TRACKS_FROM} WHERE {where})"
    return sql


def album_names_by_folder(
    conn: sqlite3.Connection, where: str | None = None, params: Sequence[Any] | dict = ()
) -> sqlite3.Cursor:
    """``(file_id, folder, albumartist, album)`` of the files :func:`files_to_enrich`
    returns, by folder then path: what grouping them into albums needs, a folder at a
    time (SQLite's sorter spills to disk: flat memory at a million files)."""
    return conn.execute(
        f"SELECT files.id, {FOLDER}, tags.albumartist, tags.album"
        f" FROM files JOIN tags ON tags.file_id = files.id WHERE {_enrich_where(where)}"
        f" ORDER BY {FOLDER}, files.path",
        params,
    )


def album_names_by_path(
    conn: sqlite3.Connection, where: str | None = None, params: Sequence[Any] | dict = ()
) -> sqlite3.Cursor:
    """``(file_id, album)`` of the same files, by path."""
    return conn.execute(
        "SELECT files.id, tags.album FROM files JOIN tags ON tags.file_id = files.id"
        f" WHERE {_enrich_where(where)} ORDER BY files.path",
        params,
    )


def files_by_id(conn: sqlite3.Connection, file_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The rows of :func:`files_to_enrich` for these files, in this order (those
    gone from the catalog meanwhile are left out)."""
    cur = conn.execute(
        f"SELECT {FILE_COLUMNS} FROM json_each(?) j JOIN files ON files.id = j.value"
        " JOIN tags ON tags.file_id = files.id ORDER BY j.key",
        (json.dumps(list(file_ids)),),
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


# -- entities -----------------------------------------------------------------


def _upsert_artists(conn: sqlite3.Connection, artists: Iterable[Any]) -> None:
    conn.executemany(
        "INSERT INTO mb_artists (mbid, name, sort_name, disambiguation) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(mbid) DO UPDATE SET name = excluded.name, sort_name = excluded.sort_name, "
        "disambiguation = excluded.disambiguation",
        [(a.mbid, a.name, a.sort_name, a.disambiguation) for a in artists],
    )


def store_recording(
    conn: sqlite3.Connection, rec: Recording, *, replace_details: bool = True
) -> None:
    """Upsert a recording; its ISRCs and credits are replaced when this answer
    carries them (``replace_details``), so a search result never wipes credits."""
    _upsert_artists(conn, rec.artists)
    _upsert_artists(
        conn,
        [_ArtistRow(c.artist_mbid, c.artist_name) for c in rec.credits if c.artist_mbid],
    )
    conn.execute(
        "INSERT INTO mb_recordings (mbid, title, artist_credit, length, disambiguation) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(mbid) DO UPDATE SET title = excluded.title, "
        "artist_credit = coalesce(excluded.artist_credit, mb_recordings.artist_credit), "
        "length = coalesce(excluded.length, mb_recordings.length), "
        "disambiguation = excluded.disambiguation",
        (rec.mbid, rec.title, rec.artist_credit, rec.length, rec.disambiguation),
    )
    if replace_details:
        conn.execute("DELETE FROM mb_recording_isrcs WHERE recording_mbid = ?", (rec.mbid,))
        conn.execute("DELETE FROM mb_credits WHERE recording_mbid = ?", (rec.mbid,))
    conn.executemany(
        "INSERT OR IGNORE INTO mb_recording_isrcs (recording_mbid, isrc) VALUES (?, ?)",
        [(rec.mbid, isrc) for isrc in rec.isrcs],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO mb_credits (recording_mbid, role, artist_mbid, artist_name, "
        "attributes, work_mbid, work_title) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                rec.mbid,
                c.role,
                c.artist_mbid,
                c.artist_name,
                "; ".join(c.attributes),
                c.work_mbid,
                c.work_title,
            )
            for c in rec.credits
        ],
    )


class _ArtistRow:
    """A credit's artist when only its id and credited name are known."""

    def __init__(self, mbid: str, name: str) -> None:
        self.mbid, self.name, self.sort_name, self.disambiguation = mbid, name, None, None


def store_release(conn: sqlite3.Connection, rel: Release) -> None:
    """Upsert a looked-up release with its tracklist, recordings, labels and group.
    Children (tracks, labels) are replaced, never duplicated."""
    now = utc_now()
    group = rel.release_group
    if group is not None:
        conn.execute(
            "INSERT INTO mb_release_groups (mbid, title, primary_type, first_release_date) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(mbid) DO UPDATE SET title = excluded.title, "
            "primary_type = excluded.primary_type, first_release_date = excluded.first_release_date",
            (group.mbid, group.title, group.primary_type, group.first_release_date),
        )
    _upsert_artists(conn, rel.artists)
    conn.execute(
        "INSERT INTO mb_releases (mbid, title, artist_credit, date, country, status, barcode, "
        "release_group_mbid, medium_count, track_count, fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(mbid) DO UPDATE SET title = excluded.title, artist_credit = excluded.artist_credit, "
        "date = excluded.date, country = excluded.country, status = excluded.status, "
        "barcode = excluded.barcode, release_group_mbid = excluded.release_group_mbid, "
        "medium_count = excluded.medium_count, track_count = excluded.track_count, "
        "fetched_at = excluded.fetched_at",
        (
            rel.mbid,
            rel.title,
            rel.artist_credit,
            rel.date,
            rel.country,
            rel.status,
            rel.barcode,
            group.mbid if group else None,
            rel.medium_count,
            rel.track_count,
            now,
        ),
    )
    conn.execute("DELETE FROM mb_release_labels WHERE release_mbid = ?", (rel.mbid,))
    for position, label in enumerate(rel.labels, start=1):
        if label.mbid:
            conn.execute(
                "INSERT INTO mb_labels (mbid, name) VALUES (?, ?) "
                "ON CONFLICT(mbid) DO UPDATE SET name = excluded.name",
                (label.mbid, label.name or ""),
            )
        conn.execute(
            "INSERT INTO mb_release_labels (release_mbid, position, label_mbid, label_name, "
            "catalog_number) VALUES (?, ?, ?, ?, ?)",
            (rel.mbid, position, label.mbid, label.name, label.catalog_number),
        )
    for track in rel.tracks:
        store_recording(conn, track.recording)
    conn.execute("DELETE FROM mb_tracks WHERE release_mbid = ?", (rel.mbid,))
    conn.executemany(
        "INSERT OR REPLACE INTO mb_tracks (mbid, release_mbid, disc_number, medium_format, position, "
        "number, title, artist_credit, length, recording_mbid) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (
                t.mbid,
                rel.mbid,
                t.disc_number,
                t.medium_format,
                t.position,
                t.number,
                t.title,
                t.artist_credit,
                t.length,
                t.recording.mbid,
            )
            for t in rel.tracks
        ],
    )


# -- matches ------------------------------------------------------------------


def store_album_match(
    conn: sqlite3.Connection,
    *,
    album_key: str,
    albumartist: str | None,
    album: str | None,
    folder: str | None,
    status: str,
    method: str | None,
    release_mbid: str | None,
    score: float | None,
    candidates: list[dict[str, Any]],
    error: str | None,
    run_id: int | None,
) -> None:
    conn.execute(
        "INSERT INTO album_matches (album_key, albumartist, album, folder, status, method, "
        "release_mbid, score, candidates, error, matched_at, enrich_run_id) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(album_key) DO UPDATE SET "
        "albumartist = excluded.albumartist, album = excluded.album, folder = excluded.folder, "
        "status = excluded.status, method = excluded.method, release_mbid = excluded.release_mbid, "
        "score = excluded.score, candidates = excluded.candidates, error = excluded.error, "
        "matched_at = excluded.matched_at, enrich_run_id = excluded.enrich_run_id "
        "WHERE album_matches.source = 'auto'",  # a user's decision is never replaced (0015)
        (
            album_key,
            albumartist,
            album,
            folder,
            status,
            method,
            release_mbid,
            None if score is None else round(score, 4),
            json.dumps(candidates, ensure_ascii=False),
            error,
            utc_now(),
            run_id,
        ),
    )


def store_file_match(
    conn: sqlite3.Connection,
    *,
    file_id: int,
    status: str,
    method: str | None,
    score: float | None,
    release_mbid: str | None,
    track_mbid: str | None,
    recording_mbid: str | None,
    album_key: str | None,
    error: str | None,
    run_id: int | None,
) -> bool:
    """Insert or update a file's match; an unchanged decision writes nothing,
    so match_history (filled by triggers) only grows when something changed,
    and a user's decision (``source = 'user'``) is never replaced.
    Returns True when a row was written."""
    score = None if score is None else round(score, 4)
    cur = conn.execute(
        "INSERT INTO matches (file_id, status, method, score, release_mbid, track_mbid, "
        "recording_mbid, album_key, error, matched_at, enrich_run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(file_id) DO UPDATE SET status = excluded.status, method = excluded.method, "
        "score = excluded.score, release_mbid = excluded.release_mbid, "
        "track_mbid = excluded.track_mbid, recording_mbid = excluded.recording_mbid, "
        "album_key = excluded.album_key, error = excluded.error, matched_at = excluded.matched_at, "
        "enrich_run_id = excluded.enrich_run_id "
        "WHERE matches.source = 'auto' AND (matches.status IS NOT excluded.status "
        "OR matches.method IS NOT excluded.method "
        "OR matches.score IS NOT excluded.score OR matches.release_mbid IS NOT excluded.release_mbid "
        "OR matches.track_mbid IS NOT excluded.track_mbid "
        "OR matches.recording_mbid IS NOT excluded.recording_mbid "
        "OR matches.album_key IS NOT excluded.album_key OR matches.error IS NOT excluded.error)",
        (
            file_id,
            status,
            method,
            score,
            release_mbid,
            track_mbid,
            recording_mbid,
            album_key,
            error,
            utc_now(),
            run_id,
        ),
    )
    return cur.rowcount > 0


def store_release_group(conn: sqlite3.Connection, group: Any) -> None:
    """Upsert a release group (a ``parse.ReleaseGroup``) on its own: an album
    whose edition stays open keeps its group without any release."""
    conn.execute(
        "INSERT INTO mb_release_groups (mbid, title, primary_type, first_release_date) "
        "VALUES (?, ?, ?, ?) ON CONFLICT(mbid) DO UPDATE SET title = excluded.title, "
        "primary_type = excluded.primary_type, first_release_date = excluded.first_release_date",
        (group.mbid, group.title, group.primary_type, group.first_release_date),
    )


def set_album_release_group(
    conn: sqlite3.Connection, album_key: str, release_group_mbid: str | None
) -> None:
    """The release group of an album's match (schema 0016), NULL when unknown."""
    conn.execute(
        "UPDATE album_matches SET release_group_mbid = ? WHERE album_key = ? "
        "AND release_group_mbid IS NOT ?",
        (release_group_mbid, album_key, release_group_mbid),
    )


def album_status(conn: sqlite3.Connection, album_key: str) -> str | None:
    row = conn.execute(
        "SELECT status FROM album_matches WHERE album_key = ?", (album_key,)
    ).fetchone()
    return row[0] if row else None


def note_album_error(
    conn: sqlite3.Connection, album_key: str, error: str | None, run_id: int | None
) -> None:
    """Record a failed attempt on an album without touching its earlier decision."""
    conn.execute(
        "UPDATE album_matches SET error = ?, enrich_run_id = ? "
        "WHERE album_key = ? AND source = 'auto'",
        (error, run_id, album_key),
    )


def run_errors(conn: sqlite3.Connection, run_id: int, limit: int = 10) -> list[tuple[str, str]]:
    """(album or folder, error) for the albums that failed in a run."""
    rows = conn.execute(
        "SELECT coalesce(album, folder), error FROM album_matches "
        "WHERE error IS NOT NULL AND enrich_run_id = ? ORDER BY album_key LIMIT ?",
        (run_id, limit),
    )
    return [(r[0] or "?", r[1] or "") for r in rows]


def run_failures(conn: sqlite3.Connection, run_id: int, limit: int = 1000) -> list[dict[str, Any]]:
    """The albums that failed in a run, for ``enrich --json``: ``albumartist``, ``album``,
    ``folder`` and ``error`` (one line), in album order."""
    rows = conn.execute(
        "SELECT albumartist, album, folder, error FROM album_matches "
        "WHERE error IS NOT NULL AND enrich_run_id = ? ORDER BY album_key LIMIT ?",
        (run_id, limit),
    )
    return [
        {
            "albumartist": r[0],
            "album": r[1],
            "folder": r[2],
            "error": " ".join((r[3] or "").split()),
        }
        for r in rows
    ]


# -- read helpers (TUI detail view, export) -----------------------------------


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def mb_data_for_file(conn: sqlite3.Connection, file_id: int) -> dict[str, Any] | None:
    """Everything MusicBrainz says about one file, or None if never enriched.

    Keys: ``match`` (status, method, score, error, matched_at), ``release``
    (title, artist_credit, date, country, barcode, release_group...),
    ``track`` (disc_number, position, number, title, length), ``recording``
    (title, artist_credit, length), ``isrcs`` [str], ``labels`` [{label_name,
    catalog_number}], ``credits`` [{role, artist_name, attributes, work_title}].
    Missing parts are None or empty lists.
    """
    match = _rows(
        conn,
        "SELECT status, method, score, release_mbid, track_mbid, recording_mbid, album_key, "
        "error, matched_at FROM matches WHERE file_id = ?",
        (file_id,),
    )
    if not match:
        return None
    m = match[0]
    release = None
    if m["release_mbid"]:
        found = _rows(
            conn,
            "SELECT r.mbid, r.title, r.artist_credit, r.date, r.country, r.status, r.barcode, "
            "r.medium_count, r.track_count, r.release_group_mbid, g.title AS release_group_title, "
            "g.primary_type AS release_group_type, g.first_release_date "
            "FROM mb_releases r LEFT JOIN mb_release_groups g ON g.mbid = r.release_group_mbid "
            "WHERE r.mbid = ?",
            (m["release_mbid"],),
        )
        release = found[0] if found else None
    track = None
    if m["track_mbid"]:
        found = _rows(
            conn,
            "SELECT mbid, disc_number, medium_format, position, number, title, artist_credit, length "
            "FROM mb_tracks WHERE mbid = ?",
            (m["track_mbid"],),
        )
        track = found[0] if found else None
    recording = None
    isrcs: list[str] = []
    credits: list[dict[str, Any]] = []
    if m["recording_mbid"]:
        found = _rows(
            conn,
            "SELECT mbid, title, artist_credit, length, disambiguation FROM mb_recordings WHERE mbid = ?",
            (m["recording_mbid"],),
        )
        recording = found[0] if found else None
        isrcs = [
            r[0]
            for r in conn.execute(
                "SELECT isrc FROM mb_recording_isrcs WHERE recording_mbid = ? ORDER BY isrc",
                (m["recording_mbid"],),
            )
        ]
        credits = _rows(
            conn,
            "SELECT role, artist_name, artist_mbid, attributes, work_title, work_mbid FROM mb_credits "
            "WHERE recording_mbid = ? ORDER BY id",
            (m["recording_mbid"],),
        )
    labels = (
        _rows(
            conn,
            "SELECT label_name, catalog_number, label_mbid FROM mb_release_labels "
            "WHERE release_mbid = ? ORDER BY position",
            (m["release_mbid"],),
        )
        if m["release_mbid"]
        else []
    )
    return {
        "match": m,
        "release": release,
        "track": track,
        "recording": recording,
        "isrcs": isrcs,
        "labels": labels,
        "credits": credits,
    }


def album_match(conn: sqlite3.Connection, album_key: str) -> dict[str, Any] | None:
    """An album's decision with its candidates decoded (for reviewing ambiguous ones)."""
    rows = _rows(conn, "SELECT * FROM album_matches WHERE album_key = ?", (album_key,))
    if not rows:
        return None
    row = rows[0]
    row["candidates"] = json.loads(row["candidates"] or "[]")
    return row


def match_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Files per match status (for stats)."""
    return dict(conn.execute("SELECT status, count(*) FROM matches GROUP BY status").fetchall())
