"""Read-only queries behind the terminal UI.

Every statement the TUI runs lives here, so widgets only format values. All
functions take a ``sqlite3.Connection`` that belongs to the calling thread
(the UI opens one per worker). Views are described by a :class:`Scope`: a
browse category, optionally one entry of it and one album, plus a compiled
filter from the shared query language; each query narrows the same track set
``FROM files f JOIN tags t LEFT JOIN matches m``.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archiver.catalog import analysis, checksums, moves, query, verify_runs
from archiver.catalog.musicbrainz import album_match, mb_data_for_file

# The light join for unfiltered views; a filter may name MusicBrainz fields, so
# filtered views use the query language's own FROM (same aliases f, t, m).
TRACKS_FROM = "FROM files f JOIN tags t ON t.file_id = f.id LEFT JOIN matches m ON m.file_id = f.id"


def tracks_from(scope: Scope) -> str:
    return f"FROM {query.TRACKS_FROM}" if scope.where else TRACKS_FROM


# Album artist falls back to the track artist, as players group albums.
ALBUM_ARTIST = "coalesce(t.albumartist, t.artist)"
# One album as the Albums view groups tracks: (album, album artist or artist); tracks
# without an album make one "(no album)" entry per artist. ``quote`` keeps NULL apart
# from text as GROUP BY does, so count(DISTINCT ALBUM_KEY) is the number of entries
# the Albums view shows: the one album count (status bar, `archiver stats`).
ALBUM_KEY = f"quote(t.album) || char(31) || quote({ALBUM_ARTIST})"
REVIEW_STATUSES = ("ambiguous", "unmatched", "error")


@dataclass(frozen=True)
class Category:
    """One way to browse: the expressions that group tracks into entries."""

    key: str
    label: str
    exprs: tuple[str, ...] = ()
    base: str | None = None  # an extra condition (missing files are left out except in "missing")
    empty_label: str = "(none)"


CATEGORIES: tuple[Category, ...] = (
    Category("all", "All tracks"),
    Category("albumartist", "Album artists", (ALBUM_ARTIST,), empty_label="(no artist)"),
    Category("artist", "Artists", ("t.artist",), empty_label="(no artist)"),
    Category("album", "Albums", ("t.album", ALBUM_ARTIST), empty_label="(no album)"),
    Category("genre", "Genres", ("t.genre",), empty_label="(no genre)"),
    Category("year", "Years", ("t.year",), empty_label="(no year)"),
    Category("format", "Formats", ("f.format",), empty_label="(unknown)"),
    Category(
        "review",
        "Needs review",
        ("m.status",),
        base="m.status IN ('ambiguous', 'unmatched', 'error')",
    ),
    Category(
        "missing", "Missing files", (ALBUM_ARTIST,), base="f.missing = 1", empty_label="(no artist)"
    ),
    # Preservation views: Damaged below, the others in integrity/browse.py.
    Category("damaged", "Damaged"),
    Category("quality", "Quality"),
    Category("duplicates", "Duplicates"),
    Category("incomplete", "Incomplete albums"),
    Category("errors", "Scan errors"),
)
CATEGORY_BY_KEY = {c.key: c for c in CATEGORIES}


@dataclass(frozen=True)
class Scope:
    """What a view shows. ``entry`` holds the values of the category's
    expressions; ``album`` is (album artist, album); ``where``/``params`` a
    compiled filter (empty for none)."""

    category: str = "albumartist"
    entry: tuple[Any, ...] | None = None
    album: tuple[Any, Any] | None = None
    where: str = ""
    params: tuple[Any, ...] = ()
    include_missing: bool = False

    def with_(self, **changes: Any) -> Scope:
        values = {**self.__dict__, **changes}
        return Scope(**values)


# ``ALBUM_ARTIST IS ?`` spelled so that SQLite looks the value up in the indexes on
# albumartist and artist (a million-track scan otherwise); takes the value twice.
_ALBUM_ARTIST_IS = (
    "((t.albumartist IS NOT NULL AND t.albumartist IS ?)"
    " OR (t.albumartist IS NULL AND t.artist IS ?))"
)


def scope_where(scope: Scope) -> tuple[str, list[Any]]:
    """The WHERE clause (without the keyword) and its parameters for a scope."""
    category = CATEGORY_BY_KEY.get(scope.category, CATEGORIES[0])
    parts: list[str] = []
    params: list[Any] = []
    if category.base:
        parts.append(category.base)
    if category.key != "missing" and not scope.include_missing:
        # Unary +: not a reason to use the files_missing index (99 % of files
        # match); lets SQLite start from a selective index or scan in order.
        parts.append("+f.missing = 0")
    if scope.entry is not None:
        for expr, value in zip(category.exprs, scope.entry, strict=True):
            if expr == ALBUM_ARTIST:
                parts.append(_ALBUM_ARTIST_IS)
                params.extend((value, value))
            else:
                parts.append(f"{expr} IS ?")
                params.append(value)
    if scope.album is not None:
        parts.append(f"{_ALBUM_ARTIST_IS} AND t.album IS ?")
        params.extend((scope.album[0], scope.album[0], scope.album[1]))
    if scope.where:
        parts.append(f"({scope.where})")
        params.extend(scope.params)
    return (" AND ".join(parts) or "1"), params


# ---------------------------------------------------------------- entries


@dataclass(frozen=True)
class Entry:
    """One row of the entries column. ``tracks`` is the count shown beside it (files,
    groups or missing tracks in the preservation views); ``extra`` carries what the
    next column shows when it is already in memory (never compared)."""

    key: tuple[Any, ...]
    label: str
    tracks: int
    duration: float
    extra: Any = field(default=None, compare=False, repr=False)


def entries(conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
    """The entries of ``scope.category`` with track counts (all of them: even
    10,000 artists are a few hundred kB; the list widget draws only what shows)."""
    category = CATEGORY_BY_KEY[scope.category]
    if not category.exprs:
        return []
    if category.key == "albumartist" and not scope.where and not scope.include_missing:
        return _albumartist_entries(conn, category)
    where, params = scope_where(scope.with_(entry=None, album=None))
    cols = ", ".join(f"{e} AS k{i}" for i, e in enumerate(category.exprs))
    keys = ", ".join(f"k{i}" for i in range(len(category.exprs)))
    order = ", ".join(
        f"k{i} IS NULL, k{i}" + ("" if category.key == "year" else " COLLATE NOCASE")
        for i in range(len(category.exprs))
    )
    sql = (
        f"SELECT {cols}, count(*), total(f.duration) {tracks_from(scope)} "
        f"WHERE {where} GROUP BY {keys} ORDER BY {order}"
    )
    n = len(category.exprs)
    result = []
    for row in conn.execute(sql, params):
        key = tuple(row[:n])
        result.append(Entry(key, _entry_label(category, key), row[n], row[n + 1]))
    return result


def _albumartist_entries(conn: sqlite3.Connection, category: Category) -> list[Entry]:
    """The album artists of the whole catalog from ``albumartist_counts`` (migration
    0018, kept by triggers): the first view at a million tracks without grouping them."""
    rows = conn.execute(
        "SELECT CASE WHEN typeof(k) = 'integer' THEN NULL ELSE k END AS k0, tracks, duration"
        " FROM albumartist_counts WHERE tracks > 0 ORDER BY k0 IS NULL, k0 COLLATE NOCASE"
    )
    return [Entry((k,), _entry_label(category, (k,)), n, d) for k, n, d in rows]


def _entry_label(category: Category, key: tuple[Any, ...]) -> str:
    if category.key == "album":
        album, artist = key
        return f"{album if album is not None else '(no album)'} — {artist or '(no artist)'}"
    value = key[0]
    if value is None or value == "":
        return category.empty_label
    return str(value)


# ---------------------------------------------------------------- albums


@dataclass(frozen=True)
class AlbumRow:
    albumartist: str | None
    album: str | None
    year: int | None
    tracks: int
    duration: float
    formats: str
    mb_status: str


def album_mb_status(total: int, matched: int, ambiguous: int, unmatched: int, errors: int) -> str:
    """One word for an album's MusicBrainz state, worst news first."""
    if errors:
        return "error"
    if ambiguous:
        return "ambiguous"
    if matched == total and total:
        return "matched"
    if matched:
        return f"partial {matched}/{total}"
    if unmatched:
        return "unmatched"
    return "—"


