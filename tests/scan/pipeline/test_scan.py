"""The scan pipeline end to end through ``archiver.scan.scan`` on real files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from archiver.scan import (
    NoRootsError,
    ScanError,
    ScanInterrupted,
    ScanLockedError,
    ScanPathError,
    resolve_path,
    scan,
    scan_lock,
)
from archiver.scan.run import FAULT_ENV
from tests.audiogen import make_corrupt, make_zero_byte
from tests.scan.pipeline.conftest import (
    EXAMPLES,
    all_paths,
    check_invariants,
    fsbytes,
    one,
    query,
    song,
)


def test_first_scan_reads_audio_skips_the_rest(db, lib):
    s = scan(db, [lib], jobs=1)
    assert (s.added, s.updated, s.unchanged, s.missing, s.errors) == (6, 0, 0, 0, 1)
    assert s.skipped == 2  # cover.jpg, notes.txt
    assert s.status == "finished"
    check_invariants(db)
    assert one(db, "SELECT count(*) FROM files WHERE read_error IS NULL") == 5
    broken = query(db, "SELECT read_error FROM files WHERE path LIKE '%broken.flac'")
    assert broken and broken[0][0]
    errors = query(db, "SELECT kind, path FROM scan_errors WHERE scan_id = ?", (s.scan_id,))
    assert [(k, p.endswith("03 broken.flac")) for k, p in errors] == [("corrupt", True)]
    run = query(db, "SELECT status, added, errors, skipped, files_found FROM scan_runs")
    assert run == [("finished", 6, 1, 2, 6)]
    titles = {t for (t,) in query(db, "SELECT title FROM tags")}
    assert {"01 a", "02 b", "03 c", "01 d", "02 e"} <= titles
    assert query(db, "SELECT path FROM library_roots") == [(str(lib.resolve()),)]


def test_pool_and_in_process_give_the_same_catalog(tmp_path, lib):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    scan(a, [lib], jobs=1)
    scan(b, [lib], jobs=2)
    cols = "f.path, f.size, f.format, f.duration, f.read_error, t.title, t.artist, t.raw"
    sql = f"SELECT {cols} FROM files f JOIN tags t ON t.file_id = f.id ORDER BY f.path"
    assert query(a, sql) == query(b, sql)


def test_rescan_reads_only_changed_files(db, lib):
    scan(db, [lib], jobs=1)
    s = scan(db, [lib], jobs=1)
    assert (s.added, s.updated, s.unchanged, s.missing, s.errors) == (0, 0, 6, 0, 0)
    # Touch one file (new mtime), rewrite another with a new title (new size too).
    os.utime(lib / "A" / "One" / "01 a.mp3", ns=(1, 1_000_000_000))
    song(lib / "B" / "Two" / "02 e.mp3", title="A much longer new title than before")
    song(lib / "A" / "New" / "01 n.opus", "opus")
    s = scan(db, [lib], jobs=1)
    assert (s.added, s.updated, s.unchanged, s.missing) == (1, 2, 4, 0)
    assert one(
        db, "SELECT title FROM tags JOIN files ON id = file_id WHERE path LIKE '%02 e.mp3'"
    ) == ("A much longer new title than before")
    check_invariants(db)
    runs = query(db, "SELECT id FROM scan_runs")
    last = runs[-1][0]
    assert one(db, "SELECT count(*) FROM files WHERE last_scan_id = ?", (last,)) == 7


def test_unchanged_files_are_not_opened(db, lib):
    """A rescan stats unchanged files: unreadable content proves no open."""
    scan(db, [lib], jobs=1)
    target = lib / "A" / "One" / "02 b.flac"
    st = target.stat()
    target.write_bytes(b"x" * st.st_size)  # same size ...
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # ... same mtime
    s = scan(db, [lib], jobs=1)
    assert s.unchanged == 6 and s.errors == 0
    s = scan(db, [lib], jobs=1, full=True)
    assert s.updated == 6 and s.unchanged == 0
    assert s.errors == 2  # the broken FLAC and the overwritten one


def test_full_rescan_rereads_everything(db, lib):
    scan(db, [lib], jobs=1)
    s = scan(db, [lib], jobs=2, full=True)
    assert (s.added, s.updated, s.unchanged) == (0, 6, 0)
    assert one(db, "SELECT full_rescan FROM scan_runs ORDER BY id DESC LIMIT 1") == 1
    check_invariants(db)


def test_files_with_read_errors_are_not_reread_while_unchanged(db, lib):
    first = scan(db, [lib], jobs=1)
    again = scan(db, [lib], jobs=1)
    assert again.errors == 0 and again.unchanged == 6
    assert one(db, "SELECT count(*) FROM scan_errors WHERE scan_id = ?", (first.scan_id,)) == 1
    assert one(db, "SELECT count(*) FROM scan_errors WHERE scan_id = ?", (again.scan_id,)) == 0


def test_missing_and_returning_files(db, lib, tmp_path):
    scan(db, [lib], jobs=1)
    gone = lib / "B" / "Two" / "01 d.m4a"
    parked = tmp_path / "parked.m4a"
    shutil.move(gone, parked)
    s = scan(db, [lib], jobs=1)
    assert (s.missing, s.unchanged, s.returned) == (1, 5, 0)
    row = query(
        db, "SELECT missing, missing_since, last_seen_at FROM files WHERE path LIKE '%01 d.m4a'"
    )
    assert row[0][0] == 1 and row[0][1] and row[0][2]
    assert one(db, "SELECT count(*) FROM files") == 6  # never deleted
    s = scan(db, [lib], jobs=1)
    assert s.missing == 0  # already marked: not counted again
    shutil.move(parked, gone)
    s = scan(db, [lib], jobs=1)
    assert (s.returned, s.unchanged, s.missing) == (1, 6, 0)
    assert query(db, "SELECT missing, missing_since FROM files WHERE path LIKE '%01 d.m4a'") == [
        (0, None)
    ]
    check_invariants(db)


def test_moved_files_are_not_counted_missing(db, lib, tmp_path):
    scan(db, [lib], jobs=1)
    (lib / "A" / "One" / "01 a.mp3").unlink()  # really gone
    (lib / "B" / "Two" / "02 e.mp3").rename(lib / "B" / "Two" / "02 e (moved).mp3")
    shutil.move(lib / "A" / "One" / "03 c.ogg", lib / "B" / "03 c.ogg")
    s = scan(db, [lib], jobs=1)
    assert (s.moved, s.missing, s.added) == (2, 1, 0)
    assert one(db, "SELECT missing FROM scan_runs ORDER BY id DESC LIMIT 1") == 1
    assert one(db, "SELECT count(*) FROM files WHERE missing = 1") == 1
    check_invariants(db)


def test_returning_file_that_changed_is_reread(db, lib, tmp_path):
    scan(db, [lib], jobs=1)
    target = lib / "A" / "One" / "01 a.mp3"
    target.unlink()
    scan(db, [lib], jobs=1)
    song(target, title="Back again")
    s = scan(db, [lib], jobs=1)
    assert (s.returned, s.updated) == (1, 1)
    assert query(db, "SELECT missing FROM files WHERE path LIKE '%01 a.mp3'") == [(0,)]


def test_two_roots_are_independent(db, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    song(a / "x.mp3")
    song(b / "y.mp3")
    scan(db, [a], jobs=1)
    scan(db, [b], jobs=1)
    assert one(db, "SELECT count(*) FROM library_roots") == 2
    (a / "x.mp3").unlink()
    s = scan(db, [b], jobs=1)  # scanning b never marks a's files missing
    assert s.missing == 0
    assert one(db, "SELECT missing FROM files WHERE path LIKE '%x.mp3'") == 0
    s = scan(db, [], jobs=1)  # no PATH: every remembered root
    assert (s.missing, s.unchanged) == (1, 1)
    assert sorted(s.roots) == sorted([str(a.resolve()), str(b.resolve())])


def test_subtree_scan_marks_missing_only_inside_the_subtree(db, lib):
    scan(db, [lib], jobs=1)
    (lib / "A" / "One" / "01 a.mp3").unlink()
    (lib / "B" / "Two" / "02 e.mp3").unlink()
    s = scan(db, [lib / "B"], jobs=1)
    assert (s.missing, s.unchanged) == (1, 2)
    assert one(db, "SELECT count(*) FROM library_roots") == 1  # still one root
    assert one(db, "SELECT missing FROM files WHERE path LIKE '%01 a.mp3'") == 0
    assert one(db, "SELECT missing FROM files WHERE path LIKE '%02 e.mp3'") == 1
    # a single file inside the root is a scope too
    s = scan(db, [lib / "A" / "One" / "02 b.flac"], jobs=1)
    assert (s.unchanged, s.missing) == (1, 0)


def test_new_parent_root_absorbs_roots_inside_it(db, lib):
    scan(db, [lib / "A"], jobs=1)
    scan(db, [lib / "B"], jobs=1)
    assert one(db, "SELECT count(*) FROM library_roots") == 2
    s = scan(db, [lib], jobs=1)
    assert (s.added, s.unchanged) == (0, 6)
    assert query(db, "SELECT path FROM library_roots") == [(str(lib.resolve()),)]
    assert query(db, "SELECT DISTINCT root_id FROM files") == [
        (one(db, "SELECT id FROM library_roots"),)
    ]


def test_single_file_path_becomes_a_root(db, tmp_path):
    f = song(tmp_path / "single.flac", "flac")
    s = scan(db, [f], jobs=1)
    assert s.added == 1
    assert query(db, "SELECT path FROM library_roots") == [(str(f.resolve()),)]
    f.unlink()
    s = scan(db, [], jobs=1)
    # the root itself is gone: treated as unavailable, nothing marked missing
    assert s.missing == 0 and s.errors == 1
    assert query(db, "SELECT kind FROM scan_errors WHERE scan_id = ?", (s.scan_id,)) == [
        ("unavailable",)
    ]


def test_unavailable_root_is_not_marked_missing(db, lib, tmp_path):
    scan(db, [lib], jobs=1)
    moved = tmp_path / "unmounted"
    lib.rename(moved)
    s = scan(db, [], jobs=1)
    assert s.missing == 0 and s.errors == 1
    assert one(db, "SELECT count(*) FROM files WHERE missing = 1") == 0
    moved.rename(lib)
    assert scan(db, [], jobs=1).unchanged == 6


def test_paths_are_absolute_and_non_utf8_names_round_trip(db, tmp_path, monkeypatch):
    root = tmp_path / "names"
    root.mkdir()
    raw = fsbytes(root) + b"/caf\xe9 \xff.mp3"  # Latin-1 bytes, not UTF-8
    song(Path(os.fsdecode(raw)), title="cafe")
    song(root / "Ωμέγα ünïcödé 日本.flac", "flac")
    monkeypatch.chdir(tmp_path)
    s = scan(db, ["names"], jobs=2)  # a relative PATH
    assert s.added == 2 and s.errors == 0
    assert os.path.realpath(raw) in all_paths(db)
    row = query(db, "SELECT path, path_bytes FROM files WHERE path LIKE '%caf%'")[0]
    assert bytes(row[1]) == os.path.realpath(raw)
    assert row[0].endswith("caf\\xe9 \\xff.mp3")  # legible, escaped
    assert os.path.exists(bytes(row[1]))  # the stored bytes open the file
    assert query(db, "SELECT count(*) FROM files WHERE path LIKE '%日本.flac'") == [(1,)]
    assert scan(db, ["names"], jobs=1).unchanged == 2


def test_symlink_loop_and_symlink_to_file(db, tmp_path):
    root = tmp_path / "lib"
    song(root / "d" / "a.mp3")
    os.symlink(root, root / "d" / "loop")  # d/loop -> lib (a cycle)
    os.symlink("..", root / "d" / "up")
    os.symlink(root / "d" / "a.mp3", root / "link.mp3")  # a symlink to a file
    os.symlink(root / "nowhere.mp3", root / "dangling.mp3")
    s = scan(db, [root], jobs=1)
    assert s.status == "finished"
    names = sorted(os.path.basename(p) for p in all_paths(db))
    assert names == [b"a.mp3", b"link.mp3"]
    assert s.errors == 1  # the dangling link
    assert query(db, "SELECT kind, message FROM scan_errors") == [
        ("unreadable", "broken symbolic link")
    ]


def _deep_tree(top: Path, depth: int, name: bytes) -> None:
    """Folders nested past PATH_MAX, made relative to directory descriptors."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
    finally:
        os.close(fd)


