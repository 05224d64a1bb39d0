"""`archiver export --format parquet`: every cell read back by pyarrow and by
DuckDB equals the CSV's value, typed; row groups; Hive-partitioned folders."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from archiver.catalog.query import COLUMNS
from archiver.catalog.tracks import EXPORT_COLUMNS
from archiver.export import LIST_COLUMNS, hive_segment
from tests.conftest import add_track, run_cli
from tests.export.test_export import catalog_rows

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def expected_value(name: str, value):
    """The typed Parquet value of a raw catalog value."""
    if value is None:
        return None
    if name in LIST_COLUMNS:
        return value.split("; ")
    kind = COLUMNS[name].kind
    if kind == "bool":
        return bool(value)
    if name in ("mtime", "analyzed_at"):
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return value


@pytest.fixture
def parquet_file(cli, tmp_path):
    out = tmp_path / "library.parquet"
    result = cli("export", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "wrote 11 tracks" in result.stderr
    return out


def test_every_cell_typed_read_back_with_pyarrow(parquet_file, catalog_path):
    table = pq.read_table(parquet_file)
    assert table.column_names == EXPORT_COLUMNS
    types = dict(zip(table.column_names, table.schema.types, strict=True))
    assert types["genre"] == pa.list_(pa.string())
    assert types["lossless"] == pa.bool_() and types["missing"] == pa.bool_()
    assert types["mtime"] == pa.timestamp("us", tz="UTC")
    assert types["date"] == pa.string() and types["tracknumber"] == pa.int64()
    assert types["length"] == pa.float64() and types["size"] == pa.int64()
    expected = catalog_rows(catalog_path)
    rows = table.to_pylist()
    assert len(rows) == len(expected) == 11
    for row in rows:
        want = expected[row["path"]]
        for name in EXPORT_COLUMNS:
            assert row[name] == expected_value(name, want[name]), (row["path"], name)
    come = next(r for r in rows if r["title"] == "Come Together")
    assert come["composer"] == ["Lennon", "McCartney"]
    assert come["mb_isrcs"] == ["GBAYE0601690", "GBAYE0900001"]
    assert come["performers"] == [
        "John Lennon (lead vocals, guitar)",
        "Paul McCartney (bass)",
        "Ringo Starr",
    ]
    hunter = next(r for r in rows if r["title"] == "Hunter")
    assert hunter["genre"] == ["Electronic", "Art Pop"] and hunter["date"] == "1997"


def test_same_rows_in_the_same_order_as_csv(cli, parquet_file):
    csv_paths = [
        line.split(",")[0] for line in cli("export", "--columns", "path").stdout.splitlines()
    ]
    assert pq.read_table(parquet_file, columns=["path"]).column("path").to_pylist() == csv_paths[1:]


def test_duckdb_reads_it_as_it_is(parquet_file):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    rows = con.execute(
        "SELECT title, genre, lossless, mtime, date, length(genre) FROM read_parquet(?)"
        " WHERE list_contains(genre, 'Art Pop')",
        [str(parquet_file)],
    ).fetchall()
    assert len(rows) == 1
    title, genre, lossless, mtime, date, n = rows[0]
    assert (title, genre, lossless, date, n) == (
        "Hunter",
        ["Electronic", "Art Pop"],
        False,
        "1997",
        2,
    )
    assert mtime.astimezone(dt.UTC) == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(parquet_file)]).fetchone() == (
        11,
    )
    types = dict(
        con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
            [str(parquet_file)],
        ).fetchall()
    )
    assert types["genre"] == "VARCHAR[]" and types["missing"] == "BOOLEAN"
    assert types["tracknumber"] == "BIGINT" and types["date"] == "VARCHAR"


def test_columns_query_and_empty_result(cli, tmp_path):
    out = tmp_path / "some.parquet"
    assert cli("export", "--columns", "title,genre", "beatles", "-o", str(out)).exit_code == 0
    table = pq.read_table(out)
    assert table.column_names == ["title", "genre"] and table.num_rows == 3
    empty = tmp_path / "none.parquet"
    assert cli("export", "title:nothing-matches-this", "-o", str(empty)).exit_code == 0
    table = pq.read_table(empty)
    assert table.num_rows == 0 and table.column_names == EXPORT_COLUMNS


def test_to_stdout(cli, tmp_path):
    result = cli("export", "--format", "parquet", "--columns", "path,size")
    assert result.exit_code == 0
    assert result.stdout_bytes[:4] == b"PAR1" and result.stdout_bytes[-4:] == b"PAR1"
    (tmp_path / "x.parquet").write_bytes(result.stdout_bytes)
    assert pq.read_table(tmp_path / "x.parquet").num_rows == 11


def test_row_groups_bound_memory(catalog, catalog_path, tmp_path, monkeypatch):
    import archiver.export as core

    monkeypatch.setattr(core, "PARQUET_ROW_GROUP", 40)
    monkeypatch.setattr(core, "_PARQUET_BATCH", 16)
    for i in range(100):
        add_track(catalog.conn, f"/music/many/{i:03}.flac", title=f"t{i}", genre="A; B")
    catalog.conn.commit()
    out = tmp_path / "many.parquet"
    assert run_cli(catalog_path, "export", "-o", str(out)).exit_code == 0
    meta = pq.ParquetFile(out).metadata
    assert meta.num_rows == 100
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [48, 48, 4]
    assert pq.read_table(out).column("genre").to_pylist() == [["A", "B"]] * 100


def test_partitioned_folder_read_back(cli, tmp_path):
    folder = tmp_path / "by-format"
    result = cli("export", "--format", "parquet", "--partition-by", "format", "-o", str(folder))
    assert result.exit_code == 0, result.stderr
    assert "wrote 11 tracks in 6 partitions" in result.stderr
    names = sorted(os.listdir(folder))
    assert names == [f"format={f}" for f in ("asf", "flac", "mp3", "ogg", "opus", "wav")]
    assert os.listdir(folder / "format=mp3") == ["part-0.parquet"]
    # The partition column lives in the folder names only.
    assert "format" not in pq.read_table(folder / "format=mp3" / "part-0.parquet").column_names
    import pyarrow.dataset as ds

    table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 11
    assert sorted(table.column("format").to_pylist()).count("mp3") == 4
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(
        f"SELECT format, count(*) FROM read_parquet('{folder}/*/*.parquet', hive_partitioning=true)"
        " GROUP BY format ORDER BY format"
    ).fetchall()
    assert rows == [("asf", 1), ("flac", 3), ("mp3", 4), ("ogg", 1), ("opus", 1), ("wav", 1)]


def test_partition_values_with_slashes_and_nulls(cli, tmp_path):
    folder = tmp_path / "by-album"
    result = cli("export", "--format", "parquet", "--partition-by", "album", "-o", str(folder))
    assert result.exit_code == 0, result.stderr
    names = set(os.listdir(folder))
    assert "album=__HIVE_DEFAULT_PARTITION__" in names  # tracks without an album
    assert "album=Line%0ABreak" in names and "album=Help%21" in names
    duckdb = pytest.importorskip("duckdb")
    albums = {
        row[0]
        for row in duckdb.sql(
            f"SELECT album FROM read_parquet('{folder}/*/*.parquet', hive_partitioning=true)"
        ).fetchall()
    }
    assert {"Abbey Road", "Help!", "Line\nBreak", None} <= albums


def test_instants_with_fractions_and_junk(catalog, catalog_path, tmp_path):
    add_track(catalog.conn, "/music/a.flac", mtime="2026-12-06T21:51:11.123456Z")
    add_track(catalog.conn, "/music/b.flac", mtime="not a time")
    catalog.conn.commit()
    out = tmp_path / "t.parquet"
    assert run_cli(catalog_path, "export", "--columns", "path,mtime", "-o", str(out)).exit_code == 0
    assert pq.read_table(out).column("mtime").to_pylist() == [
        dt.datetime(2026, 12, 6, 21, 51, 11, 123456, tzinfo=dt.UTC),
        None,
    ]


def test_hive_segment():
    assert hive_segment("album", "AC/DC = live") == "album=AC%2FDC%20%3D%20live"
    assert hive_segment("year", 1999) == "year=1999"
    assert hive_segment("genre", None) == "genre=__HIVE_DEFAULT_PARTITION__"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--partition-by", "format"], "--partition-by applies to --format parquet only"),
        (["--format", "parquet", "--partition-by", "format"], "give it with --output FOLDER"),
        (["--format", "parquet", "--partition-by", "genre", "-o", "x"], "holds lists"),
        (["--format", "parquet", "--partition-by", "nope", "-o", "x"], "unknown column 'nope'"),
    ],
)
def test_partition_usage_errors(cli, tmp_path, args, message):
    os.chdir(tmp_path)
    result = cli("export", *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_partitioned_output_must_be_new_or_empty(cli, tmp_path):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    result = cli("export", "--format", "parquet", "--partition-by", "format", "-o", str(folder))
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert os.listdir(folder) == ["keep.txt"]
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("export", "--format", "parquet", "--partition-by", "codec", "-o", str(empty))
    assert result.exit_code == 0 and (empty / "codec=flac").is_dir()


def test_without_pyarrow_one_line_names_the_extra(catalog_path, sample, tmp_path):
    """A Python where pyarrow cannot be imported: exit 1, one line, what to install."""
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "pyarrow.py").write_text("raise ImportError('blocked for the test')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), *sys.path])}
    out = tmp_path / "x.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "archiver", "--db", str(catalog_path), "export", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "Error: Parquet export needs pyarrow: pip install 'archiver[parquet]'"
    ]
    assert not out.exists()
