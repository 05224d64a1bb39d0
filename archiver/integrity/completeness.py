"""`archiver missing`: albums with tracks or discs that are not in the library.

Albums are the files' own tags grouped by album artist + album; files with no
album artist are grouped by album + folder (a trailing ``CD1`` / ``Disc 2``
folder counts as its parent), so a compilation without album artist stays
one album. A file marked missing by the last scan counts as absent.

Two independent checks per album:

- **gaps against the tags**: discs ``1..totaldiscs`` (the largest totaldiscs
  any file says) with no file, and per disc the numbers ``1..totaltracks`` (the
  largest totaltracks on that disc) with no file; a file without disc number
  is on disc 1;
- **against MusicBrainz** (after ``archiver enrich``): for every release the
  album's files are matched to, the release's tracks with no present file
  (matched by track id, or by disc and track number when the match has no
  track id), with disc, position, number, title and length.

An album appears only when one of the two finds something.
"""

from __future__ import annotations

import itertools
import json
import operator
import os
import pickle
import re
import signal
import sqlite3
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from archiver.catalog import completeness as sql
from archiver.procs import die_with_parent, interrupts_blocked

_DISC_FOLDER = re.compile(r"^(cd|disc|disk|dvd)[\s._-]*\d+\b.*$", re.IGNORECASE)


@dataclass(frozen=True)
class MissingTrack:
    disc: int
    position: int
    number: str | None
    title: str | None
    length: float | None  # seconds


@dataclass
class IncompleteAlbum:
    albumartist: str | None
    album: str | None
    folder: str
    present: int  # distinct track positions (disc, number) with a file on disk
    expected: int | None  # sum of totaltracks over the expected discs, when every disc says
    missing_discs: list[int] = field(default_factory=list)
    gaps: dict[int, list[int]] = field(default_factory=dict)  # disc -> missing track numbers
    missing_files: list[str] = field(default_factory=list)  # catalogued but marked missing
    release_mbid: str | None = None
    release_title: str | None = None
    release_missing: list[MissingTrack] = field(default_factory=list)
    files: int = 0  # files on disk (more than ``present`` when a track has several copies)

    @property
    def missing_count(self) -> int:
        tag_gaps = sum(len(v) for v in self.gaps.values())
        return max(tag_gaps, len(self.release_missing))

    def as_json(self) -> dict[str, Any]:
        return {
            "albumartist": self.albumartist,
            "album": self.album,
            "folder": self.folder,
            "present": self.present,
            "expected": self.expected,
            "files": self.files,
            "missing_discs": self.missing_discs,
            "gaps": [{"disc": d, "tracks": t} for d, t in sorted(self.gaps.items())],
            "missing_files": self.missing_files,
            "release": None
            if self.release_mbid is None
            else {
                "mbid": self.release_mbid,
                "title": self.release_title,
                "missing": [
                    {
                        "disc": t.disc,
                        "position": t.position,
                        "number": t.number,
                        "title": t.title,
                        "length": t.length,
                    }
                    for t in self.release_missing
                ],
            },
        }


def album_folder(path: str) -> str:
    """The folder an album lives in: a disc subfolder counts as its parent."""
    folder = os.path.dirname(path)
    if _DISC_FOLDER.match(os.path.basename(folder)):
        folder = os.path.dirname(folder)
    return folder


def album_key(row: sql.AlbumTrackRow) -> tuple[str, str, str]:
    album = (row.album or "").strip().casefold()
    if row.albumartist and row.albumartist.strip():
        return ("artist", row.albumartist.strip().casefold(), album)
    return ("folder", album_folder(row.path), album)


