"""Release groups of many editions for the fake MusicBrainz server (issue 19).

Our own invented data, written out as MMD-2.0 XML by the builders below, for
tests and ``benchmarks/bench_enrich.py --editions``. One *family* is an album
title with:

- the studio album's release group, issued as a GB CD (the first), a US CD, a
  12" vinyl, a digital release, a 2009 remaster (same recordings, every track
  4-7 s longer), a deluxe with three bonus tracks and a bootleg;
- a compilation of the same title (its own group, partly other recordings);
- a live album of the same name (its own Live group, other recordings).

A *scenario* is a folder of files tagged as a user's rip of one of them would
be, with the edition enrichment must pick (or ``None``: the edition stays open
with the recordings stored).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from tests.musicbrainz.fakeserver import FakeMusicBrainz, xml

ARTIST = "The Vesper Lines"
STUDIO = [
    ("Lamplight", 201.0),
    ("Tin Roof Rain", 187.0),
    ("Harbour Wall", 243.0),
    ("Paper Moon", 265.0),
]
BONUS = [("Lamplight (Demo)", 190.0), ("Night Ferry", 222.0), ("Harbour Wall (Early Take)", 250.0)]
REMASTER_EXTRA = [4.0, 6.0, 5.0, 7.0]  # seconds a remastered track runs longer
LIVE_EXTRA = [25.0, 31.0, 40.0, 28.0]  # the live takes
OTHER = [("Signal Fires", 230.0), ("Low Country", 205.0)]  # the compilation's other songs


def mbid(kind: int, n: int, k: int = 0) -> str:
    """A valid, readable UUID: ``kkkkkkkk-nnnn-4000-8000-<k>``."""
    return f"{kind:08x}-{n:04x}-4000-8000-{k:012x}"


@dataclass(frozen=True)
class Edition:
    key: str
    title: str
    group: str  # "studio", "compilation", "live"
    date: str | None
    country: str | None
    status: str
    formats: tuple[str, ...]
    barcode: str | None
    label: str | None
    catno: str | None
    tracks: tuple[tuple[str, str, float], ...]  # (recording key, title, seconds) per track


GROUPS = {
    "studio": (1, "Album", (), "1998-05-04"),
    "compilation": (2, "Album", ("Compilation",), "2005-10-10"),
    "live": (3, "Album", ("Live",), "2001-11-20"),
}


@dataclass
class Family:
    """One album title and all its editions; ``n`` keeps ids and titles apart."""

    n: int = 0
    with_us: bool = True
    browse: bool = True  # False: the server does not answer browses (404)
    editions: dict[str, Edition] = field(default_factory=dict)

    def __post_init__(self) -> None:
        title = self.title
        studio = tuple((f"r{i}", t, s) for i, (t, s) in enumerate(STUDIO))
        remaster = tuple(
            (k, t, s + extra) for (k, t, s), extra in zip(studio, REMASTER_EXTRA, strict=True)
        )
        bonus = tuple((f"b{i}", t, s) for i, (t, s) in enumerate(BONUS))
        live = tuple(
            (f"l{i}", t, s + extra)
            for i, ((t, s), extra) in enumerate(zip(STUDIO, LIVE_EXTRA, strict=True))
        )
        other = tuple((f"x{i}", t, s) for i, (t, s) in enumerate(OTHER))
        n = self.n
        rows = [
            (
                "gb",
                title,
                "studio",
                "1998-05-04",
                "GB",
                "Official",
                ("CD",),
                f"50{n:05d}0000001",
                "Harbour Records",
                f"HR {100 + n}",
                studio,
            ),
            (
                "us",
                title,
                "studio",
                "1998-06-16",
                "US",
                "Official",
                ("CD",),
                f"0{n:05d}0000002",
                "Westside",
                f"WS-{2000 + n}",
                studio,
            ),
            (
                "vinyl",
                title,
                "studio",
                "1998",
                "DE",
                "Official",
                ('12" Vinyl',),
                None,
                "Harbour Records",
                f"HR {100 + n} LP",
                studio,
            ),
            (
                "digital",
                title,
                "studio",
                "2012-03-01",
                "XW",
                "Official",
                ("Digital Media",),
                None,
                "Harbour Records",
                None,
                studio,
            ),
            (
                "remaster",
                title,
                "studio",
                "2009-09-09",
                "GB",
                "Official",
                ("CD",),
                f"50{n:05d}0000009",
                "Harbour Records",
                f"HRR {100 + n}",
                remaster,
            ),
            (
                "deluxe",
                f"{title} (Deluxe Edition)",
                "studio",
                "2014-04-04",
                "GB",
                "Official",
                ("CD", "CD"),
                f"50{n:05d}0000014",
                "Harbour Records",
                f"HRD {100 + n}",
                studio + bonus,
            ),
            (
                "bootleg",
                title,
                "studio",
                "1999",
                "XE",
                "Bootleg",
                ("CD",),
                None,
                None,
                None,
                studio,
            ),
            (
                "compilation",
                title,
                "compilation",
                "2005-10-10",
                "GB",
                "Official",
                ("CD",),
                f"50{n:05d}0000005",
                "Harbour Records",
                f"HRC {100 + n}",
                studio[:2] + other,
            ),
            (
                "live",
                title,
                "live",
                "2001-11-20",
                "GB",
                "Official",
                ("CD",),
                f"50{n:05d}0000020",
                "Harbour Records",
                f"HRL {100 + n}",
                live,
            ),
        ]
        for row in rows:
            if row[0] == "us" and not self.with_us:
                continue
            self.editions[row[0]] = Edition(*row)

    @property
    def title(self) -> str:
        return "Paper Moon" if self.n == 0 else f"Paper Moon {self.n}"

    def release_id(self, key: str) -> str:
        return mbid(0xE1, self.n, list(self.editions).index(key) + 1)

    def edition_of(self, release_id: str | None) -> str | None:
        return next((k for k in self.editions if self.release_id(k) == release_id), None)

    def recording_id(self, key: str) -> str:
        return mbid(0xE3, self.n, int(key[1:]) + 16 * "rblx".index(key[0]))

    def group_id(self, group: str) -> str:
        return mbid(0xE2, self.n, GROUPS[group][0])

    # -- XML ------------------------------------------------------------------

    def _credit(self) -> str:
        return (
            f'<artist-credit><name-credit><artist id="{mbid(0xEA, self.n)}"><name>{ARTIST}</name>'
            f"<sort-name>Vesper Lines, The</sort-name></artist></name-credit></artist-credit>"
        )

    def _group(self, group: str) -> str:
        _, primary, secondary, first = GROUPS[group]
        types = "".join(f"<secondary-type>{t}</secondary-type>" for t in secondary)
        listed = f"<secondary-type-list>{types}</secondary-type-list>" if secondary else ""
        return (
            f'<release-group id="{self.group_id(group)}" type="{primary}"><title>{self.title}</title>'
            f"<first-release-date>{first}</first-release-date><primary-type>{primary}</primary-type>"
            f"{listed}</release-group>"
        )

    def _head(self, e: Edition) -> str:
        parts = [f"<title>{e.title}</title><status>{e.status}</status>", self._credit()]
        parts.append(self._group(e.group))
        if e.date:
            parts.append(f"<date>{e.date}</date>")
        if e.country:
            parts.append(f"<country>{e.country}</country>")
        if e.barcode:
            parts.append(f"<barcode>{e.barcode}</barcode>")
        if e.label:
            catno = f"<catalog-number>{e.catno}</catalog-number>" if e.catno else ""
            parts.append(
                f'<label-info-list count="1"><label-info>{catno}<label id="{mbid(0xEB, self.n)}">'
                f"<name>{e.label}</name></label></label-info></label-info-list>"
            )
        return "".join(parts)

    def _recording(self, key: str, title: str, seconds: float, rels: bool = True) -> str:
        rid = self.recording_id(key)
        ms = int(seconds * 1000)
        isrc = f'<isrc-list count="1"><isrc id="GBVSP{98 if key[0] != "l" else 1:02d}{self.n:03d}{int(key[1:]) + 16 * "rblx".index(key[0]):02d}"/></isrc-list>'
        work = mbid(0xEC, self.n, int(key[1:]) + 16 * "rblx".index(key[0]))
        relations = (
            '<relation-list target-type="artist"><relation type="producer">'
            f"<target>{mbid(0xED, self.n)}</target><direction>backward</direction>"
            f'<artist id="{mbid(0xED, self.n)}"><name>Ruth Calder</name><sort-name>Calder, Ruth</sort-name></artist>'
            "</relation></relation-list>"
            '<relation-list target-type="work"><relation type="performance">'
            f"<target>{work}</target><direction>forward</direction>"
            f'<work id="{work}"><title>{title}</title><relation-list target-type="artist">'
            f'<relation type="composer"><target>{mbid(0xEE, self.n)}</target><direction>backward</direction>'
            f'<artist id="{mbid(0xEE, self.n)}"><name>Tom Varga</name><sort-name>Varga, Tom</sort-name></artist>'
            "</relation></relation-list></work></relation></relation-list>"
        )
        return (
            f'<recording id="{rid}"><title>{title}</title><length>{ms}</length>{self._credit()}'
            f"{isrc}{relations if rels else ''}</recording>"
        )

    def release_xml(self, key: str) -> str:
        """A release lookup with every include enrich asks for."""
        return xml(self.release_element(key, rels=True))

    def browse_xml(self, group: str) -> str:
        """A browse of a group's releases with recordings and ISRCs: as a lookup,
        without the recordings' relationships (a browse cannot include them)."""
        items = [
            self.release_element(k, rels=False)
            for k, e in self.editions.items()
            if e.group == group
        ]
        return xml(f'<release-list count="{len(items)}" offset="0">{"".join(items)}</release-list>')

    def release_element(self, key: str, rels: bool) -> str:
        e = self.editions[key]
        rid = self.release_id(key)
        per_disc = (
            [list(e.tracks)] if len(e.formats) == 1 else [list(e.tracks[:4]), list(e.tracks[4:])]
        )
        media = []
        for disc, (fmt, tracks) in enumerate(zip(e.formats, per_disc, strict=True), start=1):
            items = "".join(
                f'<track id="{mbid(0xE4, self.n, disc * 256 + i + list(self.editions).index(key) * 4096)}">'
                f"<position>{i}</position><number>{i}</number><length>{int(s * 1000)}</length>"
                f"{self._recording(k, t, s, rels)}</track>"
                for i, (k, t, s) in enumerate(tracks, start=1)
            )
            media.append(
                f"<medium><position>{disc}</position><format>{_esc(fmt)}</format>"
                f'<track-list count="{len(tracks)}" offset="0">{items}</track-list></medium>'
            )
        return (
            f'<release id="{rid}">{self._head(e)}'
            f'<medium-list count="{len(media)}">{"".join(media)}</medium-list></release>'
        )

    def search_xml(self) -> str:
        """The release search: every edition, as ws/2 lists them (no tracklists)."""
        items = []
        for key, e in self.editions.items():
            per_disc = [len(e.tracks)] if len(e.formats) == 1 else [4, len(e.tracks) - 4]
            media = "".join(
                f'<medium><format>{_esc(f)}</format><track-list count="{c}"/></medium>'
                for f, c in zip(e.formats, per_disc, strict=True)
            )
            items.append(
                f'<release id="{self.release_id(key)}" ext:score="100">{self._head(e)}'
                f'<medium-list count="{len(e.formats)}"><track-count>{len(e.tracks)}</track-count>'
                f"{media}</medium-list></release>"
            )
        body = xml(f'<release-list count="{len(items)}" offset="0">{"".join(items)}</release-list>')
        return body.replace(
            "<metadata ", '<metadata xmlns:ext="http://musicbrainz.org/ns/ext#-2.0" ', 1
        )

    def serve(self, fake: FakeMusicBrainz) -> None:
        search = self.search_xml()
        fake.add_search("release", self.title, search)
        fake.add_search("release", f"{self.title} (Deluxe Edition)", search)
        for key in self.editions:
            fake.add_release(self.release_id(key), self.release_xml(key))
        if self.browse:
            for group in GROUPS:
                fake.add(f"browse/release/{self.group_id(group)}", self.browse_xml(group))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