def test_a_tree_deeper_than_path_max_is_reported_not_skipped(db, tmp_path):
    root = tmp_path / "deep"
    root.mkdir()
    _deep_tree(root, 40, b"d" * 120)  # ~4,900 bytes of path: past PATH_MAX
    song(root / "shallow.mp3")
    s = scan(db, [root], jobs=1)
    assert s.status == "finished" and s.added == 1
    assert s.errors >= 1
    kinds = {k for (k,) in query(db, "SELECT kind FROM scan_errors")}
    assert kinds and kinds <= {"unreadable", "permission"}
    check_invariants(db)


def test_fifo_is_never_opened(db, tmp_path):
    root = tmp_path / "lib"
    song(root / "a.mp3")
    os.mkfifo(root / "pipe.mp3")
    os.mkfifo(root / "pipe")  # no extension: would be sniffed if it were a file
    # If the scanner opened a FIFO for reading, it would block forever (no writer).
    s = scan(db, [root], jobs=1)
    assert s.added == 1 and s.skipped == 2
    assert [os.path.basename(p) for p in all_paths(db)] == [b"a.mp3"]


def test_zero_byte_truncated_and_renamed_files(db, tmp_path):
    root = tmp_path / "lib"
    make_zero_byte(root / "empty.mp3")
    make_corrupt(root / "truncated.flac", "flac", "truncated")
    song(root / "really-flac.mp3", "flac")  # wrong extension, right content
    song(root / "noextension", "ogg")  # no extension: sniffed
    song(root / "audio.dat", "m4a")  # unknown extension: sniffed
    song(root / "cover.jpg", "mp3")  # a well-known non-audio extension: never looked at
    (root / "random.bin").write_bytes(os.urandom(4096))  # sniffed, not audio
    (root / "fake.dat").write_bytes(b"ID3" + bytes(200))  # ID3 magic but not mutagen's
    s = scan(db, [root], jobs=1)
    assert s.status == "finished"
    rows = {
        os.path.basename(p): (fmt, err)
        for p, fmt, err in (
            (bytes(p), f, e)
            for p, f, e in query(db, "SELECT path_bytes, format, read_error FROM files")
        )
    }
    assert rows[b"really-flac.mp3"][0] == "flac" and rows[b"really-flac.mp3"][1] is None
    assert rows[b"noextension"][1] is None and rows[b"audio.dat"][1] is None
    assert rows[b"empty.mp3"][1] and rows[b"truncated.flac"][1]
    assert b"cover.jpg" not in rows and b"random.bin" not in rows
    errors = {
        os.path.basename(bytes(p)) for (p,) in query(db, "SELECT path_bytes FROM scan_errors")
    }
    assert {b"empty.mp3", b"truncated.flac"} <= errors
    check_invariants(db)


