"""The user's decisions on matches: pick a release, a candidate, a recording, "not
on MusicBrainz", or hand an album back to automatic matching (docs/review.md).

Used by ``archiver match`` and the TUI. Lookups go through the same cached,
throttled :class:`Client` with the same includes as enrich, so a release enrich
already looked up costs no request. The network is done before the catalog is
written; each decision is then one transaction: the release's data, the album's
and its files' matches (``source = 'user'``) and a ``match_decisions`` row with
the state it replaced. Any failure leaves the previous decision untouched.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from archiver.catalog import musicbrainz as mbdb
from archiver.catalog import review as rdb
from archiver.catalog.db import Catalog, utc_now
from archiver.errors import ArchiverError, UsageError
from archiver.musicbrainz import match as m
from archiver.musicbrainz.client import RECORDING_INCLUDES, RELEASE_INCLUDES, Client
from archiver.musicbrainz.parse import Release, recording_from_lookup, release_from_lookup

MBID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_LISTED = 10  # albums or files named when a query selects too many


class DoesNotFit(ArchiverError):
    """The release's tracks cannot hold the album's files (``--force`` overrides)."""


# -- ids ----------------------------------------------------------------------


def parse_mbid(text: str, entity: str, server: str | None = None) -> str:
    """A MusicBrainz id, or a ``https://musicbrainz.org/<entity>/<id>`` URL (also of
    ``server``), -> the id in lower case; anything else is a UsageError (pure)."""
    value = text.strip()
    if MBID.fullmatch(value.lower()):
        return value.lower()
    parts = urllib.parse.urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        host = parts.hostname.lower()
        own = urllib.parse.urlsplit(server).hostname if server else None
        segments = [s for s in parts.path.split("/") if s]
        if (
            (host == "musicbrainz.org" or host.endswith(".musicbrainz.org") or host == own)
            and len(segments) >= 2
            and segments[0] == entity
            and MBID.fullmatch(segments[1].lower())
        ):
            return segments[1].lower()
        raise UsageError(
            f"not a MusicBrainz {entity} URL: {value!r} "
            f"(e.g. https://musicbrainz.org/{entity}/<id>)"
        )
    raise UsageError(
        f"not a MusicBrainz {entity} id or URL: {value!r} "
        "(an id looks like 0383dadf-2a4e-4d10-a46a-e9e041da8eb3)"
    )


# -- what is being decided --------------------------------------------------------


@dataclass
class Target:
    """One album as stored for matching (or as grouped now, if never enriched)."""

    album: m.Album
    stored: dict[str, Any] | None  # its album_matches row with ``number`` and candidates

    @property
    def key(self) -> str:
        return self.album.key

    def label(self, number: int | None = None) -> str:
        n = number if number is not None else (self.stored or {}).get("number")
        name = " – ".join(x for x in (self.album.albumartist, self.album.album) if x)
        name = name or (self.album.files[0].title if self.album.files else None) or "?"
        return f"{rdb.key_text(n)} {name}" if n else name


def _file_infos(catalog: Catalog, where: str, params: Any) -> list[m.FileInfo]:
    return [m.FileInfo.from_row(r) for r in mbdb.files_to_enrich(catalog.conn, where, params)]


def stored_album(catalog: Catalog, album_key: str) -> Target:
    """The album stored under ``album_key`` with its files (the TUI's target)."""
    row = rdb.album_row(catalog.conn, album_key)
    files = _file_infos(
        catalog, "f.id IN (SELECT file_id FROM matches WHERE album_key = ?)", (album_key,)
    )
    files.sort(key=lambda f: (f.discnumber or 1, f.tracknumber or 0, f.path))
    folder = (row or {}).get("folder") or (files[0].folder if files else "")
    album = m.Album(
        key=album_key,
        albumartist=(row or {}).get("albumartist"),
        album=(row or {}).get("album"),
        folder=folder,
        files=files,
        loose=album_key.startswith("track:"),
    )
    return Target(album, row)


def select_album(catalog: Catalog, ref: str | None, where: str | None, params: Any) -> Target:
    """The album an ``@N`` key names, or the one album whose files a query selects.

    A query selecting files of several albums is a UsageError naming them."""
    if ref is not None:
        return stored_album(catalog, rdb.album_key_for(catalog.conn, ref))
    files = _file_infos(catalog, where or "1", params)
    if not files:
        raise UsageError("the query selects no files")
    stored = rdb.stored_album_keys(catalog.conn, [f.file_id for f in files])
    groups = {a.key: a for a in m.group_albums(files)}
    keys: dict[str, m.Album | None] = {}
    for album in groups.values():
        for f in album.files:
            key = stored.get(f.file_id)
            if key is not None and rdb.album_row(catalog.conn, key) is not None:
                keys.setdefault(key, None)
            else:
                keys.setdefault(album.key, album)
    if len(keys) > 1:
        names = []
        for key, album in list(keys.items())[:MAX_LISTED]:
            target = stored_album(catalog, key) if album is None else Target(album, None)
            names.append(f"  {target.label()} ({target.album.folder})")
        more = f"\n  ... and {len(keys) - MAX_LISTED} more" if len(keys) > MAX_LISTED else ""
        raise UsageError(
            f"the query selects files of {len(keys)} albums; give one album's key or a "
            "narrower query:\n" + "\n".join(names) + more
        )
    key, album = next(iter(keys.items()))
    if album is None:
        return stored_album(catalog, key)
    row = rdb.album_row(catalog.conn, key)
    return Target(album, row)


def select_file(catalog: Catalog, ref: str | None, where: str | None, params: Any) -> m.FileInfo:
    """The one file a query (or a one-file album's key) selects."""
    if ref is not None:
        files = stored_album(catalog, rdb.album_key_for(catalog.conn, ref)).album.files
    else:
        files = _file_infos(catalog, where or "1", params)
    if not files:
        raise UsageError("the query selects no files")
    if len(files) > 1:
        listed = "\n".join(f"  {f.path}" for f in files[:MAX_LISTED])
        more = f"\n  ... and {len(files) - MAX_LISTED} more" if len(files) > MAX_LISTED else ""
        raise UsageError(
            f"--recording needs exactly one track; this selects {len(files)}:\n{listed}{more}"
        )
    return files[0]


# -- candidates -----------------------------------------------------------------


def ranked_candidates(row: dict[str, Any] | None) -> list[dict[str, Any]]:
    """An album's stored candidates, best score first (ties keep enrich's order):
    the order ``review`` prints and ``--candidate N`` counts in (pure)."""
    candidates = list((row or {}).get("candidates") or [])
    return sorted(candidates, key=lambda c: -(c.get("score") or 0.0))


# -- outcome ----------------------------------------------------------------------


@dataclass
class Outcome:
    """What a decision did, for ``match --json`` and the TUI."""

    album: str | None  # @N
    action: str
    status: str
    release_id: str | None = None
    recording_id: str | None = None
    title: str | None = None
    score: float | None = None
    files: int = 0
    assigned: int = 0
    previous: dict[str, Any] = field(default_factory=dict)
    requests: int = 0
    cache_hits: int = 0
    changed: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "album": self.album,
            "action": self.action,
            "status": self.status,
            "source": "user" if self.action != "reset" else "auto",
            "release_id": self.release_id,
            "recording_id": self.recording_id,
            "title": self.title,
            "score": None if self.score is None else round(self.score, 4),
            "files": self.files,
            "assigned": self.assigned,
            "previous": self.previous,
            "requests": self.requests,
            "cache_hits": self.cache_hits,
            "changed": self.changed,
        }