def albums(conn: sqlite3.Connection, scope: Scope) -> list[AlbumRow]:
    """Albums (album artist + album) holding the scope's tracks, oldest first."""
    where, params = scope_where(scope.with_(album=None))
    sql = (
        f"SELECT {ALBUM_ARTIST} AS aa, t.album AS al, min(t.year), count(*), total(f.duration), "
        "group_concat(DISTINCT f.format), "
        "total(m.status = 'matched'), total(m.status = 'ambiguous'), "
        "total(m.status = 'unmatched'), total(m.status = 'error') "
        f"{tracks_from(scope)} WHERE {where} GROUP BY aa, al "
        "ORDER BY min(t.year) IS NULL, min(t.year), al COLLATE NOCASE, aa COLLATE NOCASE"
    )
    result = []
    for aa, al, year, n, dur, formats, ok, amb, unm, err in conn.execute(sql, params):
        formats = ", ".join(sorted((formats or "").split(","))) if formats else "?"
        status = album_mb_status(n, int(ok), int(amb), int(unm), int(err))
        result.append(AlbumRow(aa, al, year, n, dur, formats, status))
    return result


# ---------------------------------------------------------------- tracks


@dataclass(frozen=True)
class TrackRow:
    id: int
    disc: int | None
    track: int | None
    title: str | None
    artist: str | None
    album: str | None
    albumartist: str | None
    year: int | None
    genre: str | None
    format: str | None
    duration: float | None
    size: int
    mb_status: str | None
    path: str
    missing: bool


