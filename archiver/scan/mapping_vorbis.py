"""Vorbis comments (FLAC, Ogg Vorbis, Opus, Speex, Ogg FLAC, Theora) -> Picard fields.

Keys are case-insensitive; the table is keyed by the lower-cased name. Pictures
come from FLAC picture blocks (passed in) and METADATA_BLOCK_PICTURE / COVERART
comments (base64), whose values are never kept in raw tags.
"""

from __future__ import annotations

import base64
import binascii

from mutagen.flac import Picture as FlacPicture

from archiver.scan import mapping as m
from archiver.scan.record import Picture

VORBIS_KEYS: dict[str, str] = {
    "title": "title",
    "artist": "artist",
    "artists": "artists",
    "album": "album",
    "albumartist": "albumartist",
    "album artist": "albumartist",
    "album_artist": "albumartist",
    "artistsort": "artistsort",
    "albumartistsort": "albumartistsort",
    "tracknumber": "tracknumber",
    "tracktotal": "totaltracks",
    "totaltracks": "totaltracks",
    "discnumber": "discnumber",
    "disctotal": "totaldiscs",
    "totaldiscs": "totaldiscs",
    "date": "date",
    "year": m.DATE_FALLBACK,
    "originaldate": "originaldate",
    "originalyear": m.ORIGINALYEAR,
    "genre": "genre",
    "composer": "composer",
    "lyricist": "lyricist",
    "conductor": "conductor",
    "performer": "performer",
    "producer": "producer",
    "engineer": "engineer",
    "mixer": "mixer",
    "label": "label",
    "organization": "label",
    "publisher": "label",
    "catalognumber": "catalognumber",
    "barcode": "barcode",
    "upc": "barcode",
    "isrc": "isrc",
    "compilation": "compilation",
    "comment": "comment",
    "description": "comment",
    "lyrics": m.LYRICS,
    "unsyncedlyrics": m.LYRICS,
    "bpm": "bpm",
    # In Vorbis comments MUSICBRAINZ_TRACKID is the *recording* id (Picard).
    "musicbrainz_trackid": "musicbrainz_recordingid",
    "musicbrainz_releasetrackid": "musicbrainz_trackid",
    "musicbrainz_albumid": "musicbrainz_albumid",
    "musicbrainz_artistid": "musicbrainz_artistid",
    "musicbrainz_albumartistid": "musicbrainz_albumartistid",
    "musicbrainz_releasegroupid": "musicbrainz_releasegroupid",
    "acoustid_id": "acoustid_id",
    "replaygain_track_gain": "replaygain_track_gain",
    "replaygain_track_peak": "replaygain_track_peak",
    "replaygain_album_gain": "replaygain_album_gain",
    "replaygain_album_peak": "replaygain_album_peak",
    "r128_track_gain": m.R128_TRACK,
    "r128_album_gain": m.R128_ALBUM,
}

PICTURE_KEYS = frozenset({"metadata_block_picture", "coverart"})


def _pairs(tags):
    # VComment is a list of (key, value); a plain dict of lists also works (tests).
    if isinstance(tags, dict):
        for key, items in tags.items():
            for item in items if isinstance(items, list) else [items]:
                yield key, item
    else:
        yield from tags


def collect_vorbis(tags) -> m.Collected:
    """Raw strings per Picard field from a VComment (list of (key, value) pairs)."""
    values: m.Collected = {}
    get = VORBIS_KEYS.get
    for key, value in _pairs(tags):
        field = get(key.lower())
        if field is not None:
            m.add(values, field, (value,))
    return values


def normalize_vorbis(tags) -> dict:
    """Picard-named, typed fields from Vorbis comments."""
    return m.finalize(collect_vorbis(tags))


def _block_picture(value: str) -> Picture | None:
    try:
        data = base64.b64decode(value)
        pic = FlacPicture(data)
    except Exception:  # noqa: BLE001 - a broken picture is skipped (mutagen raises several kinds)
        return None
    return m.make_picture(
        pic.data, m.picture_type_name(pic.type), pic.mime, pic.width or None, pic.height or None
    )


def raw_vorbis(tags, flac_pictures=()) -> tuple[dict[str, list[str]], list[Picture]]:
    """Every comment by key as read (picture comments summarized) and the embedded pictures."""
    raw: dict[str, list[str]] = {}
    pictures: list[Picture] = []
    for pic in flac_pictures:
        pictures.append(
            m.make_picture(
                pic.data,
                m.picture_type_name(pic.type),
                pic.mime,
                pic.width or None,
                pic.height or None,
            )
        )
    if tags is None:
        return raw, pictures
    coverart_mime = None
    for key, value in _pairs(tags):
        if key.lower() == "coverartmime":
            coverart_mime = value
    for key, value in _pairs(tags):
        lowered = key.lower()
        if lowered in PICTURE_KEYS:
            raw.setdefault(key, []).append(f"<{key} {len(value)} base64 chars>")
            if lowered == "metadata_block_picture":
                pic = _block_picture(value)
            else:
                try:
                    pic = m.make_picture(base64.b64decode(value), None, coverart_mime)
                except (binascii.Error, ValueError):
                    pic = None
            if pic is not None:
                pictures.append(pic)
            continue
        raw.setdefault(m.clean_text(key), []).append(m.clean_text(value))
    return raw, pictures
