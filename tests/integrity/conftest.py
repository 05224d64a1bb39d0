"""Fixtures for the preservation tests: real files (tests/audiogen.py), real scans."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from archiver.catalog import Catalog, open_catalog
from archiver.scan import scan
from tests.audiogen import make_file


def flip_byte(path: Path, offset: int) -> None:
    """Bit rot: invert one byte and put the mtime back, as a failing disk would leave it."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


class Library:
    """A folder of generated files and the catalog scanned from it."""

    def __init__(self, root: Path, db: Path) -> None:
        self.root = root
        self.db = db

    def add(self, name: str, fmt: str, **tags: str) -> Path:
        return make_file(self.root / name, fmt, tags)

    def scan(self, **kwargs) -> object:
        return scan(self.db, [self.root], jobs=1, **kwargs)

    def catalog(self) -> Catalog:
        return open_catalog(self.db)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.catalog() as catalog:
            return catalog.conn.execute(sql, params).fetchall()

    def file_id(self, path: Path) -> int:
        rows = self.query("SELECT id FROM files WHERE path_bytes = ?", (os.fsencode(path),))
        assert rows, f"{path} not in the catalog"
        return rows[0][0]


@pytest.fixture
def library(tmp_path: Path) -> Library:
    root = tmp_path / "music"
    root.mkdir()
    return Library(root.resolve(), tmp_path / "catalog.db")


@pytest.fixture
def album(library: Library) -> Callable[..., list[Path]]:
    """Make an album's tracks: album(name, fmt, numbers, total=N, disc=..., discs=...)."""

    def make(
        name: str,
        fmt: str,
        numbers,
        *,
        total: int,
        disc: int | None = None,
        discs: int | None = None,
        artist: str = "The Band",
        folder: str | None = None,
    ) -> list[Path]:
        paths = []
        ext = fmt.rsplit(".", 1)[-1]
        for n in numbers:
            tags = {
                "title": f"{name} {n}",
                "artist": artist,
                "albumartist": artist,
                "album": name,
                "tracknumber": str(n),
                "totaltracks": str(total),
            }
            if disc is not None:
                tags["discnumber"] = str(disc)
            if discs is not None:
                tags["totaldiscs"] = str(discs)
            where = library.root / (folder or name)
            paths.append(make_file(where / f"{disc or 1}-{n:02d}.{ext}", fmt, tags))
        return paths

    return make
