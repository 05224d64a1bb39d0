"""The product's promises, end to end: no command ever writes to the user's
files, and no command loses catalog history."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from tests.musicbrainz.demo_server import load_examples
from tests.musicbrainz.fakeserver import FakeMusicBrainz
from tests.reliability.conftest import EXAMPLES, check_invariants, run_cli, tree_hashes


def _tree_listing(root: Path) -> set[bytes]:
    out = set()
    for folder, dirs, names in os.walk(os.fsencode(root)):
        out.update(os.path.join(folder, n) for n in dirs + names)
    return out


def test_no_command_ever_modifies_the_users_files(tmp_path):
    """Hash (sha256 + mtime) every file of a library, run every command in every
    mode, hash again: identical, and no file added or removed in the library."""
    lib = tmp_path / "library"
    shutil.copytree(EXAMPLES, lib, symlinks=True)
    for extra in ("cover.jpg", "notes.txt", "playlist.m3u"):
        (lib / extra).write_bytes(os.urandom(512))
    os.chmod(lib / "notes.txt", 0o644)
    before, listing = tree_hashes(lib), _tree_listing(lib)
    assert len(before) >= 20
    db = tmp_path / "catalog.db"
    fake = FakeMusicBrainz()
    load_examples(fake)
    with fake.start():
        commands = [
            ["scan", str(lib)],
            ["scan", str(lib), "--full", "--checksum", "--jobs", "2"],
            ["scan", "--jobs", "1"],
            ["verify"],
            ["verify", "--jobs", "1", "--strict"],
            ["enrich", "--server", fake.url, "--rate-limit", "0"],
            ["enrich", "--refresh", "--server", fake.url, "--rate-limit", "0"],
            ["enrich", "--offline"],
            ["export", "--format", "csv"],
            ["export", "--format", "csv", "--excel"],
            ["export", "--format", "json"],
            ["export", "--format", "jsonl"],
            ["export", "--format", "sha256sum", "--output", str(tmp_path / "SHA256SUMS")],
            ["ls"],
            ["stats", "--json"],
            ["duplicates"],
            ["duplicates", "--by", "tags"],
            ["duplicates", "--by", "recording"],
            ["duplicates", "--by", "acoustic"],
            ["missing", "--json"],
        ]
        for args in commands:
            result = run_cli(db, *args)
            assert result.returncode in (0, 1), (args, result.stderr)
            assert "Traceback" not in result.stderr, (args, result.stderr)
            assert tree_hashes(lib) == before, f"`archiver {' '.join(args)}` changed a file"
    assert _tree_listing(lib) == listing
    check_invariants(db)


def test_catalog_history_is_never_lost(tmp_path):
    """Files that go are marked missing, never deleted; every scan, verify and
    enrich run stays a row; past matches stay in match_history."""
    lib = tmp_path / "library"
    shutil.copytree(EXAMPLES, lib)
    db = tmp_path / "catalog.db"
    fake = FakeMusicBrainz()
    load_examples(fake)
    with fake.start():
        assert run_cli(db, "scan", str(lib), "--checksum").returncode == 0
        assert run_cli(db, "enrich", "--server", fake.url, "--rate-limit", "0").returncode == 0
        first_files = _rows(db, "SELECT id, path_bytes FROM files")
        first_history = _rows(db, "SELECT * FROM match_history")
        # the library loses half its files, then everything is run again
        gone = sorted(p for p in lib.rglob("*") if p.is_file())[::2]
        for p in gone:
            p.unlink()
        assert run_cli(db, "scan").returncode == 0
        assert run_cli(db, "verify").returncode == 1  # missing files are damage
        assert (
            run_cli(db, "enrich", "--refresh", "--server", fake.url, "--rate-limit", "0").returncode
            == 0
        )
    assert _rows(db, "SELECT id, path_bytes FROM files") == first_files  # nothing deleted
    assert set(first_history) <= set(_rows(db, "SELECT * FROM match_history"))
    missing = {bytes(p) for (p,) in _rows(db, "SELECT path_bytes FROM files WHERE missing = 1")}
    audio_gone = {os.fsencode(p) for p in gone} & {bytes(p) for _, p in first_files}
    assert missing == audio_gone
    assert _rows(db, "SELECT count(*) FROM scan_runs") == [(2,)]
    assert _rows(db, "SELECT count(*) FROM verify_runs") == [(1,)]
    assert _rows(db, "SELECT count(*) FROM enrich_runs") == [(2,)]
    check_invariants(db)


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute(sql).fetchall(), key=repr)
    finally:
        conn.close()
