"""What every tag family normalizes into: the Picard field names (= the columns of
the ``tags`` table, declared once in the registry ``mapping_fields``) and one
shared ``finalize`` that turns collected raw strings into typed column values.

Each family module (``mapping_id3``, ``mapping_vorbis``, ``mapping_mp4``,
``mapping_asf``, ``mapping_ape``, ``mapping_riff``) only *collects*: its key
table, derived from the registry, maps native keys to a field name (or to a
pseudo field starting with ``_``) and appends the strings it finds. Parsing "3/12", dates, flags, gains and joining values happens
once, here, so every family behaves the same.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct

from archiver.scan.mapping_fields import (  # noqa: F401 - the pseudo fields are re-exported
    BOOL,
    DATE_FALLBACK,
    FLOAT,
    LYRICS,
    NUMBER,
    ORIGINALYEAR,
    R128_ALBUM,
    R128_TRACK,
    RVA2_ALBUM_GAIN,
    RVA2_ALBUM_PEAK,
    RVA2_TRACK_GAIN,
    RVA2_TRACK_PEAK,
    TAG_COLUMNS,
    TEXT,
    TOTAL,
    names_of,
)
from archiver.scan.record import Picture

# TAG_COLUMNS (from the registry) are the columns of the ``tags`` table the reader
# fills, in table order; ``FileRecord.tags`` never holds any other key.
# Text columns: every distinct value kept, joined with "; ".
TEXT_FIELDS: frozenset[str] = frozenset(names_of(TEXT))
FLOAT_FIELDS: tuple[str, ...] = names_of(FLOAT)
# (number, total) columns: "3/12" in the number fills the total unless a total tag says otherwise.
NUMBER_PAIRS: tuple[tuple[str, str], ...] = tuple(
    zip(names_of(NUMBER), names_of(TOTAL), strict=True)
)
(_BOOL_FIELD,) = names_of(BOOL)

Collected = dict[str, list[str]]

_NUMBER_PAIR = re.compile(r"\s*(\d+)\s*(?:(?:/|of)\s*(\d+))?")
_INT = re.compile(r"\s*[+]?(\d+)")
_FLOAT = re.compile(r"\s*([-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?)")
_YEAR = re.compile(r"\s*(\d{4})")
_YEAR_ANYWHERE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_MAX_INT = 2**31 - 1
_TRUE = frozenset({"1", "true", "yes", "y", "on", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "off", "f", ""})


def add(values: Collected, field: str, items) -> None:
    """Append ``items`` (as strings) to ``values[field]``; finalize() strips and drops empties."""
    bucket = values.get(field)
    if bucket is None:
        bucket = values[field] = []
    for item in items:
        if item is not None:
            bucket.append(item if type(item) is str else str(item))


def _clean_values(items: list[str]) -> list[str]:
    out = []
    for item in items:
        text = item.strip()
        while text and (text[0] == "\x00" or text[-1] == "\x00"):
            text = text.strip("\x00").strip()
        if text:
            out.append(text)
    return out


def parse_int(text: str | None) -> int | None:
    """Leading unsigned integer of a tag value ("07" -> 7, "A1" -> None)."""
    if not text:
        return None
    m = _INT.match(text)
    if not m:
        return None
    n = int(m.group(1))
    return n if n <= _MAX_INT else None


def parse_number_pair(text: str | None) -> tuple[int | None, int | None]:
    """ "3/12" -> (3, 12); "3" -> (3, None); "/12" or junk -> (None, None) unless a total is found."""
    if not text:
        return None, None
    m = _NUMBER_PAIR.match(text)
    if not m:
        total = None
        stripped = text.strip()
        if stripped.startswith("/"):
            total = parse_int(stripped[1:])
        return None, total
    number = int(m.group(1))
    total = int(m.group(2)) if m.group(2) else None
    return (number if number <= _MAX_INT else None), (
        total if total is not None and total <= _MAX_INT else None
    )


def parse_float(text: str | None) -> float | None:
    """Leading number of a value such as "-6.54 dB", "0,988" or "120" (None if absent or not finite)."""
    if not text:
        return None
    m = _FLOAT.match(text)
    if not m:
        return None
    try:
        value = float(m.group(1).replace(",", "."))
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def parse_bool(text: str | None) -> int | None:
    """Tag flag as 0/1 ("1", "true", "yes" -> 1; "0", "false", "no" -> 0; other numbers: nonzero -> 1)."""
    if text is None:
        return None
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return 1
    if lowered in _FALSE:
        return 0
    n = parse_int(lowered)
    if n is None:
        return None
    return 1 if n else 0


def year_of(date: str | None) -> int | None:
    """First four-digit year in a date ("1987-03-31" -> 1987, "31/03/1987" -> 1987, "0000" -> None)."""
    if not date:
        return None
    m = _YEAR.match(date) or _YEAR_ANYWHERE.search(date)
    year = int(m.group(1)) if m else 0
    return year or None  # "0000" is a placeholder, not a year


def _dedup(items: list[str]) -> list[str]:
    if len(items) < 2:
        return items
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _first(values: Collected, field: str) -> str | None:
    items = values.get(field)
    return items[0] if items else None


def finalize(values: Collected) -> dict[str, str | int | float | None]:
    """Typed column values from collected strings; only fields with a value are returned,
    except ``has_lyrics`` which is always 0 or 1 (its absence is known)."""
    out: dict[str, str | int | float | None] = {}
    values = {
        field: cleaned for field, items in values.items() if (cleaned := _clean_values(items))
    }
    for field in TEXT_FIELDS.intersection(values):
        out[field] = "; ".join(_dedup(values[field]))

    for number_field, total_field in NUMBER_PAIRS:
        number, total = parse_number_pair(_first(values, number_field))
        if number is not None:
            out[number_field] = number
        total = parse_number_pair(_first(values, total_field))[0] or total
        if total is not None:
            out[total_field] = total

    date = _first(values, "date") or _first(values, DATE_FALLBACK)
    if date:
        out["date"] = date
        year = year_of(date)
        if year is not None:
            out["year"] = year
    originaldate = _first(values, "originaldate") or _first(values, ORIGINALYEAR)
    if originaldate:
        out["originaldate"] = originaldate

    flag = parse_bool(_first(values, _BOOL_FIELD))
    if flag is not None:
        out[_BOOL_FIELD] = flag
    out["has_lyrics"] = 1 if values.get(LYRICS) else 0

    for field in FLOAT_FIELDS:
        value = parse_float(_first(values, field))
        if value is not None:
            out[field] = value
    for field, fallback in (
        ("replaygain_track_gain", RVA2_TRACK_GAIN),
        ("replaygain_track_peak", RVA2_TRACK_PEAK),
        ("replaygain_album_gain", RVA2_ALBUM_GAIN),
        ("replaygain_album_peak", RVA2_ALBUM_PEAK),
    ):
        if field not in out:
            value = parse_float(_first(values, fallback))
            if value is not None:
                out[field] = value
    for field, r128 in (
        ("replaygain_track_gain", R128_TRACK),
        ("replaygain_album_gain", R128_ALBUM),
    ):
        if field not in out:
            q78 = parse_float(_first(values, r128))
            if q78 is not None:
                # R128 gains are Q7.8 dB relative to -23 LUFS; ReplayGain's reference is 5 dB louder.
                out[field] = round(q78 / 256.0 + 5.0, 2)
    return out


def merge(primary: dict, secondary: dict) -> dict:
    """Fields of ``primary`` win; ``secondary`` (e.g. APEv2 next to ID3 on an MP3) fills gaps.
    ``has_lyrics`` is 1 if either says so."""
    if not secondary:
        return primary
    out = dict(secondary)
    out.update(primary)
    if primary.get("has_lyrics") or secondary.get("has_lyrics"):
        out["has_lyrics"] = 1
    return out


# --- pictures -------------------------------------------------------------

# ID3 APIC / FLAC / WM/Picture picture types (ID3v2.4 section 4.14).
PICTURE_TYPES: tuple[str, ...] = (
    "other",
    "file icon",
    "other file icon",
    "front cover",
    "back cover",
    "leaflet page",
    "media",
    "lead artist",
    "artist",
    "conductor",
    "band",
    "composer",
    "lyricist",
    "recording location",
    "during recording",
    "during performance",
    "screen capture",
    "fish",
    "illustration",
    "band logotype",
    "publisher logotype",
)


def picture_type_name(code) -> str | None:
    """ "front cover" for 3; None when unknown."""
    try:
        index = int(code)
    except (TypeError, ValueError):
        return None
    if 0 <= index < len(PICTURE_TYPES):
        return PICTURE_TYPES[index]
    return None


_SOF_MARKERS = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)


def image_info(data: bytes) -> tuple[str | None, int | None, int | None]:
    """(mime, width, height) sniffed from the first bytes of an image; Nones when unknown."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            return "image/png", width, height
        if data[:2] == b"\xff\xd8":
            return "image/jpeg", *_jpeg_size(data)
        if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return "image/gif", width, height
        if data[:2] == b"BM" and len(data) >= 26:
            width, height = struct.unpack("<ii", data[18:26])
            return "image/bmp", abs(width), abs(height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "image/webp", *_webp_size(data)
    except struct.error:
        pass
    return None, None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    """Canvas size from the first chunk: VP8X (extended), VP8L (lossless) or VP8 (lossy)."""
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    pos = 2
    end = len(data)
    # Segments are short; a few hops reach the SOF marker in real covers.
    while pos + 9 <= end:
        if data[pos] != 0xFF:
            break  # segments are contiguous: anything else is not a marker we can trust
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = (data[pos + 2] << 8) | data[pos + 3]
        if marker in _SOF_MARKERS:
            height = (data[pos + 5] << 8) | data[pos + 6]
            width = (data[pos + 7] << 8) | data[pos + 8]
            return width, height
        if marker == 0xDA or length < 2:
            break
        pos += 2 + length
    return None, None


def make_picture(
    data: bytes,
    picture_type: str | None,
    mime: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Picture:
    """A Picture record (size, sha256, sniffed dimensions) - never the bytes themselves."""
    sniffed_mime, sniffed_w, sniffed_h = image_info(data)
    mime = (mime or "").strip().lower() or sniffed_mime
    if mime in ("jpg", "image/jpg"):
        mime = "image/jpeg"
    elif mime == "png":
        mime = "image/png"
    return Picture(
        picture_type=picture_type,
        mime=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width or sniffed_w,
        height=height or sniffed_h,
    )


# Longest binary raw value kept whole (bytes): a PRIV frame, a small icon. A larger
# one (a cover) is kept as its size and SHA-256; the pictures table describes images.
BINARY_INLINE_CAP = 4096

RawValue = str | dict[str, str | int]


def binary_value(
    data: bytes, sha256: str | None = None, **extra: str | int
) -> dict[str, str | int]:
    """How a binary value appears in raw tags, marked by its keys (never a string):
    ``{"base64": "..."}`` exactly when at most BINARY_INLINE_CAP bytes, else
    ``{"size": N, "sha256": "..."}``; ``extra`` adds the frame's other attributes
    (an APIC's mime, type and description). ``sha256``: the digest when the caller
    has it already (a picture's), so a large cover is not hashed twice."""
    if len(data) <= BINARY_INLINE_CAP:
        out: dict[str, str | int] = {"base64": base64.b64encode(data).decode("ascii")}
    else:
        out = {"size": len(data), "sha256": sha256 or hashlib.sha256(data).hexdigest()}
    out.update(extra)
    return out


# Longest raw tag value kept whole (characters); a longer one keeps this much,
# then a marker saying how long it was and its SHA-256 (see docs/tag-mapping.md).
RAW_VALUE_CAP = 64 * 1024
# Longest normalized text field (a comment, a credit list): catalog cells, the
# TUI and exports have no use for more.
FIELD_CAP = 16 * 1024


def cap_text(text: str, limit: int = RAW_VALUE_CAP) -> str:
    """``text`` if it is at most ``limit`` characters, else its first ``limit``
    characters and ``<truncated: N chars, sha256 HEX>`` (hash of the whole
    value as UTF-8), so that a 50 MB frame neither bloats the catalog nor
    crosses the reader pipe, and two different huge values stay different."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()
    return f"{text[:limit]}<truncated: {len(text)} chars, sha256 {digest}>"


def cap_raw(raw: dict[str, list[RawValue]], limit: int = RAW_VALUE_CAP) -> None:
    """Cap every value of a raw-tag dict in place (one cheap pass)."""
    for values in raw.values():
        for i, value in enumerate(values):
            if type(value) is str and len(value) > limit:
                values[i] = cap_text(value, limit)


def clean_text(text: str) -> str:
    """A value safe to store as UTF-8 JSON/TEXT (lone surrogates become \\udcNN escapes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
