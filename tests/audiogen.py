"""Generate tagged test audio files from committed tiny templates.

This is the *test oracle* for the tag reader in ``archiver/scan``: it writes tags with mutagen
using each format's NATIVE tag family, keyed by Picard field names, and shares no code with
the archiver. Templates live in ``tests/data/templates/`` (made once by
``tests/data/make_templates.py``; CI has no ffmpeg, so tests only copy them).

    from tests.audiogen import make_file
    make_file(tmp_path / "a.mp3", "mp3", {"title": "Song", "artists": ["A", "B"]}, id3="v2.3")

Mapping follows Picard's tag-mapping table (https://picard-docs.musicbrainz.org/en/appendices/tag_mapping.html).
A field the chosen family cannot carry raises ``ValueError`` unless ``strict=False`` (then it is skipped).
"""

from __future__ import annotations

import base64
import random
import shutil
import struct
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import mutagen
from mutagen import apev2, asf, flac, id3, mp4

TEMPLATES: Path = Path(__file__).resolve().parent / "data" / "templates"

#: Formats that have a template: the part after ``template.`` (``alac.m4a`` is ALAC in MP4).
FORMATS: list[str] = sorted(p.name.removeprefix("template.") for p in TEMPLATES.glob("template.*"))

TagValue = str | list[str]
Tags = Mapping[str, TagValue]

#: Tag family written for each format by default.
FAMILY: dict[str, str] = {
    "mp3": "id3",
    "wav": "id3",
    "aiff": "id3",
    "flac": "flac",
    "ogg": "vorbis",
    "opus": "vorbis",
    "spx": "vorbis",
    "m4a": "mp4",
    "alac.m4a": "mp4",
    "wma": "asf",
    "wv": "ape",
    "tta": "ape",
    "ape": "ape",
    "mpc": "ape",
}

MB_UFID_OWNER = "http://musicbrainz.org"