def test_sample_library(db):
    if not EXAMPLES.is_dir():
        pytest.skip("examples/library not generated")
    expected = sum(
        1
        for _, _, files in os.walk(EXAMPLES)
        for f in files
        if os.path.splitext(f)[1].lower().lstrip(".")
        in {"mp3", "flac", "ogg", "opus", "m4a", "wav", "aiff", "wma", "wv", "tta", "spx"}
    )
    s = scan(db, [EXAMPLES], jobs=2)
    assert s.files_found == expected and s.added == expected
    assert s.errors == one(db, "SELECT count(*) FROM files WHERE read_error IS NOT NULL")
    check_invariants(db)
    assert scan(db, [EXAMPLES], jobs=2).unchanged == expected


def test_usage_errors(db, tmp_path):
    with pytest.raises(ScanPathError, match="no such file"):
        scan(db, [tmp_path / "nope"], jobs=1)
    with pytest.raises(NoRootsError, match="give a PATH"):
        scan(db, [], jobs=1)


def test_second_scan_is_refused_while_one_runs(db, lib):
    scan(db, [lib], jobs=1)
    with scan_lock(db):
        with pytest.raises(ScanLockedError, match="another archiver scan"):
            scan(db, [lib], jobs=1)
    assert scan(db, [lib], jobs=1).unchanged == 6


