"""All tracks' orders, kept on disk: the ids of every track sorted by a column.

At a million tracks, ordering every id by SQLite (``browse.track_ids``) takes
3-8 s on a 2-core machine: a pass over ~600 MB of joined rows and a sort of a
million NOCASE keys. The order only changes when the catalog does, so the
browser keeps each one in a file (4 bytes per track) tagged with the catalog's
stamp (migration 0021: triggers give it a new random value on every write that
can move, add or remove a row of All tracks). A re-sort then reads a few MB.

After a change (a rescan that found three new files, an enrichment), a kept
order is patched rather than read again: the same triggers log each changed
file id with the new stamp (migration 0025, ``catalog_changes``), the file
records the last log row it was read at, and :func:`patch` takes the logged ids
out and puts each one that is still a track back where SQLite places it. At a
million tracks: 0.04-0.12 s for a handful of changes, ~0.2 s for 3,000, ~0.8 s
for 10,000, against 3-5 s for the full ORDER BY (benchmarks/bench_tui.py). When
the log cannot tell (pruned, another catalog's history) or more than a fiftieth
of the tracks changed, the order is read again from SQLite.

Equality with the SQL it replaces: an order is the result of that very query
(``browse.order_by``, ties broken by ``f.id``, so a total order), read in one
snapshot with the stamp. A patched one is too: the rows not logged kept their
sort values, so they stay in that order; each logged row is placed among them by
that same ORDER BY, run by SQLite on the row with a few of the others (no sort
semantics, NOCASE or NULL rules, redone in Python). Descending needs no query of its own: ``order_by`` reverses every term
but keeps the rows whose leading value is NULL last, so the descending order is
the ascending one reversed within its two parts (values, then NULLs), which the
file records (``nulls_from``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import struct
import sys
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.catalog import browse

_MAGIC = b"ARCHORD2"
_HEADER = struct.Struct("<8sqqqqc")  # magic, stamp, seq, count, nulls_from, typecode

# A kept order is patched when at most this many files changed since it was read
# (or a fiftieth of the order, if more); beyond, SQLite orders every row again.
PATCH_LIMIT = 2_000
# Rows of the catalog's log (migration 0025) that a patch reads at most.
LOG_LIMIT = 100_000
# Kept rows each round of a patch's search puts beside the changed ones.
_PIVOTS = 512


@dataclass(frozen=True)
class Ordering:
    """The ids of a view in ascending order, read when the catalog's stamp was ``stamp``
    and its change log (migration 0025) ended at ``seq`` (0: no log); the rows from
    ``nulls_from`` on have NULL in the sort's leading column."""

    stamp: int
    ids: array
    nulls_from: int
    seq: int = 0


def cacheable(scope: browse.Scope) -> bool:
    """Whether ``scope`` is one whose orders are kept: All tracks unfiltered (a
    free-text filter narrows them, ``browse.narrowed_ids``)."""
    return scope.category == "all" and not scope.where and scope.entry is None and not scope.album


def catalog_stamp(conn: sqlite3.Connection) -> int | None:
    """The catalog's stamp; None for a catalog without one (not migrated to 0021)."""
    try:
        row = conn.execute("SELECT stamp FROM catalog_stamp WHERE id = 0").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return None if row is None else int(row[0])


def log_end(conn: sqlite3.Connection) -> int:
    """The last ``seq`` of the catalog's change log; 0 without one (before 0025)."""
    try:
        row = conn.execute("SELECT max(seq) FROM catalog_changes").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    return int(row[0] or 0)


def compute(conn: sqlite3.Connection, sort: str, include_missing: bool = False) -> Ordering:
    """Read the ascending order of All tracks by ``sort`` from SQLite, and the stamp,
    in one snapshot."""
    scope = browse.Scope("all", include_missing=include_missing)
    where, params = browse.scope_where(scope)
    sql = (
        f"SELECT f.id, {_lead(sort)} {browse.tracks_from(scope)} WHERE {where} "
        f"ORDER BY {browse.order_by(sort)}"
    )
    with _snapshot(conn):
        stamp = catalog_stamp(conn) or 0
        seq = log_end(conn)
        ids = array("q")
        nulls_from = -1
        cursor = conn.execute(sql, params)
        while chunk := cursor.fetchmany(20_000):
            if nulls_from < 0 and chunk[-1][1]:
                first = next(i for i, row in enumerate(chunk) if row[1])
                nulls_from = len(ids) + first
            ids.extend(row[0] for row in chunk)
    return Ordering(stamp, _compact(ids), len(ids) if nulls_from < 0 else nulls_from, seq)


