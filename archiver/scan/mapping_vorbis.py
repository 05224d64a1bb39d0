"""Vorbis comments (FLAC, Ogg Vorbis, Opus, Speex, Ogg FLAC, Theora) -> Picard fields.

Keys are case-insensitive; the table is keyed by the lower-cased name. Pictures
come from FLAC picture blocks (passed in) and METADATA_BLOCK_PICTURE / COVERART
comments (base64), kept in raw tags as the binary they encode.
"""

from __future__ import annotations

import base64
import binascii

from mutagen.flac import Picture as FlacPicture

from archiver.scan import mapping as m
from archiver.scan.mapping_fields import family_keys
from archiver.scan.record import Picture

# Lower-cased comment name -> field, from the registry.
VORBIS_KEYS: dict[str, str] = family_keys("vorbis", fold_case=True)

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


def _block_picture(data: bytes) -> Picture | None:
    try:
        pic = FlacPicture(data)
    except Exception:  # noqa: BLE001 - a broken picture is skipped (mutagen raises several kinds)
        return None
    return m.make_picture(
        pic.data, m.picture_type_name(pic.type), pic.mime, pic.width or None, pic.height or None
    )


def raw_vorbis(tags, flac_pictures=()) -> tuple[dict[str, list[m.RawValue]], list[Picture]]:
    """Every comment by key as read (picture comments as the binary they encode, see
    ``mapping.binary_value``) and the embedded pictures."""
    raw: dict[str, list[m.RawValue]] = {}
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
            try:
                data = base64.b64decode(value)
            except (binascii.Error, ValueError):
                data = None
            # The binary the comment encodes, like any binary value (a damaged one as read).
            raw.setdefault(key, []).append(
                m.clean_text(value) if data is None else m.binary_value(data)
            )
            if data is None:
                pic = None
            elif lowered == "metadata_block_picture":
                pic = _block_picture(data)
            else:
                pic = m.make_picture(data, None, coverart_mime)
            if pic is not None:
                pictures.append(pic)
            continue
        raw.setdefault(m.clean_text(key), []).append(m.clean_text(value))
    return raw, pictures
