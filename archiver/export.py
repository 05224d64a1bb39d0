"""Streaming writers: CSV, JSON, JSON Lines, Parquet and sha256sum manifests.

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
- parquet (pyarrow, the ``parquet`` extra): the same columns typed: multi-valued
  tags as lists of strings, booleans as booleans, ``mtime`` as a UTC timestamp,
  partial dates as text; written in row groups of :data:`PARQUET_ROW_GROUP` rows
  so memory stays flat; or a Hive-partitioned folder (one file per value).
- sha256sum: ``<sha256>  <path relative to the root>`` lines, raw path bytes,
  GNU escaping for names with ``\\`` or newline, accepted by ``sha256sum -c``
  run in the root folder.
- m3u8: an extended M3U playlist (:func:`write_m3u8`): ``#EXTM3U``, then
  ``#EXTINF:<seconds>,<artist> - <title>`` and the path for each track.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    "PlaylistResult",
    "Root",
    "atomic_folder",
    "atomic_output",
    "export_tracks",
    "parse_columns",
    "resolve_root",
    "write_csv",
    "write_json",
    "write_m3u8",
    "write_manifest",
    "write_parquet",
    "write_parquet_partitioned",
]

FORMATS = ("csv", "json", "jsonl", "parquet", "sha256sum", "m3u8")
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
    if fmt == "parquet":
        return write_parquet(conn, query, out, columns)
    if fmt not in ("csv", "json", "jsonl"):
        raise ExportError(f"unknown format {fmt!r} for tracks (csv, json, jsonl, parquet)")
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
# Parquet

# Columns whose stored value is a "; "-joined list: Parquet gets list<string>.
LIST_COLUMNS = frozenset(
    {
        "genre",
        "composer",
        "label",
        "catalognumber",
        "isrc",
        "mb_label",
        "mb_catalognumber",
        "mb_isrcs",
        "producers",
        "performers",
    }
)
# Instants stored as ISO 8601 UTC text; Parquet gets timestamp[us, UTC] (Spark
# reads microseconds; nanoseconds need a legacy flag there).
TIMESTAMP_COLUMNS = frozenset({"mtime", "analyzed_at"})
PARQUET_ROW_GROUP = 32_768  # rows per row group (DuckDB and Spark read row groups in parallel)
_PARQUET_BATCH = 8_192  # rows converted from Python objects at a time
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


def _pyarrow():
    """pyarrow and pyarrow.parquet, or a one-line error saying what to install."""
    # The system allocator hands memory back between row groups; Arrow's default
    # pool (jemalloc/mimalloc) keeps ~20-50 MB more at peak (benchmarks/README.md,
    # "Scale"). Read once, when pyarrow is first imported; the user's choice wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        import pyarrow
        import pyarrow.compute  # noqa: F401
        import pyarrow.parquet
    except ImportError:
        raise ArchiverError(
            "Parquet export needs pyarrow: pip install 'archiver[parquet]'"
        ) from None
    return pyarrow


def parquet_schema(columns: Sequence[str]):
    """The Arrow schema of a Parquet export of ``columns`` (docs/export.md, "Parquet")."""
    pa = _pyarrow()
    simple = {
        "text": pa.string(),
        "date": pa.string(),
        "status": pa.string(),
        "choice": pa.string(),
        "int": pa.int64(),
        "kbps": pa.int64(),
        "size": pa.int64(),
        "real": pa.float64(),
        "length": pa.float64(),
        "bool": pa.bool_(),
    }
    fields = []
    for name in columns:
        if name in LIST_COLUMNS:
            kind = pa.list_(pa.string())
        elif name in TIMESTAMP_COLUMNS:
            kind = pa.timestamp("us", tz="UTC")
        else:
            kind = simple[SELECTABLE[name].kind]
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _record_batch(pa, schema, columns: Sequence[str], rows: list[tuple]):
    """One Arrow record batch from raw catalog rows (booleans 0/1, lists joined)."""
    pc = pa.compute
    pool = pa.system_memory_pool()
    arrays = []
    for name, field_, values in zip(columns, schema, zip(*rows, strict=True), strict=True):
        if name in LIST_COLUMNS:
            array = pc.split_pattern(
                pa.array(values, pa.string(), memory_pool=pool), "; ", memory_pool=pool
            )
        elif name in TIMESTAMP_COLUMNS:
            text = pa.array(values, pa.string(), memory_pool=pool)
            try:  # ISO 8601 UTC as archiver writes it, with or without fractions
                array = text.cast(field_.type, memory_pool=pool)
            except pa.ArrowInvalid:  # something else stored by hand: null, not a failure
                array = pa.array([_instant(v) for v in values], field_.type, memory_pool=pool)
        elif field_.type == pa.bool_():
            array = pa.array(
                [None if v is None else bool(v) for v in values], pa.bool_(), memory_pool=pool
            )
        else:
            array = pa.array(values, field_.type, memory_pool=pool)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _instant(text: str | None):
    """An ISO 8601 instant, or None when ``text`` is not one."""
    from datetime import UTC, datetime

    try:
        value = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _parquet_batches(pa, schema, columns: Sequence[str], rows: Iterator[tuple]):
    """Record batches of at most _PARQUET_BATCH rows from a row iterator."""
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _PARQUET_BATCH:
            yield _record_batch(pa, schema, columns, batch)
            batch = []
    if batch:
        yield _record_batch(pa, schema, columns, batch)


def _write_row_groups(pa, writer, schema, batches) -> int:
    """Gather batches into row groups of PARQUET_ROW_GROUP rows; return the row count."""
    pending, pending_rows, count = [], 0, 0
    for batch in batches:
        pending.append(batch)
        pending_rows += batch.num_rows
        count += batch.num_rows
        if pending_rows >= PARQUET_ROW_GROUP:
            writer.write_table(pa.Table.from_batches(pending, schema), pending_rows)
            pending, pending_rows = [], 0
    if pending:
        writer.write_table(pa.Table.from_batches(pending, schema), pending_rows)
    return count


def _parquet_writer(pa, where, schema):
    # The system allocator gives memory back; Arrow's default pool keeps ~35 MB more.
    return pa.parquet.ParquetWriter(
        where,
        schema,
        compression="zstd",
        write_statistics=True,
        store_schema=False,
        memory_pool=pa.system_memory_pool(),
    )


def write_parquet(
    conn: sqlite3.Connection, query: CompiledQuery, out: BinaryIO, columns: Sequence[str]
) -> int:
    """Write the selected tracks to the binary stream ``out`` as one Parquet file; return the row count."""
    pa = _pyarrow()
    schema = parquet_schema(columns)
    rows = iter_tracks(conn, query, columns)
    try:
        writer = _parquet_writer(pa, pa.PythonFile(out, mode="w"), schema)
        try:
            count = _write_row_groups(
                pa, writer, schema, _parquet_batches(pa, schema, columns, rows)
            )
        finally:
            writer.close()
    finally:
        rows.close()
    return count


def hive_segment(column: str, value: object) -> str:
    """``column=value`` as a Hive partition folder name: the value percent-encoded
    (so ``/`` and ``=`` cannot split it), NULL as Hive's default partition."""
    from urllib.parse import quote

    if value is None:
        return f"{column}={HIVE_NULL}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{column}={quote(str(value), safe='')}"


