"""Figures about the tracks a query selects, for ``archiver stats`` and the TUI.

``collect_stats(conn, query) -> dict`` returns plain JSON-able data; the keys
are documented in docs/stats.md (a test holds the two equal). Track figures,
albums counted as the TUI's Albums view groups them, and the analysis follow the
query; the last scan, the last verify run and the skipped (non-audio) files are
catalog-wide. Pure SQL aggregates: a few passes over the selected rows, nothing
held in memory per track.
"""

from __future__ import annotations

import math
import sqlite3

from archiver.catalog.analysis import DECODES, QUALITIES, current_sql
from archiver.catalog.browse import ALBUM_KEY
from archiver.catalog.query import TRACKS_FROM, CompiledQuery
from archiver.catalog.review import review_counts
from archiver.catalog.skipped import skipped_counts

__all__ = ["COMPLETENESS_FIELDS", "COMPLETENESS_TAGS", "collect_stats", "plain_stats"]

# Tag completeness: what a collector checks on every track, as a condition that
# holds when the field is there. Tags count when set (not NULL, not "").
_COVER = (
    "EXISTS (SELECT 1 FROM pictures p WHERE p.file_id = f.id AND "
    "(p.picture_type IS NULL OR p.picture_type IN ('front cover', 'other')))"
)
COMPLETENESS_TAGS = (
    "title",
    "artist",
    "album",
    "albumartist",
    "tracknumber",
    "date",
    "genre",
    "isrc",
    "musicbrainz_recordingid",
    "musicbrainz_trackid",
    "musicbrainz_albumid",
    "musicbrainz_artistid",
    "musicbrainz_albumartistid",
    "musicbrainz_releasegroupid",
)
COMPLETENESS_FIELDS: dict[str, str] = {
    **{name: f"t.{name} IS NOT NULL AND t.{name} != ''" for name in COMPLETENESS_TAGS},
    # A front cover, or a picture of no or "other" type (how many taggers store one).
    "embedded_cover": _COVER,
    # Not a tag: the recording `archiver enrich` found.
    "mb_recording_id": "m.recording_mbid IS NOT NULL",
}
MATCH_STATUSES = ("matched", "ambiguous", "unmatched", "error", "none")


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def collect_stats(conn: sqlite3.Connection, query: CompiledQuery, query_text: str = "") -> dict:
    """Every figure ``archiver stats`` shows, as one JSON-able dict.

    The whole catalog (no query, the common case) is read from the summaries
    migration 0019 keeps (``stats_summary``: a few small tables, milliseconds at
    a million tracks); a query makes two passes over the rows it selects: one
    GROUP BY of format, codec, match status and analysis state that carries
    every sum, folded here; one for the three distinct counts."""
    where, params = query.where, list(query.params)
    from archiver.catalog import stats_summary

    if where.strip() == "1" and summaries_kept(conn) and stats_summary.settle(conn):
        groups = stats_summary.groups(conn)
        albums, artists, album_artists = stats_summary.distinct_counts(conn)
        # exact integer nanoseconds, summed by Python
        duration = round(sum(row[8] for row in groups) / 1e9, 3)
        groups = [(*row[:8], 0.0, *row[9:]) for row in groups]
    else:
        groups = plain_groups(conn, where, params)
        albums, artists, album_artists = _distinct(conn, where, params)
        duration = None
    return _fold(conn, query_text, groups, (albums, artists, album_artists), duration)


def summaries_kept(conn: sqlite3.Connection) -> bool:
    """Whether the catalog has migration 0019's summaries (a catalog opened without
    migrating may not)."""
    return conn.execute("PRAGMA user_version").fetchone()[0] >= 19


def plain_stats(conn: sqlite3.Connection, query: CompiledQuery, query_text: str = "") -> dict:
    """``collect_stats`` by the plain SQL passes alone, whatever the query: the
    reference the summaries are tested against."""
    where, params = query.where, list(query.params)
    distinct = _distinct(conn, where, params, use_indexes=False)
    return _fold(conn, query_text, plain_groups(conn, where, params), distinct, None)


def plain_groups(conn: sqlite3.Connection, where: str, params: list) -> list[tuple]:
    """One pass over the selected rows: (format, codec, match status, analysis state,
    decode, quality, not analysable, tracks, duration, size, then the counts of
    ``stats_summary.FLAG_COLUMNS``)."""
    filled = ", ".join(
        f"sum(CASE WHEN {sql} THEN 1 ELSE 0 END)" for sql in COMPLETENESS_FIELDS.values()
    )
    return conn.execute(
        f"""SELECT COALESCE(f.format, 'unknown'), COALESCE(f.codec, 'unknown'),
                   COALESCE(m.status, 'none'),
                   CASE WHEN sa.file_id IS NULL THEN 'never'
                        WHEN {_CURRENT} THEN 'current' ELSE 'outdated' END,
                   sa.decode, sa.quality, sa.error IS NOT NULL AND sa.decode IS NULL,
                   count(*),
                   total(f.duration),
                   total(f.size),
                   sum(f.lossless = 1),
                   sum(f.lossless IS NULL),
                   sum(f.missing = 1),
                   sum(f.read_error IS NOT NULL),
                   sum(f.sha256 IS NOT NULL),
                   sum(f.last_verified_at IS NULL),
                   {filled}
            FROM {TRACKS_FROM} LEFT JOIN analysis AS sa ON sa.file_id = f.id
            WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7""",
        params,
    ).fetchall()