def test_stale_running_run_is_marked_interrupted(db, lib):
    scan(db, [lib], jobs=1)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO scan_runs (started_at, status) VALUES ('2020-01-01T00:00:00Z', 'running')"
        )
    scan(db, [lib], jobs=1)
    assert query(db, "SELECT status FROM scan_runs ORDER BY id") == [
        ("finished",),
        ("interrupted",),
        ("finished",),
    ]


def test_should_stop_interrupts_and_keeps_what_was_read(db, tmp_path):
    root = tmp_path / "lib"
    for i in range(40):
        song(root / f"{i:02d}.mp3")
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(ScanInterrupted) as info:
        scan(db, [root], jobs=2, should_stop=stop)
    assert info.value.summary.status == "interrupted"
    assert query(db, "SELECT status FROM scan_runs") == [("interrupted",)]
    check_invariants(db)
    kept = one(db, "SELECT count(*) FROM files")
    assert kept == info.value.summary.added
    assert one(db, "SELECT count(*) FROM files WHERE missing = 1") == 0
    s = scan(db, [root], jobs=2)
    assert (s.added, s.unchanged) == (40 - kept, kept)
    check_invariants(db)


def test_progress_events(db, lib):
    events = []
    scan(db, [lib], jobs=1, progress=events.append)
    phases = [e.phase for e in events]
    assert phases[0] == "discover" and phases[-1] == "finish"
    reads = [e for e in events if e.phase == "read"]
    assert [e.done for e in reads] == sorted(e.done for e in reads)
    assert reads[-1].done == reads[-1].total == 6 and not reads[-1].discovering
    assert [e.done for e in events if e.phase == "discover"][-1] == 6


