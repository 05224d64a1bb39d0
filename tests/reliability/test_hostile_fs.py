"""Hostile file systems: names no one would choose, trees deeper than PATH_MAX,
files that vanish or change under the scan, FIFOs and devices with audio names,
symlink loops. Names must round-trip exactly and print legibly."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests import audiogen
from tests.reliability.conftest import (
    REPO,
    catalog_content,
    check_invariants,
    cli_cmd,
    one,
    query,
    run_cli,
)

# Names as bytes: each must be stored exactly and shown on one legible line.
HOSTILE_NAMES: list[bytes] = [
    b"new\nline.mp3",
    b"carriage\rreturn.flac",
    b"tab\there.ogg",
    b"bell\x07and\x1b[31mred\x1b[0m.mp3",  # control chars and an ANSI escape
    b"latin1 caf\xe9.mp3",  # not UTF-8
    b"lone \xff\xfe bytes.flac",
    b"surrogate \xed\xa0\x80.ogg",  # UTF-8-encoded surrogate: invalid UTF-8
    b"literal \\xe9 text.mp3",  # the four characters \xe9, not a byte
    b"caf\xc3\xa9 composed.mp3",  # NFC
    b"cafe\xcc\x81 composed.mp3",  # NFD of the same: a different file
    b'quote " comma , semicolon ; .mp3',
    b'=HYPERLINK("http:--x").mp3',
    b"-leading dash.mp3",
    b" leading and trailing space .mp3",
    b"back\\slash.flac",
    b"\xe2\x80\xaeright-to-left override.mp3",
    b"emoji \xf0\x9f\x8e\xb5.ogg",
    b"a" * 251 + b".mp3",  # 255 bytes, the longest name Linux allows
    (b"\xc3\xa9" * 125) + b".mp3",  # 254 bytes of two-byte characters
]


def _make(path: bytes, fmt: str, title: str) -> None:
    tmp = Path(os.fsdecode(os.path.dirname(path))) / f".tmp-{random.random()}.{fmt}"
    audiogen.make_file(tmp, fmt, {"title": title, "artist": "Hostile", "album": "Names"})
    os.rename(os.fsencode(tmp), path)


def _fmt(name: bytes) -> str:
    return os.fsdecode(name.rsplit(b".", 1)[1])


@pytest.fixture
def hostile_tree(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    root.mkdir()
    for i, name in enumerate(HOSTILE_NAMES):
        _make(os.path.join(os.fsencode(root), name), _fmt(name), f"t{i}")
    # a folder with a hostile name too
    folder = os.path.join(os.fsencode(root), b"dir \xff\nname")
    os.mkdir(folder)
    _make(os.path.join(folder, b"inside.mp3"), "mp3", "inside")
    return root


def _exact_paths(root: Path) -> set[bytes]:
    out = set()
    for folder, _dirs, names in os.walk(os.fsencode(root)):
        out.update(os.path.join(folder, n) for n in names)
    return out


def test_hostile_names_round_trip_exactly(hostile_tree, tmp_path):
    db = tmp_path / "catalog.db"
    result = run_cli(db, "scan", str(hostile_tree), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    expected = _exact_paths(hostile_tree)
    assert summary["files_found"] == len(expected) == summary["added"]
    assert summary["errors"] == 0, summary["error_list"]
    stored = {bytes(p) for (p,) in query(db, "SELECT path_bytes FROM files")}
    assert stored == expected
    check_invariants(db)
    # a rescan recognises every one of them (no duplicates, nothing re-read)
    again = json.loads(run_cli(db, "scan", str(hostile_tree), "--json").stdout)
    assert again["unchanged"] == len(expected) and again["added"] == 0
    assert one(db, "SELECT count(*) FROM files") == len(expected)


def _exact(row: dict) -> bytes:
    return bytes.fromhex(row["path_bytes_hex"]) if row["path_bytes_hex"] else row["path"].encode()


def test_export_gives_back_the_exact_bytes_of_every_name(hostile_tree, tmp_path):
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(hostile_tree), "--quiet").returncode == 0
    expected = _exact_paths(hostile_tree)
    out = subprocess.run(  # bytes: text mode would turn the \r in a name into \n
        cli_cmd(db, "export", "--format", "csv"), capture_output=True, cwd=REPO, timeout=60
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout.decode("utf-8"), newline="")))
    assert len(rows) == len(expected)
    assert {_exact(r) for r in rows} == expected
    for fmt in ("json", "jsonl"):
        out = run_cli(db, "export", "--format", fmt)
        assert out.returncode == 0, out.stderr
        if fmt == "json":
            items = json.loads(out.stdout)
        else:
            items = [json.loads(line) for line in out.stdout.splitlines()]
        assert {_exact(r) for r in items} == expected


def test_ls_prints_one_legible_line_per_track(hostile_tree, tmp_path):
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(hostile_tree), "--quiet").returncode == 0
    out = subprocess.run(
        cli_cmd(db, "ls", "--format", "{path}"), capture_output=True, cwd=REPO, timeout=60
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split(b"\n")
    assert lines[-1] == b""
    lines = lines[:-1]
    assert len(lines) == len(_exact_paths(hostile_tree))
    for line in lines:
        text = line.decode("utf-8")  # always valid UTF-8 on stdout
        assert not any(ord(c) < 32 or c == "\x7f" for c in text), repr(text)


@pytest.mark.skipif(not shutil.which("sha256sum"), reason="needs GNU sha256sum")
def test_sha256sum_manifest_checks_every_hostile_name(hostile_tree, tmp_path):
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(hostile_tree), "--checksum", "--quiet").returncode == 0
    manifest = tmp_path / "SHA256SUMS"
    out = run_cli(db, "export", "--format", "sha256sum", "--output", str(manifest))
    assert out.returncode == 0, out.stderr
    check = subprocess.run(
        ["sha256sum", "--strict", "-c", str(manifest)],
        cwd=hostile_tree,
        capture_output=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    assert check.stdout.count(b": OK") == len(_exact_paths(hostile_tree))


# --- deep trees ------------------------------------------------------------------


def _deep(root: Path, levels: int, name: bytes) -> bytes:
    """A chain of ``levels`` folders, built with directory fds (the full path may
    be longer than PATH_MAX); a real audio file at the bottom. Returns the
    relative path of that file."""
    data = audiogen.template("mp3").read_bytes()
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    rel = []
    try:
        for _ in range(levels):
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
            rel.append(name)
        out = os.open(b"bottom.mp3", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, data)
        os.close(out)
    finally:
        os.close(fd)
    return b"/".join([*rel, b"bottom.mp3"])


def test_a_tree_100_levels_deep_is_scanned(tmp_path):
    root = tmp_path / "deep"
    root.mkdir()
    rel = _deep(root, 100, b"level")
    db = tmp_path / "catalog.db"
    result = run_cli(db, "scan", str(root), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 1
    assert query(db, "SELECT path_bytes FROM files") == [(os.fsencode(root) + b"/" + rel,)]


def test_a_tree_deeper_than_path_max_is_an_error_not_a_crash(tmp_path):
    root = tmp_path / "deeper"
    root.mkdir()
    _deep(root, 40, b"x" * 120)  # ~4,900 bytes: past PATH_MAX (4096)
    audiogen.make_file(root / "shallow.mp3", "mp3", {"title": "ok"})
    db = tmp_path / "catalog.db"
    result = run_cli(db, "scan", str(root), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["added"] >= 1  # the shallow file at least
    assert summary["errors"] >= 1, "the unreachable part must be reported"
    assert all(e["kind"] and e["message"] for e in summary["error_list"])
    check_invariants(db)


# --- files changing under the scan -------------------------------------------------


def test_files_deleted_and_replaced_during_the_scan(big_library, tmp_path):
    """A thread deletes, replaces and truncates files while a scan runs: the scan
    finishes, and a quiet rescan leaves exactly the truth of the final tree."""
    lib = tmp_path / "lib"
    shutil.copytree(big_library, lib)
    paths = sorted(p for p in lib.rglob("*") if p.is_file())
    rng = random.Random(7)
    victims = rng.sample(paths, 300)
    db = tmp_path / "catalog.db"
    proc = subprocess.Popen(
        cli_cmd(db, "scan", str(lib), "--jobs", "2", "--json"),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def meddle() -> None:
        for i, victim in enumerate(victims):
            try:
                if i % 3 == 0:
                    victim.unlink()
                elif i % 3 == 1:  # replaced atomically by different content
                    tmp = victim.with_name(victim.name + ".tmp")
                    shutil.copyfile(audiogen.template("flac"), tmp)
                    os.replace(tmp, victim)
                else:  # cut short in place
                    with open(victim, "r+b") as fh:
                        fh.truncate(100)
            except OSError:
                pass
            time.sleep(0.002)

    thread = threading.Thread(target=meddle)
    thread.start()
    out, err = proc.communicate(timeout=120)
    thread.join()
    assert proc.returncode == 0, err
    check_invariants(db)
    first = json.loads(out)
    assert first["files_found"] == first["added"] + first["updated"] + first["unchanged"]

    # the tree is quiet now: a rescan converges to what a fresh scan sees
    assert run_cli(db, "scan", str(lib), "--jobs", "2", "--quiet").returncode == 0
    assert run_cli(db, "scan", str(lib), "--full", "--quiet").returncode == 0
    fresh = tmp_path / "fresh.db"
    assert run_cli(fresh, "scan", str(lib), "--quiet").returncode == 0
    check_invariants(db)
    present = catalog_content(db)
    gone = {bytes(p) for (p,) in query(db, "SELECT path_bytes FROM files WHERE missing = 1")}
    deleted = {os.fsencode(v) for i, v in enumerate(victims) if i % 3 == 0}
    stored = {bytes(p) for (p,) in query(db, "SELECT path_bytes FROM files")}
    assert gone == deleted & stored  # (a file deleted before the walk saw it is unknown)
    assert stored - deleted == {bytes(p) for (p,) in query(fresh, "SELECT path_bytes FROM files")}
    # everything not gone is exactly what a fresh scan of the final tree stores
    missing_col = [r[1] for r in query(db, "PRAGMA table_info(files)")].index("missing")
    for table in ("files", "tags"):
        present[table] = [r for r in present[table] if r[1 if table == "files" else 0] not in gone]
    present["files"] = [r for r in present["files"] if not r[missing_col - _skipped_before(db)]]
    assert present == catalog_content(fresh)


def _skipped_before(db: Path) -> int:
    """How many volatile columns precede ``missing`` in files (catalog_content drops them)."""
    from tests.reliability.conftest import _VOLATILE

    cols = [r[1] for r in query(db, "PRAGMA table_info(files)")]
    return sum(1 for c in cols[: cols.index("missing")] if c in _VOLATILE)


# --- special files ------------------------------------------------------------------


def test_fifos_devices_and_sockets_with_audio_names_are_never_opened(tmp_path):
    """Opening a FIFO blocks until a writer comes; reading /dev/zero never ends.
    The scan must finish without opening either, and not list them as tracks."""
    root = tmp_path / "lib"
    root.mkdir()
    audiogen.make_file(root / "real.mp3", "mp3", {"title": "real"})
    os.mkfifo(root / "fifo.mp3")
    os.mkfifo(root / "fifo-without-extension")
    os.symlink(root / "fifo.mp3", root / "link-to-fifo.flac")
    os.symlink("/dev/zero", root / "link-to-zero.ogg")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "socket.m4a"))
    made_device = False
    if os.geteuid() == 0:
        try:
            os.mknod(root / "zero.flac", 0o666 | stat.S_IFCHR, os.makedev(1, 5))
            made_device = True
        except OSError:
            pass
    db = tmp_path / "catalog.db"
    try:
        result = run_cli(db, "scan", str(root), "--jobs", "2", "--json", timeout=60)
        # and in-process reading (jobs=1 has no per-file alarm to save it)
        single = run_cli(db, "scan", str(root), "--jobs", "1", "--full", "--json", timeout=60)
    finally:
        sock.close()
    assert result.returncode == 0, result.stderr
    assert single.returncode == 0, single.stderr
    summary = json.loads(result.stdout)
    assert summary["added"] == 1
    assert summary["skipped"] >= 4 + made_device
    assert [Path(p).name for (p,) in query(db, "SELECT path FROM files")] == ["real.mp3"]


def test_symlink_loops_end_and_each_file_is_read_once(tmp_path):
    root = tmp_path / "lib"
    (root / "a" / "b").mkdir(parents=True)
    audiogen.make_file(root / "a" / "b" / "song.mp3", "mp3", {"title": "s"})
    audiogen.make_file(root / "top.flac", "flac", {"title": "t"})
    os.symlink("..", root / "a" / "b" / "up")  # loop to the parent
    os.symlink(".", root / "a" / "self")  # loop to itself
    os.symlink(root, root / "a" / "b" / "root")  # loop to the root (absolute)
    os.symlink("loop1", root / "loop2")  # dangling chain: ELOOP
    os.symlink("loop2", root / "loop1")
    os.symlink("selfref.mp3", root / "selfref.mp3")  # a link to itself with an audio name
    (root / "x").mkdir()
    (root / "y").mkdir()
    os.symlink("../y", root / "x" / "to-y")  # x and y point at each other
    os.symlink("../x", root / "y" / "to-x")
    db = tmp_path / "catalog.db"
    result = run_cli(db, "scan", str(root), "--json", timeout=60)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    names = sorted(
        Path(os.fsdecode(bytes(p))).name for (p,) in query(db, "SELECT path_bytes FROM files")
    )
    assert names == ["song.mp3", "top.flac"]
    # the self-referencing link is reported (it has an audio name), not followed
    assert summary["errors"] == 1
    assert "selfref.mp3" in summary["error_list"][0]["path"]


def test_unreadable_folder_is_reported_and_its_files_not_marked_missing(tmp_path):
    """A folder that cannot be listed is a scan error, and its known files are not
    declared missing. As root (permissions do not apply) the scan runs as nobody."""
    root = tmp_path / "lib"
    for i in range(3):
        audiogen.make_file(root / "open" / f"{i}.mp3", "mp3", {"title": f"o{i}"})
        audiogen.make_file(root / "locked" / f"{i}.mp3", "mp3", {"title": f"l{i}"})
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(root), "--quiet").returncode == 0
    extra: dict = {}
    if os.geteuid() == 0:
        for p in [tmp_path, *tmp_path.rglob("*")]:
            os.chown(p, 65534, 65534)

        def drop() -> None:
            os.setgid(65534)
            os.setuid(65534)

        extra = {"preexec_fn": drop, "env": {**os.environ, "HOME": str(tmp_path)}}
    os.chmod(root / "locked", 0o000)
    try:
        result = run_cli(db, "scan", str(root), "--json", **extra)
    except PermissionError:
        pytest.skip("the unprivileged user cannot run this Python")
    finally:
        os.chmod(root / "locked", 0o755)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["missing"] == 0
    assert summary["errors"] == 1 and summary["error_list"][0]["kind"] == "permission"
    assert one(db, "SELECT count(*) FROM files WHERE missing = 1") == 0


# --- verify meets special files ---------------------------------------------------------


def _run_group(db: Path, *args: str, timeout: float) -> subprocess.CompletedProcess | None:
    """Run the CLI in its own process group; None (after killing the whole group,
    readers included) when it has not finished within ``timeout``."""
    proc = subprocess.Popen(
        cli_cmd(db, *args),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture
def fingerprinted(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "lib"
    for i, fmt in enumerate(("mp3", "flac", "ogg", "m4a", "mp3")):
        audiogen.make_file(root / f"{i}.{fmt}", fmt, {"title": f"t{i}"})
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(root), "--checksum", "--quiet").returncode == 0
    return root, db


def test_verify_never_opens_a_fifo_or_device_that_replaced_a_file(fingerprinted):
    root, db = fingerprinted
    (root / "0.mp3").unlink()
    os.mkfifo(root / "0.mp3")
    (root / "1.flac").unlink()
    os.symlink("/dev/zero", root / "1.flac")
    result = _run_group(db, "verify", "--json", timeout=10)
    assert result is not None, "verify did not finish within 10 s"
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert sorted(Path(p).name for p in report["unreadable"]) == ["0.mp3", "1.flac"]


def test_verify_stopped_by_a_signal_prints_no_traceback(fingerprinted):
    """A file replaced by a 3 GB sparse file keeps verify busy hashing long enough
    to be stopped, as a terminal's Ctrl-C or `kill -TERM -PGID` stops a job."""
    root, db = fingerprinted
    with open(root / "2.ogg", "r+b") as fh:
        fh.truncate(3 * 1024**3)
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen(
            cli_cmd(db, "verify", "--jobs", "2"),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        time.sleep(1.5)
        assert proc.poll() is None, "verify finished before it could be stopped"
        os.killpg(proc.pid, sig)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode in (1, 130, 143), (sig, proc.returncode, err)
        assert "Traceback" not in err, err
        assert "interrupted" in err


def test_absurd_modification_times_do_not_stop_a_scan(tmp_path):
    root = tmp_path / "lib"
    for i in range(4):
        audiogen.make_file(root / f"{i}.flac", "flac", {"title": f"t{i}"})
    os.utime(root / "0.flac", ns=(0, -(2**62)))  # 1823
    os.utime(root / "1.flac", ns=(0, 0))  # the epoch
    os.utime(root / "2.flac", ns=(0, 15 * 10**18))  # 2445: past a signed 64-bit ns count
    if os.stat(root / "2.flac").st_mtime_ns <= 2**63 - 1:
        pytest.skip("this file system cannot store a time past 2262")
    db = tmp_path / "catalog.db"
    result = run_cli(db, "scan", str(root), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["files_found"] == 4
    assert one(db, "SELECT count(*) FROM files") == 4
    # and the next scan sees them all unchanged
    again = json.loads(run_cli(db, "scan", str(root), "--json").stdout)
    assert again["unchanged"] == 4
