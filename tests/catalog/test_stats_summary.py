"""The whole-catalog figures of `archiver stats` kept by migration 0019 equal the
plain SQL passes (``plain_stats``, the query path) however rows got in: direct
inserts, the scanner's upserts, INSERT OR REPLACE of analyses and matches, tag
edits, moves, missing flags, file changes that make an analysis outdated,
pictures, folder images, deletes with and without cascades, uncommitted work,
and a real scan."""

from __future__ import annotations

import random
import sqlite3

import pytest

from archiver.catalog import analysis, stats_summary
from archiver.catalog.covers import album_cover_figures, cover_stats, selected_cover_figures
from archiver.catalog.db import migrations, open_catalog
from archiver.catalog.moves import merge_moved_file
from archiver.catalog.query import compile_query
from archiver.catalog.stats import collect_stats, plain_stats
from tests.conftest import add_root, add_track

WHOLE = compile_query("")

NAMES = ["ABBA", "abba", "Björk", "", None, "O'Brien", "a\x1fb"]
ALBUMS = ["Gold", "gold", "", None, "Homogenic", "NULL"]
FORMATS = ["flac", "mp3", None, "ogg"]
STATUSES = ["matched", "ambiguous", "unmatched", "error"]
TYPES = ["front cover", "back cover", "other", None, "artist"]


def assert_same(conn: sqlite3.Connection) -> None:
    """Summaries (settled) == the plain SQL, every figure, covers included."""
    fast = collect_stats(conn, WHOLE)
    slow = plain_stats(conn, WHOLE)
    # A float total summed in another order may differ in the last digit kept;
    # the summaries' exact integer nanoseconds are the truer figure.
    assert fast.pop("duration_seconds") == pytest.approx(slow.pop("duration_seconds"), abs=2e-3)
    assert fast == slow

    def by_kind(rows: list[tuple]) -> dict:
        return {(covers, px, bool(folder)): n for covers, px, folder, n in rows}

    assert by_kind(stats_summary.cover_figures(conn)) == by_kind(album_cover_figures(conn, WHOLE))
    # a query's covers: one pass of SQL, as every album's rows read one by one give them
    for text in ("", "genre:rock", "album:gold", "missing:yes"):
        query = compile_query(text)
        assert by_kind(selected_cover_figures(conn, query)) == by_kind(
            album_cover_figures(conn, query)
        ), text
    assert conn.execute("SELECT count(*) FROM stats_dirty").fetchone()[0] == 0


def _picture(conn, rng, file_id: int, position: int) -> None:
    sha = rng.choice(["s1", "s2", "s3"])
    width = {"s1": 300, "s2": 1200, "s3": None}[sha]  # one image, one size
    conn.execute(
        "INSERT INTO pictures (file_id, position, picture_type, mime, width, height, size, sha256)"
        " VALUES (?, ?, ?, 'image/jpeg', ?, ?, 10, ?)"
        " ON CONFLICT(file_id, position) DO UPDATE SET picture_type = excluded.picture_type,"
        " width = excluded.width, height = excluded.height, sha256 = excluded.sha256",
        (file_id, position, rng.choice(TYPES), width, width, sha),
    )


def _track(conn, rng, i: int) -> int:
    folder = rng.choice(["a", "b", "c/d"])
    return add_track(
        conn,
        f"/m/{folder}/{i}.flac",
        artist=rng.choice(NAMES),
        albumartist=rng.choice(NAMES),
        album=rng.choice(ALBUMS),
        title=rng.choice(["t", "", None]),
        genre=rng.choice(["Rock", "", None]),
        tracknumber=rng.choice([1, 2, None]),
        isrc=rng.choice(["X", None]),
        musicbrainz_trackid=rng.choice(["id", "", None]),
        format=rng.choice(FORMATS),
        codec=rng.choice(FORMATS),
        duration=rng.choice([None, 100.5, 200.123456789, 0.1]),
        size=rng.choice([1000, 2000]),
        lossless=rng.choice([0, 1, None]),
        missing=rng.choice([0, 0, 1]),
        read_error=rng.choice([None, None, "bad"]),
    )


