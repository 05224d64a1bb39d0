"""`archiver scan` as users run it: exit codes, --json, signals, permissions."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.scan import scan
from tests.privileges import as_unprivileged
from tests.scan.pipeline.conftest import REPO, check_invariants, one, query, song


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_json_output_is_one_object(db, lib):
    result = CliRunner().invoke(cli, ["--db", str(db), "scan", str(lib), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("added", "updated", "unchanged", "missing", "errors", "seconds"):
        assert key in data
    assert (data["added"], data["errors"], data["status"]) == (6, 1, "finished")
    assert data["interrupted"] is False
    assert data["error_list"][0]["kind"] == "corrupt"
    again = json.loads(CliRunner().invoke(cli, ["--db", str(db), "scan", "--json"]).stdout)
    assert (again["unchanged"], again["added"]) == (6, 0)


def test_summary_and_error_list_without_json(db, lib):
    proc = run_cli("--db", str(db), "scan", str(lib), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert "added" in proc.stdout and "6" in proc.stdout and "unchanged" in proc.stdout
    assert "broken.flac" in proc.stderr  # unreadable files are listed
    quiet = run_cli("--db", str(db), "scan", str(lib), "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == ""


def test_unreadable_files_listed_one_per_line_and_elapsed_not_zero(db, tmp_path):
    deep = tmp_path / ("a" * 90) / ("b" * 80)
    deep.mkdir(parents=True)
    (deep / "not really.mp3").write_bytes(b"junk" * 10)
    proc = run_cli("--db", str(db), "scan", str(tmp_path), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "not really.mp3" in line]
    assert len(lines) == 1  # not wrapped at 80 columns although stderr is a pipe
    assert lines[0].strip().startswith(str(deep)) and "corrupt" in lines[0]
    elapsed = next(line for line in proc.stdout.splitlines() if "elapsed" in line)
    assert re.search(r"\d+\.\d\d s", elapsed)  # a tiny scan shows hundredths


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "/nonexistent/music"], "no such file or folder"),
        (["scan"], "give a PATH"),
        (["scan", "--jobs", "0", "."], "--jobs"),
    ],
)
def test_usage_errors_exit_2(db, args, message):
    proc = run_cli("--db", str(db), *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_scan_without_path_or_catalog_creates_nothing(tmp_path):
    """`archiver --db new.db scan`: a usage error (no roots to rescan) that used to leave
    new.db and new.db-scan.lock behind."""
    proc = run_cli("--db", str(tmp_path / "new.db"), "scan")
    assert proc.returncode == 2 and "no library roots remembered yet" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_locked_catalog_exits_1_with_one_line(db, lib):
    from archiver.scan import scan_lock

    scan(db, [lib], jobs=1)
    with scan_lock(db):
        proc = run_cli("--db", str(db), "scan", str(lib))
    assert proc.returncode == 1
    assert "another archiver scan" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_not_a_catalog_exits_1(tmp_path, lib):
    bad = tmp_path / "bad.db"
    bad.write_text("this is not sqlite" * 100)
    proc = run_cli("--db", str(bad), "scan", str(lib))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr


N_KILL = 1200


def _library(root: Path, n: int) -> Path:
    formats = ["mp3", "flac", "ogg", "m4a", "opus"]
    for i in range(n):
        fmt = formats[i % len(formats)]
        song(root / f"Artist {i % 7}" / f"Album {i % 13}" / f"{i:04d} t.{fmt}", fmt, title=f"T{i}")
    return root


def _wait_for_rows(db: Path, proc: subprocess.Popen, minimum: int = 1, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return -1
        try:
            with sqlite3.connect(db, timeout=0.1) as conn:
                n = conn.execute("SELECT count(*) FROM files").fetchone()[0]
            if n >= minimum:
                return n
        except sqlite3.Error:
            pass
        time.sleep(0.005)
    return -1


def _catalog_content(db: Path) -> list[tuple]:
    return query(
        db,
        "SELECT f.path_bytes, f.size, f.mtime_ns, f.format, f.duration, f.read_error, f.missing, "
        "t.title, t.artist, t.album, t.raw FROM files f JOIN tags t ON t.file_id = f.id ORDER BY f.path_bytes",
    )


def test_kill_9_mid_scan_then_rescan(tmp_path):
    # More files than one write batch (500), so the kill lands between batches.
    lib = _library(tmp_path / "lib", N_KILL)
    reference = tmp_path / "reference.db"
    scan(reference, [lib], jobs=2)
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archiver",
            "--db",
            str(db),
            "scan",
            str(lib),
            "--jobs",
            "2",
            "--json",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    seen = _wait_for_rows(db, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert seen > 0, "the scan finished before it could be killed"
    check_invariants(db)
    assert query(db, "SELECT status FROM scan_runs") == [("running",)]
    kept = one(db, "SELECT count(*) FROM files")
    assert kept < N_KILL
    done = run_cli("--db", str(db), "scan", str(lib), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["added"] + summary["unchanged"] + summary["updated"] == N_KILL
    assert summary["unchanged"] + summary["updated"] == kept
    check_invariants(db)
    assert one(db, "SELECT count(*) FROM files") == N_KILL
    assert one(db, "SELECT count(DISTINCT path_bytes) FROM files") == N_KILL
    assert query(db, "SELECT status FROM scan_runs ORDER BY id") == [
        ("interrupted",),
        ("finished",),
    ]
    assert _catalog_content(db) == _catalog_content(reference)


def test_killing_only_the_main_process_leaves_no_readers_and_no_lock(tmp_path):
    """As the OOM killer would: the readers die with the scan, the lock is free."""
    lib = _library(tmp_path / "lib", N_KILL)
    db = tmp_path / "k.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "--db", str(db), "scan", str(lib), "--jobs", "2"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert _wait_for_rows(db, proc) > 0
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        again = run_cli("--db", str(db), "scan", str(lib), "--json")  # at once
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["files_found"] == N_KILL
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("reader processes outlived the killed scan")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    check_invariants(db)


def test_ctrl_c_stops_cleanly_with_130(tmp_path):
    """Ctrl-C: one line on stderr, exit 130; with --json the summary of what was kept is
    still printed, "interrupted": true (stdout used to be empty)."""
    lib = _library(tmp_path / "lib", N_KILL)
    db = tmp_path / "c.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "--db", str(db), "scan", str(lib), "-j", "2", "--json"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    seen = _wait_for_rows(db, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    out, err = proc.communicate(timeout=60)
    if seen < 0:
        pytest.skip("the scan finished before the interrupt")
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert query(db, "SELECT status FROM scan_runs") == [("interrupted",)]
    summary = json.loads(out)
    assert summary["interrupted"] is True and summary["status"] == "interrupted"
    assert 0 < summary["added"] <= one(db, "SELECT count(*) FROM files")
    check_invariants(db)
    assert one(db, "SELECT count(*) FROM files WHERE missing = 1") == 0
    rest = scan(db, [lib], jobs=2)
    assert rest.added + rest.unchanged == N_KILL


def test_permission_denied_folder_and_file():
    base = Path(tempfile.mkdtemp(prefix="archiver-perm-", dir="/tmp"))
    try:
        os.chmod(base, 0o777)
        lib = base / "lib"
        song(lib / "open" / "a.mp3")
        song(lib / "locked" / "b.mp3")
        song(lib / "secret.flac", "flac")
        for d in (lib, lib / "open", lib / "locked"):
            os.chmod(d, 0o755)
        db = base / "cat.db"
        scan(db, [lib], jobs=1)  # as we are: everything readable
        os.chmod(db, 0o666)
        for extra in ("-wal", "-shm", "-scan.lock"):
            p = Path(str(db) + extra)
            if p.exists():
                os.chmod(p, 0o666)
        os.chmod(lib / "locked", 0o000)
        os.chmod(lib / "secret.flac", 0o000)
        # change the secret file so the rescan has to open it
        os.utime(lib / "secret.flac", ns=(1, 2_000_000_000))

        def rescan():
            s = scan(db, [lib], jobs=1)
            return s.as_dict()

        result = as_unprivileged(rescan)
        assert result["status"] == "finished"
        errors = query(
            db, "SELECT kind, path FROM scan_errors WHERE scan_id = ?", (result["scan_id"],)
        )
        kinds = {Path(p).name: k for k, p in errors}
        assert kinds.get("locked") == "permission"
        assert "secret.flac" in kinds
        # the locked folder could not be listed: its file is not declared missing
        assert result["missing"] == 0
        assert one(db, "SELECT missing FROM files WHERE path LIKE '%locked/b.mp3'") == 0
        assert (
            one(db, "SELECT read_error IS NOT NULL FROM files WHERE path LIKE '%secret.flac'") == 1
        )
    finally:
        for d, _dirs, _files in os.walk(base):
            os.chmod(d, 0o755)
        os.chmod(base / "lib" / "locked", 0o755)
        os.chmod(base / "lib" / "secret.flac", 0o644)
        import shutil

        shutil.rmtree(base, ignore_errors=True)
