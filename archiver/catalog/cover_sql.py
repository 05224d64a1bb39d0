"""SQL expressions about covers, shared by the query fields (``catalog/query.py``),
the cover lookups (``catalog/covers.py``) and stats. No imports: query.py uses it.

Each expression runs in the scope of ``files AS f JOIN tags AS t`` (TRACKS_FROM).
A file's cover is its first picture of type "front cover", else its first of type
"other" or of no type. An album is (album, album artist falling back to the
artist); a track without either is an album of its own.
"""

from __future__ import annotations

ALBUM_ARTIST = "coalesce(t.albumartist, t.artist)"
# The folder of file f as files.path shows it, ending in "/": rtrim by every
# character but "/" leaves the path up to its last slash.
FOLDER_OF_F = "rtrim(f.path, replace(f.path, '/', ''))"


def _rank(p: str) -> str:
    return (
        f"CASE WHEN {p}.picture_type = 'front cover' THEN 0"
        f" WHEN {p}.picture_type IS NULL OR {p}.picture_type = 'other' THEN 1 END"
    )


def cover_position(file_id: str) -> str:
    """The ``pictures.position`` of the cover of the file ``file_id`` (NULL: none)."""
    return (
        f"(SELECT px.position FROM pictures AS px WHERE px.file_id = {file_id}"
        f" AND {_rank('px')} IS NOT NULL ORDER BY {_rank('px')}, px.position LIMIT 1)"
    )


def _album_files(select: str, join: str = "") -> str:
    """``SELECT <select> FROM`` the files of t's album (t's own file when t has no album)."""
    album = (
        f"FROM tags AS t2 {join} WHERE t2.album = t.album"
        f" AND coalesce(t2.albumartist, t2.artist) = {ALBUM_ARTIST}"
    )
    own = f"FROM tags AS t2 {join} WHERE t2.file_id = t.file_id"
    return (
        f"CASE WHEN t.album IS NULL OR {ALBUM_ARTIST} IS NULL"
        f" THEN (SELECT {select} {own}) ELSE (SELECT {select} {album}) END"
    )


_COVER_JOIN = f"JOIN pictures AS pc ON pc.file_id = t2.file_id AND pc.position = {cover_position('t2.file_id')}"
_FOLDER_IMAGE = f"SELECT {{}} FROM folder_images AS fi WHERE fi.folder = {FOLDER_OF_F}"

# 1 when the track's album has a cover: embedded in one of its files, or an image
# (cover.*, folder.*, front.*) in the track's folder; else 0.
HAS_COVER = (
    f"(coalesce({_album_files('1', _COVER_JOIN)}, 0) OR EXISTS ({_FOLDER_IMAGE.format('1')}))"
)
# The album cover's shorter side in pixels: the largest of its files' covers and of
# the folder images; NULL when there is none or no header was understood.
COVER_PX = (
    f"nullif(max(coalesce({_album_files('max(min(pc.width, pc.height))', _COVER_JOIN)}, -1),"
    f" coalesce(({_FOLDER_IMAGE.format('max(min(fi.width, fi.height))')}), -1)), -1)"
)
# How many different embedded covers the files of the track's album carry
# (2 or more: they disagree).
COVERS = f"coalesce({_album_files('count(DISTINCT pc.sha256)', _COVER_JOIN)}, 0)"
