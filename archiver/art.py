"""Cover extraction (``archiver art --extract``): each album's front cover, as the
original bytes, into a folder outside the library, under a name safe on every
file system.

:func:`safe_filename` is pure and holds the naming rules; :func:`extract_covers`
does the I/O: pictures are read back from the audio files (read-only, see
``archiver.scan.pictures``) and found by the SHA-256 the catalog recorded, so a
written file is byte-identical to the picture the catalog describes. Core
module: no click, rich or textual here.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from archiver.catalog.covers import AlbumCover, album_covers
from archiver.catalog.query import CompiledQuery

# Imported here, not inside the functions: the TUI calls these from worker
# threads, and a first import of the scanner package from two threads at once
# (a cover worker and the status bar's scan-lock probe) hands one of them a
# partly initialised module (see archiver/tui/cover_image.py).
from archiver.scan.mapping import image_info  # sniffs PNG/JPEG/GIF/BMP/WebP headers
from archiver.scan.pictures import picture_bytes

__all__ = [
    "EXTENSIONS",
    "Extracted",
    "ExtractReport",
    "cover_extension",
    "extract_covers",
    "safe_filename",
]

# Characters no Windows (NTFS, FAT, exFAT) name may hold; "/" and NUL nowhere.
_FORBIDDEN = frozenset('/\\:*?"<>|') | frozenset(map(chr, range(32))) | {"\x7f"}
# Device names Windows reserves, with or without an extension, in any case.
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]]
)
NAME_MAX_BYTES = 255  # ext4, btrfs, XFS, APFS (bytes); NTFS/exFAT: 255 UTF-16 units
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "image/tiff": "tif",
}


def safe_filename(stem: str, ext: str = "", *, max_bytes: int = NAME_MAX_BYTES) -> str:
    """``stem.ext`` made safe for every file system: NFC; ``/ \\ : * ? " < > |``
    and control characters become ``_``; no leading dot (hidden) nor trailing
    dots and spaces (Windows drops them); Windows device names (CON, com1.x,
    ...) get a ``_`` in front; at most ``max_bytes`` UTF-8 bytes (cut on a
    character boundary); an empty stem is ``_``."""
    ext = "".join(c for c in unicodedata.normalize("NFC", ext) if c.isalnum())[:10]
    suffix = "." + ext if ext else ""
    text = unicodedata.normalize("NFC", stem)
    text = "".join("_" if c in _FORBIDDEN else c for c in text)
    text = " ".join(text.split())  # tabs, runs of spaces, odd Unicode spaces
    text = text.rstrip(". ")
    if text.startswith("."):
        text = "_" + text[1:]
    if not text:
        text = "_"
    if text.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        text = "_" + text
    budget = max(1, max_bytes - len(suffix.encode("utf-8")))
    if len(text.encode("utf-8")) > budget:
        text = text.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip(". ") or "_"
    return text + suffix


def cover_extension(mime: str | None, data: bytes = b"") -> str:
    """The file extension for a cover: from its bytes when they say, else its mime type."""
    sniffed = image_info(data[:65536])[0] if data else None
    return EXTENSIONS.get(sniffed or (mime or "").lower(), "img")


@dataclass
class Extracted:
    albumartist: str | None
    album: str | None
    status: str  # written, replaced, exists, no cover, not found, no album
    path: str | None = None  # the file written (or found in the way)
    sha256: str | None = None
    size: int | None = None
    disagree: bool = False  # the album's files carry different covers
    source: str | None = None  # embedded, or folder (a cover.* image beside the files)

    def as_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class ExtractReport:
    albums: list[Extracted] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for a in self.albums if a.status == status)


def _album_stem(album: AlbumCover) -> str:
    return f"{album.albumartist or 'Unknown artist'} - {album.album}"


def extract_covers(
    conn: sqlite3.Connection,
    query: CompiledQuery,
    folder: str | os.PathLike,
    *,
    force: bool = False,
    on_album: Callable[[Extracted], None] | None = None,
) -> ExtractReport:
    """Write the front cover of every album ``query`` selects into ``folder``
    (which must exist) as ``Album Artist - Album.ext``: its embedded cover, else a
    cover image beside its files (front.*, cover.*, folder.*). An existing file is
    left alone and reported ("exists") unless ``force``; two albums whose safe
    names collide get `` (2)``, `` (3)`` ... Each file appears whole or not at
    all (written beside, then linked or renamed into place)."""
    report = ExtractReport()
    taken: set[str] = set()
    folder = os.fspath(folder)
    for album in album_covers(conn, query):
        cover = album.cover
        result = Extracted(album.albumartist, album.album, "no cover", disagree=album.disagree)
        if album.album is None:
            result.status = "no album"
        elif cover is not None or album.folder_image is not None:
            if cover is not None:
                result.source, result.sha256, result.size = "embedded", cover.sha256, cover.size
                data = cover_bytes(cover)
            else:
                image = album.folder_image
                result.source, result.sha256, result.size = "folder", image.sha256, image.size
                data = folder_image_bytes(image)
            if data is None:
                result.status = "not found"  # files changed or gone since the scan
            else:
                ext = cover_extension(cover.mime if cover else album.folder_image.mime, data)
                name = _free_name(_album_stem(album), ext, taken)
                taken.add(name.casefold())
                target = os.path.join(folder, name)
                result.path = target
                result.status = _write(target, data, force)
        report.albums.append(result)
        if on_album is not None:
            on_album(result)
    return report


def cover_bytes(cover) -> bytes | None:
    """The cover's bytes from the first of its files that still holds it."""
    for path in cover.files:
        try:
            data = picture_bytes(path, cover.sha256)
        except OSError:
            continue
        if data is not None:
            return data
    return None


def folder_image_bytes(image) -> bytes | None:
    """A folder image's bytes, if it is still the image the scan recorded (a regular
    file of the recorded size: never a FIFO or device put there since)."""
    try:
        st = os.stat(image.path_bytes)
        if not stat.S_ISREG(st.st_mode) or st.st_size != image.size:
            return None
        with open(image.path_bytes, "rb") as handle:
            data = handle.read(image.size + 1)
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == image.sha256 else None


def _free_name(stem: str, ext: str, taken: set[str]) -> str:
    """A safe name not yet used in this run (case-insensitively: macOS, Windows),
    `` (2)``, `` (3)`` ... kept within the length cap."""
    number = 1
    while True:
        tail = "" if number == 1 else f" ({number})"
        room = NAME_MAX_BYTES - len(ext) - 1 - len(tail)
        name = safe_filename(safe_filename(stem, max_bytes=room) + tail, ext)
        if name.casefold() not in taken:
            return name
        number += 1


def _write(target: str, data: bytes, force: bool) -> str:
    """Write ``data`` to ``target`` whole: "written", "replaced" or "exists" (left alone)."""
    existed = os.path.lexists(target)
    if existed and not force:
        return "exists"
    fd, tmp = tempfile.mkstemp(prefix=".archiver-art-", dir=os.path.dirname(target) or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if someone made the file meanwhile
            except FileExistsError:
                return "exists"
            except OSError:  # a file system without hard links (FAT, some FUSE)
                os.replace(tmp, target)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return "replaced" if existed else "written"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