_TRACK_COLS = (
    "f.id, t.discnumber, t.tracknumber, t.title, t.artist, t.album, t.albumartist, t.year, "
    "t.genre, f.format, f.duration, f.size, m.status, f.path, f.missing"
)


def _track(row: Sequence[Any]) -> TrackRow:
    return TrackRow(*row[:14], bool(row[14]))


def album_tracks(conn: sqlite3.Connection, scope: Scope) -> list[TrackRow]:
    """The tracks in ``scope`` (usually one album), in disc and track order."""
    where, params = scope_where(scope)
    sql = (
        f"SELECT {_TRACK_COLS} {tracks_from(scope)} WHERE {where} "
        "ORDER BY t.discnumber IS NULL, t.discnumber, t.tracknumber IS NULL, t.tracknumber, f.path"
    )
    return [_track(r) for r in conn.execute(sql, params)]


# Sort keys for "All tracks": name -> ORDER BY terms. Every order ends with the
# album order so equal values stay grouped sensibly, and with the id, so that no
# two rows tie (two paths can read alike) and an order is one list, which
# archiver/catalog/orders.py keeps on disk and reverses.
_ALBUM_ORDER = (
    f"{ALBUM_ARTIST} COLLATE NOCASE",
    "t.album COLLATE NOCASE",
    "t.discnumber",
    "t.tracknumber",
    "f.path",
    "f.id",
)
SORTS: dict[str, tuple[str, ...]] = {
    "artist": ("t.artist IS NULL", "t.artist COLLATE NOCASE", *_ALBUM_ORDER),
    "album": ("t.album IS NULL", "t.album COLLATE NOCASE", *_ALBUM_ORDER),
    "track": ("t.tracknumber IS NULL", "t.discnumber", "t.tracknumber", *_ALBUM_ORDER),
    "title": ("t.title IS NULL", "t.title COLLATE NOCASE", *_ALBUM_ORDER),
    "year": ("t.year IS NULL", "t.year", *_ALBUM_ORDER),
    "genre": ("t.genre IS NULL", "t.genre COLLATE NOCASE", *_ALBUM_ORDER),
    "format": ("f.format IS NULL", "f.format", *_ALBUM_ORDER),
    "duration": ("f.duration IS NULL", "f.duration", *_ALBUM_ORDER),
    "size": ("f.size", *_ALBUM_ORDER),
    "mb": ("m.status IS NULL", "m.status", *_ALBUM_ORDER),
    "path": ("f.path", "f.id"),
}


