"""Whole-catalog figures of ``archiver stats`` kept up to date by triggers
(migration 0019, issue 17): reading them costs a few small tables instead of
several passes over every track (17-22 s at a million tracks).

How they stay right, whatever writes the rows (the scanner's upserts, moves,
``INSERT OR REPLACE`` of analyses and matches, direct inserts, deletes with or
without cascades): every write that can change a track's part appends its file
id to ``stats_dirty`` (one cheap insert per row, by triggers); ``settle`` then
takes the part recorded in ``stats_snapshot`` of those tracks out of the sums and
adds their part as ``stats_track`` (the view holding the plain SQL per track)
gives it now, a few set-wise statements. ``Catalog.write()`` settles before
each commit, so writers pay for what they changed, set-wise; what was written
otherwise (direct inserts, ``sqlite3`` by hand) is settled by the next reader
that can write, and a reader that cannot reads the plain SQL instead. Per-row
triggers doing the whole update were measured first: they made building a
synthetic catalog 1.5-2x slower. ``tests/catalog/test_stats_summary.py``
compares the figures with the plain SQL on random catalogs mutated in every way.

The migration's SQL is generated here (``python -m archiver.catalog.stats_summary``
prints it); a test keeps the committed file equal to it.
"""

from __future__ import annotations

import functools
import sqlite3

from archiver.catalog.analysis import current_sql
from archiver.catalog.cover_sql import FOLDER_OF_F, cover_position
from archiver.catalog.db import settle_notes
from archiver.catalog.stats import COMPLETENESS_FIELDS, COMPLETENESS_TAGS

__all__ = [
    "FLAG_COLUMNS",
    "KEY_COLUMNS",
    "cover_figures",
    "distinct_counts",
    "groups",
    "migration_sql",
    "settle",
    "settle_statements",
]

# The bucket a track's sums go to: what ``collect_stats`` groups by.
KEY_COLUMNS = ("format", "codec", "status", "state", "decode", "quality", "failed")

# Counts kept per bucket, each of a condition on the track; in collect_stats' order.
_FLAGS: dict[str, str] = {
    "lossless": "f.lossless = 1",
    "lossless_unknown": "f.lossless IS NULL",
    "missing": "f.missing = 1",
    "read_errors": "f.read_error IS NOT NULL",
    "checksummed": "f.sha256 IS NOT NULL",
    "never_verified": "f.last_verified_at IS NULL",
    **{f"has_{name}": sql for name, sql in COMPLETENESS_FIELDS.items()},
    "has_embedded_cover": "pc.file_id IS NOT NULL",
}
FLAG_COLUMNS = tuple(_FLAGS)

# Columns of files, tags, matches, analysis and pictures a track's part depends on:
# an UPDATE that changes none of them refreshes nothing.
_FILES_COLUMNS = (
    "id",
    "path",
    "format",
    "codec",
    "duration",
    "size",
    "mtime_ns",
    "lossless",
    "missing",
    "read_error",
    "sha256",
    "hashed_size",
    "hashed_mtime_ns",
    "last_verified_at",
)
_TAGS_COLUMNS = ("file_id", *COMPLETENESS_TAGS)
_MATCHES_COLUMNS = ("file_id", "status", "recording_mbid")
_ANALYSIS_COLUMNS = ("file_id", "size", "mtime_ns", "sha256", "decode", "quality", "error")
_PICTURES_COLUMNS = ("file_id", "position", "picture_type", "sha256", "width", "height")
_COVER_TYPE = "({0}.picture_type IS NULL OR {0}.picture_type IN ('front cover', 'other'))"


def _flags_sql() -> str:
    """Every flag of the track as one integer, bit i for FLAG_COLUMNS[i]."""
    return " + ".join(
        f"(CASE WHEN {sql} THEN {1 << i} ELSE 0 END)" for i, sql in enumerate(_FLAGS.values())
    )


def _view() -> str:
    # embedded_cover's EXISTS (stats.COMPLETENESS_FIELDS) is the same test as "the
    # file has a cover picture": pc, already joined, saves a second look-up.
    return f"""CREATE VIEW stats_track AS
SELECT f.id AS file_id,
       coalesce(f.format, 'unknown') AS format,
       coalesce(f.codec, 'unknown') AS codec,
       coalesce(m.status, 'none') AS status,
       CASE WHEN sa.file_id IS NULL THEN 'never'
            WHEN {current_sql("sa")} THEN 'current' ELSE 'outdated' END AS state,
       coalesce(sa.decode, '') AS decode,
       coalesce(sa.quality, '') AS quality,
       (sa.error IS NOT NULL AND sa.decode IS NULL) AS failed,
       CAST(round(coalesce(f.duration, 0) * 1000000000) AS INTEGER) AS duration_ns,
       f.size AS size,
       {_flags_sql()} AS flags,
       quote(t.album) || char(31) || quote(coalesce(t.albumartist, t.artist)) AS album_key,
       t.album IS NULL AS no_album,
       t.artist AS artist,
       t.albumartist AS albumartist,
       pc.sha256 AS cover_sha256,
       coalesce(min(pc.width, pc.height), -1) AS cover_px,
       {FOLDER_OF_F} AS folder
FROM files AS f JOIN tags AS t ON t.file_id = f.id
LEFT JOIN matches AS m ON m.file_id = f.id
LEFT JOIN analysis AS sa ON sa.file_id = f.id
LEFT JOIN pictures AS pc ON pc.file_id = f.id AND pc.position = {cover_position("f.id")};"""


