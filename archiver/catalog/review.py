"""All SQL for reviewing matches (schema 0015): album keys, the albums that need a
decision, and the user's decisions with the state each one replaced.

A user decision is a ``source = 'user'`` row in ``album_matches`` and
``matches``; enrich never replaces such a row (see
``archiver.catalog.musicbrainz.store_*_match``). Every decision is kept in
``match_decisions`` with a snapshot of what it replaced, and every file state
goes to ``match_history`` (triggers), so nothing the user undoes is lost.
Writers expect the caller's transaction (``Catalog.write()``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from archiver.catalog.db import utc_now
from archiver.errors import UsageError

# A match below this score is "weak": `archiver review` lists it for a look.
# Automatic matches are accepted from 0.80 (search) or whatever the tagged id
# gives (tag-id); under 0.90 at least one penalty is large (a wrong track
# count, tracks whose titles or lengths differ), which is worth a human eye.
WEAK_SCORE = 0.90
KEY_PREFIX = "@"

# Albums that need a decision: automatic, and ambiguous, unmatched with
# candidates, or matched with a weak score (``a`` is album_matches).
NEEDS_REVIEW = (
    "(a.source = 'auto' AND (a.status = 'ambiguous' "
    "OR (a.status = 'unmatched' AND a.candidates NOT IN ('', '[]')) "
    f"OR (a.status = 'matched' AND a.score IS NOT NULL AND a.score < {WEAK_SCORE})))"
)

_ALBUM_COLUMNS = (
    "album_key",
    "albumartist",
    "album",
    "folder",
    "status",
    "method",
    "release_mbid",
    "score",
    "candidates",
    "error",
    "matched_at",
    "enrich_run_id",
    "source",
    "decided_at",
)
_FILE_COLUMNS = (
    "file_id",
    "status",
    "method",
    "score",
    "release_mbid",
    "track_mbid",
    "recording_mbid",
    "album_key",
    "error",
    "matched_at",
    "enrich_run_id",
    "source",
)


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


# -- keys ---------------------------------------------------------------------


def key_text(number: int) -> str:
    return f"{KEY_PREFIX}{number}"


def is_key(text: str) -> bool:
    """Whether a command-line word is meant as an album key (starts with ``@``)."""
    return text.strip().startswith(KEY_PREFIX)


def parse_key(text: str) -> int:
    """``@42`` -> 42; anything else starting with ``@`` is a usage error."""
    body = text.strip()[len(KEY_PREFIX) :]
    if not body.isascii() or not body.isdigit() or int(body) < 1:
        raise UsageError(
            f"not an album key: {text!r} (keys look like @42, as `archiver review` prints them)"
        )
    return int(body)


def album_key_for(conn: sqlite3.Connection, text: str) -> str:
    """The catalog's album key for ``@N``; an unknown key is a usage error."""
    number = parse_key(text)
    row = conn.execute(
        "SELECT n.album_key FROM album_numbers n JOIN album_matches a ON a.album_key = n.album_key "
        "WHERE n.id = ?",
        (number,),
    ).fetchone()
    if row is None:
        raise UsageError(f"unknown album key {key_text(number)} (see `archiver review --all`)")
    return row[0]


def number_for(conn: sqlite3.Connection, album_key: str) -> int | None:
    row = conn.execute("SELECT id FROM album_numbers WHERE album_key = ?", (album_key,)).fetchone()
    return row[0] if row else None


# -- reading ------------------------------------------------------------------


