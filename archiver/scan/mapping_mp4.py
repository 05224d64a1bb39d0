"""MP4 / M4A atoms (incl. ``----:com.apple.iTunes:NAME`` freeform) -> Picard fields."""

from __future__ import annotations

from archiver.scan import mapping as m
from archiver.scan.mapping_fields import family_fields, family_keys
from archiver.scan.record import Picture

FREEFORM_PREFIX = "----:"
_KEYS = family_keys("mp4")
# (number, total) tuple atoms: the registry lists ``trkn`` / ``disk`` under both fields.
PAIR_ATOMS: dict[str, tuple[str, str]] = {
    atom: family_fields("mp4", atom)  # type: ignore[misc]
    for atom in _KEYS
    if len(family_fields("mp4", atom)) == 2
}
# Plain atoms -> field.
MP4_ATOMS: dict[str, str] = {
    atom: field
    for atom, field in _KEYS.items()
    if atom not in PAIR_ATOMS and not atom.startswith(FREEFORM_PREFIX)
}
# Freeform names (lower-case, namespace dropped) -> field.
FREEFORM_NAMES: dict[str, str] = {
    key[len(FREEFORM_PREFIX) :].lower(): field
    for key, field in _KEYS.items()
    if key.startswith(FREEFORM_PREFIX)
}
COVER_ATOM = "covr"
# MP4Cover.imageformat codes.
_COVER_MIME = {13: "image/jpeg", 14: "image/png", 27: "image/bmp", 12: "image/gif"}


def freeform_name(key: str) -> str:
    """ "----:com.apple.iTunes:MusicBrainz Album Id" -> "musicbrainz album id"."""
    return key.rsplit(":", 1)[-1].strip().lower()


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def collect_mp4(tags) -> m.Collected:
    """Raw strings per Picard field from ``mutagen.mp4.MP4Tags`` (a dict of atom -> values)."""
    values: m.Collected = {}
    for key, value in tags.items():
        field = MP4_ATOMS.get(key)
        if field is not None:
            m.add(values, field, [_text(v) for v in _as_list(value)])
            continue
        pair = PAIR_ATOMS.get(key)
        if pair is not None:
            _add_pair(values, pair, value)
        elif key.startswith(FREEFORM_PREFIX):
            _add_freeform(values, key, value)
    return values


def _add_pair(values: m.Collected, fields: tuple[str, str], value) -> None:
    """``trkn`` / ``disk``: (number, total) tuples; 0 means "not set"."""
    for item in _as_list(value):
        if isinstance(item, tuple) and item:
            if item[0]:
                m.add(values, fields[0], [str(item[0])])
            if len(item) > 1 and item[1]:
                m.add(values, fields[1], [str(item[1])])


def _add_freeform(values: m.Collected, key: str, value) -> None:
    """``----:<namespace>:<name>``: matched by name, whatever the namespace."""
    field = FREEFORM_NAMES.get(freeform_name(key))
    if field is not None:
        m.add(values, field, [_text(v) for v in _as_list(value)])


def normalize_mp4(tags) -> dict:
    """Picard-named, typed fields from MP4 atoms."""
    return m.finalize(collect_mp4(tags))


def _raw_value(key: str, value) -> m.RawValue:
    if isinstance(value, tuple):
        return "/".join(str(v) for v in value)
    if isinstance(value, bytes):
        if key.startswith(FREEFORM_PREFIX) and getattr(value, "dataformat", 1) in (1, 2):
            encoding = "utf-8" if getattr(value, "dataformat", 1) == 1 else "utf-16-be"
            try:
                return m.clean_text(value.decode(encoding))
            except UnicodeDecodeError:  # says text, is not: kept as the bytes it is
                return m.binary_value(value)
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return m.binary_value(value)
        # Binary payloads (e.g. iTunes "Encoding Params") that happen to be valid UTF-8.
        if any(ch < " " and ch not in "\t\n\r" for ch in text):
            return m.binary_value(value)
        return text
    if isinstance(value, bool):
        return "1" if value else "0"
    return m.clean_text(str(value))


def raw_mp4(tags) -> tuple[dict[str, list[m.RawValue]], list[Picture]]:
    """Every atom by key with its values as text (covers and other binary values as
    ``mapping.binary_value``) and the cover pictures."""
    raw: dict[str, list[m.RawValue]] = {}
    pictures: list[Picture] = []
    for key, value in tags.items():
        ckey = m.clean_text(key)
        if key == COVER_ATOM:
            out = []
            for cover in _as_list(value):
                data = bytes(cover)
                mime = _COVER_MIME.get(getattr(cover, "imageformat", None))
                # iTunes has no picture type; covr is the front cover by convention (Picard).
                picture = m.make_picture(data, "front cover", mime)
                pictures.append(picture)
                out.append(m.binary_value(data, picture.sha256))
            raw[ckey] = out
            continue
        raw[ckey] = [_raw_value(key, v) for v in _as_list(value)]
    return raw, pictures
