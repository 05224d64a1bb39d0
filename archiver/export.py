"""Streaming writers: CSV, JSON, JSON Lines and sha256sum manifests.

Rows flow from the catalog cursor straight to the output, so memory stays
flat however large the catalog. Output to a file goes through
:func:`atomic_output`: a temporary file beside the target, renamed over it
only when the export finished, so a failed export never leaves half a file
over a good one. Core module: no click, rich or textual here.

Formats (docs/export.md):

- csv: RFC 4180 (``\\r\\n`` line ends, minimal quoting), UTF-8, a header with
  the chosen columns whatever the rows hold; NULL is an empty cell; booleans
  ``true``/``false``. ``excel=True`` adds a BOM and prefixes cells starting
  with ``= + - @``, tab or carriage return with ``'`` (formula injection).
- json: one array of objects, streamed; jsonl: one object per line. Numbers
  are numbers, booleans booleans, NULL null.
- sha256sum: ``<sha256>  <path relative to the root>`` lines, raw path bytes,
  GNU escaping for names with ``\\`` or newline, accepted by ``sha256sum -c``
  run in the root folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from archiver.catalog.query import TRACKS_FROM, CompiledQuery
from archiver.catalog.tracks import EXPORT_COLUMNS, SELECTABLE, iter_tracks
from archiver.errors import ArchiverError, UsageError

__all__ = [
    "FORMATS",
    "ExportError",
    "ManifestResult",
    "NoChecksumsError",
    "Root",
    "atomic_output",
    "export_tracks",
    "parse_columns",
    "resolve_root",
    "write_csv",
    "write_json",
    "write_manifest",
]

FORMATS = ("csv", "json", "jsonl", "sha256sum")
_EXCEL_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ExportError(UsageError, ValueError):
    """A usage problem with an export request (bad column list, ambiguous root)."""


class NoChecksumsError(ArchiverError):
    """A manifest would list nothing although files were selected: none has a
    usable checksum yet. A failure (not usage); the message is one line."""


def parse_columns(text: str | None) -> list[str]:
    """``"path,title"`` -> ["path", "title"]; None -> every documented column."""
    if text is None:
        return list(EXPORT_COLUMNS)
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ExportError("--columns: give at least one column")
    unknown = [name for name in names if name not in SELECTABLE]
    if unknown:
        raise ExportError(
            f"--columns: unknown column {unknown[0]!r}; columns: {', '.join(SELECTABLE)}"
        )
    repeated = [name for i, name in enumerate(names) if name in names[:i]]
    if repeated:
        raise ExportError(f"--columns: {repeated[0]!r} is listed twice")
    return names


# ---------------------------------------------------------------------------
# Row writers (text streams)


def _excel_safe(row: tuple) -> list:
    return [
        "'" + value if isinstance(value, str) and value.startswith(_EXCEL_TRIGGERS) else value
        for value in row
    ]


def write_csv(
    rows: Iterable[tuple], columns: Sequence[str], out: TextIO, *, excel: bool = False
) -> int:
    """Write a header and ``rows`` (booleans already "true"/"false") as CSV; return the row count.

    ``out`` must be opened with ``newline=""``.
    """
    writer = csv.writer(out, lineterminator="\r\n")
    if excel:
        out.write("\ufeff")
    writer.writerow(columns)
    counter = _Counter(rows)
    if excel:
        writer.writerows(map(_excel_safe, counter))
    else:
        writer.writerows(counter)
    return counter.count


class _Counter:
    """Counts rows as they pass, without materialising them."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> Iterator[tuple]:
        for row in self._rows:
            self.count += 1
            yield row


def write_json(
    rows: Iterable[tuple], columns: Sequence[str], out: TextIO, *, lines: bool = False
) -> int:
    """Write rows as one streamed JSON array (or JSON Lines); return the row count."""
    bools = [i for i, name in enumerate(columns) if SELECTABLE[name].kind == "bool"]
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    count = 0
    if not lines:
        out.write("[")
    for row in rows:
        if bools:
            row = list(row)
            for i in bools:
                if row[i] is not None:
                    row[i] = bool(row[i])
        text = dumps(dict(zip(columns, row, strict=True)))
        if lines:
            out.write(text + "\n")
        else:
            out.write(("\n" if count == 0 else ",\n") + text)
        count += 1
    if not lines:
        out.write("\n]\n" if count else "]\n")
    return count


def export_tracks(
    conn: sqlite3.Connection,
    query: CompiledQuery,
    out: BinaryIO,
    fmt: str = "csv",
    columns: Sequence[str] | None = None,
    *,
    excel: bool = False,
) -> int:
    """Export the tracks ``query`` selects to the binary stream ``out`` in ``fmt``; return the row count."""
    columns = list(columns) if columns is not None else list(EXPORT_COLUMNS)
    if fmt not in ("csv", "json", "jsonl"):
        raise ExportError(f"unknown format {fmt!r} for tracks (csv, json, jsonl)")
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    rows = iter_tracks(conn, query, columns, text_booleans=fmt == "csv")
    try:
        if fmt == "csv":
            count = write_csv(rows, columns, text, excel=excel)
        else:
            count = write_json(rows, columns, text, lines=fmt == "jsonl")
        text.flush()
    finally:
        rows.close()
        text.detach()
    return count


# ---------------------------------------------------------------------------
# sha256sum manifests


@dataclass(frozen=True)
class Root:
    id: int
    path: str
    path_bytes: bytes


