"""Pure matching: albums from files, candidate distances, files-to-tracks assignment.

Like beets' ``autotag/distance.py``, every penalty is named, lies in [0, 1]
and has a weight, so a candidate's score (1 - weighted mean penalty) can be
explained: ``{"album": 0.0, "artist": 0.1, "tracks": 0.4, ...}``. Files are
assigned to tracks by the Hungarian algorithm (minimum total distance), not
greedily, with a "leave unassigned" option costing ``UNASSIGNED_COST`` so a
bonus track never steals a slot it does not fit.

Editions of one release group are told apart by the edition clues (barcode,
catalog number, dates, media, lengths, ...: more named penalties), then by the
user's :class:`Preferences`, which only order candidates the files fit equally
well (:func:`decide_edition`); see docs/enrich.md, "Editions".

No I/O here: everything takes and returns plain values.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from archiver.musicbrainz.parse import Label, Recording, Release, ReleaseGroup, ReleaseRef, Track

# Decision thresholds (scores are 0..1, higher is better).
MATCH_THRESHOLD = 0.80  # a full (tracklist) score must reach this to be accepted
SEARCH_THRESHOLD = 0.70  # a search result must reach this before we look it up
MARGIN = 0.05  # ...and be this far ahead of the next candidate
UNASSIGNED_COST = 0.6  # a file farther than this from every track stays unassigned

# Album-level penalty weights.
ALBUM_WEIGHTS: dict[str, float] = {
    "album": 3.0,  # album title text
    "artist": 3.0,  # album artist text
    "track_count": 2.0,  # release track count vs files
    "year": 0.5,  # tag year vs release date
    "tracks": 6.0,  # mean distance of the assigned files (full score only)
    "unassigned": 2.0,  # share of files left without a track (full score only)
    # Edition clues (edition_penalties): what tells one edition of an album from another.
    "date": 1.0,  # full tag date (month, day) vs release date
    "original_date": 1.0,  # originaldate tag year vs the release group's first release
    "barcode": 4.0,  # barcode tag vs release barcode
    "catalognumber": 2.0,  # catalognumber tag vs the release's catalog numbers
    "label": 1.0,  # label tag vs the release's labels
    "media": 1.0,  # media tag (or a 24-bit / >48 kHz file: not a CD) vs release formats
    "country": 1.0,  # releasecountry tag vs release country
    "status": 1.0,  # releasestatus tag vs release status
    "group_type": 1.0,  # a Live / Compilation / Remix group the tags do not ask for
    "discs": 1.0,  # disc count of the files vs the release's media
    "lengths": 2.0,  # fine track-length fit: remasters differ by seconds (full score only)
    "bonus": 1.0,  # share of the release's tracks no file fills (full score only)
}
UNKNOWN_CLUE = 0.5  # the files carry a clue the candidate has no data for
LENGTH_FINE_GRACE = 1.0  # seconds: rounding and encoder padding cost nothing
LENGTH_FINE_MAX = 10.0  # seconds off that cost the whole "lengths" clue
EDITION_EPSILON = 0.002  # two scores closer than this fit the files equally well
# Release-group secondary types that make a group not "the album" unless the tags say so.
SPECIAL_GROUP_TYPES = frozenset({"live", "compilation", "remix", "dj-mix", "demo"})
HIRES_BITS = 16  # more bits per sample than a CD holds
HIRES_RATE = 48000  # a higher sample rate than a CD (or DAT) holds
# Track-level penalty weights.
TRACK_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "length": 2.0,
    "position": 1.0,
}
# Loose-track (recording search) weights.
RECORDING_WEIGHTS: dict[str, float] = {"title": 3.0, "artist": 3.0, "length": 2.0}

LENGTH_GRACE = 2.0  # seconds of difference that cost nothing
LENGTH_MAX = 30.0  # seconds of difference that cost everything
VARIOUS = "Various Artists"


# -- text ---------------------------------------------------------------------

_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)


def normalize(text: str | None) -> str:
    """Case-, accent- and punctuation-insensitive form for comparisons."""
    if not text:
        return ""
    return _normalize(text)


@lru_cache(maxsize=65536)
def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = _PUNCT.sub(" ", text)
    return " ".join(text.split())


def similarity(a: str | None, b: str | None) -> float | None:
    """0..1 similarity of two texts; None when either is missing (no evidence)."""
    na, nb = normalize(a), normalize(b)
    if not na or not nb:
        return None
    if na == nb:
        return 1.0
    direct = SequenceMatcher(None, na, nb).ratio()
    tokens = SequenceMatcher(
        None, " ".join(sorted(na.split())), " ".join(sorted(nb.split()))
    ).ratio()
    return max(direct, tokens)


def length_penalty(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    diff = abs(a - b)
    if diff <= LENGTH_GRACE:
        return 0.0
    return min(1.0, (diff - LENGTH_GRACE) / (LENGTH_MAX - LENGTH_GRACE))


def _year(date: str | None) -> int | None:
    if date and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None


def _first(value: str | None) -> str | None:
    """First of a "; "-joined multi-value tag."""
    if not value:
        return None
    head = value.split(";")[0].strip()
    return head or None


# -- distance -----------------------------------------------------------------


@dataclass
class Distance:
    """Named penalties in [0, 1] with their weights; score = 1 - weighted mean."""

    weights: dict[str, float]
    penalties: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, penalty: float | None) -> None:
        if penalty is not None:
            self.penalties[name] = max(0.0, min(1.0, penalty))

    @property
    def distance(self) -> float:
        total = sum(self.weights[n] for n in self.penalties)
        if total == 0:
            return 1.0
        return sum(self.weights[n] * p for n, p in self.penalties.items()) / total

    @property
    def score(self) -> float:
        return 1.0 - self.distance

    def rounded(self) -> dict[str, float]:
        return {n: round(p, 3) for n, p in self.penalties.items()}


# -- files and albums ---------------------------------------------------------

# Raw tag keys (after dropping a "TXXX:" / "----:com.apple.iTunes:" / "APEv2:"
# prefix, lower-cased, without spaces, "_" and "/") that carry release hints, as
# Picard writes them in every tag family.
_RAW_HINTS: dict[str, str] = {
    "media": "media",
    "tmed": "media",
    "wmmedia": "media",
    "releasecountry": "country",
    "musicbrainzalbumreleasecountry": "country",
    "releasestatus": "status",
    "musicbrainzalbumstatus": "status",
    "releasetype": "type",
    "musicbrainzalbumtype": "type",
}


def raw_release_hints(raw: str | dict | None) -> dict[str, str]:
    """media / country / status / type from ``tags.raw`` (JSON), whatever the tag family."""
    if not raw:
        return {}
    if isinstance(raw, str):
        lowered = raw.lower()
        if not any(w in lowered for w in ("media", "tmed", "country", "status", "type")):
            return {}  # most files: skip the JSON parse
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    hints: dict[str, str] = {}
    for key, values in raw.items():
        name = str(key).rsplit(":", 1)[-1].lower()
        for ch in " _/":
            name = name.replace(ch, "")
        kind = _RAW_HINTS.get(name)
        if kind is None or kind in hints:
            continue
        texts = [
            v for v in (values if isinstance(values, list) else [values]) if isinstance(v, str)
        ]
        text = "; ".join(t.strip() for t in texts if t.strip())
        if text:
            hints[kind] = text
    return hints


@dataclass(frozen=True)
class FileInfo:
    """What matching needs to know about one file (from its tags)."""

    file_id: int
    path: str
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    albumartist: str | None = None
    tracknumber: int | None = None
    discnumber: int | None = None
    totaltracks: int | None = None
    duration: float | None = None
    date: str | None = None
    release_id: str | None = None
    recording_id: str | None = None
    track_id: str | None = None
    isrc: str | None = None
    # Edition clues from the tags and the audio stream.
    originaldate: str | None = None
    label: str | None = None
    catalognumber: str | None = None
    barcode: str | None = None
    totaldiscs: int | None = None
    compilation: int | None = None
    releasegroup_id: str | None = None
    media: str | None = None  # raw tags only: MEDIA / TMED
    releasecountry: str | None = None
    releasestatus: str | None = None
    releasetype: str | None = None
    bits_per_sample: int | None = None
    sample_rate: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FileInfo:
        hints = raw_release_hints(row.get("raw"))
        return cls(
            file_id=row["file_id"],
            path=row["path"],
            title=row.get("title"),
            artist=row.get("artist"),
            album=row.get("album"),
            albumartist=row.get("albumartist"),
            tracknumber=row.get("tracknumber"),
            discnumber=row.get("discnumber"),
            totaltracks=row.get("totaltracks"),
            duration=row.get("duration"),
            date=row.get("date"),
            release_id=_first(row.get("musicbrainz_albumid")),
            recording_id=_first(row.get("musicbrainz_recordingid")),
            track_id=_first(row.get("musicbrainz_trackid")),
            isrc=_first(row.get("isrc")),
            originaldate=row.get("originaldate"),
            label=_first(row.get("label")),
            catalognumber=_first(row.get("catalognumber")),
            barcode=_first(row.get("barcode")),
            totaldiscs=row.get("totaldiscs"),
            compilation=row.get("compilation"),
            releasegroup_id=_first(row.get("musicbrainz_releasegroupid")),
            media=hints.get("media"),
            releasecountry=hints.get("country"),
            releasestatus=hints.get("status"),
            releasetype=hints.get("type"),
            bits_per_sample=row.get("bits_per_sample"),
            sample_rate=row.get("sample_rate"),
        )

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path)


@dataclass
class Album:
    """Files grouped for matching: album artist + album + folder, or one loose track."""

    key: str
    albumartist: str | None
    album: str | None
    folder: str
    files: list[FileInfo]
    loose: bool = False

    @property
    def year(self) -> int | None:
        years = Counter(y for f in self.files if (y := _year(f.date)) is not None)
        return years.most_common(1)[0][0] if years else None

    def common(self, attr: str) -> str | None:
        """The most frequent non-empty value of a FileInfo field."""
        values = Counter(v for f in self.files if (v := getattr(f, attr)))
        return values.most_common(1)[0][0] if values else None

    def expected_track_count(self) -> int:
        """What the release should have: tagged totals on single-disc albums, else file count."""
        discs = {f.discnumber or 1 for f in self.files}
        totals = Counter(f.totaltracks for f in self.files if f.totaltracks)
        if len(discs) == 1 and totals:
            return max(totals.most_common(1)[0][0], len(self.files))
        return len(self.files)


def group_albums(files: Iterable[FileInfo]) -> list[Album]:
    """Cluster files like Picard: (album artist, album, folder); files without an
    album tag are loose tracks, each its own group. Without album artist tags,
    all files of an album in one folder stay together (compilations). Albums by
    folder and album, then the loose tracks by path."""
    albums, loose = album_groups(files)
    loose.sort(key=lambda a: a.key)
    return albums + loose


def album_key(f: FileInfo) -> tuple[str, str, str] | None:
    """The album a file is grouped into; None for a loose track (pure)."""
    album = normalize(f.album)
    return (normalize(f.albumartist), album, f.folder) if album else None


def album_groups(files: Iterable[FileInfo]) -> tuple[list[Album], list[Album]]:
    """(albums by folder and album, loose tracks in the order met) of ``files``: the
    work of :func:`group_albums`, also done a folder at a time (``enrich``)."""
    groups: dict[tuple[str, str, str], list[FileInfo]] = {}
    loose: list[Album] = []
    for f in files:
        key = album_key(f)
        if key is None:
            loose.append(
                Album(
                    key="track:" + f.path,
                    albumartist=f.artist,
                    album=None,
                    folder=f.folder,
                    files=[f],
                    loose=True,
                )
            )
            continue
        groups.setdefault(key, []).append(f)
    albums = []
    for (artist_norm, album_norm, folder), members in groups.items():
        members.sort(key=lambda f: (f.discnumber or 1, f.tracknumber or 0, f.path))
        albumartist = Counter(f.albumartist for f in members if f.albumartist).most_common(1)
        if albumartist:
            artist = albumartist[0][0]
        else:
            artists = Counter(f.artist for f in members if f.artist)
            top = artists.most_common(1)
            artist = (
                top[0][0] if top and top[0][1] * 2 > len(members) else (VARIOUS if top else None)
            )
        album = Counter(f.album for f in members if f.album).most_common(1)[0][0]
        key = "album:" + json.dumps([artist_norm, album_norm, folder], ensure_ascii=False)
        albums.append(Album(key=key, albumartist=artist, album=album, folder=folder, files=members))
    albums.sort(key=lambda a: (a.folder, normalize(a.album)))
    return albums, loose


# -- assignment ---------------------------------------------------------------


def hungarian(cost: Sequence[Sequence[float]]) -> list[int]:
    """Minimum-cost assignment for an n x m matrix with n <= m: the column for
    each row. O(n^2 m) shortest augmenting paths with potentials."""
    n = len(cost)
    if n == 0:
        return []
    m = len(cost[0])
    if n > m:
        raise ValueError("hungarian() needs rows <= columns")
    inf = math.inf
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)  # p[j]: row assigned to column j (1-based, 0 = none)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            row = cost[i0 - 1]
            ui0 = u[i0]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - ui0 - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    result = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            result[p[j] - 1] = j - 1
    return result


def track_distance(f: FileInfo, t: Track) -> Distance:
    d = Distance(TRACK_WEIGHTS)
    sim = similarity(f.title, t.title)
    d.add("title", None if sim is None else 1.0 - sim)
    d.add("length", length_penalty(f.duration, t.length))
    if f.tracknumber is not None:
        same_disc = f.discnumber is None or f.discnumber == t.disc_number
        d.add("position", 0.0 if same_disc and f.tracknumber == t.position else 1.0)
    if not d.penalties:
        d.add("title", 0.5)
    return d


@dataclass
class Assignment:
    """Files to tracks: file_id -> (track, distance) for assigned files."""

    pairs: dict[int, tuple[Track, float]]
    unassigned: list[int]

    @property
    def mean_distance(self) -> float:
        if not self.pairs:
            return 1.0
        return sum(dist for _, dist in self.pairs.values()) / len(self.pairs)


def _exact_positional(
    files: Sequence[FileInfo], tracks: Sequence[Track]
) -> list[tuple[FileInfo, Track]] | None:
    """Pairs by (disc, track number) when every one of them is a perfect fit, else None."""
    if not files:
        return None
    slots = {(t.disc_number, t.position): t for t in tracks}
    pairs, used = [], set()
    for f in files:
        track = slots.get((f.discnumber or 1, f.tracknumber)) if f.tracknumber is not None else None
        if track is None or track.mbid in used or track_distance(f, track).distance != 0.0:
            return None
        used.add(track.mbid)
        pairs.append((f, track))
    return pairs


def assign(
    files: Sequence[FileInfo], tracks: Sequence[Track], unassigned_cost: float = UNASSIGNED_COST
) -> Assignment:
    """Tracks for files: tagged track ids, then recording ids fix pairs; the
    rest is an assignment problem over track distances, where leaving a file
    unassigned costs ``unassigned_cost`` (above 1: every file gets a track while
    there are tracks left, as ``archiver match --force`` wants)."""
    pairs: dict[int, tuple[Track, float]] = {}
    taken: set[str] = set()
    by_track = {t.mbid: t for t in tracks}
    by_recording: dict[str, list[Track]] = {}
    for t in tracks:
        by_recording.setdefault(t.recording.mbid, []).append(t)
    rest: list[FileInfo] = []
    for f in files:
        fixed = by_track.get(f.track_id) if f.track_id else None
        if fixed is None and f.recording_id and len(by_recording.get(f.recording_id, [])) == 1:
            fixed = by_recording[f.recording_id][0]
        if fixed is not None and fixed.mbid not in taken:
            taken.add(fixed.mbid)
            pairs[f.file_id] = (fixed, track_distance(f, fixed).distance)
        else:
            rest.append(f)
    free = [t for t in tracks if t.mbid not in taken]
    unassigned: list[int] = []
    exact = _exact_positional(rest, free)
    if exact is not None:
        # Every file sits at its tagged position with distance 0: since no
        # cost is negative, this is an optimal assignment; skip the O(n^3) work.
        pairs.update((f.file_id, (t, 0.0)) for f, t in exact)
        rest = []
    if rest:
        # Columns: the free tracks, then one "unassigned" column per file.
        distances = [[track_distance(f, t).distance for t in free] for f in rest]
        matrix = [row + [unassigned_cost] * len(rest) for row in distances]
        for i, column in enumerate(hungarian(matrix)):
            f = rest[i]
            if column < len(free) and distances[i][column] < unassigned_cost:
                pairs[f.file_id] = (free[column], distances[i][column])
            else:
                unassigned.append(f.file_id)
    return Assignment(pairs=pairs, unassigned=unassigned)


# -- candidates ---------------------------------------------------------------


def _album_penalties(
    album: Album, title: str, artist: str | None, track_count: int | None, date: str | None
) -> Distance:
    d = Distance(ALBUM_WEIGHTS)
    sim = similarity(album.album, title)
    d.add("album", None if sim is None else 1.0 - sim)
    sim = similarity(album.albumartist, artist)
    d.add("artist", None if sim is None else 1.0 - sim)
    if track_count:
        expected = album.expected_track_count()
        d.add("track_count", min(1.0, abs(track_count - expected) / max(expected, 1) * 2))
    ours, theirs = album.year, _year(date)
    if ours is not None and theirs is not None:
        d.add("year", 0.0 if ours == theirs else 1.0)
    return d


def search_distance(album: Album, candidate: Release) -> Distance:
    """Stage 1: what a search result alone tells (no tracklist yet)."""
    d = _album_penalties(
        album, candidate.title, candidate.artist_credit, candidate.track_count, candidate.date
    )
    edition_penalties(album, candidate, d)
    return d


def release_distance(album: Album, release: Release) -> tuple[Distance, Assignment]:
    """Stage 2: the full score of a looked-up release, with the track alignment."""
    d = _album_penalties(
        album,
        release.title,
        release.artist_credit,
        release.track_count or len(release.tracks),
        release.date,
    )
    assignment = assign(album.files, release.tracks)
    if release.tracks:
        assigned = len(assignment.pairs)
        # Unassigned files count as fully distant in the tracks penalty.
        total = sum(dist for _, dist in assignment.pairs.values()) + (len(album.files) - assigned)
        d.add("tracks", total / max(len(album.files), 1))
        d.add("unassigned", len(assignment.unassigned) / max(len(album.files), 1))
        d.add("lengths", lengths_penalty(album, assignment))
        d.add("bonus", bonus_penalty(release, assignment))
    else:
        d.add("tracks", 1.0)
    edition_penalties(album, release, d)
    return d, assignment


# -- edition clues --------------------------------------------------------------
#
# Each returns a penalty in [0, 1], or None when the files carry no such clue
# (no evidence either way). A clue the files carry but the candidate has no data
# for costs UNKNOWN_CLUE: the edition that shows the tagged barcode beats one
# that shows none.


def _digits(text: str | None) -> str:
    """A barcode as digits without leading zeros (UPC-A 12 == EAN-13 with a 0)."""
    return "".join(c for c in text or "" if c.isdigit()).lstrip("0")


def _compact(text: str | None) -> str:
    """A catalog number without case, spaces and punctuation ("CAT-12 x" == "cat12x")."""
    return "".join(c for c in normalize(text) if c.isalnum())


def barcode_penalty(tag: str | None, barcode: str | None) -> float | None:
    ours = _digits(tag)
    if not ours:
        return None
    theirs = _digits(barcode)
    if not theirs:
        return UNKNOWN_CLUE
    return 0.0 if ours == theirs else 1.0


def catalognumber_penalty(tag: str | None, labels: Sequence[Label]) -> float | None:
    ours = _compact(tag)
    if not ours:
        return None
    theirs = {_compact(label.catalog_number) for label in labels} - {""}
    if not theirs:
        return UNKNOWN_CLUE
    return 0.0 if ours in theirs else 1.0


def label_penalty(tag: str | None, labels: Sequence[Label]) -> float | None:
    if not normalize(tag):
        return None
    sims = [s for label in labels if (s := similarity(tag, label.name)) is not None]
    if not sims:
        return UNKNOWN_CLUE
    return 1.0 - max(sims)


def date_penalty(tag: str | None, date: str | None) -> float | None:
    """A tag date with month (and day) against the release date; a bare year is
    the "year" penalty's job."""
    if not tag or len(tag) < 7 or _year(tag) is None:
        return None
    if not date:
        return UNKNOWN_CLUE
    if date == tag or (len(date) > len(tag) and date.startswith(tag)):
        return 0.0
    if len(date) < len(tag) and tag.startswith(date):
        return UNKNOWN_CLUE / 2  # the release knows only the year (or month)
    return 0.5 if _year(date) == _year(tag) else 1.0


