"""What the TUI's Quality view reads: present files by what ``archiver analyze``
heard (transcodes, upsampled, padded bits, decode errors, ...), with counts.

Every kind is a condition over the query language's ``TRACKS_FROM`` (analysis
joined as ``an``, current analyses only), so a file changed since its analysis
is "not analysed yet" here as in ``ls analyzed:no``; the matching query text is
given for each kind (what a user types to get the same files elsewhere)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archiver.catalog.query import TRACKS_FROM


@dataclass(frozen=True)
class QualityKind:
    key: str
    label: str
    where: str  # SQL over TRACKS_FROM
    query: str  # the same files in the query language


KINDS: tuple[QualityKind, ...] = (
    QualityKind("transcode", "Transcodes", "an.quality = 'transcode'", "quality:transcode"),
    QualityKind("upsampled", "Upsampled", "an.quality = 'upsampled'", "quality:upsampled"),
    QualityKind("padded-bits", "Padded bits", "an.quality = 'padded-bits'", "quality:padded-bits"),
    QualityKind("decode-error", "Decode errors", "an.decode = 'error'", "decode:error"),
    QualityKind("unsupported", "Unsupported", "an.decode = 'unsupported'", "decode:unsupported"),
    QualityKind("failed", "Could not analyse", "an.error IS NOT NULL", "analyzed:yes decode:none"),
    QualityKind("not-analysed", "Not analysed yet", "an.file_id IS NULL", "analyzed:no"),
)
KIND_BY_KEY = {k.key: k for k in KINDS}


@dataclass(frozen=True)
class QualityRow:
    id: int
    path: str
    title: str | None
    artist: str | None
    format: str | None
    verdict: str  # the quality verdict, the decode result, or why there is none
    detail: str | None
    cutoff_hz: int | None


def kind_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Present files of every kind, in one pass (kinds with no file included, as 0)."""
    sums = ", ".join(f"coalesce(sum({k.where}), 0)" for k in KINDS)
    row = conn.execute(f"SELECT {sums} FROM {TRACKS_FROM} WHERE f.missing = 0").fetchone()
    return {k.key: int(n) for k, n in zip(KINDS, row, strict=True)}


def analysed_any(conn: sqlite3.Connection) -> bool:
    """Has ``archiver analyze`` stored anything yet?"""
    return conn.execute("SELECT 1 FROM analysis LIMIT 1").fetchone() is not None


_ROW = (
    "f.id, f.path, t.title, t.artist, f.format,"
    " CASE WHEN an.file_id IS NULL THEN 'not analysed'"
    " WHEN an.error IS NOT NULL THEN 'failed'"
    " WHEN an.decode != 'ok' THEN an.decode ELSE coalesce(an.quality, an.decode) END,"
    " CASE WHEN an.error IS NOT NULL THEN an.error"
    " WHEN an.decode != 'ok' THEN an.decode_detail ELSE an.quality_detail END,"
    " an.cutoff_hz"
)


def kind_rows(conn: sqlite3.Connection, key: str) -> list[QualityRow]:
    """The present files of one kind, by path."""
    kind = KIND_BY_KEY[key]
    sql = f"SELECT {_ROW} FROM {TRACKS_FROM} WHERE f.missing = 0 AND {kind.where} ORDER BY f.path"
    return [QualityRow(*r) for r in conn.execute(sql)]