def albums(
    conn: sqlite3.Connection, *, everything: bool = False, keys: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Album rows (``number`` and decoded ``candidates`` added) in key order: those
    that need review, or all with ``everything``; only ``keys`` when given."""
    sql = (
        "SELECT n.id AS number, a.* FROM album_matches a "
        "JOIN album_numbers n ON n.album_key = a.album_key WHERE 1"
    )
    params: list[Any] = []
    if not everything:
        sql += f" AND {NEEDS_REVIEW}"
    if keys is not None:
        chosen = list(keys)
        if not chosen:
            return []
        sql += " AND a.album_key IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(chosen))
    rows = _rows(conn, sql + " ORDER BY n.id", params)
    for row in rows:
        row["candidates"] = json.loads(row["candidates"] or "[]")
    return rows


def album_row(conn: sqlite3.Connection, album_key: str) -> dict[str, Any] | None:
    found = albums(conn, everything=True, keys=[album_key])
    return found[0] if found else None


def album_files(conn: sqlite3.Connection, album_key: str) -> list[dict[str, Any]]:
    """The files matched as one album, with their tags, match and MusicBrainz track."""
    return _rows(
        conn,
        "SELECT f.id AS file_id, f.path, f.duration, f.missing, t.title, t.artist, "
        "t.tracknumber, t.discnumber, m.status, m.source, m.score, m.release_mbid, "
        "m.track_mbid, m.recording_mbid, k.disc_number AS mb_disc, k.position AS mb_position, "
        "k.title AS mb_title, k.length AS mb_length "
        "FROM matches m JOIN files f ON f.id = m.file_id LEFT JOIN tags t ON t.file_id = f.id "
        "LEFT JOIN mb_tracks k ON k.mbid = m.track_mbid WHERE m.album_key = ? "
        "ORDER BY coalesce(t.discnumber, 1), coalesce(t.tracknumber, 0), f.path",
        (album_key,),
    )


def release_tracks(conn: sqlite3.Connection, release_mbid: str) -> list[dict[str, Any]]:
    """A stored release's tracklist (disc, position, title, length, ids)."""
    return _rows(
        conn,
        "SELECT mbid, disc_number, position, number, title, length, recording_mbid "
        "FROM mb_tracks WHERE release_mbid = ? ORDER BY disc_number, position",
        (release_mbid,),
    )


def release_details(conn: sqlite3.Connection, release_mbid: str) -> dict[str, Any] | None:
    """What a stored release adds to a candidate: labels, catalog numbers, formats."""
    row = conn.execute(
        "SELECT title, artist_credit, date, country, track_count FROM mb_releases WHERE mbid = ?",
        (release_mbid,),
    ).fetchone()
    if row is None:
        return None
    labels = conn.execute(
        "SELECT label_name, catalog_number FROM mb_release_labels WHERE release_mbid = ? "
        "ORDER BY position",
        (release_mbid,),
    ).fetchall()
    formats = [
        r[0]
        for r in conn.execute(
            "SELECT medium_format FROM mb_tracks WHERE release_mbid = ? "
            "AND medium_format IS NOT NULL GROUP BY disc_number ORDER BY disc_number",
            (release_mbid,),
        )
    ]
    return {
        "title": row[0],
        "artist": row[1],
        "date": row[2],
        "country": row[3],
        "track_count": row[4],
        "label": "; ".join(x[0] for x in labels if x[0]) or None,
        "catalog_number": "; ".join(x[1] for x in labels if x[1]) or None,
        "format": join_formats(formats),
    }


def join_formats(formats: Sequence[str]) -> str | None:
    """``["CD", "CD"]`` -> ``"2×CD"``, ``["CD", "DVD"]`` -> ``"CD + DVD"`` (pure)."""
    if not formats:
        return None
    groups: list[tuple[str, int]] = []
    for f in formats:
        if groups and groups[-1][0] == f:
            groups[-1] = (f, groups[-1][1] + 1)
        else:
            groups.append((f, 1))
    return " + ".join(f"{n}×{f}" if n > 1 else f for f, n in groups)


def is_cached(conn: sqlite3.Connection, request: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM mb_cache WHERE request = ?", (request,)).fetchone() is not None
    )


def stored_album_keys(conn: sqlite3.Connection, file_ids: Sequence[int]) -> dict[int, str | None]:
    """file id -> the album key its match was stored under (None: never enriched)."""
    rows = conn.execute(
        "SELECT value, (SELECT album_key FROM matches WHERE file_id = value) FROM json_each(?)",
        (json.dumps(list(file_ids)),),
    )
    return {int(r[0]): r[1] for r in rows}


def review_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Albums settled by the user and albums that still need review (for stats)."""
    row = conn.execute(
        f"SELECT coalesce(sum(a.source = 'user'), 0), coalesce(sum({NEEDS_REVIEW}), 0) "
        "FROM album_matches a"
    ).fetchone()
    return {"settled_by_user": int(row[0]), "needs_review": int(row[1])}


def user_settled(conn: sqlite3.Connection, album_key: str, file_ids: Sequence[int]) -> bool:
    """Whether enrich must leave an album alone: the user decided it, or decided
    every one of its files (an album whose folder moved keeps its files' decisions)."""
    row = conn.execute(
        "SELECT source FROM album_matches WHERE album_key = ?", (album_key,)
    ).fetchone()
    if row is not None and row[0] == "user":
        return True
    if not file_ids:
        return False
    users = conn.execute(
        "SELECT count(*) FROM matches WHERE source = 'user' "
        "AND file_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(file_ids)),),
    ).fetchone()[0]
    return users == len(file_ids)


# -- writing ------------------------------------------------------------------


def snapshot(
    conn: sqlite3.Connection, album_key: str | None, file_ids: Sequence[int]
) -> dict[str, Any]:
    """The stored state a decision is about to replace (JSON-able)."""
    album = None
    if album_key is not None:
        found = _rows(
            conn,
            f"SELECT {', '.join(_ALBUM_COLUMNS)} FROM album_matches WHERE album_key = ?",
            (album_key,),
        )
        album = found[0] if found else None
    files = []
    for file_id in file_ids:
        found = _rows(
            conn, f"SELECT {', '.join(_FILE_COLUMNS)} FROM matches WHERE file_id = ?", (file_id,)
        )
        files.append({"file_id": file_id, "row": found[0] if found else None})
    return {"album": album, "files": files}


def record_decision(
    conn: sqlite3.Connection,
    *,
    action: str,
    previous: dict[str, Any],
    album_key: str | None = None,
    file_id: int | None = None,
    mbid: str | None = None,
    at: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO match_decisions (album_key, file_id, action, mbid, previous, decided_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            album_key,
            file_id,
            action,
            mbid,
            json.dumps(previous, ensure_ascii=False),
            at or utc_now(),
        ),
    )


def write_album(
    conn: sqlite3.Connection,
    *,
    album_key: str,
    albumartist: str | None,
    album: str | None,
    folder: str | None,
    status: str,
    release_mbid: str | None,
    score: float | None,
    at: str,
) -> None:
    """The user's decision on an album; its stored candidates are kept."""
    conn.execute(
        "INSERT INTO album_matches (album_key, albumartist, album, folder, status, method, "
        "release_mbid, score, candidates, error, matched_at, source, decided_at) "
        "VALUES (?, ?, ?, ?, ?, 'user', ?, ?, '[]', NULL, ?, 'user', ?) "
        "ON CONFLICT(album_key) DO UPDATE SET status = excluded.status, method = 'user', "
        "release_mbid = excluded.release_mbid, score = excluded.score, error = NULL, "
        "matched_at = excluded.matched_at, source = 'user', decided_at = excluded.decided_at",
        (
            album_key,
            albumartist,
            album,
            folder,
            status,
            release_mbid,
            None if score is None else round(score, 4),
            at,
            at,
        ),
    )


def write_file(
    conn: sqlite3.Connection,
    *,
    file_id: int,
    status: str,
    score: float | None,
    release_mbid: str | None,
    track_mbid: str | None,
    recording_mbid: str | None,
    album_key: str | None,
    at: str,
) -> None:
    """The user's decision on one file (a new match_history row by trigger)."""
    conn.execute(
        "INSERT INTO matches (file_id, status, method, score, release_mbid, track_mbid, "
        "recording_mbid, album_key, error, matched_at, enrich_run_id, source) "
        "VALUES (?, ?, 'user', ?, ?, ?, ?, ?, NULL, ?, NULL, 'user') "
        "ON CONFLICT(file_id) DO UPDATE SET status = excluded.status, method = 'user', "
        "score = excluded.score, release_mbid = excluded.release_mbid, "
        "track_mbid = excluded.track_mbid, recording_mbid = excluded.recording_mbid, "
        "album_key = excluded.album_key, error = NULL, matched_at = excluded.matched_at, "
        "enrich_run_id = NULL, source = 'user'",
        (
            file_id,
            status,
            None if score is None else round(score, 4),
            release_mbid,
            track_mbid,
            recording_mbid,
            album_key,
            at,
        ),
    )


def _restore_album(conn: sqlite3.Connection, album_key: str, row: dict[str, Any] | None) -> None:
    if row is None:
        conn.execute("DELETE FROM album_matches WHERE album_key = ?", (album_key,))
        return
    names = [c for c in _ALBUM_COLUMNS if c != "album_key"]
    conn.execute(
        f"UPDATE album_matches SET {', '.join(f'{c} = ?' for c in names)} WHERE album_key = ?",
        [row.get(c) for c in names] + [album_key],
    )


def _restore_file(conn: sqlite3.Connection, file_id: int, row: dict[str, Any] | None) -> None:
    if row is None:
        conn.execute("DELETE FROM matches WHERE file_id = ?", (file_id,))
        return
    names = list(_FILE_COLUMNS)
    conn.execute(
        f"INSERT OR REPLACE INTO matches ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [row.get(c) for c in names],
    )


def _decisions(conn: sqlite3.Connection, where: str, params: Sequence[Any]) -> list[dict]:
    rows = _rows(
        conn,
        f"SELECT action, previous FROM match_decisions WHERE {where} AND action != 'reset' "
        "ORDER BY id DESC",
        params,
    )
    return [{"action": r["action"], "previous": json.loads(r["previous"])} for r in rows]


def reset_album(conn: sqlite3.Connection, album_key: str, file_ids: Sequence[int]) -> bool:
    """Hand an album back to automatic matching: the album row and its files go back
    to the state enrich left before the user's decisions (none stored: removed, so
    the next enrich matches them afresh). Returns False when nothing was the user's."""
    before = snapshot(conn, album_key, file_ids)
    changed = False
    if before["album"] is not None and before["album"]["source"] == "user":
        for decision in _decisions(conn, "album_key = ? AND file_id IS NULL", (album_key,)):
            previous = decision["previous"]
            if previous["album"] is None or previous["album"]["source"] == "auto":
                _restore_album(conn, album_key, previous["album"])
                for entry in previous["files"]:
                    _restore_file(conn, entry["file_id"], entry["row"])
                changed = True
                break
        else:  # decided without a record (should not happen): forget it
            _restore_album(conn, album_key, None)
            changed = True
    for file_id in file_ids:
        row = conn.execute("SELECT source FROM matches WHERE file_id = ?", (file_id,)).fetchone()
        if row is None or row[0] != "user":
            continue
        restored = None
        for decision in _decisions(conn, "file_id = ?", (file_id,)):
            entry = decision["previous"]["files"][0]
            if entry["row"] is None or entry["row"]["source"] == "auto":
                restored = entry["row"]
                break
        if restored is None:
            # decided with its album: the album's snapshot had it
            for decision in _decisions(conn, "album_key = ? AND file_id IS NULL", (album_key,)):
                for entry in decision["previous"]["files"]:
                    if entry["file_id"] == file_id and (
                        entry["row"] is None or entry["row"]["source"] == "auto"
                    ):
                        restored = entry["row"]
                        break
                if restored is not None:
                    break
        _restore_file(conn, file_id, restored)
        changed = True
    if changed:
        record_decision(conn, action="reset", previous=before, album_key=album_key)
    return changed


def album_keys_of(conn: sqlite3.Connection, where: str, params: Sequence[Any]) -> list[str]:
    """The stored album keys of the files a compiled query selects."""
    from archiver.catalog.query import TRACKS_FROM

    return [
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT m.album_key FROM {TRACKS_FROM} WHERE ({where}) "
            "AND m.album_key IS NOT NULL",
            params,
        )
    ]


def file_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Files per stored album key (missing files left out)."""
    return dict(
        conn.execute(
            "SELECT m.album_key, count(*) FROM matches m JOIN files f ON f.id = m.file_id "
            "WHERE f.missing = 0 AND m.album_key IS NOT NULL GROUP BY m.album_key"
        ).fetchall()
    )
