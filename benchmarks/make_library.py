"""Generate a benchmark music library: Artist/Album/NN Title.ext with varied tags.

Copies the committed tiny templates (tests/data/templates/) and retags each
copy with mutagen, in the native tag family of its format (ID3, Vorbis
comments, MP4 atoms, ASF, APEv2). Deterministic for a given --seed and
--files. Uses every CPU (one process per core).

    python benchmarks/make_library.py /tmp/lib --files 20000 --seed 1
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import sys
import time
import uuid
from pathlib import Path

import mutagen
from mutagen import apev2, asf, id3, mp4
from mutagen.flac import Picture

TEMPLATES = Path(__file__).resolve().parent.parent / "tests" / "data" / "templates"

# (template suffix, file extension, weight): ten formats, weighted like a real library.
FORMATS = [
    ("mp3", "mp3", 40),
    ("flac", "flac", 22),
    ("m4a", "m4a", 10),
    ("ogg", "ogg", 6),
    ("opus", "opus", 5),
    ("wma", "wma", 4),
    ("wv", "wv", 4),
    ("aiff", "aiff", 3),
    ("wav", "wav", 3),
    ("tta", "tta", 3),
]
GENRES = [
    "Rock",
    "Jazz",
    "Electronic",
    "Folk",
    "Classical",
    "Hip-Hop",
    "Ambient",
    "Pop",
    "Metal",
    "Blues",
    "Soul",
    "Reggae",
    "Post-Rock",
    "Techno",
    "Country",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ne",
    "to",
    "shi",
    "va",
    "dor",
    "en",
    "bel",
    "øy",
    "ñu",
    "zé",
    "ar",
    "is",
    "um",
    "ló",
    "qu",
    "fa",
    "sel",
    "tri",
    "von",
    "ma",
    "ri",
    "ðu",
    "al",
    "ko",
]
WORDS = [
    "night",
    "river",
    "light",
    "song",
    "heart",
    "city",
    "dream",
    "fire",
    "road",
    "sea",
    "glass",
    "echo",
    "winter",
    "gold",
    "shadow",
    "stone",
    "blue",
    "signal",
    "garden",
    "storm",
]
LABELS = ["Northern Records", "Ozean", "Échappée", "Blue Fern", "Kiln Audio", "Rotor"]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763"
    "f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _title(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(1, 4))
    return " ".join(words).capitalize()


def plan(files: int, seed: int) -> list[tuple[str, str, dict]]:
    """(template, relative path, tags) for every file; pure and deterministic."""
    rng = random.Random(seed)
    weights = [w for _, _, w in FORMATS]
    out: list[tuple[str, str, dict]] = []
    artists = [
        f"{_name(rng, 2)} {_name(rng, rng.randint(1, 3))}" for _ in range(max(4, files // 40))
    ]
    album_no = 0
    while len(out) < files:
        album_no += 1
        template, ext, _ = rng.choices(FORMATS, weights)[0]
        compilation = rng.random() < 0.08
        albumartist = "Various Artists" if compilation else rng.choice(artists)
        album = f"{_title(rng)} {album_no}" if rng.random() < 0.2 else _title(rng)
        discs = 2 if rng.random() < 0.1 else 1
        per_disc = rng.randint(6, 14)
        year = rng.randint(1960, 2025)
        date = (
            f"{year}"
            if rng.random() < 0.5
            else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        )
        genre = rng.sample(GENRES, rng.randint(1, 2))
        album_id, rg_id = (
            str(uuid.UUID(int=rng.getrandbits(128))),
            str(uuid.UUID(int=rng.getrandbits(128))),
        )
        label = rng.choice(LABELS)
        for disc in range(1, discs + 1):
            for track in range(1, per_disc + 1):
                if len(out) >= files:
                    break
                artist = rng.choice(artists) if compilation else albumartist
                feat = rng.random() < 0.1
                artists_list = [artist, rng.choice(artists)] if feat else [artist]
                title = _title(rng)
                tags = {
                    "title": title,
                    "artist": " feat. ".join(artists_list),
                    "artists": artists_list,
                    "album": album,
                    "albumartist": albumartist,
                    "tracknumber": str(track),
                    "totaltracks": str(per_disc),
                    "discnumber": str(disc),
                    "totaldiscs": str(discs),
                    "date": date,
                    "genre": genre,
                    "label": label,
                    "musicbrainz_albumid": album_id,
                    "musicbrainz_releasegroupid": rg_id,
                    "musicbrainz_recordingid": str(uuid.UUID(int=rng.getrandbits(128))),
                    "compilation": "1" if compilation else "",
                    "picture": rng.random() < 0.05,
                }
                if rng.random() < 0.3:
                    tags["composer"] = rng.choice(artists)
                if rng.random() < 0.2:
                    tags["comment"] = f"Ripped {rng.randint(2001, 2024)}"
                prefix = f"{disc}-{track:02d}" if discs > 1 else f"{track:02d}"
                safe = lambda s: s.replace("/", "-")  # noqa: E731
                rel = f"{safe(albumartist)}/{safe(album)}/{prefix} {safe(title)}.{ext}"
                out.append((template, rel, tags))
    return out


# --- one writer per tag family ------------------------------------------------------


def _id3(frames: id3.ID3, t: dict) -> None:
    frames.add(id3.TIT2(encoding=3, text=t["title"]))
    frames.add(id3.TPE1(encoding=3, text=t["artist"]))
    frames.add(id3.TALB(encoding=3, text=t["album"]))
    frames.add(id3.TPE2(encoding=3, text=t["albumartist"]))
    frames.add(id3.TRCK(encoding=3, text=f"{t['tracknumber']}/{t['totaltracks']}"))
    frames.add(id3.TPOS(encoding=3, text=f"{t['discnumber']}/{t['totaldiscs']}"))
    frames.add(id3.TDRC(encoding=3, text=t["date"]))
    frames.add(id3.TCON(encoding=3, text=t["genre"]))
    frames.add(id3.TPUB(encoding=3, text=t["label"]))
    frames.add(id3.TXXX(encoding=3, desc="Artists", text=t["artists"]))
    frames.add(id3.TXXX(encoding=3, desc="MusicBrainz Album Id", text=t["musicbrainz_albumid"]))
    frames.add(
        id3.TXXX(
            encoding=3, desc="MusicBrainz Release Group Id", text=t["musicbrainz_releasegroupid"]
        )
    )
    frames.add(id3.UFID(owner="http://musicbrainz.org", data=t["musicbrainz_recordingid"].encode()))
    if t["compilation"]:
        frames.add(id3.TCMP(encoding=3, text="1"))
    if "composer" in t:
        frames.add(id3.TCOM(encoding=3, text=t["composer"]))
    if "comment" in t:
        frames.add(id3.COMM(encoding=3, lang="eng", desc="", text=t["comment"]))
    if t["picture"]:
        frames.add(id3.APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=PNG))


APE_KEYS = {
    "tracknumber": "Track",
    "discnumber": "Disc",
    "date": "Year",
    "albumartist": "Album Artist",
    "compilation": "Compilation",
    "catalognumber": "CatalogNumber",
}


def _vorbis_items(t: dict) -> dict[str, list[str]]:
    items = {
        k: (v if isinstance(v, list) else [v])
        for k, v in t.items()
        if k not in ("picture",) and v not in ("", None)
    }
    return items


def _tag_file(path: Path, t: dict) -> None:
    audio = mutagen.File(path)
    if audio is None:
        raise RuntimeError(f"{path}: template not recognised")
    kind = type(audio).__name__
    if kind in ("MP3", "WAVE", "AIFF", "TrueAudio"):
        if audio.tags is None:
            audio.add_tags()
        _id3(audio.tags, t)
        audio.save(v2_version=4 if kind == "MP3" else 3)
        return
    if kind == "FLAC":
        for k, v in _vorbis_items(t).items():
            audio[k] = v
        if t["picture"]:
            pic = Picture()
            pic.type, pic.mime, pic.desc, pic.data = 3, "image/png", "Cover", PNG
            audio.add_picture(pic)
    elif kind in ("OggVorbis", "OggOpus", "OggSpeex"):
        for k, v in _vorbis_items(t).items():
            audio[k] = v
    elif kind == "MP4":
        audio["\xa9nam"] = [t["title"]]
        audio["\xa9ART"] = [t["artist"]]
        audio["\xa9alb"] = [t["album"]]
        audio["aART"] = [t["albumartist"]]
        audio["trkn"] = [(int(t["tracknumber"]), int(t["totaltracks"]))]
        audio["disk"] = [(int(t["discnumber"]), int(t["totaldiscs"]))]
        audio["\xa9day"] = [t["date"]]
        audio["\xa9gen"] = t["genre"]
        audio["cpil"] = bool(t["compilation"])
        for key, field in (
            ("MusicBrainz Album Id", "musicbrainz_albumid"),
            ("MusicBrainz Release Group Id", "musicbrainz_releasegroupid"),
            ("MusicBrainz Track Id", "musicbrainz_recordingid"),
            ("LABEL", "label"),
        ):
            audio[f"----:com.apple.iTunes:{key}"] = [mp4.MP4FreeForm(t[field].encode())]
        if "composer" in t:
            audio["\xa9wrt"] = [t["composer"]]
        if t["picture"]:
            audio["covr"] = [mp4.MP4Cover(PNG, imageformat=mp4.MP4Cover.FORMAT_PNG)]
    elif kind == "ASF":
        audio["Title"] = [t["title"]]
        audio["Author"] = [t["artist"]]
        audio["WM/AlbumTitle"] = [t["album"]]
        audio["WM/AlbumArtist"] = [t["albumartist"]]
        audio["WM/TrackNumber"] = [t["tracknumber"]]
        audio["WM/PartOfSet"] = [f"{t['discnumber']}/{t['totaldiscs']}"]
        audio["WM/Year"] = [t["date"][:4]]
        audio["WM/Genre"] = t["genre"]
        audio["WM/Publisher"] = [t["label"]]
        audio["MusicBrainz/Album Id"] = [t["musicbrainz_albumid"]]
        audio["MusicBrainz/Track Id"] = [t["musicbrainz_recordingid"]]
        if t["picture"]:
            import struct

            blob = struct.pack("<bi", 3, len(PNG)) + "image/png\0".encode("utf-16-le")
            blob += "\0".encode("utf-16-le") + PNG
            audio["WM/Picture"] = [asf.ASFByteArrayAttribute(blob)]
    else:  # APEv2 (WavPack, Monkey's Audio, Musepack)
        tags = apev2.APEv2()
        for k, v in _vorbis_items(t).items():
            if k in ("totaltracks", "totaldiscs"):
                continue
            key = APE_KEYS.get(k) or (k.upper() if k.startswith("musicbrainz_") else k.title())
            if k == "tracknumber":
                v = [f"{t['tracknumber']}/{t['totaltracks']}"]
            elif k == "discnumber":
                v = [f"{t['discnumber']}/{t['totaldiscs']}"]
            tags[key] = apev2.APETextValue("\0".join(v), 0) if len(v) > 1 else v[0]
        if t["picture"]:
            tags["Cover Art (Front)"] = apev2.APEBinaryValue(b"cover.png\0" + PNG, 1)
        tags.save(path)
        return
    audio.save()


def _make(args: tuple[str, str, str, dict]) -> None:
    out, template, rel, tags = args
    dest = Path(out) / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATES / f"template.{template}", dest)
    _tag_file(dest, tags)


def make_library(out: Path, files: int, seed: int, jobs: int | None = None) -> int:
    """Create the library under ``out``; returns the number of files written."""
    items = [(str(out), tpl, rel, tags) for tpl, rel, tags in plan(files, seed)]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        for item in items:
            _make(item)
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for _ in pool.imap_unordered(_make, items, chunksize=64):
                pass
    return len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to create (must be empty or absent)")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        print(f"{args.out}: not empty; give a new folder", file=sys.stderr)
        return 2
    started = time.monotonic()
    count = make_library(args.out, args.files, args.seed, args.jobs)
    print(f"{count} files in {args.out} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