def _mutate(conn, rng, ids: list[int], counter: list[int]) -> None:
    file_id = rng.choice(ids)
    action = rng.randrange(21)
    if action == 0:  # tag edits
        column = rng.choice(["artist", "albumartist", "album"])
        pool = ALBUMS if column == "album" else NAMES
        conn.execute(f"UPDATE tags SET {column} = ? WHERE file_id = ?", (rng.choice(pool), file_id))
    elif action == 1:
        column = rng.choice(["title", "genre", "isrc", "date", "musicbrainz_albumid"])
        conn.execute(
            f"UPDATE tags SET {column} = ? WHERE file_id = ?",
            (rng.choice(["x", "", None]), file_id),
        )
    elif action == 2:  # missing flags, as the scanner sets and clears them
        conn.execute("UPDATE files SET missing = 1 - missing WHERE id = ?", (file_id,))
    elif action == 3:  # the file changed on disk: an analysis becomes outdated
        conn.execute(
            "UPDATE files SET size = size + 1, mtime_ns = mtime_ns + 1 WHERE id = ?", (file_id,)
        )
    elif action == 4:  # a checksum (and one the analysis disagrees with)
        conn.execute(
            "UPDATE files SET sha256 = ?, hashed_size = size, hashed_mtime_ns = mtime_ns,"
            " last_verified_at = ? WHERE id = ?",
            (rng.choice(["h1", "h2"]), rng.choice([None, "2026-01-01"]), file_id),
        )
    elif action == 5:  # analyze: INSERT OR REPLACE (no delete trigger fires)
        row = conn.execute("SELECT size, mtime_ns FROM files WHERE id = ?", (file_id,)).fetchone()
        if row:
            analysis.store(
                conn,
                file_id,
                {
                    "size": row[0],
                    "mtime_ns": row[1] if rng.random() < 0.8 else 5,
                    "sha256": rng.choice([None, "h1", "h2"]),
                    "decode": rng.choice(["ok", "error", "unsupported", None]),
                    "quality": rng.choice(["lossless", "transcode", None]),
                    "error": rng.choice([None, "boom"]),
                    "analyzer_version": 1,
                },
            )
    elif action == 6:
        conn.execute("DELETE FROM analysis WHERE file_id = ?", (file_id,))
    elif action == 7:  # enrich: an upsert; review: INSERT OR REPLACE
        status = rng.choice(STATUSES)
        recording = rng.choice([None, "rec"])
        if rng.random() < 0.5:
            conn.execute(
                "INSERT INTO matches (file_id, status, recording_mbid, matched_at) VALUES (?, ?, ?, 't')"
                " ON CONFLICT(file_id) DO UPDATE SET status = excluded.status,"
                " recording_mbid = excluded.recording_mbid",
                (file_id, status, recording),
            )
        else:
            conn.execute(
                "INSERT OR REPLACE INTO matches (file_id, status, recording_mbid, matched_at)"
                " VALUES (?, ?, ?, 't')",
                (file_id, status, recording),
            )
    elif action == 8:
        conn.execute("DELETE FROM matches WHERE file_id = ?", (file_id,))
    elif action == 9:  # pictures, as the scanner writes them (upserts)
        _picture(conn, rng, file_id, rng.randrange(3))
    elif action == 10:
        conn.execute("DELETE FROM pictures WHERE file_id = ?", (file_id,))
    elif action == 11:
        conn.execute(
            "UPDATE pictures SET picture_type = ? WHERE file_id = ?", (rng.choice(TYPES), file_id)
        )
    elif action == 12:  # a folder image beside the files (no trigger needed: read live)
        folder = rng.choice(["/m/a/", "/m/b/", "/m/c/d/"])
        n = counter[0] = counter[0] + 1
        conn.execute(
            "INSERT INTO folder_images (folder, path, path_bytes, name, width, height, size,"
            " mtime_ns, sha256, seen_at) VALUES (?, ?, ?, 'cover', ?, ?, 1, 1, 'f', 't')",
            (folder, f"{folder}cover{n}.jpg", f"{folder}cover{n}.jpg".encode(), 700, 800),
        )
    elif action == 13:  # a file deleted: tags, pictures, matches, analysis cascade
        conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
        ids.remove(file_id)
    elif action == 14 and file_id != max(ids):
        # deleted with foreign keys off (as the scanner's batches run): its tags stay,
        # orphans (not the newest file: its id would be given again)
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
        conn.execute("PRAGMA foreign_keys = ON")
        ids.remove(file_id)
    elif action == 15:  # tags alone deleted, then written again by the scanner's upsert
        conn.execute("DELETE FROM tags WHERE file_id = ?", (file_id,))
        if rng.random() < 0.7:
            conn.execute(
                "INSERT INTO tags (file_id, album, artist, raw) VALUES (?, ?, ?, '{}')"
                " ON CONFLICT(file_id) DO UPDATE SET album = excluded.album",
                (file_id, rng.choice(ALBUMS), rng.choice(NAMES)),
            )
    elif action == 16:  # a move, as archiver/catalog/moves.py merges it
        other = rng.choice(ids)
        if other != file_id:
            merge_moved_file(conn, file_id, other, None)
            ids.remove(other)
    elif action == 17:  # a new track
        counter[0] += 1
        ids.append(_track(conn, rng, 10_000 + counter[0]))
    elif action == 18:  # a file moved to another folder (its path changes)
        conn.execute(
            "UPDATE files SET path = ?, format = ? WHERE id = ?",
            (f"/m/e/{file_id}.flac", rng.choice(FORMATS), file_id),
        )
    elif action == 19 and file_id != max(ids):
        # a path replaced under a new id by a connection without foreign keys and
        # recursive triggers (sqlite-utils turns the latter on for archiver's own): the
        # old row goes without its delete triggers
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA recursive_triggers = OFF")
        path = conn.execute("SELECT path_bytes FROM files WHERE id = ?", (file_id,)).fetchone()[0]
        cur = conn.execute(
            "INSERT OR REPLACE INTO files (path, path_bytes, size, mtime_ns, mtime,"
            " first_seen_at, last_seen_at) VALUES ('p', ?, 5, 5, 't', 't', 't')",
            (path,),
        )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA recursive_triggers = ON")
        ids.remove(file_id)
        ids.append(cur.lastrowid)
        conn.execute("INSERT INTO tags (file_id, raw) VALUES (?, '{}')", (cur.lastrowid,))
    else:  # the duration, as a rescan reads it
        conn.execute(
            "UPDATE files SET duration = ? WHERE id = ?", (rng.choice([None, 3.5, 1e-9]), file_id)
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_equal_the_plain_sql_through_every_kind_of_write(tmp_path, seed) -> None:
    rng = random.Random(seed)
    catalog = open_catalog(tmp_path / "c.db")
    conn = catalog.conn
    add_root(conn, "/m", 1)
    ids = [_track(conn, rng, i) for i in range(60)]
    for file_id in rng.sample(ids, 20):
        _picture(conn, rng, file_id, 0)
    assert_same(conn)  # settled inside the open transaction by the reader
    counter = [0]
    for step in range(400):
        _mutate(conn, rng, ids, counter)
        if step % 7 == 0:
            assert_same(conn)
        if step % 50 == 0:
            conn.commit()
    assert_same(conn)
    conn.commit()
    catalog.close()


def test_writers_settle_before_commit(tmp_path) -> None:
    """Catalog.write() brings the summaries up to date in the writer's transaction."""
    catalog = open_catalog(tmp_path / "c.db")
    add_root(catalog.conn, "/m", 1)
    catalog.conn.commit()
    with catalog.write() as conn:
        add_track(conn, "/m/a.flac", album="A", artist="X", format="flac")
        add_track(conn, "/m/b.flac", album="B", artist="X", format="mp3")
    assert catalog.conn.execute("SELECT count(*) FROM stats_dirty").fetchone()[0] == 0
    assert stats_summary.distinct_counts(catalog.conn) == (2, 1, 0)
    with catalog.write() as conn:
        conn.execute("UPDATE tags SET album = 'A'")
    assert stats_summary.distinct_counts(catalog.conn) == (1, 1, 0)
    assert_same(catalog.conn)
    catalog.close()


def test_a_reader_that_cannot_write_reads_the_plain_sql(tmp_path) -> None:
    db = tmp_path / "c.db"
    catalog = open_catalog(db)
    add_root(catalog.conn, "/m", 1)
    add_track(catalog.conn, "/m/a.flac", album="A", artist="X")
    catalog.conn.commit()
    # left dirty, as a direct insert by another program leaves it
    catalog.conn.execute("INSERT INTO stats_dirty (file_id) SELECT id FROM files")
    catalog.conn.execute("UPDATE stats_buckets SET tracks = 99")
    catalog.conn.commit()
    catalog.close()
    reader = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    figures = collect_stats(reader, WHOLE)
    assert figures["tracks"] == 1
    assert cover_stats(reader, WHOLE)["albums"] == 1
    reader.close()


def test_a_real_scan_rescan_and_move(tmp_path) -> None:
    from archiver.scan import scan
    from tests.audiogen import make_file

    root = tmp_path / "music"
    a = make_file(root / "x" / "a.flac", "flac", {"artist": "One", "album": "Al"})
    make_file(root / "x" / "b.mp3", "mp3", {"artist": "Two", "album": "Al", "albumartist": "V"})
    make_file(root / "c.ogg", "ogg", {"artist": "Two"})
    db = tmp_path / "c.db"
    scan(db, [root], jobs=1)
    with open_catalog(db) as catalog:
        assert_same(catalog.conn)
        assert collect_stats(catalog.conn, WHOLE)["tracks"] == 3
    a.rename(root / "a-moved.flac")  # a move
    scan(db, [root], jobs=1)
    with open_catalog(db) as catalog:
        assert_same(catalog.conn)
    (root / "a-moved.flac").unlink()  # marked missing
    scan(db, [root], jobs=1)
    with open_catalog(db) as catalog:
        assert_same(catalog.conn)
        assert collect_stats(catalog.conn, WHOLE)["missing_files"] == 1


def test_migration_fills_the_summaries_from_rows_already_there(tmp_path) -> None:
    """A catalog at 0018 (the synthetic catalogs, every catalog before this version)."""
    db = tmp_path / "c.db"
    conn = sqlite3.connect(db, isolation_level=None)
    from archiver.catalog.db import _split_sql, register_functions

    register_functions(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    for version, _, sql in migrations():
        if version <= 18:
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
    rng = random.Random(5)
    add_root(conn, "/m", 1)
    ids = [_track(conn, rng, i) for i in range(80)]
    for file_id in rng.sample(ids, 30):
        _picture(conn, rng, file_id, rng.randrange(2))
    conn.close()
    with open_catalog(db) as catalog:
        assert catalog.conn.execute("PRAGMA user_version").fetchone()[0] >= 19
        assert_same(catalog.conn)


def test_the_migration_file_is_what_the_generator_writes() -> None:
    (text,) = [sql for version, _, sql in migrations() if version == 19]
    assert text == stats_summary.migration_sql()
