"""Pure matching: albums from files, candidate distances, files-to-tracks assignment.

Like beets' ``autotag/distance.py``, every penalty is named, lies in [0, 1]
and has a weight, so a candidate's score (1 - weighted mean penalty) can be
explained: ``{"album": 0.0, "artist": 0.1, "tracks": 0.4, ...}``. Files are
assigned to tracks by the Hungarian algorithm (minimum total distance), not
greedily, with a "leave unassigned" option costing ``UNASSIGNED_COST`` so a
bonus track never steals a slot it does not fit.

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

from archiver.musicbrainz.parse import Recording, Release, ReleaseRef, Track

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
}
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

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FileInfo:
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
    all files of an album in one folder stay together (compilations)."""
    groups: dict[tuple[str, str, str], list[FileInfo]] = {}
    loose: list[Album] = []
    for f in files:
        if not normalize(f.album):
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
        groups.setdefault((normalize(f.albumartist), normalize(f.album), f.folder), []).append(f)
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
    loose.sort(key=lambda a: a.key)
    return albums + loose


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
    return _album_penalties(
        album, candidate.title, candidate.artist_credit, candidate.track_count, candidate.date
    )


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
    else:
        d.add("tracks", 1.0)
    return d, assignment


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
