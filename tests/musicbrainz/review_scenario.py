"""Our invented albums for reviewing matches, and their MusicBrainz XML.

- "Harvest Lanterns" (Oriel Vance): two editions, a CD (GB) and a vinyl (US),
  with the same title, artist, date and tracks: the search scores them alike,
  so enrich leaves the album ambiguous.
- "Stillwater" (Corin Ash): the files carry the release id of the deluxe
  edition (5 tracks) although they are the standard 3-track edition: enrich
  matches it by tag id with a weak score; the standard edition is the right one.
- "Tin Roof" (Corin Ash), a 2-track release nothing points to (does not fit).
- a loose track, "Static Bloom" (Kite Theory), with a recording search.
"""

from __future__ import annotations

from archiver.catalog.db import Catalog
from tests.musicbrainz.conftest import add_file
from tests.musicbrainz.fakeserver import FakeMusicBrainz, xml

R_HARVEST_CD = "9a100000-0000-4000-8000-000000000001"
R_HARVEST_LP = "9a100000-0000-4000-8000-000000000002"
R_STILL_DELUXE = "9b200000-0000-4000-8000-000000000001"
R_STILL = "9b200000-0000-4000-8000-000000000002"
R_TIN_ROOF = "9c300000-0000-4000-8000-000000000001"
R_MISSING = "9d400000-0000-4000-8000-000000000404"
REC_STATIC = "9e500000-0000-4000-8000-000000000001"
REC_STATIC_LIVE = "9e500000-0000-4000-8000-000000000002"

HARVEST = [("Ember Road", 201.0), ("Kestrel", 187.0), ("The Long Field", 243.0)]
STILL = [("Undertow", 222.0), ("Paper Moon", 198.0), ("Slack Water", 260.0)]
STILL_BONUS = [("Undertow (Demo)", 230.0), ("Slack Water (Live)", 280.0)]
ARTIST = {"Oriel Vance": "9f000000-0000-4000-8000-000000000001", "Corin Ash": "9f000000-0000-4000-8000-000000000002"}  # fmt: skip


def _credit(name: str) -> str:
    return (
        f'<artist-credit><name-credit><artist id="{ARTIST.get(name, ARTIST["Corin Ash"])}">'
        f"<name>{name}</name><sort-name>{name}</sort-name></artist></name-credit></artist-credit>"
    )


def _labels(label: str, catno: str) -> str:
    return (
        f'<label-info-list count="1"><label-info><catalog-number>{catno}</catalog-number>'
        f'<label id="9f100000-0000-4000-8000-00000000{abs(hash(label)) % 10000:04d}">'
        f"<name>{label}</name></label></label-info></label-info-list>"
    )


def release_xml(
    mbid: str,
    title: str,
    artist: str,
    tracks: list[tuple[str, float]],
    *,
    date: str,
    country: str,
    label: str,
    catno: str,
    fmt: str,
) -> str:
    """A release lookup answer with its tracklist: track ids derived from the release
    id, recording ids shared by the editions of one album (as on MusicBrainz)."""
    items = []
    for n, (name, seconds) in enumerate(tracks, start=1):
        ms = int(seconds * 1000)
        items.append(
            f'<track id="{mbid[:-8]}{mbid[-2:]}{n:02d}ffff"><position>{n}</position>'
            f"<number>{n}</number><length>{ms}</length>"
            f'<recording id="{mbid[:-8]}00{n:02d}eeee"><title>{name}</title>'
            f"<length>{ms}</length>{_credit(artist)}</recording></track>"
        )
    return xml(
        f'<release id="{mbid}"><title>{title}</title><status>Official</status>{_credit(artist)}'
        f"<date>{date}</date><country>{country}</country>{_labels(label, catno)}"
        f'<medium-list count="1"><medium><position>1</position><format>{fmt}</format>'
        f'<track-list count="{len(tracks)}" offset="0">{"".join(items)}</track-list>'
        "</medium></medium-list></release>"
    )


def search_entry(
    mbid: str, title: str, artist: str, count: int, *, date: str, country: str, label: str, catno: str, fmt: str
) -> str:  # fmt: skip
    return (
        f'<release id="{mbid}" ext:score="100"><title>{title}</title><status>Official</status>'
        f"{_credit(artist)}<date>{date}</date><country>{country}</country>{_labels(label, catno)}"
        f'<medium-list count="1"><track-count>{count}</track-count><medium><format>{fmt}</format>'
        f'<track-list count="{count}"/></medium></medium-list></release>'
    )


def search_xml(*entries: str) -> str:
    body = xml(f'<release-list count="{len(entries)}" offset="0">{"".join(entries)}</release-list>')
    return body.replace(
        "<metadata ", '<metadata xmlns:ext="http://musicbrainz.org/ns/ext#-2.0" ', 1
    )