def _roots(conn: sqlite3.Connection) -> list[Root]:
    return [
        Root(*row)
        for row in conn.execute("SELECT id, path, path_bytes FROM library_roots ORDER BY path")
    ]


def resolve_root(conn: sqlite3.Connection, root: str | os.PathLike | None) -> Root:
    """The library root a manifest is for: ``root`` if given, else the only one.

    Raises :class:`ExportError` listing the roots when none or several fit.
    """
    roots = _roots(conn)
    if not roots:
        raise ExportError("the catalog has no library roots yet (run `archiver scan PATH` first)")
    listing = ", ".join(r.path for r in roots)
    if root is None:
        if len(roots) == 1:
            return roots[0]
        raise ExportError(
            f"the catalog has several library roots; choose one with --root: {listing}"
        )
    # Given from anywhere: relative to the working folder, with ~, trailing
    # slashes, "." or "..", or through a symlink; roots are stored resolved.
    given = os.path.expanduser(os.fsencode(root))
    wanted = {given, os.path.abspath(given), os.path.realpath(given)}
    wanted |= {w.rstrip(b"/") or b"/" for w in wanted}
    for r in roots:
        stored = {r.path_bytes, r.path_bytes.rstrip(b"/") or b"/", os.path.realpath(r.path_bytes)}
        if stored & wanted:
            return r
    raise ExportError(
        f"--root {os.fsdecode(os.fsencode(root))!r} is not a library root; roots: {listing}"
    )


@dataclass
class ManifestResult:
    written: int = 0
    no_checksum: int = 0  # never hashed: run `archiver scan --checksum` or `archiver verify`
    stale: int = 0  # file changed since it was hashed
    missing: int = 0  # gone at the last scan
    outside: list[str] = field(default_factory=list)  # paths not under the root (should not happen)


def _relative(path_bytes: bytes, root: bytes) -> bytes | None:
    if path_bytes == root:  # a root that is a single file
        return os.path.basename(path_bytes)
    prefix = root if root.endswith(b"/") else root + b"/"
    if path_bytes.startswith(prefix) and len(path_bytes) > len(prefix):
        return path_bytes[len(prefix) :]
    return None


def manifest_line(sha256: str, relative: bytes) -> bytes:
    """One ``sha256sum`` line; names with a backslash, newline or CR use GNU's escaped form."""
    if b"\\" in relative or b"\n" in relative or b"\r" in relative:
        escaped = relative.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r")
        return b"\\" + sha256.encode("ascii") + b"  " + escaped + b"\n"
    return sha256.encode("ascii") + b"  " + relative + b"\n"


def write_manifest(
    conn: sqlite3.Connection, query: CompiledQuery, root: Root, out: BinaryIO
) -> ManifestResult:
    """Write a ``sha256sum -c`` manifest of the query's files under ``root`` to ``out``.

    Files without a checksum, whose checksum predates their last change, or
    missing at the last scan are left out and counted. Raises
    :class:`NoChecksumsError` when that leaves nothing of a non-empty selection
    (an empty manifest would "check" nothing and pass); then nothing was written.
    """
    result = ManifestResult()
    sql = (
        f"SELECT f.path_bytes, f.sha256, f.missing, f.size, f.mtime_ns, f.hashed_size, f.hashed_mtime_ns"
        f" FROM {TRACKS_FROM} WHERE ({query.where}) AND f.root_id = ? ORDER BY f.path_bytes"
    )
    cursor = conn.execute(sql, [*query.params, root.id])
    buffer: list[bytes] = []
    for path_bytes, sha, missing, size, mtime_ns, hashed_size, hashed_mtime_ns in cursor:
        if missing:
            result.missing += 1
            continue
        if not sha:
            result.no_checksum += 1
            continue
        if (hashed_size is not None and hashed_size != size) or (
            hashed_mtime_ns is not None and hashed_mtime_ns != mtime_ns
        ):
            result.stale += 1
            continue
        relative = _relative(bytes(path_bytes), root.path_bytes)
        if relative is None:
            result.outside.append(os.fsdecode(bytes(path_bytes)))
            continue
        buffer.append(manifest_line(sha, relative))
        result.written += 1
        if len(buffer) >= 1024:
            out.write(b"".join(buffer))
            buffer.clear()
    if not result.written and (result.no_checksum or result.stale):
        raise NoChecksumsError(_nothing_to_list(result, root))
    out.write(b"".join(buffer))
    return result


def _nothing_to_list(result: ManifestResult, root: Root) -> str:
    if result.no_checksum:
        files = f"{result.no_checksum} file{'s' if result.no_checksum != 1 else ''}"
        return (
            f"no checksums in the catalog for the {files} selected under {root.path}: "
            "run `archiver scan --checksum` first; no manifest written"
        )
    files = f"{result.stale} file{'s' if result.stale != 1 else ''}"
    return (
        f"the {files} selected under {root.path} changed since they were hashed: "
        "run `archiver verify` first; no manifest written"
    )


# ---------------------------------------------------------------------------
# Output files


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` only if the block finishes without error.

    A symlink is followed (its target is replaced, the link kept); a path that
    is not a regular file (``/dev/stdout``, a FIFO) is written to directly.
    """
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        with open(target, "wb") as handle:
            yield handle
        return
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            try:
                mode = os.stat(target).st_mode & 0o7777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.fchmod(handle.fileno(), mode)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
