"""Album covers as the catalog knows them: which embedded picture is a file's
front cover, and each album's cover (the one most of its files carry).

A file's cover is its first picture of type "front cover", else its first
picture of type "other" or of no type (many taggers write a cover as type 0);
back covers, artist photos, ... never are. An album is (album artist, falling
back to the track artist; album), as everywhere in archiver. Reads only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from archiver.catalog.query import TRACKS_FROM, CompiledQuery

__all__ = [
    "ALBUM_ARTIST",
    "FILE_COVER_POSITION",
    "AlbumCover",
    "Cover",
    "album_covers",
    "choose_cover",
]

ALBUM_ARTIST = "coalesce(t.albumartist, t.artist)"
_RANK = (
    "CASE WHEN p2.picture_type = 'front cover' THEN 0"
    " WHEN p2.picture_type IS NULL OR p2.picture_type = 'other' THEN 1 END"
)
# The position of file f's cover picture in ``pictures`` (NULL: it has none).
FILE_COVER_POSITION = (
    f"(SELECT p2.position FROM pictures AS p2 WHERE p2.file_id = f.id AND {_RANK} IS NOT NULL"
    f" ORDER BY {_RANK}, p2.position LIMIT 1)"
)


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
class AlbumCover:
    albumartist: str | None
    album: str | None
    tracks: int = 0
    without: int = 0  # tracks whose file has no cover
    covers: dict[str, Cover] = field(default_factory=dict)  # sha256 -> cover
    folder: bytes | None = None  # the folder of its first file

    @property
    def cover(self) -> Cover | None:
        return choose_cover(self.covers.values())

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
        f"SELECT {ALBUM_ARTIST}, t.album, f.path_bytes, f.missing,"
        " p.sha256, p.mime, p.width, p.height, p.size"
        f" FROM {TRACKS_FROM}"
        f" LEFT JOIN pictures AS p ON p.file_id = f.id AND p.position = {FILE_COVER_POSITION}"
        f" WHERE ({query.where})"
        f" ORDER BY {ALBUM_ARTIST} IS NULL, {ALBUM_ARTIST} COLLATE NOCASE, {ALBUM_ARTIST},"
        " t.album IS NULL, t.album COLLATE NOCASE, t.album, f.path_bytes"
    )
    albums: dict[tuple, AlbumCover] = {}
    for artist, album, path_bytes, missing, sha, mime, width, height, size in conn.execute(
        sql, query.params
    ):
        entry = albums.get((artist, album))
        if entry is None:
            entry = albums[(artist, album)] = AlbumCover(artist, album)
            entry.folder = bytes(path_bytes).rpartition(b"/")[0] or b"/"
        entry.tracks += 1
        if sha is None:
            entry.without += 1
            continue
        cover = entry.covers.get(sha)
        if cover is None:
            cover = entry.covers[sha] = Cover(sha, mime, width, height, size)
        if not missing:
            cover.files.append(bytes(path_bytes))
    return list(albums.values())
