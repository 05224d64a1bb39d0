"""ID3 (v1, v2.2, v2.3, v2.4) -> Picard fields, as Picard writes them.

Covers MP3, and the ID3 chunks of WAVE, AIFF, DSF, DSDIFF, TTA. The scanner loads
ID3 with ``translate=False``: mutagen still turns v2.2 frames into their v2.3
twins (TT2 -> TIT2), but v2.3 frames stay as written (TYER, TDAT, TIME, TORY,
IPLS): the raw tags show what the file holds, and skipping mutagen's v2.4
conversion saves ~15 % of an MP3's read time. The tables list the old IDs, and
:func:`v23_date` rebuilds the date mutagen would have made of TYER + TDAT + TIME.
"""

from __future__ import annotations

import re

from archiver.scan import mapping as m
from archiver.scan.record import Picture

# Plain text frames: frame ID -> field.
TEXT_FRAMES: dict[str, str] = {
    # v2.3 / v2.4
    "TIT2": "title",
    "TPE1": "artist",
    "TALB": "album",
    "TPE2": "albumartist",
    "TSOP": "artistsort",
    "TSO2": "albumartistsort",
    "XSOP": "artistsort",
    "TRCK": "tracknumber",
    "TPOS": "discnumber",
    "TDRC": "date",
    "TYER": m.DATE_FALLBACK,
    "TDOR": "originaldate",
    "XDOR": "originaldate",
    "TORY": m.ORIGINALYEAR,
    "TCOM": "composer",
    "TEXT": "lyricist",
    "TPE3": "conductor",
    "TPUB": "label",
    "TSRC": "isrc",
    "TCMP": "compilation",
    "TBPM": "bpm",
    # v2.2 three-letter frames
    "TT2": "title",
    "TP1": "artist",
    "TAL": "album",
    "TP2": "albumartist",
    "TSP": "artistsort",
    "TS2": "albumartistsort",
    "TRK": "tracknumber",
    "TPA": "discnumber",
    "TYE": m.DATE_FALLBACK,
    "TOR": m.ORIGINALYEAR,
    "TCM": "composer",
    "TXT": "lyricist",
    "TP3": "conductor",
    "TPB": "label",
    "TRC": "isrc",
    "TCP": "compilation",
    "TBP": "bpm",
}

# TXXX descriptions (compared lower-case) -> field.
TXXX_DESCRIPTIONS: dict[str, str] = {
    "artists": "artists",
    "musicbrainz release track id": "musicbrainz_trackid",
    "musicbrainz album id": "musicbrainz_albumid",
    "musicbrainz artist id": "musicbrainz_artistid",
    "musicbrainz album artist id": "musicbrainz_albumartistid",
    "musicbrainz release group id": "musicbrainz_releasegroupid",
    # Older taggers wrote the recording id here instead of in UFID.
    "musicbrainz track id": "musicbrainz_recordingid",
    "acoustid id": "acoustid_id",
    "catalognumber": "catalognumber",
    "barcode": "barcode",
    "upc": "barcode",
    "label": "label",
    "originaldate": "originaldate",
    "originalyear": m.ORIGINALYEAR,
    "replaygain_track_gain": "replaygain_track_gain",
    "replaygain_track_peak": "replaygain_track_peak",
    "replaygain_album_gain": "replaygain_album_gain",
    "replaygain_album_peak": "replaygain_album_peak",
    "albumartistsort": "albumartistsort",
    "artistsort": "artistsort",
    "album artist": "albumartist",
    "albumartist": "albumartist",
    "lyricist": "lyricist",
    "conductor": "conductor",
    "producer": "producer",
    "engineer": "engineer",
    "mixer": "mixer",
    "isrc": "isrc",
    "compilation": "compilation",
    "bpm": "bpm",
}

# TIPL / IPLS involvement roles (lower-case) -> field; any other role is a performer.
INVOLVEMENT_ROLES: dict[str, str | None] = {
    "producer": "producer",
    "engineer": "engineer",
    "mix": "mixer",
    "mixer": "mixer",
    "arranger": None,  # Picard field, no column
    "dj-mix": None,
}

