"""Enrichment benchmark: 1,000 albums against the fake MusicBrainz server, throttle off.

Prints albums/s and requests/album for a cold run (every answer over HTTP
from the loopback fake server, parsed, matched, stored) and a warm re-run
(every answer from the catalog cache: zero requests, so it measures the
parsing + matching + storing work alone).

    /work/venv/bin/python benchmarks/bench_enrich.py [--albums 1000] [--tracks 10]

Albums are invented: 40% carry a release id (1 request), 20% recording ids
(2 requests), 40% nothing (a release search with two candidates, then the
winner's lookup: 2 requests). ``--messy`` takes away track numbers and
perturbs titles and lengths, so every album needs the full assignment.

``--editions`` enriches popular albums without MusicBrainz ids instead: each
album is one of the scenarios of ``tests/musicbrainz/editions.py`` (a release
group of many editions, a compilation and a live album of the same title; the
files carry a date, a barcode, a catalog number, remastered lengths, bonus
tracks, a media tag, a status or type tag, or nothing) and prints the share
decided, left open with the recordings stored, and wrong (must be 0), with
requests per album. Run with ``--prefer-country US`` as a user would.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.catalog import open_catalog  # noqa: E402
from archiver.catalog.db import utc_now  # noqa: E402
from archiver.musicbrainz import Client, ClientSettings, enrich_catalog  # noqa: E402
from tests.musicbrainz.fakeserver import FakeMusicBrainz, xml  # noqa: E402


def mbid(kind: int, n: int, k: int = 0) -> str:
    return str(uuid.UUID(int=(kind << 96) | (n << 32) | k, version=4))


def credit(name: str) -> str:
    return f'<artist-credit><name-credit><artist id="{mbid(9, hash(name) & 0xFFFFFF)}"><name>{name}</name><sort-name>{name}</sort-name></artist></name-credit></artist-credit>'


def release_xml(n: int, title: str, artist: str, titles: list[str]) -> str:
    tracks = "".join(
        f'<track id="{mbid(2, n, i)}"><position>{i}</position><number>{i}</number><length>{(180 + i) * 1000}</length>'
        f'<recording id="{mbid(3, n, i)}"><title>{t}</title><length>{(180 + i) * 1000}</length>{credit(artist)}'
        f'<isrc-list count="1"><isrc id="XX{n:07d}{i:03d}"/></isrc-list>'
        f'<relation-list target-type="artist"><relation type="producer"><target>{mbid(8, n)}</target>'
        f'<direction>backward</direction><artist id="{mbid(8, n)}"><name>Producer {n}</name></artist></relation></relation-list>'
        "</recording></track>"
        for i, t in enumerate(titles, start=1)
    )
    return xml(
        f'<release id="{mbid(1, n)}"><title>{title}</title><status>Official</status>{credit(artist)}'
        f'<release-group id="{mbid(5, n)}" type="Album"><title>{title}</title><primary-type>Album</primary-type></release-group>'
        f"<date>2001</date><country>GB</country><barcode>{n:013d}</barcode>"
        f'<label-info-list count="1"><label-info><catalog-number>CAT-{n}</catalog-number><label id="{mbid(6, n % 50)}"><name>Label {n % 50}</name></label></label-info></label-info-list>'
        f'<medium-list count="1"><medium><position>1</position><format>CD</format><track-list count="{len(titles)}" offset="0">{tracks}</track-list></medium></medium-list>'
        "</release>"
    )


def search_xml(n: int, title: str, artist: str, tracks: int) -> str:
    def one(rid: str, t: str, count: int) -> str:
        return (
            f'<release id="{rid}" ext:score="100"><title>{t}</title><status>Official</status>{credit(artist)}'
            f'<medium-list count="1"><track-count>{count}</track-count><medium><format>CD</format>'
            f'<track-list count="{count}"/></medium></medium-list></release>'
        )

    body = f'<release-list count="2" offset="0">{one(mbid(7, n), title + " (Deluxe Live Edition)", tracks * 2)}{one(mbid(1, n), title, tracks)}</release-list>'
    return xml(body).replace(
        "<metadata ", '<metadata xmlns:ext="http://musicbrainz.org/ns/ext#-2.0" ', 1
    )


def recording_xml(n: int, title: str, album: str, tracks: int) -> str:
    return xml(
        f'<recording id="{mbid(3, n, 1)}"><title>{title}</title><release-list count="1">'
        f'<release id="{mbid(1, n)}"><title>{album}</title><status>Official</status>'
        f'<medium-list count="1"><medium><position>1</position><track-list count="{tracks}" offset="0"/></medium></medium-list>'
        "</release></release-list></recording>"
    )


def build(catalog, fake: FakeMusicBrainz, albums: int, per_album: int, messy: bool = False) -> None:
    now = utc_now()
    rows_files, rows_tags = [], []
    file_id = 0
    for n in range(albums):
        artist, title = f"Artist {n}", f"Album Number {n}"
        titles = [f"Song {n}-{i}" for i in range(1, per_album + 1)]
        fake.add(f"release/{mbid(1, n)}", release_xml(n, title, artist, titles))
        kind = n % 5  # 0,1: release id; 2: recording id; 3,4: search
        if kind == 2:
            fake.add(f"recording/{mbid(3, n, 1)}", recording_xml(n, titles[0], title, per_album))
        if kind >= 3:
            fake.add_search("release", title, search_xml(n, title, artist, per_album))
        for i, t in enumerate(titles, start=1):
            file_id += 1
            path = f"/bench/{artist}/{title}/{i:02d} {t}.flac"
            duration = 180.0 + i + (3.5 if messy else 0.4)
            rows_files.append((file_id, path, os.fsencode(path), now, duration, now, now))
            rows_tags.append(
                (
                    file_id,
                    f"{t} (Remastered)" if messy else t,
                    artist,
                    title,
                    artist,
                    None if messy else i,
                    per_album,
                    mbid(1, n) if kind < 2 else None,
                    mbid(3, n, i) if kind == 2 else None,
                )
            )
    with catalog.write() as conn:
        conn.executemany(
            "INSERT INTO files (id, path, path_bytes, size, mtime_ns, mtime, format, codec, duration, "
            "first_seen_at, last_seen_at) VALUES (?, ?, ?, 1000, 0, ?, 'flac', 'flac', ?, ?, ?)",
            rows_files,
        )
        conn.executemany(
            "INSERT INTO tags (file_id, title, artist, album, albumartist, tracknumber, totaltracks, "
            "musicbrainz_albumid, musicbrainz_recordingid) VALUES (?,?,?,?,?,?,?,?,?)",
            rows_tags,
        )


def build_editions(catalog, fake: FakeMusicBrainz, albums: int) -> list[tuple]:
    """One editions family per album, cycling through the scenarios; returns
    (family, scenario) per album in album order."""
    from tests.musicbrainz.editions import PREFERENCE, SCENARIOS, Family, insert_rows, scenario_rows

    kinds = [*SCENARIOS.values(), PREFERENCE]
    plan, rows = [], []
    for n in range(albums):
        scenario = kinds[n % len(kinds)]
        # With --prefer-country US, an album left open must have no US edition.
        family = Family(n + 1, with_us=scenario.status != "open")
        family.serve(fake)
        rows.extend(scenario_rows(family, scenario, root="/bench"))
        plan.append((family, scenario))
    with catalog.write() as conn:
        insert_rows(conn, rows, utc_now())
    return plan


def check_editions(catalog, plan: list[tuple]) -> dict[str, int]:
    """decided / open (recordings stored) / ambiguous (nothing stored) / wrong."""
    counts = {"decided": 0, "open": 0, "ambiguous": 0, "wrong": 0, "missed": 0}
    for family, scenario in plan:
        folder = f"/bench/The Vesper Lines/{family.title} [{scenario.name}]"
        status, release = catalog.conn.execute(
            "SELECT status, release_mbid FROM album_matches WHERE folder = ?", (folder,)
        ).fetchone()
        recordings = {
            r[0]
            for r in catalog.conn.execute(
                "SELECT m.recording_mbid FROM matches m JOIN files f ON f.id = m.file_id "
                "WHERE f.path LIKE ? AND m.recording_mbid IS NOT NULL",
                (folder + "/%",),
            )
        }
        edition = family.edition_of(release)
        tracks = family.editions[scenario.recordings_of].tracks
        held = {family.recording_id(k) for k, _, _ in tracks}
        if status == "matched":
            counts["decided" if edition == scenario.expect else "wrong"] += 1
        elif recordings:  # open: right when the files hold those recordings
            counts["open" if status == "ambiguous" and recordings <= held else "wrong"] += 1
        elif status == "ambiguous":
            counts["ambiguous"] += 1
        else:
            counts["missed"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--albums", type=int, default=1000)
    parser.add_argument("--tracks", type=int, default=10)
    parser.add_argument(
        "--messy",
        action="store_true",
        help="No track numbers, retitled files, lengths off by 3.5 s: every album "
        "goes through the full distance matrix and the Hungarian assignment.",
    )
    parser.add_argument(
        "--editions",
        action="store_true",
        help="Popular albums of many editions without ids (tests/musicbrainz/editions.py): "
        "share decided / left open with recordings / wrong, requests per album.",
    )
    parser.add_argument(
        "--prefer-country",
        default="US",
        metavar="CODES",
        help="Preferred countries for --editions (default US; '' for none).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeMusicBrainz() as fake:
        catalog = open_catalog(Path(tmp) / "bench.db")
        plan = None
        prefs = None
        if args.editions:
            from archiver.musicbrainz.match import Preferences

            plan = build_editions(catalog, fake, args.albums)
            countries = tuple(c for c in args.prefer_country.split(",") if c)
            prefs = Preferences(countries=countries)
        else:
            build(catalog, fake, args.albums, args.tracks, args.messy)
        settings = ClientSettings(server=fake.url, rate_limit=0.0, timeout=10.0)
        for label in ("cold (HTTP to the fake server)", "warm (cache only)"):
            client = Client(catalog.conn, settings)
            started = time.perf_counter()
            stats = enrich_catalog(catalog, client, preferences=prefs)
            seconds = time.perf_counter() - started
            print(
                f"{label:32s} {stats.albums} albums ({stats.files} files) in {seconds:6.2f} s: "
                f"{stats.albums / seconds:7.1f} albums/s, {stats.requests / max(stats.albums, 1):.2f} requests/album, "
                f"{stats.cache_hits} cache hits; matched {stats.matched}, ambiguous {stats.ambiguous}, "
                f"unmatched {stats.unmatched}, errors {stats.errors}"
            )
        print(f"server saw {fake.count} requests in all")
        if plan is not None:
            counts = check_editions(catalog, plan)
            total = max(len(plan), 1)
            print(
                "editions: "
                + ", ".join(f"{k} {v} ({100 * v / total:.1f} %)" for k, v in counts.items())
            )
            by_kind: dict[str, list[int]] = {}
            keys = [s.name for _, s in plan]
            for name, seen in zip(keys, _requests_per_album(fake, plan), strict=True):
                by_kind.setdefault(name, []).append(seen)
            print(
                "requests per album by scenario (cold): "
                + ", ".join(f"{k} {max(v)}" for k, v in by_kind.items())
            )
        catalog.close()


def _requests_per_album(fake: FakeMusicBrainz, plan: list[tuple]) -> list[int]:
    """Requests the server saw for each album (its family's search, lookups, browses)."""
    per: dict[str, int] = {}
    for key in fake.keys():
        per[key] = per.get(key, 0) + 1
    out = []
    for family, _ in plan:
        ids = {family.release_id(k) for k in family.editions}
        ids |= {family.group_id(g) for g in ("studio", "compilation", "live")}  # browses
        searches = {
            f"search/release/{family.title.lower()}",
            f"search/release/{family.title.lower()} (deluxe edition)",
        }
        out.append(sum(v for k, v in per.items() if k in searches or k.split("/")[-1] in ids))
    return out


if __name__ == "__main__":
    main()
