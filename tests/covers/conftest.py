"""A scanned library of real audio files with real embedded covers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.covers.images import BACK, CORRUPT, FRONT, OTHER, jpeg, png, tagged


def album(root: Path, folder: str, fmt: str, artist: str, name: str, pictures_per_track) -> None:
    for number, pictures in enumerate(pictures_per_track, 1):
        tags = {
            "artist": artist,
            "albumartist": artist,
            "album": name,
            "title": f"T{number}",
            "tracknumber": str(number),
        }
        tagged(root / folder / f"{number:02d}.{fmt}", fmt, tags, pictures)


@pytest.fixture(scope="module")
def covers(tmp_path_factory):
    """(catalog path, library root, images by name)."""
    base = tmp_path_factory.mktemp("covers")
    root = base / "Music"
    images = {
        "front_jpeg": jpeg(300, 300),
        "back_png": png(64, 64, (10, 200, 10)),
        "front_png": png(120, 100, (200, 30, 30)),
        "other_png": png(40, 40, (30, 30, 30)),
        "small_png": png(16, 16),
    }
    album(
        root,
        "Alpha/First",
        "flac",
        "Alpha",
        "First",
        [[(FRONT, images["front_jpeg"]), (BACK, images["back_png"])]] * 2,
    )
    album(
        root,
        "Beta/Second",
        "mp3",
        "Beta",
        "Second",
        [
            [(FRONT, images["front_png"])],
            [(FRONT, images["front_png"])],
            [(FRONT, images["small_png"])],
        ],
    )
    album(root, "Gamma/None", "ogg", "Gamma", "Nothing", [[], [(BACK, images["back_png"])]])
    album(root, "Delta/Corrupt", "mp3", "Delta", "Corrupt", [[(FRONT, CORRUPT)]])
    album(root, "Eps/Other", "mp3", "Epsilon", "Typed other", [[(OTHER, images["other_png"])]])
    album(root, "Zeta/Apple", "m4a", "Zeta", "Apple", [[(FRONT, images["front_jpeg"])]])
    album(
        root,
        "AC-DC/Live",
        "ogg",
        "AC/DC",
        'Live: At * Donington? "1991" <x>|',
        [[(FRONT, images["small_png"])]],
    )
    album(root, "Eta/Folder", "ogg", "Eta", "Folder only", [[], []])
    images["folder_png"] = png(700, 600, (90, 90, 250))
    (root / "Eta/Folder/Folder.PNG").write_bytes(images["folder_png"])
    (root / "Eta/Folder/back.jpg").write_bytes(images["front_jpeg"])  # not a cover name
    (root / "Alpha/First/cover.jpg").write_bytes(images["front_jpeg"])
    catalog_path = base / "catalog.db"
    result = run_cli(catalog_path, "scan", "--jobs", "1", "--quiet", str(root))
    assert result.exit_code == 0, result.stderr
    return catalog_path, root, images


@pytest.fixture(scope="module")
def big_cover(tmp_path_factory):
    """An MP3 carrying a 20 MB PNG front cover, scanned (ID3 holds it; FLAC blocks stop at 16 MB)."""
    base = tmp_path_factory.mktemp("big")
    root = base / "Music"
    image = png(2600, 2600, noise=True)
    assert len(image) > 20_000_000
    tagged(
        root / "Big" / "01.mp3",
        "mp3",
        {"artist": "Big", "albumartist": "Big", "album": "Huge", "title": "T"},
        [(FRONT, image)],
    )
    catalog_path = base / "catalog.db"
    result = run_cli(catalog_path, "scan", "--jobs", "1", "--quiet", str(root))
    assert result.exit_code == 0, result.stderr
    return catalog_path, root, image
