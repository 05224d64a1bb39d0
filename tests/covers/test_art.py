"""`archiver art --extract`: covers out of real audio files, byte-identical, safe names."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from archiver.art import safe_filename
from tests.conftest import run_cli
from tests.covers.images import CORRUPT, sha

# --- safe names: pure ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "ext", "expected"),
    [
        ("AC/DC - Back in Black", "jpg", "AC_DC - Back in Black.jpg"),
        ('a\\b:c*d?e"f<g>h|i', "png", "a_b_c_d_e_f_g_h_i.png"),
        ("tab\there\nnew", "jpg", "tab_here_new.jpg"),
        ("trailing dots...", "jpg", "trailing dots.jpg"),
        ("trailing spaces   ", "jpg", "trailing spaces.jpg"),
        ("  many   spaces  ", "jpg", "many spaces.jpg"),
        (".hidden", "jpg", "_hidden.jpg"),
        ("", "jpg", "_.jpg"),
        ("...", "jpg", "_.jpg"),
        ("CON", "jpg", "_CON.jpg"),
        ("con", "png", "_con.png"),
        ("Nul.x", "jpg", "_Nul.x.jpg"),
        ("COM1", "jpg", "_COM1.jpg"),
        ("lpt9 ", "jpg", "_lpt9.jpg"),
        ("COM¹", "jpg", "_COM¹.jpg"),
        ("CONSOLE", "jpg", "CONSOLE.jpg"),
        ("Con Funk Shun - Loveshine", "jpg", "Con Funk Shun - Loveshine.jpg"),
        ("Björk - Début", "jpg", "Björk - Début.jpg"),
        ("Cafe\u0301", "jpg", "Café.jpg"),  # NFC
        ("x", "", "x"),
        ("x", "j/p:g", "x.jpg"),
    ],
)
def test_safe_filename(stem, ext, expected):
    assert safe_filename(stem, ext) == expected


def test_safe_filename_caps_bytes_on_a_character_boundary():
    name = safe_filename("é" * 300, "jpeg")
    assert len(name.encode("utf-8")) <= 255 and name.endswith(".jpeg")
    name.encode("utf-8").decode("utf-8")  # no half character
    assert safe_filename("a" * 300, "jpg", max_bytes=20) == "a" * 16 + ".jpg"
    assert (
        safe_filename("ab. " + "c" * 10, "jpg", max_bytes=8) == "ab.jpg"
    )  # no trailing dot after the cut
    assert safe_filename("日本語" * 100, "png").encode("utf-8").__len__() <= 255


def test_safe_filename_is_idempotent_and_never_empty():
    for stem in ["", " ", ".", "..", "CON", "a/b", "x" * 400, "\x00\x01", "é" * 200]:
        once = safe_filename(stem, "jpg")
        assert once and once not in (".", "..") and "/" not in once and "\x00" not in once
        assert safe_filename(once.removesuffix(".jpg"), "jpg") == once


# --- extraction on real files -----------------------------------------------------------


def _catalog_front_shas(catalog_path) -> set[str]:
    with sqlite3.connect(catalog_path) as conn:
        return {r[0] for r in conn.execute("SELECT sha256 FROM pictures")}


def test_extract_writes_original_bytes_with_safe_names(covers, tmp_path):
    catalog_path, root, images = covers
    out = tmp_path / "out"
    result = run_cli(catalog_path, "art", "--extract", str(out))
    assert result.exit_code == 0, result.stderr
    names = sorted(os.listdir(out))
    assert names == sorted(
        [
            "AC_DC - Live_ At _ Donington_ _1991_ _x__.png",
            "Alpha - First.jpg",
            "Beta - Second.png",
            "Delta - Corrupt.jpg",
            "Epsilon - Typed other.png",
            "Eta - Folder only.png",
            "Zeta - Apple.jpg",
        ]
    )
    assert (out / "Alpha - First.jpg").read_bytes() == images["front_jpeg"]  # front, not back
    assert (out / "Beta - Second.png").read_bytes() == images["front_png"]  # the majority
    assert (out / "Zeta - Apple.jpg").read_bytes() == images["front_jpeg"]
    assert (out / "Delta - Corrupt.jpg").read_bytes() == CORRUPT  # bytes as they are
    assert (out / "Eta - Folder only.png").read_bytes() == images["folder_png"]  # beside the files
    shas = _catalog_front_shas(catalog_path) | {sha(images["folder_png"])}
    assert {sha(p.read_bytes()) for p in out.iterdir()} <= shas
    assert "Gamma - Nothing: no front cover" in result.stdout
    assert "Beta - Second: wrote" in result.stdout and "disagree" in result.stdout
    assert "8 albums: 7 covers written, 0 already there, 1 without a cover" in result.stderr


def test_existing_files_are_skipped_unless_force(covers, tmp_path):
    catalog_path, root, images = covers
    out = tmp_path / "out"
    out.mkdir()
    (out / "Alpha - First.jpg").write_bytes(b"mine")
    result = run_cli(catalog_path, "art", "alpha", "--extract", str(out))
    assert result.exit_code == 0
    assert "exists, left alone" in result.stdout
    assert (out / "Alpha - First.jpg").read_bytes() == b"mine"
    result = run_cli(catalog_path, "art", "alpha", "--extract", str(out), "--force")
    assert "replaced" in result.stdout
    assert (out / "Alpha - First.jpg").read_bytes() == images["front_jpeg"]
    assert not [n for n in os.listdir(out) if n.startswith(".")]  # no temporary files left


def test_json_report(covers, tmp_path):
    catalog_path, root, images = covers
    result = run_cli(catalog_path, "art", "--extract", str(tmp_path / "j"), "--json")
    data = json.loads(result.stdout)
    assert data["written"] == 7 and data["no_cover"] == 1 and data["exists"] == 0
    by_album = {a["album"]: a for a in data["albums"]}
    assert by_album["First"]["sha256"] == sha(images["front_jpeg"])
    assert by_album["First"]["path"].endswith("Alpha - First.jpg")
    assert by_album["Second"]["disagree"] is True and by_album["First"]["disagree"] is False
    assert by_album["Nothing"]["status"] == "no cover"
    assert (
        by_album["Folder only"]["source"] == "folder" and by_album["First"]["source"] == "embedded"
    )


def test_folder_that_is_a_file_or_in_the_library_is_a_usage_error(covers, tmp_path):
    catalog_path, root, _ = covers
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = run_cli(catalog_path, "art", "--extract", str(afile))
    assert result.exit_code == 2 and "is a file" in result.stderr
    result = run_cli(catalog_path, "art", "--extract", str(root / "covers"))
    assert result.exit_code == 2 and "never writes into the library" in result.stderr
    assert not (root / "covers").exists()
    assert run_cli(catalog_path, "art", "year:abc", "--extract", str(tmp_path / "x")).exit_code == 2


def test_audio_files_are_not_changed(covers, tmp_path):
    catalog_path, root, _ = covers
    before = {
        p: (p.stat().st_mtime_ns, sha(p.read_bytes())) for p in root.rglob("*") if p.is_file()
    }
    run_cli(catalog_path, "art", "--extract", str(tmp_path / "o"), "--force")
    after = {p: (p.stat().st_mtime_ns, sha(p.read_bytes())) for p in root.rglob("*") if p.is_file()}
    assert before == after


def test_cover_changed_since_the_scan_is_not_found(covers, tmp_path):
    catalog_path, root, images = covers
    from tests.covers.images import FRONT, tagged

    scratch = tmp_path / "lib"
    tagged(
        scratch / "01.mp3",
        "mp3",
        {"album": "Later", "albumartist": "Z"},
        [(FRONT, images["small_png"])],
    )
    db = tmp_path / "c.db"
    assert run_cli(db, "scan", "--quiet", str(scratch)).exit_code == 0
    tagged(
        scratch / "01.mp3",
        "mp3",
        {"album": "Later", "albumartist": "Z"},
        [(FRONT, images["other_png"])],
    )
    result = run_cli(db, "art", "--extract", str(tmp_path / "o"))
    assert "cover not found in its files" in result.stdout
    assert not (tmp_path / "o" / "Z - Later.png").exists()


def test_twenty_megabyte_cover(big_cover, tmp_path):
    catalog_path, root, image = big_cover
    with sqlite3.connect(catalog_path) as conn:
        assert conn.execute("SELECT size, width, height FROM pictures").fetchone() == (
            len(image),
            2600,
            2600,
        )
    result = run_cli(catalog_path, "art", "--extract", str(tmp_path / "o"))
    assert result.exit_code == 0, result.stderr
    written = (tmp_path / "o" / "Big - Huge.png").read_bytes()
    assert sha(written) == sha(image)


def test_a_fifo_in_place_of_a_file_is_never_opened(tmp_path):
    """An audio file and a cover.png replaced by FIFOs after the scan: art and the
    TUI's reader do not block on them; the covers are reported not found."""
    from tests.covers.images import FRONT, png, tagged

    lib = tmp_path / "lib"
    tagged(lib / "A" / "01.mp3", "mp3", {"album": "A", "albumartist": "X"}, [(FRONT, png(4, 4))])
    tagged(lib / "B" / "01.mp3", "mp3", {"album": "B", "albumartist": "X"})
    (lib / "B" / "cover.png").write_bytes(png(6, 6))
    db = tmp_path / "c.db"
    assert run_cli(db, "scan", "--quiet", str(lib)).exit_code == 0
    for path in (lib / "A" / "01.mp3", lib / "B" / "cover.png"):
        path.unlink()
        os.mkfifo(path)
    result = run_cli(db, "art", "--extract", str(tmp_path / "o"), "--json")
    data = json.loads(result.stdout)
    assert [a["status"] for a in data["albums"]] == ["not found", "not found"]
