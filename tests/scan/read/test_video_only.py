"""A video-only Ogg (Theora, no audio stream) is not an audio track: the reader says
so and the scan skips it like a non-audio file; Theora with an audio stream is read
as that audio."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from archiver.scan import scan
from archiver.scan.read import VIDEO_ONLY, ogg_audio_kind, ogg_first_packets, read_file
from tests.audiogen import make_file


def _ffmpeg(dest: Path, *args: str) -> Path:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg absent")
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]
    cmd += ["-i", "testsrc=size=32x24:rate=5", *args, "-t", "0.4", "-c:v", "libtheora"]
    done = subprocess.run([*cmd, "-f", "ogg", str(dest)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"ffmpeg cannot encode Theora: {done.stderr[-200:]!r}")
    return dest


@pytest.fixture
def video_only(tmp_path) -> Path:
    return _ffmpeg(tmp_path / "clip.ogv")


def test_video_only_ogg_is_not_audio(video_only, tmp_path):
    for path in (video_only, shutil.copy(video_only, tmp_path / "clip.ogg")):
        record = read_file(os.fsencode(path))
        assert record.not_audio
        assert record.error == ("unsupported", VIDEO_ONLY)
        assert record.format is None and record.tags == {}


def test_theora_with_vorbis_is_read_as_its_audio(tmp_path):
    path = _ffmpeg(tmp_path / "clip.ogv", "-f", "lavfi", "-i", "sine", "-c:a", "libvorbis")
    record = read_file(os.fsencode(path))
    assert record.error is None and not record.not_audio
    assert (record.format, record.codec) == ("ogg", "vorbis")


def _pages(data: bytes) -> list[bytes]:
    pages, pos = [], 0
    while pos < len(data):
        assert data[pos : pos + 4] == b"OggS"
        nsegs = data[pos + 26]
        size = 27 + nsegs + sum(data[pos + 27 : pos + 27 + nsegs])
        pages.append(data[pos : pos + size])
        pos += size
    return pages


def test_audio_stream_found_after_the_header_bytes(video_only, tmp_path):
    """Theora's beginning page first and Vorbis's out of the 128 header bytes that
    the magic check sees: the reader still finds the audio stream."""
    theora = _pages(video_only.read_bytes())
    vorbis = _pages(make_file(tmp_path / "v.ogg", "ogg", {"title": "In The Video"}).read_bytes())
    # push Vorbis's beginning page back with one of an unknown codec (like a skeleton stream)
    filler = bytearray(theora[0])
    filler[14:18] = b"\x99\x99\x99\x99"  # another serial
    filler[28:35] = b"\x80unkwn!"  # not a codec we know
    muxed = tmp_path / "muxed.ogv"
    muxed.write_bytes(theora[0] + bytes(filler) + b"".join(vorbis) + b"".join(theora[1:]))
    with open(muxed, "rb") as f:
        assert [p[:7] for p in ogg_first_packets(f)] == [
            b"\x80theora",
            b"\x80unkwn!",
            b"\x01vorbis",
        ]
        assert ogg_audio_kind(f).__name__ == "OggVorbis"
    record = read_file(os.fsencode(muxed))
    assert record.error is None, record.error
    assert record.codec == "vorbis" and record.tags["title"] == "In The Video"


def test_scan_skips_video_only_files(video_only, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(video_only, lib / "clip.ogv")  # found by content (sniffed)
    shutil.copy(video_only, lib / "clip.ogg")  # found by its audio extension
    make_file(lib / "song.ogg", "ogg", {"title": "Song"})
    db = tmp_path / "c.db"
    s = scan(db, [lib], jobs=1)
    assert (s.added, s.errors, s.skipped) == (1, 0, 2)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT path FROM files").fetchall() == [(str(lib / "song.ogg"),)]
        assert conn.execute("SELECT count(*) FROM scan_errors").fetchone() == (0,)
