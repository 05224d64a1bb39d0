"""The catalog file: creation, pragmas, migrations and the refusals that protect data."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest

from archiver.catalog import CatalogError, open_catalog, schema_version
from archiver.catalog.db import _split_sql, migrations


def test_creates_file_and_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "library.db"
    with open_catalog(path) as catalog:
        assert catalog.user_version == schema_version()
        tables = set(catalog.db.table_names())
    assert path.exists()
    assert {"files", "tags", "scan_runs", "scan_errors", "library_roots"} <= tables


def test_pragmas(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.db") as catalog:
        pragma = lambda name: catalog.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 1  # NORMAL
        assert pragma("busy_timeout") >= 1000


def test_migrations_are_numbered_and_complete() -> None:
    versions = [version for version, _, _ in migrations()]
    assert versions == sorted(set(versions))
    for _, name, sql in migrations():
        assert _split_sql(sql), name


def test_split_sql_keeps_trigger_bodies_whole() -> None:
    script = """
    -- a comment
    CREATE TABLE a (x);
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        INSERT INTO a VALUES (1);
        INSERT INTO a VALUES (2);
    END;
    """
    statements = _split_sql(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_older_catalog_upgrades_in_place(tmp_path: Path) -> None:
    """A catalog at schema 1 with data opens, upgrades, and keeps its rows."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    _, _, first_sql = migrations()[0]
    for statement in _split_sql(first_sql):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO files (path, path_bytes, size, mtime_ns, mtime, first_seen_at, last_seen_at)"
        " VALUES ('/m/a.mp3', X'2F6D2F612E6D7033', 10, 1, 't', 't', 't')"
    )
    conn.execute("INSERT INTO tags (file_id, title) VALUES (1, 'Old Song')")
    conn.commit()
    conn.close()

    with open_catalog(path) as catalog:
        assert catalog.user_version == schema_version()
        assert catalog.execute("SELECT title FROM tags").fetchall() == [("Old Song",)]
        # Later migrations see earlier data: the new file columns exist and are empty.
        assert catalog.execute("SELECT sha256 FROM files").fetchall() == [(None,)]


def test_newer_catalog_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with open_catalog(path) as catalog:
        catalog.execute(f"PRAGMA user_version = {schema_version() + 5}")
    before = path.read_bytes()
    with pytest.raises(CatalogError, match="newer archiver"):
        open_catalog(path)
    assert path.read_bytes() == before


def test_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is my shopping list, not a database\n" * 50)
    before = path.read_bytes()
    with pytest.raises(CatalogError, match="not a SQLite database") as info:
        open_catalog(path)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(CatalogError, match="not an archiver catalog"):
        open_catalog(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("recipes",)]
    conn.close()


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="is a folder"):
        open_catalog(tmp_path)


def test_device_or_fifo_is_refused_and_nothing_created(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    for path in (Path("/dev/null"), fifo):
        with pytest.raises(CatalogError, match="not a regular file"):
            open_catalog(path)
    assert not Path("/dev/null-journal").exists() and not Path("/dev/null-wal").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.db"]


def test_uncreatable_parent_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CatalogError, match="cannot create its folder"):
        open_catalog(blocker / "sub" / "library.db")


