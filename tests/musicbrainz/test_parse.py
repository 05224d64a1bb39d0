"""The parse layer over our fixtures and the recorded ws/2 responses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archiver.musicbrainz.client import parse_body
from archiver.musicbrainz.parse import (
    Credit,
    credit_phrase,
    recording_from_lookup,
    recordings_from_isrc,
    recordings_from_search,
    release_from_lookup,
    releases_from_search,
)
from tests.musicbrainz.fakeserver import fixture

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "musicbrainz"


def test_release_lookup_fields():
    release = release_from_lookup(parse_body(fixture("release-glass-harbor.xml"), "release"))
    assert (
        release.title,
        release.artist_credit,
        release.date,
        release.country,
        release.barcode,
    ) == (
        "Glass Harbor",
        "The Lanterns",
        "2019-05-03",
        "GB",
        "5012345678900",
    )
    assert release.release_group.primary_type == "Album"
    assert [(lb.name, lb.catalog_number) for lb in release.labels] == [
        ("Tidewater Records", "TW-001")
    ]
    assert release.medium_count == 1 and release.track_count == 3
    first, _, third = release.tracks
    assert (first.position, first.number, first.length, first.medium_format) == (
        1,
        "1",
        201.0,
        "CD",
    )
    assert first.recording.isrcs == ("GBTWR1900001",)
    assert (
        Credit("performer", "Ines M.", "a1a00000-0000-4000-8000-00000000a005", ("lead vocals",))
        in first.recording.credits
    )
    assert third.title == "Low Tide (Reprise)" and third.recording.title == "Low Tide"
    assert third.artist_credit == "The Lanterns feat. Ines Moreau"
    assert {a.name for a in release.artists} == {"The Lanterns"}


def test_search_isrc_and_recording_answers():
    found = releases_from_search(parse_body(fixture("search-quiet-engines.xml"), "release-list"))
    assert [(r.title, r.track_count, r.score) for r in found] == [
        ("Quiet Engines (Live at the Roundhouse)", 12, 100),
        ("Quiet Engines", 4, 98),
    ]
    [rec] = recordings_from_isrc(parse_body(fixture("isrc-paper-boats.xml"), "isrc"))
    assert rec.releases[0].title == "Paper Boats"
    rec = recording_from_lookup(parse_body(fixture("recording-northern-1.xml"), "recording"))
    assert [(r.title, r.track_count) for r in rec.releases] == [
        ("Best of Nordic Jazz", 18),
        ("Northern Lights Suite", 2),
    ]
    recs = recordings_from_search(
        parse_body(fixture("search-recording-lonely-signal.xml"), "recording-list")
    )
    assert [(r.title, r.length, r.score) for r in recs] == [
        ("Lonely Signal", 200.5, 100),
        ("Lonely Signal (Club Remix)", 412.0, 81),
    ]


def test_credit_phrase():
    assert (
        credit_phrase(
            [{"name": "A", "artist": {"name": "Alpha"}}, " & ", {"artist": {"name": "B"}}]
        )
        == "A & B"
    )
    assert credit_phrase(None) is None and credit_phrase([]) is None


def _shared(group: str) -> list[Path]:
    folder = SHARED / group
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    return sorted(folder.glob("*.xml"))


def test_every_recorded_release_parses():
    for path in _shared("release"):
        body = path.read_text(encoding="utf-8")
        release = release_from_lookup(parse_body(body, "release"))
        assert release.mbid and path.name.startswith(release.mbid)
        expected = sum(int(n) for n in re.findall(r'<track-list count="(\d+)"', body))
        assert len(release.tracks) == expected, path.name
        assert all(t.recording.mbid and t.position >= 0 for t in release.tracks)
        assert release.medium_count == body.count("<medium>") or release.medium_count == body.count(
            "<medium "
        )


def test_every_recorded_recording_parses():
    for path in _shared("recording"):
        rec = recording_from_lookup(parse_body(path.read_text(encoding="utf-8"), "recording"))
        assert rec.mbid and path.name.startswith(rec.mbid)
        if rec.mbid.startswith("f606f733"):
            roles = sorted((c.role, c.artist_name, c.attributes) for c in rec.credits)
            assert roles == [
                ("engineer", "Tom Jung", ()),
                ("performer", "Billy Barber", ("piano",)),
                ("producer", "Billy Barber", ()),
                ("producer", "Tom Jung", ()),
            ]
            assert rec.length == 259.6


def test_recorded_search_release_parses():
    path = SHARED / "search-release.xml"
    if not path.exists():
        pytest.skip("shared search fixture not present")
    found = releases_from_search(parse_body(path.read_text(encoding="utf-8"), "release-list"))
    assert found and all(r.mbid and r.title for r in found)