def _fold(
    conn: sqlite3.Connection,
    query_text: str,
    groups: list[tuple],
    distinct: tuple[int, int, int],
    duration: float | None,
) -> dict:
    """The figures from the grouped sums (``duration``: the total when known exactly,
    else the groups' float totals are summed)."""
    albums, artists, album_artists = distinct
    sums = [0] * (8 + len(COMPLETENESS_FIELDS))
    durations: list[float] = []
    formats: dict[str, int] = {}
    codecs: dict[str, int] = {}
    enrichment = dict.fromkeys(MATCH_STATUSES, 0)
    for row in groups:
        fmt, codec, status, n, seconds, rest = row[0], row[1], row[2], row[7], row[8], row[9:]
        formats[fmt] = formats.get(fmt, 0) + n
        codecs[codec] = codecs.get(codec, 0) + n
        enrichment[status] = enrichment.get(status, 0) + n
        durations.append(seconds)
        sums[0] += n
        for i, value in enumerate(rest, 1):
            sums[i] += value or 0
    tracks, size, lossless, lossless_unknown, missing, read_errors, checksummed, never_verified = (
        sums[:8]
    )
    completeness = {
        name: {"tracks": count, "share": _share(count, tracks)}
        for name, count in zip(COMPLETENESS_FIELDS, sums[8:], strict=True)
    }
    return {
        "query": query_text,
        "tracks": tracks,
        "albums": albums or 0,
        "artists": artists or 0,
        "album_artists": album_artists or 0,
        "duration_seconds": duration if duration is not None else round(math.fsum(durations), 3),
        "size_bytes": int(size),
        "formats": _by_count(formats),
        "codecs": _by_count(codecs),
        "lossless": {
            "tracks": lossless,
            "share": _share(lossless, tracks),
            "unknown": lossless_unknown,
        },
        "tag_completeness": completeness,
        "enrichment": enrichment,
        "missing_files": missing,
        "read_errors": read_errors,
        "checksummed": checksummed,
        "never_verified": never_verified,
        "review": review_counts(conn),  # catalog-wide, like the last runs
        "analysis": _analysis([(row[3], row[4], row[5], row[6], row[7]) for row in groups]),
        **_last_runs(conn),
        "skipped_files": _skipped(conn),
    }


def _distinct(
    conn: sqlite3.Connection, where: str, params: list, *, use_indexes: bool = True
) -> tuple[int, int, int]:
    """Albums, artists and album artists among the selected tracks. For the whole
    catalog of a catalog without summaries they come from ``tags`` alone (every
    tags row has its file: a foreign key), the artists in the order of their
    indexes, without sorting."""
    if use_indexes and where.strip() == "1":
        albums = conn.execute(f"SELECT count(DISTINCT {ALBUM_KEY}) FROM tags AS t").fetchone()[0]
        artists = conn.execute("SELECT count(DISTINCT artist) FROM tags").fetchone()[0]
        album_artists = conn.execute("SELECT count(DISTINCT albumartist) FROM tags").fetchone()[0]
        return albums, artists, album_artists
    return conn.execute(
        f"""SELECT count(DISTINCT {ALBUM_KEY}), count(DISTINCT t.artist),
                   count(DISTINCT t.albumartist)
            FROM {TRACKS_FROM} WHERE {where}""",
        params,
    ).fetchone()


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    """Most first, then by name (as ``ORDER BY n DESC, k`` gives them)."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _skipped(conn: sqlite3.Connection) -> dict:
    """Catalog-wide: the non-audio files scans passed over, per kind."""
    kinds = skipped_counts(conn)
    missing = conn.execute("SELECT count(*) FROM skipped_files WHERE missing = 1").fetchone()[0]
    return {"total": sum(kinds.values()), "kinds": kinds, "missing": missing}


# An analysis is current when it was made against the file as the catalog knows it:
# the rule of ``archiver.audio.run.needs_analysis`` (same size and mtime, and the
# same sha256 where both are known). The alias is ours, apart from the query's.
_CURRENT = current_sql("sa")


def _analysis(rows: list[tuple]) -> dict:
    """What `archiver analyze` found in the selected tracks: how many have a current
    analysis, and among those the decode results and quality verdicts; ``rows`` are
    (state, decode, quality, not analysable, count)."""
    states = {"current": 0, "outdated": 0, "never": 0}
    decode = dict.fromkeys(DECODES, 0)
    quality = {**dict.fromkeys(QUALITIES, 0), "none": 0}
    failed = 0
    for state, dec, qual, not_analysable, n in rows:
        states[state] += n
        if state != "current":
            continue
        failed += n if not_analysable else 0
        if dec in decode:
            decode[dec] += n
        quality[qual if qual in quality else "none"] += n
    return {
        "analyzed": states["current"],
        "outdated": states["outdated"],
        "not_analyzed": states["never"],
        "failed": failed,
        "decode": decode,
        "quality": quality,
    }


def _last_runs(conn: sqlite3.Connection) -> dict:
    scan = conn.execute(
        "SELECT id, started_at, finished_at, status, files_found, errors FROM scan_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    last_scan = None
    scan_errors = 0
    if scan:
        keys = ("id", "started_at", "finished_at", "status", "files_found", "errors")
        last_scan = dict(zip(keys, scan, strict=True))
        scan_errors = conn.execute(
            "SELECT count(*) FROM scan_errors WHERE scan_id = ?", (scan[0],)
        ).fetchone()[0]
    verify = conn.execute(
        "SELECT id, started_at, finished_at, status, checked, ok, changed, modified, missing, unreadable"
        " FROM verify_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    last_verified = None
    if verify:
        keys = (
            "id",
            "started_at",
            "finished_at",
            "status",
            "checked",
            "ok",
            "changed",
            "modified",
            "missing",
            "unreadable",
        )
        last_verified = dict(zip(keys, verify, strict=True))
    return {"last_scan": last_scan, "scan_errors": scan_errors, "last_verified": last_verified}
