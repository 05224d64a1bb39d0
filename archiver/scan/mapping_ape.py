"""APEv2 items (Monkey's Audio, WavPack, Musepack, TAK, OptimFROG, APE on MP3) -> Picard fields.

Keys are case-insensitive. Picard writes most fields under their own name
(title-cased), plus a few special names (Year, Track, Disc, Album Artist); the
registry (``mapping_fields``) lists them all.
"""

from __future__ import annotations

from archiver.scan import mapping as m
from archiver.scan.mapping_fields import family_keys
from archiver.scan.record import Picture

# Lower-cased item name -> field, from the registry.
APE_KEYS: dict[str, str] = family_keys("ape", fold_case=True)
# APE cover items ("Cover Art (Front)") -> picture type.
COVER_TYPES: dict[str, str] = {
    "cover art (other)": "other",
    "cover art (png icon)": "file icon",
    "cover art (icon)": "other file icon",
    "cover art (front)": "front cover",
    "cover art (back)": "back cover",
    "cover art (leaflet)": "leaflet page",
    "cover art (media)": "media",
    "cover art (lead artist)": "lead artist",
    "cover art (artist)": "artist",
    "cover art (conductor)": "conductor",
    "cover art (band)": "band",
    "cover art (composer)": "composer",
    "cover art (lyricist)": "lyricist",
    "cover art (recording location)": "recording location",
    "cover art (during recording)": "during recording",
    "cover art (during performance)": "during performance",
    "cover art (video capture)": "screen capture",
    "cover art (fish)": "fish",
    "cover art (illustration)": "illustration",
    "cover art (band logotype)": "band logotype",
    "cover art (publisher logotype)": "publisher logotype",
}
_TEXT, _BINARY = 0, 1


def _texts(value) -> list[str]:
    if getattr(value, "kind", _TEXT) == _TEXT and not isinstance(value, (str, bytes)):
        return list(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        return value.split("\x00")
    return []


def _items(tags) -> list:
    """``(key, value)`` pairs: a list given (``tags.items()`` computed once by the
    caller: mutagen validates the key again on every lookup), else the tag's items."""
    return tags if isinstance(tags, list) else tags.items()


def collect_ape(tags) -> m.Collected:
    """Raw strings per Picard field from ``mutagen.apev2.APEv2`` (key -> APEValue),
    or from its ``items()``."""
    values: m.Collected = {}
    get = APE_KEYS.get
    for key, value in _items(tags):
        field = get(key.lower())
        if field is not None and getattr(value, "kind", _TEXT) == _TEXT:
            m.add(values, field, _texts(value))
    return values


def normalize_ape(tags) -> dict:
    """Picard-named, typed fields from an APEv2 tag."""
    return m.finalize(collect_ape(tags))


def raw_ape(tags, prefix: str = "") -> tuple[dict[str, list[m.RawValue]], list[Picture]]:
    """Every item as text (binary items as ``mapping.binary_value``) and the cover pictures."""
    raw: dict[str, list[m.RawValue]] = {}
    pictures: list[Picture] = []
    for key, value in _items(tags):
        kind = getattr(value, "kind", _TEXT)
        name = prefix + m.clean_text(key)
        if kind == _BINARY:
            data = value.value
            lowered = key.lower()
            if lowered.startswith("cover art"):
                # "<file name>\0<image bytes>"
                image = data.split(b"\x00", 1)[1] if b"\x00" in data else data
                pictures.append(m.make_picture(image, COVER_TYPES.get(lowered, "other")))
            raw[name] = [m.binary_value(data)]
        elif kind == _TEXT:
            raw[name] = [m.clean_text(t) for t in _texts(value)]
        else:
            raw[name] = [m.clean_text(str(value))]
    return raw, pictures
