"""All tracks' orders kept on disk (archiver/catalog/orders.py, migration 0021)
equal the SQL ORDER BY they replace, row for row and in both directions, however
the rows got into the catalog; a kept order older than the catalog is never used."""

from __future__ import annotations

import random
from array import array

import pytest

from archiver.catalog import browse, orders
from archiver.catalog.db import open_catalog, utc_now
from tests.conftest import add_root, add_track

NAMES = ["ABBA", "abba", "Abba ", "Björk", "björk", "BJÖRK", "Øresund", "a", "Z", None, "", "1999"]
STATUSES = [None, "matched", "ambiguous", "unmatched", "error"]


def sql_ids(conn, sort: str, descending: bool, include_missing: bool) -> list[int]:
    scope = browse.Scope("all", include_missing=include_missing)
    return list(browse.track_ids(conn, scope, sort, descending))


def assert_orders_match(conn, db, folder) -> None:
    for include_missing in (False, True):
        scope = browse.Scope("all", include_missing=include_missing)
        for sort in browse.SORTS:
            for descending in (False, True):
                kept = orders.track_ids(conn, db, scope, sort, descending, folder)
                assert list(kept) == sql_ids(conn, sort, descending, include_missing), (
                    sort,
                    descending,
                    include_missing,
                )


def test_free_words_narrow_the_kept_order_as_the_sql_orders_them(tmp_path) -> None:
    from archiver.catalog.query import compile_query

    rng = random.Random(5)
    db = tmp_path / "c.db"
    folder = tmp_path / "orders"
    catalog = open_catalog(db)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    for i in range(120):
        random_track(conn, rng, i)
    for words in ("abba", "bjork", "1999", "nothing-matches"):
        compiled = compile_query(words)
        where, params = compiled.where, compiled.params
        assert where == browse.FREE_TEXT
        for include_missing in (False, True):
            scope = browse.Scope("all", where=where, params=tuple(params))
            scope = scope.with_(include_missing=include_missing)
            for sort in ("artist", "title", "mb"):
                for descending in (False, True):
                    kept = orders.track_ids(conn, db, scope, sort, descending, folder)
                    assert list(kept) == list(browse.track_ids(conn, scope, sort, descending))
    catalog.close()


def random_track(conn, rng: random.Random, i: int) -> int:
    path = rng.choice([f"/m/{i:04d}.flac", f"/m/Dir/{rng.choice('aAbB')}{i}.mp3"])
    file_id = add_track(
        conn,
        path,
        artist=rng.choice(NAMES),
        albumartist=rng.choice(NAMES),
        album=rng.choice(NAMES),
        title=rng.choice(NAMES),
        genre=rng.choice(NAMES),
        year=rng.choice([None, 1999, 2001, "1999", "2001-05"]),
        discnumber=rng.choice([None, 1, 2]),
        tracknumber=rng.choice([None, 1, 2, 3, 10]),
        format=rng.choice([None, "flac", "mp3", "FLAC"]),
        duration=rng.choice([None, 1.5, 200.0, 200.0]),
        size=rng.choice([1, 5, 5]),
        missing=rng.choice([0, 0, 0, 1]),
    )
    status = rng.choice(STATUSES)
    if status:
        set_match(conn, file_id, status)
    return file_id


def set_match(conn, file_id: int, status: str) -> None:
    conn.execute(
        "INSERT INTO matches (file_id, status, matched_at) VALUES (?, ?, ?) "
        "ON CONFLICT(file_id) DO UPDATE SET status = excluded.status",
        (file_id, status, utc_now()),
    )


def stamp(conn) -> int:
    value = orders.catalog_stamp(conn)
    assert value is not None
    return value