def _tables() -> str:
    sums = ",\n    ".join(f"{name} INTEGER NOT NULL DEFAULT 0" for name in FLAG_COLUMNS)
    keys = ",\n    ".join(
        f"{name} {'INTEGER' if name == 'failed' else 'TEXT'} NOT NULL" for name in KEY_COLUMNS
    )
    return f"""-- Sums per bucket (the GROUP BY of collect_stats); decode and quality '' for NULL.
CREATE TABLE stats_buckets (
    id INTEGER PRIMARY KEY,
    {keys},
    tracks INTEGER NOT NULL DEFAULT 0,
    duration_ns INTEGER NOT NULL DEFAULT 0,   -- sum of round(duration * 1e9): exact
    size INTEGER NOT NULL DEFAULT 0,
    {sums},
    UNIQUE ({", ".join(KEY_COLUMNS)})
);
-- Tracks per album key (browse.ALBUM_KEY), track artist and album artist: the
-- distinct counts are the rows.
CREATE TABLE stats_albums (
    id INTEGER PRIMARY KEY,
    k TEXT NOT NULL UNIQUE,
    no_album INTEGER NOT NULL,
    tracks INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE stats_artists (
    id INTEGER PRIMARY KEY,
    k TEXT NOT NULL UNIQUE,
    tracks INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE stats_albumartists (
    id INTEGER PRIMARY KEY,
    k TEXT NOT NULL UNIQUE,
    tracks INTEGER NOT NULL DEFAULT 0
);
-- Per album (with an album tag): its files' covers (sha256, shorter side or -1),
-- and its files' folders (for the images beside them): covers.cover_stats.
CREATE TABLE stats_album_covers (
    id INTEGER PRIMARY KEY,
    album_id INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    px INTEGER NOT NULL,
    tracks INTEGER NOT NULL DEFAULT 0,
    UNIQUE (album_id, sha256, px)
);
CREATE TABLE stats_album_folders (
    id INTEGER PRIMARY KEY,
    album_id INTEGER NOT NULL,
    folder TEXT NOT NULL,
    tracks INTEGER NOT NULL DEFAULT 0,
    UNIQUE (album_id, folder)
);
-- What each track added to the tables above (ids into them), to take it out again.
CREATE TABLE stats_snapshot (
    file_id INTEGER PRIMARY KEY,
    bucket_id INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    album_id INTEGER NOT NULL,
    artist_id INTEGER,
    albumartist_id INTEGER,
    cover_id INTEGER,
    folder_id INTEGER
);"""


def _snapshot_values(source: str) -> str:
    """The stats_snapshot row of the stats_track row(s) in ``source`` (alias s)."""
    bucket = " AND ".join(f"b.{c} = s.{c}" for c in KEY_COLUMNS)
    album = "(SELECT id FROM stats_albums WHERE k = s.album_key)"
    return f"""SELECT s.file_id,
       (SELECT b.id FROM stats_buckets AS b WHERE {bucket}),
       s.duration_ns, s.size, s.flags, {album},
       (SELECT id FROM stats_artists WHERE k = s.artist),
       (SELECT id FROM stats_albumartists WHERE k = s.albumartist),
       CASE WHEN NOT s.no_album THEN (SELECT id FROM stats_album_covers
            WHERE album_id = {album} AND sha256 = s.cover_sha256 AND px = s.cover_px) END,
       CASE WHEN NOT s.no_album THEN (SELECT id FROM stats_album_folders
            WHERE album_id = {album} AND folder = s.folder) END
FROM {source} AS s"""


