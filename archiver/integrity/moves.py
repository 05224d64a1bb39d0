"""Recognise moved and renamed files (placeholder: the preservation issue fills it in)."""

from __future__ import annotations

from archiver.catalog import Catalog


def detect_moves(catalog: Catalog, scan_id: int) -> int:
    """After a scan marked files missing and added new ones, merge each new file
    that is a missing file at a new path into the old entry. Returns the count."""
    return 0