def _lead(sort: str) -> str:
    """An expression true for the rows ``sort`` puts last for a NULL leading value."""
    terms = browse.SORTS.get(sort, browse.SORTS["artist"])
    return terms[0] if terms[0].endswith(" IS NULL") else "0"


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read snapshot for the statements inside (the caller's transaction if open)."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        if own:
            conn.execute("COMMIT")


def changed_since(conn: sqlite3.Connection, kept: Ordering, limit: int) -> list[int] | None:
    """The ids of the files whose row of All tracks may have moved, come or gone
    since ``kept`` was read (the change log after its ``seq``); None when the log
    cannot tell (no log, pruned past it, or a catalog whose history is not the one
    ``kept`` was read from: the row at its ``seq`` holds another stamp) or more than
    ``limit`` files changed."""
    if kept.seq <= 0:
        return None
    try:
        row = conn.execute(
            "SELECT stamp FROM catalog_changes WHERE seq = ?", (kept.seq,)
        ).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    if row is None or row[0] != kept.stamp:
        return None
    rows = conn.execute(
        "SELECT DISTINCT file_id FROM catalog_changes WHERE seq > ? AND file_id IS NOT NULL "
        "LIMIT ?",
        (kept.seq, limit + 1),
    ).fetchall()
    if len(rows) > limit:
        return None
    return [r[0] for r in rows]


def patch(
    conn: sqlite3.Connection, kept: Ordering, sort: str, include_missing: bool = False
) -> Ordering | None:
    """``kept`` brought up to the catalog's present, equal to :func:`compute`, from the
    change log: the ids of the changed files taken out (the others keep their order:
    their sort values are those ``kept`` was read with), then each changed file that
    is a track of All tracks put back where SQLite's ORDER BY places it among the
    others (:func:`_positions`). None when the log cannot tell what changed, or too
    much did: :func:`compute` then."""
    import numpy as np  # here, not at start: the browser's first paint never needs it

    with _snapshot(conn):
        stamp = catalog_stamp(conn)
        if stamp is None:
            return None
        seq = log_end(conn)
        if stamp == kept.stamp:
            return Ordering(stamp, kept.ids, kept.nulls_from, seq)
        limit = max(PATCH_LIMIT, len(kept.ids) // 50)
        changed = changed_since(conn, kept, limit)
        if changed is None:
            return None
        old = np.frombuffer(kept.ids, dtype=np.int32 if kept.ids.itemsize == 4 else np.int64)
        out = np.isin(old, np.array(changed, dtype=np.int64))
        rest = old[~out].astype(np.int64)
        cut = int(np.count_nonzero(~out[: kept.nulls_from]))
        scope = browse.Scope("all", include_missing=include_missing)
        where, params = browse.scope_where(scope)
        back = conn.execute(
            f"SELECT f.id, {_lead(sort)} {browse.tracks_from(scope)} WHERE {where} "
            f"AND f.id IN (SELECT value FROM json_each(?)) ORDER BY {browse.order_by(sort)}",
            (*params, json.dumps(changed)),
        ).fetchall()
        back_ids = [row[0] for row in back]
        places = _positions(conn, sort, rest, back_ids)
        if places is None:
            return None
    ids = np.insert(rest, places, np.array(back_ids, dtype=np.int64))
    nulls_from = cut + sum(1 for row in back if not row[1])
    packed = ids.astype(np.int32) if not len(ids) or ids.max() < 2**31 else ids
    return Ordering(
        stamp, array("i" if packed.dtype == np.int32 else "q", packed.tobytes()), nulls_from, seq
    )


def _positions(conn: sqlite3.Connection, sort: str, rest: Any, back: list[int]) -> Any:
    """For each id of ``back`` (in ascending order by ``sort``, none of them in
    ``rest``), how many ids of ``rest`` (ascending by ``sort``) come before it; None if
    a row could not be read. SQLite decides every comparison: each round orders, by
    the very ORDER BY of the sort (a total order: ties end at the id), the ids still
    unplaced with a few ids of ``rest`` from each one's remaining range, and narrows
    the ranges to between the two that enclose it; ~5 rounds of a few hundred rows
    for a handful of changes, ~log2(n / k) rounds of 2k rows for k changes."""
    import numpy as np

    sql = (
        f"SELECT f.id {browse.TRACKS_FROM} WHERE f.id IN (SELECT value FROM json_each(?)) "
        f"ORDER BY {browse.order_by(sort)}"
    )
    k = len(back)
    lo = [0] * k
    hi = [len(rest)] * k
    while True:
        open_ = [i for i in range(k) if lo[i] < hi[i]]
        if not open_:
            return np.array(lo, dtype=np.int64)
        ranges: dict[tuple[int, int], list[int]] = {}
        for i in open_:
            ranges.setdefault((lo[i], hi[i]), [])
        each = max(1, max(_PIVOTS, len(open_)) // len(ranges))
        for (a, b), pivots in ranges.items():
            count = min(each, b - a)
            pivots.extend(a + (j * (b - a)) // (count + 1) for j in range(1, count + 1))
        asked = [back[i] for i in open_]
        for pivots in ranges.values():
            asked.extend(int(rest[p]) for p in pivots)
        got = conn.execute(sql, (json.dumps(asked),)).fetchall()
        if len(got) != len(asked):
            return None
        rank = {row[0]: r for r, row in enumerate(got)}
        ranked = {key: [rank[int(rest[p])] for p in pivots] for key, pivots in ranges.items()}
        for i in open_:
            a, b = lo[i], hi[i]
            pivots = ranges[(a, b)]
            j = bisect_left(ranked[(a, b)], rank[back[i]])
            lo[i] = pivots[j - 1] + 1 if j else a
            hi[i] = pivots[j] if j < len(pivots) else b
        # ``back`` is ascending, so its places are too: each range within its neighbours'.
        for i in range(1, k):
            lo[i] = max(lo[i], lo[i - 1])
        for i in range(k - 2, -1, -1):
            hi[i] = min(hi[i], hi[i + 1])


def _compact(ids: array) -> array:
    """4 bytes per id when they fit (every catalog below two billion files)."""
    if not ids or max(ids) < 2**31:
        return array("i", ids)
    return ids


def arrange(ordering: Ordering, descending: bool) -> array:
    """The ids in display order: ascending as read, or descending (each part reversed,
    the NULLs staying last, as ``browse.order_by`` does) (pure)."""
    ids, cut = ordering.ids, ordering.nulls_from
    if not descending:
        return ids
    return ids[cut - 1 :: -1] + ids[: cut - 1 : -1] if cut else ids[::-1]


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/archiver/orders`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "archiver" / "orders"


def _folder(folder: Path | None) -> Path | None:
    """``folder``, else the cache folder; None when there is no home to put it in."""
    if folder is not None:
        return folder
    try:
        return cache_dir()
    except (RuntimeError, KeyError, OSError):
        return None


def cache_file(db_path: str | Path, sort: str, include_missing: bool, folder: Path) -> Path:
    """The file that keeps one order of the catalog at ``db_path`` (pure)."""
    name = hashlib.sha256(str(Path(db_path).resolve()).encode("utf-8", "surrogateescape"))
    tail = "-all" if include_missing else ""
    return folder / f"{name.hexdigest()[:24]}-{sort}{tail}.ids"


def save(path: Path, ordering: Ordering) -> None:
    """Write ``ordering`` atomically (a reader sees the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = ordering.ids
    if sys.byteorder != "little":
        ids = array(ids.typecode, ids)
        ids.byteswap()
    header = _HEADER.pack(
        _MAGIC, ordering.stamp, ordering.seq, len(ids), ordering.nulls_from, ids.typecode.encode()
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".order-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(header)
            ids.tofile(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> Ordering | None:
    """The ordering kept in ``path``; None if absent, damaged or cut short."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HEADER.size)
            if len(head) != _HEADER.size:
                return None
            magic, stamp, seq, count, nulls_from, code = _HEADER.unpack(head)
            typecode = code.decode("ascii", "replace")
            if magic != _MAGIC or typecode not in ("i", "q") or not 0 <= nulls_from <= count:
                return None
            ids = array(typecode)
            ids.fromfile(f, count)
            if f.read(1):
                return None
    except (OSError, EOFError, ValueError):
        return None
    if sys.byteorder != "little":
        ids.byteswap()
    return Ordering(stamp, ids, nulls_from, seq)


def ordering(
    conn: sqlite3.Connection,
    db_path: str | Path,
    sort: str,
    include_missing: bool = False,
    folder: Path | None = None,
) -> Ordering:
    """The ascending order of All tracks by ``sort``: from its file when the stamp
    matches the catalog's, else patched from it (:func:`patch`) or read from SQLite,
    and kept for next time (a folder that cannot be written only costs the next
    reader the work)."""
    where = _folder(folder)
    if where is None:  # no home folder to keep them in: the query every time
        return compute(conn, sort, include_missing)
    path = cache_file(db_path, sort, include_missing, where)
    stamp = catalog_stamp(conn)
    fresh = None
    if stamp is not None:
        kept = load(path)
        if kept is not None and kept.stamp == stamp:
            return kept
        if kept is not None:
            fresh = patch(conn, kept, sort, include_missing)
    if fresh is None:
        fresh = compute(conn, sort, include_missing)
    if stamp is not None:
        try:
            save(path, fresh)
        except OSError:
            pass
    return fresh


def track_ids(
    conn: sqlite3.Connection,
    db_path: str | Path,
    scope: browse.Scope,
    sort: str = "artist",
    descending: bool = False,
    folder: Path | None = None,
) -> array:
    """``browse.track_ids(conn, scope, sort, descending)``, from the kept order when
    ``scope`` is All tracks unfiltered, or narrowed from it by free words
    (``browse.narrowed_ids``); equal, row for row."""
    if sort not in browse.SORTS:
        return browse.track_ids(conn, scope, sort, descending)
    if cacheable(scope):
        kept = ordering(conn, db_path, sort, scope.include_missing, folder)
        return arrange(kept, descending)
    base = scope.with_(where="", params=())
    if scope.where == browse.FREE_TEXT and cacheable(base):
        kept = ordering(conn, db_path, sort, scope.include_missing, folder)
        return browse.narrowed_ids(conn, arrange(kept, descending), scope.where, scope.params)
    return browse.track_ids(conn, scope, sort, descending)


def stale(
    conn: sqlite3.Connection,
    db_path: str | Path,
    sorts: Iterable[str],
    include_missing: bool = False,
    folder: Path | None = None,
) -> list[str]:
    """The ``sorts`` whose kept order is absent or older than the catalog."""
    stamp = catalog_stamp(conn)
    where = _folder(folder)
    if stamp is None or where is None:
        return []
    wanted = []
    for sort in sorts:
        path = cache_file(db_path, sort, include_missing, where)
        kept = _stamp_of(path)
        if kept != stamp:
            wanted.append(sort)
    return wanted


def _stamp_of(path: Path) -> int | None:
    try:
        with open(path, "rb") as f:
            head = f.read(_HEADER.size)
    except OSError:
        return None
    if len(head) != _HEADER.size:
        return None
    magic, stamp, *_ = _HEADER.unpack(head)
    return stamp if magic == _MAGIC else None


def build(
    conn: sqlite3.Connection,
    db_path: str | Path,
    sorts: Iterable[str],
    include_missing: bool = False,
    folder: Path | None = None,
) -> list[str]:
    """Read and keep the order of every sort in ``sorts`` that is stale (in the
    background after the browser's first paint); returns the sorts read."""
    done = []
    for sort in stale(conn, db_path, sorts, include_missing, folder):
        ordering(conn, db_path, sort, include_missing, folder)
        done.append(sort)
    return done
