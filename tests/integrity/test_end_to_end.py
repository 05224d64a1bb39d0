"""The whole preservation loop through the real CLI in subprocesses: scan --checksum,
a sha256sum manifest checked by the real `sha256sum -c`, bit rot caught by both."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