def _previous(row: dict[str, Any] | None) -> dict[str, Any]:
    if not row:
        return {"status": None, "source": None, "release_id": None}
    return {"status": row["status"], "source": row["source"], "release_id": row["release_mbid"]}


def _key(catalog: Catalog, album_key: str) -> str | None:
    number = rdb.number_for(catalog.conn, album_key)
    return rdb.key_text(number) if number else None


# -- decisions --------------------------------------------------------------------


def fetch_release(client: Client, mbid: str) -> Release:
    """The full release (cached, same includes as enrich); 404 is a failure (exit 1)."""
    message = client.lookup("release", mbid, RELEASE_INCLUDES)
    if message is None:
        raise ArchiverError(f"release {mbid} does not exist on MusicBrainz")
    return release_from_lookup(message)


def choose_release(
    catalog: Catalog, client: Client, target: Target, mbid: str, *, force: bool = False
) -> Outcome:
    """Match the album to a release chosen by the user."""
    before = (client.stats.requests, client.stats.cache_hits)
    release = fetch_release(client, mbid)
    album = target.album
    distance, assignment = m.release_distance(album, release)
    if assignment.unassigned or len(release.tracks) < len(album.files):
        if not force:
            raise DoesNotFit(
                f"release {release.mbid} ({release.title}, {len(release.tracks)} tracks) cannot "
                f"hold this album's {len(album.files)} files ({len(assignment.unassigned)} fit no "
                "track); --force assigns them anyway"
            )
        assignment = m.assign(album.files, release.tracks, unassigned_cost=2.0)
    at = utc_now()
    ids = [f.file_id for f in album.files]
    with catalog.write() as conn:
        previous = rdb.snapshot(conn, album.key, ids)
        mbdb.store_release(conn, release)
        rdb.write_album(
            conn,
            album_key=album.key,
            albumartist=album.albumartist,
            album=album.album,
            folder=album.folder,
            status="matched",
            release_mbid=release.mbid,
            score=distance.score,
            at=at,
        )
        for f in album.files:
            pair = assignment.pairs.get(f.file_id)
            rdb.write_file(
                conn,
                file_id=f.file_id,
                status="matched" if pair else "unmatched",
                score=None if pair is None else 1.0 - pair[1],
                release_mbid=release.mbid,
                track_mbid=pair[0].mbid if pair else None,
                recording_mbid=pair[0].recording.mbid if pair else None,
                album_key=album.key,
                at=at,
            )
        rdb.record_decision(
            conn, action="release", previous=previous, album_key=album.key, mbid=release.mbid, at=at
        )
    return Outcome(
        album=_key(catalog, album.key),
        action="release",
        status="matched",
        release_id=release.mbid,
        title=release.title,
        score=distance.score,
        files=len(album.files),
        assigned=len(assignment.pairs),
        previous=_previous(target.stored),
        requests=client.stats.requests - before[0],
        cache_hits=client.stats.cache_hits - before[1],
    )


