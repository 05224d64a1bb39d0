"""A small real catalog (SQLite file, real schema) filled with direct inserts,
so export tests do not depend on the scanner or the enrichment code."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.catalog.db import open_catalog, utc_now

_FILE_FIELDS = {
    "size", "mtime_ns", "mtime", "format", "codec", "duration", "bitrate", "sample_rate", "channels",
    "bits_per_sample", "lossless", "read_error", "missing", "sha256", "hashed_size", "hashed_mtime_ns",
    "last_verified_at", "root_id",
}  # fmt: skip

ROOT = "/music"


def add_root(conn, path: str | bytes, root_id: int | None = None) -> int:
    raw = os.fsencode(path)
    cur = conn.execute(
        "INSERT INTO library_roots (id, path, path_bytes, added_at) VALUES (?, ?, ?, ?)",
        (root_id, raw.decode("utf-8", "backslashreplace"), raw, utc_now()),
    )
    return cur.lastrowid


def add_track(conn, path: str | bytes, **fields) -> int:
    """Insert one files row and its tags row; keyword names are columns of either table."""
    raw = os.fsencode(path)
    file_values = {
        "size": 1000,
        "mtime_ns": 1_700_000_000_000_000_000,
        "mtime": "2023-11-14T22:13:20Z",
        "root_id": 1,
    }
    tag_values = {}
    for key, value in fields.items():
        (file_values if key in _FILE_FIELDS else tag_values)[key] = value
    now = utc_now()
    file_values.update(
        path=raw.decode("utf-8", "backslashreplace"),
        path_bytes=raw,
        first_seen_at=now,
        last_seen_at=now,
    )
    cols = ", ".join(file_values)
    cur = conn.execute(
        f"INSERT INTO files ({cols}) VALUES ({', '.join('?' * len(file_values))})",
        list(file_values.values()),
    )
    file_id = cur.lastrowid
    tag_values["file_id"] = file_id
    conn.execute(
        f"INSERT INTO tags ({', '.join(tag_values)}) VALUES ({', '.join('?' * len(tag_values))})",
        list(tag_values.values()),
    )
    return file_id


def add_match(conn, file_id: int, status: str = "matched", **values) -> None:
    values = {"file_id": file_id, "status": status, "matched_at": utc_now(), **values}
    conn.execute(
        f"INSERT INTO matches ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        list(values.values()),
    )


@pytest.fixture
def catalog_path(tmp_path: Path) -> Path:
    return tmp_path / "catalog.db"


@pytest.fixture
def catalog(catalog_path: Path) -> Iterator:
    cat = open_catalog(catalog_path)
    add_root(cat.conn, ROOT, 1)
    yield cat
    cat.close()


@pytest.fixture
def sample(catalog) -> dict[str, int]:
    """A dozen tracks covering NULLs, non-ASCII, SQL and CSV metacharacters,
    a non-UTF-8 path, formula-looking values and MusicBrainz data."""
    conn = catalog.conn
    ids = {}
    ids["abbey1"] = add_track(
        conn, f"{ROOT}/Beatles/Abbey Road/01 Come Together.flac", title="Come Together", artist="The Beatles",
        albumartist="The Beatles", album="Abbey Road", tracknumber=1, totaltracks=17, discnumber=1, totaldiscs=1,
        date="1969-09-26", year=1969, genre="Rock", composer="Lennon; McCartney", format="flac", codec="flac",
        duration=259.5, bitrate=1_000_400, sample_rate=44100, channels=2, bits_per_sample=16, lossless=1,
        size=30_000_000, isrc="GBAYE0601690", label="Apple", catalognumber="PCS 7088", barcode="077774644129",
    )  # fmt: skip
    ids["abbey2"] = add_track(
        conn, f"{ROOT}/Beatles/Abbey Road/02 Something.flac", title="Something", artist="The Beatles",
        albumartist="The Beatles", album="Abbey Road", tracknumber=2, totaltracks=17, discnumber=1,
        date="1969-09-26", year=1969, genre="Rock", format="flac", codec="flac", duration=182.9,
        bitrate=990_000, lossless=1, size=21_000_000,
    )  # fmt: skip
    ids["help"] = add_track(
        conn, f"{ROOT}/Beatles/Help/07 Ticket to Ride.mp3", title="Ticket to Ride", artist="The Beatles",
        albumartist="The Beatles", album="Help!", tracknumber=7, date="1965-08-06", year=1965, genre="Rock",
        format="mp3", codec="mp3", duration=190.2, bitrate=320_000, lossless=0, size=7_600_000,
    )  # fmt: skip
    ids["bjork"] = add_track(
        conn, f"{ROOT}/Björk/Homogenic/01 Hunter.ogg", title="Hunter", artist="Björk", albumartist="Björk",
        album="Homogenic", tracknumber=1, date="1997", year=1997, genre="Electronic; Art Pop", format="ogg",
        codec="vorbis", duration=255.0, bitrate=192_000, lossless=0, size=6_100_000,
    )  # fmt: skip
    ids["percent"] = add_track(
        conn, f"{ROOT}/Odd/100% _Pure_ 'Quotes'.mp3", title='100% _Pure_ "Quotes", commas',
        artist="O'Brien & Sons", album="Line\nBreak", format="mp3", codec="mp3", duration=60.0,
        bitrate=128_000, lossless=0, tracknumber=3, date="2001-05",
    )  # fmt: skip
    ids["formula"] = add_track(
        conn, f"{ROOT}/Odd/formula.wav", title="=HYPERLINK(\"http://x\")", artist="+cmd", album="-minus",
        albumartist="@at", genre="\tTabbed", composer="\rCR", format="wav", codec="pcm", duration=30.0,
        bitrate=1_411_200, lossless=1,
    )  # fmt: skip
    ids["nonutf8"] = add_track(
        conn, os.fsencode(f"{ROOT}/Odd/") + b"caf\xe9 \xff.mp3", title="Bad bytes", format="mp3", codec="mp3",
        lossless=0,
    )  # fmt: skip
    ids["literal_escape"] = add_track(
        conn, f"{ROOT}/Odd/caf\\xe9 literal.mp3", title="Literal backslash", format="mp3", codec="mp3",
    )  # fmt: skip
    ids["empty"] = add_track(conn, f"{ROOT}/Untagged/track.wma", format="asf", codec="wma")
    ids["missing"] = add_track(
        conn, f"{ROOT}/Gone/gone.flac", title="Gone", artist="Ghost", album="Vanished", format="flac",
        codec="flac", lossless=1, missing=1, duration=100.0,
    )  # fmt: skip
    ids["long"] = add_track(
        conn, f"{ROOT}/Long/epic.opus", title="Epic", artist="Long Player", album="Very Long", format="opus",
        codec="opus", duration=1800.25, bitrate=96_000, lossless=0, size=21_600_000, date="1972-03-01", year=1972,
    )  # fmt: skip
    # MusicBrainz side for "Come Together", "Something" (matched), "Hunter" (ambiguous), "Help" (error).
    conn.execute(
        "INSERT INTO mb_releases (mbid, title, artist_credit, date, barcode, fetched_at) VALUES (?,?,?,?,?,?)",
        (
            "rel-abbey",
            "Abbey Road (Remaster)",
            "The Beatles",
            "2009-09-09",
            "5099969945120",
            utc_now(),
        ),
    )
    conn.executemany(
        "INSERT INTO mb_release_labels (release_mbid, position, label_name, catalog_number) VALUES (?,?,?,?)",
        [
            ("rel-abbey", 1, "Parlophone", "0946 3 82468 2 4"),
            ("rel-abbey", 0, "Apple Records", "PCS 7088"),
        ],
    )
    conn.executemany(
        "INSERT INTO mb_recordings (mbid, title, artist_credit, length) VALUES (?,?,?,?)",
        [
            ("rec-come", "Come Together", "The Beatles", 259.0),
            ("rec-some", "Something", "The Beatles", 182.0),
        ],
    )
    conn.executemany(
        "INSERT INTO mb_recording_isrcs (recording_mbid, isrc) VALUES (?,?)",
        [("rec-come", "GBAYE0601690"), ("rec-come", "GBAYE0900001")],
    )
    conn.execute(
        "INSERT INTO mb_tracks (mbid, release_mbid, disc_number, position, title, recording_mbid)"
        " VALUES ('trk-come', 'rel-abbey', 1, 1, 'Come Together (track)', 'rec-come')"
    )
    conn.executemany(
        "INSERT INTO mb_credits (recording_mbid, role, artist_name, attributes) VALUES (?,?,?,?)",
        [
            ("rec-come", "producer", "George Martin", ""),
            ("rec-come", "performer", "John Lennon", "lead vocals; guitar"),
            ("rec-come", "performer", "Paul McCartney", "bass"),
            ("rec-come", "performer", "Ringo Starr", ""),
            ("rec-come", "engineer", "Geoff Emerick", ""),
        ],
    )
    add_match(conn, ids["abbey1"], release_mbid="rel-abbey", track_mbid="trk-come", recording_mbid="rec-come",
              score=0.97, method="isrc")  # fmt: skip
    add_match(conn, ids["abbey2"], release_mbid="rel-abbey", recording_mbid="rec-some", score=0.9)
    add_match(conn, ids["bjork"], "ambiguous", score=0.6)
    add_match(conn, ids["help"], "error", error="HTTP 503")
    return ids


def run_cli(catalog_path: Path, *args: str, input: bytes | None = None):
    """Run ``archiver --db CATALOG args...`` with click's runner; stdout/stderr kept apart."""
    from click.testing import CliRunner

    from archiver.cli import cli

    return CliRunner().invoke(
        cli, ["--db", str(catalog_path), *args], input=input, catch_exceptions=False
    )


@pytest.fixture
def cli(catalog_path: Path, sample):
    def run(*args: str):
        return run_cli(catalog_path, *args)

    return run


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


@pytest.fixture(autouse=True)
def _covers_in_half_blocks(monkeypatch):
    """The TUI draws covers the way the terminal it runs in can (Kitty, Sixel, ...):
    tests, and snapshots, get half blocks wherever they run, unless they ask."""
    monkeypatch.setenv("ARCHIVER_COVERS", "halfblock")
