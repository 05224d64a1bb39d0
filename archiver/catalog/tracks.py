"""Track rows: one SELECT with every exported column, a stable order, streamed.

Interface (export, ls, stats and the TUI code against exactly this)::

    EXPORT_COLUMNS: list[str]     # the documented column list, in order (docs/export.md)
    DEFAULT                       # the default order: album artist, date, album, disc, track, path
    iter_tracks(conn, query, columns=None, order=DEFAULT, *, limit=None, offset=0,
                text_booleans=False) -> Iterator[tuple]
    count_tracks(conn, query) -> int
    select_sql(query, columns=None, order=DEFAULT, ...) -> (sql, params)

``columns`` names EXPORT_COLUMNS (plus ``id``, ``path_bytes`` and ``root_id``
for programs); ``order`` is DEFAULT, None (catalog order) or a list of column
names, ``-name`` for descending. NULLs sort last in every order. Rows come
straight off the cursor (never ``fetchall``), so memory stays flat however
large the catalog. Values are raw SQLite values: NULL is None, booleans
(lossless, missing) are 0/1, or "true"/"false" with ``text_booleans``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from archiver.catalog.query import COLUMNS, EXTRA_COLUMNS, TRACKS_FROM, CompiledQuery

__all__ = ["DEFAULT", "EXPORT_COLUMNS", "count_tracks", "iter_tracks", "select_sql"]

EXPORT_COLUMNS: list[str] = list(COLUMNS)
# Every column that can be asked for by name: the export columns plus ``year``.
SELECTABLE: dict = {**COLUMNS, **EXTRA_COLUMNS}

# Columns for programs, not exported by default.
_PROGRAM_COLUMNS = {"id": "f.id", "path_bytes": "f.path_bytes", "root_id": "f.root_id"}


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()

# Album artist (the track artist when there is none), date, album, disc,
# track, then the exact path bytes (unique) so the order is total.
_DEFAULT_ORDER = [
    "COALESCE(t.albumartist, t.artist) IS NULL",
    "COALESCE(t.albumartist, t.artist) COLLATE NOCASE",
    "COALESCE(t.albumartist, t.artist)",
    "t.date IS NULL",
    "t.date",
    "t.album IS NULL",
    "t.album COLLATE NOCASE",
    "t.album",
    "t.discnumber IS NULL",
    "t.discnumber",
    "t.tracknumber IS NULL",
    "t.tracknumber",
    "f.path_bytes",
]


def _expr(name: str, text_booleans: bool) -> str:
    if name in _PROGRAM_COLUMNS:
        return _PROGRAM_COLUMNS[name]
    try:
        column = SELECTABLE[name]
    except KeyError:
        raise ValueError(f"unknown column {name!r}; columns: {', '.join(SELECTABLE)}") from None
    if text_booleans and column.kind == "bool":
        return f"CASE {column.sql} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END"
    return column.sql


def order_sql(order: object) -> str:
    """ORDER BY terms for DEFAULT, None or a list of (optionally ``-``prefixed) column names."""
    if order is DEFAULT:
        return ", ".join(_DEFAULT_ORDER)
    if order is None:
        return "f.id"
    if isinstance(order, str) or not isinstance(order, Sequence):
        raise ValueError("order is DEFAULT, None or a list of column names")
    terms = []
    for name in order:
        desc = name.startswith("-")
        expr = _expr(name.lstrip("-"), False)
        terms += [f"({expr}) IS NULL", f"{expr}{' DESC' if desc else ''}"]
    terms.append("f.path_bytes")
    return ", ".join(terms)


def select_sql(
    query: CompiledQuery,
    columns: Sequence[str] | None = None,
    order: object = DEFAULT,
    *,
    limit: int | None = None,
    offset: int = 0,
    text_booleans: bool = False,
) -> tuple[str, list]:
    """The SELECT behind :func:`iter_tracks`, for callers that run it themselves."""
    names = list(columns) if columns is not None else EXPORT_COLUMNS
    select = ", ".join(_expr(name, text_booleans) for name in names) or "f.id"
    sql = f"SELECT {select} FROM {TRACKS_FROM} WHERE {query.where} ORDER BY {order_sql(order)}"
    params = list(query.params)
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if limit is None else int(limit), int(offset)]
    return sql, params


def iter_tracks(
    conn: sqlite3.Connection,
    query: CompiledQuery,
    columns: Sequence[str] | None = None,
    order: object = DEFAULT,
    *,
    limit: int | None = None,
    offset: int = 0,
    text_booleans: bool = False,
) -> Iterator[tuple]:
    """Stream the selected tracks as tuples in ``columns`` order (EXPORT_COLUMNS by default)."""
    sql, params = select_sql(
        query, columns, order, limit=limit, offset=offset, text_booleans=text_booleans
    )
    cursor = conn.execute(sql, params)
    cursor.arraysize = 512
    try:
        while True:
            batch = cursor.fetchmany()
            if not batch:
                return
            yield from batch
    finally:
        try:
            cursor.close()
        except sqlite3.ProgrammingError:  # the connection closed first (e.g. a broken pipe)
            pass


def count_tracks(conn: sqlite3.Connection, query: CompiledQuery) -> int:
    """How many tracks the query selects."""
    return conn.execute(
        f"SELECT count(*) FROM {TRACKS_FROM} WHERE {query.where}", query.params
    ).fetchone()[0]
