"""Albums -> MusicBrainz lookups -> catalog, one committed album at a time.

Per album (see docs/enrich.md):

1. a MusicBrainz release id in the tags: one release lookup (method ``tag-id``);
2. recording ids or ISRCs: the recording / ISRC lookup names the release
   (at most 3 lookups to narrow several releases down), then one release
   lookup (``recording-id`` / ``isrc``);
3. otherwise one raw-Lucene release search, candidates scored without a
   tracklist; the best, if clearly ahead, gets one release lookup and must
   then pass the full score with the track alignment (``search``). Close
   candidates that are editions of one release group are told apart by the
   edition clues, then the user's preferences, then (one browse of the
   group) their tracklists; when the files fit several equally well and they
   hold the same recordings, those are stored with the release group and the
   edition is left open (``ambiguous``) for review;
4. loose tracks (no album tag): a recording lookup (id) or ISRC lookup, else
   a recording search on title + artist + duration, then one recording lookup
   for credits (``recording-id`` / ``isrc`` / ``recording-search``).

Every answer comes from the cache when it can, so a re-run costs zero
requests, and each album is committed on its own: an interrupted run keeps
what it did and the next run continues. One failing album is recorded as an
error and the run goes on.
"""

from __future__ import annotations

import itertools
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from archiver.catalog import musicbrainz as mbdb
from archiver.catalog.db import Catalog
from archiver.catalog.review import join_formats, user_settled
from archiver.integrity import runlock
from archiver.musicbrainz import match as m
from archiver.musicbrainz.client import (
    BROWSE_INCLUDES,
    ISRC_INCLUDES,
    RECORDING_INCLUDES,
    RECORDING_RELEASES_INCLUDES,
    RELEASE_INCLUDES,
    Client,
    MusicBrainzError,
    OfflineMiss,
    ServerUnreachable,
)
from archiver.musicbrainz.parse import (
    Recording,
    Release,
    ReleaseGroup,
    ReleaseRef,
    Track,
    recording_from_lookup,
    recordings_from_isrc,
    recordings_from_search,
    release_from_lookup,
    releases_from_search,
)

if TYPE_CHECKING:  # pragma: no cover
    from archiver.musicbrainz.acoustid import AcoustIDClient

MAX_ID_LOOKUPS = 3  # recording/ISRC lookups spent narrowing down an album's release
SEARCH_LIMIT = 10
MAX_EDITION_LOOKUPS = 3  # close editions looked up when a browse of their group lacks them
BROWSE_LIMIT = 25  # editions per browse page (one page is asked)
# A chosen edition whose "lengths" clue is above LENGTHS_DOUBT is checked against the
# other close editions; one still above LENGTHS_REJECT (~5 s a track) is never taken.
LENGTHS_DOUBT = 0.2
LENGTHS_REJECT = 0.5


@dataclass
class AlbumResult:
    """The decision for one album (or loose track), ready to be stored."""

    status: str  # matched, ambiguous, unmatched, error, skipped
    method: str | None = None
    release: Release | None = None
    recording: Recording | None = None  # loose tracks
    recording_complete: bool = True  # False: a search answer only (keep stored ISRCs/credits)
    score: float | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    assignment: m.Assignment | None = None
    error: str | None = None
    # Edition open, recordings known: file id -> a track of one of the editions.
    open_tracks: dict[int, Track] | None = None
    release_group: ReleaseGroup | None = None


@dataclass
class EnrichStats:
    albums: int = 0
    matched: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    errors: int = 0
    requests: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    skipped: int = 0  # --offline and not cached (also counted in unmatched)
    settled: int = 0  # decided by the user (`archiver match`): left alone, not counted in albums
    files: int = 0
    run_id: int | None = None
    status: str = "running"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Progress:
    """Sent after each album (and once at the start with done=0)."""

    done: int
    total: int
    requests: int
    cache_hits: int
    album: str | None = None
    status: str | None = None


# -- matching one album (network through the client, no catalog writes) ---------


