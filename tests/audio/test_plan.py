"""analyze's plan (ids of the files to analyse, their paths read by id in batches)
against the job list it used to build, on a real catalog with more files than one
batch; and whole runs with tiny batches."""

from __future__ import annotations

import os
import shutil

import pytest

from archiver.audio import run as audio_run
from archiver.audio.run import PER_AUDIO_SECOND, jobs_for, plan, run_analysis
from archiver.catalog import analysis as sql
from archiver.catalog import open_catalog
from archiver.scan import scan

BATCH = 2
TIMEOUT = 60.0


@pytest.fixture
def catalog_db(audio_files, tmp_path):
    """Seven files whose ids are not in path order (the "a" ones are scanned last)."""
    root = tmp_path / "m"
    (root / "b").mkdir(parents=True)
    (root / "a").mkdir()
    for name in ("genuine", "mp3", "transcode", "short"):
        shutil.copy2(audio_files[name], root / "b" / audio_files[name].name)
    db = tmp_path / "c.db"
    scan(db, [root], jobs=1)
    for name in ("quiet", "dull", "other"):
        shutil.copy2(audio_files[name], root / "a" / audio_files[name].name)
    scan(db, [root], jobs=1)
    return db


def _present(conn):
    """(id, path_bytes, duration) of the present files, in path order."""
    rows = conn.execute(
        "SELECT id, path_bytes, duration FROM files WHERE missing = 0 ORDER BY path_bytes"
    )
    return [(i, bytes(p), d) for i, p, d in rows]


def _planned(conn, *, force=False, fingerprint=False):
    ids, skipped = plan(sql.targets(conn), force=force)
    jobs = list(jobs_for(conn, ids, timeout=TIMEOUT, fingerprint=fingerprint, batch=BATCH))
    assert len(jobs) == len(ids)
    return jobs, skipped


def test_the_plan_is_the_old_job_list(catalog_db):
    with open_catalog(catalog_db) as catalog:
        conn = catalog.conn
        present = _present(conn)
        assert len(present) == 7 > BATCH
        ids = [i for i, _, _ in present]
        assert ids != sorted(ids)  # path order is not id order here
        # Nothing analysed yet: every present file, in path order, its limit by its duration.
        expected = [(i, p, TIMEOUT + PER_AUDIO_SECOND * (d or 0), True) for i, p, d in present]
        assert _planned(conn, fingerprint=True) == (expected, 0)
        no_limit = list(jobs_for(conn, ids, timeout=0, fingerprint=False, batch=BATCH))
        assert no_limit == [(i, p, 0.0, False) for i, p, _ in present]
    run_analysis(catalog_db, jobs=1, fingerprint=False)
    edited, gone = present[1][1], present[5][1]
    st = os.stat(edited)
    os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # needs a new analysis
    os.unlink(gone)  # still catalogued as present: its analysis records why it failed
    with open_catalog(catalog_db) as catalog:
        conn = catalog.conn
        jobs, skipped = _planned(conn)
        assert [j[1] for j in jobs] == [edited, gone] and skipped == 5
        jobs, skipped = _planned(conn, force=True)
        assert [j[0] for j in jobs] == ids and skipped == 0


def test_job_files_skip_a_file_deleted_after_the_plan(catalog_db):
    with open_catalog(catalog_db) as catalog:
        ids, _ = plan(sql.targets(catalog.conn), force=False)
        with catalog.write() as conn:
            conn.execute("DELETE FROM files WHERE id = ?", (ids[3],))
        got = [r[0] for r in sql.job_files(catalog.conn, ids, BATCH)]
        assert got == [i for i in ids if i != ids[3]]


def test_a_run_in_small_batches(catalog_db, monkeypatch):
    monkeypatch.setattr(audio_run, "JOB_BATCH", BATCH)
    with open_catalog(catalog_db) as catalog:
        present = _present(catalog.conn)
    events = []
    summary = run_analysis(catalog_db, jobs=1, fingerprint=False, progress=events.append)
    assert [e.path for e in events] == [p for _, p, _ in present]
    assert [(e.done, e.total) for e in events] == [(n, 7) for n in range(1, 8)]
    assert (summary.analyzed, summary.skipped) == (7, 0)
    with open_catalog(catalog_db) as catalog:
        analysed = catalog.conn.execute("SELECT file_id FROM analysis ORDER BY file_id")
        assert [r[0] for r in analysed] == sorted(i for i, _, _ in present)
    again = run_analysis(catalog_db, jobs=2, fingerprint=False, progress=events.append)
    assert (again.analyzed, again.skipped) == (0, 7) and len(events) == 7