def test_kept_orders_equal_the_sql_after_every_kind_of_write(tmp_path) -> None:
    rng = random.Random(17)
    db = tmp_path / "c.db"
    folder = tmp_path / "orders"
    catalog = open_catalog(db)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    # Two paths that read alike (the bytes b"\xff" and the text "\xff"): rows that
    # tie on every term but the id.
    twin_a = add_track(conn, b"/m/\xff.flac", artist="Same", album="Same")
    twin_b = add_track(conn, "/m/\\xff.flac", artist="Same", album="Same")
    assert conn.execute(
        "SELECT count(DISTINCT path) FROM files WHERE id IN (?, ?)", (twin_a, twin_b)
    ).fetchone() == (1,)
    ids = [random_track(conn, rng, i) for i in range(150)]
    assert_orders_match(conn, db, folder)
    next_i = 1000
    for step in range(60):
        before = stamp(conn)
        file_id = rng.choice(ids)
        action = step % 10
        if action == 0:
            column = rng.choice(["artist", "albumartist", "album", "title", "genre"])
            conn.execute(
                f"UPDATE tags SET {column} = ? WHERE file_id = ?", (f"New {step}", file_id)
            )
        elif action == 1:
            conn.execute(
                "UPDATE tags SET discnumber = ?, tracknumber = ?, year = ? WHERE file_id = ?",
                (step, step, 1900 + step, file_id),
            )
        elif action == 2:
            conn.execute("UPDATE files SET missing = 1 - missing WHERE id = ?", (file_id,))
        elif action == 3:
            conn.execute(
                "UPDATE files SET duration = ?, format = ?, size = ? WHERE id = ?",
                (float(step), f"f{step}", step, file_id),
            )
        elif action == 4:  # the file goes: its tags and match cascade
            conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
            ids.remove(file_id)
        elif action == 5:
            old = conn.execute("SELECT status FROM matches WHERE file_id = ?", (file_id,))
            set_match(conn, file_id, "matched" if old.fetchone() != ("matched",) else "error")
        elif action == 6:
            if conn.execute("SELECT 1 FROM matches WHERE file_id = ?", (file_id,)).fetchone():
                conn.execute("DELETE FROM matches WHERE file_id = ?", (file_id,))
            else:
                set_match(conn, file_id, "error")
        elif action == 7:  # a move (archiver/catalog/moves.py): the path changes in place
            conn.execute("UPDATE files SET path = ? WHERE id = ?", (f"/m/moved{step}.ogg", file_id))
        elif action == 8:  # new tracks, as the scanner or synth_catalog.py insert them
            ids.append(random_track(conn, rng, next_i))
            next_i += 1
        else:  # tags deleted on their own: the track leaves All tracks
            conn.execute("DELETE FROM tags WHERE file_id = ?", (file_id,))
        assert stamp(conn) != before, action
        assert_orders_match(conn, db, folder)
    conn.commit()
    catalog.close()


def test_writes_that_change_nothing_shown_keep_the_stamp(tmp_path) -> None:
    db = tmp_path / "c.db"
    catalog = open_catalog(db)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    file_id = add_track(conn, "/m/a.flac", artist="A", duration=3.0)
    before = stamp(conn)
    # a rescan that found the file unchanged, a tag no order uses, the same values again
    conn.execute(
        "UPDATE files SET last_seen_at = ?, path = path WHERE id = ?", (utc_now(), file_id)
    )
    conn.execute("UPDATE tags SET comment = 'x', artist = 'A' WHERE file_id = ?", (file_id,))
    assert stamp(conn) == before
    conn.execute("UPDATE tags SET artist = 'a' WHERE file_id = ?", (file_id,))  # case counts
    assert stamp(conn) != before
    catalog.close()


def test_a_kept_order_is_read_from_its_file_only_while_the_stamp_holds(tmp_path) -> None:
    db = tmp_path / "c.db"
    folder = tmp_path / "orders"
    catalog = open_catalog(db)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    for name in ("b", "a", "c"):
        add_track(conn, f"/m/{name}.flac", artist=name)
    scope = browse.Scope("all")
    first = list(orders.track_ids(conn, db, scope, "artist", False, folder))
    path = orders.cache_file(db, "artist", False, folder)
    assert path.exists()
    # A file with the current stamp is what the next reader gets (no query): forge one.
    kept = orders.load(path)
    assert kept is not None and list(kept.ids) == first
    orders.save(path, orders.Ordering(kept.stamp, array("i", [7, 8, 9]), 3))
    assert list(orders.track_ids(conn, db, scope, "artist", False, folder)) == [7, 8, 9]
    # Any change: the file is stale, read again.
    add_track(conn, "/m/d.flac", artist="0")
    fresh = list(orders.track_ids(conn, db, scope, "artist", False, folder))
    assert fresh == list(browse.track_ids(conn, scope, "artist")) and len(fresh) == 4
    assert orders.stale(conn, db, ["artist", "album"], folder=folder) == ["album"]
    # A damaged or cut file is ignored.
    path.write_bytes(path.read_bytes()[:-3])
    assert orders.load(path) is None
    assert list(orders.track_ids(conn, db, scope, "artist", False, folder)) == fresh
    path.write_bytes(b"not an order")
    assert orders.load(path) is None
    catalog.close()


