"""Cover query fields (cover, cover_px, covers) and `archiver stats` figures about covers."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def _albums(catalog_path, *query) -> set[str]:
    out = run_cli(catalog_path, "ls", "--format", "{album}", *query)
    assert out.exit_code == 0, out.stderr
    return set(out.stdout.splitlines())


def test_cover_yes_no(covers):
    catalog_path, _, _ = covers
    assert _albums(catalog_path, "cover:no") == {"Nothing"}  # a back cover is no cover
    assert "Folder only" in _albums(catalog_path, "cover:yes")  # Folder.PNG beside the files
    assert "Typed other" in _albums(catalog_path, "cover:yes")  # type "other" counts
    assert "Corrupt" in _albums(catalog_path, "cover:yes")


def test_cover_px_ranges(covers):
    catalog_path, _, _ = covers
    # Second: 120x100 and 16x16 in its files -> the largest, 100; First: 300 (jpeg) ;
    # Folder only: 700x600 beside the files -> 600; Corrupt: size unknown (NULL).
    assert _albums(catalog_path, "cover_px:..50") == {
        'Live: At * Donington? "1991" <x>|',
        "Typed other",
    }
    assert _albums(catalog_path, "cover_px:100") == {"Second"}
    assert _albums(catalog_path, "cover_px:500..") == {"Folder only"}
    assert "Corrupt" not in _albums(catalog_path, "cover_px:0..")
    out = run_cli(catalog_path, "ls", "--format", "{album}|{cover_px}|{covers}", "album:first")
    assert set(out.stdout.splitlines()) == {"First|300|1"}


def test_covers_finds_albums_whose_files_disagree(covers):
    catalog_path, _, _ = covers
    assert _albums(catalog_path, "covers:2..") == {"Second"}
    assert _albums(catalog_path, "covers:0") == {"Nothing", "Folder only"}


def test_stats_counts_albums_by_cover(covers):
    catalog_path, _, _ = covers
    data = json.loads(run_cli(catalog_path, "stats", "--json").stdout)["covers"]
    assert data["albums"] == 8
    assert (data["with_cover"], data["without_cover"]) == (7, 1)
    assert (data["embedded"], data["folder_only"], data["disagree"]) == (6, 1, 1)
    assert data["sizes"] == {
        "under_300": 3,  # Second (100), Typed other (40), AC/DC (16)
        "300_499": 2,  # First, Apple
        "500_999": 1,  # Folder only
        "1000_up": 0,
        "unknown": 1,  # Corrupt
    }
    text = run_cli(catalog_path, "stats").stdout
    assert "Album covers" in text and "files disagree on the cover" in text
    assert (
        json.loads(run_cli(catalog_path, "stats", "--json", "cover:no").stdout)["covers"][
            "without_cover"
        ]
        == 1
    )