def choose_candidate(
    catalog: Catalog, client: Client, target: Target, number: int, *, force: bool = False
) -> Outcome:
    """The Nth candidate (from 1, in ``review``'s order): a release, or for a loose
    track a recording."""
    candidates = ranked_candidates(target.stored)
    if not candidates:
        raise UsageError(f"{target.label()} has no candidates (give --release ID)")
    if not 1 <= number <= len(candidates):
        raise UsageError(
            f"no candidate {number}: {target.label()} has {len(candidates)} (1..{len(candidates)})"
        )
    chosen = candidates[number - 1]
    if chosen.get("release_mbid"):
        return choose_release(catalog, client, target, chosen["release_mbid"], force=force)
    if not target.album.files:
        raise UsageError(f"{target.label()} has no files left in the catalog")
    return choose_recording(catalog, client, target.album.files[0], chosen["recording_mbid"])


def mark_none(catalog: Catalog, target: Target) -> Outcome:
    """The album is not on MusicBrainz: no ids, status unmatched, enrich stops asking."""
    album = target.album
    at = utc_now()
    ids = [f.file_id for f in album.files]
    with catalog.write() as conn:
        previous = rdb.snapshot(conn, album.key, ids)
        rdb.write_album(
            conn,
            album_key=album.key,
            albumartist=album.albumartist,
            album=album.album,
            folder=album.folder,
            status="unmatched",
            release_mbid=None,
            score=None,
            at=at,
        )
        for file_id in ids:
            rdb.write_file(
                conn,
                file_id=file_id,
                status="unmatched",
                score=None,
                release_mbid=None,
                track_mbid=None,
                recording_mbid=None,
                album_key=album.key,
                at=at,
            )
        rdb.record_decision(conn, action="none", previous=previous, album_key=album.key, at=at)
    return Outcome(
        album=_key(catalog, album.key),
        action="none",
        status="unmatched",
        files=len(ids),
        previous=_previous(target.stored),
    )


def reset(catalog: Catalog, target: Target) -> Outcome:
    """Hand the album back to automatic matching (the state enrich had left)."""
    album = target.album
    with catalog.write() as conn:
        changed = rdb.reset_album(conn, album.key, [f.file_id for f in album.files])
    row = rdb.album_row(catalog.conn, album.key)
    return Outcome(
        album=_key(catalog, album.key),
        action="reset",
        status=(row or {}).get("status") or "not enriched",
        release_id=(row or {}).get("release_mbid"),
        score=(row or {}).get("score"),
        files=len(album.files),
        previous=_previous(target.stored),
        changed=changed,
    )