HARVEST_CD = dict(date="2021-04-02", country="GB", label="Wrenfield", catno="WR-101", fmt="CD")
HARVEST_LP = dict(date="2021-04-02", country="US", label="Wrenfield", catno="WR-101LP", fmt="Vinyl")
STILL_STD = dict(date="2018-09-14", country="XE", label="Low Hill", catno="LH-7", fmt="CD")
STILL_DLX = dict(date="2018-09-14", country="XE", label="Low Hill", catno="LH-7D", fmt="CD")


def recording_xml(mbid: str, title: str, seconds: float, artist: str = "Kite Theory") -> str:
    return xml(
        f'<recording id="{mbid}"><title>{title}</title><length>{int(seconds * 1000)}</length>'
        f'<artist-credit><name-credit><artist id="9f000000-0000-4000-8000-000000000003">'
        f"<name>{artist}</name><sort-name>{artist}</sort-name></artist></name-credit>"
        "</artist-credit></recording>"
    )


def recording_search_xml() -> str:
    entries = "".join(
        f'<recording id="{mbid}" ext:score="100"><title>Static Bloom</title>'
        f"<length>{ms}</length><artist-credit><name-credit>"
        '<artist id="9f000000-0000-4000-8000-000000000003"><name>Kite Theory</name>'
        "<sort-name>Kite Theory</sort-name></artist></name-credit></artist-credit></recording>"
        for mbid, ms in ((REC_STATIC, 200000), (REC_STATIC_LIVE, 200500))
    )
    body = xml(f'<recording-list count="2" offset="0">{entries}</recording-list>')
    return body.replace(
        "<metadata ", '<metadata xmlns:ext="http://musicbrainz.org/ns/ext#-2.0" ', 1
    )


def serve(fake: FakeMusicBrainz) -> None:
    """Every answer the scenario needs (R_MISSING stays a 404)."""
    fake.add_search(
        "release",
        "Harvest Lanterns",
        search_xml(
            search_entry(R_HARVEST_CD, "Harvest Lanterns", "Oriel Vance", 3, **HARVEST_CD),
            search_entry(R_HARVEST_LP, "Harvest Lanterns", "Oriel Vance", 3, **HARVEST_LP),
        ),
    )
    fake.add_release(
        R_HARVEST_CD,
        release_xml(R_HARVEST_CD, "Harvest Lanterns", "Oriel Vance", HARVEST, **HARVEST_CD),
    )
    fake.add_release(
        R_HARVEST_LP,
        release_xml(R_HARVEST_LP, "Harvest Lanterns", "Oriel Vance", HARVEST, **HARVEST_LP),
    )
    fake.add_release(
        R_STILL_DELUXE,
        release_xml(
            R_STILL_DELUXE,
            "Stillwater (Deluxe Edition)",
            "Corin Ash",
            STILL + STILL_BONUS,
            **STILL_DLX,
        ),
    )
    fake.add_release(R_STILL, release_xml(R_STILL, "Stillwater", "Corin Ash", STILL, **STILL_STD))
    fake.add_release(
        R_TIN_ROOF,
        release_xml(R_TIN_ROOF, "Tin Roof", "Corin Ash", STILL[:2], **STILL_STD),
    )
    fake.add_search("recording", "Static Bloom", recording_search_xml())
    fake.add(f"recording/{REC_STATIC}", recording_xml(REC_STATIC, "Static Bloom", 200.0))
    fake.add(
        f"recording/{REC_STATIC_LIVE}", recording_xml(REC_STATIC_LIVE, "Static Bloom (Live)", 200.5)
    )


def populate(catalog: Catalog, root: str = "/music") -> dict[str, int]:
    """The scenario's files (no MusicBrainz data yet); title -> file id."""
    ids = {}
    for n, (title, seconds) in enumerate(HARVEST, start=1):
        ids[title] = add_file(
            catalog,
            f"{root}/Oriel Vance/Harvest Lanterns/{n:02d} {title}.flac",
            seconds,
            title=title,
            artist="Oriel Vance",
            albumartist="Oriel Vance",
            album="Harvest Lanterns",
            tracknumber=n,
            totaltracks=3,
            date="2021",
        )
    for n, (title, seconds) in enumerate(STILL, start=1):
        ids[title] = add_file(
            catalog,
            f"{root}/Corin Ash/Stillwater/{n:02d} {title}.flac",
            seconds,
            title=title,
            artist="Corin Ash",
            albumartist="Corin Ash",
            album="Stillwater",
            tracknumber=n,
            totaltracks=3,
            date="2018",
            musicbrainz_albumid=R_STILL_DELUXE,
        )
    ids["Static Bloom"] = add_file(
        catalog,
        f"{root}/Singles/Static Bloom.flac",
        200.2,
        title="Static Bloom",
        artist="Kite Theory",
    )
    return ids
