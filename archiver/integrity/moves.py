"""Recognise moved and renamed files, so a move keeps one catalog entry.

After a scan has added new files and marked vanished ones missing, each new
file is compared with the missing files of the same size (marked missing by
this scan or an earlier one):

- a missing file with a valid fingerprint (its sha256 was taken at the size and
  mtime the catalog last saw) is the same file when the new file hashes to the
  same sha256 (only same-size candidates are hashed, each at most once);
- a missing file never hashed (or whose fingerprint is stale) is the same file
  when size, mtime_ns, format, duration and the raw tags all agree. ``mv`` and
  ``rsync -a`` keep the mtime; a nanosecond mtime plus identical size and tags
  is not met by a different file in practice, and a plain copy (new mtime)
  is simply not merged.

A match is merged (see :func:`archiver.catalog.moves.merge_moved_file`): the
old row keeps its id, history, fingerprints and MusicBrainz match and takes
the new path; the row the scan just inserted is deleted. All merges of one
scan happen in one transaction.
"""

from __future__ import annotations

from collections import defaultdict

from archiver.catalog import Catalog, checksums, utc_now
from archiver.catalog import moves as sql
from archiver.integrity.hashing import Fingerprint, fingerprint_file


def _fingerprint_valid(c: sql.MoveCandidate) -> bool:
    return c.sha256 is not None and c.hashed_size == c.size and c.hashed_mtime_ns == c.mtime_ns


def _same_cheap(old: sql.MoveCandidate, new: sql.MoveCandidate) -> bool:
    """The strong cheap signal for files never hashed."""
    if (old.size, old.mtime_ns, old.format) != (new.size, new.mtime_ns, new.format):
        return False
    if old.duration is None or new.duration is None:
        if old.duration is not new.duration:
            return False
    elif abs(old.duration - new.duration) > 1e-6:
        return False
    return (old.raw_tags or "{}") == (new.raw_tags or "{}")


def detect_moves(catalog: Catalog, scan_id: int) -> int:
    """After a scan marked files missing and added new ones, merge each new file
    that is a missing file at a new path into the old entry. Returns the count."""
    conn = catalog.conn
    new_files = sql.new_files_of_scan(conn, scan_id)
    if not new_files:
        return 0
    missing = sql.missing_files_with_sizes(conn, {f.size for f in new_files})
    if not missing:
        return 0
    by_size: dict[int, list[sql.MoveCandidate]] = defaultdict(list)
    for old in missing:
        by_size[old.size].append(old)
    hashes: dict[int, Fingerprint | None] = {}

    def fingerprint_of(new: sql.MoveCandidate) -> Fingerprint | None:
        if new.file_id not in hashes:
            try:
                hashes[new.file_id] = fingerprint_file(new.path_bytes)
            except OSError:
                hashes[new.file_id] = None
        return hashes[new.file_id]

    pairs: list[tuple[sql.MoveCandidate, sql.MoveCandidate, Fingerprint | None]] = []
    taken: set[int] = set()
    for new in new_files:
        for old in by_size.get(new.size, ()):
            if old.file_id in taken:
                continue
            if _fingerprint_valid(old):
                fp = fingerprint_of(new)
                if fp is not None and fp.sha256 == old.sha256 and fp.size == new.size:
                    pairs.append((old, new, fp))
                    taken.add(old.file_id)
                    break
            elif _same_cheap(old, new):
                pairs.append((old, new, None))
                taken.add(old.file_id)
                break
    if not pairs:
        return 0
    at = utc_now()
    with catalog.write() as wconn:
        for old, new, fp in pairs:
            sql.merge_moved_file(wconn, old.file_id, new.file_id, scan_id, at)
            if fp is not None and fp.mtime_ns == new.mtime_ns:
                # Hashed just now at its new path: the current fingerprint, taken by this scan.
                checksums.add_fingerprint(wconn, old.file_id, fp, scan_id=scan_id, at=at)
    return len(pairs)