def write_parquet_partitioned(
    conn: sqlite3.Connection,
    query: CompiledQuery,
    folder: str | os.PathLike,
    columns: Sequence[str],
    partition_by: str,
) -> tuple[int, int]:
    """Write a Hive-partitioned folder: ``folder/COLUMN=value/part-0.parquet`` per value.

    Rows are read ordered by the partition column, so one file is open at a
    time and memory stays flat. The partition column is not stored in the
    files (Hive convention: readers take it from the folder name). Returns
    (rows, partitions).
    """
    from itertools import groupby

    pa = _pyarrow()
    if partition_by not in SELECTABLE:
        raise ExportError(
            f"--partition-by: unknown column {partition_by!r}; columns: {', '.join(SELECTABLE)}"
        )
    if partition_by in LIST_COLUMNS:
        raise ExportError(
            f"--partition-by: {partition_by!r} holds lists; pick a single-valued column"
        )
    stored = [name for name in columns if name != partition_by]
    if not stored:
        raise ExportError("--partition-by: keep at least one column besides the partition column")
    schema = parquet_schema(stored)
    # Partition value first, rows in path order within a partition.
    rows = iter_tracks(conn, query, [partition_by, *stored], [partition_by])
    root = Path(folder)
    is_bool = SELECTABLE[partition_by].kind == "bool"
    count = partitions = 0
    try:
        for value, group in groupby(rows, key=lambda row: row[0]):
            if is_bool and value is not None:
                value = "true" if value else "false"
            part = root / hive_segment(partition_by, value)
            part.mkdir(parents=True, exist_ok=True)
            writer = _parquet_writer(pa, str(part / "part-0.parquet"), schema)
            try:
                batches = _parquet_batches(pa, schema, stored, (row[1:] for row in group))
                count += _write_row_groups(pa, writer, schema, batches)
            finally:
                writer.close()
            partitions += 1
    finally:
        rows.close()
    return count, partitions


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
# m3u8 playlists