def _candidate(release: Release, distance: m.Distance, stage: str) -> dict[str, Any]:
    return {
        "release_mbid": release.mbid,
        "title": release.title,
        "artist": release.artist_credit,
        "date": release.date,
        "country": release.country,
        "track_count": release.track_count,
        "label": "; ".join(x.name for x in release.labels if x.name) or None,
        "catalog_number": "; ".join(x.catalog_number for x in release.labels if x.catalog_number)
        or None,
        "format": join_formats(release.formats),
        "score": round(distance.score, 4),
        "penalties": distance.rounded(),
        "stage": stage,
    }


def _lookup_release(client: Client, mbid: str) -> Release | None:
    message = client.lookup("release", mbid, RELEASE_INCLUDES)
    return release_from_lookup(message) if message else None


def _matched_release(
    album: m.Album, release: Release, method: str, candidates: list | None = None
) -> AlbumResult:
    distance, assignment = m.release_distance(album, release)
    return AlbumResult(
        status="matched",
        method=method,
        release=release,
        score=distance.score,
        assignment=assignment,
        candidates=candidates or [_candidate(release, distance, "full")],
    )


def _refs_for(client: Client, f: m.FileInfo) -> tuple[list[ReleaseRef], str] | None:
    """Releases a tagged recording id or ISRC leads to (None: nothing to ask)."""
    if f.recording_id:
        message = client.lookup("recording", f.recording_id, RECORDING_RELEASES_INCLUDES)
        if message:
            return list(recording_from_lookup(message).releases), "recording-id"
        return [], "recording-id"
    if f.isrc:
        message = client.isrc(f.isrc, ISRC_INCLUDES)
        refs: dict[str, ReleaseRef] = {}
        for rec in recordings_from_isrc(message) if message else []:
            for ref in rec.releases:
                refs.setdefault(ref.mbid, ref)
        return list(refs.values()), "isrc"
    return None


def _release_from_ids(client: Client, album: m.Album) -> AlbumResult | None:
    """Strategy 2: recording ids / ISRCs lead to the release."""
    tagged = [f for f in album.files if f.recording_id] + [
        f for f in album.files if f.isrc and not f.recording_id
    ]
    if not tagged:
        return None
    candidates: dict[str, ReleaseRef] | None = None
    method = None
    for f in tagged[:MAX_ID_LOOKUPS]:
        found = _refs_for(client, f)
        if found is None:
            continue
        refs, kind = found
        mine = {r.mbid: r for r in refs if r.mbid}
        if not mine:
            continue  # an unknown id: try the next tagged track
        method = method or kind
        narrowed = (
            mine if candidates is None else {k: v for k, v in candidates.items() if k in mine}
        )
        candidates = narrowed or candidates  # an empty intersection keeps what we had
        assert candidates is not None
        if len(candidates) <= 1:
            break
        ranked = sorted((m.release_ref_score(album, r) for r in candidates.values()), reverse=True)
        if ranked[0] - ranked[1] >= m.MARGIN:
            break
    if not candidates:
        return None
    best = max(candidates.values(), key=lambda r: (m.release_ref_score(album, r), r.mbid))
    release = _lookup_release(client, best.mbid)
    if release is None:
        return None
    return _matched_release(album, release, method or "recording-id")


def _release_from_search(
    client: Client, album: m.Album, prefs: m.Preferences | None = None
) -> AlbumResult:
    """Strategy 3: one release search, stage-1 scores, one lookup of a clear winner."""
    message = client.search("release", m.release_query(album), limit=SEARCH_LIMIT)
    found = [r for r in releases_from_search(message) if r.mbid]
    if not found:
        return AlbumResult(status="unmatched", method="search")
    distances = [m.search_distance(album, r) for r in found]
    candidates = [_candidate(r, d, "search") for r, d in zip(found, distances, strict=True)]
    candidates.sort(key=lambda c: -c["score"])
    decision = m.decide([d.score for d in distances], m.SEARCH_THRESHOLD)
    if decision.status == "ambiguous" or m.edition_rival(found, distances):
        return _settle_editions(client, album, found, distances, prefs or m.Preferences())
    if decision.status != "matched" or decision.best is None:
        return AlbumResult(status=decision.status, method="search", candidates=candidates)
    release = _lookup_release(client, found[decision.best].mbid)
    if release is None:
        return AlbumResult(
            status="unmatched",
            method="search",
            candidates=candidates,
        )
    distance, assignment = m.release_distance(album, release)
    full = _candidate(release, distance, "full")
    candidates = [full] + [c for c in candidates if c["release_mbid"] != release.mbid]
    if distance.score < m.MATCH_THRESHOLD:
        # The search looked right but the tracklist does not fit: reject it.
        return AlbumResult(
            status="unmatched", method="search", candidates=candidates, score=distance.score
        )
    return AlbumResult(
        status="matched",
        method="search",
        release=release,
        score=distance.score,
        assignment=assignment,
        candidates=candidates,
    )


