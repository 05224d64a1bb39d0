"""Shared helpers: real audio files from the committed templates, real catalogs."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.audiogen import make_corrupt, make_file

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "library"


def song(dest: Path, fmt: str = "mp3", title: str | None = None, **tags: str) -> Path:
    """A real tagged audio file at ``dest``."""
    tags = {"title": title or dest.stem, "artist": "Tester", "album": "Tests", **tags}
    return make_file(dest, fmt, tags)


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def one(db: Path, sql: str, params: tuple = ()):
    return query(db, sql, params)[0][0]


def check_invariants(db: Path) -> None:
    """What must hold after any scan, interrupted or not."""
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []
    files = one(db, "SELECT count(*) FROM files")
    assert one(db, "SELECT count(*) FROM tags") == files
    assert (
        one(
            db,
            "SELECT count(*) FROM tags t LEFT JOIN files f ON f.id = t.file_id WHERE f.id IS NULL",
        )
        == 0
    )
    assert one(db, "SELECT count(*) FROM search_index") == files
    assert one(db, "SELECT count(DISTINCT rowid) FROM search_index") == files
    assert (
        one(
            db,
            "SELECT count(*) FROM files f LEFT JOIN search_index s ON s.rowid = f.id WHERE s.rowid IS NULL",
        )
        == 0
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "catalog.db"


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    """A small library: 2 albums in 4 formats, a cover, a text file, a corrupt FLAC."""
    root = tmp_path / "lib"
    song(root / "A" / "One" / "01 a.mp3")
    song(root / "A" / "One" / "02 b.flac", "flac")
    song(root / "A" / "One" / "03 c.ogg", "ogg")
    song(root / "B" / "Two" / "01 d.m4a", "m4a")
    song(root / "B" / "Two" / "02 e.mp3")
    (root / "A" / "One" / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0not really a jpeg")
    (root / "B" / "notes.txt").write_text("liner notes")
    make_corrupt(root / "B" / "Two" / "03 broken.flac", "flac")
    return root


def all_paths(db: Path) -> set[bytes]:
    return {bytes(p) for (p,) in query(db, "SELECT path_bytes FROM files")}


def fsbytes(path: Path) -> bytes:
    return os.fsencode(path)
