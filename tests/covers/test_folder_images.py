"""Cover images beside the audio files, recorded by the scan (folder_images)."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from archiver.scan.folder_images import cover_name
from tests.conftest import run_cli
from tests.covers.images import FRONT, png, sha, tagged


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (b"cover.jpg", "cover"),
        (b"Cover.JPEG", "cover"),
        (b"FOLDER.png", "folder"),
        (b"front.webp", "front"),
        (b"front.gif", "front"),
        (b"folder.bmp", "folder"),
        (b"back.jpg", None),
        (b"cover.jpg.bak", None),
        (b"cover.txt", None),
        (b"my cover.jpg", None),
        (b"cover", None),
    ],
)
def test_cover_name(name, expected):
    assert cover_name(name) == expected


def _rows(db):
    with sqlite3.connect(db) as conn:
        return {
            r[0].rsplit("/", 2)[-2] + "/" + r[0].rsplit("/", 1)[-1]: r[1:]
            for r in conn.execute(
                "SELECT path, folder, name, mime, width, height, size, sha256 FROM folder_images"
            )
        }


def test_scan_records_folder_images_and_follows_changes(tmp_path):
    root = tmp_path / "Music"
    tagged(root / "A" / "01.ogg", "ogg", {"album": "A", "albumartist": "X"})
    tagged(root / "B" / "01.mp3", "mp3", {"album": "B", "albumartist": "X"}, [(FRONT, png(5, 5))])
    (root / "Empty").mkdir()
    cover = png(320, 200)
    (root / "A" / "cover.png").write_bytes(cover)
    (root / "A" / "Front.PNG").write_bytes(png(10, 10))
    (root / "A" / "booklet.png").write_bytes(png(10, 10))
    (root / "Empty" / "cover.png").write_bytes(cover)  # no audio here: recorded, matches no track
    db = tmp_path / "c.db"
    assert run_cli(db, "scan", "--quiet", str(root)).exit_code == 0
    rows = _rows(db)
    assert set(rows) == {"A/cover.png", "A/Front.PNG", "Empty/cover.png"}
    folder, name, mime, width, height, size, digest = rows["A/cover.png"]
    assert folder == str(root / "A") + "/"
    assert (name, mime, width, height, size, digest) == (
        "cover",
        "image/png",
        320,
        200,
        len(cover),
        sha(cover),
    )
    assert rows["A/Front.PNG"][1] == "front"

    # changed, removed, added: the next scan follows
    bigger = png(640, 640)
    (root / "A" / "cover.png").write_bytes(bigger)
    (root / "A" / "Front.PNG").unlink()
    shutil.copy(root / "A" / "cover.png", root / "B" / "folder.png")
    os.utime(root / "A" / "cover.png", ns=(1, 1_700_000_000_000_000_000))  # size changed too
    assert run_cli(db, "scan", "--quiet", str(root)).exit_code == 0
    rows = _rows(db)
    assert set(rows) == {"A/cover.png", "B/folder.png", "Empty/cover.png"}
    assert rows["A/cover.png"][3:5] == (640, 640) and rows["A/cover.png"][6] == sha(bigger)


def test_unchanged_images_are_not_read_again(tmp_path, monkeypatch):
    from archiver.scan import folder_images

    root = tmp_path / "Music"
    tagged(root / "A" / "01.ogg", "ogg", {"album": "A"})
    (root / "A" / "cover.png").write_bytes(png(8, 8))
    db = tmp_path / "c.db"
    assert run_cli(db, "scan", "--quiet", str(root)).exit_code == 0
    read = []
    original = folder_images._read_image
    monkeypatch.setattr(folder_images, "_read_image", lambda p: read.append(p) or original(p))
    assert run_cli(db, "scan", "--quiet", str(root)).exit_code == 0
    assert read == [] and set(_rows(db)) == {"A/cover.png"}


def test_scan_of_a_subfolder_or_a_file_keeps_the_others(tmp_path):
    root = tmp_path / "Music"
    for name in ("A", "B"):
        tagged(root / name / "01.ogg", "ogg", {"album": name})
        (root / name / "cover.png").write_bytes(png(8, 8))
    db = tmp_path / "c.db"
    assert run_cli(db, "scan", "--quiet", str(root)).exit_code == 0
    assert run_cli(db, "scan", "--quiet", str(root / "A")).exit_code == 0
    assert run_cli(db, "scan", "--quiet", str(root / "B" / "01.ogg")).exit_code == 0
    assert set(_rows(db)) == {"A/cover.png", "B/cover.png"}
