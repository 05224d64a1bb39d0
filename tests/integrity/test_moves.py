"""Moved and renamed files keep one catalog entry (real scans, real renames)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from archiver.catalog import checksums
from archiver.catalog import moves as move_sql
from archiver.integrity.checksum import checksum_files
from tests.integrity.conftest import Library


def _match(library: Library, file_id: int) -> None:
    with library.catalog() as catalog, catalog.write() as conn:
        conn.execute(
            "INSERT INTO matches (file_id, status, method, score, recording_mbid, matched_at)"
            " VALUES (?, 'matched', 'search', 0.97, 'rec-1', '2026-01-01T00:00:00Z')",
            (file_id,),
        )


def _state(library: Library) -> list[tuple]:
    return library.query("SELECT id, path, missing FROM files ORDER BY id")


@pytest.fixture
def three(library: Library) -> dict[str, Path]:
    made = {
        "a": library.add("Album/01 a.flac", "flac", title="A", artist="X"),
        "b": library.add("Album/02 b.mp3", "mp3", title="B", artist="X"),
        "c": library.add("Album/03 c.ogg", "ogg", title="C", artist="X"),
    }
    library.scan()
    return made


@pytest.mark.parametrize("hashed", [True, False], ids=["fingerprinted", "never-hashed"])
@pytest.mark.parametrize("where", ["rename", "other-folder", "nested-folder"])
def test_move_keeps_one_entry_with_history_and_match(
    library: Library, three: dict[str, Path], hashed: bool, where: str
) -> None:
    if hashed:
        checksum_files(library.db, jobs=1)
    old = three["b"]
    file_id = library.file_id(old)
    _match(library, file_id)
    target = {
        "rename": old.with_name("02 renamed.mp3"),
        "other-folder": library.root / "Elsewhere" / old.name,
        "nested-folder": library.root / "A" / "B" / "C" / "moved.mp3",
    }[where]
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(old, target)
    summary = library.scan()
    assert summary.moved == 1
    rows = _state(library)
    assert len(rows) == 3
    assert (file_id, str(target), 0) in rows
    assert library.query("SELECT count(*) FROM files WHERE path = ?", (str(old),)) == [(0,)]
    assert library.query("SELECT file_id, recording_mbid FROM matches") == [(file_id, "rec-1")]
    assert library.query("SELECT title FROM tags WHERE file_id = ?", (file_id,)) == [("B",)]
    with library.catalog() as catalog:
        moves = move_sql.file_moves(catalog.conn, file_id)
        history = checksums.fingerprint_history(catalog.conn, file_id)
    assert [(m["old_path"], m["new_path"]) for m in moves] == [(str(old), str(target))]
    assert len(history) == (2 if hashed else 0)  # the checksum, then the hash that proved it
    # The search index follows the entry.
    assert library.query(
        "SELECT rowid FROM search_index WHERE search_index MATCH ?",
        ('"renamed" OR "moved" OR "Elsewhere"',),
    ) == [(file_id,)]


def test_several_moves_in_one_scan(library: Library, three: dict[str, Path]) -> None:
    checksum_files(library.db, jobs=1)
    ids = {k: library.file_id(p) for k, p in three.items()}
    new_home = library.root / "Renamed Album"
    os.rename(library.root / "Album", new_home)
    assert library.scan().moved == 3
    rows = _state(library)
    assert sorted(r[0] for r in rows) == sorted(ids.values())
    assert all(r[1].startswith(str(new_home)) and r[2] == 0 for r in rows)


def test_copy_with_a_new_mtime_is_merged_only_when_fingerprinted(
    library: Library, three: dict[str, Path]
) -> None:
    old = three["a"]
    copy = library.root / "copy.flac"
    time.sleep(0.01)
    shutil.copyfile(old, copy)  # new mtime: the cheap signal says "different"
    old.unlink()
    assert library.scan().moved == 0
    assert len(_state(library)) == 4

    old2 = three["c"]
    checksum_files(library.db, jobs=1)
    copy2 = library.root / "copy.ogg"
    shutil.copyfile(old2, copy2)
    old2.unlink()
    assert library.scan().moved == 1  # the sha256 proves it is the same file
    assert library.file_id(copy2) and str(copy2) in [r[1] for r in _state(library)]


@pytest.mark.parametrize("hashed", [True, False], ids=["fingerprinted", "never-hashed"])
def test_same_size_other_content_is_not_a_move(
    library: Library, three: dict[str, Path], hashed: bool
) -> None:
    if hashed:
        checksum_files(library.db, jobs=1)
    old = three["b"]
    other = library.add("other.mp3", "mp3", title="Z", artist="X")  # same template, 1-letter title
    assert other.stat().st_size == old.stat().st_size
    os.utime(other, ns=(old.stat().st_atime_ns, old.stat().st_mtime_ns))
    old.unlink()
    assert library.scan().moved == 0
    assert library.query("SELECT missing FROM files WHERE path = ?", (str(old),)) == [(1,)]
    assert library.query("SELECT missing FROM files WHERE path = ?", (str(other),)) == [(0,)]


def test_file_missing_since_an_earlier_scan_is_recognised(
    library: Library, three: dict[str, Path]
) -> None:
    checksum_files(library.db, jobs=1)
    old = three["c"]
    file_id = library.file_id(old)
    stash = library.root.parent / "stash.ogg"
    os.rename(old, stash)
    library.scan()
    assert library.query("SELECT missing FROM files WHERE id = ?", (file_id,)) == [(1,)]
    back = library.root / "Back" / "c.ogg"
    back.parent.mkdir()
    os.rename(stash, back)
    assert library.scan().moved == 1
    assert library.query(
        "SELECT path, missing, missing_since FROM files WHERE id = ?", (file_id,)
    ) == [(str(back), 0, None)]


def test_move_seen_by_an_interrupted_scan_is_recognised_by_the_next(
    library: Library, three: dict[str, Path]
) -> None:
    from archiver.scan import ScanInterrupted, scan

    old = three["a"]
    file_id = library.file_id(old)
    os.rename(old, library.root / "renamed.flac")
    state = {"read": 0}

    def progress(event) -> None:
        if event.phase == "read" and event.done:
            state["read"] = event.done

    with pytest.raises(ScanInterrupted):
        scan(library.db, [library.root], jobs=1, progress=progress,
             should_stop=lambda: state["read"] > 0)  # fmt: skip
    # The interrupted scan stored the new path but never marked the old one missing.
    assert library.query("SELECT missing FROM files WHERE id = ?", (file_id,)) == [(0,)]
    [(first_scan,)] = library.query(
        "SELECT first_scan_id FROM files WHERE path = ?", (str(library.root / "renamed.flac"),)
    )
    assert library.query("SELECT status FROM scan_runs WHERE id = ?", (first_scan,)) == [
        ("interrupted",)
    ]
    assert library.scan().moved == 1
    assert library.query("SELECT path FROM files WHERE id = ?", (file_id,)) == [
        (str(library.root / "renamed.flac"),)
    ]