def test_missing_catalog_without_create(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no catalog here"):
        open_catalog(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_write_rolls_back_on_error(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.db") as catalog:
        with pytest.raises(RuntimeError):
            with catalog.write() as conn:
                conn.execute("INSERT INTO scan_runs (started_at) VALUES ('t')")
                raise RuntimeError("boom")
        assert catalog.execute("SELECT count(*) FROM scan_runs").fetchone()[0] == 0
        with catalog.write() as conn:
            conn.execute("INSERT INTO scan_runs (started_at) VALUES ('t')")
        assert catalog.execute("SELECT count(*) FROM scan_runs").fetchone()[0] == 1


def test_search_index_follows_tags_and_paths(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.db") as catalog, catalog.write() as conn:
        conn.execute(
            "INSERT INTO files (id, path, path_bytes, size, mtime_ns, mtime, first_seen_at, last_seen_at)"
            " VALUES (7, '/m/Beyoncé/x.flac', X'01', 1, 1, 't', 't', 't')"
        )
        conn.execute("INSERT INTO tags (file_id, title, artist) VALUES (7, 'Halo', 'Beyoncé')")
        match = "SELECT rowid FROM search_index WHERE search_index MATCH ?"
        assert conn.execute(match, ("beyonce",)).fetchall() == [(7,)]
        conn.execute("UPDATE tags SET artist = 'Someone' WHERE file_id = 7")
        assert conn.execute(match, ("artist:beyonce",)).fetchall() == []
        conn.execute("UPDATE files SET path = '/m/moved/y.flac' WHERE id = 7")
        assert conn.execute(match, ("moved",)).fetchall() == [(7,)]
        assert conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == 1


def test_match_history_keeps_every_decision(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.db") as catalog, catalog.write() as conn:
        conn.execute(
            "INSERT INTO files (id, path, path_bytes, size, mtime_ns, mtime, first_seen_at, last_seen_at)"
            " VALUES (1, '/a', X'02', 1, 1, 't', 't', 't')"
        )
        conn.execute(
            "INSERT INTO matches (file_id, status, matched_at) VALUES (1, 'unmatched', 't1')"
        )
        conn.execute("UPDATE matches SET status = 'matched', matched_at = 't2' WHERE file_id = 1")
        rows = conn.execute("SELECT status FROM match_history ORDER BY id").fetchall()
        assert rows == [("unmatched",), ("matched",)]


def _catalog_with_a_root(path: Path) -> None:
    with open_catalog(path) as cat, cat.write() as conn:
        conn.execute(
            "INSERT INTO library_roots (path, path_bytes, added_at) VALUES ('/m', x'2f6d', 'now')"
        )


@pytest.mark.parametrize("locked", ["folder", "file"])
def test_catalog_without_write_permission_is_read_not_refused(locked: str) -> None:
    """A catalog on a backup disk or someone else's: reading works, writing says why."""
    with tempfile.TemporaryDirectory() as tmp:  # pytest's tmp_path is private to root
        Path(tmp).chmod(0o755)
        _check_read_only_catalog(Path(tmp) / "shelf", locked)


def _check_read_only_catalog(folder: Path, locked: str) -> None:
    from tests.privileges import as_unprivileged

    folder.mkdir()
    path = folder / "library.db"
    _catalog_with_a_root(path)
    path.chmod(0o644 if locked == "folder" else 0o444)
    folder.chmod(0o555 if locked == "folder" else 0o777)
    before = sorted(p.name for p in folder.iterdir())

    def read_then_write() -> tuple:
        with open_catalog(path, create=False) as cat:
            roots = cat.execute("SELECT path FROM library_roots").fetchall()
            try:
                with cat.write() as conn:
                    conn.execute("DELETE FROM library_roots")
                written = "written"
            except CatalogError as exc:
                written = str(exc)
            return cat.read_only, roots, written

    try:
        read_only, roots, written = as_unprivileged(read_then_write)
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    assert read_only and roots == [("/m",)]
    assert "cannot be written" in written and "permission" in written
    with open_catalog(path) as cat:  # untouched
        assert cat.execute("SELECT count(*) FROM library_roots").fetchone()[0] == 1
    if locked == "folder":
        assert sorted(p.name for p in folder.iterdir()) == before


def _schema_one_catalog(path: Path) -> None:
    conn = sqlite3.connect(path)
    for statement in _split_sql(migrations()[0][2]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def _stderr_of_open(path: Path, on_terminal: bool) -> str:
    """What opening ``path`` in a fresh process writes to stderr: a terminal or a pipe."""
    import os
    import pty
    import subprocess
    import sys

    code = f"from archiver.catalog import open_catalog; open_catalog({str(path)!r}).close()"
    if not on_terminal:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        ).stderr
    leader, follower = pty.openpty()
    try:
        subprocess.run([sys.executable, "-c", code], stderr=follower, check=True, timeout=120)
    finally:
        os.close(follower)
    try:
        return os.read(leader, 4096).decode()
    except OSError:  # nothing was written: reading a pty whose other side closed
        return ""
    finally:
        os.close(leader)


def test_an_upgrade_says_so_on_a_terminal_and_not_to_a_script(tmp_path: Path) -> None:
    """A migration can take a minute at a million tracks: on a terminal a line says it is
    an upgrade (not a hang); a script reading stderr from a pipe gets nothing, and
    creating a catalog is no upgrade."""
    expected = f"upgrading the catalog to schema {schema_version()}"
    for name, on_terminal in (("tty.db", True), ("pipe.db", False)):
        path = tmp_path / name
        _schema_one_catalog(path)
        assert (expected in _stderr_of_open(path, on_terminal)) is on_terminal
    assert expected not in _stderr_of_open(tmp_path / "new.db", on_terminal=True)