# -- editions ---------------------------------------------------------------


def _edition_result(
    album: m.Album, release: Release, reason: str | None, candidates: list[dict[str, Any]]
) -> AlbumResult:
    """The chosen edition, stored like any search match; the reason rides on its candidate."""
    distance, assignment = m.release_distance(album, release)
    full = _candidate(release, distance, "full")
    if reason:
        full["reason"] = reason
    rest = [c for c in candidates if c["release_mbid"] != release.mbid]
    if distance.penalties.get("lengths", 0.0) > LENGTHS_REJECT:
        # Titles fit but every track runs seconds off: likely other recordings
        # of the songs (a live album the tags do not call live); review decides.
        full["reason"] = "rejected: lengths"
        return AlbumResult(
            status="ambiguous", method="search", candidates=[full] + rest, score=distance.score
        )
    if distance.score < m.MATCH_THRESHOLD:
        return AlbumResult(
            status="unmatched", method="search", candidates=[full] + rest, score=distance.score
        )
    return AlbumResult(
        status="matched",
        method="search",
        release=release,
        score=distance.score,
        assignment=assignment,
        candidates=[full] + rest,
    )


def _edition_tracklists(client: Client, found: list[Release], order: list[int]) -> list[Release]:
    """The close editions with their tracklists: one browse of their release
    group, then a lookup for each one the browse did not hold (at most
    MAX_EDITION_LOOKUPS), in ``order``."""
    group = found[order[0]].release_group
    browsed: dict[str, Release] = {}
    if group is not None:
        message = client.browse_releases(group.mbid, BROWSE_INCLUDES, BROWSE_LIMIT)
        browsed = {r.mbid: r for r in releases_from_search(message or {}) if r.tracks}
    out: list[Release] = []
    lookups = 0
    for i in order:
        release = browsed.get(found[i].mbid)
        if release is None and lookups < MAX_EDITION_LOOKUPS:
            lookups += 1
            release = _lookup_release(client, found[i].mbid)
        if release is not None:
            out.append(release)
    return out