def original_date_penalty(tag: str | None, first_release: str | None) -> float | None:
    ours = _year(tag)
    if ours is None:
        return None
    theirs = _year(first_release)
    if theirs is None:
        return UNKNOWN_CLUE
    return 0.0 if ours == theirs else 1.0


def _media_kind(text: str | None) -> str:
    """A MusicBrainz format or a media tag as a comparable word: ``12" Vinyl`` -> vinyl."""
    words = normalize(text)
    for kind in ("vinyl", "cassette", "digital", "sacd", "dvd", "blu ray", "cd"):
        if kind in words:
            return kind
    return words


def media_penalty(
    tag: str | None, bits: int | None, rate: int | None, formats: Sequence[str]
) -> float | None:
    """The media tag against the release formats; without one, a hi-res file
    (over 16 bit or 48 kHz) cannot come from a CD."""
    theirs = {_media_kind(f) for f in formats} - {""}
    if normalize(tag):
        if not theirs:
            return UNKNOWN_CLUE
        return 0.0 if _media_kind(tag) in theirs else 1.0
    if (bits or 0) > HIRES_BITS or (rate or 0) > HIRES_RATE:
        if not theirs:
            return None
        return 1.0 if theirs <= {"cd"} else 0.0
    return None


def _same_word(tag: str | None, value: str | None) -> float | None:
    if not normalize(tag):
        return None
    if not normalize(value):
        return UNKNOWN_CLUE
    return 0.0 if normalize(tag) == normalize(value) else 1.0