def order_by(sort: str, descending: bool = False) -> str:
    """ORDER BY terms for a sort key; reversed term by term, NULLs staying last."""
    terms = SORTS.get(sort, SORTS["artist"])
    if descending:
        terms = tuple(t if t.endswith(" IS NULL") else f"{t} DESC" for t in terms)
    return ", ".join(terms)


def track_ids(
    conn: sqlite3.Connection, scope: Scope, sort: str = "artist", descending: bool = False
) -> array:
    """The ids of every track in ``scope`` in display order. A 100k-track view
    is ~0.1 s and 0.8 MB; rows are then read a page at a time by id."""
    where, params = scope_where(scope)
    order = order_by(sort, descending)
    ids = array("q")
    cursor = conn.execute(
        f"SELECT f.id {tracks_from(scope)} WHERE {where} ORDER BY {order}", params
    )
    while chunk := cursor.fetchmany(10_000):
        ids.extend(r[0] for r in chunk)
    return ids


# The filter free words compile to (archiver/catalog/query.py): the search index
# alone decides it, so it can narrow ids already in display order.
FREE_TEXT = "f.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)"


def narrowed_ids(
    conn: sqlite3.Connection, ordered: Sequence[int], where: str, params: Sequence[Any]
) -> array:
    """The ids of ``ordered`` (an unfiltered view's ids, in display order) that a
    free-text filter keeps, in the same order: equal to :func:`track_ids` of the
    filtered scope, since every id of ``ordered`` is a track of the scope and the
    search index has one row per file. At a million tracks, ~140,000 matches cost
    the index lookup (~20 ms) and a few ms of numpy, where reading them row by row
    into a set and testing a million ids against it took ~0.2 s, and ordering the
    matches again ~0.5 s."""
    if where != FREE_TEXT:
        raise ValueError("narrowed_ids takes a free-text filter only")
    # Every match in one text ("12,7,...") that numpy parses in C: one value for
    # Python to take instead of a row per match (~15 ms where rows took ~70).
    listed = conn.execute(
        "SELECT group_concat(rowid) FROM search_index WHERE search_index MATCH ?", params
    ).fetchone()[0]
    if not listed or not len(ordered):
        return array("q")
    import numpy as np  # here, not at start: the browser's first paint never needs it

    keep = np.fromstring(listed, dtype=np.int64, sep=",")
    if len(keep) != listed.count(",") + 1:  # never: rowids are integers
        raise ValueError("search index rowids could not be read")
    shown = np.asarray(ordered)
    top = int(max(shown.max(), keep.max()))
    if keep.min() < 0 or shown.min() < 0 or top > 8 * len(shown) + 1_000_000:
        chosen = shown[np.isin(shown, keep)]  # ids too sparse for a mask
    else:
        mask = np.zeros(top + 1, dtype=bool)
        mask[keep] = True
        chosen = shown[mask[shown]]
    return array("q", chosen.astype(np.int64).tobytes())


