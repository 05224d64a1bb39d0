"""The contentless free-text index (migration 0023) stays exactly the index of the
current tags and paths, whatever writes them: random inserts, tag edits, path
changes, moves, deletes with and without foreign keys, in random order."""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pytest

from archiver.catalog.db import fold, fold_signature, open_catalog
from archiver.catalog.moves import merge_moved_file

WORDS = [
    "Björk",
    "Sigur",
    "Rós",
    "Nørðurljós",
    "alpha",
    "beta",
    "Gamma",
    "delta",
    "Émile",
    "ßtraße",
]
COLUMNS = ("artist", "albumartist", "album", "title", "genre", "composer")
MATCH = "SELECT rowid FROM search_index WHERE search_index MATCH ?"


def _text(rng: random.Random) -> str | None:
    if rng.random() < 0.15:
        return None
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def _tokens(text: str | None) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", fold(text or "")))


def _expected(conn: sqlite3.Connection) -> dict[int, set[str]]:
    """file id -> every token its current tags and path hold, computed from scratch."""
    rows = conn.execute(
        f"SELECT t.file_id, {', '.join('t.' + c for c in COLUMNS)}, f.path"
        " FROM tags t JOIN files f ON f.id = t.file_id"
    ).fetchall()
    return {row[0]: set().union(*(_tokens(v) for v in row[1:])) for row in rows}


def _check(conn: sqlite3.Connection) -> None:
    expected = _expected(conn)
    assert conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == len(expected)
    for word in {fold(w).replace("ß", "ss") for w in WORDS} | {"zzz", "moved"}:
        for token in _tokens(word):
            found = {r[0] for r in conn.execute(MATCH, (f'"{token}"',))}
            assert found == {fid for fid, toks in expected.items() if token in toks}, token
    conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")


def _insert_file(conn: sqlite3.Connection, fid: int, rng: random.Random, tags: bool = True) -> None:
    path = f"/m/{rng.choice(WORDS)}/{fid} {rng.choice(WORDS)}.flac"
    conn.execute(
        "INSERT INTO files (id, path, path_bytes, size, mtime_ns, mtime, first_seen_at, last_seen_at)"
        " VALUES (?, ?, ?, 1, 1, 't', 't', 't')",
        (fid, path, path.encode()),
    )
    if tags:
        conn.execute(
            f"INSERT INTO tags (file_id, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (fid, *(_text(rng) for _ in COLUMNS)),
        )


@pytest.mark.parametrize("seed", range(6))
def test_index_equals_the_current_text_after_random_writes(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    with open_catalog(tmp_path / "c.db") as catalog:
        conn = catalog.conn
        next_id = 1
        for step in range(160):
            ids = [r[0] for r in conn.execute("SELECT id FROM files")]
            op = rng.random()
            with catalog.write():
                if op < 0.3 or not ids:
                    _insert_file(conn, next_id, rng, tags=rng.random() < 0.9)
                    next_id += 1
                elif op < 0.5:
                    col = rng.choice(COLUMNS)
                    conn.execute(
                        f"UPDATE tags SET {col} = ? WHERE file_id = ?",
                        (_text(rng), rng.choice(ids)),
                    )
                elif op < 0.6:  # the scanner's upsert of a re-read file
                    fid = rng.choice(ids)
                    conn.execute(
                        f"INSERT INTO tags (file_id, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                        f" ON CONFLICT(file_id) DO UPDATE SET "
                        + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS),
                        (fid, *(_text(rng) for _ in COLUMNS)),
                    )
                elif op < 0.7:
                    conn.execute(
                        "UPDATE files SET path = ? WHERE id = ?",
                        (f"/m/moved/{rng.choice(WORDS)} {step}.flac", rng.choice(ids)),
                    )
                elif op < 0.78:
                    conn.execute("DELETE FROM tags WHERE file_id = ?", (rng.choice(ids),))
                elif op < 0.9:
                    conn.execute("DELETE FROM files WHERE id = ?", (rng.choice(ids),))
                elif len(ids) >= 2:  # a missing file found again elsewhere
                    old_id, new_id = rng.sample(ids, 2)
                    merge_moved_file(conn, old_id, new_id, None)
            if step % 20 == 19:
                _check(conn)
        _check(conn)


def test_a_different_fold_rebuilds_the_index_on_open(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with open_catalog(path) as catalog, catalog.write() as conn:
        _insert_file(conn, 1, random.Random(1))
        conn.execute("UPDATE tags SET artist = 'Nørðurljós' WHERE file_id = 1")
    # As if an older archiver folded differently: its index holds other text.
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")
    raw.execute("INSERT INTO search_index (rowid, artist) VALUES (1, 'norethurljos')")
    raw.execute("UPDATE search_fold SET signature = 'older'")
    raw.commit()
    raw.close()
    with open_catalog(path) as catalog:
        conn = catalog.conn
        assert conn.execute("SELECT signature FROM search_fold").fetchone()[0] == fold_signature()
        assert conn.execute(MATCH, ("norethurljos",)).fetchall() == []
        assert conn.execute(MATCH, ("nordurljos",)).fetchall() == [(1,)]
        with catalog.write():  # deletes name exactly what the index holds again
            conn.execute("UPDATE tags SET artist = 'Sigur' WHERE file_id = 1")
        _check(conn)


def test_the_index_keeps_no_copy_of_the_text(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.db") as catalog, catalog.write() as conn:
        _insert_file(conn, 1, random.Random(2))
        assert conn.execute("SELECT artist, path FROM search_index").fetchone() == (None, None)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "search_index_content" not in names
