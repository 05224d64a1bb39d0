"""Cover images beside the audio files: ``cover.*``, ``folder.*`` and ``front.*``
(jpg, jpeg, png, gif, webp, bmp; any case) in every folder holding audio files.

Run at the end of a scan (``record_folder_images``): each folder of the scanned
part that holds catalogued files is listed once; a new or changed image is read
once (size, dimensions from its header, SHA-256); an unchanged one (same size and
modification time) is not opened again. Rows follow what the folders hold: an
image gone from a listed folder is removed (a description, not history).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable

from archiver.catalog.db import Catalog, utc_now
from archiver.scan.mapping import image_info
from archiver.scan.plan import subtree_bounds
from archiver.scan.record import display_path

__all__ = ["COVER_NAME", "cover_name", "record_folder_images"]

COVER_NAME = re.compile(rb"^(cover|folder|front)\.(jpe?g|png|gif|webp|bmp)$", re.IGNORECASE)
_HEADER = 65536  # enough for any image header we read (JPEG SOF after EXIF, ...)


def cover_name(name: bytes) -> str | None:
    """ "cover", "folder" or "front" for a cover image's file name, else None."""
    match = COVER_NAME.match(name)
    return match.group(1).decode("ascii").lower() if match else None


def _folders(catalog: Catalog, top: bytes) -> set[bytes]:
    """The folders at or under ``top`` holding a file present at this scan."""
    lo, hi = subtree_bounds(top)
    rows = catalog.execute(
        "SELECT path_bytes FROM files WHERE missing = 0"
        " AND (path_bytes = ? OR (path_bytes >= ? AND path_bytes < ?))",
        (top, lo, hi),
    )
    return {bytes(p).rpartition(b"/")[0] or b"/" for (p,) in rows}


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
    """Record the cover images of every folder holding audio at or under ``tops``;
    returns how many images the folders hold. A folder or image that cannot be
    read is passed over (the scan's own errors name unreadable folders)."""
    now = utc_now()
    found = 0
    for top in tops:
        folders = _folders(catalog, top)
        lo, hi = subtree_bounds(top)
        known = {
            bytes(p): (size, mtime)
            for p, size, mtime in catalog.execute(
                "SELECT path_bytes, size, mtime_ns FROM folder_images"
                " WHERE path_bytes >= ? AND path_bytes < ?",
                (lo, hi),
            )
        }
        upserts: list[tuple] = []
        seen: set[bytes] = set()
        for folder in sorted(folders):
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                name = cover_name(entry.name)
                if name is None:
                    continue
                try:
                    if not entry.is_file():
                        continue
                    st = entry.stat()
                except OSError:
                    continue
                path = entry.path
                seen.add(path)
                if known.get(path) == (st.st_size, st.st_mtime_ns):
                    continue
                try:
                    mime, width, height, sha = _read_image(path)
                except OSError:
                    seen.discard(path)
                    continue
                upserts.append(
                    (
                        display_path(folder.rstrip(b"/") + b"/"),
                        display_path(path),
                        path,
                        name,
                        mime,
                        width,
                        height,
                        st.st_size,
                        st.st_mtime_ns,
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
                " ON CONFLICT(path_bytes) DO UPDATE SET folder = excluded.folder, name = excluded.name,"
                " mime = excluded.mime, width = excluded.width, height = excluded.height,"
                " size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,"
                " scan_id = excluded.scan_id, seen_at = excluded.seen_at",
                upserts,
            )
            conn.executemany("DELETE FROM folder_images WHERE path_bytes = ?", gone)
    return found