def tracks_by_ids(conn: sqlite3.Connection, ids: Sequence[int]) -> list[TrackRow]:
    """Rows for ``ids``, in the order given (ids not found are skipped)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = {
        r[0]: _track(r)
        for r in conn.execute(
            f"SELECT {_TRACK_COLS} {TRACKS_FROM} WHERE f.id IN ({marks})", list(ids)
        )
    }
    return [rows[i] for i in ids if i in rows]


# ---------------------------------------------------------------- scan errors


@dataclass(frozen=True)
class ScanErrorRow:
    id: int
    path: str
    kind: str
    message: str
    occurred_at: str


def _latest_errors_sql() -> str:
    # The latest error per path, unless a later scan read that file fine.
    return (
        "SELECT e.id, e.path, e.kind, e.message, e.occurred_at FROM scan_errors e "
        "WHERE e.id = (SELECT max(e2.id) FROM scan_errors e2 WHERE e2.path_bytes = e.path_bytes) "
        "AND NOT EXISTS (SELECT 1 FROM files f WHERE f.path_bytes = e.path_bytes "
        "AND f.read_error IS NULL AND f.last_read_at > e.occurred_at)"
    )


def scan_error_kinds(conn: sqlite3.Connection) -> list[Entry]:
    sql = f"SELECT kind, count(*) FROM ({_latest_errors_sql()}) GROUP BY kind ORDER BY kind"
    return [Entry((kind,), kind, n, 0.0) for kind, n in conn.execute(sql)]


def scan_errors(conn: sqlite3.Connection, kind: str | None = None) -> list[ScanErrorRow]:
    sql = f"SELECT * FROM ({_latest_errors_sql()})"
    params: list[Any] = []
    if kind is not None:
        sql += " WHERE kind = ?"
        params.append(kind)
    sql += " ORDER BY path"
    return [ScanErrorRow(*r) for r in conn.execute(sql, params)]


# ---------------------------------------------------------------- preservation
#
# The Damaged view: files whose last verify found damage (catalog.verify_runs),
# grouped by status and shaped for columns. The Duplicates and Incomplete albums
# views need the integrity logic: their entries come from integrity/browse.py.

DAMAGE_LABELS = {
    "changed": "changed",  # same size and mtime, other bytes: bit rot or tampering
    "missing": "missing",
    "unreadable": "unreadable",
}


@dataclass(frozen=True)
class DamagedTrack:
    """A damaged file (its last verify) with its track row, when the file is still catalogued."""

    damage: verify_runs.DamagedFile
    track: TrackRow | None

    @property
    def id(self) -> int:
        return self.damage.file_id


def damaged_entries(conn: sqlite3.Connection) -> list[Entry]:
    """One entry per damage status (changed, missing, unreadable) with its file count;
    ``extra`` holds the files with their track rows."""
    found = damaged_tracks(conn)
    result = []
    for status in verify_runs.DAMAGE_STATUSES:
        rows = [d for d in found if d.damage.status == status]
        if rows:
            label = DAMAGE_LABELS.get(status, status)
            result.append(Entry((status,), label, len(rows), 0.0, extra=rows))
    return result


def damaged_tracks(conn: sqlite3.Connection, status: str | None = None) -> list[DamagedTrack]:
    """Files whose last verify found them changed, missing or unreadable, by path."""
    damaged = [d for d in verify_runs.damaged_files(conn) if status is None or d.status == status]
    ids = [d.file_id for d in damaged]
    tracks: dict[int, TrackRow] = {}
    for start in range(0, len(ids), 500):
        tracks.update((t.id, t) for t in tracks_by_ids(conn, ids[start : start + 500]))
    return [DamagedTrack(d, tracks.get(d.file_id)) for d in damaged]


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class ViewStats:
    tracks: int
    albums: int
    artists: int
    duration: float
    size: int
    # Missing files the view leaves out (the query language, `ls`, `export` and
    # `stats` count them): tracks + hidden_missing is what `ls QUERY` lists.
    hidden_missing: int = 0


def view_stats(conn: sqlite3.Connection, scope: Scope) -> ViewStats:
    """Tracks, albums, artists, total duration and size of a view, and how many
    missing files it hides."""
    where, params = scope_where(scope)
    sql = (
        f"SELECT count(*), count(DISTINCT {ALBUM_KEY}), "
        f"count(DISTINCT t.artist), total(f.duration), total(f.size) {tracks_from(scope)} WHERE {where}"
    )
    n, albums_, artists, duration, size = conn.execute(sql, params).fetchone()
    return ViewStats(n, albums_, artists, duration, int(size), hidden_missing(conn, scope))


def hidden_missing(conn: sqlite3.Connection, scope: Scope) -> int:
    """Missing files that ``scope`` would hold if it included them (0 when it does)."""
    if scope.include_missing or scope.category == "missing":
        return 0
    everything = scope.with_(include_missing=True)
    where, params = scope_where(everything)
    sql = f"SELECT count(*) {tracks_from(everything)} WHERE f.missing = 1 AND {where}"
    return conn.execute(sql, params).fetchone()[0]


@dataclass(frozen=True)
class CatalogStatus:
    """Catalog-wide facts for the status bar and the welcome screen."""

    tracks: int
    last_scan_at: str | None
    scan_running_since: str | None
    needs_review: int
    missing: int
    scan_errors: int
    roots: list[str] = field(default_factory=list)
    last_verify: verify_runs.VerifyRun | None = None
    # Whether a scan holds the scanner's OS lock: the caller decides (a killed scan
    # leaves its scan_runs row "running", so the row alone cannot say).
    scan_running: bool = False


def catalog_status(conn: sqlite3.Connection) -> CatalogStatus:
    tracks = conn.execute("SELECT count(*) FROM files").fetchone()[0]
    last = conn.execute(
        "SELECT max(finished_at) FROM scan_runs WHERE status = 'finished'"
    ).fetchone()[0]
    running = conn.execute(
        "SELECT max(started_at) FROM scan_runs WHERE status = 'running'"
    ).fetchone()[0]
    # Matches needing review minus those of missing files: both counts come off
    # indexes (matches_status, files_missing), where the join read 140k rows at 1M.
    review = (
        conn.execute(
            "SELECT count(*) FROM matches WHERE status IN ('ambiguous', 'unmatched', 'error')"
        ).fetchone()[0]
        - conn.execute(
            "SELECT count(*) FROM files f JOIN matches m ON m.file_id = f.id "
            "WHERE f.missing = 1 AND m.status IN ('ambiguous', 'unmatched', 'error')"
        ).fetchone()[0]
    )
    missing = conn.execute("SELECT count(*) FROM files WHERE missing = 1").fetchone()[0]
    errors = conn.execute(f"SELECT count(*) FROM ({_latest_errors_sql()})").fetchone()[0]
    roots = [r[0] for r in conn.execute("SELECT path FROM library_roots ORDER BY path")]
    return CatalogStatus(
        tracks, last, running, review, missing, errors, roots, verify_runs.last_verify_run(conn)
    )


# ---------------------------------------------------------------- detail


@dataclass(frozen=True)
class Difference:
    """One field compared between the file's tags and MusicBrainz."""

    field: str
    file_value: str | None
    mb_value: str | None
    differs: bool


