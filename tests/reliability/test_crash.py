"""Crash consistency: SIGKILL `archiver scan` / `verify` / `enrich` at many
random points, then finish the work and compare with an uninterrupted run.

The kill points are random but seeded (``RELIABILITY_SEED`` overrides the
seed, so a failure can be replayed). SIGKILL gives the process no chance to
clean up: what survives is exactly what SQLite committed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability.conftest import (
    EXAMPLES,
    REPO,
    catalog_content,
    check_invariants,
    cli_cmd,
    one,
    query,
    run_cli,
)

SEED = int(os.environ.get("RELIABILITY_SEED", "20261124"))


def _kill_at(
    db: Path, args: list[str], delay: float, *, group: bool, env: dict | None = None
) -> bool:
    """Start ``archiver ARGS``, SIGKILL it after ``delay`` s. True when it was killed
    (False when it finished first). ``group`` kills the reader processes too;
    otherwise only the main process dies and its workers are orphaned."""
    proc = subprocess.Popen(
        cli_cmd(db, *args),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        proc.wait(delay)
        return False
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        return True
    finally:
        if not group:
            _reap_group(proc.pid)


def _count(db: Path, table: str) -> int | None:
    """Rows in ``table``; None when the catalog or the table does not exist yet."""
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def _reap_group(pgid: int, wait: float = 10.0) -> None:
    """Orphaned workers must leave by themselves (their pipe closed); give them
    ``wait`` seconds, then kill what is left so the test cannot leak processes."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    raise AssertionError(f"reader processes of a killed scan still alive after {wait:g} s")


def test_scan_killed_at_many_points_then_finished_equals_uninterrupted(big_library, tmp_path):
    reference = tmp_path / "reference.db"
    started = time.monotonic()
    done = run_cli(reference, "scan", str(big_library), "--jobs", "2", "--json")
    wall = time.monotonic() - started  # kill points are spread over this
    assert done.returncode == 0, done.stderr
    total = json.loads(done.stdout)["files_found"]

    db = tmp_path / "killed.db"
    rng = random.Random(SEED)
    landed = 0  # kills that hit a scan after its run row was written
    left_running = 0  # of those, runs the kill left 'running' (not yet finished)
    for attempt in range(12):
        # Most attempts re-read everything (--full), so late kills still land in
        # the read phase, and in the update path, not only the insert path.
        args = ["scan", str(big_library), "--jobs", "2", "--quiet"]
        if attempt % 4 != 1:
            args.append("--full")
        runs_before = _count(db, "scan_runs") or 0
        killed = _kill_at(db, args, rng.uniform(0.15, 1.0) * wall, group=True)
        if _count(db, "files") is None:
            continue  # killed before the schema was in place: nothing to check yet
        check_invariants(db)
        if killed and (_count(db, "scan_runs") or 0) > runs_before:
            landed += 1
            last = one(db, "SELECT status FROM scan_runs ORDER BY id DESC LIMIT 1")
            assert last in ("running", "finished")  # SIGKILL runs no handler
            left_running += last == "running"
    assert landed >= 5, f"only {landed} kills landed inside a scan: slow the attempts down"

    finish = run_cli(db, "scan", str(big_library), "--jobs", "2", "--json")
    assert finish.returncode == 0, finish.stderr
    summary = json.loads(finish.stdout)
    assert summary["files_found"] == total
    check_invariants(db)
    # every run left 'running' by a kill was closed by the next scan
    statuses = [s for (s,) in query(db, "SELECT status FROM scan_runs ORDER BY id")]
    assert "running" not in statuses
    assert statuses[-1] == "finished"
    assert statuses.count("interrupted") == left_running
    assert set(statuses) <= {"interrupted", "finished"}
    assert one(db, "SELECT count(*) FROM files") == total
    assert catalog_content(db) == catalog_content(reference)


