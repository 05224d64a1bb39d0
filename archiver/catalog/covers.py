"""Album covers as the catalog knows them: which embedded picture is a file's
front cover, and each album's cover (the one most of its files carry).

A file's cover is its first picture of type "front cover", else its first
picture of type "other" or of no type (many taggers write a cover as type 0);
back covers, artist photos, ... never are. Cover images beside the files
(``cover.*``, ``folder.*``, ``front.*``, table ``folder_images``) are listed
with the album. An album is (album artist, falling
back to the track artist; album), as everywhere in archiver. Reads only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from archiver.catalog.cover_sql import ALBUM_ARTIST, FOLDER_OF_F, cover_position
from archiver.catalog.query import TRACKS_FROM, CompiledQuery

__all__ = [
    "ALBUM_ARTIST",
    "FILE_COVER_POSITION",
    "AlbumCover",
    "Cover",
    "FolderImage",
    "album_covers",
    "choose_cover",
    "cover_stats",
    "folder_images",
]

# The position of file f's cover picture in ``pictures`` (NULL: it has none).
FILE_COVER_POSITION = cover_position("f.id")


@dataclass
class Cover:
    """One distinct cover picture of an album and the files carrying it."""

    sha256: str
    mime: str | None
    width: int | None
    height: int | None
    size: int
    files: list[bytes] = field(default_factory=list)  # on disk at the last scan

    @property
    def pixels(self) -> int | None:
        """The shorter side, in pixels (None when the image header was not understood)."""
        if self.width is None or self.height is None:
            return None
        return min(self.width, self.height)


@dataclass
class FolderImage:
    """A cover image beside the audio files (``folder_images``)."""

    path_bytes: bytes
    name: str  # cover, folder, front
    mime: str | None
    width: int | None
    height: int | None
    size: int
    sha256: str

    @property
    def pixels(self) -> int | None:
        if self.width is None or self.height is None:
            return None
        return min(self.width, self.height)


_NAME_ORDER = {"front": 0, "cover": 1, "folder": 2}


@dataclass
class AlbumCover:
    albumartist: str | None
    album: str | None
    tracks: int = 0
    without: int = 0  # tracks whose file has no cover
    covers: dict[str, Cover] = field(default_factory=dict)  # sha256 -> cover
    folder: bytes | None = None  # the folder of its first file
    folders: set[str] = field(default_factory=set)  # its files' folders, as files.path shows them
    folder_images: list[FolderImage] = field(default_factory=list)  # best first

    @property
    def cover(self) -> Cover | None:
        return choose_cover(self.covers.values())

    @property
    def folder_image(self) -> FolderImage | None:
        return self.folder_images[0] if self.folder_images else None

    @property
    def disagree(self) -> bool:
        """Its files carry more than one distinct cover."""
        return len(self.covers) > 1


def choose_cover(covers: Iterable[Cover]) -> Cover | None:
    """The album's cover: the one most files carry, then the larger, then by hash (stable)."""
    return max(
        covers,
        key=lambda c: (len(c.files), (c.width or 0) * (c.height or 0), c.size, c.sha256),
        default=None,
    )


def album_covers(conn: sqlite3.Connection, query: CompiledQuery) -> list[AlbumCover]:
    """The albums of the tracks ``query`` selects, in album artist / album order, each
    with the distinct covers its selected files carry."""
    sql = (
        f"SELECT {ALBUM_ARTIST}, t.album, f.path_bytes, f.missing, {FOLDER_OF_F},"
        " p.sha256, p.mime, p.width, p.height, p.size"
        f" FROM {TRACKS_FROM}"
        f" LEFT JOIN pictures AS p ON p.file_id = f.id AND p.position = {FILE_COVER_POSITION}"
        f" WHERE ({query.where})"
        f" ORDER BY {ALBUM_ARTIST} IS NULL, {ALBUM_ARTIST} COLLATE NOCASE, {ALBUM_ARTIST},"
        " t.album IS NULL, t.album COLLATE NOCASE, t.album, f.path_bytes"
    )
    albums: dict[tuple, AlbumCover] = {}
    rows = conn.execute(sql, query.params)
    for artist, album, path_bytes, missing, folder, sha, mime, width, height, size in rows:
        entry = albums.get((artist, album))
        if entry is None:
            entry = albums[(artist, album)] = AlbumCover(artist, album)
            entry.folder = bytes(path_bytes).rpartition(b"/")[0] or b"/"
        entry.tracks += 1
        entry.folders.add(folder)
        if sha is None:
            entry.without += 1
            continue
        cover = entry.covers.get(sha)
        if cover is None:
            cover = entry.covers[sha] = Cover(sha, mime, width, height, size)
        if not missing:
            cover.files.append(bytes(path_bytes))
    for entry in albums.values():
        entry.folder_images = folder_images(conn, entry.folders)
    return list(albums.values())