def test_build_keeps_every_stale_order(tmp_path) -> None:
    db = tmp_path / "c.db"
    folder = tmp_path / "orders"
    catalog = open_catalog(db)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    add_track(conn, "/m/a.flac", artist="a")
    assert orders.build(conn, db, ["artist", "title"], folder=folder) == ["artist", "title"]
    assert orders.build(conn, db, ["artist", "title"], folder=folder) == []
    assert orders.stale(conn, db, ["artist", "title"], folder=folder) == []
    catalog.close()


@pytest.mark.parametrize(
    ("ids", "nulls_from", "descending"),
    [
        ([1, 2, 3, 4, 5], 3, [3, 2, 1, 5, 4]),
        ([1, 2, 3], 3, [3, 2, 1]),
        ([1, 2, 3], 0, [3, 2, 1]),
        ([], 0, []),
        ([9], 1, [9]),
    ],
)
def test_arrange_reverses_each_part(ids, nulls_from, descending) -> None:
    ordering = orders.Ordering(0, array("i", ids), nulls_from)
    assert list(orders.arrange(ordering, False)) == ids
    assert list(orders.arrange(ordering, True)) == descending


def test_a_catalog_without_a_stamp_reads_sql(tmp_path) -> None:
    db = tmp_path / "c.db"
    catalog = open_catalog(db)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    add_track(conn, "/m/b.flac", artist="b")
    add_track(conn, "/m/a.flac", artist="a")
    conn.execute("DROP TABLE catalog_stamp")
    scope = browse.Scope("all")
    folder = tmp_path / "orders"
    assert list(orders.track_ids(conn, db, scope, "artist", True, folder)) == list(
        browse.track_ids(conn, scope, "artist", True)
    )
    assert not folder.exists()
    catalog.close()


def test_orders_after_a_real_scan_and_rescan(tmp_path) -> None:
    from archiver.scan import scan
    from tests.audiogen import make_file

    root = tmp_path / "music"
    a = make_file(root / "a.flac", "flac", {"artist": "One", "title": "Zed"})
    make_file(root / "b.mp3", "mp3", {"artist": "two", "title": "Alpha"})
    db = tmp_path / "c.db"
    folder = tmp_path / "orders"
    scan(db, [root], jobs=1)
    with open_catalog(db) as catalog:
        assert_orders_match(catalog.conn, db, folder)
        before = stamp(catalog.conn)
    scan(db, [root], jobs=1)  # nothing changed
    with open_catalog(db) as catalog:
        assert stamp(catalog.conn) == before
    a.unlink()
    scan(db, [root], jobs=1)  # marked missing
    with open_catalog(db) as catalog:
        assert stamp(catalog.conn) != before
        assert_orders_match(catalog.conn, db, folder)


# ---------------------------------------------------------------- patched orders


def kept_now(conn, sort: str, include_missing: bool) -> orders.Ordering:
    return orders.compute(conn, sort, include_missing)


