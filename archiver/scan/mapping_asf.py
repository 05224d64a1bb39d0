"""ASF / WMA attributes (Title, Author, WM/...) -> Picard fields, as Picard writes them."""

from __future__ import annotations

import struct

from archiver.scan import mapping as m
from archiver.scan.record import Picture

# Attribute names compared lower-case.
ASF_NAMES: dict[str, str] = {
    "title": "title",
    "author": "artist",
    "wm/artists": "artists",
    "wm/albumtitle": "album",
    "wm/albumartist": "albumartist",
    "wm/artistsortorder": "artistsort",
    "wm/albumartistsortorder": "albumartistsort",
    "wm/tracknumber": "tracknumber",
    # WM/Track is zero-based (pre WMP 7); kept apart so WM/TrackNumber wins.
    "wm/track": "_wm_track",
    "totaltracks": "totaltracks",
    "wm/totaltracks": "totaltracks",
    "wm/partofset": "discnumber",
    "totaldiscs": "totaldiscs",
    "wm/totaldiscs": "totaldiscs",
    "wm/year": "date",
    "wm/originalreleasetime": "originaldate",
    "wm/originalreleaseyear": m.ORIGINALYEAR,
    "wm/genre": "genre",
    "wm/composer": "composer",
    "wm/writer": "lyricist",
    "wm/conductor": "conductor",
    "wm/producer": "producer",
    "wm/engineer": "engineer",
    "wm/mixer": "mixer",
    "wm/publisher": "label",
    "wm/catalogno": "catalognumber",
    "wm/barcode": "barcode",
    "wm/isrc": "isrc",
    "wm/iscompilation": "compilation",
    "description": "comment",
    "wm/lyrics": m.LYRICS,
    "wm/beatsperminute": "bpm",
    "musicbrainz/track id": "musicbrainz_recordingid",
    "musicbrainz/release track id": "musicbrainz_trackid",
    "musicbrainz/album id": "musicbrainz_albumid",
    "musicbrainz/artist id": "musicbrainz_artistid",
    "musicbrainz/album artist id": "musicbrainz_albumartistid",
    "musicbrainz/release group id": "musicbrainz_releasegroupid",
    "acoustid/id": "acoustid_id",
    "replaygain_track_gain": "replaygain_track_gain",
    "replaygain_track_peak": "replaygain_track_peak",
    "replaygain_album_gain": "replaygain_album_gain",
    "replaygain_album_peak": "replaygain_album_peak",
}
PICTURE_NAME = "wm/picture"


def _value_text(attr) -> str:
    value = getattr(attr, "value", attr)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes):
        return value.hex() if len(value) == 16 else m.summarize_bytes("bytes", value)
    return str(value)


def asf_items(tags) -> list[tuple[str, list]]:
    """``(name, [attributes])`` in file order (first appearance of each name).

    ``ASFTags`` is a list of ``(name, attribute)`` pairs, but its dict-like
    ``keys()``/``items()`` go through a set: hash order, different in every
    process, which would make ``tags.raw`` differ between two reads of the
    same file. Plain dicts (tests, other callers) keep their own order."""
    if not isinstance(tags, list):
        return [(k, v if isinstance(v, list) else [v]) for k, v in tags.items()]
    grouped: dict[str, list] = {}
    for name, attr in list.__iter__(tags):
        grouped.setdefault(name, []).append(attr)
    return list(grouped.items())


def collect_asf(tags) -> m.Collected:
    """Raw strings per Picard field from ``mutagen.asf.ASFTags`` ((name, [attribute]) pairs)."""
    values: m.Collected = {}
    get = ASF_NAMES.get
    for name, attrs in asf_items(tags):
        field = get(name.lower())
        if field is not None:
            m.add(
                values,
                field,
                [_value_text(a) for a in attrs],
            )
    if "tracknumber" not in values and values.get("_wm_track"):
        number = m.parse_int(values["_wm_track"][0])
        if number is not None:
            values["tracknumber"] = [str(number + 1)]
    return values


def normalize_asf(tags) -> dict:
    """Picard-named, typed fields from ASF attributes."""
    return m.finalize(collect_asf(tags))


def _utf16z(data: bytes, pos: int) -> tuple[str, int]:
    end = pos
    while end + 1 < len(data) and data[end : end + 2] != b"\x00\x00":
        end += 2
    return data[pos:end].decode("utf-16-le", "replace"), end + 2


def parse_wm_picture(data: bytes) -> Picture | None:
    """WM/Picture: type byte, LE uint32 size, UTF-16 mime, UTF-16 description, image bytes."""
    try:
        ptype, size = struct.unpack_from("<bI", data)
    except struct.error:
        return None
    mime, pos = _utf16z(data, 5)
    _description, pos = _utf16z(data, pos)
    image = data[pos : pos + size]
    return m.make_picture(image, m.picture_type_name(ptype), mime)


def raw_asf(tags) -> tuple[dict[str, list[str]], list[Picture]]:
    """Every attribute as text (WM/Picture summarized) and the pictures."""
    raw: dict[str, list[str]] = {}
    pictures: list[Picture] = []
    for name, attrs in asf_items(tags):
        out = raw.setdefault(m.clean_text(name), [])
        for attr in attrs:
            value = getattr(attr, "value", attr)
            if name.lower() == PICTURE_NAME and isinstance(value, bytes):
                pic = parse_wm_picture(value)
                if pic is not None:
                    pictures.append(pic)
                out.append(m.summarize_bytes(name, value))
            else:
                out.append(m.clean_text(_value_text(attr)))
    return raw, pictures