def folder_images(conn: sqlite3.Connection, folders: Iterable[str]) -> list[FolderImage]:
    """The cover images recorded in ``folders`` (as files.path shows them, ending in
    "/"), best first: front.*, cover.*, folder.*, then the larger."""
    found: list[FolderImage] = []
    for folder in folders:
        found += [
            FolderImage(bytes(row[0]), *row[1:])
            for row in conn.execute(
                "SELECT path_bytes, name, mime, width, height, size, sha256"
                " FROM folder_images WHERE folder = ?",
                (folder,),
            )
        ]
    found.sort(key=lambda i: (_NAME_ORDER.get(i.name, 3), -(i.pixels or 0), i.path_bytes))
    return found


# Cover sizes ``archiver stats`` counts albums in: (label, shorter side from, to).
SIZE_BANDS = (
    ("under_300", 0, 300),
    ("300_499", 300, 500),
    ("500_999", 500, 1000),
    ("1000_up", 1000, None),
)


def cover_stats(conn: sqlite3.Connection, query: CompiledQuery) -> dict:
    """Albums (with an album tag) of the selected tracks by cover: with one
    (embedded, or only beside the files), without, whose files disagree, and by
    the size of the largest cover; JSON-able (``stats --json`` key ``covers``).

    The whole catalog reads the per-album summaries of migration 0019
    (``stats_summary``) instead of every track's row (16 s at a million tracks)."""
    from archiver.catalog import stats, stats_summary

    if query.where.strip() == "1" and stats.summaries_kept(conn) and stats_summary.settle(conn):
        albums = stats_summary.cover_figures(conn)
    else:
        albums = selected_cover_figures(conn, query)
    figures = {
        "albums": 0,
        "with_cover": 0,
        "without_cover": 0,
        "embedded": 0,
        "folder_only": 0,
        "disagree": 0,
        "sizes": {label: 0 for label, _, _ in SIZE_BANDS} | {"unknown": 0},
    }
    for covers, largest, has_folder_image, n in albums:
        figures["albums"] += n
        if not covers and not has_folder_image:
            figures["without_cover"] += n
            continue
        figures["with_cover"] += n
        figures["embedded" if covers else "folder_only"] += n
        figures["disagree"] += n if covers > 1 else 0
        label = "unknown"
        for name, low, high in SIZE_BANDS:
            if largest is not None and largest >= low and (high is None or largest < high):
                label = name
        figures["sizes"][label] += n
    return figures


def selected_cover_figures(conn: sqlite3.Connection, query: CompiledQuery) -> list[tuple]:
    """``album_cover_figures`` in one pass of SQL over the selected rows (GROUP BY
    instead of an object per album and a folder look-up per folder: 1.7 -> 0.6 s
    for 90,000 of a million tracks)."""
    sql = f"""WITH sel AS MATERIALIZED (
        SELECT quote(t.album) || char(31) || quote({ALBUM_ARTIST}) AS k,
               pc.sha256 AS sha256, min(pc.width, pc.height) AS px, {FOLDER_OF_F} AS folder
        FROM {TRACKS_FROM}
        LEFT JOIN pictures AS pc ON pc.file_id = f.id AND pc.position = {FILE_COVER_POSITION}
        WHERE ({query.where}) AND t.album IS NOT NULL)
    SELECT min(coalesce(c.n, 0), 2), nullif(max(coalesce(c.px, -1), coalesce(d.px, -1)), -1),
           d.k IS NOT NULL, count(*)
    FROM (SELECT DISTINCT k FROM sel) AS a
    LEFT JOIN (SELECT k, count(DISTINCT sha256) AS n, max(px) AS px FROM sel
               WHERE sha256 IS NOT NULL GROUP BY k) AS c ON c.k = a.k
    LEFT JOIN (SELECT s.k, max(min(fi.width, fi.height)) AS px
               FROM (SELECT DISTINCT k, folder FROM sel) AS s
               JOIN folder_images AS fi ON fi.folder = s.folder GROUP BY s.k) AS d ON d.k = a.k
    GROUP BY 1, 2, 3"""
    return conn.execute(sql, query.params).fetchall()


def album_cover_figures(conn: sqlite3.Connection, query: CompiledQuery) -> list[tuple]:
    """The albums (with an album tag) of the selected tracks, from their rows, as
    ``stats_summary.cover_figures`` gives them for the whole catalog: (embedded
    covers: 0, 1 or 2 for more, the largest side of their covers and folder
    images or None, has folder images, how many such albums)."""
    counts: dict[tuple, int] = {}
    for album in album_covers(conn, query):
        if album.album is None:
            continue
        sides = [c.pixels for c in album.covers.values()]
        sides += [i.pixels for i in album.folder_images]
        key = (
            min(len(album.covers), 2),
            max((s for s in sides if s is not None), default=None),
            bool(album.folder_images),
        )
        counts[key] = counts.get(key, 0) + 1
    return [(*key, n) for key, n in counts.items()]
