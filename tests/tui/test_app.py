"""Driving the real app with Pilot over real catalog files."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console, RenderableType
from rich.text import Text
from textual.widgets import Input, Label, Static

from archiver.tui.app import ArchiverApp
from archiver.tui.screens.detail import DetailScreen, render_detail
from archiver.tui.screens.help import HelpScreen, help_table
from archiver.tui.screens.main import MainScreen
from archiver.tui.screens.message import MessageScreen
from archiver.tui.screens.welcome import WelcomeScreen
from archiver.tui.widgets.paged_table import PagedTable
from archiver.tui.widgets.status_bar import StatusBar
from tests.tui.helpers import settle, wait_until

SIZE = (120, 40)


def as_text(renderable: RenderableType, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def labels(table: PagedTable) -> list[str]:
    return [table.source.cells(i)[0] for i in range(table.row_count)]


def column(table: PagedTable, index: int) -> list[str]:
    return [table.source.cells(i)[index] for i in range(table.row_count)]


async def test_opens_on_album_artists_with_status_bar(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        entries = screen.table("entries")
        assert entries.has_focus
        assert labels(entries) == [
            "Björk",
            "Miles Davis",
            "The Beatles",
            "Various Artists",
            "(no artist)",
        ]
        status = screen.query_one(StatusBar)
        assert status.stats is not None and status.stats.tracks == 16
        text = status.render().plain
        assert (
            "16 tracks" in text
            and "last scan 2026-01-02 03:04 UTC" in text
            and "4 to review" in text
        )
        # The first entry's albums are already shown beside it.
        assert column(screen.table("albums"), 1) == ["Homogenic"]


async def test_drill_down_to_detail_and_back(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("j", "j")  # The Beatles
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        albums = screen.table("albums")
        assert albums.has_focus
        assert column(albums, 1) == ["Help!", "Abbey Road"]
        await pilot.press("j", "l")  # Abbey Road, drill in with l
        await settle(pilot)
        tracks = screen.table("tracks")
        assert tracks.has_focus and tracks.display
        assert column(tracks, 1) == [
            "Come Together",
            "Something",
            "Maxwell's Silver Hammer",
            "Oh! Darling",
        ]
        assert not screen.table("categories").display  # columns shifted left
        assert screen.query_one(StatusBar).stats.tracks == 4  # the album in view
        await pilot.press("G", "enter")
        await settle(pilot, 1)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.detail.tags["title"] == "Oh! Darling"
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is screen and tracks.has_focus
        await pilot.press("h")
        assert albums.has_focus
        await pilot.press("backspace")
        assert screen.table("entries").has_focus
        await pilot.press("left")
        assert screen.table("categories").has_focus


async def test_detail_shows_tags_beside_musicbrainz(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(4))
        await settle(pilot, 1)
        text = as_text(render_detail(app.screen.detail), 110)
        assert "Tags beside MusicBrainz" in text
        title_line = next(line for line in text.splitlines() if "Oh! Darling!" in line)
        assert "≠" in title_line  # the difference is marked, not only coloured
        assert (
            "Apple Records PCS 7088" in text and "George Martin" not in text
        )  # credits of track 1 only
        assert "Raw tags (as read)" in text and "TRACKNUMBER" in text
        assert "Sample rate" in text and "44,100 Hz" in text


async def test_vi_keys_tab_and_all_tracks(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        entries = screen.table("entries")
        await pilot.press("G")
        assert entries.cursor == 4
        await pilot.press("g")
        assert entries.cursor == 0
        await pilot.press("ctrl+d")
        assert entries.cursor > 0
        await pilot.press("ctrl+u")
        assert entries.cursor == 0
        await pilot.press("tab")
        assert screen.table("albums").has_focus
        await pilot.press("tab")
        assert screen.table("tracks").has_focus
        await pilot.press("tab")
        assert screen.table("categories").has_focus
        await pilot.press("shift+tab")
        assert screen.table("tracks").has_focus
        await pilot.press("a")
        await settle(pilot)
        all_tracks = screen.table("alltracks")
        assert all_tracks.has_focus and all_tracks.row_count == 16
        assert column(all_tracks, 0)[:2] == ["Björk", "Björk"]
        await pilot.press("G")
        assert all_tracks.cursor == 15
        await pilot.press("s")  # the sort menu: pick Album
        await settle(pilot, 1)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert all_tracks.sort_key == "album"
        assert all_tracks.cursor == 0  # after a sort, the first row
        albums = [a for a in column(all_tracks, 1) if a]
        assert albums == sorted(albums, key=str.casefold)
        await pilot.press("S")  # the same menu; the same column again reverses
        await settle(pilot, 1)
        await pilot.press("enter")
        await settle(pilot)
        assert all_tracks.sort_descending
        albums = [a for a in column(all_tracks, 1) if a]
        assert albums == sorted(albums, key=str.casefold, reverse=True)


async def test_filter_narrows_as_you_type_and_escape_then_q_quits(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("slash")
        filter_input = screen.query_one("#filter", Input)
        assert filter_input.has_focus
        await pilot.press(*"year:1960..1970")
        await settle(pilot)
        assert labels(screen.table("entries")) == ["The Beatles"]
        assert screen.query_one(StatusBar).stats.tracks == 6
        # A bad query is shown under the input; the view shows the filter of the
        # moment `/` was pressed (none here), never a prefix of the text.
        filter_input.insert_text_at_cursor(" nosuchfield:x")  # one change, as a paste
        await settle(pilot)
        error = str(screen.query_one("#filter-error", Label).content)
        assert "nosuchfield" in error
        assert len(labels(screen.table("entries"))) == 5
        await pilot.press("escape")
        await settle(pilot)
        assert filter_input.value == "" and screen.filter.text == ""
        assert screen.table("entries").has_focus
        assert len(labels(screen.table("entries"))) == 5
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_filter_free_words_in_all_tracks(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("a", "slash", *"blue")
        await settle(pilot)
        table = screen.table("alltracks")
        assert sorted(column(table, 3)) == [
            "All Blues",
            "Blue in Green",
            "Freddie Freeloader",
            "So What",
        ]
        await pilot.press("enter")  # leaves the filter, keeps it
        assert table.has_focus and screen.filter.text == "blue"


async def test_help_lists_every_key_and_escape_closes(catalog_path: Path) -> None:
    from archiver.tui.keys import KEYS

    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HelpScreen)
        text = as_text(help_table(), 100)
        for keys, _, _ in KEYS:
            assert keys.split()[0] in text
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is main
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_theme_toggle(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 1)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"


async def test_scan_errors_category(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("h", "G")  # categories, last = Scan errors
        await settle(pilot)
        assert labels(screen.table("entries")) == ["corrupt"]
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert column(screen.table("albums"), 1) == ["file said 8192 bytes, read 2048 bytes"]
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MessageScreen)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is screen


async def test_empty_catalog_shows_welcome(empty_catalog_path: Path) -> None:
    app = ArchiverApp(empty_catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 1)
        assert isinstance(app.screen, WelcomeScreen)
        text = Text.from_markup(str(app.screen.query_one("#welcome-text", Static).content)).plain
        assert "archiver scan" in text and "press r" in text
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_empty_catalog_with_roots_asks_for_a_folder(empty_catalog_path: Path) -> None:
    """The empty catalog remembers /music as a root: r must still offer to type a
    folder (pre-filled with that root), as the welcome text and the footer say."""
    from archiver.tui.screens.prompt import PromptScreen

    app = ArchiverApp(empty_catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 1)
        assert isinstance(app.screen, WelcomeScreen)
        text = Text.from_markup(str(app.screen.query_one("#welcome-text", Static).content)).plain
        assert "press r and type a folder" in text and "/music" in text
        await pilot.press("r")
        await pilot.pause(0.1)
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == "/music"
        assert app.job_kind is None  # nothing started before the answer
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert isinstance(app.screen, WelcomeScreen) and app.job_kind is None


async def test_missing_catalog_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "library.db"
    app = ArchiverApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 1)
        assert isinstance(app.screen, WelcomeScreen)
        assert (
            "There is no catalog"
            in Text.from_markup(str(app.screen.query_one("#welcome-text", Static).content)).plain
        )
    assert not path.exists() and not path.parent.exists()


async def test_not_a_catalog_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the tracks you are looking for\n" * 100)
    app = ArchiverApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 1)
        assert isinstance(app.screen, MessageScreen)
        assert "not" in app.screen.text.lower()
        await pilot.press("escape")  # the only thing to do: closing it quits
        await pilot.pause()
    assert app.return_code == 0


async def test_all_tracks_resorted_after_a_change_show_the_sql_order(catalog_path: Path) -> None:
    """Every order of All tracks kept on disk, then the catalog changes (another
    writer: a new track, one retagged, one gone): the re-sort and the orders kept
    again in the background (patched from the change log, migration 0025) are the
    SQL's, row for row."""
    import os
    import sqlite3

    from archiver.catalog import browse, orders
    from archiver.catalog.db import open_catalog
    from archiver.tui.sources import SORT_KEYS
    from tests.conftest import add_track

    folder = orders.cache_dir()
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("a")
        await settle(pilot)
        with open_catalog(catalog_path) as catalog:
            orders.build(catalog.conn, catalog_path, SORT_KEYS)  # what the browser keeps
            old = {
                sort: orders.load(orders.cache_file(catalog_path, sort, False, folder))
                for sort in SORT_KEYS
            }
            with catalog.write() as conn:
                conn.execute("DELETE FROM files WHERE id = (SELECT max(id) FROM files)")
                add_track(conn, "/music/new/Aardvark.flac", artist="AAA", album="  First")
                conn.execute(
                    "UPDATE tags SET album = 'ZZZ last' WHERE file_id = "
                    "(SELECT min(file_id) FROM tags)"
                )
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("s")  # the sort menu: pick Album
        await settle(pilot, 1)
        await pilot.press("j", "enter")
        await settle(pilot)
        all_tracks = screen.table("alltracks")
        assert all_tracks.sort_key == "album"
        conn = sqlite3.connect(catalog_path)
        want = list(browse.track_ids(conn, browse.Scope("all"), "album"))
        assert list(all_tracks.source.ids) == want
        assert all_tracks.source.cells(0)[1] == "  First"
        # The background keeps the others: each patched from its kept order.
        await wait_until(pilot, lambda: not orders.stale(conn, catalog_path, SORT_KEYS))
        for sort in SORT_KEYS:
            kept = orders.load(orders.cache_file(catalog_path, sort, False, folder))
            assert kept is not None and old[sort] is not None
            assert list(kept.ids) == list(browse.track_ids(conn, browse.Scope("all"), sort))
            assert list(orders.patch(conn, old[sort], sort).ids) == list(kept.ids)
        conn.close()
        assert os.listdir(folder)