@dataclass
class PlaylistResult:
    written: int = 0
    missing: int = 0  # gone at the last scan, or not on disk now
    # names with a line break: no M3U line can hold them
    unplayable: list[str] = field(default_factory=list)


def extinf_line(seconds: float | None, artist: str | None, title: str | None, name: str) -> str:
    """``#EXTINF:<seconds>,<artist> - <title>``: whole seconds (-1 when unknown),
    the file name when there is no title, line breaks flattened to spaces."""
    length = -1 if seconds is None or seconds < 0 else int(round(seconds))
    title = title or name
    label = f"{artist} - {title}" if artist else title
    label = " ".join(label.splitlines())
    return f"#EXTINF:{length},{label}\n"


def write_m3u8(
    conn: sqlite3.Connection,
    query: CompiledQuery,
    out: BinaryIO,
    root: str | os.PathLike | None = None,
    *,
    exists: Callable[[bytes], bool] = os.path.isfile,
) -> PlaylistResult:
    """Write the query's tracks as an extended M3U playlist to ``out``, in the
    export order. UTF-8 without BOM; paths absolute, or relative to ``root``
    (with ``..`` for files outside it). A path whose bytes are not UTF-8 is
    written as those bytes (the file opens on this system). Files missing at
    the last scan or not on disk now are left out and counted."""
    from archiver.catalog.tracks import iter_tracks

    result = PlaylistResult()
    base = os.fsencode(os.path.abspath(os.path.expanduser(root))) if root is not None else None
    out.write(b"#EXTM3U\n")
    buffer: list[bytes] = []
    rows = iter_tracks(conn, query, ["path_bytes", "missing", "length", "artist", "title"])
    try:
        for path_bytes, missing, length, artist, title in rows:
            path_bytes = bytes(path_bytes)
            if missing or not exists(path_bytes):
                result.missing += 1
                continue
            if b"\n" in path_bytes or b"\r" in path_bytes:
                result.unplayable.append(os.fsdecode(path_bytes))
                continue
            name = os.path.basename(path_bytes).decode("utf-8", "replace")
            line = path_bytes if base is None else os.path.relpath(path_bytes, base)
            buffer.append(extinf_line(length, artist, title, name).encode("utf-8"))
            buffer.append(line + b"\n")
            result.written += 1
            if len(buffer) >= 1024:
                out.write(b"".join(buffer))
                buffer.clear()
    finally:
        rows.close()
    out.write(b"".join(buffer))
    return result


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


@contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """A new folder that appears at ``path`` only if the block finishes without error.

    ``path`` must not exist or be an empty folder (a partitioned export never
    merges into, or replaces, files it did not write).
    """
    import shutil

    target = Path(os.path.abspath(path))
    if target.exists() or target.is_symlink():
        if not target.is_dir() or any(target.iterdir()):
            raise ArchiverError(
                f"{path}: already exists; a partitioned export needs a new or empty folder"
            )
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        if target.is_dir():
            target.rmdir()
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