def assert_patch_equals_compute(conn, before: dict) -> None:
    """Every order read before the writes, patched from the change log, equals the
    order SQLite reads now (ids, the NULLs' start and the stamp), and is a patch,
    not a fallback."""
    for (sort, include_missing), kept in before.items():
        patched = orders.patch(conn, kept, sort, include_missing)
        fresh = orders.compute(conn, sort, include_missing)
        assert patched is not None, (sort, include_missing)
        assert list(patched.ids) == list(fresh.ids), (sort, include_missing)
        assert patched.nulls_from == fresh.nulls_from, (sort, include_missing)
        assert (patched.stamp, patched.seq) == (fresh.stamp, fresh.seq)
        for descending in (False, True):
            assert list(orders.arrange(patched, descending)) == sql_ids(
                conn, sort, descending, include_missing
            )


def every_order(conn) -> dict:
    return {
        (sort, include_missing): kept_now(conn, sort, include_missing)
        for sort in browse.SORTS
        for include_missing in (False, True)
    }


def random_write(conn, rng: random.Random, ids: list[int], step: int) -> None:
    file_id = rng.choice(ids)
    action = rng.randrange(12)
    if action == 0:
        column = rng.choice(["artist", "albumartist", "album", "title", "genre"])
        value = rng.choice([*NAMES, f"New {step}"])
        conn.execute(f"UPDATE tags SET {column} = ? WHERE file_id = ?", (value, file_id))
    elif action == 1:
        conn.execute(
            "UPDATE tags SET discnumber = ?, tracknumber = ?, year = ? WHERE file_id = ?",
            (
                rng.choice([None, 1, 2]),
                rng.choice([None, 1, 3]),
                rng.choice([None, 1999, "x"]),
                file_id,
            ),
        )
    elif action == 2:
        conn.execute("UPDATE files SET missing = 1 - missing WHERE id = ?", (file_id,))
    elif action == 3:
        conn.execute(
            "UPDATE files SET duration = ?, format = ?, size = ? WHERE id = ?",
            (rng.choice([None, 1.5, 200.0]), rng.choice([None, "flac", "FLAC"]), step, file_id),
        )
    elif action == 4:
        conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
        ids.remove(file_id)
    elif action == 5:
        set_match(conn, file_id, rng.choice(STATUSES[1:]))
    elif action == 6:
        conn.execute("DELETE FROM matches WHERE file_id = ?", (file_id,))
    elif action == 7:
        conn.execute("UPDATE files SET path = ? WHERE id = ?", (f"/m/moved{step}.ogg", file_id))
    elif action == 8:
        ids.append(random_track(conn, rng, rng.randrange(10_000, 10**9)))
    elif action == 9:
        conn.execute("DELETE FROM tags WHERE file_id = ?", (file_id,))
    elif action == 10:  # a new id for a file (no writer does it, the triggers allow it)
        new_id = max(ids) + 1
        conn.execute("DELETE FROM tags WHERE file_id = ?", (file_id,))
        conn.execute("DELETE FROM matches WHERE file_id = ?", (file_id,))
        conn.execute("UPDATE files SET id = ? WHERE id = ?", (new_id, file_id))
        conn.execute("INSERT INTO tags (file_id, artist) VALUES (?, 'Renumbered')", (new_id,))
        ids[ids.index(file_id)] = new_id
    else:  # the tags of one file given to another
        other = rng.choice(ids)
        if other != file_id:
            conn.execute("DELETE FROM tags WHERE file_id = ?", (other,))
            conn.execute("UPDATE tags SET file_id = ? WHERE file_id = ?", (other, file_id))


def test_patched_orders_equal_the_sql_after_any_writes(tmp_path) -> None:
    rng = random.Random(25)
    catalog = open_catalog(tmp_path / "c.db")
    conn = catalog.conn
    add_root(conn, "/m", 1)
    add_track(conn, b"/m/\xff.flac", artist="Same", album="Same")
    add_track(conn, "/m/\\xff.flac", artist="Same", album="Same")
    ids = [random_track(conn, rng, i) for i in range(200)]
    ids = [i for (i,) in conn.execute("SELECT id FROM files")]
    for step in range(40):
        before = every_order(conn)
        for _ in range(rng.choice([1, 1, 2, 5, 20])):
            random_write(conn, rng, ids, step)
        assert_patch_equals_compute(conn, before)
        if step % 3 == 0:
            conn.commit()
    catalog.close()