def _settle_editions(
    client: Client,
    album: m.Album,
    found: list[Release],
    distances: list[m.Distance],
    prefs: m.Preferences,
) -> AlbumResult:
    """Close search candidates: an edition by clues or preferences (one lookup),
    else every close edition's tracklist (one browse) decides on full scores,
    else their common recordings are kept with the edition open."""
    candidates = sorted(
        (_candidate(r, d, "search") for r, d in zip(found, distances, strict=True)),
        key=lambda c: -c["score"],
    )
    decision = m.decide_edition(found, distances, prefs, m.SEARCH_THRESHOLD)
    if decision.status not in ("matched", "open"):
        return AlbumResult(status=decision.status, method="search", candidates=candidates)
    order = m.lookup_order(found, decision.close)
    if decision.status == "matched" and decision.best is not None:
        release = _lookup_release(client, found[decision.best].mbid)
        if release is not None:
            distance, _ = m.release_distance(album, release)
            doubt = distance.penalties.get("lengths", 0.0) > LENGTHS_DOUBT and len(order) > 1
            if not doubt:
                return _edition_result(album, release, decision.reason, candidates)
        order = [decision.best] + [i for i in order if i != decision.best]
    looked = [(r, *m.release_distance(album, r)) for r in _edition_tracklists(client, found, order)]
    if not looked:
        return AlbumResult(status="ambiguous", method="search", candidates=candidates)
    releases = [r for r, _, _ in looked]
    full = m.decide_edition(releases, [d for _, d, _ in looked], prefs, m.MATCH_THRESHOLD)
    looked_mbids = {r.mbid for r in releases}
    ranked = sorted((_candidate(r, d, "full") for r, d, _ in looked), key=lambda c: -c["score"])
    scored = ranked + [c for c in candidates if c["release_mbid"] not in looked_mbids]
    if full.status == "matched" and full.best is not None:
        # The winner's lookup carries the credits a browse does not.
        release = _lookup_release(client, releases[full.best].mbid) or releases[full.best]
        return _edition_result(album, release, full.reason, scored)
    if full.status != "open":
        return AlbumResult(status=full.status, method="search", candidates=scored)
    close = [looked[i] for i in full.close]
    if m.same_recordings([a for _, _, a in close]) is None or not m.same_group(
        [r for r, _, _ in close]
    ):
        return AlbumResult(status="ambiguous", method="search", candidates=scored)
    # The preferred of the equals, looked up for its recordings' credits and works.
    first = _lookup_release(client, close[0][0].mbid) or close[0][0]
    distance, assignment = m.release_distance(album, first)
    tracks = m.same_recordings([assignment] + [a for _, _, a in close])
    if tracks is None:
        return AlbumResult(status="ambiguous", method="search", candidates=scored)
    scored.sort(key=lambda c: (c["release_mbid"] != first.mbid, c["stage"] != "full", -c["score"]))
    scored[0]["reason"] = "edition open: same recordings"
    return AlbumResult(
        status="ambiguous",
        method="search",
        score=distance.score,
        candidates=scored,
        assignment=assignment,
        open_tracks=tracks,
        release_group=first.release_group,
    )


def _store_open_edition(conn, album: m.Album, result: AlbumResult, run_id: int | None) -> None:
    """Edition open, recordings known: each file gets its recording (ISRCs,
    credits, works), the album its release group; no release, status ambiguous."""
    assert result.open_tracks is not None
    for track in result.open_tracks.values():
        mbdb.store_recording(conn, track.recording)
    group = result.release_group
    if group is not None:
        mbdb.store_release_group(conn, group)
    mbdb.store_album_match(
        conn,
        album_key=album.key,
        albumartist=album.albumartist,
        album=album.album,
        folder=album.folder,
        status="ambiguous",
        method=result.method,
        release_mbid=None,
        score=result.score,
        candidates=result.candidates,
        error=None,
        run_id=run_id,
    )
    mbdb.set_album_release_group(conn, album.key, group.mbid if group else None)
    pairs = result.assignment.pairs if result.assignment is not None else {}
    for f in album.files:
        track = result.open_tracks.get(f.file_id)
        pair = pairs.get(f.file_id)
        mbdb.store_file_match(
            conn,
            file_id=f.file_id,
            status="ambiguous",
            method=result.method,
            score=None if pair is None else 1.0 - pair[1],
            release_mbid=None,
            track_mbid=None,
            recording_mbid=track.recording.mbid if track is not None else None,
            album_key=album.key,
            error=None,
            run_id=run_id,
        )


def _recording_candidate(rec: Recording, distance: m.Distance) -> dict[str, Any]:
    return {
        "recording_mbid": rec.mbid,
        "title": rec.title,
        "artist": rec.artist_credit,
        "length": rec.length,
        "score": round(distance.score, 4),
        "penalties": distance.rounded(),
    }


