"""The TUI's integrity counts (archiver/integrity/counts.py): the SQL counts give the
lists' lengths, and the child process gives the numbers of the in-process function,
on real catalogs; it fails quietly, and it does not outlive who started it."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from archiver.catalog import open_catalog
from archiver.catalog.verify_runs import damaged_files
from archiver.integrity.checksum import checksum_files
from archiver.integrity.completeness import incomplete_albums
from archiver.integrity.counts import (
    CountsProcess,
    IntegrityCounts,
    damaged_count,
    integrity_counts,
    parse,
    same_audio_count,
)
from archiver.integrity.duplicates import find_duplicates
from archiver.integrity.verify import verify_files
from tests.integrity.conftest import Library, flip_byte

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def damaged_library(library: Library) -> Library:
    """Same audio three times and twice; copies that are not audio (empty, unreadable)
    or not there (deleted); one file rotten, one gone since the last verify; an album
    with a gap."""
    flac = library.add(
        "Band/Album/01 One.flac",
        "flac",
        title="One",
        artist="Band",
        album="Album",
        albumartist="Band",
        tracknumber="1",
        totaltracks="3",
    )
    library.add(
        "Band/Album/03 Three.mp3",
        "mp3",
        title="Three",
        artist="Band",
        album="Album",
        albumartist="Band",
        tracknumber="3",
        totaltracks="3",
    )
    for name in ("copy a.flac", "copy b.flac"):
        shutil.copyfile(flac, library.root / name)
    song = library.add("song.ogg", "ogg", title="T", artist="A")
    shutil.copyfile(song, library.root / "song copy.ogg")
    gone = library.add("gone/x.m4a", "m4a", title="X")
    shutil.copyfile(gone, library.root / "gone/x copy.m4a")
    (library.root / "empty.mp3").write_bytes(b"")
    (library.root / "lone-tag.mp3").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00")
    (library.root / "junk1.mp3").write_bytes(b"0123456789" * 50)
    (library.root / "junk2.mp3").write_bytes(b"0123456789" * 50)
    rot = library.add("rot.opus", "opus", title="Rot")
    library.scan()
    checksum_files(library.db, jobs=1)
    verify_files(library.db, jobs=1)
    flip_byte(rot, rot.stat().st_size // 2)
    (library.root / "gone/x copy.m4a").unlink()
    verify_files(library.db, jobs=1)  # rot.opus changed, x copy.m4a missing: damaged
    (library.root / "gone/x.m4a").unlink()
    library.scan()  # x.m4a marked missing: its copy has no present twin
    return library


def test_sql_counts_are_the_lists_lengths(damaged_library: Library) -> None:
    with damaged_library.catalog() as catalog:
        conn = catalog.conn
        assert damaged_count(conn) == len(damaged_files(conn)) == 2
        # flac x3 and ogg x2; not the empty, unreadable or gone copies
        assert same_audio_count(conn) == len(find_duplicates(conn, "audio")) == 2
        assert integrity_counts(conn) == IntegrityCounts(2, 2, len(incomplete_albums(conn)))
        assert integrity_counts(conn).incomplete >= 1  # Album lacks track 2


def test_child_gives_the_in_process_counts(damaged_library: Library) -> None:
    with damaged_library.catalog() as catalog:
        expected = integrity_counts(catalog.conn)
    child = CountsProcess(damaged_library.db)
    assert child.run() == expected
    assert child.proc is not None and child.proc.returncode == 0


def test_child_on_a_catalog_with_an_odd_name(damaged_library: Library, tmp_path: Path) -> None:
    """Spaces, quotes, a newline, bytes that are not UTF-8, a name starting with "-",
    and a relative path: the child opens the same file (and imports this archiver,
    not an archiver/ folder where it was started)."""
    with damaged_library.catalog() as catalog:
        expected = integrity_counts(catalog.conn)
    folder = tmp_path / os.fsdecode(b'it\'s "odd"\n \xff\xfe $HOME')
    folder.mkdir()
    odd = folder / "-catalog.db"
    shutil.copyfile(damaged_library.db, odd)
    assert CountsProcess(odd).run() == expected
    (folder / "archiver").mkdir()
    (folder / "archiver" / "__init__.py").write_text("raise SystemExit(3)\n")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        assert CountsProcess(Path("-catalog.db")).run() == expected
    finally:
        os.chdir(cwd)


def test_child_on_a_read_only_catalog(damaged_library: Library) -> None:
    """A catalog in a folder this user cannot write (no -wal, -shm beside it)."""
    from tests.privileges import as_unprivileged

    with damaged_library.catalog() as catalog:
        expected = integrity_counts(catalog.conn)
    with tempfile.TemporaryDirectory() as tmp:  # pytest's tmp_path is private to root
        Path(tmp).chmod(0o755)
        folder = Path(tmp) / "shelf"
        folder.mkdir()
        db = folder / "library.db"
        with open_catalog(damaged_library.db) as catalog:
            catalog.conn.execute("VACUUM INTO ?", (str(db),))
        db.chmod(0o444)
        folder.chmod(0o555)

        def count() -> IntegrityCounts | str | None:
            if not os.access(os.path.realpath(sys.executable), os.X_OK):
                return "the unprivileged user cannot run this Python"
            return CountsProcess(db).run()

        try:
            got = as_unprivileged(count)
        finally:
            folder.chmod(0o755)
        assert sorted(p.name for p in folder.iterdir()) == ["library.db"]
    if isinstance(got, str):
        pytest.skip(got)
    assert got == expected


def test_a_failing_child_gives_no_counts(tmp_path: Path) -> None:
    assert CountsProcess(tmp_path / "nothing here.db").run() is None
    (tmp_path / "not a catalog.db").write_bytes(b"not SQLite at all" * 100)
    child = CountsProcess(tmp_path / "not a catalog.db")
    assert child.run() is None
    assert child.proc is not None and child.proc.returncode == 2
    assert CountsProcess(tmp_path).run() is None  # a folder


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        (b'{"damaged": 1, "duplicates": 2, "incomplete": 3}\n', IntegrityCounts(1, 2, 3)),
        (b"", None),
        (b"Traceback (most recent call last):", None),
        (b'{"damaged": 1, "duplicates": 2}', None),
        (b'{"damaged": -1, "duplicates": 2, "incomplete": 3}', None),
        (b'{"damaged": true, "duplicates": 2, "incomplete": 3}', None),
        (b"[1, 2, 3]", None),
    ],
)
def test_parse(out: bytes, expected: IntegrityCounts | None) -> None:
    assert parse(out) == expected


def locked(db: Path) -> sqlite3.Connection:
    """A connection holding the catalog exclusively: a child opening it waits (SQLite's
    busy timeout, 10 s), as a child deep in a million tracks would still be counting."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    return conn


