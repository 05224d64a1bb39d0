"""Every SQL statement about preservation: fingerprints, verify runs, moves,
duplicates and completeness. Callers pass a ``sqlite3.Connection`` (the
writer's inside ``Catalog.write()`` for writes) and get plain dataclasses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from archiver.catalog.db import storable_text, utc_now

VERIFY_STATUSES = ("ok", "changed", "modified", "missing", "unreadable")
DAMAGE_STATUSES = ("changed", "missing", "unreadable")

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


class FingerprintLike(Protocol):
    sha256: str
    audio_hash: str | None
    audio_hash_method: str | None
    size: int
    mtime_ns: int


# --- fingerprints -----------------------------------------------------------------------


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


_STORED_COLS = (
    "f.id, f.path, f.path_bytes, f.size, f.mtime_ns, f.sha256, f.audio_hash,"
    " f.audio_hash_method, f.hashed_size, f.hashed_mtime_ns"
)


def _stored(row: Sequence[Any]) -> StoredFingerprint:
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


# --- verify runs --------------------------------------------------------------------------


def verify_targets(
    conn: sqlite3.Connection,
    *,
    where: str | None = None,
    params: Sequence[Any] = (),
    from_sql: str | None = None,
    not_verified_since: str | None = None,
) -> list[StoredFingerprint]:
    """The files a verify run checks: every catalogued file (missing ones too, since the
    disk may disagree) matching ``where``. ``where`` is written against ``from_sql`` (the
    query language's ``TRACKS_FROM``, files aliased ``f``; default ``files AS f``)."""
    sql = f"SELECT {_STORED_COLS} FROM files f WHERE 1"
    bind: list[Any] = []
    if where and where.strip() != "1":
        sql += f" AND f.id IN (SELECT f.id FROM {from_sql or 'files AS f'} WHERE {where})"
        bind += list(params)
    if not_verified_since is not None:
        sql += " AND (f.last_verified_at IS NULL OR f.last_verified_at < ?)"
        bind.append(not_verified_since)
    sql += " ORDER BY f.path_bytes"
    return [_stored(r) for r in conn.execute(sql, bind).fetchall()]


def start_verify_run(conn: sqlite3.Connection, query: str | None) -> int:
    cur = conn.execute(
        "INSERT INTO verify_runs (started_at, status, query) VALUES (?, 'running', ?)",
        (utc_now(), storable_text(query)),
    )
    return int(cur.lastrowid)


@dataclass(frozen=True)
class VerifyRun:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    query: str | None
    checked: int
    ok: int
    changed: int
    modified: int
    missing: int
    unreadable: int
    seconds: float | None


def _run(row: Sequence[Any]) -> VerifyRun:
    return VerifyRun(*row)


_RUN_COLS = (
    "id, started_at, finished_at, status, query, checked, ok, changed, modified, missing,"
    " unreadable, seconds"
)


def get_verify_run(conn: sqlite3.Connection, run_id: int) -> VerifyRun | None:
    row = conn.execute(f"SELECT {_RUN_COLS} FROM verify_runs WHERE id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def last_verify_run(conn: sqlite3.Connection) -> VerifyRun | None:
    """The latest run, for `stats` and the TUI ("last verified")."""
    row = conn.execute(f"SELECT {_RUN_COLS} FROM verify_runs ORDER BY id DESC LIMIT 1").fetchone()
    return _run(row) if row else None


def resumable_verify_run(conn: sqlite3.Connection, query: str | None) -> VerifyRun | None:
    """The latest run if it was interrupted (or failed) with the same query. A run still
    'running' here is live (stale ones were marked interrupted first): never taken over."""
    row = conn.execute(
        f"SELECT {_RUN_COLS} FROM verify_runs WHERE status != 'running' ORDER BY id DESC LIMIT 1",
    ).fetchone()
    if row is None:
        return None
    run = _run(row)
    if run.status in ("interrupted", "failed") and run.query == storable_text(query):
        return run
    return None


def record_findings(
    conn: sqlite3.Connection,
    run_id: int,
    findings: Iterable[tuple[int, str, str | None]],
    *,
    keep_ok: bool = False,
    at: str | None = None,
) -> None:
    """Store (file_id, status, detail) results: the file's last-verify columns always,
    a ``verify_findings`` row for every status but ok (unless ``keep_ok``), and the run's counts."""
    at = at or utc_now()
    counts = dict.fromkeys(VERIFY_STATUSES, 0)
    for file_id, status, detail in findings:
        counts[status] += 1
        conn.execute(
            "UPDATE files SET last_verified_at = ?, last_verify_status = ? WHERE id = ?",
            (at, status, file_id),
        )
        if status != "ok" or keep_ok:
            conn.execute(
                "INSERT OR REPLACE INTO verify_findings (verify_run_id, file_id, status, detail)"
                " VALUES (?, ?, ?, ?)",
                (run_id, file_id, status, detail),
            )
    conn.execute(
        "UPDATE verify_runs SET checked = checked + ?, ok = ok + ?, changed = changed + ?,"
        " modified = modified + ?, missing = missing + ?, unreadable = unreadable + ?"
        " WHERE id = ?",
        (
            sum(counts.values()),
            counts["ok"],
            counts["changed"],
            counts["modified"],
            counts["missing"],
            counts["unreadable"],
            run_id,
        ),
    )


def finish_verify_run(conn: sqlite3.Connection, run_id: int, status: str, seconds: float) -> None:
    conn.execute(
        "UPDATE verify_runs SET status = ?, finished_at = ?, seconds = coalesce(seconds, 0) + ?"
        " WHERE id = ?",
        (status, utc_now(), seconds, run_id),
    )


def reopen_verify_run(conn: sqlite3.Connection, run_id: int) -> None:
    conn.execute(
        "UPDATE verify_runs SET status = 'running', finished_at = NULL WHERE id = ?", (run_id,)
    )


@dataclass(frozen=True)
class Finding:
    file_id: int
    path: str
    path_bytes: bytes
    status: str
    detail: str | None


def run_findings(conn: sqlite3.Connection, run_id: int) -> list[Finding]:
    """The non-ok findings of a run, by path."""
    rows = conn.execute(
        "SELECT v.file_id, f.path, f.path_bytes, v.status, v.detail FROM verify_findings v"
        " JOIN files f ON f.id = v.file_id WHERE v.verify_run_id = ? ORDER BY f.path_bytes",
        (run_id,),
    ).fetchall()
    return [Finding(r[0], r[1], bytes(r[2]), r[3], r[4]) for r in rows]


@dataclass(frozen=True)
class DamagedFile:
    """A file whose last verify found it changed, missing or unreadable (the TUI's "Damaged")."""

    file_id: int
    path: str
    status: str
    detail: str | None
    last_verified_at: str
    verify_run_id: int | None


def damaged_files(conn: sqlite3.Connection) -> list[DamagedFile]:
    rows = conn.execute(
        "SELECT f.id, f.path, f.last_verify_status, v.detail, f.last_verified_at, v.verify_run_id"
        " FROM files f LEFT JOIN verify_findings v ON v.file_id = f.id AND v.verify_run_id ="
        " (SELECT max(verify_run_id) FROM verify_findings WHERE file_id = f.id)"
        f" WHERE f.last_verify_status IN {DAMAGE_STATUSES!r}"
        " ORDER BY f.path_bytes"
    ).fetchall()
    return [DamagedFile(*r) for r in rows]


# --- moves ----------------------------------------------------------------------------------


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


# --- duplicates -------------------------------------------------------------------------------

# Fields that make a copy's tags "complete"; a picture counts as one more.
TAG_FIELDS = (
    "title",
    "artist",
    "album",
    "albumartist",
    "tracknumber",
    "totaltracks",
    "discnumber",
    "date",
    "genre",
    "isrc",
    "musicbrainz_recordingid",
    "musicbrainz_albumid",
)
TAG_SCORE_MAX = len(TAG_FIELDS) + 1


@dataclass(frozen=True)
class CopyRow:
    """One file as duplicate detection sees it; ``key`` is what groups it."""

    key: str
    file_id: int
    path: str
    format: str | None
    codec: str | None
    lossless: int | None
    bitrate: int | None
    sample_rate: int | None
    bits_per_sample: int | None
    duration: float | None
    tag_score: int
    artist: str | None
    title: str | None
    album: str | None


_TAG_SCORE = (
    "("
    + " + ".join(f"(t.{name} IS NOT NULL AND t.{name} != '')" for name in TAG_FIELDS)
    + " + EXISTS (SELECT 1 FROM pictures p WHERE p.file_id = f.id))"
)
_COPY_COLS = (
    "f.id, f.path, f.format, f.codec, f.lossless, f.bitrate, f.sample_rate, f.bits_per_sample,"
    f" f.duration, {_TAG_SCORE}, t.artist, t.title, t.album"
)
_TAGS_KEY = "lower(trim(t.artist)) || char(31) || lower(trim(t.title))"

# The audio identity of no audio at all: a 0-byte file, a lone tag, an empty data chunk.
EMPTY_AUDIO_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# A present file that can be "the same audio" as another: fingerprinted, with audio data
# to compare, and readable by the scanner. Files with no audio (the empty identity) or
# that could not be read share nothing meaningful even when their hashes are equal.
_HAS_AUDIO = (
    "{f}missing = 0 AND {f}audio_hash IS NOT NULL"
    f" AND {{f}}audio_hash != '{EMPTY_AUDIO_HASH}' AND {{f}}read_error IS NULL"
)

_DUPLICATE_SQL = {
    "audio": (
        f"SELECT f.audio_hash, {_COPY_COLS} FROM files f JOIN tags t ON t.file_id = f.id"
        f" WHERE {_HAS_AUDIO.format(f='f.')} AND f.audio_hash IN (SELECT audio_hash FROM files"
        f" WHERE {_HAS_AUDIO.format(f='')} GROUP BY audio_hash HAVING count(*) > 1)"
        " ORDER BY f.audio_hash, f.id"
    ),
    "recording": (
        f"SELECT m.recording_mbid, {_COPY_COLS} FROM files f JOIN tags t ON t.file_id = f.id"
        " JOIN matches m ON m.file_id = f.id"
        " WHERE f.missing = 0 AND m.status = 'matched' AND m.recording_mbid IN ("
        " SELECT m2.recording_mbid FROM matches m2 JOIN files f2 ON f2.id = m2.file_id"
        " WHERE f2.missing = 0 AND m2.status = 'matched' AND m2.recording_mbid IS NOT NULL"
        " GROUP BY m2.recording_mbid HAVING count(*) > 1)"
        " ORDER BY m.recording_mbid, f.id"
    ),
    "tags": (
        f"SELECT {_TAGS_KEY}, {_COPY_COLS} FROM files f JOIN tags t ON t.file_id = f.id"
        " WHERE f.missing = 0 AND trim(t.artist) != '' AND trim(t.title) != ''"
        f" AND {_TAGS_KEY} IN (SELECT {_TAGS_KEY} FROM files f JOIN tags t ON t.file_id = f.id"
        " WHERE f.missing = 0 AND trim(t.artist) != '' AND trim(t.title) != ''"
        f" GROUP BY {_TAGS_KEY} HAVING count(*) > 1)"
        f" ORDER BY {_TAGS_KEY}, f.duration, f.id"
    ),
}
DUPLICATE_KINDS = tuple(_DUPLICATE_SQL)


def duplicate_rows(conn: sqlite3.Connection, by: str) -> list[CopyRow]:
    """Present files sharing their ``by`` key with another present file, ordered by key."""
    if by not in _DUPLICATE_SQL:
        raise ValueError(f"unknown duplicate kind {by!r} (use one of {', '.join(DUPLICATE_KINDS)})")
    return [CopyRow(*row) for row in conn.execute(_DUPLICATE_SQL[by]).fetchall()]


def duplicate_coverage(conn: sqlite3.Connection, by: str) -> tuple[int, int]:
    """(present files that can take part in ``by``, present files): how much of the
    library ``duplicates`` could compare (fingerprinted files for ``audio``, files
    matched to a recording for ``recording``)."""
    total = conn.execute("SELECT count(*) FROM files WHERE missing = 0").fetchone()[0]
    if by == "audio":
        sql = "SELECT count(*) FROM files WHERE missing = 0 AND audio_hash IS NOT NULL"
    elif by == "recording":
        sql = (
            "SELECT count(*) FROM files f JOIN matches m ON m.file_id = f.id WHERE f.missing = 0"
            " AND m.status = 'matched' AND m.recording_mbid IS NOT NULL"
        )
    else:
        return total, total
    return conn.execute(sql).fetchone()[0], total


# --- completeness -------------------------------------------------------------------------------


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


# --- entry points for the TUI under the names the brief gave (the logic lives in integrity/) ---


def duplicate_groups(conn: sqlite3.Connection, by: str = "audio") -> list:
    """Ranked duplicate groups: ``archiver.integrity.duplicates.find_duplicates``."""
    from archiver.integrity.duplicates import find_duplicates

    return find_duplicates(conn, by)


def incomplete_albums(conn: sqlite3.Connection) -> list:
    """Incomplete albums: ``archiver.integrity.completeness.incomplete_albums``."""
    from archiver.integrity.completeness import incomplete_albums as find

    return find(conn)