def _match_loose(client: Client, album: m.Album) -> AlbumResult:
    """Strategy 4: a track outside any album."""
    f = album.files[0]
    if f.recording_id:
        message = client.lookup("recording", f.recording_id, RECORDING_INCLUDES)
        if message:
            rec = recording_from_lookup(message)
            d = m.recording_distance(f, rec)
            return AlbumResult(
                status="matched",
                method="recording-id",
                recording=rec,
                score=d.score,
                candidates=[_recording_candidate(rec, d)],
            )
    method = "recording-search"
    threshold = m.MATCH_THRESHOLD
    if f.isrc:
        message = client.isrc(f.isrc, ISRC_INCLUDES)
        found = recordings_from_isrc(message) if message else []
        method, threshold = "isrc", 0.0  # an ISRC names the recording; scores only rank
    else:
        found = []
    if not found:
        if not f.title:
            return AlbumResult(status="unmatched", method=method)
        message = client.search("recording", m.recording_query(f), limit=SEARCH_LIMIT)
        found = [r for r in recordings_from_search(message) if r.mbid]
        method, threshold = "recording-search", m.MATCH_THRESHOLD
    if not found:
        return AlbumResult(status="unmatched", method=method)
    distances = [m.recording_distance(f, r) for r in found]
    candidates = sorted(
        (_recording_candidate(r, d) for r, d in zip(found, distances, strict=True)),
        key=lambda c: -c["score"],
    )
    decision = m.decide([d.score for d in distances], threshold)
    if decision.status != "matched" or decision.best is None:
        return AlbumResult(status=decision.status, method=method, candidates=candidates)
    chosen = found[decision.best]
    message = client.lookup("recording", chosen.mbid, RECORDING_INCLUDES)
    rec = recording_from_lookup(message) if message else chosen
    return AlbumResult(
        recording_complete=message is not None,
        status="matched",
        method=method,
        recording=rec,
        score=distances[decision.best].score,
        candidates=candidates,
    )


def match_album(client: Client, album: m.Album, prefs: m.Preferences | None = None) -> AlbumResult:
    """Run the strategies in order; raises MusicBrainzError on request failures."""
    if album.loose:
        return _match_loose(client, album)
    release_id = album.common("release_id")
    if release_id:
        release = _lookup_release(client, release_id)
        if release is not None:
            return _matched_release(album, release, "tag-id")
    result = _release_from_ids(client, album)
    if result is not None:
        return result
    return _release_from_search(client, album, prefs)


# -- AcoustID: fingerprints for what the tags did not match (enrich --acoustid) --


def _fingerprint_candidate(album: m.Album) -> bool:
    """An album (or loose track) whose files carry no MusicBrainz id at all."""
    return not any(f.release_id or f.recording_id or f.track_id for f in album.files)


def acoustid_preflight(
    catalog: Catalog,
    acoustid: AcoustIDClient,
    albums: Iterable[m.Album],
    loose: Iterable[m.Album] | None = None,
) -> None:
    """Check the API key and the server with the first lookup the run may need,
    before anything else is done: an invalid key or an unreachable server raises
    :class:`AcoustIDFatal` here. That answer is cached and used later if its file
    stays unmatched by its tags. Nothing is sent when every answer is cached.
    ``albums``: the run's albums not settled by the user, in the run's order;
    ``loose``: its loose tracks among them, in the same order (default: read from
    ``albums``, which then are gone through twice)."""
    from archiver.catalog import acoustid as aciddb
    from archiver.musicbrainz.acoustid import AcoustIDError, AcoustIDFatal

    if acoustid.settings.offline:
        return

    # Prefer a file its tags cannot match (a loose track without title or ISRC)
    # so that no file matched by its tags is sent just to check the key.
    def hopeless(a: m.Album) -> bool:
        return a.loose and not a.files[0].title and not a.files[0].isrc

    if loose is None:
        albums = list(albums)
        loose = albums
    # The hopeless first, then the others, each in order.
    first = (a for a in loose if hopeless(a))
    then = (a for a in albums if not hopeless(a))
    for album in itertools.chain(first, then):
        if not _fingerprint_candidate(album):
            continue
        found = aciddb.fingerprints_for(catalog.conn, [f.file_id for f in album.files])
        for f in album.files:
            if f.file_id not in found:
                continue
            fingerprint, seconds = found[f.file_id]
            duration = f.duration or seconds
            if acoustid.is_cached(fingerprint, duration):
                continue
            try:
                acoustid.lookup(fingerprint, duration)
            except AcoustIDFatal:
                raise
            except AcoustIDError:
                pass  # that file's problem, met again (and recorded) in its album
            return


