"""Verify meets what it must not trust: special files that replaced catalogued
files, runs whose process was killed, signals to the whole process group."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archiver.catalog import verify_runs
from archiver.integrity import runlock
from archiver.integrity.checksum import checksum_files, hash_one
from archiver.integrity.hashing import NotARegularFile, fingerprint_file
from archiver.integrity.pool import imap_unordered
from archiver.integrity.verify import verify_files
from tests.integrity.conftest import Library

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(library: Library) -> dict[str, Path]:
    made = {fmt: library.add(f"{fmt}.{fmt}", fmt, title=fmt) for fmt in ("mp3", "flac", "ogg")}
    library.scan()
    checksum_files(library.db, jobs=1)
    return made


# --- special files ------------------------------------------------------------------


def _in_thread(func, *args):
    """Run ``func`` in a thread; (finished, result or exception) after a generous bound,
    so a blocking open fails the test instead of hanging it."""
    out: list = []

    def body() -> None:
        try:
            out.append(func(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out.append(exc)

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(20)
    return (not thread.is_alive()), (out[0] if out else None)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "song.mp3"
    os.mkfifo(fifo)
    finished, outcome = _in_thread(fingerprint_file, fifo)
    if not finished:  # unblock the open so the thread ends
        with open(fifo, "wb"):
            pass
    assert finished, "fingerprint_file blocked on a FIFO"
    assert isinstance(outcome, NotARegularFile)
    assert outcome.strerror == "not a regular file"


def test_a_link_to_a_device_is_refused_and_a_link_to_a_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "zero.flac").symlink_to("/dev/zero")
    finished, outcome = _in_thread(fingerprint_file, tmp_path / "zero.flac")
    assert finished and isinstance(outcome, NotARegularFile)
    (tmp_path / "real.bin").write_bytes(b"abc")
    (tmp_path / "link.bin").symlink_to(tmp_path / "real.bin")
    assert (
        fingerprint_file(tmp_path / "link.bin").sha256
        == fingerprint_file(tmp_path / "real.bin").sha256
    )


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotARegularFile):
        fingerprint_file(tmp_path)


def test_hash_one_reports_special_files_unreadable(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "a.ogg")
    outcome = hash_one((7, os.fsencode(tmp_path / "a.ogg")))
    assert (outcome.status, outcome.message, outcome.fingerprint) == (
        "unreadable",
        "not a regular file",
        None,
    )


def test_verify_reports_a_fifo_and_a_device_unreadable(library: Library, files) -> None:
    files["mp3"].unlink()
    os.mkfifo(files["mp3"])
    files["flac"].unlink()
    files["flac"].symlink_to("/dev/zero")
    finished, result = _in_thread(lambda: verify_files(library.db, jobs=2))
    if not finished:
        with open(files["mp3"], "wb"):
            pass
    assert finished, "verify blocked on a special file"
    assert sorted(result.unreadable) == sorted([str(files["mp3"]), str(files["flac"])])
    assert result.details[str(files["mp3"])] == "not a regular file"
    assert result.ok == 1


def test_checksum_skips_special_files(library: Library) -> None:
    kept = library.add("kept.mp3", "mp3", title="kept")
    gone = library.add("gone.flac", "flac", title="gone")
    library.scan()
    gone.unlink()
    os.mkfifo(gone)
    finished, summary = _in_thread(lambda: checksum_files(library.db, jobs=1))
    assert finished
    assert (summary.hashed, summary.unreadable) == (1, 1)
    assert summary.errors == [(str(gone), "not a regular file")]
    assert library.query("SELECT count(*) FROM fingerprints") == [(1,)]
    assert kept.exists()


# --- runs whose process died -----------------------------------------------------------

HOLD_RUN = """
import sys
from archiver.catalog import open_catalog, verify_runs
from archiver.integrity import runlock
catalog = open_catalog(sys.argv[1])
with catalog.write() as conn:
    run_id = verify_runs.start_verify_run(conn, "held")
    runlock.claim(catalog.path, "verify", run_id)