def test_scan_checksum_killed_at_many_points_then_finished_equals_uninterrupted(
    big_library, tmp_path
):
    """`scan --checksum` killed in its read or its hashing phase: the next one hashes
    what is left; each file ends with exactly the fingerprint an uninterrupted run takes."""
    reference = tmp_path / "reference.db"
    started = time.monotonic()
    done = run_cli(reference, "scan", str(big_library), "--jobs", "2", "--checksum", "--quiet")
    wall = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    db = tmp_path / "killed.db"
    rng = random.Random(SEED + 3)
    partial = 0  # kills that left some files hashed and some not
    for attempt in range(8):
        args = ["scan", str(big_library), "--jobs", "2", "--checksum", "--quiet"]
        if attempt % 2:
            args.append("--full")
        _kill_at(db, args, rng.uniform(0.3, 1.0) * wall, group=True)
        if _count(db, "files") is None:
            continue
        check_invariants(db)
        prints = _fingerprints(db)
        assert len(prints) == len(set(prints)), "a fingerprint was stored twice"
        hashed = one(db, "SELECT count(*) FROM files WHERE sha256 IS NOT NULL")
        partial += 0 < hashed < one(db, "SELECT count(*) FROM files")
    print(f"kills that left hashing half done: {partial}")
    finish = run_cli(db, "scan", str(big_library), "--jobs", "2", "--checksum", "--quiet")
    assert finish.returncode == 0, finish.stderr
    check_invariants(db)
    assert _fingerprints(db) == _fingerprints(reference)
    tables = ("tags", "pictures", "fingerprints")
    assert catalog_content(db, tables) == catalog_content(reference, tables)


def test_killed_scan_does_not_block_the_next_one(big_library, tmp_path):
    """Only the main process is killed (as the OOM killer would): its orphaned
    readers must not keep the scan lock, so a scan started at once succeeds."""
    db = tmp_path / "catalog.db"
    proc = subprocess.Popen(
        cli_cmd(db, "scan", str(big_library), "--jobs", "2", "--quiet"),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: db.exists() and one(db, "SELECT count(*) FROM files") > 0, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        again = run_cli(db, "scan", str(big_library), "--jobs", "2", "--json")
    finally:
        _reap_group(proc.pid, wait=5)
    assert again.returncode == 0, again.stderr
    check_invariants(db)


def _wait_for(condition, proc: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001 - the catalog may not have its tables yet
            pass
        if proc.poll() is not None:
            raise AssertionError("the process finished before the condition held")
        time.sleep(0.01)
    raise AssertionError("condition not reached in time")


def test_raw_tags_are_deterministic(tmp_path):
    """Reading the same file twice must store the same bytes: otherwise a --full
    rescan or a resumed scan churns rows (and the FTS index) for nothing."""
    from tests.audiogen import make_file

    path = make_file(
        tmp_path / "a.wma",
        "wma",
        {"title": "T", "artist": "A", "album": "B", "genre": "G", "tracknumber": "3"},
    )
    code = (
        "import sys, json; from archiver.scan.read import read_file; "
        "print(json.dumps(read_file(sys.argv[1].encode()).raw_tags))"
    )
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            check=True,
        )
        outputs.add(out.stdout)
    assert len(outputs) == 1, outputs


def _fingerprints(db: Path) -> list[tuple]:
    return sorted(
        query(
            db,
            "SELECT f.path_bytes, p.size, p.mtime_ns, p.sha256, p.audio_hash, p.audio_hash_method "
            "FROM fingerprints p JOIN files f ON f.id = p.file_id",
        )
    )


def test_verify_killed_at_many_points_then_finished_equals_uninterrupted(big_library, tmp_path):
    base = tmp_path / "base.db"
    assert run_cli(base, "scan", str(big_library), "--jobs", "2", "--quiet").returncode == 0
    reference, db = tmp_path / "reference.db", tmp_path / "killed.db"
    shutil.copyfile(base, reference)
    shutil.copyfile(base, db)
    started = time.monotonic()
    done = run_cli(reference, "verify", "--jobs", "2", "--json")
    wall = time.monotonic() - started
    assert done.returncode == 0, done.stderr

    rng = random.Random(SEED + 1)
    landed = 0
    for attempt in range(12):
        runs_before = one(db, "SELECT count(*) FROM verify_runs")
        args = ["verify", "--jobs", "2", "--quiet"] + (["--resume"] if attempt % 2 else [])
        # (the first third of ``wall`` is Python starting up: kill after it)
        if _kill_at(db, args, rng.uniform(0.3, 1.0) * wall, group=True):
            landed += one(db, "SELECT count(*) FROM verify_runs") > runs_before
        check_invariants(db)
        prints = _fingerprints(db)
        assert len(prints) == len(set(prints)), "a fingerprint was stored twice"
    assert landed >= 4, f"only {landed} kills landed inside a verify run"

    finish = run_cli(db, "verify", "--jobs", "2", "--resume", "--json")
    assert finish.returncode == 0, finish.stderr
    check_invariants(db)
    assert _fingerprints(db) == _fingerprints(reference)
    assert catalog_content(db, ("tags", "pictures", "fingerprints")) == catalog_content(
        reference, ("tags", "pictures", "fingerprints")
    )
    assert query(db, "SELECT DISTINCT last_verify_status FROM files") == [("ok",)]


def test_killed_verify_run_is_marked_interrupted_by_the_next_run(small_library, tmp_path):
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(small_library), "--quiet").returncode == 0
    # what a SIGKILLed verify leaves behind: its run row, still 'running'
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO verify_runs (started_at, status, query) "
            "VALUES ('2026-01-01T00:00:00Z', 'running', 'artist:x')"
        )
    conn.close()
    assert run_cli(db, "verify", "--quiet").returncode in (0, 1)
    statuses = [s for (s,) in query(db, "SELECT status FROM verify_runs ORDER BY id")]
    assert statuses == ["interrupted", "finished"]


