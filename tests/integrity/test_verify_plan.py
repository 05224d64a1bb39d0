"""verify's streamed plan (file ids in path order, fingerprints read by id in batches)
against the list the whole library used to be read into, on a real catalog with more
files than one batch; and whole runs, interrupted and resumed, with tiny batches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archiver.catalog import checksums, verify_runs
from archiver.catalog.query import TRACKS_FROM
from archiver.integrity.checksum import checksum_files
from archiver.integrity.verify import verify_files
from tests.integrity.conftest import Library, flip_byte

BATCH = 3


def old_targets(conn, where=None, params=(), not_verified_since=None):
    """What ``verify_targets`` returned before it streamed: one list, in path order."""
    sql = f"SELECT {checksums.STORED_COLS} FROM files f WHERE 1"
    bind: list = []
    if where:
        sql += f" AND f.id IN (SELECT f.id FROM {TRACKS_FROM} WHERE {where})"
        bind += list(params)
    if not_verified_since is not None:
        sql += " AND (f.last_verified_at IS NULL OR f.last_verified_at < ?)"
        bind.append(not_verified_since)
    rows = conn.execute(sql + " ORDER BY f.path_bytes", bind).fetchall()
    return [checksums.stored_fingerprint(r) for r in rows]


@pytest.fixture
def files(library: Library) -> list[Path]:
    """Eleven files whose ids are not in path order (the "a" ones are scanned last),
    some hashed and some never hashed, one of them gone from the disk."""
    made = [
        library.add(f"b/{i:02d}.{fmt}", fmt, title=f"b{i}", artist="B")
        for i, fmt in enumerate(("flac", "mp3", "ogg", "wav", "flac", "mp3"))
    ]
    library.scan()
    checksum_files(library.db, jobs=1)
    made += [
        library.add(f"a/{i:02d}.{fmt}", fmt, title=f"a{i}", artist="A")
        for i, fmt in enumerate(("flac", "mp3", "wav", "ogg", "flac"))
    ]
    library.scan()
    made[2].unlink()  # catalogued, not on disk
    return sorted(made, key=os.fsencode)


def test_streamed_targets_equal_the_old_list(library: Library, files) -> None:
    with library.catalog() as catalog:
        conn = catalog.conn
        ids = [r[0] for r in conn.execute("SELECT id FROM files ORDER BY path_bytes")]
        assert ids != sorted(ids)  # path order is not id order here
        for where, params in ((None, ()), ("t.artist = ?", ("A",)), ("f.format = 'flac'", ())):
            old = old_targets(conn, where, params)
            new = verify_runs.verify_targets(
                conn, where=where, params=params, from_sql=TRACKS_FROM, batch=BATCH
            )
            assert len(old) > BATCH
            assert list(new) == old
            assert list(new) == old  # iterating again reads the same
            assert len(new) == len(old)
            assert new.bytes == sum(t.size for t in old)
        assert len(old_targets(conn)) == len(files) == 11


def test_resume_filter_matches_the_old_list(library: Library, files) -> None:
    verify_files(library.db, jobs=1, where="f.format = 'flac'")
    with library.catalog() as catalog:
        # When the flac files were checked: the others (never checked) are what is left.
        (since,) = catalog.conn.execute("SELECT min(last_verified_at) FROM files").fetchone()
        old = old_targets(catalog.conn, not_verified_since=since)
        new = verify_runs.verify_targets(catalog.conn, not_verified_since=since, batch=BATCH)
        assert len(old) == 7 and list(new) == old and len(new) == 7


def test_a_file_deleted_after_the_plan_is_left_out(library: Library, files) -> None:
    with library.catalog() as catalog:
        planned = verify_runs.verify_targets(catalog.conn, batch=BATCH)
        gone = old_targets(catalog.conn)[4]
        with catalog.write() as conn:
            conn.execute("DELETE FROM files WHERE id = ?", (gone.file_id,))
        assert len(planned) == 11
        assert list(planned) == old_targets(catalog.conn)
        assert gone.file_id not in [t.file_id for t in planned]


def test_a_run_in_small_batches_reports_as_before(library: Library, files, monkeypatch) -> None:
    monkeypatch.setattr(verify_runs, "TARGET_BATCH", BATCH)
    flip_byte(files[0], files[0].stat().st_size - 100)  # "a/00.flac": never hashed, first fp
    flip_byte(files[6], files[6].stat().st_size - 100)  # "b/01.mp3": hashed: bit rot
    with library.catalog() as catalog:
        expected = old_targets(catalog.conn)
    events = []
    result = verify_files(library.db, jobs=1, progress=events.append)
    assert [e.path for e in events] == [t.path_bytes for t in expected]
    assert [e.done for e in events] == list(range(1, 12))
    assert {(e.total, e.bytes_total) for e in events} == {(11, sum(t.size for t in expected))}
    assert result.checked == 11 and result.ok == 9 and result.first_fingerprints == 5
    assert result.missing == [str(files[7])] and result.changed == [str(files[6])]
    assert result.details[str(files[7])] == "no longer on disk"


@pytest.mark.parametrize("jobs", [1, 2])
def test_interrupted_and_resumed_in_small_batches(
    library: Library, files, monkeypatch, jobs: int
) -> None:
    monkeypatch.setattr(verify_runs, "TARGET_BATCH", BATCH)
    seen = []

    def stop(event) -> None:
        seen.append(event.path)
        assert event.total == 11
        if event.done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        verify_files(library.db, jobs=jobs, progress=stop)
    assert info.value.verify_result.checked == 5
    rest = []
    result = verify_files(library.db, jobs=jobs, resume=True, progress=rest.append)
    assert result.resumed and result.checked == 11
    assert {e.total for e in rest} == {6}  # the files not checked yet, counted up front
    assert sorted(seen + [e.path for e in rest]) == [os.fsencode(p) for p in files]
    if jobs == 1:
        assert seen + [e.path for e in rest] == [os.fsencode(p) for p in files]