def group_types(group: ReleaseGroup | None) -> set[str]:
    """A release group's primary and secondary types, lower case."""
    if group is None:
        return set()
    types = {t.casefold() for t in group.secondary_types}
    if group.primary_type:
        types.add(group.primary_type.casefold())
    return types


def group_type_penalty(
    releasetype: str | None, compilation: int | None, group: ReleaseGroup | None
) -> float | None:
    """A Live / Compilation / Remix group is not the studio album unless the
    tags say so; tags that name a type must find it."""
    if group is None:
        return None
    theirs = group_types(group)
    special = theirs & SPECIAL_GROUP_TYPES
    ours = {t.strip().casefold() for t in re.split(r"[;,/]", releasetype or "") if t.strip()}
    if compilation:
        ours.add("compilation")
    if not ours:
        return 1.0 if special else 0.0
    if not theirs:
        return None
    return 0.0 if special <= ours and (ours & SPECIAL_GROUP_TYPES) <= theirs else 1.0


def disc_count(album: Album) -> int | None:
    totals = Counter(f.totaldiscs for f in album.files if f.totaldiscs)
    if totals:
        return totals.most_common(1)[0][0]
    discs = {f.discnumber for f in album.files if f.discnumber}
    return max(discs) if discs and max(discs) > 1 else None


