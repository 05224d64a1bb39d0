"""The analysis fields of the query language (decode:, quality:, cutoff:, analyzed:)
and columns, on the sample catalog with hand-made analysis rows: current ones,
stale ones (the file changed since) and a failed one."""

from __future__ import annotations

import sqlite3

import pytest

from archiver.catalog.query import FIELDS, TRACKS_FROM, QueryError, compile_query
from archiver.catalog.tracks import EXPORT_COLUMNS, count_tracks, iter_tracks

ANALYSIS_COLUMNS = [
    "decode",
    "decode_detail",
    "quality",
    "quality_detail",
    "cutoff_hz",
    "analyzed_at",
]


def analyse(conn: sqlite3.Connection, file_id: int, **values) -> None:
    """An analysis row made against the file as catalogued, unless values say otherwise."""
    size, mtime_ns, sha = conn.execute(
        "SELECT size, mtime_ns, sha256 FROM files WHERE id = ?", (file_id,)
    ).fetchone()
    row = {
        "file_id": file_id,
        "size": size,
        "mtime_ns": mtime_ns,
        "sha256": sha,
        "analyzer_version": 1,
        "analyzed_at": "2026-12-01T10:00:00Z",
        **values,
    }
    cols = ", ".join(row)
    conn.execute(
        f"INSERT OR REPLACE INTO analysis ({cols}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )


def select(conn: sqlite3.Connection, text: str) -> set[int]:
    q = compile_query(text)
    return {r[0] for r in conn.execute(f"SELECT f.id FROM {TRACKS_FROM} WHERE {q.where}", q.params)}


@pytest.fixture
def ids(catalog, sample) -> dict[str, int]:
    conn = catalog.conn
    analyse(conn, sample["abbey1"], decode="ok", quality="lossless", cutoff_hz=22050)
    analyse(
        conn,
        sample["abbey2"],
        decode="ok",
        quality="transcode",
        quality_detail="mp3 ~128k: low-pass at 16.0 kHz",
        cutoff_hz=16000,
    )
    analyse(
        conn,
        sample["help"],
        decode="error",
        decode_detail="truncated: decoded 10.00 s of 190.20 s stated",
    )
    # Stale: the file's size changed since this (transcode) verdict.
    size = conn.execute("SELECT size FROM files WHERE id = ?", (sample["bjork"],)).fetchone()[0]
    analyse(conn, sample["bjork"], size=size + 1, decode="error", quality="transcode", cutoff_hz=1)
    conn.commit()
    return sample


@pytest.fixture
def conn(catalog):
    return catalog.conn


def test_fields_and_aliases():
    assert FIELDS["cutoff"] == "cutoff_hz" and FIELDS["analysed"] == "analyzed"
    for name in ANALYSIS_COLUMNS:
        assert name in EXPORT_COLUMNS and FIELDS[name] == name
    assert EXPORT_COLUMNS[-len(ANALYSIS_COLUMNS) :] == ANALYSIS_COLUMNS


def test_decode_and_quality_select_current_verdicts(conn, ids):
    assert select(conn, "decode:error") == {ids["help"]}  # not the stale error
    assert select(conn, "decode:ok") == {ids["abbey1"], ids["abbey2"]}
    assert select(conn, "quality:transcode") == {ids["abbey2"]}
    assert select(conn, "quality:TRANSCODE") == select(conn, "quality:=transcode")
    assert select(conn, "quality:lossless") == {ids["abbey1"]}
    assert select(conn, "quality:lossy") == set()  # a word, never a substring of lossless
    assert ids["bjork"] in select(conn, "decode:none")
    assert ids["help"] in select(conn, "quality:none")  # no verdict when it does not decode


def test_cutoff_ranges(conn, ids):
    assert select(conn, "cutoff:..17000") == {ids["abbey2"]}
    assert select(conn, "cutoff_hz:20000..") == {ids["abbey1"]}
    assert select(conn, "cutoff:16000") == {ids["abbey2"]}
    assert select(conn, "has:cutoff") == {ids["abbey1"], ids["abbey2"]}


def test_analyzed_yes_no_and_negation(conn, ids):
    everything = select(conn, "")
    analysed = {ids["abbey1"], ids["abbey2"], ids["help"]}
    assert select(conn, "analyzed:yes") == select(conn, "analysed:true") == analysed
    assert select(conn, "analyzed:no") == everything - analysed
    assert select(conn, "-decode:ok") == everything - {ids["abbey1"], ids["abbey2"]}
    assert select(conn, "quality_detail:mp3") == {ids["abbey2"]}


def test_a_stale_analysis_reads_as_none_everywhere(conn, ids):
    bjork = ids["bjork"]
    assert bjork in select(conn, "analyzed:no")
    row = next(
        iter_tracks(conn, compile_query("analyzed:no"), ["id", *ANALYSIS_COLUMNS], order=None)
    )
    rows = {
        r[0]: r[1:]
        for r in iter_tracks(conn, compile_query(""), ["id", *ANALYSIS_COLUMNS], order=None)
    }
    assert row[1:] == (None,) * len(ANALYSIS_COLUMNS)
    assert rows[bjork] == (None,) * len(ANALYSIS_COLUMNS)
    assert rows[ids["abbey2"]][2:5] == ("transcode", "mp3 ~128k: low-pass at 16.0 kHz", 16000)
    # The same file with a new mtime: stale too; back to the analysed state: current.
    conn.execute(
        "UPDATE analysis SET size = size - 1, mtime_ns = mtime_ns + 1 WHERE file_id = ?", (bjork,)
    )
    assert bjork not in select(conn, "analyzed:yes")
    conn.execute("UPDATE analysis SET mtime_ns = mtime_ns - 1 WHERE file_id = ?", (bjork,))
    assert bjork in select(conn, "analyzed:yes") and bjork in select(conn, "quality:transcode")


def test_a_different_checksum_at_the_same_size_and_mtime_is_stale(conn, ids):
    """sha256 decides when both are known and the catalog's was taken at this size/mtime."""
    fid = ids["abbey1"]
    conn.execute(
        "UPDATE files SET sha256 = 'aa', hashed_size = size, hashed_mtime_ns = mtime_ns WHERE id = ?",
        (fid,),
    )
    conn.execute("UPDATE analysis SET sha256 = 'bb' WHERE file_id = ?", (fid,))
    assert fid not in select(conn, "analyzed:yes")
    conn.execute("UPDATE analysis SET sha256 = NULL WHERE file_id = ?", (fid,))  # unknown: trusted
    assert fid in select(conn, "analyzed:yes")
    conn.execute("UPDATE analysis SET sha256 = 'bb' WHERE file_id = ?", (fid,))
    conn.execute("UPDATE files SET hashed_mtime_ns = mtime_ns - 1 WHERE id = ?", (fid,))  # old hash
    assert fid in select(conn, "analyzed:yes")


def test_the_join_never_multiplies_rows(conn, ids):
    assert (
        count_tracks(conn, compile_query(""))
        == conn.execute("SELECT count(*) FROM files").fetchone()[0]
    )


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("decode:broken", "decode: takes one of ok, error, unsupported, none"),
        ("quality:fake", "quality: takes one of lossless, transcode"),
        ("cutoff:abc", "not a number"),
        ("cutoff:17.5k", "not a number"),
        ("analyzed:maybe", "takes yes or no"),
    ],
)
def test_bad_values_are_one_line_errors(text, fragment):
    with pytest.raises(QueryError) as info:
        compile_query(text)
    assert fragment in str(info.value) and "\n" not in str(info.value)
