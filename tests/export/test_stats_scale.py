"""`stats` in two passes (issue 17) gives what one plain SQL count per figure gives."""

from __future__ import annotations

from archiver.catalog import stats
from archiver.catalog.browse import ALBUM_KEY
from archiver.catalog.query import TRACKS_FROM, compile_query


def _plain(conn, text: str) -> dict:
    q = compile_query(text)

    def one(expr: str):
        return conn.execute(
            f"SELECT {expr} FROM {TRACKS_FROM} WHERE {q.where}", q.params
        ).fetchone()[0]

    def counts(expr: str) -> dict:
        return dict(
            conn.execute(
                f"SELECT {expr} AS k, count(*) AS n FROM {TRACKS_FROM} WHERE {q.where}"
                " GROUP BY k ORDER BY n DESC, k",
                q.params,
            ).fetchall()
        )

    return {
        "tracks": one("count(*)"),
        "albums": one(f"count(DISTINCT {ALBUM_KEY})"),
        "artists": one("count(DISTINCT t.artist)"),
        "album_artists": one("count(DISTINCT t.albumartist)"),
        "size_bytes": int(one("total(f.size)")),
        "duration_seconds": round(one("total(f.duration)"), 3),
        "formats": counts("COALESCE(f.format, 'unknown')"),
        "codecs": counts("COALESCE(f.codec, 'unknown')"),
        "missing_files": one("count(*) FILTER (WHERE f.missing = 1)"),
        "lossless": one("count(*) FILTER (WHERE f.lossless = 1)"),
        "isrc": one("count(*) FILTER (WHERE t.isrc IS NOT NULL AND t.isrc != '')"),
    }


def test_two_passes_equal_plain_counts(catalog, sample) -> None:
    conn = catalog.conn
    # an orphan-free catalog with tracks that have neither artist nor album
    for text in ["", "beatles", "lossless:yes", "missing:yes", "nothing-matches-this"]:
        got = stats.collect_stats(conn, compile_query(text), text)
        want = _plain(conn, text)
        for key in ("tracks", "albums", "artists", "album_artists", "size_bytes",
                    "duration_seconds", "missing_files"):  # fmt: skip
            assert got[key] == want[key], (text, key)
        assert list(got["formats"].items()) == list(want["formats"].items()), text
        assert list(got["codecs"].items()) == list(want["codecs"].items()), text
        assert got["lossless"]["tracks"] == want["lossless"], text
        assert got["tag_completeness"]["isrc"]["tracks"] == want["isrc"], text
        assert sum(got["enrichment"].values()) == got["tracks"], text