# --- enrich --------------------------------------------------------------------


def _match_content(db: Path) -> dict[str, list]:
    return {
        "matches": sorted(
            query(
                db,
                "SELECT f.path_bytes, m.status, m.method, round(m.score, 6), m.release_mbid, "
                "m.track_mbid, m.recording_mbid, m.album_key, m.error "
                "FROM matches m JOIN files f ON f.id = m.file_id",
            )
        ),
        "albums": sorted(
            query(
                db,
                "SELECT album_key, status, method, release_mbid, round(score, 6), error "
                "FROM album_matches",
            )
        ),
        **{
            table: _table(db, table)
            for table in ("mb_releases", "mb_tracks", "mb_recordings", "mb_credits")
        },
        "cache": sorted(query(db, "SELECT request, status, body FROM mb_cache")),
    }


def _table(db: Path, table: str) -> list[tuple]:
    """A table's rows without ids and timestamps."""
    cols = [r[1] for r in query(db, f"PRAGMA table_info({table})")]
    keep = [c for c in cols if c not in ("id", "fetched_at")]
    return sorted(query(db, f"SELECT {', '.join(keep)} FROM {table}"), key=repr)


def test_enrich_killed_at_many_points_then_finished_equals_uninterrupted(tmp_path):
    from tests.musicbrainz.demo_server import load_examples
    from tests.musicbrainz.fakeserver import FakeMusicBrainz

    base = tmp_path / "base.db"
    assert run_cli(base, "scan", str(EXAMPLES), "--quiet").returncode == 0
    reference, db = tmp_path / "reference.db", tmp_path / "killed.db"
    shutil.copyfile(base, reference)
    shutil.copyfile(base, db)
    fake = FakeMusicBrainz()
    load_examples(fake)
    for replies in fake.routes.values():  # a slow server widens the kill window
        for reply in replies:
            reply.delay = 0.15
    with fake.start():
        args = ["enrich", "--server", fake.url, "--rate-limit", "0", "--timeout", "5", "--quiet"]
        started = time.monotonic()
        done = run_cli(reference, *args, "--json")
        wall = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["matched"] > 0

        rng = random.Random(SEED + 2)
        landed = 0
        for attempt in range(10):
            runs_before = one(db, "SELECT count(*) FROM enrich_runs")
            # answers are cached: --refresh keeps later attempts slow enough to kill
            again = args + (["--refresh"] if attempt % 3 else [])
            if _kill_at(db, again, rng.uniform(0.4, 1.0) * wall, group=True):
                landed += one(db, "SELECT count(*) FROM enrich_runs") > runs_before
            check_invariants(db)
            history = query(db, "SELECT count(*) FROM match_history")[0][0]
            assert history >= one(db, "SELECT count(*) FROM matches")
        assert landed >= 3, f"only {landed} kills landed inside an enrich run"
        finish = run_cli(db, *args, "--json")
        assert finish.returncode == 0, finish.stderr
    check_invariants(db)
    assert _match_content(db) == _match_content(reference)


def test_killed_enrich_run_is_marked_interrupted_by_the_next_run(small_library, tmp_path):
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(small_library), "--quiet").returncode == 0
    conn = sqlite3.connect(db)
    with conn:  # what a SIGKILLed enrich leaves behind
        conn.execute(
            "INSERT INTO enrich_runs (started_at, status) VALUES ('2026-01-01T00:00:00Z', 'running')"
        )
    conn.close()
    done = run_cli(db, "enrich", "--offline", "--quiet")
    assert done.returncode == 0, done.stderr
    statuses = [s for (s,) in query(db, "SELECT status FROM enrich_runs ORDER BY id")]
    assert statuses == ["interrupted", "finished"]
