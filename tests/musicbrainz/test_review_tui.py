"""The TUI's Needs review (Textual's Pilot) against the fake MusicBrainz server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import browse, open_catalog
from archiver.cli import cli
from archiver.tui.app import ArchiverApp
from archiver.tui.screens.main import MainScreen
from archiver.tui.screens.prompt import PromptScreen
from archiver.tui.screens.review import ReviewScreen
from archiver.tui.views import VIEW_BY_KEY
from archiver.tui.views.review import review_entries
from tests.musicbrainz import review_scenario as sc
from tests.tui.helpers import settle, wait_until

SIZE = (160, 48)


@pytest.fixture
def db(tmp_path: Path, fake) -> Path:
    path = tmp_path / "library.db"
    with open_catalog(path) as catalog:
        sc.populate(catalog)
    sc.serve(fake)
    result = CliRunner().invoke(cli, ["--db", str(path), "enrich", "--server", fake.url, "-q"])
    assert result.exit_code == 0, result.output
    fake.reset()
    return path


def column(table, index: int) -> list[str]:
    return [table.source.cells(i)[index] for i in range(table.row_count)]


def album_source(db: Path, title: str) -> tuple[str, str | None]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT source, release_mbid FROM album_matches WHERE album = ?", (title,)
        ).fetchone()
    finally:
        conn.close()


def test_entries_group_the_albums(db: Path) -> None:
    with open_catalog(db, create=False) as catalog:
        entries = review_entries(catalog.conn)
        assert [(e.label, e.tracks) for e in entries] == [
            ("Ambiguous", 2),
            ("Weak matches (score < 0.90)", 1),
        ]
        view = VIEW_BY_KEY["review"]
        assert view.load_entries(catalog.conn, browse.Scope("review")) == entries
        rows = entries[0].extra
        assert [r.album for r in rows] == ["Harvest Lanterns", None]
        assert rows[0].key.startswith("@") and rows[0].files == 3 and rows[0].candidates == 2


async def open_review(pilot, app) -> tuple[MainScreen, ReviewScreen]:
    """Needs review → Ambiguous → Harvest Lanterns → Enter."""
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, MainScreen)
    await pilot.press("h", "g", *["j"] * 7)
    await wait_until(pilot, lambda: screen.category == "review")
    await settle(pilot)
    assert column(screen.table("entries"), 0)[0] == "Ambiguous"
    await pilot.press("enter", "enter")  # into the entries, then into their albums
    await settle(pilot)
    albums = screen.table("albums")
    assert albums.has_focus and column(albums, 1)[0] == "Harvest Lanterns"
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen))
    review = app.screen
    await wait_until(pilot, lambda: review.data is not None)
    await settle(pilot, 1)
    return screen, review


async def test_pick_a_candidate_then_undo(db: Path, fake) -> None:
    app = ArchiverApp(db, musicbrainz_url=fake.url, contact="t@example.org")
    async with app.run_test(size=SIZE) as pilot:
        main, review = await open_review(pilot, app)
        candidates = review.query_one("#candidates")
        assert candidates.has_focus and candidates.row_count == 2
        assert column(candidates, 9) == ["none", "none"]  # penalty words
        assert "Wrenfield WR-101LP" in column(candidates, 6)
        pairs = review.query_one("#pairs")
        # no tracklist looked up yet: the files alone
        assert column(pairs, 1) == [t for t, _ in sc.HARVEST]
        assert "not looked up" in pairs.border_subtitle
        await pilot.press("j", "enter")  # the vinyl edition
        await wait_until(pilot, lambda: review.decisions == 1)
        await settle(pilot, 1)
        assert album_source(db, "Harvest Lanterns") == ("user", sc.R_HARVEST_LP)
        assert fake.keys() == [f"release/{sc.R_HARVEST_LP}"]  # one lookup, in the worker
        # updated in place: the chosen release is ticked and its tracks sit beside the files
        assert review.data.album["source"] == "user"
        assert column(candidates, 0) == ["", "✓"] and candidates.cursor == 1
        assert column(pairs, 5) == [t for t, _ in sc.HARVEST]
        assert column(pairs, 3) == ["", "", ""]
        # the browser behind reloaded: the album left Ambiguous, it is under Settled by you
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is main
        entries = column(main.table("entries"), 0)
        assert "Settled by you" in entries
        assert "Harvest Lanterns" not in column(main.table("albums"), 1)
        # u undoes: back on the list
        main.table("entries").move_cursor(entries.index("Settled by you"))
        await settle(pilot)
        main.table("albums").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        again = app.screen
        await wait_until(pilot, lambda: again.data is not None)
        await pilot.press("u")
        await wait_until(pilot, lambda: again.decisions == 1)
        await settle(pilot, 1)
        assert album_source(db, "Harvest Lanterns") == ("auto", None)
        assert again.data.album["status"] == "ambiguous"


async def test_release_by_url_with_differences_marked_and_none(db: Path, fake) -> None:
    app = ArchiverApp(db, musicbrainz_url=fake.url, contact="t@example.org")
    async with app.run_test(size=SIZE) as pilot:
        _, review = await open_review(pilot, app)
        # m: a release whose tracks differ from the files (Stillwater's titles)
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*f"https://musicbrainz.org/release/{sc.R_TIN_ROOF}", "enter")
        await wait_until(pilot, lambda: review.decisions == 1)
        await settle(pilot, 1)
        # refused (2 tracks for 3 files): one line, nothing changed
        assert album_source(db, "Harvest Lanterns") == ("auto", None)
        said = [n.message for n in app._notifications]
        assert any("cannot hold" in m and "\n" not in m for m in said), said
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"not an id", "enter")
        await wait_until(pilot, lambda: review.decisions == 2)
        assert album_source(db, "Harvest Lanterns") == ("auto", None)
        # the CD edition by id, then n: not on MusicBrainz
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*sc.R_HARVEST_CD, "enter")
        await wait_until(pilot, lambda: review.decisions == 3)
        await settle(pilot, 1)
        assert album_source(db, "Harvest Lanterns") == ("user", sc.R_HARVEST_CD)
        await pilot.press("n")
        await wait_until(pilot, lambda: review.decisions == 4)
        await settle(pilot, 1)
        assert album_source(db, "Harvest Lanterns") == ("user", None)
        assert review.data.album["status"] == "unmatched"


async def test_weak_match_shows_differences_track_by_track(db: Path, fake) -> None:
    """Stillwater's files beside the deluxe edition: bonus tracks without a file."""
    app = ArchiverApp(db, musicbrainz_url=fake.url, contact="t@example.org")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        await pilot.press("h", "g", *["j"] * 7)
        await wait_until(pilot, lambda: main.category == "review")
        await settle(pilot)
        await pilot.press("enter", "j", "enter")  # Weak matches
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        review = app.screen
        await wait_until(pilot, lambda: review.data is not None)
        await settle(pilot, 1)
        pairs = review.query_one("#pairs")
        assert column(pairs, 5) == [t for t, _ in sc.STILL + sc.STILL_BONUS]
        assert column(pairs, 1)[3:] == ["(no file)", "(no file)"]
        assert "track_count 1.00" in review.query_one("#candidates").source.cells(0)[9]