def test_a_path_replaced_without_delete_triggers_is_patched_out(tmp_path) -> None:
    db = tmp_path / "c.db"
    catalog = open_catalog(db)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    for name in ("b", "a", "c"):
        add_track(conn, f"/m/{name}.flac", artist=name)
    conn.commit()
    before = every_order(conn)
    # A writer with SQLite's defaults (recursive triggers and foreign keys off):
    # REPLACE deletes the row holding the path without its delete trigger, and its
    # tags stay (their own delete trigger never fires).
    conn.execute("PRAGMA recursive_triggers = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "INSERT OR REPLACE INTO files (path, path_bytes, root_id, size, mtime_ns, mtime,"
        " first_seen_at, last_seen_at) SELECT path, path_bytes, root_id, 9, mtime_ns, mtime,"
        " first_seen_at, last_seen_at FROM files WHERE path = '/m/a.flac'"
    )
    new_id = conn.execute("SELECT id FROM files WHERE path = '/m/a.flac'").fetchone()[0]
    conn.execute("INSERT OR REPLACE INTO tags (file_id, artist) VALUES (?, 'z')", (new_id,))
    conn.commit()
    assert_patch_equals_compute(conn, before)
    catalog.close()


def test_a_patch_needs_the_log_since_the_kept_order(tmp_path) -> None:
    db = tmp_path / "c.db"
    catalog = open_catalog(db)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    for name in ("b", "a", "c"):
        add_track(conn, f"/m/{name}.flac", artist=name)
    kept = orders.compute(conn, "artist")
    assert kept.seq == orders.log_end(conn) > 0
    add_track(conn, "/m/d.flac", artist="0")
    assert orders.patch(conn, kept, "artist") is not None
    # The same seq with another stamp: a copy of the catalog that changed otherwise.
    other = orders.Ordering(kept.stamp ^ 1, kept.ids, kept.nulls_from, kept.seq)
    assert orders.changed_since(conn, other, 100) is None
    assert orders.patch(conn, other, "artist") is None
    # Too many changes: ordered again.
    assert orders.changed_since(conn, kept, 1) == [4]
    for file_id in (1, 2, 3):
        conn.execute("UPDATE files SET size = 99 WHERE id = ?", (file_id,))
    assert sorted(orders.changed_since(conn, kept, 4)) == [1, 2, 3, 4]
    assert orders.changed_since(conn, kept, 3) is None
    # Pruned: the log keeps its last LOG_LIMIT rows.
    conn.execute("DELETE FROM catalog_changes WHERE seq <= ?", (kept.seq,))
    assert orders.changed_since(conn, kept, 100) is None
    # ordering() falls back to the SQL whenever the patch cannot be made.
    folder = tmp_path / "orders"
    path = orders.cache_file(db, "artist", False, folder)
    orders.save(path, kept)
    got = orders.track_ids(conn, db, browse.Scope("all"), "artist", False, folder)
    assert list(got) == sql_ids(conn, "artist", False, False)
    catalog.close()


def test_the_change_log_is_pruned(tmp_path) -> None:
    catalog = open_catalog(tmp_path / "c.db")
    conn = catalog.conn
    add_root(conn, "/m", 1)
    for i in range(1000):
        add_track(conn, f"/m/{i}.flac", artist="a")
    file_id = add_track(conn, "/m/last.flac", artist="a")
    conn.execute("UPDATE files SET size = 7 WHERE id = ?", (file_id,))
    last = conn.execute("SELECT file_id FROM catalog_changes ORDER BY seq DESC LIMIT 1")
    assert last.fetchone() == (file_id,)
    # A rescan's worth of changes: more than the log keeps.
    size = 10
    while orders.log_end(conn) < orders.LOG_LIMIT * 1.3:
        conn.execute("UPDATE files SET size = ?", (size,))
        size += 1
    rows, low, high = conn.execute(
        "SELECT count(*), min(seq), max(seq) FROM catalog_changes"
    ).fetchone()
    assert rows == high - low + 1  # the newest rows, none missing
    assert orders.LOG_LIMIT <= rows < orders.LOG_LIMIT + 1024
    catalog.close()
