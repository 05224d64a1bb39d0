"""Ctrl-C at random moments of `archiver scan --checksum` (issue 14): always exit 130
with the one "interrupted ... again" line, never a database error or a bare
`Aborted!`, and a plain re-run finishes the work, giving the catalog an
uninterrupted scan gives. Real subprocesses, real files with pictures, SIGINT to
the process group as a terminal sends it; bounded to about 30 s."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.audiogen import make_file
from tests.scan_pipeline.conftest import REPO, check_invariants, query

N_FILES = 300
BUDGET = 30.0  # seconds of interrupting; at least MIN_ROUNDS rounds are run
MIN_ROUNDS = 4
FORMATS = ("mp3", "flac", "m4a", "ogg")


def _library(root: Path) -> Path:
    for i in range(N_FILES):
        fmt = FORMATS[i % len(FORMATS)]
        make_file(
            root / f"Artist {i % 5}" / f"Album {i % 11}" / f"{i:03d}.{fmt}",
            fmt,
            {"title": f"T{i}", "artist": f"Artist {i % 5}", "album": f"Album {i % 11}"},
            with_picture=True,
        )
    return root


def _argv(db: Path, lib: Path) -> list[str]:
    return [sys.executable, "-m", "archiver", "--db", str(db), "scan", "--checksum", "-j", "2",
            str(lib)]  # fmt: skip


def _content(db: Path) -> list[tuple]:
    files = query(
        db,
        "SELECT f.path_bytes, f.size, f.format, f.read_error, f.missing, f.sha256, t.title, t.raw"
        " FROM files f JOIN tags t ON t.file_id = f.id ORDER BY f.path_bytes",
    )
    pictures = query(
        db,
        "SELECT f.path_bytes, p.position, p.sha256 FROM pictures p JOIN files f ON f.id = p.file_id"
        " ORDER BY 1, 2",
    )
    return [*files, *pictures]


def _started(db: Path, proc: subprocess.Popen, timeout: float = 30) -> bool:
    """True once the scan has a run row (the CLI is past start-up, into its work)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
                if conn.execute("SELECT count(*) FROM scan_runs").fetchone()[0]:
                    return True
        except sqlite3.Error:
            pass
        time.sleep(0.005)
    return False


@pytest.mark.timeout(240)
def test_ctrl_c_at_random_moments_always_exits_130_and_a_rerun_finishes(tmp_path):
    lib = _library(tmp_path / "lib")
    reference = tmp_path / "reference.db"
    start = time.monotonic()
    done = subprocess.run(_argv(reference, lib), cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    full_run = time.monotonic() - start
    expected = _content(reference)
    assert all(row[5] for row in query(reference, "SELECT 0,0,0,0,0, sha256 FROM files"))

    rng = random.Random(int(os.environ.get("ARCHIVER_TEST_SEED", "0")) or None)
    outcomes: list[str] = []
    started_at = time.monotonic()
    round_no = 0
    while round_no < MIN_ROUNDS or time.monotonic() - started_at < BUDGET:
        round_no += 1
        db = tmp_path / f"r{round_no}.db"
        proc = subprocess.Popen(
            _argv(db, lib), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )  # fmt: skip
        try:
            if _started(db, proc):
                time.sleep(rng.uniform(0, 0.8 * full_run))  # anywhere in the read and hash phases
                try:
                    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
                except ProcessLookupError:
                    pass
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        where = f"round {round_no}: exit {proc.returncode}, stderr {err!r}, stdout {out[-300:]!r}"
        assert "Traceback" not in err and "Aborted" not in err, where
        assert "UNIQUE" not in err and "constraint" not in err, where
        if proc.returncode == 0 or (
            proc.returncode == -signal.SIGINT and not err and out.rstrip().endswith("┘")
        ):
            # The interrupt came after the end: the summary was printed (a Ctrl-C
            # while Python shuts down ends it by SIGINT, which a shell shows as 130).
            outcomes.append("finished")
        else:
            # 130, or (rarely, with the line printed) ended by SIGINT itself, which a
            # shell reports as 130 too (see the lead's notes on issue 14).
            assert proc.returncode in (130, -signal.SIGINT), where
            lines = err.strip().splitlines()
            assert len(lines) == 1 and "interrupted" in lines[0], where
            assert "again" in lines[0], where
            outcomes.append("scan" if "scan interrupted" in lines[0] else "checksum")
        check_invariants(db)
        again = subprocess.run(_argv(db, lib), cwd=REPO, capture_output=True, text=True)
        assert again.returncode == 0, f"{where}; re-run: {again.stderr}"
        assert _content(db) == expected, where
        db.unlink()
        for extra in ("-wal", "-shm", "-scan.lock"):
            Path(f"{db}{extra}").unlink(missing_ok=True)
    # Said in the test log (-rA) so a run that never hit a phase is visible.
    print(f"{round_no} rounds: {outcomes}")
    assert set(outcomes) - {"finished"}, outcomes
    shutil.rmtree(lib)


def test_a_batch_written_again_after_its_commit_is_harmless(tmp_path, monkeypatch):
    """The cause of "UNIQUE constraint failed: pictures.file_id, pictures.position":
    Ctrl-C landing after a batch's COMMIT but before the writer forgot it; the
    interrupted scan then flushed the same batch again. Simulated exactly here."""
    from contextlib import contextmanager

    from archiver.catalog import files as store
    from archiver.catalog.db import Catalog, open_catalog
    from archiver.scan.read import read_file

    paths = [
        make_file(tmp_path / f"{i}.{fmt}", fmt, {"title": f"T{i}"}, with_picture=True)
        for i, fmt in enumerate(FORMATS)
    ]
    catalog = open_catalog(tmp_path / "c.db")
    root = store.add_root(catalog, os.fsencode(tmp_path))
    scan_id = store.start_run(catalog, [str(tmp_path)], full=False, checksum=False)
    cols = store.tag_columns(catalog)
    writer = store.ScanWriter(catalog, scan_id, cols)
    for path in paths:
        writer.add_rows(store.record_rows(read_file(os.fsencode(path)), root, scan_id, cols),
                        replace=False)  # fmt: skip
    writer.add_error(os.fsencode(tmp_path / "bad.flac"), "corrupt", "not FLAC")

    real_write = Catalog.write

    @contextmanager
    def interrupted_after_commit(self):
        with real_write(self) as conn:
            yield conn
        monkeypatch.setattr(Catalog, "write", real_write)  # once
        raise KeyboardInterrupt

    monkeypatch.setattr(Catalog, "write", interrupted_after_commit)
    with pytest.raises(KeyboardInterrupt):
        writer.flush()
    writer.flush()  # what run_scan's Ctrl-C handler does: the same batch again
    one = lambda sql: catalog.execute(sql).fetchone()[0]  # noqa: E731
    assert one("SELECT count(*) FROM files") == len(paths)
    assert one("SELECT count(*) FROM pictures") == len(paths)
    assert one("SELECT count(*) FROM scan_errors") == 1
    assert one("SELECT count(*) FROM search_index") == len(paths)
    catalog.close()