@dataclass
class TrackDetail:
    file: dict[str, Any]
    tags: dict[str, Any]
    raw: dict[str, list[Any]]
    pictures: list[dict[str, Any]]
    match: dict[str, Any] | None
    release: dict[str, Any] | None = None
    recording: dict[str, Any] | None = None
    mb_track: dict[str, Any] | None = None
    labels: list[dict[str, Any]] = field(default_factory=list)
    isrcs: list[str] = field(default_factory=list)
    credits: list[dict[str, Any]] = field(default_factory=list)
    album_match: dict[str, Any] | None = None
    comparison: list[Difference] = field(default_factory=list)
    verify_finding: str | None = None  # the last verify's finding, for a damaged file
    fingerprints: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    moves: list[dict[str, Any]] = field(default_factory=list)
    analysis: dict[str, Any] | None = None  # archiver analyze's row, with "current"


def _one(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
    cursor = conn.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def _all(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def track_detail(conn: sqlite3.Connection, file_id: int) -> TrackDetail | None:
    """Everything the catalog knows about one file, MusicBrainz data included."""
    file = _one(conn, "SELECT * FROM files WHERE id = ?", (file_id,))
    if file is None:
        return None
    file.pop("path_bytes", None)
    tags = _one(conn, "SELECT * FROM tags WHERE file_id = ?", (file_id,)) or {}
    try:
        raw = json.loads(tags.pop("raw", None) or "{}")
    except ValueError:
        raw = {}
    tags.pop("file_id", None)
    pictures = _all(
        conn,
        "SELECT position, picture_type, mime, width, height, size, sha256 FROM pictures "
        "WHERE file_id = ? ORDER BY position",
        (file_id,),
    )
    mb = mb_data_for_file(conn, file_id)
    detail = TrackDetail(file, tags, raw, pictures, mb["match"] if mb else None)
    if mb:
        detail.release = mb["release"]
        detail.mb_track = mb["track"]
        detail.recording = mb["recording"]
        detail.labels = mb["labels"]
        detail.isrcs = mb["isrcs"]
        detail.credits = mb["credits"]
        if mb["match"].get("album_key"):
            detail.album_match = album_match(conn, mb["match"]["album_key"])
    detail.comparison = compare_with_musicbrainz(detail)
    if file.get("last_verify_status") in verify_runs.DAMAGE_STATUSES:
        found = [d for d in verify_runs.damaged_files(conn) if d.file_id == file_id]
        detail.verify_finding = found[0].detail if found else None
    detail.fingerprints = checksums.fingerprint_history(conn, file_id)
    detail.moves = moves.file_moves(conn, file_id)
    detail.analysis = analysis.get_current(conn, file_id)
    return detail


def _norm(value: Any) -> str:
    """Compare loosely: case, spacing and typographic quotes/dashes do not count."""
    text = str(value).casefold().strip()
    for a, b in (
        ("’", "'"),
        ("‘", "'"),
        ("“", '"'),
        ("”", '"'),
        ("‐", "-"),
        ("–", "-"),
        ("—", "-"),
    ):
        text = text.replace(a, b)
    return " ".join(text.split())


def compare_with_musicbrainz(detail: TrackDetail) -> list[Difference]:
    """The file's tags beside the matched MusicBrainz values; empty without a match."""
    release, track, recording = detail.release, detail.mb_track, detail.recording
    if not (release or track or recording):
        return []
    tags, file = detail.tags, detail.file
    mb: dict[str, Any] = {}
    if track or recording:
        mb["title"] = (track or {}).get("title") or (recording or {}).get("title")
        mb["artist"] = (track or {}).get("artist_credit") or (recording or {}).get("artist_credit")
    if release:
        mb["album"] = release.get("title")
        mb["albumartist"] = release.get("artist_credit")
        mb["date"] = release.get("date")
        mb["barcode"] = release.get("barcode")
        mb["totaldiscs"] = release.get("medium_count")
        mb["musicbrainz_albumid"] = release.get("mbid")
    if track:
        mb["tracknumber"] = track.get("position")
        mb["discnumber"] = track.get("disc_number")
        mb["musicbrainz_trackid"] = track.get("mbid")
    if recording:
        mb["musicbrainz_recordingid"] = recording.get("mbid")
    if detail.labels:
        mb["label"] = (
            "; ".join(x["label_name"] for x in detail.labels if x.get("label_name")) or None
        )
        mb["catalognumber"] = (
            "; ".join(x["catalog_number"] for x in detail.labels if x.get("catalog_number")) or None
        )
    if detail.isrcs:
        mb["isrc"] = "; ".join(detail.isrcs)
    result = []
    for name, mb_value in mb.items():
        file_value = tags.get(name)
        if mb_value is None and file_value is None:
            continue
        if name == "date" and file_value and mb_value and str(mb_value).startswith(str(file_value)):
            differs = False  # "1969" in the file, "1969-09-26" at MusicBrainz: same, less precise
        elif name == "isrc" and file_value and detail.isrcs:
            differs = not set(_norm(v) for v in str(file_value).split(";")) <= {
                _norm(i) for i in detail.isrcs
            }
        else:
            differs = (file_value is None) != (mb_value is None) or (
                file_value is not None and _norm(file_value) != _norm(mb_value)
            )
        result.append(Difference(name, _text(file_value), _text(mb_value), differs))
    length = (track or {}).get("length") or (recording or {}).get("length")
    if length is not None or file.get("duration") is not None:
        dur = file.get("duration")
        differs = dur is None or length is None or abs(float(dur) - float(length)) > 3.0
        result.append(Difference("length", _seconds(dur), _seconds(length), differs))
    return result


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _seconds(value: Any) -> str | None:
    if value is None:
        return None
    total = round(float(value))
    return f"{total // 60}:{total % 60:02d}"