def tag_gaps(rows: list[sql.AlbumTrackRow]) -> tuple[list[int], dict[int, list[int]], int | None]:
    """(missing discs, disc -> missing track numbers, expected track count) from the tags
    of one album's files; absent files (``missing``) do not fill a gap (pure)."""
    present = [r for r in rows if not r.missing]
    totaldiscs = max((r.totaldiscs or 0 for r in rows), default=0)
    per_disc_total: dict[int, int] = {}
    for r in rows:
        disc = r.discnumber or 1
        if r.totaltracks:
            per_disc_total[disc] = max(per_disc_total.get(disc, 0), r.totaltracks)
    have: dict[int, set[int]] = {}
    for r in present:
        have.setdefault(r.discnumber or 1, set()).add(r.tracknumber or 0)
    discs = set(range(1, totaldiscs + 1)) | set(per_disc_total)
    missing_discs = sorted(d for d in range(1, totaldiscs + 1) if d not in have)
    gaps: dict[int, list[int]] = {}
    for disc in sorted(discs):
        total = per_disc_total.get(disc)
        if not total or disc in missing_discs:
            continue
        absent = sorted(set(range(1, total + 1)) - have.get(disc, set()))
        if absent:
            gaps[disc] = absent
    expected = None
    all_discs = range(1, max(totaldiscs, max(discs, default=0)) + 1)
    if discs and all(d in per_disc_total for d in all_discs):
        expected = sum(per_disc_total[d] for d in all_discs)
    return missing_discs, gaps, expected


def present_tracks(rows: list[sql.AlbumTrackRow]) -> int:
    """How many distinct track positions (disc, track number) have a file on disk: a
    second copy of a track fills no gap. A file without a track number counts once (pure)."""
    positions: set[tuple[int, int]] = set()
    unnumbered = 0
    for r in rows:
        if r.missing:
            continue
        if r.tracknumber:
            positions.add((r.discnumber or 1, r.tracknumber))
        else:
            unnumbered += 1
    return len(positions) + unnumbered


def release_gaps(
    rows: list[sql.AlbumTrackRow], tracks: list[sql.ReleaseTrack]
) -> list[MissingTrack]:
    """The release's tracks with no present file matched to them (pure)."""
    present = [r for r in rows if not r.missing]
    by_id = {r.track_mbid for r in present if r.track_mbid}
    by_pos = {(r.discnumber or 1, r.tracknumber) for r in present if not r.track_mbid}
    return [
        MissingTrack(t.disc, t.position, t.number, t.title, t.length)
        for t in tracks
        if t.track_mbid not in by_id and (t.disc, t.position) not in by_pos
    ]


def _album_artist(rows: list[sql.AlbumTrackRow]) -> str | None:
    """The album artist tag, else the track artist when every track has the same."""
    for row in rows:
        if row.albumartist and row.albumartist.strip():
            return row.albumartist
    artists = {r.artist for r in rows}
    return artists.pop() if len(artists) == 1 else None


def incomplete_albums(conn: sqlite3.Connection, processes: int = 1) -> list[IncompleteAlbum]:
    """Every incomplete album, by album artist and album (for the CLI and the TUI).

    Reads the rows of only the albums SQLite's summaries point at: those with a
    disc or track-number gap in some (album artist, album, disc) group, those with
    a file marked missing, and those holding most files of a release with a track
    that has no file; plus every row of every release matched by one of their
    files, so each release finds the same home album as in a full read; the
    tracklists of only the releases with a track without a file. Memory stays flat
    in the catalog's size (no dict of every album). ``processes=2`` reads half the
    chunks of suspect albums in a forked process (see :func:`_forked_chunks`).
    """
    gone_paths, homes = _gone_and_homes(conn)
    suspects = _suspect_albums(conn, set(gone_paths) | set(homes.values()))
    if suspects is None:  # an album artist only Python calls blank: read everything
        return albums_from_rows(conn, sql.album_track_rows(conn))
    by_home: dict[tuple[str, str, str], list[str]] = {}
    for mbid, home in homes.items():
        by_home.setdefault(home, []).append(mbid)
        suspects.setdefault(home, [])  # a release whose files have no album tag
    keys = sorted(suspects, key=repr)
    chunks = [keys[start : start + _CHUNK] for start in range(0, len(keys), _CHUNK)]

    def albums_of(db: sqlite3.Connection, index: int) -> list[IncompleteAlbum]:
        data = _read_chunk(db, chunks[index], suspects, by_home, homes.keys())
        return _chunk_albums(chunks[index], data, gone_paths)

    found: dict[int, list[IncompleteAlbum]] = {}
    if processes > 1 and len(chunks) > 1:
        found = _forked_chunks(conn, len(chunks), albums_of)
    for index in range(len(chunks)):  # a chunk of albums at a time: flat memory
        if index not in found:
            found[index] = albums_of(conn, index)
    out = [album for index in range(len(chunks)) for album in found[index]]
    out.sort(key=_report_order)
    return out


