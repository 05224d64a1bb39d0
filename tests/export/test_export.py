"""`archiver export` end to end on a real catalog file: CSV round trip, columns,
--excel, non-UTF-8 paths, JSON/JSONL, exit codes, stdout hygiene, atomic files."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3

import pytest

from archiver.catalog.query import COLUMNS
from archiver.catalog.tracks import EXPORT_COLUMNS
from archiver.export import atomic_output
from tests.export.conftest import add_track, run_cli

DOCUMENTED = [
    "path", "format", "codec", "title", "artist", "albumartist", "album", "tracknumber", "totaltracks",
    "discnumber", "totaldiscs", "date", "originaldate", "genre", "composer", "label", "catalognumber", "barcode",
    "isrc", "length", "bitrate", "sample_rate", "channels", "bits_per_sample", "lossless", "size", "mtime",
    "missing", "match_status", "match_score", "match_source", "mb_recording_id", "mb_release_id", "mb_artist", "mb_title",
    "mb_album", "mb_date", "mb_label", "mb_catalognumber", "mb_barcode", "mb_isrcs", "producers", "performers",
    "path_bytes_hex", "sha256", "decode", "decode_detail", "quality", "quality_detail", "cutoff_hz",
    "analyzed_at",
]  # fmt: skip
ANALYSIS_COLUMNS = (
    "decode",
    "decode_detail",
    "quality",
    "quality_detail",
    "cutoff_hz",
    "analyzed_at",
)


def add_analyses(catalog_path) -> None:
    """A current analysis (a transcode), a stale one (the file changed since) and a
    failed one, so the round trip covers the analysis columns."""
    conn = sqlite3.connect(catalog_path)
    ids = [r[0] for r in conn.execute("SELECT id, size, mtime_ns FROM files ORDER BY id")]
    rows = conn.execute("SELECT id, size, mtime_ns FROM files ORDER BY id LIMIT 3").fetchall()
    (a, size_a, mt_a), (b, size_b, mt_b), (c, size_c, mt_c) = rows
    ins = (
        "INSERT INTO analysis (file_id, size, mtime_ns, decode, decode_detail, quality,"
        " quality_detail, cutoff_hz, error, analyzer_version, analyzed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)"
    )
    conn.execute(
        ins,
        (
            a,
            size_a,
            mt_a,
            "ok",
            None,
            "transcode",
            "mp3 ~128k",
            16000,
            None,
            "2026-12-01T10:00:00Z",
        ),
    )
    conn.execute(
        ins,
        (b, size_b + 1, mt_b, "error", "truncated", None, None, None, None, "2026-12-01T10:00:01Z"),
    )
    conn.execute(
        ins,
        (c, size_c, mt_c, None, None, None, None, None, "timeout: 60 s", "2026-12-01T10:00:02Z"),
    )
    conn.commit()
    conn.close()
    assert ids


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def catalog_rows(catalog_path) -> dict[str, dict]:
    """Every exported value straight from the tables, independent of the export SQL."""
    conn = sqlite3.connect(catalog_path)
    conn.row_factory = sqlite3.Row
    out = {}
    for r in conn.execute(
        "SELECT f.*, t.*, f.path AS fpath, m.status AS mstatus, m.score AS mscore, m.source AS msource, m.recording_mbid AS rec,"
        " m.release_mbid AS rel, m.track_mbid AS trk FROM files f JOIN tags t ON t.file_id = f.id"
        " LEFT JOIN matches m ON m.file_id = f.id"
    ):
        d = dict(r)
        rec = conn.execute("SELECT * FROM mb_recordings WHERE mbid = ?", (d["rec"],)).fetchone()
        trk = conn.execute("SELECT * FROM mb_tracks WHERE mbid = ?", (d["trk"],)).fetchone()
        rel = conn.execute("SELECT * FROM mb_releases WHERE mbid = ?", (d["rel"],)).fetchone()
        labels = conn.execute(
            "SELECT label_name, catalog_number FROM mb_release_labels WHERE release_mbid = ? ORDER BY position",
            (d["rel"],),
        ).fetchall()
        isrcs = [x[0] for x in conn.execute(
            "SELECT isrc FROM mb_recording_isrcs WHERE recording_mbid = ? ORDER BY isrc", (d["rec"],))]  # fmt: skip
        credits = conn.execute(
            "SELECT role, artist_name, attributes FROM mb_credits WHERE recording_mbid = ? ORDER BY id",
            (d["rec"],),
        ).fetchall()
        an = conn.execute("SELECT * FROM analysis WHERE file_id = ?", (d["id"],)).fetchone()
        if an is not None and (an["size"], an["mtime_ns"]) != (d["size"], d["mtime_ns"]):
            an = None  # stale: the file changed since it was analysed
        analysis = {k: an[k] if an else None for k in ANALYSIS_COLUMNS}
        raw = bytes(d["path_bytes"])
        try:
            raw.decode("utf-8")
            hexed = ""
        except UnicodeDecodeError:
            hexed = raw.hex().upper()
        out[d["fpath"]] = {
            **{k: d[k] for k in DOCUMENTED if k in d and k not in ("path", "length", "bitrate")},
            **analysis,
            "path": d["fpath"],
            "length": d["duration"],
            "bitrate": None if d["bitrate"] is None else round(d["bitrate"] / 1000),
            "match_status": d["mstatus"],
            "match_score": d["mscore"],
            "match_source": d["msource"],
            "mb_recording_id": d["rec"],
            "mb_release_id": d["rel"],
            "mb_artist": rec["artist_credit"] if rec else None,
            "mb_title": rec["title"] if rec else (trk["title"] if trk else None),
            "mb_album": rel["title"] if rel else None,
            "mb_date": rel["date"] if rel else None,
            "mb_barcode": rel["barcode"] if rel else None,
            "mb_label": "; ".join(x[0] for x in labels) or None,
            "mb_catalognumber": "; ".join(x[1] for x in labels) or None,
            "mb_isrcs": "; ".join(isrcs) or None,
            "producers": "; ".join(c[1] for c in credits if c[0] == "producer") or None,
            "performers": "; ".join(
                c[1] + (f" ({c[2].replace('; ', ', ')})" if c[2] else "")
                for c in credits
                if c[0] == "performer"
            )
            or None,
            "path_bytes_hex": hexed,
        }
    conn.close()
    return out


def as_csv_cell(name: str, value) -> str:
    if value is None:
        return ""
    if COLUMNS[name].kind == "bool":
        return "true" if value else "false"
    return str(value)


def test_documented_columns_are_the_export_columns():
    assert EXPORT_COLUMNS == DOCUMENTED


def test_csv_round_trip_every_cell(cli, catalog_path):
    add_analyses(catalog_path)
    result = cli("export")
    assert result.exit_code == 0, result.stderr
    rows = read_csv(result.stdout_bytes)
    assert rows[0] == DOCUMENTED
    expected = catalog_rows(catalog_path)
    assert len(rows) - 1 == len(expected) == 11
    for row in rows[1:]:
        assert len(row) == len(DOCUMENTED)
        want = expected[row[0]]
        for name, cell in zip(DOCUMENTED, row, strict=True):
            assert cell == as_csv_cell(name, want[name]), (row[0], name)
    # the MusicBrainz side, spelled out once
    come = dict(zip(DOCUMENTED, next(r for r in rows if r[3] == "Come Together"), strict=True))
    assert come["match_status"] == "matched" and come["match_score"] == "0.97"
    assert come["mb_label"] == "Apple Records; Parlophone"
    assert come["mb_catalognumber"] == "PCS 7088; 0946 3 82468 2 4"
    assert come["mb_isrcs"] == "GBAYE0601690; GBAYE0900001"
    assert come["producers"] == "George Martin"
    assert (
        come["performers"]
        == "John Lennon (lead vocals, guitar); Paul McCartney (bass); Ringo Starr"
    )
    assert come["mb_title"] == "Come Together" and come["mb_album"] == "Abbey Road (Remaster)"
    assert come["lossless"] == "true" and come["missing"] == "false" and come["bitrate"] == "1000"
    assert come["length"] == "259.5"


def test_csv_is_rfc4180(cli):
    data = cli("export", "--columns", "title,album", "odd").stdout_bytes
    assert data.startswith(b"title,album\r\n")
    # embedded quote, comma, LF
    assert b'"100% _Pure_ ""Quotes"", commas","Line\nBreak"\r\n' in data
    assert data.endswith(b"\r\n")
    assert not data.startswith(b"\xef\xbb\xbf")


def test_stable_order_album_artist_date_album_disc_track_path(cli):
    rows = read_csv(
        cli("export", "--columns", "albumartist,artist,date,album,tracknumber,path").stdout_bytes
    )[1:]
    keys = [(r[0] or r[1]) for r in rows]
    present = [k for k in keys if k]
    assert keys[: len(present)] == present  # no album artist and no artist: last
    assert present == sorted(present, key=str.casefold)
    beatles = [r for r in rows if r[0] == "The Beatles"]
    assert [r[3] for r in beatles] == ["Help!", "Abbey Road", "Abbey Road"]  # by date, then album
    assert [r[4] for r in beatles] == ["7", "1", "2"]
    again = read_csv(
        cli("export", "--columns", "albumartist,artist,date,album,tracknumber,path").stdout_bytes
    )[1:]
    assert again == rows


def test_header_is_independent_of_rows(cli):
    for query in ("", "beatles", "no:title", "year:3000"):
        rows = read_csv(cli("export", query).stdout_bytes)
        assert rows[0] == DOCUMENTED
    assert read_csv(cli("export", "year:3000").stdout_bytes) == [DOCUMENTED]


def test_columns_option(cli):
    rows = read_csv(cli("export", "--columns", "title, length", "beatles").stdout_bytes)
    assert rows[0] == ["title", "length"]
    assert ["Come Together", "259.5"] in rows


def test_year_can_be_asked_for_but_is_not_a_default_column(cli):
    rows = read_csv(cli("export", "--columns", "title,year,date", "title:hunter").stdout_bytes)
    assert rows == [["title", "year", "date"], ["Hunter", "1997", "1997"]]
    assert "year" not in read_csv(cli("export").stdout_bytes)[0]
    assert cli("ls", "--format", "{year:>6}|{title}", "title:hunter").stdout == "  1997|Hunter\n"


@pytest.mark.parametrize("columns", ["title,nope", "", "yeer", "title,title"])
def test_unknown_column_is_a_usage_error(cli, columns):
    result = cli("export", "--columns", columns)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_excel_neutralizes_formulas_and_adds_bom(cli):
    columns = "title,artist,album,albumartist,genre,composer"
    plain = read_csv(cli("export", "--columns", columns, "formula").stdout_bytes)
    assert plain[1] == ['=HYPERLINK("http://x")', "+cmd", "-minus", "@at", "\tTabbed", "\rCR"]
    data = cli("export", "--excel", "--columns", columns + ",length", "formula").stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    rows = read_csv(data[3:])
    assert rows[1] == [
        '\'=HYPERLINK("http://x")',
        "'+cmd",
        "'-minus",
        "'@at",
        "'\tTabbed",
        "'\rCR",
        "30.0",
    ]
    safe = read_csv(cli("export", "--excel", "--columns", "title", "beatles").stdout_bytes[3:])
    assert ["Come Together"] in safe  # ordinary values untouched


def test_non_utf8_path_round_trips_to_exact_bytes(cli, catalog_path):
    rows = read_csv(cli("export", "--columns", "path,path_bytes_hex").stdout_bytes)[1:]
    conn = sqlite3.connect(catalog_path)
    stored = {bytes(r[0]) for r in conn.execute("SELECT path_bytes FROM files")}
    conn.close()
    rebuilt = {bytes.fromhex(hexed) if hexed else path.encode("utf-8") for path, hexed in rows}
    assert rebuilt == stored
    bad = [r for r in rows if r[1]]
    assert len(bad) == 1 and bad[0][0].endswith("caf\\xe9 \\xff.mp3")
    literal = [r for r in rows if r[0].endswith("caf\\xe9 literal.mp3")]
    assert literal[0][1] == ""  # a real backslash in a UTF-8 name stays exact


def test_json_array_types_and_order(cli, catalog_path):
    result = cli("export", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    csv_rows = read_csv(cli("export").stdout_bytes)[1:]
    assert [d["path"] for d in data] == [r[0] for r in csv_rows]
    come = next(d for d in data if d["title"] == "Come Together")
    assert come["lossless"] is True and come["missing"] is False
    assert come["tracknumber"] == 1 and come["length"] == 259.5 and come["size"] == 30_000_000
    assert come["bitrate"] == 1000 and come["match_score"] == 0.97
    empty = next(d for d in data if d["path"].endswith("track.wma"))
    assert empty["title"] is None and empty["lossless"] is None and empty["match_status"] is None
    assert list(come) == DOCUMENTED
    expected = catalog_rows(catalog_path)
    for d in data:
        want = expected[d["path"]]
        for name in DOCUMENTED:
            value = want[name]
            if COLUMNS[name].kind == "bool" and value is not None:
                value = bool(value)
            assert d[name] == value, (d["path"], name)


def test_json_empty_result_is_an_empty_array(cli):
    assert json.loads(cli("export", "--format", "json", "year:3000").stdout) == []
    assert cli("export", "--format", "jsonl", "year:3000").stdout == ""


def test_jsonl_one_object_per_line(cli):
    result = cli("export", "--format", "jsonl", "--columns", "title,album,lossless")
    lines = result.stdout_bytes.split(b"\n")
    assert lines[-1] == b""
    objects = [json.loads(line) for line in lines[:-1]]
    assert len(objects) == 11
    assert {
        "title": '100% _Pure_ "Quotes", commas',
        "album": "Line\nBreak",
        "lossless": False,
    } in objects
    assert all(list(o) == ["title", "album", "lossless"] for o in objects)


def test_bad_query_exit_2_one_line_pointing_at_it(cli):
    result = cli("export", "beatles", "yeer:1969")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "character 9" in lines[0] and "yeer" in lines[0]
    result = cli("export", 'artist:"unclosed')
    assert result.exit_code == 2 and "unclosed quote" in result.stderr and result.stdout == ""


def test_shell_unquoted_phrase_stays_one_term(cli):
    rows = read_csv(cli("export", "--columns", "title", "album:abbey road").stdout_bytes)
    assert rows == [["title"], ["Come Together"], ["Something"]]


def test_stdout_holds_only_the_export_and_file_output_reports_on_stderr(cli, tmp_path):
    result = cli("export", "--format", "jsonl")
    assert all(json.loads(line) for line in result.stdout.splitlines())
    assert result.stderr == ""
    target = tmp_path / "out.csv"
    result = cli("export", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "wrote 11 tracks" in result.stderr
    assert read_csv(target.read_bytes())[0] == DOCUMENTED


def test_format_from_output_suffix(cli, tmp_path):
    target = tmp_path / "lib.json"
    assert cli("export", "-o", str(target)).exit_code == 0
    assert len(json.loads(target.read_text("utf-8"))) == 11


def test_failed_export_leaves_old_file_untouched(cli, tmp_path, catalog_path):
    target = tmp_path / "keep.csv"
    target.write_bytes(b"old contents\n")
    os.chmod(target, 0o640)
    result = cli("export", "-o", str(target), "yeer:1")
    assert result.exit_code == 2 and target.read_bytes() == b"old contents\n"
    # a failure in the middle of writing: drop a table the SELECT needs
    conn = sqlite3.connect(catalog_path)
    conn.execute("DROP TABLE mb_recording_isrcs")
    conn.commit()
    conn.close()
    with pytest.raises(sqlite3.Error):
        run_cli(catalog_path, "export", "-o", str(target))
    assert target.read_bytes() == b"old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")) == []
    # success replaces it and keeps its permissions
    result = cli("export", "-o", str(target), "--columns", "title")
    assert result.exit_code == 0
    assert target.read_bytes().startswith(b"title\r\n")
    assert os.stat(target).st_mode & 0o777 == 0o640


def test_atomic_output_cleans_up_on_error(tmp_path):
    target = tmp_path / "x.csv"
    with pytest.raises(RuntimeError):
        with atomic_output(target) as handle:
            handle.write(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_a_one_line_failure(cli, tmp_path):
    result = cli("export", "-o", str(tmp_path / "no" / "such" / "dir" / "x.csv"))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "nothing replaced" in result.stderr


def test_no_catalog_is_a_one_line_error(tmp_path):
    result = run_cli(tmp_path / "none.db", "export")
    assert result.exit_code == 1 and "no catalog here" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_option_conflicts_are_usage_errors(cli):
    for args in (
        ["--excel", "--format", "json"],
        ["--root", "/music"],
        ["--format", "sha256sum", "--excel"],
    ):
        result = cli("export", *args)
        assert result.exit_code == 2, args
        assert result.stdout == ""


def test_new_rows_with_extra_values_do_not_change_the_header(catalog, catalog_path, sample):
    add_track(catalog.conn, "/music/Late/late.mp3", title="Late", genre="x", isrc="Y")
    rows = read_csv(run_cli(catalog_path, "export").stdout_bytes)
    assert rows[0] == DOCUMENTED and all(len(r) == len(DOCUMENTED) for r in rows)


def test_output_through_a_symlink_keeps_the_link(cli, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert cli("export", "-o", str(link), "--columns", "title").exit_code == 0
    assert link.is_symlink() and real.read_bytes().startswith(b"title\r\n")


def test_output_to_a_fifo_is_written_directly(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    with atomic_output(fifo) as handle:
        handle.write(b"data")
    reader.join(5)
    assert got == [b"data"] and fifo.exists() and not fifo.is_file()


def _refused(result, fragment: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_output_onto_the_catalog_or_its_companions_is_refused(cli, catalog_path, tmp_path):
    # the catalog is WAL: its -wal/-shm exist while open; the scan lock lives beside it
    companions = [
        catalog_path.with_name(catalog_path.name + s) for s in ("-wal", "-shm", "-scan.lock")
    ]
    for path in companions:
        path.touch(exist_ok=True)
    link = tmp_path / "link.db"
    link.symlink_to(catalog_path)
    hard = tmp_path / "hard.db"
    os.link(catalog_path, hard)
    dotted = catalog_path.parent / "." / catalog_path.name
    before = {p: p.read_bytes() for p in (catalog_path, *companions)}
    for target in (catalog_path, *companions, link, hard, dotted):
        _refused(cli("export", "-o", str(target)), "refusing to overwrite")
    assert {p: p.read_bytes() for p in before} == before
    assert link.is_symlink() and hard.read_bytes() == before[catalog_path]
    # the catalog named through a symlink: its real file is still protected
    _refused(run_cli(link, "export", "-o", str(catalog_path)), "the catalog")
    # a companion that does not exist yet is refused too (SQLite would create it)
    for path in companions:
        path.unlink()
    _refused(cli("export", "-o", str(companions[0])), "the catalog")
    assert not companions[0].exists()


def test_output_onto_a_catalogued_audio_file_is_refused(catalog, catalog_path, tmp_path):
    song = tmp_path / "song.flac"
    song.write_bytes(b"fLaC not really")
    add_track(catalog.conn, str(song), title="Song")
    via_link = tmp_path / "alias.flac"
    via_link.symlink_to(song)
    for target in (song, via_link):
        _refused(run_cli(catalog_path, "export", "-o", str(target)), "audio file in the catalog")
    assert song.read_bytes() == b"fLaC not really"
    # a path the catalog knows but that is gone is an ordinary new file
    song.unlink()
    assert run_cli(catalog_path, "export", "-o", str(song), "--columns", "title").exit_code == 0


def test_output_onto_a_folder_is_a_one_line_failure(cli, tmp_path):
    result = cli("export", "-o", str(tmp_path))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is a folder" in lines[0]
    assert tmp_path.is_dir()


def test_empty_output_name_is_a_usage_error(cli):
    result = cli("export", "-o", "")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Error: --output: give a file name (or - for standard output)"
    ]
