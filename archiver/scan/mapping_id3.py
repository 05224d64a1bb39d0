"""ID3 (v1, v2.2, v2.3, v2.4) -> Picard fields, as Picard writes them.

Covers MP3, and the ID3 chunks of WAVE, AIFF, DSF, DSDIFF, TTA. The scanner loads
ID3 with ``translate=False``: mutagen still turns v2.2 frames into their v2.3
twins (TT2 -> TIT2), but v2.3 frames stay as written (TYER, TDAT, TIME, TORY,
IPLS): the raw tags show what the file holds, and skipping mutagen's v2.4
conversion saves ~15 % of an MP3's read time. The registry (``mapping_fields``)
lists the old IDs too, and :func:`v23_date` rebuilds the date mutagen would have
made of TYER + TDAT + TIME. Frames that are not plain text are read by the small
named functions in ``FRAME_READERS``.
"""

from __future__ import annotations

import re

from archiver.scan import mapping as m
from archiver.scan.mapping_fields import family_keys
from archiver.scan.record import Picture

_TXXX = "TXXX:"
_TIPL = "TIPL:"
_UFID = "UFID:"
_KEYS = family_keys("id3")
# Frame ID -> field for the frames the registry lists by ID. Most are plain text
# frames read as ``frame.text``; the ones in FRAME_READERS below are not.
FRAME_FIELDS: dict[str, str] = {key: field for key, field in _KEYS.items() if ":" not in key}
# TXXX descriptions (compared lower-case) -> field.
TXXX_DESCRIPTIONS: dict[str, str] = {
    key[len(_TXXX) :].lower(): field for key, field in _KEYS.items() if key.startswith(_TXXX)
}
# TIPL / IPLS involvement roles (lower-case) -> field; any other role is a performer
# except these Picard roles that have no column.
INVOLVEMENT_ROLES: dict[str, str | None] = {
    **{key[len(_TIPL) :].lower(): field for key, field in _KEYS.items() if key.startswith(_TIPL)},
    "arranger": None,
    "dj-mix": None,
}
# UFID owners -> field.
UFID_OWNERS: dict[str, str] = {
    key[len(_UFID) :]: field for key, field in _KEYS.items() if key.startswith(_UFID)
}
# COMM descriptions that are the user's comment (others are iTunNORM & co).
COMMENT_DESCRIPTIONS = frozenset({"", "id3v1 comment", "comment"})
PICTURE_FRAMES = frozenset({"APIC", "PIC"})
UFID_FRAMES = frozenset({"UFID", "UFI"})
_RVA2_FIELDS = {
    "track": (m.RVA2_TRACK_GAIN, m.RVA2_TRACK_PEAK),
    "album": (m.RVA2_ALBUM_GAIN, m.RVA2_ALBUM_PEAK),
}


_YEAR_RE = re.compile(r"([0-9]{4})(-[0-9]{2}-[0-9]{2})?\Z")
_DDMM_RE = re.compile(r"([0-9]{2})([0-9]{2})\Z")


def v23_date(year: str, ddmm: str = "", hhmm: str = "") -> str:
    """ID3v2.3 TYER "2004" + TDAT "0605" (day, month) + TIME "1430" -> "2004-05-06T14:30:00";
    "" when the year is not four digits (the caller then keeps the text as it is)."""
    ym = _YEAR_RE.match(year.strip())
    if not ym:
        return ""
    stamp, month_day = ym.groups()
    dm = _DDMM_RE.match(ddmm.strip())
    if dm:
        month_day = f"-{dm.group(2)}-{dm.group(1)}"
    if not month_day:
        return stamp
    stamp += month_day
    tm = _DDMM_RE.match(hhmm.strip())
    if tm:
        stamp += f"T{tm.group(1)}:{tm.group(2)}:00"
    return stamp


def _performer(name: str, role: str) -> str:
    return f"{name} ({role})" if role else name


# --- frames that are not plain text: one named reader each --------------------
# A reader gets the frame, the field the registry gives its ID (or None), the
# collected values and the v2.3 date parts (TDAT / TIME, joined to TYER later).