def lengths_penalty(album: Album, assignment: Assignment) -> float | None:
    """Mean fine length difference of the assigned files: a remaster a few
    seconds longer per track fits worse than the edition the files came from."""
    by_id = {f.file_id: f for f in album.files}
    diffs = [
        abs(f.duration - track.length)
        for file_id, (track, _) in assignment.pairs.items()
        if (f := by_id.get(file_id)) is not None
        and f.duration is not None
        and track.length is not None
    ]
    if not diffs:
        return None
    return sum(
        min(1.0, max(0.0, d - LENGTH_FINE_GRACE) / (LENGTH_FINE_MAX - LENGTH_FINE_GRACE))
        for d in diffs
    ) / len(diffs)


def bonus_penalty(release: Release, assignment: Assignment) -> float | None:
    """Share of the release's tracks that no file fills (a deluxe's bonus tracks)."""
    if not release.tracks:
        return None
    return (len(release.tracks) - len(assignment.pairs)) / len(release.tracks)


def edition_penalties(album: Album, release: Release, d: Distance) -> None:
    """Add every edition clue the files carry to ``d``."""
    d.add("date", date_penalty(album.common("date"), release.date))
    group = release.release_group
    d.add(
        "original_date",
        original_date_penalty(
            album.common("originaldate"), group.first_release_date if group else None
        ),
    )
    d.add("barcode", barcode_penalty(album.common("barcode"), release.barcode))
    d.add("catalognumber", catalognumber_penalty(album.common("catalognumber"), release.labels))
    d.add("label", label_penalty(album.common("label"), release.labels))
    bits = max((f.bits_per_sample or 0 for f in album.files), default=0)
    rate = max((f.sample_rate or 0 for f in album.files), default=0)
    d.add("media", media_penalty(album.common("media"), bits, rate, release.formats))
    d.add("country", _same_word(album.common("releasecountry"), release.country))
    d.add("status", _same_word(album.common("releasestatus"), release.status))
    compilation = Counter(f.compilation for f in album.files if f.compilation is not None)
    d.add(
        "group_type",
        group_type_penalty(
            album.common("releasetype"),
            compilation.most_common(1)[0][0] if compilation else None,
            group,
        ),
    )
    ours = disc_count(album)
    if ours is not None and release.medium_count:
        d.add("discs", 0.0 if ours == release.medium_count else 1.0)


