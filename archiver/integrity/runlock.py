"""Tell a live ``verify`` / ``enrich`` run from one whose process died.

A run row says ``running`` from its start to its end; a process killed by
SIGKILL (or a power cut) never gets to change that. So every live run also
holds an OS lock: the byte at offset ``run_id`` of ``<catalog>-<kind>.lock``
(a POSIX record lock, ``fcntl.lockf``). The kernel drops it when the process
dies, however it dies. The next run of the same kind, inside the write
transaction that starts it, tries each ``running`` row's byte: a byte it can
lock belongs to a dead process, and that run becomes ``interrupted``; a byte
it cannot lock belongs to a live run (a second verify started meanwhile),
which is left alone.

The owner takes its byte inside the same write transaction that inserts (or
reopens) the row, before the commit, so no other process ever sees a
committed ``running`` row whose owner is alive but not yet holding the lock.

POSIX record locks belong to a process, not to a descriptor, and closing any
descriptor of the file drops them all: so each process opens each lock file
once and keeps it open, and remembers the runs it holds itself (a thread of
the TUI verifying while another enriches must not see its own run as dead).
Forked hashing workers do not inherit the locks. Without ``fcntl``, or when
the lock file cannot be opened (read-only folder), nothing is ever judged
stale: a run is only marked interrupted when that is certain.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from archiver.catalog import utc_now

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

TABLES = {"verify": "verify_runs", "enrich": "enrich_runs"}

_GUARD = threading.Lock()
_FDS: dict[str, int | None] = {}  # lock file path -> descriptor (None: cannot be opened)
_HELD: dict[tuple[int, int], set[int]] = {}  # (st_dev, st_ino) -> run ids held here


def lock_path(catalog_path: str | os.PathLike, kind: str) -> str:
    return os.fspath(catalog_path) + f"-{kind}.lock"


def _fd(catalog_path: str | os.PathLike, kind: str) -> int | None:
    """The process's one descriptor on the lock file (opened once, never closed)."""
    if fcntl is None or os.fspath(catalog_path) in ("", ":memory:"):
        return None
    path = os.path.abspath(lock_path(catalog_path, kind))
    if path not in _FDS:
        try:
            _FDS[path] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            _FDS[path] = None
    return _FDS[path]


def _held(fd: int) -> set[int]:
    st = os.fstat(fd)
    return _HELD.setdefault((st.st_dev, st.st_ino), set())


def claim(catalog_path: str | os.PathLike, kind: str, run_id: int) -> None:
    """Mark run ``run_id`` live for as long as this process lives (or until :func:`release`).
    Call inside the write transaction that makes the row ``running``."""
    with _GUARD:
        fd = _fd(catalog_path, kind)
        if fd is None:
            return
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, run_id)
        except OSError:  # cannot happen for a new or reopened run: leave it unmarked
            return
        _held(fd).add(run_id)


def release(catalog_path: str | os.PathLike, kind: str, run_id: int) -> None:
    """The run has ended (its row says so): give its byte back."""
    with _GUARD:
        fd = _fd(catalog_path, kind)
        if fd is None:
            return
        held = _held(fd)
        if run_id in held:
            held.discard(run_id)
            try:
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, run_id)
            except OSError:
                pass


def is_live(catalog_path: str | os.PathLike, kind: str, run_id: int) -> bool:
    """True unless the run's owner is certainly gone."""
    with _GUARD:
        fd = _fd(catalog_path, kind)
        if fd is None:
            return True
        if run_id in _held(fd):
            return True
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, run_id)
        except OSError:  # EAGAIN / EACCES: another process holds it
            return True
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, run_id)
        return False


def close_stale_runs(conn: sqlite3.Connection, catalog_path: str | os.PathLike, kind: str) -> int:
    """Mark ``running`` runs of ``kind`` whose process died ``interrupted``; returns how
    many. Call inside a write transaction (so no run starts or ends meanwhile)."""
    table = TABLES[kind]
    running = [r for (r,) in conn.execute(f"SELECT id FROM {table} WHERE status = 'running'")]
    stale = [r for r in running if not is_live(catalog_path, kind, r)]
    at = utc_now()
    for run_id in stale:
        conn.execute(
            f"UPDATE {table} SET status = 'interrupted', finished_at = coalesce(finished_at, ?) "
            "WHERE id = ?",
            (at, run_id),
        )
    return len(stale)