def test_worker_crash_is_an_error_and_the_scan_goes_on(db, tmp_path, monkeypatch):
    root = tmp_path / "lib"
    for i in range(30):
        song(root / f"{i:02d}.mp3")
    monkeypatch.setenv(FAULT_ENV, "crash:13.mp3")
    s = scan(db, [root], jobs=2)
    assert s.status == "finished"
    assert (s.added, s.errors) == (30, 1)
    assert query(db, "SELECT kind, message FROM scan_errors") == [
        ("internal", "the reader process crashed on this file")
    ]
    assert one(db, "SELECT count(*) FROM files WHERE read_error IS NULL") == 29
    check_invariants(db)


def test_readers_that_cannot_work_at_all_stop_the_scan(db, tmp_path, monkeypatch):
    root = tmp_path / "lib"
    for i in range(40):
        song(root / f"{i:02d}.mp3")
    monkeypatch.setenv(FAULT_ENV, "crash:/")  # every file kills its reader
    with pytest.raises(ScanError, match="die before reading anything"):
        scan(db, [root], jobs=2)
    assert query(db, "SELECT status FROM scan_runs") == [("failed",)]
    check_invariants(db)
    monkeypatch.delenv(FAULT_ENV)
    assert scan(db, [root], jobs=2).files_found == 40


def test_a_file_that_hangs_times_out(db, tmp_path, monkeypatch):
    root = tmp_path / "lib"
    for i in range(12):
        song(root / f"{i:02d}.mp3")
    monkeypatch.setenv(FAULT_ENV, "hang:05.mp3")
    s = scan(db, [root], jobs=2, file_timeout=1.0)
    assert (s.added, s.errors) == (12, 1)
    assert query(db, "SELECT kind FROM scan_errors") == [("timeout",)]