# -- scenarios: what a user's files look like -------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    expect: str | None  # the edition enrichment must choose; None: none
    status: str = "matched"  # or "open" (recordings stored) or "ambiguous" (nothing stored)
    tracks: tuple[tuple[str, float], ...] = tuple(STUDIO)
    album_tags: dict = field(default_factory=dict)
    bits: int = 16
    raw: dict = field(default_factory=dict)
    disc_size: int | None = None  # tracks per disc when the files span two discs
    holds: str | None = None  # the edition whose recordings the files are (default: expect, gb)

    @property
    def recordings_of(self) -> str:
        return self.holds or self.expect or "gb"


def _shifted(extra: list[float]) -> tuple[tuple[str, float], ...]:
    return tuple((t, s + x) for (t, s), x in zip(STUDIO, extra, strict=True))


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario("date", "us", album_tags={"date": "1998-06-16"}),
        Scenario("barcode", "gb", album_tags={"barcode": "{gb_barcode}"}),
        Scenario("catalog", "vinyl", album_tags={"catalognumber": "{vinyl_catno}"}),
        Scenario("lengths", "remaster", tracks=_shifted(REMASTER_EXTRA)),
        Scenario(
            "track_count",
            "deluxe",
            tracks=tuple(STUDIO + BONUS),
            album_tags={"album": "{title} (Deluxe Edition)"},
            disc_size=4,
        ),
        Scenario("media", "vinyl", bits=24, raw={"MEDIA": ['12" Vinyl']}),
        Scenario("bootleg", "bootleg", raw={"RELEASESTATUS": ["bootleg"]}),
        Scenario("live", "live", tracks=_shifted(LIVE_EXTRA), raw={"RELEASETYPE": ["album; live"]}),
        Scenario("open", None, "open"),
        # Live takes the tags do not call live: no studio edition holds them.
        Scenario("live_untagged", None, "ambiguous", tracks=_shifted(LIVE_EXTRA), holds="live"),
    ]
}
PREFERENCE = Scenario("preference", "us")  # untagged; decided by --prefer-country US