def until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.01)


def test_interrupt_kills_a_running_child(damaged_library: Library) -> None:
    lock = locked(damaged_library.db)
    try:
        child = CountsProcess(damaged_library.db)
        got: list[object] = []
        thread = threading.Thread(target=lambda: got.append(child.run()))
        thread.start()
        until(lambda: child.proc is not None)
        time.sleep(0.5)
        assert child.proc is not None and child.proc.poll() is None  # waiting for the lock
        child.interrupt()
        thread.join(5)
        assert not thread.is_alive() and got == [None]
        assert child.proc.returncode == -signal.SIGKILL
    finally:
        lock.close()
    early = CountsProcess(damaged_library.db)
    early.interrupt()  # before it ran: it never starts
    assert early.run() is None and early.proc is None


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie is dead
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_child_dies_with_a_killed_parent(damaged_library: Library) -> None:
    """``kill -9`` of the process that started the child (the TUI) ends the child too."""
    script = textwrap.dedent(
        """
        import sys, threading, time
        from archiver.integrity.counts import CountsProcess
        child = CountsProcess(sys.argv[1])
        threading.Thread(target=child.run, daemon=True).start()
        while child.proc is None:
            time.sleep(0.01)
        print(child.proc.pid, flush=True)
        time.sleep(60)
        """
    )
    lock = locked(damaged_library.db)
    try:
        parent = subprocess.Popen(
            [sys.executable, "-c", script, str(damaged_library.db)],
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        time.sleep(0.5)  # the child is running (waiting for the lock)
        assert not gone(pid)
        parent.kill()
        parent.wait()
        until(lambda: gone(pid), timeout=5)
    finally:
        lock.close()