print(run_id, flush=True)
sys.stdin.read()  # hold the run until the test closes stdin (or kills us)
"""


def _statuses(library: Library) -> list[tuple[int, str]]:
    return library.query("SELECT id, status FROM verify_runs ORDER BY id")


def test_a_killed_run_is_marked_interrupted_a_live_one_is_not(library: Library, files) -> None:
    live = subprocess.Popen(
        [sys.executable, "-c", HOLD_RUN, str(library.db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    killed = subprocess.Popen(
        [sys.executable, "-c", HOLD_RUN, str(library.db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        live_id = int(live.stdout.readline())
        killed_id = int(killed.stdout.readline())
        killed.kill()
        killed.wait(30)
        result = verify_files(library.db, jobs=1)
        assert dict(_statuses(library)) == {
            live_id: "running",  # another verify, alive: left alone
            killed_id: "interrupted",
            result.run_id: "finished",
        }
    finally:
        live.stdin.close()
        live.wait(30)
    # its owner has ended without closing it: now the next run marks it too
    verify_files(library.db, jobs=1)
    assert dict(_statuses(library))[live_id] == "interrupted"


def test_resume_never_takes_over_a_live_run(library: Library, files) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_RUN, str(library.db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        held = int(holder.stdout.readline())
        result = verify_files(library.db, jobs=1, query="held", resume=True)
        assert not result.resumed and result.run_id != held
    finally:
        holder.stdin.close()
        holder.wait(30)


def test_a_killed_run_is_resumed_after_being_marked(library: Library, files) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_RUN, str(library.db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    held = int(holder.stdout.readline())
    holder.kill()
    holder.wait(30)
    result = verify_files(library.db, jobs=1, query="held", resume=True)
    assert result.resumed and result.run_id == held
    assert _statuses(library) == [(held, "finished")]


def test_a_run_of_this_process_is_live(library: Library, files) -> None:
    with library.catalog() as catalog:
        with catalog.write() as conn:
            run_id = verify_runs.start_verify_run(conn, None)
            runlock.claim(catalog.path, "verify", run_id)
        try:
            with catalog.write() as conn:
                assert runlock.close_stale_runs(conn, catalog.path, "verify") == 0
        finally:
            runlock.release(catalog.path, "verify", run_id)
        with catalog.write() as conn:
            assert runlock.close_stale_runs(conn, catalog.path, "verify") == 1


def test_without_a_usable_lock_file_nothing_is_judged_stale(tmp_path: Path) -> None:
    assert runlock.is_live(tmp_path / "no-such-folder" / "catalog.db", "verify", 1)
    assert runlock.is_live(":memory:", "enrich", 1)


# --- signals -----------------------------------------------------------------------------


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _sigterm_handler(_item: int) -> object:
    return signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)


def _raise_keyboard_interrupt(signum, frame):  # pragma: no cover - never called
    raise KeyboardInterrupt


def test_workers_do_not_keep_the_parents_sigterm_handler() -> None:
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        got = list(imap_unordered(_sigterm_handler, [1, 2], 2))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert got == [(signal.SIG_DFL, signal.SIG_IGN)] * 2


def test_stopping_early_ends_the_busy_workers_instead_of_waiting() -> None:
    """A worker busy for 120 s (a huge file) must not hold up a stop."""

    def consume() -> float:
        results = imap_unordered(_sleep, [0.0, 120.0], 2)
        first = next(results)
        results.close()
        return first

    finished, first = _in_thread(consume)
    assert finished, "closing the pool waited for the busy worker"
    assert first == 0.0


VERIFY_BIG = """
import sys
from archiver.cli import cli
sys.argv = ["archiver", "--db", sys.argv[1], "verify", "--jobs", "2", *sys.argv[2:]]
cli()
"""


def _interrupted_verify(library: Library, files, sig, *args: str) -> subprocess.Popen:
    with open(files["ogg"], "r+b") as fh:  # a sparse 2 GB file: hashing takes a while
        fh.truncate(2 * 1024**3)
    proc = subprocess.Popen(
        [sys.executable, "-c", VERIFY_BIG, str(library.db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        start_new_session=True,
    )
    for _ in range(200):  # wait until the run is in the catalog (no timing assumption)
        if library.query("SELECT count(*) FROM verify_runs") == [(1,)]:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, sig)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_group_stops_verify_with_one_line(library: Library, files, sig) -> None:
    proc = _interrupted_verify(library, files, sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0 and "verify interrupted" in err
    assert library.query("SELECT status FROM verify_runs") == [("interrupted",)]


def test_an_interrupted_json_verify_still_prints_its_object(library: Library, files) -> None:
    """Ctrl-C on `verify --json`: the documented object on stdout, "interrupted": true,
    for the files checked so far (stdout used to be empty); still exit 130."""
    proc = _interrupted_verify(library, files, signal.SIGINT, "--json")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    data = json.loads(out)
    assert data["interrupted"] is True and data["run_id"] == 1
    [(checked,)] = library.query("SELECT checked FROM verify_runs")
    assert data["checked"] == checked < 3
    assert "verify interrupted" in err and "Traceback" not in err


# --- two verifies at once ------------------------------------------------------------------


def test_a_fingerprint_stored_meanwhile_by_another_run_is_not_stored_twice(
    library: Library,
) -> None:
    """Two verifies start on never-hashed files; the one that commits second finds the
    first fingerprints already stored (checked inside its write transaction)."""
    for i in range(3):
        library.add(f"{i}.mp3", "mp3", title=f"t{i}")
    library.scan()
    seen: list[int] = []

    def other_run_meanwhile(event) -> None:
        if not seen:  # after our first file was hashed, before our flush
            seen.append(event.done)
            verify_files(library.db, jobs=1)

    result = verify_files(library.db, jobs=1, progress=other_run_meanwhile)
    assert result.first_fingerprints == 3 and result.ok == 3
    per_file = library.query("SELECT file_id, count(*) FROM fingerprints GROUP BY file_id")
    assert [n for _, n in per_file] == [1, 1, 1]
    assert library.query("SELECT status FROM verify_runs ORDER BY id") == [
        ("finished",),
        ("finished",),
    ]