def scenario_rows(family: Family, scenario: Scenario, root: str = "/music") -> list[dict]:
    """One dict per file: path, duration, bits, tags (with ``raw`` as JSON)."""
    subst = {
        "title": family.title,
        "gb_barcode": family.editions["gb"].barcode,
        "vinyl_catno": family.editions["vinyl"].catno,
    }
    album_tags = {k: v.format(**subst) for k, v in scenario.album_tags.items()}
    folder = f"{root}/{ARTIST}/{family.title} [{scenario.name}]"
    rows = []
    size = scenario.disc_size or len(scenario.tracks)
    for i, (title, seconds) in enumerate(scenario.tracks):
        disc, number = divmod(i, size)
        discs = {} if scenario.disc_size is None else {"discnumber": disc + 1, "totaldiscs": 2}
        tags = {
            "title": title,
            "artist": ARTIST,
            "albumartist": ARTIST,
            "album": family.title,
            "tracknumber": number + 1,
            "totaltracks": len(scenario.tracks[disc * size : (disc + 1) * size]),
            **discs,
            **album_tags,
            "raw": json.dumps(scenario.raw),
        }
        rows.append(
            {
                "path": f"{folder}/{i + 1:02d} {title}.flac",
                "duration": seconds + 0.2,
                "bits": scenario.bits,
                "tags": tags,
            }
        )
    return rows


def insert_rows(conn, rows: list[dict], now: str) -> list[int]:
    """Insert files and tags rows as the scanner would (caller holds the transaction)."""
    ids = []
    for row in rows:
        cur = conn.execute(
            "INSERT INTO files (path, path_bytes, size, mtime_ns, mtime, format, codec, duration, "
            "bits_per_sample, sample_rate, first_seen_at, last_seen_at) "
            "VALUES (?, ?, 1000, 0, ?, 'flac', 'flac', ?, ?, ?, ?, ?)",
            (
                row["path"],
                os.fsencode(row["path"]),
                now,
                row["duration"],
                row["bits"],
                96000 if row["bits"] > 16 else 44100,
                now,
                now,
            ),
        )
        file_id = int(cur.lastrowid)
        tags = row["tags"]
        columns = ["file_id", *tags]
        conn.execute(
            f"INSERT INTO tags ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            (file_id, *tags.values()),
        )
        ids.append(file_id)
    return ids
