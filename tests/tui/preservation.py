"""A real library for the Damaged, Duplicates and Incomplete albums views.

Files are made with ``tests/audiogen.py`` (each format's template holds one
audio stream, so two files of the same format share their audio identity),
scanned, fingerprinted and verified with the real entry points, then damaged
the way a disk or a person would:

- album "Dawn" by Quiet Band says ``totaltracks=6`` but has tracks 1, 2, 4
  and 6 only (one format each, so they are not duplicates of each other);
- "Morning" (flac, full tags) and a copy in Inbox/ with only a title: the
  same audio, the first copy is best for its more complete tags;
- after the first verify, one byte of track 4 is flipped (mtime put back:
  bit rot) and track 6 is deleted; a second verify finds them.
"""

from __future__ import annotations

import os
from pathlib import Path

from archiver.integrity.checksum import checksum_files
from archiver.integrity.verify import verify_files
from archiver.scan import scan
from tests.audiogen import make_file

ALBUM = {"album": "Dawn", "artist": "Quiet Band", "albumartist": "Quiet Band"}
DAWN = [(1, "mp3", "First Light"), (2, "ogg", "Haze"), (4, "m4a", "Rot"), (6, "opus", "Gone")]


def flip_byte(path: Path, offset: int) -> None:
    """Bit rot: invert one byte and put the mtime back."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def make_preservation_library(base: Path) -> Path:
    """Build the files and the catalog under ``base``; return the catalog path."""
    music = base / "music"
    for number, fmt, title in DAWN:
        make_file(
            music / "Quiet Band" / "Dawn" / f"{number:02d} {title}.{fmt}",
            fmt,
            {**ALBUM, "title": title, "tracknumber": str(number), "totaltracks": "6"},
        )
    make_file(
        music / "Quiet Band" / "Singles" / "Morning.flac",
        "flac",
        {
            "title": "Morning",
            "artist": "Quiet Band",
            "album": "Singles",
            "date": "2020",
            "genre": "Ambient",
        },
        with_picture=True,
    )
    make_file(music / "Inbox" / "morning copy.flac", "flac", {"title": "Morning"})
    db = base / "library.db"
    scan(db, [music], jobs=1)
    checksum_files(db, jobs=1)
    verify_files(db, jobs=1)
    rot = music / "Quiet Band" / "Dawn" / "04 Rot.m4a"
    flip_byte(rot, rot.stat().st_size // 2)
    (music / "Quiet Band" / "Dawn" / "06 Gone.opus").unlink()
    verify_files(db, jobs=1)
    return db