def _png_1x1() -> bytes:
    """A valid 1x1 red PNG, built here so no binary blob is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


#: The picture written by ``with_picture=True`` (front cover, image/png, description "Cover").
PICTURE_PNG: bytes = _png_1x1()
PICTURE_MIME = "image/png"
PICTURE_DESC = "Cover"

# ---------------------------------------------------------------------------------------------
# Mapping tables: Picard field -> native key, one table per tag family.
# ---------------------------------------------------------------------------------------------

_MB_NAMES = {
    # Picard field -> the "MusicBrainz X Id" name used by ID3 TXXX / MP4 freeform.
    "musicbrainz_trackid": "MusicBrainz Release Track Id",
    "musicbrainz_albumid": "MusicBrainz Album Id",
    "musicbrainz_artistid": "MusicBrainz Artist Id",
    "musicbrainz_albumartistid": "MusicBrainz Album Artist Id",
    "musicbrainz_releasegroupid": "MusicBrainz Release Group Id",
    "musicbrainz_workid": "MusicBrainz Work Id",
    "musicbrainz_discid": "MusicBrainz Disc Id",
    "musicbrainz_originalalbumid": "MusicBrainz Original Album Id",
    "musicbrainz_originalartistid": "MusicBrainz Original Artist Id",
    "acoustid_id": "Acoustid Id",
    "releasestatus": "MusicBrainz Album Status",
    "releasetype": "MusicBrainz Album Type",
    "releasecountry": "MusicBrainz Album Release Country",
}
_REPLAYGAIN = [
    "replaygain_track_gain",
    "replaygain_track_peak",
    "replaygain_album_gain",
    "replaygain_album_peak",
    "replaygain_reference_loudness",
]

# ID3: (kind, argument). Kinds are handled by _ID3_BUILDERS.
ID3_MAP: dict[str, tuple[str, str]] = {
    "title": ("text", "TIT2"),
    "subtitle": ("text", "TIT3"),
    "grouping": ("text", "GRP1"),
    "artist": ("text", "TPE1"),
    "albumartist": ("text", "TPE2"),
    "conductor": ("text", "TPE3"),
    "remixer": ("text", "TPE4"),
    "album": ("text", "TALB"),
    "tracknumber": ("text", "TRCK"),  # joined with totaltracks: "3/12"
    "discnumber": ("text", "TPOS"),  # joined with totaldiscs: "1/2"
    "discsubtitle": ("text", "TSST"),
    "date": ("text", "TDRC"),
    "originaldate": ("text", "TDOR"),
    "genre": ("text", "TCON"),
    "composer": ("text", "TCOM"),
    "lyricist": ("text", "TEXT"),
    "label": ("text", "TPUB"),
    "isrc": ("text", "TSRC"),
    "compilation": ("text", "TCMP"),
    "bpm": ("text", "TBPM"),
    "media": ("text", "TMED"),
    "language": ("text", "TLAN"),
    "encodedby": ("text", "TENC"),
    "copyright": ("text", "TCOP"),
    "mood": ("text", "TMOO"),
    "key": ("text", "TKEY"),
    "artistsort": ("text", "TSOP"),
    "albumsort": ("text", "TSOA"),
    "titlesort": ("text", "TSOT"),
    "albumartistsort": ("text", "TSO2"),
    "composersort": ("text", "TSOC"),
    "artists": ("txxx", "ARTISTS"),
    "catalognumber": ("txxx", "CATALOGNUMBER"),
    "barcode": ("txxx", "BARCODE"),
    "asin": ("txxx", "ASIN"),
    "script": ("txxx", "SCRIPT"),
    "writer": ("txxx", "Writer"),
    **{field: ("txxx", name) for field, name in _MB_NAMES.items()},
    **{field: ("txxx", field.upper()) for field in _REPLAYGAIN},
    "musicbrainz_recordingid": ("ufid", MB_UFID_OWNER),
    "producer": ("tipl", "producer"),
    "engineer": ("tipl", "engineer"),
    "mixer": ("tipl", "mix"),
    "arranger": ("tipl", "arranger"),
    "djmixer": ("tipl", "DJ-mix"),
    "performer": ("tmcl", ""),
    "comment": ("comm", "eng"),
    "lyrics": ("uslt", "eng"),
}

# ID3v1 can carry only these (values truncated to 30 bytes by the format).
ID3V1_MAP: dict[str, str] = {
    "title": "TIT2",
    "artist": "TPE1",
    "album": "TALB",
    "date": "TDRC",
    "comment": "COMM",
    "tracknumber": "TRCK",
    "genre": "TCON",
}

# Vorbis comments (FLAC, Ogg Vorbis, Opus, Speex). Note Picard's recording/track id swap.
VORBIS_MAP: dict[str, str] = {
    **{
        field: field.upper()
        for field in [
            "title",
            "subtitle",
            "grouping",
            "artist",
            "artists",
            "albumartist",
            "album",
            "tracknumber",
            "totaltracks",
            "discnumber",
            "totaldiscs",
            "discsubtitle",
            "date",
            "originaldate",
            "genre",
            "composer",
            "lyricist",
            "conductor",
            "remixer",
            "performer",
            "producer",
            "engineer",
            "mixer",
            "arranger",
            "djmixer",
            "writer",
            "label",
            "catalognumber",
            "barcode",
            "isrc",
            "compilation",
            "comment",
            "lyrics",
            "bpm",
            "media",
            "language",
            "script",
            "asin",
            "encodedby",
            "copyright",
            "mood",
            "key",
            "artistsort",
            "albumsort",
            "titlesort",
            "albumartistsort",
            "composersort",
            "releasestatus",
            "releasetype",
            "releasecountry",
            "acoustid_id",
            "musicbrainz_albumid",
            "musicbrainz_artistid",
            "musicbrainz_albumartistid",
            "musicbrainz_releasegroupid",
            "musicbrainz_workid",
            "musicbrainz_discid",
            "musicbrainz_originalalbumid",
            "musicbrainz_originalartistid",
            *_REPLAYGAIN,
        ]
    },  # fmt: skip
    "musicbrainz_recordingid": "MUSICBRAINZ_TRACKID",
    "musicbrainz_trackid": "MUSICBRAINZ_RELEASETRACKID",
}

_ITUNES = "----:com.apple.iTunes:"
# MP4: (kind, atom). Kinds: text, int (tmpo), bool (cpil), pair (trkn/disk), free (freeform UTF-8).
MP4_MAP: dict[str, tuple[str, str]] = {
    "title": ("text", "©nam"),
    "artist": ("text", "©ART"),
    "albumartist": ("text", "aART"),
    "album": ("text", "©alb"),
    "date": ("text", "©day"),
    "genre": ("text", "©gen"),
    "composer": ("text", "©wrt"),
    "comment": ("text", "©cmt"),
    "lyrics": ("text", "©lyr"),
    "grouping": ("text", "©grp"),
    "encodedby": ("text", "©too"),
    "copyright": ("text", "cprt"),
    "artistsort": ("text", "soar"),
    "albumartistsort": ("text", "soaa"),
    "titlesort": ("text", "sonm"),
    "albumsort": ("text", "soal"),
    "composersort": ("text", "soco"),
    "bpm": ("int", "tmpo"),
    "compilation": ("bool", "cpil"),
    "tracknumber": ("pair", "trkn"),  # with totaltracks
    "discnumber": ("pair", "disk"),  # with totaldiscs
    "musicbrainz_recordingid": ("free", _ITUNES + "MusicBrainz Track Id"),
    **{field: ("free", _ITUNES + name) for field, name in _MB_NAMES.items()},
    **{field: ("free", _ITUNES + field.upper()) for field in _REPLAYGAIN},
    **{
        field: ("free", _ITUNES + field.upper())
        for field in [
            "artists",
            "originaldate",
            "lyricist",
            "conductor",
            "remixer",
            "producer",
            "engineer",
            "mixer",
            "djmixer",
            "label",
            "catalognumber",
            "barcode",
            "isrc",
            "media",
            "language",
            "script",
            "asin",
            "subtitle",
            "discsubtitle",
            "mood",
            "key",
        ]
    },  # fmt: skip
}

# ASF / WMA attributes (Picard names). Performer, engineer, mixer have no ASF mapping in Picard.
ASF_MAP: dict[str, str] = {
    "title": "Title",
    "artist": "Author",
    "comment": "Description",
    "copyright": "Copyright",
    "artists": "WM/ARTISTS",
    "albumartist": "WM/AlbumArtist",
    "album": "WM/AlbumTitle",
    "tracknumber": "WM/TrackNumber",
    "totaltracks": "TotalTracks",
    "discnumber": "WM/PartOfSet",
    "totaldiscs": "TotalDiscs",
    "discsubtitle": "WM/SetSubTitle",
    "subtitle": "WM/SubTitle",
    "date": "WM/Year",
    "originaldate": "WM/OriginalReleaseTime",
    "genre": "WM/Genre",
    "composer": "WM/Composer",
    "lyricist": "WM/Writer",
    "conductor": "WM/Conductor",
    "producer": "WM/Producer",
    "remixer": "WM/ModifiedBy",
    "grouping": "WM/ContentGroupDescription",
    "label": "WM/Publisher",
    "catalognumber": "WM/CatalogNo",
    "barcode": "WM/Barcode",
    "isrc": "WM/ISRC",
    "compilation": "WM/IsCompilation",
    "lyrics": "WM/Lyrics",
    "bpm": "WM/BeatsPerMinute",
    "media": "WM/Media",
    "language": "WM/Language",
    "mood": "WM/Mood",
    "key": "WM/InitialKey",
    "encodedby": "WM/EncodedBy",
    "artistsort": "WM/ArtistSortOrder",
    "albumsort": "WM/AlbumSortOrder",
    "titlesort": "WM/TitleSortOrder",
    "albumartistsort": "WM/AlbumArtistSortOrder",
    "composersort": "WM/ComposerSortOrder",
    "musicbrainz_recordingid": "MusicBrainz/Track Id",
    "musicbrainz_trackid": "MusicBrainz/Release Track Id",
    "musicbrainz_albumid": "MusicBrainz/Album Id",
    "musicbrainz_artistid": "MusicBrainz/Artist Id",
    "musicbrainz_albumartistid": "MusicBrainz/Album Artist Id",
    "musicbrainz_releasegroupid": "MusicBrainz/Release Group Id",
    "musicbrainz_workid": "MusicBrainz/Work Id",
    "musicbrainz_discid": "MusicBrainz/Disc Id",
    "releasestatus": "MusicBrainz/Album Status",
    "releasetype": "MusicBrainz/Album Type",
    "releasecountry": "MusicBrainz/Album Release Country",
    "acoustid_id": "Acoustid/Id",
    **{field: field.upper() for field in _REPLAYGAIN},
}

# APEv2 (WavPack, TTA, Monkey's Audio, Musepack, optionally MP3). Keys are case-insensitive.
APE_MAP: dict[str, str] = {
    **{
        field: field.title()
        for field in [
            "title",
            "subtitle",
            "grouping",
            "artist",
            "artists",
            "album",
            "genre",
            "composer",
            "lyricist",
            "conductor",
            "performer",
            "producer",
            "engineer",
            "mixer",
            "arranger",
            "djmixer",
            "writer",
            "label",
            "compilation",
            "comment",
            "lyrics",
            "media",
            "script",
            "mood",
            "key",
            "copyright",
            "originaldate",
            "asin",
            "artistsort",
            "albumsort",
            "titlesort",
            "albumartistsort",
            "composersort",
            "releasecountry",
        ]
    },  # fmt: skip
    "albumartist": "Album Artist",
    "remixer": "MixArtist",
    "discsubtitle": "DiscSubtitle",
    "bpm": "BPM",
    "isrc": "ISRC",
    "catalognumber": "CatalogNumber",
    "barcode": "Barcode",
    "encodedby": "EncodedBy",
    "language": "Language",
    "date": "Year",
    "tracknumber": "Track",  # joined with totaltracks: "3/12"
    "discnumber": "Disc",  # joined with totaldiscs: "1/2"
    "releasestatus": "MUSICBRAINZ_ALBUMSTATUS",
    "releasetype": "MUSICBRAINZ_ALBUMTYPE",
    "musicbrainz_recordingid": "MUSICBRAINZ_TRACKID",
    "musicbrainz_trackid": "MUSICBRAINZ_RELEASETRACKID",
    **{
        field: field.upper()
        for field in [
            "musicbrainz_albumid",
            "musicbrainz_artistid",
            "musicbrainz_albumartistid",
            "musicbrainz_releasegroupid",
            "musicbrainz_workid",
            "musicbrainz_discid",
            "musicbrainz_originalalbumid",
            "musicbrainz_originalartistid",
            "acoustid_id",
        ]
    },  # fmt: skip
    **{field: field.upper() for field in _REPLAYGAIN},
}

# Fields a family folds into another field ("3/12", trkn pair), so they need no own entry.
_JOINED = {"totaltracks": "tracknumber", "totaldiscs": "discnumber"}


def supported_fields(family: str) -> set[str]:
    """Picard field names the given tag family can carry (``id3``, ``id3v1``, ``vorbis``, ...)."""
    table: Mapping[str, object] = {
        "id3": ID3_MAP,
        "id3v1": ID3V1_MAP,
        "vorbis": VORBIS_MAP,
        "flac": VORBIS_MAP,
        "mp4": MP4_MAP,
        "asf": ASF_MAP,
        "ape": APE_MAP,
    }[family]
    fields = set(table)
    fields |= {total for total, number in _JOINED.items() if number in fields and family != "id3v1"}
    return fields


# ---------------------------------------------------------------------------------------------
# Value normalisation
# ---------------------------------------------------------------------------------------------


def _as_list(value: TagValue) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _normalise(tags: Tags | None) -> dict[str, list[str]]:
    """Lists for every field; ``performer:role`` keys folded into ``performer`` as "Name (role)"."""
    out: dict[str, list[str]] = {}
    for key, value in (tags or {}).items():
        key = key.lower()
        if key.startswith("performer:"):
            role = key.split(":", 1)[1]
            values = [f"{name} ({role})" if role else name for name in _as_list(value)]
            out.setdefault("performer", []).extend(values)
        else:
            out.setdefault(key, []).extend(_as_list(value))
    return out


def _split_performer(value: str) -> tuple[str, str]:
    """ "Jane Doe (guitar)" -> ("guitar", "Jane Doe"); no parentheses -> ("", value)."""
    if value.endswith(")") and " (" in value:
        name, role = value[:-1].rsplit(" (", 1)
        return role, name
    return "", value


def _joined(tags: dict[str, list[str]], number: str) -> str:
    """ "3" + totaltracks "12" -> "3/12" (ID3 TRCK/TPOS, APE Track/Disc)."""
    total = {v: k for k, v in _JOINED.items()}[number]
    value = tags[number][0]
    return f"{value}/{tags[total][0]}" if total in tags else value


def _check(tags: dict[str, list[str]], family: str, strict: bool) -> dict[str, list[str]]:
    allowed = supported_fields(family)
    unknown = sorted(set(tags) - allowed)
    if unknown and strict:
        raise ValueError(f"{family} cannot carry {', '.join(unknown)} (pass strict=False to skip)")
    return {k: v for k, v in tags.items() if k in allowed}


# ---------------------------------------------------------------------------------------------
# Writers, one per family
# ---------------------------------------------------------------------------------------------


def _id3_text(frames: id3.ID3, field: str, arg: str, tags: dict[str, list[str]]) -> None:
    values = [_joined(tags, field)] if field in ("tracknumber", "discnumber") else tags[field]
    frames.add(id3.Frames[arg](encoding=3, text=values))


def _id3_txxx(frames: id3.ID3, field: str, arg: str, tags: dict[str, list[str]]) -> None:
    frames.add(id3.TXXX(encoding=3, desc=arg, text=tags[field]))


def _id3_ufid(frames: id3.ID3, field: str, arg: str, tags: dict[str, list[str]]) -> None:
    frames.add(id3.UFID(owner=arg, data=tags[field][0].encode("ascii")))


def _id3_people(
    frame: type[id3.TIPL] | type[id3.TMCL], pairs: list[list[str]], frames: id3.ID3
) -> None:
    existing = frames.getall(frame.__name__)
    if existing:
        existing[0].people.extend(pairs)
    else:
        frames.add(frame(encoding=3, people=pairs))


def _id3_tipl(frames: id3.ID3, field: str, arg: str, tags: dict[str, list[str]]) -> None:
    _id3_people(id3.TIPL, [[arg, name] for name in tags[field]], frames)


def _id3_tmcl(frames: id3.ID3, field: str, arg: str, tags: dict[str, list[str]]) -> None:
    _id3_people(id3.TMCL, [list(_split_performer(v)) for v in tags[field]], frames)


def _id3_comm(frames: id3.ID3, field: str, arg: str, tags: dict[str, list[str]]) -> None:
    frames.add(id3.COMM(encoding=3, lang=arg, desc="", text=tags[field]))


def _id3_uslt(frames: id3.ID3, field: str, arg: str, tags: dict[str, list[str]]) -> None:
    frames.add(id3.USLT(encoding=3, lang=arg, desc="", text="\n".join(tags[field])))


_ID3_BUILDERS: dict[str, Callable[[id3.ID3, str, str, dict[str, list[str]]], None]] = {
    "text": _id3_text,
    "txxx": _id3_txxx,
    "ufid": _id3_ufid,
    "tipl": _id3_tipl,
    "tmcl": _id3_tmcl,
    "comm": _id3_comm,
    "uslt": _id3_uslt,
}

# Frames ID3v2.3 lacks but Picard/iTunes write anyway; kept when saving v2.3.
_V23_KEEP = ("TSOA", "TSOP", "TSOT", "TSST")


def build_id3(tags: dict[str, list[str]], version: int, with_picture: bool) -> id3.ID3:
    """An ID3 tag (v2.4 frames, converted by mutagen for v2.3: TDRC->TYER/TDAT, TIPL+TMCL->IPLS, TDOR->TORY)."""
    frames = id3.ID3()
    for field in tags:
        if field in _JOINED:
            continue
        kind, arg = ID3_MAP[field]
        _ID3_BUILDERS[kind](frames, field, arg, tags)
    if with_picture:
        frames.add(
            id3.APIC(encoding=3, mime=PICTURE_MIME, type=3, desc=PICTURE_DESC, data=PICTURE_PNG)
        )
    if version == 3:
        kept = [f for key in _V23_KEEP for f in frames.getall(key)]
        frames.update_to_v23()
        for frame in kept:
            frames.add(frame)
    return frames


def _write_id3(
    path: Path, fmt: str, tags: dict[str, list[str]], id3_version: str, with_picture: bool
) -> None:
    if id3_version == "v1":
        if with_picture:
            raise ValueError("ID3v1 cannot carry a picture")
        frames = id3.ID3()
        for field, key in ID3V1_MAP.items():
            if field in tags:
                frames.add(id3.Frames[key](encoding=0, text=tags[field][:1]))
        with open(path, "ab") as fh:
            fh.write(id3.MakeID3v1(frames))
        return
    version = {"v2.3": 3, "v2.4": 4}[id3_version]
    frames = build_id3(tags, version, with_picture)
    if fmt in ("wav", "aiff"):
        audio = mutagen.File(path)
        audio.add_tags()
        audio.tags.update(frames)
        audio.save(v2_version=version)
    else:
        frames.save(path, v1=0, v2_version=version)


def _vorbis_values(tags: dict[str, list[str]]) -> dict[str, list[str]]:
    return {VORBIS_MAP[field]: values for field, values in tags.items()}


def _flac_picture() -> flac.Picture:
    pic = flac.Picture()
    pic.type = 3
    pic.mime = PICTURE_MIME
    pic.desc = PICTURE_DESC
    pic.width = pic.height = 1
    pic.depth = 24
    pic.data = PICTURE_PNG
    return pic


def _write_flac(path: Path, fmt: str, tags: dict[str, list[str]], with_picture: bool) -> None:
    audio = flac.FLAC(path)
    if audio.tags is None:
        audio.add_tags()
    for key, values in _vorbis_values(tags).items():
        audio.tags[key] = values
    if with_picture:
        audio.add_picture(_flac_picture())
    audio.save()


def _write_vorbis(path: Path, fmt: str, tags: dict[str, list[str]], with_picture: bool) -> None:
    audio = mutagen.File(path)
    for key, values in _vorbis_values(tags).items():
        audio.tags[key] = values
    if with_picture:
        encoded = base64.b64encode(_flac_picture().write()).decode("ascii")
        audio.tags["METADATA_BLOCK_PICTURE"] = [encoded]
    audio.save()


def _write_mp4(path: Path, fmt: str, tags: dict[str, list[str]], with_picture: bool) -> None:
    audio = mp4.MP4(path)
    if audio.tags is None:
        audio.add_tags()
    for field, values in tags.items():
        if field in _JOINED:
            continue
        kind, atom = MP4_MAP[field]
        if kind == "text":
            audio.tags[atom] = values
        elif kind == "int":
            audio.tags[atom] = [int(v) for v in values]
        elif kind == "bool":
            audio.tags[atom] = values[0] not in ("0", "", "false")
        elif kind == "pair":
            total = {v: k for k, v in _JOINED.items()}[field]
            audio.tags[atom] = [(int(values[0]), int(tags[total][0]) if total in tags else 0)]
        else:
            audio.tags[atom] = [mp4.MP4FreeForm(v.encode("utf-8")) for v in values]
    for total, number in _JOINED.items():
        if total in tags and number not in tags:
            atom = MP4_MAP[number][1]
            audio.tags[atom] = [(0, int(tags[total][0]))]
    if with_picture:
        audio.tags["covr"] = [mp4.MP4Cover(PICTURE_PNG, imageformat=mp4.MP4Cover.FORMAT_PNG)]
    audio.save()


def _asf_picture() -> asf.ASFByteArrayAttribute:
    """WM/Picture payload: type, size, UTF-16 MIME, UTF-16 description, data."""
    blob = (
        struct.pack("<bi", 3, len(PICTURE_PNG))
        + PICTURE_MIME.encode("utf-16-le")
        + b"\x00\x00"
        + PICTURE_DESC.encode("utf-16-le")
        + b"\x00\x00"
        + PICTURE_PNG
    )
    return asf.ASFByteArrayAttribute(blob)


def _write_asf(path: Path, fmt: str, tags: dict[str, list[str]], with_picture: bool) -> None:
    audio = asf.ASF(path)
    for field, values in tags.items():
        audio.tags[ASF_MAP[field]] = values
    if with_picture:
        audio.tags["WM/Picture"] = [_asf_picture()]
    audio.save()


def build_ape(tags: dict[str, list[str]], with_picture: bool) -> apev2.APEv2:
    """An APEv2 tag; performers as "Name (instrument)", Track/Disc as "3/12"."""
    ape = apev2.APEv2()
    for field, values in tags.items():
        if field in _JOINED:
            continue
        if field in ("tracknumber", "discnumber"):
            values = [_joined(tags, field)]
        ape[APE_MAP[field]] = values
    if with_picture:
        ape["Cover Art (Front)"] = apev2.APEValue(b"cover.png\x00" + PICTURE_PNG, apev2.BINARY)
    return ape


def _write_ape(path: Path, fmt: str, tags: dict[str, list[str]], with_picture: bool) -> None:
    build_ape(tags, with_picture).save(path)


_WRITERS: dict[str, Callable[[Path, str, dict[str, list[str]], bool], None]] = {
    "flac": _write_flac,
    "vorbis": _write_vorbis,
    "mp4": _write_mp4,
    "asf": _write_asf,
    "ape": _write_ape,
}


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def template(fmt: str) -> Path:
    """The committed template for ``fmt`` (one of FORMATS)."""
    path = TEMPLATES / f"template.{fmt}"
    if not path.is_file():
        raise ValueError(f"no template for format {fmt!r} (have: {', '.join(FORMATS)})")
    return path


def make_untagged(dest: Path, fmt: str) -> Path:
    """Copy the tag-free template to ``dest`` (parents created)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template(fmt), dest)
    return dest


