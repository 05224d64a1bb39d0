"""`archiver stats` counts what `archiver analyze` found: analysed or not, decode
results and quality verdicts, in text and --json, with a hint when it is absent."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from archiver.catalog import analysis
from archiver.catalog.query import compile_query
from archiver.catalog.stats import collect_stats
from archiver.cli import cli as archiver_cli


def _analyse(conn, file_id: int, **values) -> None:
    size, mtime_ns = conn.execute(
        "SELECT size, mtime_ns FROM files WHERE id = ?", (file_id,)
    ).fetchone()
    analysis.store(
        conn, file_id, {"size": size, "mtime_ns": mtime_ns, "analyzer_version": 1, **values}
    )


def _fill(conn, ids: dict[str, int]) -> None:
    _analyse(conn, ids["abbey1"], decode="ok", quality="lossless", cutoff_hz=22050)
    _analyse(conn, ids["abbey2"], decode="ok", quality="transcode", quality_detail="mp3 ~128k")
    _analyse(conn, ids["help"], decode="error", decode_detail="CRC mismatch at 12.0 s")
    _analyse(conn, ids["bjork"], decode="ok", quality="lossy")
    _analyse(conn, ids["percent"], decode="ok", quality="unknown")
    _analyse(conn, ids["nonutf8"], decode="unsupported")
    _analyse(conn, ids["formula"], error="could not open the file")  # not analysable
    _analyse(conn, ids["literal_escape"], decode="ok", quality="padded-bits")
    # changed since its analysis: a different size
    _analyse(conn, ids["long"], decode="ok", quality="lossless", size=1)
    # same size and mtime but another sha256 than the one analysed
    conn.execute(
        "UPDATE files SET sha256 = 'new', hashed_size = size, hashed_mtime_ns = mtime_ns "
        "WHERE id = ?",
        (ids["empty"],),
    )
    _analyse(conn, ids["empty"], decode="ok", quality="upsampled", sha256="old")
    conn.commit()


def test_stats_counts_decode_results_and_quality_verdicts(catalog, sample):
    _fill(catalog.conn, sample)
    a = collect_stats(catalog.conn, compile_query(""))["analysis"]
    assert a == {
        "analyzed": 8,
        "outdated": 2,  # "long" (size) and "empty" (sha256)
        "not_analyzed": 1,  # "missing"
        "failed": 1,
        "decode": {"ok": 5, "error": 1, "unsupported": 1},
        "quality": {
            "lossless": 1,
            "transcode": 1,
            "upsampled": 0,
            "padded-bits": 1,
            "lossy": 1,
            "unknown": 1,
            "none": 3,  # a decode error, an unsupported codec, the one not analysable
        },
    }
    beatles = collect_stats(catalog.conn, compile_query("beatles"))["analysis"]
    assert (beatles["analyzed"], beatles["decode"]["error"]) == (3, 1)
    assert beatles["quality"]["transcode"] == 1


def test_stats_analysis_keys_are_there_when_nothing_was_analysed(cli):
    a = json.loads(cli("stats", "--json").stdout)["analysis"]
    assert (a["analyzed"], a["outdated"], a["not_analyzed"], a["failed"]) == (0, 0, 11, 0)
    assert a["decode"] == {"ok": 0, "error": 0, "unsupported": 0}
    assert set(a["quality"]) == {*analysis.QUALITIES, "none"} and not any(a["quality"].values())


def test_stats_text_hints_at_analyze_when_there_is_no_analysis(cli):
    out = cli("stats").stdout
    assert "No audio analysis yet: run `archiver analyze`" in out
    assert "quality transcode" not in out


def test_stats_text_shows_the_analysis_and_what_is_left(cli, catalog, sample):
    _fill(catalog.conn, sample)
    out = cli("stats").stdout
    assert "Audio analysis" in out and "No audio analysis yet" not in out
    lines = out.splitlines()
    assert any("quality transcode" in x and "12.5%" in x for x in lines)  # 1 of 8
    assert any("decode error" in x for x in lines)
    assert "3 tracks not analysed yet (or changed since): run `archiver analyze`" in out


def test_stats_after_a_real_analyze(tmp_path: Path):
    from tests.audiogen import make_file

    lib = tmp_path / "lib"
    make_file(lib / "a.flac", "flac", {"title": "A", "artist": "T", "album": "X"})
    make_file(lib / "b.mp3", "mp3", {"title": "B", "artist": "T", "album": "X"})
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    assert runner.invoke(archiver_cli, ["--db", db, "scan", str(lib), "-q"]).exit_code == 0
    # the library behind `archiver analyze` (its command is not what this test is about)
    from archiver.audio.run import run_analysis

    assert run_analysis(db, jobs=1, fingerprint=False).as_dict()["analyzed"] == 2
    result = runner.invoke(archiver_cli, ["--db", db, "stats", "--json"])
    a = json.loads(result.stdout)["analysis"]
    assert (a["analyzed"], a["not_analyzed"], a["outdated"]) == (2, 0, 0)
    assert sum(a["decode"].values()) + a["failed"] == 2
    assert sum(a["quality"].values()) == 2
    import sqlite3

    with sqlite3.connect(db) as conn:  # the same figures as the table holds
        stored = dict(conn.execute("SELECT quality, count(*) FROM analysis GROUP BY 1"))
        decoded = dict(conn.execute("SELECT decode, count(*) FROM analysis GROUP BY 1"))
    assert {k: v for k, v in a["quality"].items() if v} == {
        (k if k is not None else "none"): v for k, v in stored.items()
    }
    assert {k: v for k, v in a["decode"].items() if v} == {
        k: v for k, v in decoded.items() if k is not None
    }
