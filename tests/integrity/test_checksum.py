"""`scan --checksum`'s pass: fingerprints stored as history and current, resumable."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from archiver.catalog import checksums
from archiver.integrity.checksum import checksum_files
from tests.integrity.conftest import Library
from tests.integrity.tagedit import retag


class Stop(Exception):
    pass


def _populate(library: Library, n: int = 12) -> None:
    fmts = ["mp3", "flac", "ogg", "m4a", "wav", "opus"]
    for i in range(n):
        fmt = fmts[i % len(fmts)]
        library.add(f"d{i % 3}/t{i:02d}.{fmt}", fmt, title=f"Track {i}", artist="A")
    library.scan()


def test_every_file_is_fingerprinted_once(library: Library) -> None:
    _populate(library)
    summary = checksum_files(library.db, jobs=2)
    assert (summary.to_hash, summary.hashed, summary.missing, summary.unreadable) == (12, 12, 0, 0)
    rows = library.query(
        "SELECT path_bytes, sha256, audio_hash, audio_hash_method, hashed_size, size,"
        " hashed_mtime_ns, mtime_ns, (SELECT count(*) FROM fingerprints p WHERE p.file_id = f.id)"
        " FROM files f"
    )
    assert len(rows) == 12
    for path, sha, audio, method, hsize, size, hmtime, mtime, history in rows:
        with open(path, "rb") as f:
            assert sha == hashlib.sha256(f.read()).hexdigest()
        assert audio and method
        assert (hsize, hmtime) == (size, mtime)
        assert history == 1
    again = checksum_files(library.db, jobs=2)
    assert (again.to_hash, again.hashed) == (0, 0)


@pytest.mark.parametrize("jobs", [1, 2])
def test_interrupted_run_resumes_without_hashing_twice(library: Library, jobs: int) -> None:
    _populate(library)
    seen: list[bytes] = []

    def stop_after_five(event) -> None:
        seen.append(event.path)
        if event.done == 5:
            raise Stop

    with pytest.raises(Stop) as info:
        checksum_files(library.db, jobs=jobs, progress=stop_after_five)
    assert info.value.checksum_summary.interrupted
    hashed = {r[0] for r in library.query("SELECT path_bytes FROM files WHERE sha256 IS NOT NULL")}
    assert hashed == set(seen) and len(hashed) == 5

    second: list[bytes] = []
    summary = checksum_files(library.db, jobs=jobs, progress=lambda e: second.append(e.path))
    assert summary.hashed == 7
    assert not set(second) & hashed
    counts = library.query("SELECT count(*) FROM fingerprints GROUP BY file_id")
    assert len(counts) == 12 and all(c == (1,) for c in counts)


def test_stale_fingerprints_are_retaken_and_kept_as_history(library: Library) -> None:
    _populate(library, 6)
    checksum_files(library.db, jobs=1)
    edited = library.root / "d0" / "t00.mp3"
    old = library.query("SELECT sha256, audio_hash FROM files WHERE path = ?", (str(edited),))[0]
    retag(edited, "Edited title")
    library.scan()
    summary = checksum_files(library.db, jobs=1)
    assert summary.hashed == 1
    with library.catalog() as catalog:
        history = checksums.fingerprint_history(catalog.conn, library.file_id(edited))
    assert [h["sha256"] for h in history][0] == old[0]
    assert len(history) == 2 and history[1]["sha256"] != old[0]
    assert history[0]["audio_hash"] == history[1]["audio_hash"] == old[1]


def test_roots_and_file_ids_limit_the_pass(tmp_path, library: Library) -> None:
    _populate(library, 6)
    other = tmp_path / "other"
    shutil.copytree(library.root / "d0", other / "d0")
    from archiver.scan import scan

    scan(library.db, [other], jobs=1)
    summary = checksum_files(library.db, roots=[str(other)], jobs=1)
    assert summary.hashed == 2
    unhashed = library.query("SELECT count(*) FROM files WHERE sha256 IS NULL")[0][0]
    assert unhashed == 6
    some = [r[0] for r in library.query("SELECT id FROM files WHERE sha256 IS NULL LIMIT 2")]
    assert checksum_files(library.db, file_ids=some, jobs=1).hashed == 2
    assert checksum_files(library.db, roots=[os.fsencode(library.root)], jobs=1).hashed == 4


def test_files_gone_since_the_scan_are_reported_not_stored(library: Library) -> None:
    _populate(library, 3)
    gone = library.root / "d1" / "t01.flac"
    gone.unlink()
    summary = checksum_files(library.db, jobs=1)
    assert (summary.hashed, summary.missing) == (2, 1)
    assert summary.errors[0][0] == str(gone)