def make_file(
    dest: Path,
    fmt: str,
    tags: Tags | None = None,
    *,
    id3: str = "v2.4",
    ape: bool = False,
    with_picture: bool = False,
    strict: bool = True,
) -> Path:
    """Copy the template for ``fmt`` to ``dest`` and write ``tags`` (Picard field names) natively.

    mp3: ``id3`` is "v2.4", "v2.3", "v1" (ID3v1 only) or "none"; ``ape=True`` adds an APEv2 tag
    (with ``id3="none"``: APEv2 only). wav/aiff: ID3 chunk ("v2.3"/"v2.4"). Values may be a str
    or a list (multi-valued). ``performer`` values look like "Jane Doe (guitar)"; a
    ``performer:guitar`` key is accepted too. Unsupported fields raise ValueError if ``strict``.
    """
    dest = make_untagged(dest, fmt)
    values = _normalise(tags)
    family = FAMILY[fmt]
    if ape and fmt != "mp3":
        raise ValueError("ape=True is only for mp3 (other APE formats use APEv2 natively)")
    if family == "id3":
        if id3 not in ("v2.3", "v2.4", "v1", "none") or (id3 in ("v1", "none") and fmt != "mp3"):
            raise ValueError(f"id3={id3!r} not supported for {fmt}")
        if ape:
            _write_ape(dest, fmt, _check(values, "ape", strict), with_picture)
        if id3 != "none":
            fam = "id3v1" if id3 == "v1" else "id3"
            _write_id3(dest, fmt, _check(values, fam, strict), id3, with_picture and id3 != "v1")
        return dest
    _WRITERS[family](dest, fmt, _check(values, family, strict), with_picture)
    return dest


def make_corrupt(dest: Path, fmt: str, mode: str = "garbage", *, seed: int = 0) -> Path:
    """A damaged file: "garbage" keeps the first 64 bytes (a valid header) then 2 KB of random
    bytes; "truncated" keeps the first third of the template. Deterministic for a given seed.

    Whether mutagen rejects it depends on the format (FLAC, MP4, Ogg, ASF fail; MP3 is lenient).
    """
    src = template(fmt).read_bytes()
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if mode == "garbage":
        rng = random.Random(seed)
        data = src[:64] + bytes(rng.randrange(256) for _ in range(2048))
    elif mode == "truncated":
        data = src[: len(src) // 3]
    else:
        raise ValueError(f"unknown corruption mode {mode!r}")
    dest.write_bytes(data)
    return dest


def make_zero_byte(dest: Path) -> Path:
    """An empty file at ``dest``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(b"")
    return dest