GENRE_FRAMES = frozenset({"TCON", "TCO"})
TXXX_FRAMES = frozenset({"TXXX", "TXX"})
COMMENT_FRAMES = frozenset({"COMM", "COM"})
LYRICS_FRAMES = frozenset({"USLT", "ULT", "SYLT", "SLT"})
UFID_FRAMES = frozenset({"UFID", "UFI"})
INVOLVED_FRAMES = frozenset({"TIPL", "IPLS", "IPL"})
MUSICIAN_FRAMES = frozenset({"TMCL"})
PICTURE_FRAMES = frozenset({"APIC", "PIC"})
RVA2_FRAMES = frozenset({"RVA2"})
V23_DATE_PARTS = frozenset({"TDAT", "TIME"})
# COMM descriptions that are the user's comment (others are iTunNORM & co).
COMMENT_DESCRIPTIONS = frozenset({"", "id3v1 comment", "comment"})
MUSICBRAINZ_UFID_OWNER = "http://musicbrainz.org"
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


def collect_id3(tags) -> m.Collected:
    """Raw strings per Picard field from an ``mutagen.id3.ID3`` (or any frame mapping)."""
    values: m.Collected = {}
    parts: dict[str, str] = {}  # v2.3 TDAT / TIME, joined to TYER below
    for frame in tags.values():
        fid = frame.FrameID
        field = TEXT_FRAMES.get(fid)
        if field is not None:
            m.add(values, field, frame.text)
        elif fid in TXXX_FRAMES:
            field = TXXX_DESCRIPTIONS.get(frame.desc.strip().lower())
            if field is not None:
                m.add(values, field, frame.text)
        elif fid in GENRE_FRAMES:
            m.add(values, "genre", frame.genres)
        elif fid in COMMENT_FRAMES:
            if frame.desc.strip().lower() in COMMENT_DESCRIPTIONS:
                m.add(values, "comment", frame.text)
        elif fid in LYRICS_FRAMES:
            text = frame.text
            if isinstance(text, list):
                text = "".join(str(t[0]) if isinstance(t, tuple) else str(t) for t in text)
            m.add(values, m.LYRICS, [text])
        elif fid in UFID_FRAMES:
            if frame.owner == MUSICBRAINZ_UFID_OWNER:
                m.add(values, "musicbrainz_recordingid", [frame.data.decode("ascii", "replace")])
        elif fid in INVOLVED_FRAMES:
            for role, name in frame.people:
                key = role.strip().lower()
                if key in INVOLVEMENT_ROLES:
                    target = INVOLVEMENT_ROLES[key]
                    if target:
                        m.add(values, target, [name])
                else:
                    m.add(values, "performer", [_performer(name.strip(), role.strip())])
        elif fid in MUSICIAN_FRAMES:
            m.add(
                values,
                "performer",
                [_performer(name.strip(), role.strip()) for role, name in frame.people],
            )
        elif fid in RVA2_FRAMES:
            targets = _RVA2_FIELDS.get(frame.desc.strip().lower())
            if targets and frame.channel == 1:
                m.add(values, targets[0], [repr(frame.gain)])
                m.add(values, targets[1], [repr(frame.peak)])
        elif fid in V23_DATE_PARTS:
            parts[fid] = str(frame.text[0]) if frame.text else ""
    if parts and values.get(m.DATE_FALLBACK):
        year = values[m.DATE_FALLBACK][0]
        full = v23_date(year, parts.get("TDAT", ""), parts.get("TIME", ""))
        if full:
            values[m.DATE_FALLBACK] = [full, *values[m.DATE_FALLBACK][1:]]
    return values


def normalize_id3(tags) -> dict:
    """Picard-named, typed fields from an ID3 tag."""
    return m.finalize(collect_id3(tags))


def _frame_strings(frame) -> list[str]:
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
        return [frame.data.decode("ascii", "backslashreplace")]
    url = getattr(frame, "url", None)
    if isinstance(url, str):
        return [m.clean_text(url)]
    data = getattr(frame, "data", None)
    if isinstance(data, bytes):
        return [m.summarize_bytes(fid, data)]
    try:
        return [m.clean_text(frame._pprint())]
    except Exception:  # noqa: BLE001 - a frame mutagen cannot print is summarized
        return [f"<{fid}>"]


def raw_id3(tags, prefix: str = "") -> tuple[dict[str, list[str]], list[Picture]]:
    """Every frame by its HashKey (text as read, binary frames summarized) and the pictures."""
    raw: dict[str, list[str]] = {}
    pictures: list[Picture] = []
    for key, frame in tags.items():
        fid = frame.FrameID
        if fid in PICTURE_FRAMES:
            data = frame.data
            ptype = m.picture_type_name(frame.type)
            pictures.append(m.make_picture(data, ptype, frame.mime))
            raw[prefix + m.clean_text(key)] = [
                f"<{fid} {ptype or frame.type} {frame.mime} {len(data)} bytes>"
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
