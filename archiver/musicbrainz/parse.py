"""musicbrainzngs' nested dicts -> small frozen dataclasses.

The rest of archiver never sees musicbrainzngs' dict shapes (``*-list`` keys,
lengths as strings of milliseconds, artist credits as lists mixing dicts and
join phrases). Everything here is pure and tolerant: a missing element gives
None or an empty tuple, never a KeyError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Artist relationship types on a recording -> our credit roles.
RECORDING_ROLES: dict[str, str] = {
    "producer": "producer",
    "engineer": "engineer",
    "recording": "engineer",  # "recording engineer"
    "sound": "engineer",
    "audio": "engineer",
    "mix": "mixer",
    "mastering": "mastering",
    "instrument": "performer",
    "vocal": "performer",
    "performer": "performer",
    "performing orchestra": "performer",
    "conductor": "conductor",
    "arranger": "arranger",
    "remixer": "remixer",
}
# Artist relationship types on a work -> our credit roles.
WORK_ROLES: dict[str, str] = {
    "composer": "composer",
    "lyricist": "lyricist",
    "writer": "writer",
    "librettist": "lyricist",
    "arranger": "arranger",
}


@dataclass(frozen=True)
class Artist:
    mbid: str
    name: str
    sort_name: str | None = None
    disambiguation: str | None = None


@dataclass(frozen=True)
class Credit:
    role: str
    artist_name: str
    artist_mbid: str = ""
    attributes: tuple[str, ...] = ()
    work_mbid: str = ""
    work_title: str | None = None


@dataclass(frozen=True)
class ReleaseRef:
    """A release as it appears inside a recording or ISRC answer."""

    mbid: str
    title: str
    status: str | None = None
    date: str | None = None
    country: str | None = None
    track_count: int | None = None


@dataclass(frozen=True)
class Recording:
    mbid: str
    title: str
    artist_credit: str | None = None
    length: float | None = None  # seconds
    disambiguation: str | None = None
    isrcs: tuple[str, ...] = ()
    credits: tuple[Credit, ...] = ()
    artists: tuple[Artist, ...] = ()
    releases: tuple[ReleaseRef, ...] = ()
    score: int | None = None  # search relevance (ext:score), searches only


@dataclass(frozen=True)
class Track:
    mbid: str
    disc_number: int
    position: int
    number: str | None
    title: str | None
    artist_credit: str | None
    length: float | None  # seconds
    recording: Recording
    medium_format: str | None = None


@dataclass(frozen=True)
class Label:
    name: str | None
    mbid: str | None = None
    catalog_number: str | None = None


@dataclass(frozen=True)
class ReleaseGroup:
    mbid: str
    title: str | None = None
    primary_type: str | None = None
    first_release_date: str | None = None
    secondary_types: tuple[str, ...] = ()  # Live, Compilation, Remix, ...


@dataclass(frozen=True)
class Release:
    mbid: str
    title: str
    artist_credit: str | None = None
    date: str | None = None
    country: str | None = None
    status: str | None = None
    barcode: str | None = None
    release_group: ReleaseGroup | None = None
    labels: tuple[Label, ...] = ()
    tracks: tuple[Track, ...] = ()
    medium_count: int | None = None
    track_count: int | None = None
    artists: tuple[Artist, ...] = ()
    score: int | None = None  # search relevance (ext:score), searches only
    formats: tuple[str, ...] = field(default=())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _seconds(ms: Any) -> float | None:
    value = _int(ms)
    return value / 1000.0 if value is not None else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def credit_phrase(credit: Any) -> str | None:
    """An artist credit as MusicBrainz prints it ("A feat. B")."""
    if not isinstance(credit, list):
        return None
    parts = []
    for item in credit:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict):
            parts.append(item.get("name") or (item.get("artist") or {}).get("name", ""))
    return "".join(parts) or None


def credit_artists(credit: Any) -> tuple[Artist, ...]:
    if not isinstance(credit, list):
        return ()
    return tuple(
        artist
        for item in credit
        if isinstance(item, dict)
        for artist in [parse_artist(item.get("artist"))]
        if artist is not None
    )


def parse_artist(data: Any) -> Artist | None:
    if not isinstance(data, dict) or not data.get("id"):
        return None
    return Artist(
        mbid=data["id"],
        name=data.get("name") or "",
        sort_name=_text(data.get("sort-name")),
        disambiguation=_text(data.get("disambiguation")),
    )


def _attributes(relation: dict) -> tuple[str, ...]:
    attrs = relation.get("attributes")
    if isinstance(attrs, list) and attrs:
        return tuple(
            a.get("attribute") for a in attrs if isinstance(a, dict) and a.get("attribute")
        )
    plain = relation.get("attribute-list")
    return tuple(a for a in plain if isinstance(a, str)) if isinstance(plain, list) else ()


def _artist_credit_from_relation(relation: dict, role: str, **extra: Any) -> Credit | None:
    artist = parse_artist(relation.get("artist"))
    if artist is None:
        return None
    attributes = _attributes(relation)
    if role == "performer" and relation.get("type") == "vocal" and not attributes:
        attributes = ("vocals",)
    return Credit(
        role=role,
        artist_name=relation.get("target-credit") or artist.name,
        artist_mbid=artist.mbid,
        attributes=attributes,
        **extra,
    )


def recording_credits(recording: dict) -> tuple[Credit, ...]:
    """Producer, engineer, mixer, performers (recording relationships) and
    composer, lyricist (relationships of the works it performs)."""
    credits: list[Credit] = []
    for relation in recording.get("artist-relation-list") or []:
        role = RECORDING_ROLES.get(relation.get("type", ""))
        if role:
            credit = _artist_credit_from_relation(relation, role)
            if credit:
                credits.append(credit)
    for relation in recording.get("work-relation-list") or []:
        work = relation.get("work")
        if relation.get("type") != "performance" or not isinstance(work, dict):
            continue
        for work_relation in work.get("artist-relation-list") or []:
            role = WORK_ROLES.get(work_relation.get("type", ""))
            if role:
                credit = _artist_credit_from_relation(
                    work_relation,
                    role,
                    work_mbid=work.get("id") or "",
                    work_title=_text(work.get("title")),
                )
                if credit:
                    credits.append(credit)
    return tuple(dict.fromkeys(credits))  # keep order, drop duplicates


def parse_release_ref(data: dict) -> ReleaseRef:
    media = data.get("medium-list") or []
    counts = [_int(m.get("track-count")) for m in media if isinstance(m, dict)]
    total = _int(data.get("medium-track-count"))
    if total is None and counts and all(c is not None for c in counts):
        total = sum(c for c in counts if c is not None)
    return ReleaseRef(
        mbid=data.get("id") or "",
        title=data.get("title") or "",
        status=_text(data.get("status")),
        date=_text(data.get("date")),
        country=_text(data.get("country")),
        track_count=total,
    )


def parse_recording(data: dict) -> Recording:
    credit = data.get("artist-credit")
    return Recording(
        mbid=data.get("id") or "",
        title=data.get("title") or "",
        artist_credit=_text(data.get("artist-credit-phrase")) or credit_phrase(credit),
        length=_seconds(data.get("length")),
        disambiguation=_text(data.get("disambiguation")),
        isrcs=tuple(i for i in data.get("isrc-list") or [] if isinstance(i, str)),
        credits=recording_credits(data),
        artists=credit_artists(credit),
        releases=tuple(parse_release_ref(r) for r in data.get("release-list") or []),
        score=_int(data.get("ext:score")),
    )


def parse_release(data: dict) -> Release:
    """A release lookup (``message["release"]``) or one search result."""
    tracks: list[Track] = []
    media = data.get("medium-list") or []
    formats: list[str] = []
    counted = 0
    for index, medium in enumerate(media, start=1):
        disc = _int(medium.get("position")) or index
        fmt = _text(medium.get("format"))
        if fmt:
            formats.append(fmt)
        counted += _int(medium.get("track-count")) or 0
        for track in medium.get("track-list") or []:
            recording = parse_recording(track.get("recording") or {})
            position = _int(track.get("position")) or len(tracks) + 1
            tracks.append(
                Track(
                    mbid=track.get("id") or f"{data.get('id')}:{disc}:{position}",
                    disc_number=disc,
                    position=position,
                    number=_text(track.get("number")),
                    title=_text(track.get("title")) or recording.title,
                    artist_credit=_text(track.get("artist-credit-phrase"))
                    or recording.artist_credit,
                    length=_seconds(track.get("length")) or recording.length,
                    recording=recording,
                    medium_format=fmt,
                )
            )
    group = data.get("release-group")
    release_group = None
    if isinstance(group, dict) and group.get("id"):
        release_group = ReleaseGroup(
            mbid=group["id"],
            title=_text(group.get("title")),
            primary_type=_text(group.get("primary-type")) or _text(group.get("type")),
            first_release_date=_text(group.get("first-release-date")),
            secondary_types=tuple(
                t for t in group.get("secondary-type-list") or [] if isinstance(t, str) and t
            ),
        )
    labels = []
    for info in data.get("label-info-list") or []:
        label = info.get("label") if isinstance(info, dict) else None
        labels.append(
            Label(
                name=_text((label or {}).get("name")),
                mbid=_text((label or {}).get("id")),
                catalog_number=_text(info.get("catalog-number")),
            )
        )
    credit = data.get("artist-credit")
    track_count = _int(data.get("medium-track-count")) or len(tracks) or counted or None
    return Release(
        mbid=data.get("id") or "",
        title=data.get("title") or "",
        artist_credit=_text(data.get("artist-credit-phrase")) or credit_phrase(credit),
        date=_text(data.get("date")),
        country=_text(data.get("country")),
        status=_text(data.get("status")),
        barcode=_text(data.get("barcode")),
        release_group=release_group,
        labels=tuple(labels),
        tracks=tuple(tracks),
        medium_count=len(media) or None,
        track_count=track_count,
        artists=credit_artists(credit),
        score=_int(data.get("ext:score")),
        formats=tuple(formats),
    )


def release_from_lookup(message: dict) -> Release:
    return parse_release(message["release"])


def recording_from_lookup(message: dict) -> Recording:
    return parse_recording(message["recording"])


def releases_from_search(message: dict) -> list[Release]:
    return [parse_release(r) for r in message.get("release-list") or []]


def recordings_from_search(message: dict) -> list[Recording]:
    return [parse_recording(r) for r in message.get("recording-list") or []]


def recordings_from_isrc(message: dict) -> list[Recording]:
    isrc = message.get("isrc") or {}
    return [parse_recording(r) for r in isrc.get("recording-list") or []]
