"""Playlists: the m3u8 writer (export --format m3u8), our M3U parser, and
`archiver playlist import`, on a library of real audio files scanned by the real scanner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from archiver.export import extinf_line
from archiver.playlist import decode_playlist, entry_path, parse_playlist, read_playlist
from tests.audiogen import make_file
from tests.conftest import run_cli

# --- the parser: pure -------------------------------------------------------------


def test_extended_m3u_entries_carry_length_and_label():
    text = "#EXTM3U\n#EXTINF:123,A - B\n/m/a.flac\n#EXTINF:-1,Radio\nhttp://x/s\nrel/b.mp3\n"
    entries = parse_playlist(text, b"/lists")
    assert [e.location for e in entries] == ["/m/a.flac", "http://x/s", "rel/b.mp3"]
    assert [e.path for e in entries] == [b"/m/a.flac", None, b"/lists/rel/b.mp3"]
    assert (entries[0].seconds, entries[0].label) == (123, "A - B")
    assert (entries[1].seconds, entries[1].label) == (None, "Radio")
    assert (entries[2].seconds, entries[2].label) == (None, None)  # #EXTINF applies once
    assert [e.line for e in entries] == [3, 5, 6]


def test_extinf_with_attributes_and_commas_in_the_label():
    (entry,) = parse_playlist('#EXTINF:7 tvg-id="x",A, B - C, D\n/a.mp3\n', b"/")
    assert (entry.seconds, entry.label) == (7, "A, B - C, D")


def test_plain_m3u_blank_lines_and_comments():
    entries = parse_playlist("\n# a comment\n  /a.mp3  \n\n../b.mp3\n", b"/m/lists")
    assert [e.path for e in entries] == [b"/a.mp3", b"/m/b.mp3"]


def test_crlf_and_cr_line_ends():
    assert [e.path for e in parse_playlist("#EXTM3U\r\n/a.mp3\r\n/b.mp3\r\n", b"/")] == [
        b"/a.mp3",
        b"/b.mp3",
    ]
    assert len(parse_playlist("/a.mp3\r/b.mp3\r", b"/")) == 2


def test_bom_is_dropped_and_means_utf8():
    data = "\ufeff#EXTM3U\n/Björk.mp3\n".encode()
    text = decode_playlist(data, "x.m3u")
    assert text.startswith("#EXTM3U")
    assert parse_playlist(text, b"/")[0].path == "/Björk.mp3".encode()


def test_latin1_m3u_and_utf8_m3u():
    latin = "/Björk/Jóga.mp3\n".encode("latin-1")
    assert decode_playlist(latin, "old.m3u") == "/Björk/Jóga.mp3\n"
    assert decode_playlist("/Björk.mp3\n".encode(), "new.m3u") == "/Björk.mp3\n"


def test_m3u8_keeps_bytes_that_are_not_utf8():
    data = b"/music/caf\xe9.mp3\n"
    (entry,) = parse_playlist(decode_playlist(data, "x.m3u8"), b"/")
    assert entry.path == b"/music/caf\xe9.mp3"


def test_file_urls():
    assert entry_path("file:///m/A%20B/caf%C3%A9.flac", b"/x") == "/m/A B/café.flac".encode()
    assert entry_path("file://localhost/m/a.mp3", b"/x") == b"/m/a.mp3"
    assert entry_path("FILE:///m/a.mp3", b"/x") == b"/m/a.mp3"
    assert entry_path("file://server/share/a.mp3", b"/x") is None
    assert entry_path("file:relative.mp3", b"/x") is None
    assert entry_path("https://example.org/a.mp3", b"/x") is None


def test_relative_paths_are_normalised_against_the_folder():
    assert entry_path("./a/../b.mp3", b"/m/l") == b"/m/l/b.mp3"
    assert entry_path("C:drive.mp3", b"/m") == b"/m/C:drive.mp3"  # one letter: no scheme


def test_extinf_line():
    assert extinf_line(123.6, "A", "T", "f.mp3") == "#EXTINF:124,A - T\n"
    assert extinf_line(None, None, None, "f.mp3") == "#EXTINF:-1,f.mp3\n"
    assert extinf_line(3, "A\nB", "T\r\nU", "f") == "#EXTINF:3,A B - T U\n"


# --- export and import on real files ------------------------------------------------


@pytest.fixture
def library(tmp_path: Path):
    root = tmp_path / "Music"
    tracks = [
        ("Émile/Blue/01 Un.flac", "flac", "Émile", "Un", "1"),
        ("Émile/Blue/02 Deux.mp3", "mp3", "Émile", "Deux, encore", "2"),
        ("Other/Red/01 Trois.ogg", "ogg", "Other", "Trois", "1"),
    ]
    for rel, fmt, artist, title, number in tracks:
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        make_file(
            dest,
            fmt,
            {
                "artist": artist,
                "albumartist": artist,
                "title": title,
                "album": "A",
                "tracknumber": number,
            },
        )
    catalog_path = tmp_path / "catalog.db"
    result = run_cli(catalog_path, "scan", "--jobs", "1", "--quiet", str(root))
    assert result.exit_code == 0, result.stderr
    return catalog_path, root


def test_export_m3u8_absolute_paths(library, tmp_path):
    catalog_path, root = library
    out = tmp_path / "all.m3u8"
    result = run_cli(catalog_path, "export", "-o", str(out))  # format from the suffix
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"#EXTM3U\n") and not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == 7 and lines[1::2] == [x for x in lines if x.startswith("#EXTINF:")]
    by_path = dict(zip(lines[2::2], lines[1::2], strict=True))
    assert by_path[str(root / "Émile/Blue/01 Un.flac")].split(",", 1)[1] == "Émile - Un"
    assert by_path[str(root / "Émile/Blue/02 Deux.mp3")].endswith(",Émile - Deux, encore")
    entries = read_playlist(out)
    assert [os.fsdecode(e.path) for e in entries] == lines[2::2]
    assert all(e.seconds is not None and e.seconds >= 0 for e in entries)
    assert "wrote 3 tracks" in result.stderr


def test_export_m3u8_relative_to_root_with_a_query_and_missing_files(library, tmp_path):
    catalog_path, root = library
    (root / "Émile/Blue/02 Deux.mp3").unlink()  # gone since the scan
    out = root / "Émile" / "emile.m3u8"
    result = run_cli(
        catalog_path,
        "export",
        "artist:mile",
        "--format",
        "m3u8",
        "--root",
        str(root / "Émile"),
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    lines = out.read_text("utf-8").splitlines()
    assert lines == ["#EXTM3U", lines[1], "Blue/01 Un.flac"]
    assert "left out 1 files not on disk" in result.stderr
    entries = read_playlist(out)
    assert entries[0].path == os.fsencode(root / "Émile/Blue/01 Un.flac")
    # a root above or beside: .. paths that still resolve from the root
    result = run_cli(catalog_path, "export", "--format", "m3u8", "--root", str(root / "Other"))
    assert "../Émile/Blue/01 Un.flac" in result.stdout


def test_export_m3u8_usage_errors(library, tmp_path):
    catalog_path, root = library
    bad = run_cli(catalog_path, "export", "--format", "m3u8", "--columns", "path")
    assert bad.exit_code == 2 and "do not apply" in bad.stderr
    bad = run_cli(catalog_path, "export", "--format", "m3u8", "--root", str(tmp_path / "nope"))
    assert bad.exit_code == 2 and "not a folder" in bad.stderr


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not installed")
def test_ffprobe_reads_the_playlist(library, tmp_path):
    catalog_path, root = library
    out = root / "list.m3u8"
    args = ("export", "format:mp3", "--format", "m3u8", "--root", str(root), "-o", str(out))
    assert run_cli(catalog_path, *args).exit_code == 0
    # ffprobe reads an M3U with its HLS demuxer: the entries' paths, relative to the
    # playlist, must resolve to the files (its segment check wants one format per list).
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-f",
            "hls",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout)["streams"][0]["codec_name"] == "mp3"
    all_out = tmp_path / "all.m3u8"
    assert run_cli(catalog_path, "export", "-o", str(all_out)).exit_code == 0
    for entry in read_playlist(all_out):  # and #EXTINF says each file's length
        length = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
                os.fsdecode(entry.path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert length.returncode == 0 and abs(float(length.stdout) - entry.seconds) <= 1


def test_playlist_import_reports_found_missing_unknown(library, tmp_path):
    catalog_path, root = library
    playlist = root / "mixed.m3u"
    (root / "Other/Red/01 Trois.ogg").unlink()
    stranger = root / "stranger.mp3"
    stranger.write_bytes(b"not catalogued")
    text = (
        "#EXTM3U\r\n#EXTINF:1,Émile - Un\r\nÉmile/Blue/01 Un.flac\r\n"
        f"file://{(root / 'Émile/Blue/02 Deux.mp3').as_posix().replace(' ', '%20')}\r\n"
        "Other/Red/01 Trois.ogg\r\nstranger.mp3\r\nhttp://radio.example/stream\r\n"
    )
    playlist.write_bytes(text.encode("latin-1"))
    before = catalog_path.read_bytes()
    result = run_cli(catalog_path, "playlist", "import", str(playlist))
    assert result.exit_code == 0, result.stderr
    assert "5 entries: 2 found, 1 catalogued but missing, 2 unknown" in result.stdout
    assert "missing (line 5): Other/Red/01 Trois.ogg" in result.stdout
    assert "unknown (line 6): stranger.mp3" in result.stdout
    assert "http://radio.example/stream" in result.stdout
    data = json.loads(run_cli(catalog_path, "playlist", "import", str(playlist), "--json").stdout)
    assert (data["entries"], data["found"], data["missing"], data["unknown"]) == (5, 2, 1, 2)
    assert data["missing_entries"][0]["path"] == str(root / "Other/Red/01 Trois.ogg")
    assert data["unknown_entries"][1]["path"] is None
    assert catalog_path.read_bytes() == before  # nothing changed


def test_playlist_import_round_trips_an_export(library, tmp_path):
    catalog_path, root = library
    out = tmp_path / "all.m3u8"
    run_cli(catalog_path, "export", "-o", str(out), "--format", "m3u8", "--root", str(tmp_path))
    data = json.loads(run_cli(catalog_path, "playlist", "import", str(out), "--json").stdout)
    assert (data["found"], data["missing"], data["unknown"]) == (3, 0, 0)


def test_playlist_import_of_random_bytes_names_every_line_unknown(library, tmp_path):
    catalog_path, _ = library
    junk = tmp_path / "junk.m3u"
    junk.write_bytes(b"\x00\xff\xfe garbage\n/x\x00y.mp3\nfile:///a%00b.flac\n\x1b[31mred\n")
    data = json.loads(run_cli(catalog_path, "playlist", "import", str(junk), "--json").stdout)
    assert (data["entries"], data["found"], data["unknown"]) == (4, 0, 4)


def test_playlist_import_bad_file(library, tmp_path):
    catalog_path, _ = library
    result = run_cli(catalog_path, "playlist", "import", str(tmp_path / "nope.m3u8"))
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = run_cli(catalog_path, "playlist", "import", str(tmp_path))
    assert result.exit_code == 2 and "folder" in result.stderr