def match_by_fingerprint(
    client: Client,
    acoustid: AcoustIDClient,
    catalog: Catalog,
    album: m.Album,
    result: AlbumResult,
) -> AlbumResult:
    """After the tags: an unmatched or ambiguous album without MusicBrainz ids is
    looked up by its files' fingerprints; the recordings AcoustID names (score at
    least ``acoustid.SCORE_THRESHOLD``) stand in for recording-id tags and go
    through the recording-id strategy (2, or 4 for a loose track). Method
    ``acoustid``. Returns ``result`` unchanged when fingerprints lead nowhere;
    raises :class:`AcoustIDFatal` (bad key, server unreachable) to stop the run."""
    from archiver.catalog import acoustid as aciddb
    from archiver.musicbrainz.acoustid import (
        AcoustIDError,
        AcoustIDFatal,
        AcoustIDOfflineMiss,
        best_recording,
        select_recordings,
    )

    if result.status not in ("unmatched", "ambiguous") or not _fingerprint_candidate(album):
        return result
    found = aciddb.fingerprints_for(catalog.conn, [f.file_id for f in album.files])
    if not found:
        return result
    try:
        files, scores = [], {}
        for f in album.files:
            if f.file_id in found:
                fingerprint, seconds = found[f.file_id]
                results = acoustid.lookup(fingerprint, f.duration or seconds)
                best = best_recording(select_recordings(results), f.duration, f.title)
                if best is not None:
                    scores[f.file_id] = best.score
                    f = replace(f, recording_id=best.mbid)
            files.append(f)
        if not scores:
            return result
        by_fingerprint = replace(album, files=files)
        if album.loose:
            found_result = _match_loose(client, by_fingerprint)
            if found_result.status != "matched" or found_result.method != "recording-id":
                return result
            found_result.score = scores[files[0].file_id]
        else:
            found_result = _release_from_ids(client, by_fingerprint)
            if found_result is None:
                return result
        found_result.method = "acoustid"
        return found_result
    except AcoustIDFatal:
        raise
    except (AcoustIDOfflineMiss, OfflineMiss):
        return result
    except (AcoustIDError, MusicBrainzError) as exc:
        return AlbumResult(status="error", method="acoustid", error=str(exc))
    except Exception as exc:  # a surprise in one album's data must not stop the run
        return AlbumResult(
            status="error", method="acoustid", error=f"internal error: {type(exc).__name__}: {exc}"
        )


# -- storing ----------------------------------------------------------------


def store_result(conn, album: m.Album, result: AlbumResult, run_id: int | None) -> None:
    """Write one album's entities and decisions (caller holds the transaction).

    A failure never replaces an earlier good match (say a --refresh while the
    server is down): the album keeps its match and only notes the error.
    """
    if result.status == "error" and mbdb.album_status(conn, album.key) == "matched":
        mbdb.note_album_error(conn, album.key, result.error, run_id)
        return
    if result.open_tracks is not None:
        _store_open_edition(conn, album, result, run_id)
        return
    if result.release is not None:
        mbdb.store_release(conn, result.release)
    if result.recording is not None:
        mbdb.store_recording(conn, result.recording, replace_details=result.recording_complete)
    release_mbid = result.release.mbid if result.release else None
    mbdb.store_album_match(
        conn,
        album_key=album.key,
        albumartist=album.albumartist,
        album=album.album,
        folder=album.folder,
        status=result.status,
        method=result.method,
        release_mbid=release_mbid,
        score=result.score,
        candidates=result.candidates,
        error=result.error,
        run_id=run_id,
    )
    group = result.release.release_group if result.release else None
    mbdb.set_album_release_group(conn, album.key, group.mbid if group else None)
    for f in album.files:
        status, score, track_mbid, recording_mbid = result.status, None, None, None
        if result.status == "matched" and result.recording is not None:
            score, recording_mbid = result.score, result.recording.mbid
        elif result.status == "matched" and result.assignment is not None:
            pair = result.assignment.pairs.get(f.file_id)
            if pair is None:
                status = "unmatched"  # the release has no track for this file
            else:
                track, distance = pair
                score, track_mbid, recording_mbid = 1.0 - distance, track.mbid, track.recording.mbid
        mbdb.store_file_match(
            conn,
            file_id=f.file_id,
            status=status,
            method=result.method,
            score=score,
            release_mbid=release_mbid,
            track_mbid=track_mbid,
            recording_mbid=recording_mbid,
            album_key=album.key,
            error=result.error,
            run_id=run_id,
        )


