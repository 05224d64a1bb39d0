"""The disc sums the writer keeps (migration 0024) equal the plain GROUP BY over
``tags`` after random writes of every kind, committed through ``Catalog.write()``
or left for a reader to settle."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from archiver.catalog import completeness
from archiver.catalog.db import open_catalog, register_functions
from archiver.catalog.disc_sums import DISC_SUMS, settle
from archiver.catalog.moves import merge_moved_file

ARTISTS = ["A", "a", "B", " ", "", None, "Ø"]
ALBUMS = ["X", "x", "Y", "", None, "Z z"]
DISCS = [None, 1, 2, "2", "A", 0]
NUMBERS = [None, 1, 2, 3, 4, 0, -1, "A1", "3"]
TOTALS = [None, 0, 2, 3, 4, "x"]


def _tags(rng: random.Random) -> tuple:
    return (
        rng.choice(ARTISTS),
        rng.choice(ALBUMS),
        rng.choice(DISCS),
        rng.choice(NUMBERS),
        rng.choice(TOTALS),
        rng.choice(TOTALS),
    )


def _kept(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute(
        "SELECT albumartist, album, discnumber, totaldiscs, complete FROM disc_sums"
        " ORDER BY albumartist, album, discnumber"
    ).fetchall()


def _insert(conn: sqlite3.Connection, fid: int, rng: random.Random) -> None:
    path = f"/m/{fid}.flac"
    conn.execute(
        "INSERT INTO files (id, path, path_bytes, size, mtime_ns, mtime, first_seen_at, last_seen_at)"
        " VALUES (?, ?, ?, 1, 1, 't', 't', 't')",
        (fid, path, path.encode()),
    )
    conn.execute(
        "INSERT INTO tags (file_id, albumartist, album, discnumber, tracknumber, totaltracks,"
        " totaldiscs) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (fid, *_tags(rng)),
    )


@pytest.mark.parametrize("seed", range(5))
def test_kept_sums_equal_the_plain_query_after_random_writes(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    with open_catalog(tmp_path / "c.db") as catalog:
        conn = catalog.conn
        next_id = 1
        for step in range(300):
            ids = [r[0] for r in conn.execute("SELECT id FROM files")]
            op = rng.random()
            with catalog.write():
                if op < 0.35 or len(ids) < 2:
                    _insert(conn, next_id, rng)
                    next_id += 1
                elif op < 0.55:
                    column = rng.choice(
                        [
                            "albumartist",
                            "album",
                            "discnumber",
                            "tracknumber",
                            "totaltracks",
                            "totaldiscs",
                        ]
                    )
                    value = _tags(rng)[
                        [
                            "albumartist",
                            "album",
                            "discnumber",
                            "tracknumber",
                            "totaltracks",
                            "totaldiscs",
                        ].index(column)
                    ]
                    conn.execute(
                        f"UPDATE tags SET {column} = ? WHERE file_id = ?", (value, rng.choice(ids))
                    )
                elif op < 0.65:  # the scanner's upsert of a re-read file
                    conn.execute(
                        "INSERT INTO tags (file_id, albumartist, album, discnumber, tracknumber, totaltracks,"
                        " totaldiscs) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(file_id) DO UPDATE SET"
                        " albumartist = excluded.albumartist, album = excluded.album,"
                        " discnumber = excluded.discnumber, tracknumber = excluded.tracknumber",
                        (rng.choice(ids), *_tags(rng)),
                    )
                elif op < 0.75:
                    conn.execute("DELETE FROM files WHERE id = ?", (rng.choice(ids),))
                elif op < 0.82:
                    conn.execute("DELETE FROM tags WHERE file_id = ?", (rng.choice(ids),))
                elif op < 0.9:
                    old_id, new_id = rng.sample(ids, 2)
                    merge_moved_file(conn, old_id, new_id, None)
                else:  # a write outside Catalog.write(): notes left for a reader
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute(
                        "UPDATE tags SET tracknumber = ? WHERE file_id = ?",
                        (rng.choice(NUMBERS), rng.choice(ids)),
                    )
            if step % 25 == 24:
                assert _kept(conn) == conn.execute(DISC_SUMS).fetchall()
                assert list(completeness.disc_sums(conn)) == conn.execute(DISC_SUMS).fetchall()


def test_a_direct_write_is_settled_by_the_reader_or_read_plain(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with open_catalog(path) as catalog, catalog.write() as conn:
        _insert(conn, 1, random.Random(3))
        conn.execute("UPDATE tags SET albumartist = 'A', album = 'X', discnumber = 1, tracknumber = 1,"
                     " totaltracks = 2 WHERE file_id = 1")  # fmt: skip
    raw = sqlite3.connect(path)  # not through Catalog.write(): the triggers note, nothing settles
    register_functions(raw)
    raw.execute("UPDATE tags SET tracknumber = 2 WHERE file_id = 1")
    raw.commit()
    assert raw.execute("SELECT count(*) FROM disc_dirty").fetchone()[0] > 0
    raw.close()
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # cannot settle: reads plain
    assert list(completeness.disc_sums(reader)) == reader.execute(DISC_SUMS).fetchall()
    assert settle(reader) is False
    reader.close()
    with open_catalog(path) as catalog:
        assert list(completeness.disc_sums(catalog.conn)) == catalog.execute(DISC_SUMS).fetchall()
        assert catalog.execute("SELECT count(*) FROM disc_dirty").fetchone()[0] == 0
        (kept,) = _kept(catalog.conn)
        assert kept[:3] == ("A", "X", 1) and kept[4] == 0  # track 2 of 2 only: a gap