def _ensure_keys(source: str) -> list[str]:
    """Statements making the rows (at 0) the tracks in ``source`` will count in."""
    keys = ", ".join(KEY_COLUMNS)
    album = "(SELECT id FROM stats_albums WHERE k = s.album_key)"
    return [
        f"INSERT OR IGNORE INTO stats_buckets ({keys}) SELECT {keys} FROM {source};",
        f"INSERT OR IGNORE INTO stats_albums (k, no_album) SELECT album_key, no_album FROM {source};",
        f"INSERT OR IGNORE INTO stats_artists (k) SELECT artist FROM {source}"
        " WHERE artist IS NOT NULL;",
        f"INSERT OR IGNORE INTO stats_albumartists (k) SELECT albumartist FROM {source}"
        " WHERE albumartist IS NOT NULL;",
        f"INSERT OR IGNORE INTO stats_album_covers (album_id, sha256, px)"
        f" SELECT {album}, s.cover_sha256, s.cover_px FROM {source} AS s"
        " WHERE NOT s.no_album AND s.cover_sha256 IS NOT NULL;",
        f"INSERT OR IGNORE INTO stats_album_folders (album_id, folder)"
        f" SELECT {album}, s.folder FROM {source} AS s WHERE NOT s.no_album;",
    ]


_COUNTED = (
    ("stats_albums", "album_id"),
    ("stats_artists", "artist_id"),
    ("stats_albumartists", "albumartist_id"),
    ("stats_album_covers", "cover_id"),
    ("stats_album_folders", "folder_id"),
)
_DIRTY = "temp.stats_ids"


def _apply(op: str) -> list[str]:
    """Add (``+``) or take out (``-``) the snapshot rows of the dirty tracks."""
    sums = ", ".join(f"sum((flags >> {i}) & 1) AS {name}" for i, name in enumerate(FLAG_COLUMNS))
    columns = ("tracks", "duration_ns", "size", *FLAG_COLUMNS)
    assign = ", ".join(f"{c} = stats_buckets.{c} {op} g.{c}" for c in columns)
    statements = [
        f"""UPDATE stats_buckets SET {assign}
FROM (SELECT bucket_id, count(*) AS tracks, sum(duration_ns) AS duration_ns,
             sum(size) AS size, {sums}
      FROM stats_snapshot WHERE file_id IN {_DIRTY} GROUP BY bucket_id) AS g
WHERE g.bucket_id = stats_buckets.id;"""
    ]
    for table, col in _COUNTED:
        statements.append(
            f"UPDATE {table} SET tracks = {table}.tracks {op} g.n FROM (SELECT {col} AS id, count(*) AS n"
            f" FROM stats_snapshot WHERE file_id IN {_DIRTY} AND {col} IS NOT NULL"
            f" GROUP BY {col}) AS g WHERE g.id = {table}.id;"
        )
    # Rows no track counts in any more (a renamed album, ...) stay at 0 and are
    # read as absent (``tracks > 0``): deleting them cost a quarter of a settle.
    return statements


@functools.cache
def settle_statements() -> tuple[str, ...]:
    """Bring the summaries up to date for the tracks in ``stats_dirty``, set-wise
    (the working tables are TEMP: this connection's, never journalled)."""
    return (
        "CREATE TEMP TABLE IF NOT EXISTS stats_ids (file_id INTEGER PRIMARY KEY);",
        "CREATE TEMP TABLE IF NOT EXISTS stats_scratch AS SELECT * FROM main.stats_track WHERE 0;",
        "INSERT OR IGNORE INTO temp.stats_ids SELECT file_id FROM main.stats_dirty;",
        *_apply("-"),
        f"DELETE FROM stats_snapshot WHERE file_id IN {_DIRTY};",
        f"INSERT INTO temp.stats_scratch SELECT * FROM stats_track WHERE file_id IN {_DIRTY};",
        *_ensure_keys("temp.stats_scratch"),
        f"INSERT INTO stats_snapshot {_snapshot_values('temp.stats_scratch')};",
        *_apply("+"),
        "DELETE FROM temp.stats_scratch;",
        "DELETE FROM temp.stats_ids;",
        "DELETE FROM main.stats_dirty;",
    )


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)


def _mark(file_id: str) -> str:
    # A plain INSERT (duplicates allowed): an OR IGNORE in a trigger body gives way
    # to the conflict clause of the statement that fired it (the scanner's upserts).
    return f"INSERT INTO stats_dirty (file_id) VALUES ({file_id});"