# -- preferences ------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    """The user's preferred editions (config ``[match]`` or ``enrich --prefer-*``).

    They only order candidates the files fit equally well (EDITION_EPSILON);
    they never beat a clue. Ranks compare in this order: status, type,
    country, format, then the earliest date when ``original`` is set."""

    countries: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("Official",)
    original: bool = False


def _rank(preferred: Sequence[str], values: Iterable[str], word=normalize) -> int:
    """Index of the first preferred value the candidate has; len(preferred) when none."""
    have = {word(v) for v in values if v}
    for i, p in enumerate(preferred):
        if word(p) in have:
            return i
    return len(preferred)


def _effective_type(release: Release) -> str | None:
    """A group's type as a user names it: its first secondary type, else its primary."""
    group = release.release_group
    if group is None:
        return None
    return group.secondary_types[0] if group.secondary_types else group.primary_type


def preference_key(release: Release, prefs: Preferences) -> tuple:
    """Smaller is preferred; each part named as in PREFERENCE_PARTS."""
    date = release.date or ""
    return (
        _rank(prefs.statuses, [release.status or ""]),
        _rank(prefs.types, [_effective_type(release) or ""]),
        _rank(prefs.countries, [release.country or ""], lambda c: c.strip().upper()),
        _rank(prefs.formats, release.formats, _media_kind),
        (date or "9999") if prefs.original else "",
    )


