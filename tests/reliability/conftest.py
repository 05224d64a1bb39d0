"""Shared tools for the reliability suite: real CLI subprocesses, real libraries,
catalog invariants and a content fingerprint of a catalog to compare runs by."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.audiogen import make_corrupt, make_file, make_zero_byte

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "library"
FORMATS = ("mp3", "flac", "ogg", "m4a", "opus", "wv", "wma", "wav")


def cli_cmd(db: Path, *args: str | bytes) -> list[str | bytes]:
    return [sys.executable, "-m", "archiver", "--db", str(db), *args]


def run_cli(
    db: Path, *args: str | bytes, timeout: float = 120, **kw: object
) -> subprocess.CompletedProcess:
    """Run ``python -m archiver --db DB ARGS`` as a user would; output as text."""
    return subprocess.run(
        cli_cmd(db, *args),
        capture_output=True,
        text=True,
        errors="replace",
        cwd=REPO,
        timeout=timeout,
        **kw,
    )


def run_measured(
    cmd: Sequence[str | bytes], limit: float = 120
) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``cmd``; return its result and the peak RSS in MB of it and the children
    it reaped (``wait4``: this run only, unlike RUSAGE_CHILDREN). Exceeding ``limit``
    seconds fails: the property is "finishes"."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        # Through a small launcher: a program exec'd straight from this (large)
        # pytest process would have pytest's own peak RSS in its ru_maxrss (the
        # kernel keeps the high-water mark of the memory replaced by exec).
        launch = [sys.executable, "-c", _MEASURING_LAUNCHER, peak.name, *cmd]
        proc = subprocess.Popen(launch, cwd=REPO, stdout=out, stderr=err, start_new_session=True)
        timer = threading.Timer(limit, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        maxrss = int(peak.read() or 0)
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )
    assert proc.returncode != -signal.SIGKILL, f"{cmd[4:6]} did not finish within {limit:g} s"
    return result, maxrss // 1024


_MEASURING_LAUNCHER = """
import os, signal, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
if code < 0:  # die of the same signal
    if -code != signal.SIGKILL:
        signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def assert_one_line_error(result: subprocess.CompletedProcess, code: int) -> str:
    """Exit ``code``, no traceback, the error on stderr fits one line (click may
    add its usage and hint lines for usage errors)."""
    assert result.returncode == code, (result.returncode, result.stdout[-500:], result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    lines = [x for x in result.stderr.splitlines() if x.startswith(("Error", "archiver"))]
    assert len(lines) == 1, result.stderr
    return lines[0]


def make_library(root: Path, n: int, *, seed: int = 0, bad_every: int = 0) -> Path:
    """``n`` real tagged files in Artist/Album/NN Title.ext folders (deterministic).
    With ``bad_every``, every such file is corrupt, truncated or empty instead."""
    rng = random.Random(seed)
    for i in range(n):
        fmt = FORMATS[i % len(FORMATS)]
        artist, album = f"Artist {i % 9}", f"Album {i % 17}"
        dest = root / artist / album / f"{i:05d} Title {i}.{fmt}"
        if bad_every and i % bad_every == bad_every - 1:
            kind = rng.choice(("garbage", "truncated", "empty"))
            if kind == "empty":
                make_zero_byte(dest)
            else:
                make_corrupt(dest, fmt if fmt != "m4a" else "m4a", kind, seed=i)
            continue
        tags = {
            "title": f"Title {i} {rng.choice(['ä', 'ß', 'ő', '日本', 'x'])}",
            "artist": artist,
            "album": album,
            "tracknumber": str(i % 20 + 1),
            "genre": rng.choice(["Jazz", "Rock", "Folk"]),
        }
        make_file(dest, fmt, tags, strict=False)
    return root


def query(db: Path, sql: str, params: Sequence = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def one(db: Path, sql: str, params: Sequence = ()):
    return query(db, sql, params)[0][0]


def check_invariants(db: Path) -> None:
    """What must hold in any catalog, after any crash."""
    conn = sqlite3.connect(db)
    try:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        assert q("PRAGMA integrity_check") == [("ok",)]
        assert q("PRAGMA foreign_key_check") == []
        files = q("SELECT count(*) FROM files")[0][0]
        # every files row has exactly one tags row, and no tags row is orphaned
        assert q("SELECT count(*) FROM tags")[0][0] == files
        assert (
            q(
                "SELECT count(*) FROM files f LEFT JOIN tags t ON t.file_id = f.id "
                "WHERE t.file_id IS NULL"
            )[0][0]
            == 0
        )
        # the FTS index has exactly one row per tags row, with the same rowids
        assert q("SELECT count(*) FROM search_index")[0][0] == files
        assert (
            q(
                "SELECT count(*) FROM tags t LEFT JOIN search_index s ON s.rowid = t.file_id "
                "WHERE s.rowid IS NULL"
            )[0][0]
            == 0
        )
        # FTS shadow tables agree with the content (the 'integrity-check' command)
        conn.execute("INSERT INTO search_index(search_index) VALUES ('integrity-check')")
        assert q("SELECT count(*) - count(DISTINCT path_bytes) FROM files")[0][0] == 0
        assert q("SELECT count(*) FROM files WHERE first_scan_id > last_scan_id")[0][0] == 0
        assert (
            q(
                "SELECT count(*) FROM pictures p LEFT JOIN files f ON f.id = p.file_id "
                "WHERE f.id IS NULL"
            )[0][0]
            == 0
        )
    finally:
        conn.close()


# Columns that say when or in which run something happened, not what it is.
_VOLATILE = {
    "id",
    "file_id",
    "root_id",
    "first_seen_at",
    "last_seen_at",
    "last_read_at",
    "first_scan_id",
    "last_scan_id",
    "missing_since",
    "hashed_at",
    "last_verified_at",
    "computed_at",
    "scan_id",
    "verify_run_id",
    "matched_at",
    "updated_at",
    "created_at",
    "fetched_at",
    "at",
    "enrich_run_id",
    "history_id",
    "changed_at",
}


def _canonical(value: object) -> object:
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    # tags.raw is compared as data (key order aside: see test_raw_tags_are_deterministic)
    keep = ", ".join("json(t.raw)" if c == "raw" else f"t.{c}" for c in cols if c not in _VOLATILE)
    if table == "files":
        sql = f"SELECT {keep} FROM files t ORDER BY t.path_bytes"
    else:
        sql = f"SELECT f.path_bytes, {keep} FROM {table} t JOIN files f ON f.id = t.file_id"
    rows = conn.execute(sql).fetchall()
    out = []
    for row in rows:
        cells = [_canonical(v) for v in row]
        if table == "tags":
            raw_at = [c for c in cols if c not in _VOLATILE].index("raw") + 1
            cells[raw_at] = json.dumps(json.loads(cells[raw_at]), sort_keys=True)
        out.append(tuple(cells))
    return sorted(out, key=repr)


def catalog_content(db: Path, tables: Sequence[str] = ("tags", "pictures")) -> dict[str, list]:
    """The catalog's content keyed by file path, without ids and timestamps:
    two catalogs of the same library must give equal results."""
    conn = sqlite3.connect(db)
    try:
        out = {"files": _rows(conn, "files")}
        for table in tables:
            out[table] = _rows(conn, table)
        out["roots"] = conn.execute("SELECT path_bytes FROM library_roots ORDER BY 1").fetchall()
        return out
    finally:
        conn.close()


def tree_hashes(root: Path) -> dict[bytes, tuple[str, int]]:
    """sha256 and mtime_ns of every regular file under ``root`` (bytes paths)."""
    out = {}
    for folder, _dirs, names in os.walk(os.fsencode(root)):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            st = os.stat(path)
            with open(path, "rb") as fh:
                out[path] = (hashlib.sha256(fh.read()).hexdigest(), st.st_mtime_ns)
    return out


def can_mount() -> bool:
    """True when this process may mount a tmpfs (root, not in a locked container)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    probe = Path(f"/tmp/archiver-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        ok = (
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                capture_output=True,
                timeout=10,
            ).returncode
            == 0
        )
        if ok:
            subprocess.run(["umount", str(probe)], capture_output=True, timeout=10)
        return ok
    finally:
        probe.rmdir()


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture(scope="session")
def big_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,200 real files (a few damaged), shared read-only by the crash tests."""
    return make_library(tmp_path_factory.mktemp("big") / "lib", 1200, seed=1, bad_every=97)


@pytest.fixture(scope="session")
def small_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("small") / "lib", 60, seed=2, bad_every=19)