def _source_triggers() -> str:
    out = []
    for table, key, columns in (
        ("files", "id", _FILES_COLUMNS),
        ("tags", "file_id", _TAGS_COLUMNS),
        ("matches", "file_id", _MATCHES_COLUMNS),
        ("analysis", "file_id", _ANALYSIS_COLUMNS),
        ("pictures", "file_id", _PICTURES_COLUMNS),
    ):
        when_insert = when_delete = ""
        update_when = f"{_changed(columns)}"
        if table == "pictures":  # only covers count: a back cover changes nothing
            when_insert = f" WHEN {_COVER_TYPE.format('new')}"
            when_delete = f" WHEN {_COVER_TYPE.format('old')}"
            update_when = (
                f"({update_when}) AND ({_COVER_TYPE.format('old')} OR {_COVER_TYPE.format('new')})"
            )
        out.append(
            f"""CREATE TRIGGER stats_{table}_insert AFTER INSERT ON {table}{when_insert} BEGIN
    {_mark(f"new.{key}")}
END;

CREATE TRIGGER stats_{table}_delete AFTER DELETE ON {table}{when_delete} BEGIN
    {_mark(f"old.{key}")}
END;

CREATE TRIGGER stats_{table}_update AFTER UPDATE OF {", ".join(columns)} ON {table}
WHEN {update_when} BEGIN
    {_mark(f"old.{key}")}
    INSERT INTO stats_dirty (file_id) SELECT new.{key} WHERE new.{key} IS NOT old.{key};
END;"""
        )
    # INSERT OR REPLACE of a file whose path is catalogued under another id deletes
    # that row without a delete trigger (recursive triggers are off): mark it first.
    # (An upsert fires this too: its row is marked, harmless.)
    out.append(
        """CREATE TRIGGER stats_files_replace BEFORE INSERT ON files BEGIN
    INSERT INTO stats_dirty (file_id) SELECT id FROM files WHERE path_bytes = new.path_bytes;
END;"""
    )
    return "\n\n".join(out)


def migration_sql() -> str:
    """The text of migration 0019: the view, the tables, their fill from the rows
    already there (every track dirty, settled), the triggers."""
    settle = "\n".join(settle_statements())
    return f"""-- 0019: the whole-catalog figures of `archiver stats`, kept up to date (issue 17).
-- GENERATED by `python -m archiver.catalog.stats_summary` (see that module for how
-- the figures stay equal to the plain SQL); edit the generator, not this file.

{_view()}

{_tables()}

-- Tracks whose part changed since the summaries were last settled.
CREATE TABLE stats_dirty (file_id INTEGER NOT NULL);

INSERT INTO stats_dirty (file_id) SELECT id FROM files;
{settle}

{_source_triggers()}
"""


def settle(conn: sqlite3.Connection) -> bool:
    """Settle the dirty tracks (in the caller's transaction if one is open). False
    when there were some and the catalog cannot be written now (read-only, locked):
    the summaries are then behind and must not be read."""
    return settle_notes(conn, "stats_dirty", settle_statements())


def groups(conn: sqlite3.Connection) -> list[tuple]:
    """The rows collect_stats' GROUP BY gives for the whole catalog: (format, codec,
    status, state, decode, quality, failed, tracks, duration in seconds, size, then
    FLAG_COLUMNS' counts)."""
    keys = ", ".join(KEY_COLUMNS)
    rows = conn.execute(
        f"SELECT {keys}, tracks, duration_ns, size, {', '.join(FLAG_COLUMNS)}"
        " FROM stats_buckets WHERE tracks > 0"
    ).fetchall()
    out = []
    for row in rows:
        fmt, codec, status, state, decode, quality, failed = row[:7]
        out.append(
            (fmt, codec, status, state, decode or None, quality or None, failed, row[7], *row[8:])
        )
    return out


def distinct_counts(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """Albums, artists and album artists of the whole catalog."""
    return tuple(
        conn.execute(f"SELECT count(*) FROM {table} WHERE tracks > 0").fetchone()[0]
        for table in ("stats_albums", "stats_artists", "stats_albumartists")
    )


def cover_figures(conn: sqlite3.Connection) -> list[tuple]:
    """Albums with an album tag, by (embedded covers: 0, 1 or 2 for more, largest
    side of their covers and folder images or None, has folder images), with
    their number: ``covers.cover_stats`` folds them. Each album's files' covers
    and folders are summed up once (GROUP BY), not looked up per album."""
    return conn.execute(
        """SELECT min(coalesce(c.n, 0), 2),
                  nullif(max(coalesce(c.px, -1), coalesce(f.px, -1)), -1),
                  f.album_id IS NOT NULL,
                  count(*)
           FROM stats_albums AS a
           LEFT JOIN (SELECT album_id, count(DISTINCT sha256) AS n,
                             max(CASE WHEN px >= 0 THEN px END) AS px
                      FROM stats_album_covers WHERE tracks > 0
                      GROUP BY album_id) AS c ON c.album_id = a.id
           LEFT JOIN (SELECT d.album_id, max(min(fi.width, fi.height)) AS px
                      FROM stats_album_folders AS d
                      JOIN folder_images AS fi ON fi.folder = d.folder
                      WHERE d.tracks > 0 GROUP BY d.album_id) AS f ON f.album_id = a.id
           WHERE NOT a.no_album AND a.tracks > 0
           GROUP BY 1, 2, 3"""
    ).fetchall()


if __name__ == "__main__":
    print(migration_sql(), end="")
