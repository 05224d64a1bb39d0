"""Build the sample library in examples/library/ (deterministic; output is committed).

Every file is a copy of one of our own 1-second templates (tests/data/templates/) tagged with
mutagen by tests/audiogen.py. Also writes examples/library.json describing every file and
the tags written, so other tests can build fixtures (fake MusicBrainz XML, expected rows).

    /work/venv/bin/python examples/make_library.py
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.audiogen import (  # noqa: E402
    FAMILY,
    make_corrupt,
    make_file,
    make_untagged,
    supported_fields,
)

LIBRARY = ROOT / "examples" / "library"
MANIFEST = ROOT / "examples" / "library.json"

# (format, id3 version) -> file extension
EXT = {"mp3": "mp3", "flac": "flac", "ogg": "ogg", "opus": "opus", "m4a": "m4a", "wav": "wav"}

BJORK = "Björk Ǫuartet"
NINOS = "Los Niños del Mar"
EMILE = "Émile & The Cartographers"

# Invented MusicBrainz ids (valid UUID v4 syntax; they exist only in our fixtures).
MB_BJORK_ARTIST = "185fe536-214c-43db-bd4f-303d56a9220a"
MB_NORDURLJOS_RELEASE = "b773b205-7510-44a5-88e9-7ce668680fe7"
MB_NORDURLJOS_GROUP = "902e7f5f-5ade-43c3-92f7-c29863b5ff0f"
MB_NORDURLJOS_RECORDINGS = [
    "5032f440-7dc5-4e1e-9f76-13c4ee1e6f47",
    "36ebdcd7-e2dc-467f-bdd8-c840a2abfbb6",
    "ca20a895-0b54-4f96-a53e-d5e24d0dd0fb",
    "89b1da65-bb7c-4342-badc-fd22217859bb",
    "4ad27c99-193d-4970-ac4e-7581eb1b8e4e",
]
MB_NORDURLJOS_TRACKS = [
    "19a05c16-a55d-4e28-940f-59e27e21f671",
    "13024ce1-d319-47e7-af3a-793f3fb1adf6",
    "0cf123d3-9e1a-449e-bc3b-ac98dd67823e",
    "fe24484a-0063-4337-88a5-d6d030423719",
    "36644303-7902-4501-b764-34fefcb06655",
]
MB_EMILE_ARTIST = "8e3418b1-d1ba-4d55-8db6-6aad2e012ddb"
MB_HARBOUR_RECORDING_EMILE = "ff23fc97-38db-4afe-83c1-ad69a1eb365e"

# Album definitions: album-level tags, then tracks as (disc, track, title, format, id3, extra tags).
ALBUMS: list[dict[str, Any]] = [
    {
        "folder": f"{BJORK}/Nørðurljós",
        "tags": {
            "album": "Nørðurljós",
            "albumartist": BJORK,
            "artist": BJORK,
            "artists": [BJORK],
            "date": "2019-03-15",
            "originaldate": "2019-03-15",
            "genre": ["Art Pop", "Electronic"],
            "label": "Fjörður Records",
            "catalognumber": "FJR-019",
            "barcode": "0761234567896",
            "media": "Digital Media",
            "releasecountry": "IS",
            "releasestatus": "official",
            "releasetype": "album",
            "totaltracks": "5",
            "discnumber": "1",
            "totaldiscs": "1",
            "musicbrainz_albumid": MB_NORDURLJOS_RELEASE,
            "musicbrainz_releasegroupid": MB_NORDURLJOS_GROUP,
            "musicbrainz_artistid": MB_BJORK_ARTIST,
            "musicbrainz_albumartistid": MB_BJORK_ARTIST,
        },
        "tracks": [
            (1, 1, "Ljósið kemur", "mp3", "v2.4", {"composer": "Sól Ævarsdóttir", "bpm": "96"}),
            (1, 2, "Þögn", "mp3", "v2.4", {"lyrics": "Þögnin er hávær\nog nóttin löng"}),
            (
                1,
                3,
                "Hafið og ég",
                "mp3",
                "v2.4",
                {
                    "performer": ["Sól Ævarsdóttir (vocals)", "Kári Þórsson (cello)"],
                    "producer": "Hrafn Jónsson",
                    "engineer": "Ása Björg",
                    "mixer": "Hrafn Jónsson",
                },
            ),
            (1, 4, "Stjörnur", "mp3", "v2.3", {"comment": "Recorded live in Reykjavík"}),
            (1, 5, "Norðurljós (Reprise)", "mp3", "v2.3", {"replaygain_track_gain": "-7.12 dB"}),
        ],
        "mb_tracks": True,
    },
    {
        "folder": f"{NINOS}/Canciones de la Marea",
        "tags": {
            "album": "Canciones de la Marea",
            "albumartist": NINOS,
            "artist": NINOS,
            "artists": [NINOS],
            "date": "2021-06-04",
            "originaldate": "2021-06-04",
            "genre": "Folk",
            "label": "Sello Azul",
            "catalognumber": "SA-2021-07",
            "barcode": "8412345678905",
            "totaldiscs": "2",
        },
        "tracks": [
            (1, 1, "La marea alta", "flac", None, {}),
            (1, 2, "Niña de sal", "flac", None, {}),
            (
                1,
                3,
                "Corazón de faro",
                "flac",
                None,
                {"artist": f"{NINOS} feat. Ñandú", "artists": [NINOS, "Ñandú"]},
            ),
            (2, 1, "El puerto dormido", "flac", None, {}),
            (2, 2, "Mañana, quizás", "flac", None, {"composer": ["Inés Ortúzar", "Tomás Ríos"]}),
            (2, 3, "Adiós, señor Océano", "flac", None, {}),
        ],
        "totals": {1: 3, 2: 3},
        "picture": True,
    },
    {
        "folder": f"{EMILE}/Cartes du ciel",
        "tags": {
            "album": "Cartes du ciel",
            "albumartist": EMILE,
            "artist": EMILE,
            "date": "2017-10-20",
            "genre": "Indie Rock",
            "label": "Boussole Disques",
            "totaltracks": "5",
            "musicbrainz_albumartistid": MB_EMILE_ARTIST,
        },
        "tracks": [
            (1, 1, "Méridien", "m4a", None, {}),
            (1, 2, "L'étoile polaire", "m4a", None, {"bpm": "128"}),
            (1, 3, "Rose des vents", "m4a", None, {"composer": "Émile Fauré-Lindqvist"}),
            (1, 4, "Longitude zéro", "m4a", None, {}),
            (1, 5, "Épilogue (bonus)", "opus", None, {"comment": "Bonus track"}),
        ],
    },
    {
        "folder": "Various Artists/Harbour Lights",
        "tags": {
            "album": "Harbour Lights",
            "albumartist": "Various Artists",
            "compilation": "1",
            "date": "2022",
            "genre": "Compilation",
            "label": "Lighthouse Compilations",
            "totaltracks": "4",
            "releasetype": ["album", "compilation"],
        },
        "tracks": [
            (1, 1, "Vitinn", "ogg", None, {"artist": BJORK, "artists": [BJORK]}),
            (1, 2, "Faro del sur", "opus", None, {"artist": NINOS, "artists": [NINOS]}),
            (
                1,
                3,
                "Phare de nuit",
                "mp3",
                "v2.3",
                {
                    "artist": EMILE,
                    "artists": [EMILE],
                    "isrc": "XXEC22100007",
                    "musicbrainz_recordingid": MB_HARBOUR_RECORDING_EMILE,
                    "musicbrainz_artistid": MB_EMILE_ARTIST,
                },
            ),
            (
                1,
                4,
                "Ōkami no umi",
                "wav",
                "v2.4",
                {"artist": "Ōkami Tide & 水野 ハル", "artists": ["Ōkami Tide", "水野 ハル"]},
            ),
        ],
    },
]


def _filename(track: int, title: str, fmt: str, disc: int | None) -> str:
    prefix = f"{disc}-{track:02d}" if disc else f"{track:02d}"
    return f"{prefix} {title}.{EXT[fmt]}"


def build(library: Path = LIBRARY) -> list[dict[str, Any]]:
    """Write the library under ``library`` (replacing it); returns one manifest entry per file."""
    if library.exists():
        shutil.rmtree(library)
    entries: list[dict[str, Any]] = []
    for album in ALBUMS:
        multi_disc = "totals" in album
        for index, (disc, track, title, fmt, id3, extra) in enumerate(album["tracks"]):
            tags: dict[str, Any] = dict(album["tags"])
            tags.update({"title": title, "tracknumber": str(track), "discnumber": str(disc)})
            if multi_disc:
                tags["totaltracks"] = str(album["totals"][disc])
            if album.get("mb_tracks"):
                tags["musicbrainz_recordingid"] = MB_NORDURLJOS_RECORDINGS[index]
                tags["musicbrainz_trackid"] = MB_NORDURLJOS_TRACKS[index]
                tags["isrc"] = f"XXBQ019{index + 1:05d}"
            tags.update(extra)
            rel = f"{album['folder']}/{_filename(track, title, fmt, disc if multi_disc else None)}"
            picture = bool(album.get("picture"))
            options = {"id3": id3} if id3 else {}
            # strict=False: fields a family cannot carry (e.g. performer in MP4) are skipped.
            make_file(library / rel, fmt, tags, with_picture=picture, strict=False, **options)
            carried = supported_fields(FAMILY[fmt])
            skipped = sorted(set(tags) - carried)
            tags = {k: v for k, v in tags.items() if k in carried}
            entries.append(
                {
                    "path": rel,
                    "format": fmt,
                    "id3": id3,
                    "kind": "tagged",
                    "picture": picture,
                    "tags": tags,
                    "not_written": skipped,
                }
            )
    make_untagged(library / "Unsorted" / "track01.mp3", "mp3")
    entries.append(
        {
            "path": "Unsorted/track01.mp3",
            "format": "mp3",
            "id3": None,
            "kind": "untagged",
            "picture": False,
            "tags": {},
        }
    )
    make_corrupt(library / "Broken" / "corrupt.flac", "flac")
    entries.append(
        {
            "path": "Broken/corrupt.flac",
            "format": "flac",
            "id3": None,
            "kind": "corrupt",
            "picture": False,
            "tags": {},
        }
    )
    return entries


def main() -> int:
    entries = build()
    manifest = {
        "description": "Sample library written by examples/make_library.py; paths relative to examples/library/.",
        "musicbrainz": {
            "release": {
                "id": MB_NORDURLJOS_RELEASE,
                "release_group": MB_NORDURLJOS_GROUP,
                "title": "Nørðurljós",
                "artist": {"id": MB_BJORK_ARTIST, "name": BJORK},
                "recordings": MB_NORDURLJOS_RECORDINGS,
                "tracks": MB_NORDURLJOS_TRACKS,
            },
            "artists": {BJORK: MB_BJORK_ARTIST, EMILE: MB_EMILE_ARTIST},
            "other_recordings": {"Harbour Lights/03 Phare de nuit": MB_HARBOUR_RECORDING_EMILE},
        },
        "files": entries,
    }
    MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in LIBRARY.rglob("*") if p.is_file())
    print(
        f"wrote {len(entries)} files ({size} bytes) to {LIBRARY.relative_to(ROOT)} and {MANIFEST.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