def _read_genres(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    """TCON: ``(17)`` and ``17`` become "Rock" (mutagen's ``genres``)."""
    m.add(values, field, frame.genres)


def _read_txxx(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    target = TXXX_DESCRIPTIONS.get(frame.desc.strip().lower())
    if target is not None:
        m.add(values, target, frame.text)


def _read_comment(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    if frame.desc.strip().lower() in COMMENT_DESCRIPTIONS:
        m.add(values, field, frame.text)


def _read_lyrics(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    text = frame.text
    if isinstance(text, list):  # SYLT: (text, time) pairs
        text = "".join(str(t[0]) if isinstance(t, tuple) else str(t) for t in text)
    m.add(values, field, [text])


def _read_ufid(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    target = UFID_OWNERS.get(frame.owner)
    if target is not None:
        m.add(values, target, [frame.data.decode("ascii", "replace")])


def _read_involved(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    """TIPL / IPLS: listed roles go to their field, other roles are performers."""
    for role, name in frame.people:
        key = role.strip().lower()
        if key in INVOLVEMENT_ROLES:
            target = INVOLVEMENT_ROLES[key]
            if target:
                m.add(values, target, [name])
        else:
            m.add(values, "performer", [_performer(name.strip(), role.strip())])


def _read_musicians(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    """TMCL: ``Name (instrument)``."""
    m.add(values, field, [_performer(name.strip(), role.strip()) for role, name in frame.people])


def _read_rva2(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    """RVA2 ``track`` / ``album`` master volume: a ReplayGain fallback (gain and peak)."""
    targets = _RVA2_FIELDS.get(frame.desc.strip().lower())
    if targets and frame.channel == 1:
        m.add(values, targets[0], [repr(frame.gain)])
        m.add(values, targets[1], [repr(frame.peak)])


def _read_date_part(frame, field, values: m.Collected, parts: dict[str, str]) -> None:
    parts[frame.FrameID] = str(frame.text[0]) if frame.text else ""


FRAME_READERS = {
    "TCON": _read_genres,
    "TCO": _read_genres,
    "TXXX": _read_txxx,
    "TXX": _read_txxx,
    "COMM": _read_comment,
    "COM": _read_comment,
    "USLT": _read_lyrics,
    "ULT": _read_lyrics,
    "SYLT": _read_lyrics,
    "SLT": _read_lyrics,
    "UFID": _read_ufid,
    "UFI": _read_ufid,
    "TIPL": _read_involved,
    "IPLS": _read_involved,
    "IPL": _read_involved,
    "TMCL": _read_musicians,
    "RVA2": _read_rva2,
    "TDAT": _read_date_part,
    "TIME": _read_date_part,
}
# Frame ID -> field for the frames read as plain ``frame.text``.
TEXT_FRAMES: dict[str, str] = {
    fid: field for fid, field in FRAME_FIELDS.items() if fid not in FRAME_READERS
}


def collect_id3(tags) -> m.Collected:
    """Raw strings per Picard field from an ``mutagen.id3.ID3`` (or any frame mapping)."""
    values: m.Collected = {}
    parts: dict[str, str] = {}  # v2.3 TDAT / TIME, joined to TYER below
    text_field = TEXT_FRAMES.get
    reader_of = FRAME_READERS.get
    for frame in tags.values():
        fid = frame.FrameID
        field = text_field(fid)
        if field is not None:
            m.add(values, field, frame.text)
            continue
        reader = reader_of(fid)
        if reader is not None:
            reader(frame, FRAME_FIELDS.get(fid), values, parts)
    if parts and values.get(m.DATE_FALLBACK):
        year = values[m.DATE_FALLBACK][0]
        full = v23_date(year, parts.get("TDAT", ""), parts.get("TIME", ""))
        if full:
            values[m.DATE_FALLBACK] = [full, *values[m.DATE_FALLBACK][1:]]
    return values


def normalize_id3(tags) -> dict:
    """Picard-named, typed fields from an ID3 tag."""
    return m.finalize(collect_id3(tags))


def _frame_strings(frame) -> list[m.RawValue]:
    fid = frame.FrameID
    text = getattr(frame, "text", None)
    if text is not None:
        if isinstance(text, str):
            return [m.clean_text(text)]
        if fid in ("SYLT", "SLT"):
            return [m.clean_text("".join(str(t[0]) for t in text))]
        return [m.clean_text(str(t)) for t in text]
    people = getattr(frame, "people", None)
    if people is not None:
        return [m.clean_text(f"{role}: {name}") for role, name in people]
    if fid in UFID_FRAMES:
        try:
            return [frame.data.decode("ascii")]
        except UnicodeDecodeError:  # an identifier that is not text: kept as bytes
            return [m.binary_value(frame.data)]
    url = getattr(frame, "url", None)
    if isinstance(url, str):
        return [m.clean_text(url)]
    data = getattr(frame, "data", None)
    if isinstance(data, bytes):
        return [m.binary_value(data)]
    try:
        return [m.clean_text(frame._pprint())]
    except Exception:  # noqa: BLE001 - a frame mutagen cannot print is summarized
        return [f"<{fid}>"]


def raw_id3(tags, prefix: str = "") -> tuple[dict[str, list[m.RawValue]], list[Picture]]:
    """Every frame by its HashKey (text as read, binary data as ``mapping.binary_value``)
    and the pictures."""
    raw: dict[str, list[m.RawValue]] = {}
    pictures: list[Picture] = []
    for key, frame in tags.items():
        fid = frame.FrameID
        if fid in PICTURE_FRAMES:
            data = frame.data
            ptype = m.picture_type_name(frame.type)
            picture = m.make_picture(data, ptype, frame.mime)
            pictures.append(picture)
            raw[prefix + m.clean_text(key)] = [
                m.binary_value(
                    data,
                    picture.sha256,
                    mime=m.clean_text(frame.mime),
                    type=int(frame.type),
                    desc=m.clean_text(frame.desc),
                )
            ]
            continue
        try:
            raw[prefix + m.clean_text(key)] = _frame_strings(frame)
        except Exception:  # noqa: BLE001 - keep the key even when its value is odd
            raw[prefix + m.clean_text(key)] = [f"<{fid}>"]
    return raw, pictures


def id3_version_name(version) -> str:
    """ "ID3v2.4" for (2, 4, 0), "ID3v1" for (1, 1)."""
    if not version:
        return "ID3"
    if version[0] == 1:
        return "ID3v1"
    return f"ID3v{version[0]}.{version[1]}"