# -- the run ----------------------------------------------------------------


@dataclass(frozen=True)
class AlbumPlan:
    """The albums a run goes through, as file ids (8 bytes a file: at a million
    files, the albums as objects took gigabytes before the first request): those
    with an album tag by folder then path, the loose tracks by path; ``count``
    albums in all (the progress total)."""

    grouped: array
    loose: array
    count: int

    @property
    def grouped_count(self) -> int:
        return self.count - len(self.loose)


def plan_albums(conn: Any, where: str | None = None, params: Any = ()) -> AlbumPlan:
    """The files of :func:`mbdb.files_to_enrich` as a plan of albums (one pass over
    their folders and album names, counting the albums as ``m.group_albums`` would)."""
    grouped = array("q")
    count = loose_count = 0
    folder, names = None, set()
    last: tuple[Any, Any] | None = None  # a folder's files mostly share their names
    key: tuple[str, str] | None = None
    for file_id, folder_of, albumartist, album in mbdb.album_names_by_folder(conn, where, params):
        if (albumartist, album) != last:
            last = (albumartist, album)
            name = m.normalize(album)
            key = (m.normalize(albumartist), name) if name else None
        if key is None:
            loose_count += 1
            continue
        if folder_of != folder:
            folder, names = folder_of, set()
        if key not in names:
            names.add(key)
            count += 1
        grouped.append(file_id)
    loose = array("q")
    if loose_count:
        rows = mbdb.album_names_by_path(conn, where, params)
        loose.extend(file_id for file_id, album in rows if not m.normalize(album))
    return AlbumPlan(grouped, loose, count + len(loose))


PLAN_BATCH = 1000  # files read per query (tests lower it)


def _plan_files(conn: Any, file_ids: array) -> Iterator[m.FileInfo]:
    for start in range(0, len(file_ids), PLAN_BATCH):
        rows = mbdb.files_by_id(conn, file_ids[start : start + PLAN_BATCH])
        yield from map(m.FileInfo.from_row, rows)


def plan_loose(conn: Any, plan: AlbumPlan) -> Iterator[m.Album]:
    """The plan's loose tracks, each its own album, by path."""
    for f in _plan_files(conn, plan.loose):
        yield from m.group_albums([f])  # an album tag given meanwhile: an album of one


def plan_iter(conn: Any, plan: AlbumPlan) -> Iterator[m.Album]:
    """The plan's albums, equal to ``m.group_albums`` of every file in path order;
    a folder's files at a time are held, read as they are now."""
    pending: list[m.FileInfo] = []
    for f in _plan_files(conn, plan.grouped):
        if pending and f.folder != pending[0].folder:
            yield from _folder_albums(pending)
            pending = []
        pending.append(f)
    if pending:
        yield from _folder_albums(pending)
    yield from plan_loose(conn, plan)


def _folder_albums(files: list[m.FileInfo]) -> list[m.Album]:
    albums, loose = m.album_groups(files)  # loose: its album tag removed meanwhile
    return albums + sorted(loose, key=lambda a: a.key)