PREFERENCE_PARTS = ("status", "type", "country", "format", "original")


def _preference_value(release: Release, part: str) -> str:
    if part == "status":
        return release.status or "?"
    if part == "type":
        return _effective_type(release) or "?"
    if part == "country":
        return release.country or "?"
    if part == "format":
        return "+".join(dict.fromkeys(release.formats)) or "?"
    return release.date or "?"


def preference_reason(winner: Release, runner_up: Release, prefs: Preferences) -> str:
    """``preference: country GB``: the first preference that put the winner first."""
    ours, theirs = preference_key(winner, prefs), preference_key(runner_up, prefs)
    for part, a, b in zip(PREFERENCE_PARTS, ours, theirs, strict=True):
        if a != b:
            return f"preference: {part} {_preference_value(winner, part)}"
    return "preference"


def clue_reason(winner: Distance, runner_up: Distance) -> str:
    """``clue: barcode``: the penalty that most separates the winner from the next."""
    names = set(winner.penalties) | set(runner_up.penalties)

    def gain(name: str) -> float:
        w = winner.weights.get(name, 0.0)
        return w * (runner_up.penalties.get(name, 0.0) - winner.penalties.get(name, 0.0))

    best = max(sorted(names), key=gain, default=None)
    return f"clue: {best}" if best is not None and gain(best) > 0 else "clue"


