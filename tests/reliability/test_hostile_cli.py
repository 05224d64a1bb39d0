"""Hostile command-line input: SQL and FTS metacharacters, very long queries,
unknown fields, NUL bytes, invalid UTF-8 in argv, absurd numbers. Every answer
is exit 0 or a one-line error with exit 2, never a traceback, and the catalog
is never changed by a read command. CSV export defuses formulas under --excel
and is exact without it."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import cli
from tests import audiogen
from tests.reliability.conftest import (
    EXAMPLES,
    REPO,
    assert_one_line_error,
    catalog_content,
    check_invariants,
    cli_cmd,
    run_cli,
)

FORMULAS = [
    "=1+2",
    "+SUM(A1:A9)",
    "-2+3",
    "@SUM(1)",
    "\t=tab first",
    "\r=carriage first",
    '=HYPERLINK("http://evil.example","click")',
    "-ism",
    "=cmd|' /C calc'!A0",
]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    lib = root / "lib"
    shutil.copytree(EXAMPLES, lib / "examples")
    for i, text in enumerate(FORMULAS):
        audiogen.make_file(
            lib / "formulas" / f"{i:02d}.flac",
            "flac",
            {"title": text, "artist": text, "album": "Formulas", "tracknumber": str(i + 1)},
        )
    db = root / "catalog.db"
    assert run_cli(db, "scan", str(lib), "--quiet").returncode == 0
    return db


def _all_tables(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


HOSTILE_QUERIES = [
    "'; DROP TABLE files; --",
    "title:'; DROP TABLE files; --",
    'artist:"x\' OR 1=1 --"',
    "1; DELETE FROM tags",
    "%",
    "_",
    "title:%",
    "artist:_",
    "%_%",
    '"',
    '""',
    '"unclosed phrase',
    "\\",
    "NEAR(",
    "NEAR(a b)",
    "NEAR(a b, 1)",
    "*",
    "a*",
    "^",
    "^a",
    "AND OR",
    "OR",
    "NOT",
    "a OR",
    "(",
    ")",
    "((((a",
    "-",
    "--",
    ":",
    "::",
    "title:",
    ":value",
    "foo:bar",
    "title:title:title",
    "year:..",
    "year:1..2..3",
    "year:abc..def",
    "year:2000..1990",
    "length:-5..",
    "length:nan..inf",
    "year:1e400",
    "bitrate:0x10..",
    "missing:maybe",
    "status:whatever",
    "artist:\u202eevil",
    "\u0000",
    "\x1b[31mred",
    "tïtle:x",
    "日本語",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "a " * 5000,
    "x" * 100_000,
    "(" * 5000 + "a" + ")" * 5000,
    '"' + "a " * 3000 + '"',
]


@pytest.mark.parametrize("command", ["ls", "export", "stats"])
def test_hostile_queries_give_a_result_or_one_line_exit_2(catalog, command):
    before_tables, before = _all_tables(catalog), catalog_content(catalog)
    runner = CliRunner()
    for q in HOSTILE_QUERIES:
        result = runner.invoke(cli, ["--db", str(catalog), command, q])
        label = f"{command} {q[:40]!r}"
        assert result.exit_code in (0, 2), (label, result.exit_code, result.output[-500:])
        if result.exception is not None:
            assert isinstance(result.exception, SystemExit), (label, repr(result.exception))
        if result.exit_code == 2:
            errors = [x for x in result.stderr.splitlines() if x.startswith("Error")]
            assert len(errors) == 1, (label, result.stderr)
            assert len(errors[0]) < 1000, label  # points at the bad part; does not echo 100 KB
    assert _all_tables(catalog) == before_tables
    assert catalog_content(catalog) == before
    check_invariants(catalog)


@pytest.mark.parametrize("q", ["bitrate:99999999999999999999999..", "year:-99999999999999999999.."])
def test_absurd_numbers_are_usage_errors(catalog, q):
    result = CliRunner().invoke(cli, ["--db", str(catalog), "ls", q])
    assert result.exit_code in (0, 2), result.output
    assert "internal error" not in result.output


def test_sql_injection_finds_nothing_and_drops_nothing(catalog):
    result = run_cli(catalog, "export", "--format", "jsonl", "title:'; DROP TABLE files; --")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert _all_tables(catalog)["files"] > 0


def test_percent_and_underscore_are_literal_not_wildcards(catalog):
    for q in ("title:%", "title:_", "artist:%%"):
        result = run_cli(catalog, "export", "--format", "jsonl", q)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "", q  # no title contains a literal % or _


def test_invalid_utf8_and_control_bytes_in_argv(catalog):
    for q in (b"caf\xff", b"\xed\xa0\x80", b"title:\xc0\x80", b"\xff:\xfe", b"\x01\x02\x7f"):
        for command in ("ls", "export", "stats"):
            result = subprocess.run(
                cli_cmd(catalog, command, q), capture_output=True, cwd=REPO, timeout=60
            )
            err = result.stderr.decode("utf-8", "replace")
            assert result.returncode in (0, 2), (command, q, err)
            assert b"Traceback" not in result.stderr, err
            if result.returncode == 2:
                assert len([x for x in err.splitlines() if x.startswith("Error")]) == 1, err
            result.stdout.decode("utf-8")  # stdout stays valid UTF-8


def test_a_100_kb_query_through_argv(catalog):
    for q in ("x" * 100_000, "a " * 50_000):
        result = run_cli(catalog, "ls", q)
        assert result.returncode in (0, 2), result.stderr[-300:]
        assert "Traceback" not in result.stderr
        if result.returncode == 2:
            assert_one_line_error(result, 2)


def test_a_100_kb_field_value(catalog):
    result = run_cli(catalog, "ls", "title:" + "y" * 100_000)
    assert result.returncode in (0, 2), result.stderr[-300:]
    assert "internal error" not in result.stderr


def test_bad_columns_and_templates_are_one_line_usage_errors(catalog):
    for args in (
        ["export", "--columns", "path,bogus"],
        ["export", "--columns", ""],
        ["export", "--columns", "path;DROP TABLE files"],
        ["export", "--columns", ",,,"],
        ["export", "--format", "xml"],
        ["ls", "--format", "{"],
        ["ls", "--format", "{nonexistent}"],
        ["ls", "--format", "{path.__class__.__mro__}"],
        ["ls", "--format", "{0}"],
    ):
        result = run_cli(catalog, *args)
        assert result.returncode == 2, (args, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr
        assert "__mro__" not in result.stdout


def test_export_to_an_unwritable_place_is_one_line_exit_1(catalog, tmp_path):
    for target in ("/dev/full", str(tmp_path / "no" / "such" / "folder" / "x.csv"), str(tmp_path)):
        result = run_cli(catalog, "export", "--output", target)
        assert_one_line_error(result, 1)


def test_export_refuses_to_overwrite_the_catalog(catalog, tmp_path):
    db = tmp_path / "catalog.db"
    shutil.copyfile(catalog, db)
    before = db.read_bytes()
    result = run_cli(db, "export", "--output", str(db))
    assert result.returncode != 0
    assert db.read_bytes() == before


def _csv(db: Path, *extra: str) -> tuple[bytes, list[dict]]:
    out = subprocess.run(
        cli_cmd(db, "export", "--format", "csv", "--columns", "path,title,artist,length", *extra),
        capture_output=True,
        cwd=REPO,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode("utf-8-sig")
    return out.stdout, list(csv.DictReader(io.StringIO(text, newline="")))


def _stored_titles(db: Path) -> set[str]:
    """Titles as the catalog holds them (the reader strips surrounding whitespace)."""
    conn = sqlite3.connect(db)
    try:
        return {t for (t,) in conn.execute("SELECT title FROM tags WHERE album = 'Formulas'")}
    finally:
        conn.close()


DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def test_excel_export_defuses_formulas(catalog):
    raw, rows = _csv(catalog, "--excel")
    assert raw.startswith(b"\xef\xbb\xbf")
    formula_rows = [r for r in rows if "/formulas/" in r["path"]]
    assert len(formula_rows) == len(FORMULAS)
    for row in rows:
        for column in ("title", "artist"):
            cell = row[column]
            assert not cell.startswith(DANGEROUS), (column, cell)
        assert not row["length"].startswith("'")  # numbers are never changed
    stored = _stored_titles(catalog)
    assert all(t.startswith(DANGEROUS) for t in stored)
    assert {r["title"] for r in formula_rows} == {"'" + t for t in stored}


def test_plain_export_keeps_formula_like_values_exact(catalog):
    raw, rows = _csv(catalog)
    assert not raw.startswith(b"\xef\xbb\xbf")
    formula_rows = [r for r in rows if "/formulas/" in r["path"]]
    assert {r["title"] for r in formula_rows} == _stored_titles(catalog)
    assert {r["artist"] for r in formula_rows} == _stored_titles(catalog)


def test_nul_byte_in_a_query_is_handled(catalog):
    for q in ("\x00", "title:\x00", "a\x00b", "\x00:\x00"):
        for command in ("ls", "export", "stats"):
            result = CliRunner().invoke(cli, ["--db", str(catalog), command, q])
            assert result.exit_code in (0, 2), (command, repr(q), result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", [["verify", "--jobs", "1"], ["enrich", "--offline"]])
def test_hostile_queries_to_writing_commands(catalog, tmp_path, command):
    """verify and enrich take the same QUERY: same answers, and a consistent catalog."""
    db = tmp_path / "catalog.db"
    shutil.copyfile(catalog, db)
    before = catalog_content(db)
    runner = CliRunner()
    for q in HOSTILE_QUERIES[::4]:
        result = runner.invoke(cli, ["--db", str(db), *command, q])
        label = f"{command[0]} {q[:40]!r}"
        assert result.exit_code in (0, 1, 2), (label, result.exit_code, result.output[-500:])
        if result.exception is not None:
            assert isinstance(result.exception, SystemExit), (label, repr(result.exception))
        if result.exit_code == 2:
            errors = [x for x in result.stderr.splitlines() if x.startswith("Error")]
            assert len(errors) == 1, (label, result.stderr)
    check_invariants(db)
    after = catalog_content(db)
    assert after["tags"] == before["tags"] and after["roots"] == before["roots"]
