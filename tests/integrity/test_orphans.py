"""A ``kill -9`` of archiver during ``scan --checksum`` or ``verify`` leaves no hashing
worker behind (archiver.procs): the workers are gone within a few seconds.

Real CLI subprocesses, really SIGKILLed; processes are found through /proc by the
session the test starts them in (orphans keep it after their parent died).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.conftest import REPO, cli_cmd, run_cli

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

# Hashing a 1 GiB sparse WAV takes seconds (zeros are read and hashed like any byte)
# but costs no disk: the hashing phase lasts long enough to be interrupted.
BIG = 1 << 30
GRACE = 5.0  # seconds the workers get to die after their parent


def _sparse_wav(path: Path, data_bytes: int = BIG) -> Path:
    fmt = struct.pack("<HHIIHH", 1, 2, 44100, 44100 * 4, 4, 16)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data_bytes) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", data_bytes))
        f.truncate(f.tell() + data_bytes)
    return path


def _session(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state not in ("Z", "X"):
            found.append(int(name))
    return found


def _wait(condition, proc: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            raise AssertionError(f"the process ended (code {proc.returncode}) too early")
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def _kill_and_expect_no_orphans(proc: subprocess.Popen) -> None:
    """SIGKILL only the main process (as the OOM killer would), then every process
    of its session must be gone within GRACE seconds."""
    try:
        workers = [p for p in _session(proc.pid) if p != proc.pid]
        assert workers, "no worker process to orphan"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + GRACE
        while _session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _session(proc.pid)
        assert not left, f"workers still alive {GRACE:g} s after their parent was killed: {left}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _start(db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        cli_cmd(db, *args),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _one(db: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_killed_verify_leaves_no_hashing_workers(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    _sparse_wav(lib / "big.wav")
    _sparse_wav(lib / "small.wav", 4096)
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(lib), "--quiet").returncode == 0
    proc = _start(db, "verify", "--jobs", "2", "--quiet")
    _wait(lambda: len(_session(proc.pid)) >= 3, proc)  # main + 2 workers
    _kill_and_expect_no_orphans(proc)


def test_killed_scan_checksum_leaves_no_hashing_workers(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    _sparse_wav(lib / "big.wav")
    _sparse_wav(lib / "small.wav", 4096)
    db = tmp_path / "catalog.db"
    proc = _start(db, "scan", str(lib), "--checksum", "--jobs", "2", "--quiet")
    # The readers are stopped before hashing starts: workers seen after the scan's
    # run row is finished are hashing workers.
    _wait(
        lambda: (
            _one(db, "SELECT count(*) FROM scan_runs WHERE status = 'finished'") > 0
            and len(_session(proc.pid)) >= 3
        ),
        proc,
    )
    _kill_and_expect_no_orphans(proc)


POOL_IN_A_THREAD = """
import threading, time
from archiver.integrity.pool import imap_unordered

def run():
    for _ in imap_unordered(time.sleep, [60.0] * 4, 2):
        pass

# A second thread makes the pool use a fork server (as under the TUI): the
# workers are the server's children, not this process's.
thread = threading.Thread(target=run)
thread.start()
thread.join()
"""


def test_killed_threaded_caller_leaves_no_forkserver_workers(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", POOL_IN_A_THREAD],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    # main + fork server + 2 workers (+ multiprocessing's resource tracker)
    _wait(lambda: len(_session(proc.pid)) >= 4, proc)
    time.sleep(0.5)  # the workers are asleep in their task
    _kill_and_expect_no_orphans(proc)
