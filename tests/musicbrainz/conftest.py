"""Shared fixtures: a catalog with our invented albums, and the fake server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.catalog import open_catalog
from archiver.catalog.db import Catalog, utc_now
from archiver.musicbrainz.client import Client, ClientSettings
from tests.musicbrainz.fakeserver import FakeMusicBrainz, fixture

R_GLASS = "a1000000-0000-4000-8000-000000000001"
R_NORTH = "b2000000-0000-4000-8000-000000000002"
REC_NORTH_1 = "b2e00000-0000-4000-8000-000000000001"
REC_NORTH_2 = "b2e00000-0000-4000-8000-000000000002"
R_PAPER = "c3000000-0000-4000-8000-000000000003"
R_QUIET = "d4000000-0000-4000-8000-000000000004"
R_FALSE = "f6000000-0000-4000-8000-000000000006"
REC_LONELY = "a7e00000-0000-4000-8000-000000000001"

# (folder, duration, tags) for every file of the test library.
LIBRARY: list[tuple[str, float, dict]] = [
    *[
        (
            "The Lanterns/Glass Harbor",
            dur,
            dict(
                title=t,
                artist="The Lanterns",
                albumartist="The Lanterns",
                album="Glass Harbor",
                tracknumber=n,
                totaltracks=3,
                date="2019",
                musicbrainz_albumid=R_GLASS,
            ),
        )
        for n, t, dur in [
            (1, "Harbor Lights", 201.0),
            (2, "Salt & Iron", 187.4),
            (3, "Low Tide (Reprise)", 243.1),
        ]
    ],
    *[
        (
            "Mira Solberg/Northern Lights Suite",
            dur,
            dict(
                title=t,
                artist="Mira Solberg",
                album="Northern Lights Suite",
                tracknumber=n,
                musicbrainz_recordingid=rec,
            ),
        )
        for n, t, dur, rec in [
            (1, "Aurora, Part I", 305.2, REC_NORTH_1),
            (2, "Aurora, Part II", 287.9, REC_NORTH_2),
        ]
    ],
    *[
        (
            "June Okoro/Paper Boats",
            dur,
            dict(title=t, artist="June Okoro", album="Paper Boats", tracknumber=n, isrc=isrc),
        )
        for n, t, dur, isrc in [
            (1, "Fold", 174.0, "USPB11800001"),
            (2, "Crease", 199.0, "USPB11800002"),
        ]
    ],
    *[
        (
            "Halcyon Drive/Quiet Engines",
            dur,
            dict(
                title=t,
                artist="Halcyon Drive",
                album="Quiet Engines",
                tracknumber=n,
                totaltracks=4,
                date="2015",
            ),
        )
        for n, t, dur in [
            (1, "Ignition", 209.6),
            (2, "Idle", 185.3),
            (3, "Torque", 255.0),
            (4, "Coasting Home", 300.2),
        ]
    ],
    *[
        (
            "Ada Moon/Twin Rivers",
            dur,
            dict(title=t, artist="Ada Moon", album="Twin Rivers", tracknumber=n, date="2012"),
        )
        for n, t, dur in [
            (1, "East Fork", 180.0),
            (2, "West Fork", 190.0),
            (3, "Confluence", 240.0),
        ]
    ],
    *[
        (
            "The Meridians/False Dawn",
            dur,
            dict(title=t, artist="The Meridians", album="False Dawn", tracknumber=n),
        )
        for n, t, dur in [
            (1, "Morning Light", 200.0),
            (2, "Noonday", 210.0),
            (3, "Dusk Song", 220.0),
        ]
    ],
    ("Singles", 200.0, dict(title="Lonely Signal", artist="Kite Theory")),
]


def add_file(catalog: Catalog, path: str, duration: float | None, **tags: object) -> int:
    """Insert one files row and its tags row, as the scanner would."""
    now = utc_now()
    with catalog.write() as conn:
        cur = conn.execute(
            "INSERT INTO files (path, path_bytes, size, mtime_ns, mtime, format, codec, duration, "
            "first_seen_at, last_seen_at) VALUES (?, ?, 1000, 0, ?, 'flac', 'flac', ?, ?, ?)",
            (path, os.fsencode(path), now, duration, now, now),
        )
        file_id = int(cur.lastrowid)
        columns = ["file_id", *tags]
        conn.execute(
            f"INSERT INTO tags ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            (file_id, *tags.values()),
        )
    return file_id


def populate(catalog: Catalog, root: str = "/music") -> dict[str, int]:
    ids = {}
    for i, (folder, duration, tags) in enumerate(LIBRARY):
        path = f"{root}/{folder}/{i:02d} {tags['title']}.flac"
        ids[tags["title"]] = add_file(catalog, path, duration, **tags)
    return ids


def serve_library(fake: FakeMusicBrainz) -> None:
    """Routes for every album of LIBRARY."""
    fake.add_release(R_GLASS, fixture("release-glass-harbor.xml"))
    fake.add(f"recording/{REC_NORTH_1}", fixture("recording-northern-1.xml"))
    fake.add_release(R_NORTH, fixture("release-northern-lights.xml"))
    fake.add("isrc/USPB11800001", fixture("isrc-paper-boats.xml"))
    fake.add_release(R_PAPER, fixture("release-paper-boats.xml"))
    fake.add_search("release", "Quiet Engines", fixture("search-quiet-engines.xml"))
    fake.add_release(R_QUIET, fixture("release-quiet-engines.xml"))
    fake.add_search("release", "Twin Rivers", fixture("search-twin-rivers.xml"))
    fake.add_search("release", "False Dawn", fixture("search-false-dawn.xml"))
    fake.add_release(R_FALSE, fixture("release-false-dawn.xml"))
    fake.add_search("recording", "Lonely Signal", fixture("search-recording-lonely-signal.xml"))
    fake.add(f"recording/{REC_LONELY}", fixture("recording-lonely-signal.xml"))


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    cat = open_catalog(tmp_path / "library.db")
    yield cat
    cat.close()


@pytest.fixture
def fake() -> Iterator[FakeMusicBrainz]:
    with FakeMusicBrainz() as server:
        yield server


def make_client(catalog: Catalog | None, fake: FakeMusicBrainz, **kw: object) -> Client:
    settings = dict(
        server=fake.url,
        contact="tests@example.org",
        rate_limit=0.0,
        timeout=2.0,
        max_attempts=3,
        backoff=0.01,
    )
    settings.update(kw)
    return Client(catalog.conn if catalog is not None else None, ClientSettings(**settings))
