"""Figures about the tracks a query selects, for ``archiver stats`` and the TUI.

``collect_stats(conn, query) -> dict`` returns plain JSON-able data; the keys
are documented in docs/stats.md (a test holds the two equal). Track figures,
albums counted as the TUI's Albums view groups them, and the analysis follow the
query; the last scan, the last verify run and the skipped (non-audio) files are
catalog-wide. Pure SQL aggregates: a few passes over the selected rows, nothing
held in memory per track.
"""

from __future__ import annotations

import sqlite3

from archiver.catalog.analysis import DECODES, QUALITIES, current_sql
from archiver.catalog.browse import ALBUM_KEY
from archiver.catalog.query import TRACKS_FROM, CompiledQuery
from archiver.catalog.review import review_counts
from archiver.catalog.skipped import skipped_counts

__all__ = ["COMPLETENESS_FIELDS", "collect_stats"]

# Tag completeness: what a collector checks on every track, as a condition that
# holds when the field is there. Tags count when set (not NULL, not "").
_COVER = (
    "EXISTS (SELECT 1 FROM pictures p WHERE p.file_id = f.id AND "
    "(p.picture_type IS NULL OR p.picture_type IN ('front cover', 'other')))"
)
_TAGS = (
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
    **{name: f"t.{name} IS NOT NULL AND t.{name} != ''" for name in _TAGS},
    # A front cover, or a picture of no or "other" type (how many taggers store one).
    "embedded_cover": _COVER,
    # Not a tag: the recording `archiver enrich` found.
    "mb_recording_id": "m.recording_mbid IS NOT NULL",
}
MATCH_STATUSES = ("matched", "ambiguous", "unmatched", "error", "none")


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def collect_stats(conn: sqlite3.Connection, query: CompiledQuery, query_text: str = "") -> dict:
    """Every figure ``archiver stats`` shows, as one JSON-able dict."""
    where, params = query.where, list(query.params)
    filled = ", ".join(
        f"sum(CASE WHEN {sql} THEN 1 ELSE 0 END)" for sql in COMPLETENESS_FIELDS.values()
    )
    row = conn.execute(
        f"""SELECT count(*),
                   count(DISTINCT {ALBUM_KEY}),
                   count(DISTINCT t.artist),
                   count(DISTINCT t.albumartist),
                   total(f.duration),
                   total(f.size),
                   sum(f.lossless = 1),
                   sum(f.lossless IS NULL),
                   sum(f.missing = 1),
                   sum(f.read_error IS NOT NULL),
                   sum(f.sha256 IS NOT NULL),
                   sum(f.last_verified_at IS NULL),
                   {filled}
            FROM {TRACKS_FROM} WHERE {where}""",
        params,
    ).fetchone()
    tracks = row[0]
    (
        albums,
        artists,
        album_artists,
        duration,
        size,
        lossless,
        lossless_unknown,
        missing,
        read_errors,
        checksummed,
        never_verified,
    ) = (v or 0 for v in row[1:12])
    completeness = {
        name: {"tracks": count or 0, "share": _share(count or 0, tracks)}
        for name, count in zip(COMPLETENESS_FIELDS, row[12:], strict=True)
    }

    def counts(expr: str) -> dict[str, int]:
        return dict(
            conn.execute(
                f"SELECT {expr} AS k, count(*) AS n FROM {TRACKS_FROM} WHERE {where} GROUP BY k ORDER BY n DESC, k",
                params,
            ).fetchall()
        )

    enrichment = dict.fromkeys(MATCH_STATUSES, 0)
    enrichment.update(counts("COALESCE(m.status, 'none')"))
    return {
        "query": query_text,
        "tracks": tracks,
        "albums": albums,
        "artists": artists,
        "album_artists": album_artists,
        "duration_seconds": round(duration, 3),
        "size_bytes": int(size),
        "formats": counts("COALESCE(f.format, 'unknown')"),
        "codecs": counts("COALESCE(f.codec, 'unknown')"),
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
        "analysis": _analysis(conn, where, params),
        **_last_runs(conn),
        "skipped_files": _skipped(conn),
    }


def _skipped(conn: sqlite3.Connection) -> dict:
    """Catalog-wide: the non-audio files scans passed over, per kind."""
    kinds = skipped_counts(conn)
    missing = conn.execute("SELECT count(*) FROM skipped_files WHERE missing = 1").fetchone()[0]
    return {"total": sum(kinds.values()), "kinds": kinds, "missing": missing}


# An analysis is current when it was made against the file as the catalog knows it:
# the rule of ``archiver.audio.run.needs_analysis`` (same size and mtime, and the
# same sha256 where both are known). The alias is ours, apart from the query's.
_CURRENT = current_sql("sa")


def _analysis(conn: sqlite3.Connection, where: str, params: list) -> dict:
    """What `archiver analyze` found in the selected tracks: how many have a current
    analysis, and among those the decode results and quality verdicts."""
    rows = conn.execute(
        f"""SELECT CASE WHEN sa.file_id IS NULL THEN 'never'
                        WHEN {_CURRENT} THEN 'current' ELSE 'outdated' END AS state,
                   sa.decode, sa.quality, sa.error IS NOT NULL AND sa.decode IS NULL, count(*)
            FROM {TRACKS_FROM} LEFT JOIN analysis AS sa ON sa.file_id = f.id
            WHERE {where} GROUP BY 1, 2, 3, 4""",
        params,
    ).fetchall()
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
