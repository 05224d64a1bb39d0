"""Summaries kept by triggers (migration 0018) equal the plain SQL they stand for,
however rows get into the catalog: the scanner's upserts, moves, direct inserts,
updates and deletes, cascades."""

from __future__ import annotations

import random

import pytest

from archiver.catalog import browse
from archiver.catalog.db import open_catalog
from tests.conftest import add_root, add_track

_PLAIN = (
    "SELECT coalesce(t.albumartist, t.artist) AS k, count(*), total(f.duration)"
    " FROM files f JOIN tags t ON t.file_id = f.id WHERE f.missing = 0 GROUP BY 1"
)


def assert_counts_match(conn) -> None:
    plain = {k: (n, d) for k, n, d in conn.execute(_PLAIN)}
    kept = {
        (None if isinstance(k, int) else k): (n, d)
        for k, n, d in conn.execute("SELECT k, tracks, duration FROM albumartist_counts")
    }
    assert set(kept) == set(plain)
    for key, (n, d) in plain.items():
        assert kept[key][0] == n, key
        assert kept[key][1] == pytest.approx(d, abs=1e-6), key
    # and the TUI's first view reads exactly what the GROUP BY gives
    fast = browse.entries(conn, browse.Scope("albumartist"))
    slow = browse.entries(conn, browse.Scope("albumartist", where="1"))
    assert [(e.key, e.label, e.tracks) for e in fast] == [(e.key, e.label, e.tracks) for e in slow]


def test_counts_follow_every_kind_of_write(tmp_path) -> None:
    rng = random.Random(7)
    catalog = open_catalog(tmp_path / "c.db")
    conn = catalog.conn
    add_root(conn, "/m", 1)
    names = ["ABBA", "abba", "Björk", None, ""]
    ids = []
    for i in range(200):
        ids.append(
            add_track(
                conn,
                f"/m/{i}.flac",
                albumartist=rng.choice(names),
                artist=rng.choice(names),
                duration=rng.choice([None, 100.5, 200.25]),
                missing=rng.choice([0, 0, 0, 1]),
            )
        )
    assert_counts_match(conn)
    for _ in range(300):
        file_id = rng.choice(ids)
        action = rng.randrange(7)
        if action == 0:
            conn.execute(
                "UPDATE tags SET albumartist = ? WHERE file_id = ?", (rng.choice(names), file_id)
            )
        elif action == 1:
            conn.execute(
                "UPDATE tags SET artist = ? WHERE file_id = ?", (rng.choice(names), file_id)
            )
        elif action == 2:
            conn.execute("UPDATE files SET missing = 1 - missing WHERE id = ?", (file_id,))
        elif action == 3:
            conn.execute(
                "UPDATE files SET duration = ? WHERE id = ?", (rng.choice([None, 3.5]), file_id)
            )
        elif action == 4:  # the file goes: its tags cascade
            conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
            ids.remove(file_id)
        elif action == 5:  # tags alone deleted, then written again
            conn.execute("DELETE FROM tags WHERE file_id = ?", (file_id,))
            if conn.execute("SELECT 1 FROM files WHERE id = ?", (file_id,)).fetchone():
                conn.execute(
                    "INSERT INTO tags (file_id, albumartist, raw) VALUES (?, ?, '{}')",
                    (file_id, rng.choice(names)),
                )
        else:  # a move: the new file's tags go to the old id (archiver/catalog/moves.py)
            other = rng.choice(ids)
            if other != file_id:
                conn.execute("DELETE FROM tags WHERE file_id = ?", (other,))
                conn.execute("UPDATE tags SET file_id = ? WHERE file_id = ?", (other, file_id))
                conn.execute("UPDATE files SET missing = 0 WHERE id = ?", (other,))
                conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
                ids.remove(file_id)
        assert_counts_match(conn)
    conn.commit()
    catalog.close()


def test_counts_after_a_real_scan_and_rescan(tmp_path) -> None:
    from archiver.scan import scan
    from tests.audiogen import make_file

    root = tmp_path / "music"
    a = make_file(root / "a.flac", "flac", {"artist": "One", "albumartist": "Band"})
    make_file(root / "b.mp3", "mp3", {"artist": "Two"})
    db = tmp_path / "c.db"
    scan(db, [root], jobs=1)
    with open_catalog(db) as catalog:
        assert_counts_match(catalog.conn)
        assert {e.key[0] for e in browse.entries(catalog.conn, browse.Scope())} == {"Band", "Two"}
    a.unlink()
    scan(db, [root], jobs=1)  # marked missing
    with open_catalog(db) as catalog:
        assert_counts_match(catalog.conn)
        assert [e.key[0] for e in browse.entries(catalog.conn, browse.Scope())] == ["Two"]


def test_migration_fills_the_table_from_rows_already_there(tmp_path) -> None:
    """A catalog written before 0018 (or by direct inserts with the triggers gone)."""
    catalog = open_catalog(tmp_path / "c.db")
    conn = catalog.conn
    add_root(conn, "/m", 1)
    for i in range(20):
        add_track(conn, f"/m/{i}.flac", albumartist=f"A{i % 3}", duration=10.0)
    conn.execute("DELETE FROM albumartist_counts")
    conn.commit()
    sql = [
        s for v, _, s in __import__("archiver.catalog.db", fromlist=["x"]).migrations() if v == 18
    ]
    insert = sql[0].split("INSERT INTO albumartist_counts", 1)[1].split(";", 1)[0]
    conn.execute("INSERT INTO albumartist_counts" + insert)
    assert_counts_match(conn)
    catalog.close()
