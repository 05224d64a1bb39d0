"""Incremental scan decisions, as pure functions over bytes paths.

Which files to read, which are unchanged, which are gone, which root a PATH
belongs to and which part of the catalog a scan may mark missing. No I/O
here, so every rule has a dense unit test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

SEP = b"/"


class Action(IntEnum):
    NEW = 1  # not in the catalog: read and insert
    CHANGED = 2  # size or mtime differ (or --full): read and update
    UNCHANGED = 3  # same size and mtime: a stat was enough


@dataclass(frozen=True, slots=True)
class Known:
    """What the catalog knows about one file of the scope being scanned."""

    id: int
    size: int
    mtime_ns: int
    missing: bool


def decide(known: Known | None, size: int, mtime_ns: int, full: bool = False) -> Action:
    """Read a file only when it is new, changed, or the scan is ``--full``."""
    if known is None:
        return Action.NEW
    if full or known.size != size or known.mtime_ns != mtime_ns:
        return Action.CHANGED
    return Action.UNCHANGED


def is_within(path: bytes, top: bytes) -> bool:
    """``path`` is ``top`` or lies under it (component-wise, not a string prefix)."""
    if path == top:
        return True
    prefix = top if top.endswith(SEP) else top + SEP
    return path.startswith(prefix)


def subtree_bounds(top: bytes) -> tuple[bytes, bytes]:
    """(lo, hi) such that ``lo <= p < hi`` (byte order) for every path strictly under ``top``.

    ``b"0"`` is the byte after ``b"/"``, so SQLite can use the unique index on
    ``files.path_bytes`` for a subtree with one range condition.
    """
    prefix = top if top.endswith(SEP) else top + SEP
    return prefix, prefix[:-1] + b"0"


@dataclass(frozen=True, slots=True)
class RootChoice:
    """Where a PATH goes: an existing root (scan a subtree of it) or a new root."""

    root_id: int | None  # None: PATH becomes a new root
    root_path: bytes
    absorbed: tuple[int, ...] = ()  # existing roots inside the new root, merged into it


def choose_root(path: bytes, roots: Iterable[tuple[int, bytes]]) -> RootChoice:
    """Find the root a scanned PATH belongs to.

    A PATH inside (or equal to) a remembered root scans that subtree of the
    root. Otherwise PATH is a new root, and remembered roots inside it are
    absorbed, so roots never overlap and a file has exactly one root.
    """
    roots = list(roots)
    containing = [(rid, rpath) for rid, rpath in roots if is_within(path, rpath)]
    if containing:
        rid, rpath = max(containing, key=lambda r: len(r[1]))  # the innermost
        return RootChoice(rid, rpath)
    inside = tuple(sorted(rid for rid, rpath in roots if is_within(rpath, path)))
    return RootChoice(None, path, inside)


def outermost(paths: Iterable[bytes]) -> list[bytes]:
    """Drop duplicates and PATHs inside another PATH of the same scan (order kept)."""
    paths = list(dict.fromkeys(paths))
    return [p for p in paths if not any(q != p and is_within(p, q) for q in paths)]


def gone(remaining: dict[bytes, Known], unlisted_dirs: Iterable[bytes]) -> list[int]:
    """Ids to mark missing: known, not missing yet, not seen, and not under a
    folder the walk could not list (we could not look, so we do not know)."""
    blocked = list(unlisted_dirs)
    return sorted(
        k.id
        for path, k in remaining.items()
        if not k.missing and not any(is_within(path, d) for d in blocked)
    )
