"""`archiver export --format sha256sum`: checked with the real `sha256sum -c`."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from archiver.catalog.db import open_catalog
from archiver.export import manifest_line
from tests.export.conftest import add_root, add_track, run_cli

SHA256SUM = shutil.which("sha256sum")
needs_sha256sum = pytest.mark.skipif(SHA256SUM is None, reason="sha256sum not installed")

NAMES = [
    b"Artist/Album/01 Plain.flac",
    "Björk/Homogenic/02 Jóga.ogg".encode(),
    b"Odd/caf\xe9 latin-1.mp3",  # not UTF-8
    b"Odd/back\\slash.mp3",
    b"Odd/new\nline.mp3",
    b"Odd/  leading spaces.mp3",
    b"Odd/*star?.mp3",
    b"Odd/carriage\rreturn.mp3",
]


@pytest.fixture
def library(tmp_path: Path):
    """Real files on disk, catalogued with their real checksums under one root,
    plus a second root, an unhashed file, a stale hash and a missing file."""
    root = tmp_path / "lib"
    other = tmp_path / "other"
    catalog_path = tmp_path / "catalog.db"
    cat = open_catalog(catalog_path)
    conn = cat.conn
    add_root(conn, root, 1)
    add_root(conn, other, 2)
    root_b = os.fsencode(root)
    for i, name in enumerate(NAMES):
        path = root_b + b"/" + name
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = f"audio {i}\n".encode() * (i + 1)
        with open(path, "wb") as handle:
            handle.write(data)
        add_track(conn, path, title=f"t{i}", sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                  hashed_size=len(data), mtime_ns=1, hashed_mtime_ns=1)  # fmt: skip
    (root / "unhashed.mp3").write_bytes(b"no hash")
    add_track(conn, root / "unhashed.mp3", title="unhashed")
    (root / "stale.mp3").write_bytes(b"edited")
    add_track(conn, root / "stale.mp3", title="stale", sha256="0" * 64, size=6, hashed_size=5)
    add_track(conn, root / "gone.mp3", title="gone", sha256="1" * 64, missing=1)
    other.mkdir()
    (other / "x.mp3").write_bytes(b"x")
    add_track(
        conn,
        other / "x.mp3",
        title="other root",
        sha256=hashlib.sha256(b"x").hexdigest(),
        root_id=2,
    )
    cat.close()
    return catalog_path, root, other


@needs_sha256sum
def test_manifest_is_accepted_by_sha256sum(library, tmp_path):
    catalog_path, root, _ = library
    manifest = tmp_path / "SHA256SUMS"
    result = run_cli(
        catalog_path, "export", "--format", "sha256sum", "--root", str(root), "-o", str(manifest)
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {len(NAMES)} checksums" in result.stderr
    assert (
        "skipped 1 files without a checksum" in result.stderr
        and "archiver scan --checksum" in result.stderr
    )
    assert "skipped 1 files changed since they were hashed" in result.stderr
    assert "skipped 1 files missing" in result.stderr
    check = subprocess.run([SHA256SUM, "-c", str(manifest)], cwd=root, capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(b": OK") == len(NAMES)
    # the check can fail: one flipped byte
    target = os.fsencode(root) + b"/" + NAMES[2]
    data = bytearray(open(target, "rb").read())
    data[0] ^= 1
    open(target, "wb").write(bytes(data))
    check = subprocess.run([SHA256SUM, "-c", str(manifest)], cwd=root, capture_output=True)
    assert check.returncode == 1 and check.stdout.count(b": OK") == len(NAMES) - 1


@needs_sha256sum
def test_manifest_to_stdout_and_query_restricts(library):
    catalog_path, root, _ = library
    result = run_cli(
        catalog_path, "export", "--format", "sha256sum", "--root", str(root), "title:t1"
    )
    assert result.exit_code == 0
    lines = result.stdout_bytes.splitlines()
    assert len(lines) == 1 and lines[0].endswith("  Björk/Homogenic/02 Jóga.ogg".encode())
    check = subprocess.run(
        [SHA256SUM, "-c", "-"], cwd=root, input=result.stdout_bytes, capture_output=True
    )
    assert check.returncode == 0


def test_several_roots_need_root_and_list_them(library):
    catalog_path, root, other = library
    result = run_cli(catalog_path, "export", "--format", "sha256sum")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--root" in result.stderr and str(root) in result.stderr and str(other) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = run_cli(catalog_path, "export", "--format", "sha256sum", "--root", "/nowhere")
    assert result.exit_code == 2 and "not a library root" in result.stderr
    result = run_cli(catalog_path, "export", "--format", "sha256sum", "--root", str(other) + "/")
    assert result.exit_code == 0
    assert result.stdout_bytes == hashlib.sha256(b"x").hexdigest().encode() + b"  x.mp3\n"


def test_manifest_lines_escape_like_gnu():
    assert manifest_line("ab", b"x y") == b"ab  x y\n"
    assert manifest_line("ab", b"a\\b") == b"\\ab  a\\\\b\n"
    assert manifest_line("ab", b"a\nb") == b"\\ab  a\\nb\n"


# --- issue 14: no checksums fails; --root from anywhere ---------------------------------------


@pytest.fixture
def unhashed(tmp_path: Path):
    root = tmp_path / "lib"
    root.mkdir()
    catalog_path = tmp_path / "catalog.db"
    with open_catalog(catalog_path) as cat:
        add_root(cat.conn, root, 1)
        for name in ("a.flac", "b.flac"):
            (root / name).write_bytes(b"x")
            add_track(cat.conn, root / name, title=name)
    return catalog_path, root


def test_no_checksums_fails_creates_no_file_and_says_what_to_run(unhashed, tmp_path):
    catalog_path, root = unhashed
    manifest = tmp_path / "SHA256SUMS"
    result = run_cli(catalog_path, "export", "--format", "sha256sum", "-o", str(manifest))
    assert result.exit_code == 1
    assert not manifest.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".SHA")] == []
    line = result.stderr.strip()
    assert "\n" not in line and "archiver scan --checksum" in line and "2 files" in line
    # to stdout: nothing written either
    result = run_cli(catalog_path, "export", "--format", "sha256sum")
    assert result.exit_code == 1 and result.stdout_bytes == b""
    # an old manifest is left as it was
    manifest.write_bytes(b"old\n")
    result = run_cli(catalog_path, "export", "--format", "sha256sum", "-o", str(manifest))
    assert result.exit_code == 1 and manifest.read_bytes() == b"old\n"


def test_an_empty_selection_is_not_a_missing_checksum(unhashed):
    catalog_path, _ = unhashed
    result = run_cli(catalog_path, "export", "--format", "sha256sum", "title:nothing")
    assert result.exit_code == 0 and result.stdout_bytes == b""


def test_only_stale_checksums_say_to_verify(tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    catalog_path = tmp_path / "catalog.db"
    with open_catalog(catalog_path) as cat:
        add_root(cat.conn, root, 1)
        add_track(cat.conn, root / "a.flac", sha256="0" * 64, size=6, hashed_size=5)
    result = run_cli(catalog_path, "export", "--format", "sha256sum")
    assert result.exit_code == 1 and "archiver verify" in result.stderr


def test_root_is_accepted_from_anywhere(library, tmp_path, monkeypatch):
    catalog_path, root, other = library
    expected = run_cli(catalog_path, "export", "--format", "sha256sum", "--root", str(root))
    assert expected.exit_code == 0 and expected.stdout_bytes
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    (tmp_path / "link").symlink_to(root)
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("HOME", str(tmp_path))
    for given in ("../../lib", "../../lib/", "../../lib//", "../../lib/.", "../../link/",
                  "~/lib", "~/link", str(root) + "/Artist/..", str(tmp_path / "link")):  # fmt: skip
        result = run_cli(catalog_path, "export", "--format", "sha256sum", "--root", given)
        assert result.exit_code == 0, (given, result.stderr)
        assert result.stdout_bytes == expected.stdout_bytes, given


def test_a_root_stored_through_a_symlink_matches_its_real_path(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "via").symlink_to(real)
    catalog_path = tmp_path / "catalog.db"
    with open_catalog(catalog_path) as cat:
        add_root(cat.conn, tmp_path / "via", 1)
        add_track(cat.conn, tmp_path / "via" / "a.flac", sha256="a" * 64)
        add_root(cat.conn, tmp_path / "x", 2)
    result = run_cli(catalog_path, "export", "--format", "sha256sum", "--root", str(real))
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == b"a" * 64 + b"  a.flac\n"
