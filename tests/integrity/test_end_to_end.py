"""The whole preservation loop through the real CLI in subprocesses: scan --checksum,
a sha256sum manifest checked by the real `sha256sum -c`, bit rot caught by both."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.integrity.checksum import checksum_files
from tests.integrity.conftest import Library, flip_byte


def archiver(library: Library, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARCHIVER_DB": str(library.db)}
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_scan_checksum_manifest_and_verify(library: Library) -> None:
    paths = [
        library.add("Artist/Album/01 Intro.flac", "flac", title="Intro", artist="Artist"),
        library.add("Artist/Album/02 Ünïcødé song.mp3", "mp3", title="Song", artist="Artist"),
        library.add("Other/track.ogg", "ogg", title="Track", artist="Other"),
    ]
    scanned = archiver(library, "scan", "--checksum", "--json", str(library.root))
    assert scanned.returncode == 0, scanned.stderr
    assert json.loads(scanned.stdout)["checksum"]["hashed"] == 3

    manifest = library.root.parent / "SHA256SUMS"
    export = archiver(library, "export", "--format", "sha256sum", "--root", str(library.root),
                      "-o", str(manifest))  # fmt: skip
    if (
        export.returncode != 0
        and "sha256sum" in export.stderr
        and "invalid choice" in export.stderr
    ):
        pytest.skip("export --format sha256sum not built")
    assert export.returncode == 0, export.stderr
    check = subprocess.run(
        ["sha256sum", "-c", str(manifest)], cwd=library.root, capture_output=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(b": OK") == 3

    verify = archiver(library, "verify", "--json")
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] == 3

    rotten = paths[1]
    flip_byte(rotten, rotten.stat().st_size // 2)
    check = subprocess.run(
        ["sha256sum", "-c", str(manifest)], cwd=library.root, capture_output=True
    )
    assert check.returncode == 1 and b"FAILED" in check.stdout
    verify = archiver(library, "verify", "--json")
    assert verify.returncode == 1, verify.stderr
    assert json.loads(verify.stdout)["changed"] == [str(rotten)]
    assert verify.stderr == ""


def test_verify_usage_errors_are_one_line(library: Library) -> None:
    bad = archiver(library, "verify", "--jobs", "0")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    bad_query = archiver(library, "verify", "year:abc")
    assert bad_query.returncode == 2 and "Traceback" not in bad_query.stderr


def test_commands_need_an_existing_catalog(tmp_path: Path) -> None:
    env = {**os.environ, "ARCHIVER_DB": str(tmp_path / "none.db")}
    for command in ("verify", "duplicates", "missing"):
        done = subprocess.run(
            [sys.executable, "-m", "archiver", command, "--json"],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 1 and done.stdout == ""
        assert "no catalog here" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("verify",),
        ("verify", "--json"),
        ("duplicates",),
        ("duplicates", "--json"),
        ("missing",),
        ("missing", "--json"),
        ("stats",),
        ("stats", "--json"),
        ("ls",),
        ("export",),
    ],
)
def test_a_reader_that_went_away_ends_the_command_quietly(library: Library, args) -> None:
    """`archiver verify | head`: the pipe is closed before a byte is written. The command
    stops with exit 0, nothing on stderr (no traceback, no "Exception ignored")."""
    song = library.add("a/01.mp3", "mp3", title="One", artist="B", album="LP",
                       albumartist="B", tracknumber="1", totaltracks="3")  # fmt: skip
    shutil.copyfile(song, library.root / "a" / "01 copy.mp3")
    library.scan()
    checksum_files(library.db, jobs=1)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "archiver", *args],
            stdout=write_end, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "ARCHIVER_DB": str(library.db)}, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


def test_long_paths_are_one_line_each_when_piped(library: Library) -> None:
    """On a pipe rich draws at 80 columns: tables folded long paths over 2-3 lines.
    verify, duplicates and missing print every path whole, on one line."""
    folder = "A folder name long enough to be folded at eighty columns " * 2
    song = library.add(f"{folder}/01 one.mp3", "mp3", title="One", artist="B", album="LP",
                       albumartist="B", tracknumber="1", totaltracks="3")  # fmt: skip
    copy = song.with_name("01 one (copy).mp3")
    shutil.copyfile(song, copy)
    gone = library.add(f"{folder}/02 two.mp3", "mp3", title="Two", artist="B", album="LP",
                       albumartist="B", tracknumber="2", totaltracks="3")  # fmt: skip
    library.scan()
    checksum_files(library.db, jobs=1)
    gone.unlink()
    library.scan()  # marks it missing: "catalogued but gone"
    outputs = {}
    for command in ("verify", "duplicates", "missing"):
        done = archiver(library, command)
        assert done.returncode in (0, 1), done.stderr
        outputs[command] = done.stdout.splitlines()

    def lines_with(command: str, path: Path) -> list[str]:
        return [line for line in outputs[command] if str(path) in line]

    assert len(lines_with("verify", gone)) == 1, outputs["verify"]
    assert len(lines_with("duplicates", song)) == 1 and len(lines_with("duplicates", copy)) == 1
    assert len(lines_with("missing", gone)) == 1, outputs["missing"]
    assert len(lines_with("missing", song.parent)) >= 1  # the album's folder, whole


def test_counts_in_messages_agree_with_their_number(library: Library) -> None:
    """ "1 group", "1 file", "1 incomplete album" (not "1 groups", ...); a tiny verify
    shows hundredths of a second (not "0.0 s")."""
    song = library.add("a/01.mp3", "mp3", title="One", artist="B", album="LP",
                       albumartist="B", tracknumber="1", totaltracks="2")  # fmt: skip
    shutil.copyfile(song, library.root / "a" / "01 copy.mp3")
    library.scan()
    checksum_files(library.db, jobs=1)
    assert archiver(library, "duplicates").stdout.splitlines()[-1] == (
        "1 group, 2 files (* = best copy)"
    )
    assert archiver(library, "missing").stdout.splitlines()[-1] == "1 incomplete album"
    verify = archiver(library, "verify")
    assert verify.returncode == 0, verify.stderr
    [elapsed] = [line for line in verify.stdout.splitlines() if "elapsed" in line]
    assert re.search(r"\b\d+\.\d\d s\b", elapsed), elapsed