def choose_recording(catalog: Catalog, client: Client, f: m.FileInfo, mbid: str) -> Outcome:
    """Match one track to a recording chosen by the user. It keeps its release and
    track when its current release has that recording."""
    before = (client.stats.requests, client.stats.cache_hits)
    message = client.lookup("recording", mbid, RECORDING_INCLUDES)
    if message is None:
        raise ArchiverError(f"recording {mbid} does not exist on MusicBrainz")
    rec = recording_from_lookup(message)
    score = m.recording_distance(f, rec).score
    at = utc_now()
    with catalog.write() as conn:
        previous = rdb.snapshot(conn, None, [f.file_id])
        current = previous["files"][0]["row"] or {}
        album_key = current.get("album_key") or rdb.stored_album_keys(conn, [f.file_id]).get(
            f.file_id
        )
        release_mbid, track_mbid = current.get("release_mbid"), None
        if release_mbid:
            track = conn.execute(
                "SELECT mbid FROM mb_tracks WHERE release_mbid = ? AND recording_mbid = ? "
                "ORDER BY disc_number, position LIMIT 1",
                (release_mbid, rec.mbid),
            ).fetchone()
            track_mbid = track[0] if track else None
            release_mbid = release_mbid if track else None
        mbdb.store_recording(conn, rec)
        loose = album_key is None or album_key.startswith("track:")
        if loose:
            album_key = album_key or "track:" + f.path
            previous = rdb.snapshot(conn, album_key, [f.file_id])
            rdb.write_album(
                conn,
                album_key=album_key,
                albumartist=f.artist,
                album=None,
                folder=f.folder,
                status="matched",
                release_mbid=None,
                score=score,
                at=at,
            )
        rdb.write_file(
            conn,
            file_id=f.file_id,
            status="matched",
            score=score,
            release_mbid=release_mbid,
            track_mbid=track_mbid,
            recording_mbid=rec.mbid,
            album_key=album_key,
            at=at,
        )
        rdb.record_decision(
            conn,
            action="recording",
            previous=previous,
            album_key=album_key,
            file_id=None if loose else f.file_id,
            mbid=rec.mbid,
            at=at,
        )
    return Outcome(
        album=_key(catalog, album_key) if album_key else None,
        action="recording",
        status="matched",
        release_id=release_mbid,
        recording_id=rec.mbid,
        title=rec.title,
        score=score,
        files=1,
        assigned=1,
        requests=client.stats.requests - before[0],
        cache_hits=client.stats.cache_hits - before[1],
    )


# -- describing (review's output, the TUI) ------------------------------------------


def penalty_words(penalties: dict[str, float] | None) -> str:
    """The named penalties that cost a candidate its score, largest first:
    ``"tracks 0.40, year 1.00"``; ``"none"`` for a perfect fit (pure)."""
    items = [(k, v) for k, v in (penalties or {}).items() if isinstance(v, int | float) and v > 0]
    if not items:
        return "none"
    items.sort(key=lambda kv: -kv[1])
    return ", ".join(f"{k} {v:.2f}" for k, v in items)


def describe(conn: Any, row: dict[str, Any]) -> dict[str, Any]:
    """One album for ``review --json`` / the TUI: key, status, files, ranked candidates."""
    files = []
    for f in rdb.album_files(conn, row["album_key"]):
        track = None
        if f["track_mbid"]:
            track = {
                "disc": f["mb_disc"],
                "position": f["mb_position"],
                "title": f["mb_title"],
                "length": f["mb_length"],
            }
        files.append(
            {
                "path": f["path"],
                "title": f["title"],
                "artist": f["artist"],
                "tracknumber": f["tracknumber"],
                "discnumber": f["discnumber"],
                "length": f["duration"],
                "status": f["status"],
                "source": f["source"],
                "track": track,
            }
        )
    candidates = []
    for n, c in enumerate(ranked_candidates(row), start=1):
        if c.get("release_mbid"):
            known = rdb.release_details(conn, c["release_mbid"]) or {}
            request = f"release/{c['release_mbid']}?inc={'+'.join(RELEASE_INCLUDES)}"
            entry = {"n": n, "release_id": c["release_mbid"]}
            for name in (
                "title",
                "artist",
                "date",
                "country",
                "label",
                "catalog_number",
                "format",
                "track_count",
            ):
                entry[name] = c.get(name) if c.get(name) is not None else known.get(name)
        else:
            request = f"recording/{c.get('recording_mbid')}?inc={'+'.join(RECORDING_INCLUDES)}"
            entry = {"n": n, "recording_id": c.get("recording_mbid")}
            for name in ("title", "artist", "length"):
                entry[name] = c.get(name)
        entry["score"] = c.get("score")
        entry["penalties"] = c.get("penalties") or {}
        entry["cached"] = rdb.is_cached(conn, request)
        candidates.append(entry)
    return {
        "album": rdb.key_text(row["number"]),
        "status": row["status"],
        "source": row["source"],
        "needs_review": needs_review(row),
        "method": row["method"],
        "artist": row["albumartist"],
        "title": row["album"],
        "folder": row["folder"],
        "release_id": row["release_mbid"],
        "score": row["score"],
        "decided_at": row["decided_at"],
        "files": files,
        "candidates": candidates,
    }


