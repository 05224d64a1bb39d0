"""RIFF INFO chunks of WAVE files (INAM, IART, ...) -> Picard fields.

mutagen reads only the ID3 chunk of a WAVE file; many tools (Windows Explorer,
Audacity, Picard since 2.x alongside ID3) write a LIST/INFO chunk. We walk the
chunk headers of the already-open file (a few seeks, no data read).
"""

from __future__ import annotations

import struct

from archiver.scan import mapping as m
from archiver.scan.mapping_fields import family_keys

# INFO chunk ID -> field, from the registry.
INFO_IDS: dict[str, str] = family_keys("riff")
_MAX_CHUNKS = 64
_MAX_INFO_BYTES = 1 << 20


def _decode(data: bytes) -> str:
    data = data.split(b"\x00", 1)[0]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_info_block(data: bytes) -> list[tuple[str, str]]:
    """(id, text) pairs from the body of a LIST/INFO chunk (after the "INFO" type)."""
    pairs = []
    pos = 0
    while pos + 8 <= len(data):
        cid = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
        try:
            key = cid.decode("ascii")
        except UnicodeDecodeError:
            continue
        pairs.append((key, _decode(body)))
    return pairs


def read_riff_info(fileobj, file_size: int) -> list[tuple[str, str]]:
    """(id, text) pairs of the first LIST/INFO chunk of a RIFF file; [] when there is none."""
    fileobj.seek(0)
    head = fileobj.read(12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX"):
        return []
    pos = 12
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > file_size:
            break
        fileobj.seek(pos)
        header = fileobj.read(12)
        if len(header) < 8:
            break
        (size,) = struct.unpack_from("<I", header, 4)
        if header[:4] == b"LIST" and header[8:12] == b"INFO":
            return parse_info_block(fileobj.read(min(size - 4, _MAX_INFO_BYTES)))
        pos += 8 + size + (size & 1)
    return []


def collect_riff(pairs) -> m.Collected:
    """Raw strings per Picard field from RIFF INFO (id, text) pairs."""
    values: m.Collected = {}
    for key, value in pairs:
        field = INFO_IDS.get(key.upper())
        if field is not None:
            m.add(values, field, (value,))
    return values


def normalize_riff(pairs) -> dict:
    """Picard-named, typed fields from RIFF INFO."""
    return m.finalize(collect_riff(pairs))


def raw_riff(pairs) -> dict[str, list[str]]:
    """Every INFO item as ``INFO:<id>``."""
    raw: dict[str, list[str]] = {}
    for key, value in pairs:
        raw.setdefault("INFO:" + m.clean_text(key), []).append(m.clean_text(value))
    return raw