def test_a_worker_deaf_to_the_alarm_is_killed(db, tmp_path, monkeypatch):
    root = tmp_path / "lib"
    for i in range(12):
        song(root / f"{i:02d}.mp3")
    monkeypatch.setenv(FAULT_ENV, "stuck:07.mp3")
    s = scan(db, [root], jobs=2, file_timeout=0.3)
    assert (s.added, s.errors) == (12, 1)
    [(path, kind, message)] = query(db, "SELECT path, kind, message FROM scan_errors")
    assert path.endswith("07.mp3") and kind == "timeout"
    # normally the killed reader's message; on a loaded machine the parent may see the
    # reader's own timeout report first, which is as good an outcome
    assert message in ("the reader process stopped responding", "reading took longer than 0.3 s")
    check_invariants(db)


def test_scan_from_a_thread_like_the_tui(db, lib):
    """The TUI runs scans in a worker thread: the pool must not fork a threaded process."""
    out = {}
    t = threading.Thread(target=lambda: out.update(s=scan(db, [lib], jobs=2)))
    t.start()
    t.join(120)
    assert (out["s"].added, out["s"].errors) == (6, 1)  # only the broken FLAC
    assert query(db, "SELECT kind FROM scan_errors") == [("corrupt",)]


def test_resolve_path_keeps_a_file_symlink_name(tmp_path):
    real = song(tmp_path / "real" / "a.mp3")
    (tmp_path / "links").mkdir()
    os.symlink(real, tmp_path / "links" / "b.mp3")
    os.symlink(tmp_path / "real", tmp_path / "dirlink")
    assert (
        resolve_path(tmp_path / "links" / "b.mp3")
        == os.path.realpath(fsbytes(tmp_path / "links")) + b"/b.mp3"
    )
    assert resolve_path(tmp_path / "dirlink") == os.path.realpath(fsbytes(tmp_path / "real"))


def test_read_notes_are_stored_and_cleared_on_reread(db, tmp_path):
    """What the reader noticed (content vs extension) lands in files.read_notes;
    a file with nothing to note has NULL, and a re-read replaces old notes."""
    root = tmp_path / "lib"
    song(root / "really-flac.m4a", "flac")
    song(root / "plain.flac", "flac")
    scan(db, [root], jobs=1)
    notes = {
        os.path.basename(bytes(p)): n
        for p, n in query(db, "SELECT path_bytes, read_notes FROM files")
    }
    assert notes[b"plain.flac"] is None
    assert "FLAC" in notes[b"really-flac.m4a"] and ".m4a" in notes[b"really-flac.m4a"]
    # The same name now holds what its extension says: the note goes away.
    target = root / "really-flac.m4a"
    target.unlink()
    song(target, "m4a")
    os.utime(target, ns=(1, 1))
    scan(db, [root], jobs=1)
    assert one(db, "SELECT read_notes FROM files WHERE path LIKE '%really-flac.m4a'") is None
    check_invariants(db)


def test_scan_from_a_thread_with_a_captured_stderr(tmp_path):
    """Like a scan started from a Textual worker thread: sys.stderr is an object
    whose fileno() is -1. Starting the fork server (and multiprocessing's resource
    tracker, which passes stderr's fd to its child) must still work. A fresh
    interpreter, so that no fork server is running yet."""
    import subprocess
    import sys
    import textwrap

    root = tmp_path / "lib"
    for i in range(4):
        song(root / f"{i}.mp3", "mp3")
    code = textwrap.dedent(
        """
        import io, sys, threading
        from archiver.scan import scan

        class Captured(io.StringIO):
            def fileno(self):
                return -1

        out = {}
        sys.stderr = Captured()
        t = threading.Thread(target=lambda: out.update(s=scan(sys.argv[1], [sys.argv[2]], jobs=2)))
        t.start()
        t.join()
        sys.stderr = sys.__stderr__
        print(out["s"].added if "s" in out else "failed")
        """
    )
    db = tmp_path / "catalog.db"
    result = subprocess.run(
        [sys.executable, "-c", code, str(db), str(root)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        timeout=120,
    )
    assert result.stdout.strip() == "4", result.stderr
    check_invariants(db)
