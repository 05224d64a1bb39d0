"""Tag values and typed text are data, never markup, never raw terminal codes.

A tagger can write ``[/]`` (Rich's closing tag: MarkupError), ``[red]…`` (a red
title), ``[@click=app.quit]`` (an action link) or ESC sequences into any tag;
the app must show all of them literally and keep running."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console, RenderableType

from archiver.tui.app import ArchiverApp
from archiver.tui.format import sanitize
from archiver.tui.screens.detail import DetailScreen, render_detail
from archiver.tui.screens.main import MainScreen
from archiver.tui.widgets.paged_table import PagedTable
from tests.tui.catalog import make_hostile_catalog
from tests.tui.helpers import settle

SIZE = (120, 40)


@pytest.fixture
def hostile_path(tmp_path: Path) -> Path:
    return make_hostile_catalog(tmp_path / "hostile.db")


def as_text(renderable: RenderableType, width: int = 120) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def title_of(table: PagedTable) -> str:
    """The border title as drawn (plain text), not as markup."""
    content = table._border_title  # what Textual draws
    return content.plain if content is not None else ""


def screen_lines(table: PagedTable) -> list[str]:
    """Every row of the table as the terminal receives it."""
    return [
        "".join(segment.text for segment in table.render_line(y))
        for y in range(table.row_count + 1)
    ]


def test_sanitize_makes_every_control_character_visible() -> None:
    assert sanitize("Ctrl\x1b[31mRED\x1b[0m") == "Ctrl␛[31mRED␛[0m"
    assert sanitize("a\nb\tc\rd\x00") == "a␊b␉c␍d␀"
    assert sanitize("del\x7f") == "del␡"
    assert sanitize("csi\x9b31m nel\x85") == "csi\\x9b31m nel\\x85"
    assert sanitize("Björk – 東京 [red]x[/]") == "Björk – 東京 [red]x[/]"  # the rest is untouched
    assert sanitize(None) == ""
    assert sanitize(12) == "12"
    every = "".join(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)))
    assert not any(ch in every for ch in sanitize(every))


async def test_filter_text_is_not_markup(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("a", "slash", *"[/]")
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert title_of(screen.table("alltracks")).endswith("/[/]")
        await pilot.press("ctrl+u", *"[/red]")
        await settle(pilot)
        assert title_of(screen.table("alltracks")).endswith("/[/red]")
        # An error from the query parser quoting the text is literal too.
        await pilot.press("ctrl+u", *"bogus:[/b]")
        await settle(pilot)
        assert app.is_running and app.return_code is None


async def test_hostile_tags_in_titles_and_tables(hostile_path: Path) -> None:
    app = ArchiverApp(hostile_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        entries = screen.table("entries")
        names = [entries.source.cells(i)[0] for i in range(entries.row_count)]
        assert names == ["Closer [/red] Band", "Escapes", "Marked Up"]
        # The first entry is highlighted at start: its albums' pane title holds it.
        assert title_of(screen.table("albums")) == "Albums · Closer [/red] Band"
        await pilot.press("enter")  # albums: "Bad [/] close" highlighted
        await settle(pilot)
        assert title_of(screen.table("tracks")) == "Tracks · Bad [/] close"
        await pilot.press("enter")  # tracks: "x [/b] y"
        await settle(pilot)
        await pilot.press("enter")  # its details
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.is_running and app.return_code is None
        await pilot.press("escape", "h", "h", "j", "j")  # Marked Up
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        albums = screen.table("albums")
        shown = {albums.source.cells(i)[1] for i in range(albums.row_count)}
        assert shown == {"[red]Album[/red]", "Album [@click=app.quit]"}
        titles = set()
        for _ in range(albums.row_count):
            await settle(pilot, 1)
            titles.add(title_of(screen.table("tracks")))
            await pilot.press("j")
        assert titles == {"Tracks · [red]Album[/red]", "Tracks · Album [@click=app.quit]"}
        # Drawn unstyled: no span of the title is red.
        for name in ("albums", "tracks"):
            content = screen.table(name)._border_title
            assert content is not None and not content.spans
        assert app.is_running and app.return_code is None


async def test_escape_sequences_never_reach_the_terminal(hostile_path: Path) -> None:
    app = ArchiverApp(hostile_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("a")  # All tracks: every title on screen
        await settle(pilot)
        lines = screen_lines(screen.table("alltracks"))
        assert not any("\x1b" in line for line in lines)
        assert any("Ctrl␛[31mRED" in line for line in lines), lines
        assert all(len(line) == len(lines[0]) for line in lines)  # the layout holds


def test_detail_shows_tags_literally(hostile_path: Path) -> None:
    from archiver.catalog import open_catalog
    from archiver.catalog.browse import track_detail

    with open_catalog(hostile_path, create=False) as catalog:
        details = {i: track_detail(catalog.conn, i) for i in (1, 3, 4)}
    crashy = as_text(render_detail(details[1]))  # MarkupError before the fix
    assert "x [/b] y" in crashy
    clicky = as_text(render_detail(details[3]))
    normalized = clicky.split("Tags (normalized)")[1].split("Raw tags (as read)")[0]
    raw = clicky.split("Raw tags (as read)")[1]
    assert "Album [@click=app.quit]" in normalized
    assert "Album [@click=app.quit]" in raw and "[b]bold[/b]" in raw
    escapes = as_text(render_detail(details[4]))
    assert "\x1b" not in escapes and "Ctrl␛[31mRED␛[0m title" in escapes


def test_detail_key_column_fits_its_keys(hostile_path: Path) -> None:
    from archiver.catalog import open_catalog
    from archiver.catalog.browse import track_detail

    with open_catalog(hostile_path, create=False) as catalog:
        detail = track_detail(catalog.conn, 4)
    wide = as_text(render_detail(detail), 120)
    for key in (
        "TXXX:MusicBrainz Album Id",
        "TXXX:MusicBrainz Album Artist Id",
        "TXXX:MusicBrainz Album Release Country",
        "musicbrainz_recordingid",
    ):
        assert key in wide, key
    # On a narrow screen the keys give way to the values (at most ~45 % of the width).
    narrow = as_text(render_detail(detail), 60)
    line = next(x for x in narrow.splitlines() if x.rstrip().endswith(" GB"))
    assert line.strip().startswith("TXXX:MusicBrainz Album") and line.index(" GB") < 60 // 2


async def test_all_tracks_at_80_columns_keeps_names_readable(catalog_path: Path) -> None:
    """At 80x24 the low-value columns (MB, format, genre) go before names are cut."""
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("a")
        await settle(pilot)
        lines = screen_lines(screen.table("alltracks"))
        header = lines[0]
        assert "MB" not in header.split() and "Format" not in header
        assert "Maxwell's Silver" in "\n".join(lines)  # a title, not "Max…"
        assert any("The Beatles" in line and "Abbey Road" in line for line in lines)