@dataclass(frozen=True)
class EditionDecision:
    """``matched`` (best, with reason), ``open`` (editions the files fit equally
    well), ``ambiguous`` or ``unmatched``. ``close``: the candidates within the
    margin of the best, preferred first among equals."""

    status: str
    best: int | None = None
    reason: str | None = None
    close: tuple[int, ...] = ()


def same_group(releases: Sequence[Release]) -> bool:
    """All are editions of one release group (known on every one)."""
    groups = {r.release_group.mbid if r.release_group else None for r in releases}
    return len(groups) == 1 and None not in groups


def decide_edition(
    releases: Sequence[Release],
    distances: Sequence[Distance],
    prefs: Preferences,
    threshold: float,
    margin: float = MARGIN,
) -> EditionDecision:
    """Like :func:`decide`, and among close editions of one release group: the
    best by a clue (EDITION_EPSILON ahead), else the unique best by preference,
    else ``open``. Close candidates from different groups stay ``ambiguous``."""
    scores = [d.score for d in distances]
    plain = decide(scores, threshold, margin)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    if plain.status == "matched" and plain.best is not None and len(order) > 1:
        # Clearly ahead; name the clue when the runner-up is another edition.
        runner = order[1]
        pair = [releases[plain.best], releases[runner]]
        reason = clue_reason(distances[plain.best], distances[runner]) if same_group(pair) else None
        return EditionDecision("matched", plain.best, reason)
    if plain.status != "ambiguous":
        return EditionDecision(plain.status, plain.best, None)
    top = scores[order[0]]
    close = [i for i in order if top - scores[i] < margin]
    if not same_group([releases[i] for i in close]):
        return EditionDecision("ambiguous", None, None, tuple(close))
    if top - scores[close[1]] >= EDITION_EPSILON:
        best = close[0]
        reason = clue_reason(distances[best], distances[close[1]])
        return EditionDecision("matched", best, reason, tuple(close))
    ties = [i for i in close if top - scores[i] < EDITION_EPSILON]
    ranked = sorted(ties, key=lambda i: (preference_key(releases[i], prefs), releases[i].mbid))
    keys = [preference_key(releases[i], prefs) for i in ranked]
    if len(keys) > 1 and keys[0] < keys[1]:
        best = ranked[0]
        reason = preference_reason(releases[best], releases[ranked[1]], prefs)
        rest = [i for i in close if i not in ties]
        return EditionDecision("matched", best, reason, tuple(ranked + rest))
    rest = [i for i in close if i not in ties]
    return EditionDecision("open", None, None, tuple(ranked + rest))


def edition_rival(releases: Sequence[Release], distances: Sequence[Distance]) -> bool:
    """The best candidate and the runner-up are editions of one release group
    (then the edition rules decide and name their reason)."""
    if len(releases) < 2:
        return False
    order = sorted(range(len(distances)), key=lambda i: -distances[i].score)
    return same_group([releases[order[0]], releases[order[1]]])