def needs_review(row: dict[str, Any]) -> bool:
    """The Python twin of ``catalog.review.NEEDS_REVIEW`` (pure)."""
    if row.get("source") != "auto":
        return False
    status, score = row.get("status"), row.get("score")
    return (
        status == "ambiguous"
        or (status == "unmatched" and bool(row.get("candidates")))
        or (status == "matched" and score is not None and score < rdb.WEAK_SCORE)
    )


# -- comparing an album's files with a candidate (the TUI) ----------------------------


@dataclass(frozen=True)
class TrackPair:
    """One line of the side-by-side view: a file and the release track it goes to
    (either may be missing), with the differences named."""

    file: dict[str, Any] | None  # album_files() row
    track: dict[str, Any] | None  # release_tracks() row
    differences: tuple[str, ...] = ()  # "title", "length", "position"


def compare_tracks(
    files: list[dict[str, Any]], tracks: list[dict[str, Any]], *, stored: bool = False
) -> list[TrackPair]:
    """Pair an album's files with a release's tracks as ``archiver match`` would
    (``stored``: the files' stored track ids, for the release they are matched to),
    in release order, files without a track last (pure)."""
    from archiver.musicbrainz.parse import Recording, Track

    by_id = {t["mbid"]: t for t in tracks}
    pairs: dict[int, dict[str, Any]] = {}
    if stored:
        pairs = {
            f["file_id"]: by_id[f["track_mbid"]] for f in files if f.get("track_mbid") in by_id
        }
    else:
        infos = [
            m.FileInfo(
                file_id=f["file_id"],
                path=f["path"],
                title=f.get("title"),
                tracknumber=f.get("tracknumber"),
                discnumber=f.get("discnumber"),
                duration=f.get("duration"),
            )
            for f in files
        ]
        objects = [
            Track(
                mbid=t["mbid"],
                disc_number=t["disc_number"],
                position=t["position"],
                number=t.get("number"),
                title=t.get("title"),
                artist_credit=None,
                length=t.get("length"),
                recording=Recording(mbid=t.get("recording_mbid") or "", title=t.get("title") or ""),
            )
            for t in tracks
        ]
        assignment = m.assign(infos, objects)
        pairs = {fid: by_id[track.mbid] for fid, (track, _) in assignment.pairs.items()}
    file_by_track = {t["mbid"]: f for f in files if (t := pairs.get(f["file_id"])) is not None}
    result = [TrackPair(file_by_track.get(t["mbid"]), t) for t in tracks]
    result += [TrackPair(f, None) for f in files if f["file_id"] not in pairs]
    return [TrackPair(p.file, p.track, differences(p.file, p.track)) for p in result]


def differences(f: dict[str, Any] | None, t: dict[str, Any] | None) -> tuple[str, ...]:
    """What differs between a file and its track, in the penalty words (pure)."""
    if f is None or t is None:
        return ()
    found = []
    sim = m.similarity(f.get("title"), t.get("title"))
    if sim is not None and sim < 1.0:
        found.append("title")
    penalty = m.length_penalty(f.get("duration"), t.get("length"))
    if penalty:
        found.append("length")
    number = f.get("tracknumber")
    if number is not None and (
        number != t["position"] or (f.get("discnumber") or 1) != t["disc_number"]
    ):
        found.append("position")
    return tuple(found)


@dataclass
class ReviewData:
    """Everything the TUI shows for one album, read in one go (off the UI thread)."""

    album: dict[str, Any]  # describe()
    files: list[dict[str, Any]]  # album_files()
    tracklists: dict[str, list[dict[str, Any]]]  # release id -> release_tracks() (stored ones)


def load_review(conn: Any, album_key: str) -> ReviewData | None:
    row = rdb.album_row(conn, album_key)
    if row is None:
        return None
    described = describe(conn, row)
    ids = [c["release_id"] for c in described["candidates"] if c.get("release_id")]
    if row["release_mbid"]:
        ids.append(row["release_mbid"])
    tracklists = {}
    for mbid in dict.fromkeys(ids):
        tracks = rdb.release_tracks(conn, mbid)
        if tracks:
            tracklists[mbid] = tracks
    return ReviewData(described, rdb.album_files(conn, album_key), tracklists)
