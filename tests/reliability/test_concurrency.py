"""Concurrent use and hostile storage: readers during a scan, two scans at once,
writers of different kinds at once, a read-only file system, a full disk."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    EXAMPLES,
    REPO,
    assert_one_line_error,
    can_mount,
    catalog_content,
    check_invariants,
    cli_cmd,
    one,
    query,
    run_cli,
    tmpfs,
)

MOUNTABLE = can_mount()


def _snapshot(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """files, tags and FTS rows, read in one transaction (one snapshot)."""
    conn.execute("BEGIN")
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("files", "tags", "search_index")
        )
    finally:
        conn.execute("COMMIT")


def test_readers_see_consistent_snapshots_while_a_scan_writes(big_library, tmp_path):
    """A reader process runs `stats --json` and `export` again and again while a
    full scan writes; another reader checks snapshot invariants in a tight loop."""
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(big_library), "--quiet").returncode == 0
    total = one(db, "SELECT count(*) FROM files")
    scan = subprocess.Popen(
        cli_cmd(db, "scan", str(big_library), "--full", "--jobs", "2", "--quiet"),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    snapshots: list[tuple[int, int, int]] = []
    stop = threading.Event()

    def tight_reader() -> None:
        conn = sqlite3.connect(db, timeout=10)
        try:
            while not stop.is_set():
                snapshots.append(_snapshot(conn))
        finally:
            conn.close()

    thread = threading.Thread(target=tight_reader)
    thread.start()
    reads = during = 0
    try:
        while scan.poll() is None or reads < 2:
            during += scan.poll() is None
            stats = run_cli(db, "stats", "--json")
            assert stats.returncode == 0, stats.stderr
            assert json.loads(stats.stdout)["tracks"] == total
            export = run_cli(db, "export", "--format", "csv", "--columns", "path,title")
            assert export.returncode == 0, export.stderr
            rows = list(csv.reader(io.StringIO(export.stdout)))
            assert rows[0] == ["path", "title"]
            assert len(rows) == total + 1 and all(len(r) == 2 for r in rows)
            reads += 1
    finally:
        stop.set()
        thread.join()
        scan.wait(60)
    assert scan.returncode == 0, scan.stderr
    assert during >= 1, "no read overlapped the scan"
    assert snapshots and all(s == (total, total, total) for s in snapshots)
    check_invariants(db)


def test_two_scans_at_once_one_refuses_with_one_line(big_library, tmp_path):
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(EXAMPLES), "--quiet").returncode == 0  # schema in place
    procs = [
        subprocess.Popen(
            cli_cmd(db, "scan", str(big_library), "--jobs", "2", "--json"),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    codes = sorted(r.returncode for r in results)
    assert codes in ([0, 0], [0, 1]), [(r.returncode, r.stderr) for r in results]
    for r in results:
        if r.returncode == 1:
            line = assert_one_line_error(r, 1)
            assert "another archiver scan" in line
            assert r.stdout == ""
    check_invariants(db)
    assert one(db, "SELECT count(*) FROM scan_runs WHERE status = 'running'") == 0


def test_scan_verify_and_enrich_writing_at_once(big_library, tmp_path):
    """Different writers on one catalog: each waits for the others' short
    transactions (busy timeout); all finish, nothing is corrupted."""
    from tests.musicbrainz.demo_server import load_examples
    from tests.musicbrainz.fakeserver import FakeMusicBrainz

    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(EXAMPLES), str(big_library), "--quiet").returncode == 0
    fake = FakeMusicBrainz()
    load_examples(fake)
    with fake.start():
        commands = [
            ["scan", "--full", "--jobs", "1", "--quiet"],
            ["verify", "--jobs", "1", "--quiet"],
            ["enrich", "--server", fake.url, "--rate-limit", "0", "--quiet"],
            ["stats", "--json"],
        ]
        procs = [
            subprocess.Popen(
                cli_cmd(db, *c), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for c in commands
        ]
        outs = [p.communicate(timeout=120) for p in procs]
    for command, proc, (_out, err) in zip(commands, procs, outs, strict=True):
        assert proc.returncode == 0, (command, err)
        assert "Traceback" not in err
    check_invariants(db)
    assert one(db, "SELECT count(*) FROM fingerprints") == one(db, "SELECT count(*) FROM files")
    assert one(db, "SELECT count(*) FROM matches") > 0


# --- storage that fails --------------------------------------------------------


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.skipif(not MOUNTABLE, reason="needs permission to mount a tmpfs")
def test_read_only_file_system_clear_error_catalog_intact(small_library, tmp_path):
    where = tmp_path / "ro"
    with tmpfs(where, "16m"):
        db = where / "catalog.db"
        assert run_cli(db, "scan", str(small_library), "--quiet").returncode == 0
        before, content = _folder_bytes(where), catalog_content(db)
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        for args in (
            ["scan", str(small_library)],
            ["scan"],
            ["verify"],
            ["enrich", "--offline"],
        ):
            result = run_cli(db, *args)
            line = assert_one_line_error(result, 1)
            assert str(db) in line
        assert _folder_bytes(where) == before
        subprocess.run(["mount", "-o", "remount,rw", str(where)], check=True)
        check_invariants(db)
        assert catalog_content(db) == content


@pytest.mark.skipif(not MOUNTABLE, reason="needs permission to mount a tmpfs")
def test_read_only_file_system_error_names_the_cause_and_reads_work(small_library, tmp_path):
    where = tmp_path / "ro"
    with tmpfs(where, "16m"):
        db = where / "catalog.db"
        assert run_cli(db, "scan", str(small_library), "--quiet").returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        line = assert_one_line_error(run_cli(db, "scan", str(small_library)), 1)
        stats = run_cli(db, "stats", "--json")
        export = run_cli(db, "export", "--format", "jsonl")
        ls = run_cli(db, "ls", "--format", "{path}")
        subprocess.run(["mount", "-o", "remount,rw", str(where)], check=True)
        tracks = one(db, "SELECT count(*) FROM files")
    assert "read-only" in line
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["tracks"] == tracks
    assert export.returncode == 0, export.stderr
    assert len(export.stdout.splitlines()) == tracks
    assert ls.returncode == 0, ls.stderr
    assert len(ls.stdout.splitlines()) == tracks


@pytest.mark.skipif(not MOUNTABLE, reason="needs permission to mount a tmpfs")
def test_full_disk_clear_error_then_resumes_when_space_is_back(big_library, tmp_path):
    where = tmp_path / "full"
    reference = tmp_path / "reference.db"
    assert run_cli(reference, "scan", str(EXAMPLES), "--quiet").returncode == 0
    assert run_cli(reference, "scan", str(big_library), "--quiet").returncode == 0
    # The examples catalog twice (creating it writes every migration through the WAL,
    # which must fit beside the file while it is checkpointed) plus the same room as
    # always (890 kB): the schema grows with migrations, the room must not shrink.
    sized = tmp_path / "sized.db"
    assert run_cli(sized, "scan", str(EXAMPLES), "--quiet").returncode == 0
    with tmpfs(where, f"{2 * sized.stat().st_size // 1024 + 890}k"):
        db = where / "catalog.db"
        assert run_cli(db, "scan", str(EXAMPLES), "--quiet").returncode == 0
        examples = catalog_content(db)
        result = run_cli(db, "scan", str(big_library), "--jobs", "2", "--json")
        line = assert_one_line_error(result, 1)
        assert "disk is full" in line
        assert result.stdout == ""
        check_invariants(db)
        # what was there before is all still there
        after = catalog_content(db)
        assert set(examples["files"]) <= set(after["files"])
        assert set(examples["tags"]) <= set(after["tags"])
        assert query(db, "SELECT status FROM scan_runs ORDER BY id") == [
            ("finished",),
            ("failed",),
        ]
        # space is back: the next scan finishes the work
        subprocess.run(["mount", "-o", "remount,size=64m", str(where)], check=True)
        done = run_cli(db, "scan", str(big_library), "--jobs", "2", "--json")
        assert done.returncode == 0, done.stderr
        check_invariants(db)
        assert catalog_content(db) == catalog_content(reference)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal death
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_file_size_limit_clear_error_catalog_intact(big_library, tmp_path):
    """The portable stand-in for a full disk (no mount needed): the kernel refuses
    to grow any file the process writes past a limit."""
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(EXAMPLES), "--quiet").returncode == 0
    examples = catalog_content(db)
    size = max(db.stat().st_size, 64 * 1024) + 256 * 1024
    result = subprocess.run(
        cli_cmd(db, "scan", str(big_library), "--jobs", "2", "--json"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size(size),
    )
    assert_one_line_error(result, 1)
    assert result.stdout == ""
    check_invariants(db)
    after = catalog_content(db)
    assert set(examples["files"]) <= set(after["files"])
    assert set(examples["tags"]) <= set(after["tags"])
    done = run_cli(db, "scan", str(big_library), "--json")
    assert done.returncode == 0, done.stderr
    check_invariants(db)


def test_catalog_file_replaced_by_garbage_is_refused_untouched(tmp_path):
    db = tmp_path / "catalog.db"
    db.write_bytes(os.urandom(8192))
    before = db.read_bytes()
    for args in (["scan", str(EXAMPLES)], ["stats"], ["export"], ["verify"]):
        result = run_cli(db, *args)
        assert_one_line_error(result, 1)
    assert db.read_bytes() == before


def test_catalog_truncated_mid_file_is_reported_not_crashed(small_library, tmp_path):
    """A catalog cut short (a copy interrupted, a bad sector): one-line errors."""
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(small_library), "--quiet").returncode == 0
    assert run_cli(db, "stats").returncode == 0  # checkpointed on close
    for extra in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        extra.unlink(missing_ok=True)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    for args in (["stats", "--json"], ["export"], ["ls"], ["scan", str(small_library)]):
        result = run_cli(db, *args)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        if result.returncode != 0:
            assert_one_line_error(result, 1)


def test_two_verify_runs_at_once_store_each_fingerprint_once(big_library, tmp_path):
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(big_library), "--quiet").returncode == 0
    procs = [
        subprocess.Popen(
            cli_cmd(db, "verify", "--jobs", "1", "--quiet"),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode in (0, 1), err  # (1: refused with one line is fine too)
        assert "Traceback" not in err
    check_invariants(db)
    duplicated = query(
        db,
        "SELECT count(*) FROM (SELECT 1 FROM fingerprints "
        "GROUP BY file_id, size, mtime_ns, sha256 HAVING count(*) > 1)",
    )
    assert duplicated == [(0,)]
