"""Issue 14: the same query gives the same tracks in the TUI, `ls`, `export` and
`stats`. The TUI leaves missing files out of its views; it says so in the status
bar ("15 tracks, 1 missing hidden"), and the two figures add up to what `ls`,
`export` and `stats` count for the same query."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import browse, open_catalog
from archiver.catalog.browse import Scope
from archiver.catalog.query import compile_query
from archiver.cli import cli
from archiver.tui.app import ArchiverApp
from archiver.tui.widgets.status_bar import StatusBar
from tests.tui.helpers import wait_until


def filtered(text: str) -> Scope:
    q = compile_query(text)
    return Scope("albumartist", where=q.where if text else "", params=tuple(q.params))


def cli_counts(db: Path, text: str) -> tuple[int, int, int]:
    """Tracks `ls`, `export --format jsonl` and `stats --json` find for a query."""
    args = [text] if text else []
    run = CliRunner()
    ls = run.invoke(cli, ["--db", str(db), "ls", *args])
    export = run.invoke(cli, ["--db", str(db), "export", "--format", "jsonl", *args])
    stats = run.invoke(cli, ["--db", str(db), "stats", "--json", *args])
    assert ls.exit_code == export.exit_code == stats.exit_code == 0, ls.output + stats.output
    lines = [line for line in export.output.splitlines() if line.strip()]
    return len(ls.output.splitlines()), len(lines), json.loads(stats.output)["tracks"]


@pytest.mark.parametrize("text", ["", "beatles", "year:1960..1970", "missing:yes", "jazz"])
def test_shown_plus_hidden_is_what_ls_export_and_stats_count(catalog_path: Path, text: str) -> None:
    with open_catalog(catalog_path, create=False) as catalog:
        stats = browse.view_stats(catalog.conn, filtered(text))
    assert stats.tracks + stats.hidden_missing == cli_counts(catalog_path, text)[0]
    assert len(set(cli_counts(catalog_path, text))) == 1


def test_the_missing_file_is_counted_as_hidden(catalog_path: Path) -> None:
    with open_catalog(catalog_path, create=False) as catalog:
        conn: sqlite3.Connection = catalog.conn
        everything = browse.view_stats(conn, Scope("all"))
        assert everything.hidden_missing == 1
        shown = browse.view_stats(conn, Scope("all", include_missing=True))
        assert shown.hidden_missing == 0 and shown.tracks == everything.tracks + 1
        assert browse.view_stats(conn, Scope("missing")).hidden_missing == 0


async def test_the_status_bar_says_what_is_hidden(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: bool(app.screen.query(StatusBar)))
        bar = app.screen.query_one(StatusBar)
        await wait_until(pilot, lambda: bar.stats is not None)
        text = bar.render().plain
        assert f"{bar.stats.tracks} tracks, 1 missing hidden" in text