def enrich(
    catalog: Catalog,
    client: Client,
    *,
    where: str | None = None,
    params: Any = (),
    query_text: str | None = None,
    limit: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    preferences: m.Preferences | None = None,
    acoustid: AcoustIDClient | None = None,
) -> EnrichStats:
    """Enrich every album selected; returns the run's summary.

    ``client.conn`` should be ``catalog.conn`` (the cache lives in the
    catalog). KeyboardInterrupt marks the run interrupted and propagates;
    :class:`ServerUnreachable` marks it failed and propagates (its message is
    the one line to show), with every album finished before it kept.
    """
    started = time.monotonic()
    stats = EnrichStats()
    plan = plan_albums(catalog.conn, where, params)
    total = plan.count if limit is None else min(plan.count, max(0, limit))
    if acoustid is not None:

        def unsettled(albums: Iterable[m.Album]) -> Iterator[m.Album]:
            for a in albums:
                if not user_settled(catalog.conn, a.key, [f.file_id for f in a.files]):
                    yield a

        loose = itertools.islice(plan_loose(catalog.conn, plan), max(0, total - plan.grouped_count))
        everything = itertools.islice(plan_iter(catalog.conn, plan), total)
        acoustid_preflight(catalog, acoustid, unsettled(everything), unsettled(loose))
    with catalog.write() as conn:
        # Runs left 'running' by a killed enrich become 'interrupted' (a live one
        # holds its run lock and is left alone; see archiver.integrity.runlock).
        runlock.close_stale_runs(conn, catalog.path, "enrich")
        stats.run_id = mbdb.start_run(conn, query_text)
        runlock.claim(catalog.path, "enrich", stats.run_id)
    base_requests, base_hits = client.stats.requests, client.stats.cache_hits

    def sync() -> None:
        stats.requests = client.stats.requests - base_requests
        stats.cache_hits = client.stats.cache_hits - base_hits
        stats.seconds = round(time.monotonic() - started, 3)

    def report(done: int, album: m.Album | None, status: str | None) -> None:
        sync()
        if on_progress is not None:
            label = (
                None
                if album is None
                else (album.album or (album.files[0].title if album.files else None))
            )
            on_progress(Progress(done, total, stats.requests, stats.cache_hits, label, status))

    status = "interrupted"  # stopped early through should_stop
    try:
        report(0, None, None)
        albums = itertools.islice(plan_iter(catalog.conn, plan), total)
        for done, album in enumerate(albums, start=1):
            if should_stop is not None and should_stop():
                break
            if user_settled(catalog.conn, album.key, [f.file_id for f in album.files]):
                stats.settled += 1  # the user's decision stands: no request, no write
                report(done, album, "settled")
                continue
            try:
                result = match_album(client, album, preferences)
            except OfflineMiss:
                result = AlbumResult(status="skipped")
            except ServerUnreachable as exc:  # the run stops: albums done so far stay committed
                done = (
                    f"the {stats.albums} album{'' if stats.albums == 1 else 's'} done are kept"
                    if stats.albums
                    else "no album was done"
                )
                raise ServerUnreachable(f"{exc}; enrich stopped, {done}") from exc
            except MusicBrainzError as exc:
                result = AlbumResult(status="error", error=str(exc))
            except Exception as exc:  # a surprise in one album's data must not stop the run
                result = AlbumResult(
                    status="error", error=f"internal error: {type(exc).__name__}: {exc}"
                )
            if acoustid is not None:
                result = match_by_fingerprint(client, acoustid, catalog, album, result)
            stats.albums += 1
            stats.files += len(album.files)
            if result.status == "skipped":
                stats.skipped += 1
                stats.unmatched += 1
            else:
                with catalog.write() as conn:
                    store_result(conn, album, result, stats.run_id)
                counter = {
                    "matched": "matched",
                    "ambiguous": "ambiguous",
                    "unmatched": "unmatched",
                    "error": "errors",
                }[result.status]
                setattr(stats, counter, getattr(stats, counter) + 1)
            report(done, album, result.status)
        else:
            status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BaseException:
        status = "failed"
        raise
    finally:
        sync()
        stats.status = status
        try:
            mbdb.finish_run(catalog.conn, stats.run_id, status, stats.as_dict())
        finally:
            runlock.release(catalog.path, "enrich", stats.run_id)
    return stats