def _forked_chunks(
    conn: sqlite3.Connection,
    count: int,
    albums_of: Callable[[sqlite3.Connection, int], list[IncompleteAlbum]],
) -> dict[int, list[IncompleteAlbum]]:
    """``albums_of`` of chunks ``0..count-1``: the odd ones worked out by a forked
    child on a connection of its own (a second core: the chunks are half of
    ``missing``'s time at a million tracks, SQLite and Python alike), which sends
    them back pickled, the even ones here meanwhile. Without the child's (a catalog
    without a file, the child failed) the caller does those too. Not for threaded
    callers (the TUI): a fork copies no other thread, and a lock one held stays held."""
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    if not path or not hasattr(os, "fork"):
        return {}
    indexes = range(1, count, 2)
    read_end, write_end = os.pipe()
    parent = os.getpid()
    with interrupts_blocked():  # a Ctrl-C in the child before its ``try`` would run our cleanup
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (its work is checked by the tests' results)
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.close(read_end)
            die_with_parent(parent)
            child = sqlite3.connect(path)
            child.execute("PRAGMA query_only = ON")
            found = {index: albums_of(child, index) for index in indexes}
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(found, out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)  # never the parent's cleanup (its connection, atexit)
    os.close(write_end)
    pipe_read = False
    try:
        others: dict[int, list[IncompleteAlbum]] = {}
        for index in range(0, count, 2):
            others[index] = albums_of(conn, index)
        pipe_read = True  # fdopen owns (and closes) read_end from here
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if not pipe_read:
            os.close(read_end)
        raise
    if status != 0:
        return others
    try:
        found = pickle.loads(data)
    except Exception:
        return others
    return {**others, **found}


class _ChunkData(NamedTuple):
    facts: list[tuple]  # sql.disc_facts of the albums with an album artist
    rows: list[sql.AlbumTrackRow]  # in path order: the others, and every release's files
    tracks: list[sql.ReleaseTrack]
    titles: dict[str, tuple]


def _read_chunk(
    conn: sqlite3.Connection,
    chunk: list[tuple[str, str, str]],
    suspects: dict[tuple[str, str, str], list[tuple[str | None, str]]],
    by_home: dict[tuple[str, str, str], list[str]],
    gaps: Collection[str],
) -> _ChunkData:
    """What SQLite has to say about a chunk of suspect albums; ``gaps``: the releases
    with a track without a file (:func:`sql.releases_with_gaps`), the only ones whose
    tracklist can add to the report."""
    # Albums with an album artist: SQLite sums up their files per disc.
    pairs = sorted({pair for key in chunk if key[0] == "artist" for pair in suspects[key]})
    facts = list(sql.disc_facts(conn, pairs))
    releases: set[str] = set()
    for row in facts:
        releases.update(json.loads(row[-1]))
    # The others (blank album artist: by folder), and every release's files, as rows.
    pairs = sorted(
        {pair for key in chunk if key[0] == "folder" for pair in suspects[key]}, key=repr
    )
    rows = {r.file_id: r for r in sql.rows_of_groups(conn, pairs)}
    releases.update(r.release_mbid for r in rows.values() if r.release_mbid)
    releases.update(mbid for key in chunk for mbid in by_home.get(key, ()))
    others = [i for i in sql.files_of_releases(conn, releases) if i not in rows]
    ordered = list(sql.rows_of_files(conn, others))  # in path order
    if rows:
        ordered = _in_path_order([*rows.values(), *ordered])
    mbids = {r.release_mbid for r in ordered if r.release_mbid}
    tracks = sql.release_tracks(conn, (mbid for mbid in mbids if mbid in gaps))
    return _ChunkData(facts, ordered, tracks, sql.release_titles(conn, mbids))


def _chunk_albums(
    chunk: list[tuple[str, str, str]],
    data: _ChunkData,
    gone_paths: dict[tuple[str, str, str], list[str]],
) -> list[IncompleteAlbum]:
    """The incomplete albums of a chunk, from what SQLite said of it (pure)."""
    facts: dict[tuple[str, str, str], _Facts] = {}
    for a, b, *sums, _ in data.facts:
        key = ("artist", a.strip().casefold(), b.strip().casefold())
        facts.setdefault(key, _Facts()).add(a, b, *sums)
    albums, row_keys = _by_album(data.rows)
    release_info = _Releases(data.rows, row_keys, data.tracks, data.titles)
    for home in release_info.homes:
        albums.setdefault(home, [])
    out: list[IncompleteAlbum] = []
    for key in chunk:
        album = None
        if key in facts:
            numbers = facts[key].numbers(gone_paths.get(key, []))
            _, path, albumartist, name = facts[key].first  # type: ignore[misc]
            album = _album(key, numbers, name, albumartist, album_folder(path), release_info)
        elif key in albums:
            album = _from_rows(key, albums[key], release_info)
        if album is not None:
            out.append(album)
    return out


_CHUNK = 2000  # albums per read (tests lower it)


def _gone_and_homes(
    conn: sqlite3.Connection,
) -> tuple[dict[tuple[str, str, str], list[str]], dict[str, tuple[str, str, str]]]:
    """The paths of the files marked missing by album key (in path order), and the
    home album of every release with a track that has no file."""
    gone = list(sql.missing_files(conn))  # in path order
    gone_paths: dict[tuple[str, str, str], list[str]] = {}
    for row in gone:
        if row.album and row.album.strip():
            gone_paths.setdefault(album_key(row), []).append(row.path)
    gap_releases = sql.releases_with_gaps(conn, {r.release_mbid for r in gone if r.release_mbid})
    return gone_paths, _release_homes(sql.rows_of_releases(conn, gap_releases))


def _report_order(album: IncompleteAlbum) -> tuple[str, str, str]:
    return ((album.albumartist or "").casefold(), (album.album or "").casefold(), album.folder)


def _in_path_order(rows: Iterable[sql.AlbumTrackRow]) -> list[sql.AlbumTrackRow]:
    return sorted(rows, key=_PATH_BYTES)


_PATH_BYTES = operator.attrgetter("path_bytes")


def _release_homes(rows: Iterable[sql.AlbumTrackRow]) -> dict[str, tuple[str, str, str]]:
    """Each release's home album: the album key most of its files have (exact when
    ``rows``, in path order, hold every file of the release)."""
    by_release: dict[str, list[sql.AlbumTrackRow]] = {}
    for row in rows:
        if row.release_mbid:
            by_release.setdefault(row.release_mbid, []).append(row)
    return {mbid: _home(mbid, members) for mbid, members in by_release.items()}


def _home(
    mbid: str,
    members: list[sql.AlbumTrackRow],
    keys: dict[int, tuple[str, str, str]] | None = None,
) -> tuple[str, str, str]:
    """The album key most of ``members`` (in path order) have; on a tie, the one
    met first. ``keys``: the album keys already worked out, by file id."""
    counts: dict[tuple[str, str, str], int] = {}
    for r in members:
        if r.album and r.album.strip():
            key = keys[r.file_id] if keys is not None else album_key(r)
            counts[key] = counts.get(key, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else ("release", mbid, "")


_SQL_SPACE = " \t\n\v\f\r"  # what SQLite's trim() in sql.folder_disc_sums strips


def _suspect_albums(
    conn: sqlite3.Connection, forced: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], list[tuple[str | None, str]]] | None:
    """Album keys with a possible gap against the tags, or in ``forced``, each with
    every (album artist, album) it is tagged as; ``None`` when an album artist is
    blank to Python but not to SQLite. A superset: an album whose discs and tracks
    are all present is never a suspect's cause, so no gap is lost.

    Each (album artist, album[, folder]) is tested on its own: when every one of an
    album's has discs 1..its largest totaldiscs, each complete, so does the album.
    SQLite hands over only the pairs that may fail that test
    (:func:`sql.suspect_pairs`); then one pass over every pair's names gathers the
    case variants of the suspects (an album key is ``str.casefold``, which SQLite
    lacks) without keeping a dict of every album."""
    suspects: dict[tuple[str, str, str], set[tuple[str | None, str]]] = {}
    for a, b, complete, most, discs in sql.suspect_pairs(conn):
        if not b.strip() or not a.strip():
            continue  # no album; a blank album artist: sql.folder_disc_sums has it
        if complete and discs is not None:
            present = set(discs.split(","))
            if all(str(d) in present for d in range(1, most + 1)):
                continue
        suspects[("artist", a.strip().casefold(), b.strip().casefold())] = set()
    # The albums without album artist, by folder: few in most libraries, held here.
    clean_folders: list[tuple[tuple[str, str, str], str | None, str]] = []
    folder_runs = itertools.groupby(
        (
            (("folder", album_folder(folder + "_"), b.strip().casefold()), a, b, *sums)
            for a, b, folder, *sums in sql.folder_disc_sums(conn)
            if b.strip()
        ),
        key=_FIRST_THREE,
    )
    for (key, a, b), run in folder_runs:
        bad, most, discs = False, 0, set()
        for *_, disc, totaldiscs, tracks_complete in run:
            if not tracks_complete:
                bad = True
            if totaldiscs and totaldiscs > most:
                most = totaldiscs
            discs.add(disc or 1)
        if bad or any(d not in discs for d in range(1, most + 1)):
            suspects.setdefault(key, set()).add((a, b))
        else:
            clean_folders.append((key, a, b))
    for key in forced:  # their pairs are all clean: gathered below
        suspects.setdefault(key, set())
    for key, a, b in clean_folders:
        if key in suspects:
            suspects[key].add((a, b))
    # Every pair of a suspect album key (the suspects' own included).
    for a, b in sql.album_pairs(conn):
        name = b.strip()
        if not name:
            continue
        artist = a.strip()
        if artist:
            key = ("artist", artist.casefold(), name.casefold())
            if key in suspects:
                suspects[key].add((a, b))
        elif a.strip(_SQL_SPACE):  # blank to Python (Unicode spaces), not to SQLite
            return None
    return {key: list(pairs) for key, pairs in suspects.items()}


_FIRST_THREE = operator.itemgetter(0, 1, 2)


def albums_from_rows(
    conn: sqlite3.Connection,
    rows: list[sql.AlbumTrackRow],
    keep: set[tuple[str, str, str]] | None = None,
) -> list[IncompleteAlbum]:
    """The incomplete albums among ``rows`` (in path order); with ``keep``, only those
    album keys (the others may have only part of their rows here)."""
    albums, row_keys = _by_album(rows)
    mbids = {r.release_mbid for r in rows if r.release_mbid}
    tracks, titles = sql.release_tracks(conn, mbids), sql.release_titles(conn, mbids)
    releases = _Releases(rows, row_keys, tracks, titles)
    for home in releases.homes:
        albums.setdefault(home, [])
    out: list[IncompleteAlbum] = []
    for key, members in albums.items():
        if keep is not None and key not in keep:
            continue
        album = _from_rows(key, members, releases)
        if album is not None:
            out.append(album)
    out.sort(key=_report_order)
    return out


def _by_album(
    rows: list[sql.AlbumTrackRow],
) -> tuple[dict[tuple[str, str, str], list[sql.AlbumTrackRow]], dict[int, tuple[str, str, str]]]:
    """The rows with an album tag by album key, and each one's key by file id."""
    albums: dict[tuple[str, str, str], list[sql.AlbumTrackRow]] = {}
    keys: dict[tuple[str, str], tuple[str, str, str]] = {}  # album_key by album artist, album
    row_keys: dict[int, tuple[str, str, str]] = {}
    for row in rows:
        if row.album and row.album.strip():
            if row.albumartist and row.albumartist.strip():
                pair = (row.albumartist, row.album)
                key = keys.get(pair)
                if key is None:
                    key = keys[pair] = album_key(row)
            else:
                key = album_key(row)
            row_keys[row.file_id] = key
            albums.setdefault(key, []).append(row)
    return albums, row_keys


class _Releases:
    """The releases ``rows`` are matched to (every file of each must be among the
    rows): their files in path order, tracklists, titles, and home albums."""

    def __init__(
        self,
        rows: list[sql.AlbumTrackRow],
        row_keys: dict[int, tuple[str, str, str]],
        tracks: list[sql.ReleaseTrack],
        titles: dict[str, tuple],
    ) -> None:
        # Files matched to a release count for the release even if their album tag differs.
        self.files: dict[str, list[sql.AlbumTrackRow]] = {}
        for row in rows:
            if row.release_mbid:
                self.files.setdefault(row.release_mbid, []).append(row)
        self.tracklists: dict[str, list[sql.ReleaseTrack]] = {}
        for track in tracks:  # sql.release_tracks of the releases
            self.tracklists.setdefault(track.release_mbid, []).append(track)
        self.titles = titles  # sql.release_titles of the releases
        # Each release is reported with the album holding most of its files.
        self.homes: dict[tuple[str, str, str], list[str]] = {}
        for mbid, members in self.files.items():
            self.homes.setdefault(_home(mbid, members, row_keys), []).append(mbid)


def _from_rows(
    key: tuple[str, str, str], members: list[sql.AlbumTrackRow], releases: _Releases
) -> IncompleteAlbum | None:
    first = members[0] if members else None
    return _album(
        key,
        _album_numbers(members),
        first.album if first else None,
        _album_artist(members),
        album_folder(first.path) if first else "",
        releases,
    )


def _album(
    key: tuple[str, str, str],
    numbers: tuple[list[int], dict[int, list[int]], int | None, int, int, list[str]],
    name: str | None,
    albumartist: str | None,
    folder: str,
    releases: _Releases,
) -> IncompleteAlbum | None:
    """The album's report, ``None`` when it is complete. ``name`` is ``None`` for an
    album known only as the home of a release whose files have no album tag."""
    missing_discs, gaps, expected, present, files, gone = numbers
    album = IncompleteAlbum(
        albumartist=albumartist,
        album=name,
        folder=folder,
        present=present,
        expected=expected,
        missing_discs=missing_discs,
        gaps=gaps,
        missing_files=gone,
        files=files,
    )
    for mbid in sorted(releases.homes.get(key, [])):
        missing = release_gaps(releases.files[mbid], releases.tracklists.get(mbid, []))
        title = releases.titles.get(mbid, (None, None))
        if missing or album.release_mbid is None:
            album.release_mbid = mbid
            album.release_title = title[0]
            album.release_missing = missing
        if name is None:
            album.album = album.release_title
            album.albumartist = title[1]
            album.present = present_tracks(releases.files[mbid])
            album.files = sum(1 for r in releases.files[mbid] if not r.missing)
    if album.missing_discs or album.gaps or album.release_missing:
        return album
    return None


class _Facts:
    """An album's numbers from SQLite's per-disc sums (:func:`sql.disc_facts`),
    the same as :func:`_album_numbers` of its rows."""

    __slots__ = ("totaldiscs", "per_disc_total", "have", "files", "unnumbered", "first")

    def __init__(self) -> None:
        self.totaldiscs: int | None = None
        self.per_disc_total: dict[int, int] = {}
        self.have: dict[int, set[int]] = {}
        self.files = self.unnumbered = 0
        # The first file in path order: sql.disc_facts' first, its path, album artist, album.
        self.first: tuple[bytes, str, str, str] | None = None

    def add(
        self, a: str, b: str, disc, totaldiscs, totaltracks, numbers, files, unnumbered, first, path
    ):
        disc = disc or 1
        if self.totaldiscs is None or totaldiscs > self.totaldiscs:
            self.totaldiscs = totaldiscs
        if totaltracks is not None:
            self.per_disc_total[disc] = max(self.per_disc_total.get(disc, 0), totaltracks)
        if files:
            self.have.setdefault(disc, set()).update(json.loads(numbers))
        self.files += files
        self.unnumbered += unnumbered
        if self.first is None or first < self.first[0]:
            self.first = (first, path, a, b)

    def numbers(self, gone: list[str]):
        assert self.totaldiscs is not None
        missing_discs, gaps, expected = _gaps(self.totaldiscs, self.per_disc_total, self.have)
        present = sum(1 for numbers in self.have.values() for n in numbers if n)
        return missing_discs, gaps, expected, present + self.unnumbered, self.files, gone


def _album_numbers(
    rows: list[sql.AlbumTrackRow],
) -> tuple[list[int], dict[int, list[int]], int | None, int, int, list[str]]:
    """:func:`tag_gaps`, :func:`present_tracks`, the files on disk and the paths of
    those marked missing, in one pass over the rows (what ``missing`` spends its time
    on at 15,000 incomplete albums; a test holds it equal to the separate functions)."""
    if not rows:
        return [], {}, None, 0, 0, []
    totaldiscs: int | None = None
    per_disc_total: dict[int, int] = {}
    have: dict[int, set[int]] = {}
    positions: set[tuple[int, int]] = set()
    unnumbered = files = 0
    gone: list[str] = []
    for r in rows:
        disc = r.discnumber or 1
        most = r.totaldiscs or 0
        if totaldiscs is None or most > totaldiscs:
            totaldiscs = most
        if r.totaltracks:
            per_disc_total[disc] = max(per_disc_total.get(disc, 0), r.totaltracks)
        if r.missing:
            gone.append(r.path)
            continue
        files += 1
        number = r.tracknumber
        numbers = have.get(disc)
        if numbers is None:
            numbers = have[disc] = set()
        numbers.add(number or 0)
        if number:
            positions.add((disc, number))
        else:
            unnumbered += 1
    assert totaldiscs is not None
    missing_discs, gaps, expected = _gaps(totaldiscs, per_disc_total, have)
    return missing_discs, gaps, expected, len(positions) + unnumbered, files, gone


def _gaps(
    totaldiscs: int, per_disc_total: dict[int, int], have: dict[int, set[int]]
) -> tuple[list[int], dict[int, list[int]], int | None]:
    """The tail of :func:`tag_gaps`, from its sums."""
    discs = set(range(1, totaldiscs + 1)) | set(per_disc_total)
    missing_discs = [d for d in range(1, totaldiscs + 1) if d not in have]
    gaps: dict[int, list[int]] = {}
    for disc in sorted(discs):
        total = per_disc_total.get(disc)
        if not total or disc in missing_discs:
            continue
        numbers = have.get(disc, set())
        absent = [n for n in range(1, total + 1) if n not in numbers]
        if absent:
            gaps[disc] = absent
    expected = None
    all_discs = range(1, max(totaldiscs, max(discs, default=0)) + 1)
    if discs and all(d in per_disc_total for d in all_discs):
        expected = sum(per_disc_total[d] for d in all_discs)
    return missing_discs, gaps, expected
