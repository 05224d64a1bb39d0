"""Skipped (non-audio) files are named: their kind, `scan --json`'s skipped_list,
the skipped_files table with its history, and the counts `stats` shows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from archiver.scan import scan
from archiver.scan.record import FileRecord
from archiver.scan.walk import SKIPPED_KINDS, rejected_kind, skipped_kind
from tests.scan_pipeline.conftest import check_invariants, query, song


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (b"cover.jpg", "image"),
        (b"Folder.JPEG", "image"),
        (b"/music/a/back.png", "image"),
        (b"scan.tiff", "image"),
        (b"art.webp", "image"),
        (b"CD1.cue", "cue"),
        (b"Album.CUE", "cue"),
        (b"rip.log", "log"),
        (b"EAC.LOG", "log"),
        (b"album.accurip", "log"),
        (b"list.m3u", "playlist"),
        (b"list.m3u8", "playlist"),
        (b"radio.pls", "playlist"),
        (b"mix.xspf", "playlist"),
        (b"clip.mkv", "video"),
        (b"clip.ogv", "video"),
        (b"video.MP4V", "other"),  # not an extension we know
        (b"notes.txt", "other"),
        (b"Thumbs.db", "other"),
        (b".DS_Store", "other"),  # a dotfile has no extension
        (b"README", "other"),
        (b"cover.jpg.part", "other"),
        (b"/a.jpg/file", "other"),  # the folder's name does not count
        (b"caf\xe9.jpg", "image"),  # not UTF-8
    ],
)
def test_skipped_kind_by_extension(name, kind):
    assert skipped_kind(name) == kind
    assert kind in SKIPPED_KINDS


def test_a_file_the_reader_turns_down_under_an_audio_extension_is_a_video():
    assert rejected_kind(b"/m/theora.ogg") == "video"  # the reader's not_audio
    assert rejected_kind(b"/m/theora.ogv") == "video"
    assert rejected_kind(b"/m/data.bin") == "other"  # sniffed, then not recognised


def _library(root: Path) -> dict[str, str]:
    """Two songs and one file of every kind; returns {name: kind} of the skipped ones."""
    song(root / "01 a.mp3")
    song(root / "sub" / "02 b.flac", "flac")
    skipped = {
        "cover.jpg": "image",
        "sub/back.PNG": "image",
        "album.cue": "cue",
        "rip.log": "log",
        "all.m3u8": "playlist",
        "movie.mkv": "video",
        "notes.txt": "other",
        "data.bin": "other",  # unknown extension, sniffed: not audio
        "tiny": "other",  # under 4 bytes: not even sniffed
    }
    for name in skipped:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" if name == "tiny" else b"\x00not audio at all, just bytes" * 8)
    os.mkfifo(root / "pipe")
    skipped["pipe"] = "special"
    os.symlink(root / "nowhere.jpg", root / "dangling.jpg")
    skipped["dangling.jpg"] = "image"
    return skipped


def test_scan_json_lists_every_skipped_file_with_its_kind(db, tmp_path):
    root = tmp_path / "lib"
    expected = _library(root)
    result = CliRunner().invoke(cli, ["--db", str(db), "scan", str(root), "--json", "-j", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    listed = {item["path"]: item["kind"] for item in data["skipped_list"]}
    assert listed == {str(root / name): kind for name, kind in expected.items()}
    assert data["skipped"] == len(data["skipped_list"]) == len(expected)
    assert [i["path"] for i in data["skipped_list"]] == sorted(listed)  # path order
    check_invariants(db)
    rows = query(db, "SELECT kind, size, root_id, missing FROM skipped_files ORDER BY path")
    assert len(rows) == len(expected)
    assert all(r[2] == 1 and r[3] == 0 for r in rows)
    sizes = dict(query(db, "SELECT path, size FROM skipped_files"))
    assert sizes[str(root / "cover.jpg")] == (root / "cover.jpg").stat().st_size
    assert sizes[str(root / "dangling.jpg")] is None  # could not be stat'ed


def test_scan_text_summary_counts_skipped_kinds(db, tmp_path):
    root = tmp_path / "lib"
    _library(root)
    result = CliRunner().invoke(cli, ["--db", str(db), "scan", str(root), "-j", "1"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("skipped (not audio)"))
    assert "3 image" in line and "3 other" in line and "1 special" in line


def test_rescan_marks_gone_skipped_files_missing_and_keeps_them(db, tmp_path):
    root = tmp_path / "lib"
    _library(root)
    first = scan(db, [root], jobs=1)
    (root / "cover.jpg").unlink()
    shutil.rmtree(root / "sub")
    second = scan(db, [root], jobs=1)
    gone = query(db, "SELECT path, missing_since IS NOT NULL FROM skipped_files WHERE missing = 1")
    assert sorted(gone) == [(str(root / "cover.jpg"), 1), (str(root / "sub" / "back.PNG"), 1)]
    assert second.skipped == first.skipped - 2
    listed = query(
        db, "SELECT count(*) FROM skipped_files WHERE last_scan_id = ?", (second.scan_id,)
    )
    assert listed == [(second.skipped,)]
    # a subtree scan does not mark skipped files elsewhere in the root missing
    (root / "deeper").mkdir()
    scan(db, [root / "deeper"], jobs=1)
    assert query(db, "SELECT count(*) FROM skipped_files WHERE missing = 1") == [(2,)]
    # a file that comes back is un-marked, keeping its first sighting
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 50)
    scan(db, [root], jobs=1)
    row = query(
        db,
        "SELECT missing, missing_since, first_scan_id, size FROM skipped_files WHERE path = ?",
        (str(root / "cover.jpg"),),
    )
    assert row == [(0, None, first.scan_id, 53)]
    check_invariants(db)


def test_a_new_root_absorbing_an_old_one_takes_its_skipped_files(db, tmp_path):
    root = tmp_path / "lib"
    _library(root)
    scan(db, [root / "sub"], jobs=1)
    scan(db, [root], jobs=1)
    roots = query(db, "SELECT id FROM library_roots")
    assert len(roots) == 1
    assert query(db, "SELECT DISTINCT root_id FROM skipped_files") == roots
    check_invariants(db)


def test_stats_counts_skipped_files_by_kind(db, tmp_path):
    root = tmp_path / "lib"
    _library(root)
    scan(db, [root], jobs=1)
    (root / "rip.log").unlink()
    scan(db, [root], jobs=1)  # a missing one is not counted
    result = CliRunner().invoke(cli, ["--db", str(db), "stats", "--json"])
    assert result.exit_code == 0, result.output
    skipped = json.loads(result.stdout)["skipped_files"]
    assert skipped == {
        "total": 10,
        "kinds": {"other": 3, "image": 3, "cue": 1, "playlist": 1, "special": 1, "video": 1},
        "missing": 1,
    }
    text = CliRunner().invoke(cli, ["--db", str(db), "stats"])
    assert "Skipped files" in text.stdout and "image" in text.stdout


def test_modern_images_in_an_iso_container_are_skipped_unread(db, tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    for name in ("photo.avif", "photo.heif", "photo.HEIC"):  # they start with an ftyp box
        (root / name).write_bytes(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00" + b"\x00" * 64)
    s = scan(db, [root], jobs=1)
    assert (s.files_found, s.errors, s.skipped) == (0, 0, 3)
    assert query(db, "SELECT DISTINCT kind FROM skipped_files") == [("image",)]


def test_list_skipped_by_kind_for_a_view(db, tmp_path):
    from archiver.catalog.db import open_catalog
    from archiver.catalog.skipped import list_skipped

    root = tmp_path / "lib"
    _library(root)
    scan(db, [root], jobs=1)
    (root / "cover.jpg").unlink()
    scan(db, [root], jobs=1)
    with open_catalog(db, create=False) as catalog:
        images = list_skipped(catalog.conn, "image")
        every = list_skipped(catalog.conn, "image", include_missing=True)
        everything = list_skipped(catalog.conn)
    assert [f.path for f in images] == [str(root / "dangling.jpg"), str(root / "sub" / "back.PNG")]
    assert [(f.path, f.missing) for f in every][0] == (str(root / "cover.jpg"), True)
    assert len(everything) == 10 and {f.kind for f in everything} == set(SKIPPED_KINDS)


def _video_only_ogg(path: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5", "-t", "1"]
        + ["-c:v", "libtheora", "-f", "ogg", str(path)],
        check=True,
    )
    return path


@pytest.mark.skipif(
    not hasattr(FileRecord, "not_audio") or shutil.which("ffmpeg") is None,
    reason="needs the reader's not_audio (video-only Ogg) and ffmpeg",
)
def test_a_video_only_ogg_is_a_skipped_video_not_a_track(db, tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    song(root / "01 a.ogg", "ogg")
    _video_only_ogg(root / "clip.ogg")
    _video_only_ogg(root / "clip.ogv")
    s = scan(db, [root], jobs=1)
    assert (s.added, s.errors, s.skipped) == (1, 0, 2)
    assert dict(query(db, "SELECT path, kind FROM skipped_files")) == {
        str(root / "clip.ogg"): "video",
        str(root / "clip.ogv"): "video",
    }