def lookup_order(releases: Sequence[Release], indices: Sequence[int]) -> list[int]:
    """The close editions to look up first: one per release year (a remaster's
    tracklist is the one most likely to differ in lengths), then the rest; the
    given (preference) order within each."""
    seen: set[int | None] = set()
    first, rest = [], []
    for i in indices:
        year = _year(releases[i].date)
        (rest if year in seen else first).append(i)
        seen.add(year)
    return first + rest


def same_recordings(assignments: Sequence[Assignment]) -> dict[int, Track] | None:
    """file id -> track (of the first assignment) when every assignment puts each
    file on the same recording and assigns the same files; else None."""
    if not assignments:
        return None
    first = assignments[0]
    if not first.pairs:
        return None
    wanted = {fid: t.recording.mbid for fid, (t, _) in first.pairs.items()}
    for other in assignments[1:]:
        if {fid: t.recording.mbid for fid, (t, _) in other.pairs.items()} != wanted:
            return None
    return {fid: t for fid, (t, _) in first.pairs.items()}


def recording_distance(f: FileInfo, rec: Recording) -> Distance:
    d = Distance(RECORDING_WEIGHTS)
    sim = similarity(f.title, rec.title)
    d.add("title", None if sim is None else 1.0 - sim)
    sim = similarity(f.artist, rec.artist_credit)
    d.add("artist", None if sim is None else 1.0 - sim)
    d.add("length", length_penalty(f.duration, rec.length))
    return d


def release_ref_score(album: Album, ref: ReleaseRef) -> float:
    """How well a release named in a recording/ISRC answer fits the album."""
    d = Distance({"album": 3.0, "track_count": 2.0, "status": 0.5})
    sim = similarity(album.album, ref.title)
    d.add("album", None if sim is None else 1.0 - sim)
    if ref.track_count:
        expected = album.expected_track_count()
        d.add("track_count", min(1.0, abs(ref.track_count - expected) / max(expected, 1) * 2))
    d.add("status", 0.0 if (ref.status or "").lower() == "official" else 1.0)
    return d.score


@dataclass(frozen=True)
class Decision:
    status: str  # matched, ambiguous, unmatched
    best: int | None  # index into the scored list


def decide(scores: Sequence[float], threshold: float, margin: float = MARGIN) -> Decision:
    """Take the best only when it is good enough and clearly ahead of the next."""
    if not scores:
        return Decision("unmatched", None)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    best = order[0]
    if scores[best] < threshold:
        return Decision("unmatched", None)
    if len(order) > 1 and scores[best] - scores[order[1]] < margin:
        return Decision("ambiguous", None)
    return Decision("matched", best)


# -- queries ------------------------------------------------------------------

_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def lucene_phrase(text: str) -> str:
    """A quoted Lucene phrase with every special character escaped."""
    return '"' + _LUCENE_SPECIAL.sub(r"\\\1", " ".join(text.split())) + '"'


def release_query(album: Album) -> str:
    parts = [f"release:{lucene_phrase(album.album or '')}"]
    if album.albumartist and album.albumartist != VARIOUS:
        parts.append(f"artist:{lucene_phrase(album.albumartist)}")
    parts.append(f"tracks:{album.expected_track_count()}")
    return " AND ".join(parts)


def recording_query(f: FileInfo, slack_ms: int = 3000) -> str:
    parts = [f"recording:{lucene_phrase(f.title or '')}"]
    if f.artist:
        parts.append(f"artist:{lucene_phrase(f.artist)}")
    if f.duration:
        ms = int(round(f.duration * 1000))
        parts.append(f"dur:[{max(0, ms - slack_ms)} TO {ms + slack_ms}]")
    return " AND ".join(parts)


def edition_preferences(
    config: Any,  # archiver.config.MatchConfig (None fields: not set)
    *,
    prefer_country: tuple[str, ...] | None = None,
    prefer_format: tuple[str, ...] | None = None,
    prefer_type: tuple[str, ...] | None = None,
    prefer_status: tuple[str, ...] | None = None,
    prefer_original: bool | None = None,
) -> Preferences:
    """Option > config file > default, setting by setting."""
    default = Preferences()

    def pick(option, configured, fallback):
        return option if option is not None else configured if configured is not None else fallback

    return Preferences(
        countries=pick(prefer_country, config.preferred_countries, default.countries),
        formats=pick(prefer_format, config.preferred_formats, default.formats),
        types=pick(prefer_type, config.preferred_types, default.types),
        statuses=pick(prefer_status, config.preferred_statuses, default.statuses),
        original=pick(prefer_original, config.prefer_original, default.original),
    )
