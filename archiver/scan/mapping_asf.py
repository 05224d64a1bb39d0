"""ASF / WMA attributes (Title, Author, WM/...) -> Picard fields, as Picard writes them."""

from __future__ import annotations

import struct

from archiver.scan import mapping as m
from archiver.scan.mapping_fields import family_keys
from archiver.scan.record import Picture

# WM/Track is zero-based (pre WMP 7): collected apart so that WM/TrackNumber wins,
# then turned into a one-based track number by ``collect_asf``.
WM_TRACK = "_wm_track"
# Attribute names compared lower-case -> field, from the registry (plus WM/Track).
ASF_NAMES: dict[str, str] = {**family_keys("asf", fold_case=True), "wm/track": WM_TRACK}
PICTURE_NAME = "wm/picture"


def _value_text(attr) -> str:
    value = getattr(attr, "value", attr)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes):
        return value.hex() if len(value) == 16 else f"<bytes {len(value)} bytes>"
    return str(value)


def _raw_value(attr) -> m.RawValue:
    """A 16-byte value (a GUID) as hex, other bytes as ``mapping.binary_value``."""
    value = getattr(attr, "value", attr)
    if isinstance(value, bytes) and len(value) != 16:
        return m.binary_value(value)
    return m.clean_text(_value_text(attr))


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
    if "tracknumber" not in values and values.get(WM_TRACK):
        number = m.parse_int(values[WM_TRACK][0])
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


def raw_asf(tags) -> tuple[dict[str, list[m.RawValue]], list[Picture]]:
    """Every attribute as text (binary ones, WM/Picture too, as ``mapping.binary_value``)
    and the pictures."""
    raw: dict[str, list[m.RawValue]] = {}
    pictures: list[Picture] = []
    for name, attrs in asf_items(tags):
        out = raw.setdefault(m.clean_text(name), [])
        for attr in attrs:
            value = getattr(attr, "value", attr)
            if name.lower() == PICTURE_NAME and isinstance(value, bytes):
                pic = parse_wm_picture(value)
                if pic is not None:
                    pictures.append(pic)
                out.append(m.binary_value(value))
            else:
                out.append(_raw_value(attr))
    return raw, pictures
