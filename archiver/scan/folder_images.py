"""Cover images beside the audio files: ``cover.*``, ``folder.*`` and ``front.*``
(jpg, jpeg, png, gif, webp, bmp; any case).

Run at the end of a scan (``record_folder_images``), on what the walk already
found: the scan names every non-audio file it passes over in ``skipped_files``
(kind ``image``), so no folder is listed twice. A new or changed cover image
(size or modification time differs) is read once: dimensions from its header,
SHA-256; an unchanged one is not opened again. Rows follow the folders: an
image no longer present at its folder's last scan is removed (a description,
not history; ``skipped_files`` keeps the history of the file itself).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable

from archiver.catalog.db import Catalog, utc_now
from archiver.scan.mapping import image_info
from archiver.scan.plan import subtree_bounds
from archiver.scan.record import display_path, mtime_ns_of

__all__ = ["COVER_NAME", "cover_name", "record_folder_images"]

COVER_NAME = re.compile(rb"^(cover|folder|front)\.(jpe?g|png|gif|webp|bmp)$", re.IGNORECASE)
_HEADER = 65536  # enough for any image header we read (JPEG SOF after EXIF, ...)


def cover_name(name: bytes) -> str | None:
    """ "cover", "folder" or "front" for a cover image's file name, else None."""
    match = COVER_NAME.match(name)
    return match.group(1).decode("ascii").lower() if match else None


def _candidates(catalog: Catalog, top: bytes) -> list[tuple[bytes, str, int, int]]:
    """(path, name, size, mtime_ns) of the cover images the scan found at or under ``top``."""
    lo, hi = subtree_bounds(top)
    rows = catalog.execute(
        "SELECT path_bytes, size, mtime_ns FROM skipped_files WHERE kind = 'image'"
        " AND missing = 0 AND size IS NOT NULL"
        " AND (path_bytes = ? OR (path_bytes >= ? AND path_bytes < ?))",
        (top, lo, hi),
    )
    found = []
    for path, size, mtime_ns in rows:
        path = bytes(path)
        name = cover_name(path.rpartition(b"/")[2])
        if name is not None:
            found.append((path, name, size, mtime_ns))
    return found


def _read_image(path: bytes) -> tuple[str | None, int | None, int | None, str]:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        head = handle.read(_HEADER)
        digest.update(head)
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    mime, width, height = image_info(head)
    return mime, width, height, digest.hexdigest()


def record_folder_images(catalog: Catalog, tops: Iterable[bytes], scan_id: int | None) -> int:
    """Record the cover images the scan found at or under ``tops``; returns how many
    there are. An image that cannot be read (gone meanwhile, not a regular file)
    is left out until a later scan."""
    now = utc_now()
    found = 0
    for top in tops:
        lo, hi = subtree_bounds(top)
        known = {
            bytes(p): (size, mtime)
            for p, size, mtime in catalog.execute(
                "SELECT path_bytes, size, mtime_ns FROM folder_images"
                " WHERE path_bytes = ? OR (path_bytes >= ? AND path_bytes < ?)",
                (top, lo, hi),
            )
        }
        upserts: list[tuple] = []
        seen: set[bytes] = set()
        for path, name, size, mtime_ns in _candidates(catalog, top):
            if known.get(path) == (size, mtime_ns):
                seen.add(path)
                continue
            try:
                st = os.stat(path)
                if not stat.S_ISREG(st.st_mode):
                    continue
                mime, width, height, sha = _read_image(path)
            except OSError:
                continue
            seen.add(path)
            folder = path.rpartition(b"/")[0] + b"/"
            upserts.append(
                (
                    display_path(folder),
                    display_path(path),
                    path,
                    name,
                    mime,
                    width,
                    height,
                    st.st_size,
                    mtime_ns_of(st),
                    sha,
                    scan_id,
                    now,
                )
            )
        gone = [(p,) for p in known if p not in seen]
        found += len(seen)
        if not upserts and not gone:
            continue
        with catalog.write() as conn:
            conn.executemany(
                "INSERT INTO folder_images (folder, path, path_bytes, name, mime, width, height,"
                " size, mtime_ns, sha256, scan_id, seen_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(path_bytes) DO UPDATE SET folder = excluded.folder,"
                " name = excluded.name, mime = excluded.mime, width = excluded.width,"
                " height = excluded.height, size = excluded.size, mtime_ns = excluded.mtime_ns,"
                " sha256 = excluded.sha256, scan_id = excluded.scan_id, seen_at = excluded.seen_at",
                upserts,
            )
            conn.executemany("DELETE FROM folder_images WHERE path_bytes = ?", gone)
    return found
