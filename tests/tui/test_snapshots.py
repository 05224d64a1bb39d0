"""Snapshots of the main screens at fixed sizes (pytest-textual-snapshot).

The catalog is the deterministic one from ``tests/tui/catalog.py`` (fixed
timestamps, sizes and durations) and nothing on screen depends on the clock.
Regenerate after an intended change with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from archiver.tui.app import ArchiverApp
from tests.tui.catalog import make_catalog
from tests.tui.helpers import settle


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_catalog(tmp_path / "library.db")


def _keys(*keys: str):  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, 2)

    return run


def test_browser_120x40(snap_compare, db: Path) -> None:
    assert snap_compare(ArchiverApp(db), terminal_size=(120, 40), run_before=_keys("j", "j"))


def test_browser_80x24(snap_compare, db: Path) -> None:
    assert snap_compare(
        ArchiverApp(db), terminal_size=(80, 24), run_before=_keys("j", "j", "enter")
    )


def test_album_tracks_200x60(snap_compare, db: Path) -> None:
    assert snap_compare(
        ArchiverApp(db), terminal_size=(200, 60), run_before=_keys("j", "j", "enter", "j", "enter")
    )


def test_all_tracks_80x24(snap_compare, db: Path) -> None:
    """Below 100 columns All tracks gets the whole screen."""
    assert snap_compare(ArchiverApp(db), terminal_size=(80, 24), run_before=_keys("a"))


def test_all_tracks_sorted(snap_compare, db: Path) -> None:
    assert snap_compare(
        ArchiverApp(db),
        terminal_size=(120, 30),
        run_before=_keys("a", "s", "j", "j", "enter", "S", "enter"),
    )


def test_filter_with_error(snap_compare, db: Path) -> None:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("a", "slash", *"year:1960..1970")
        await settle(pilot)
        # One change (as a paste): no filter applies (none was active at `/`), the
        # error stands under the input with a caret under the bad part.
        filter_input = pilot.app.screen.query_one("#filter", Input)
        filter_input.cursor_blink = False  # a blinking cursor would make the picture random
        filter_input.insert_text_at_cursor(" bogus:1")
        await settle(pilot)

    assert snap_compare(ArchiverApp(db), terminal_size=(120, 30), run_before=run)


def test_track_detail(snap_compare, db: Path) -> None:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        from archiver.tui.screens.detail import DetailScreen

        pilot.app.push_screen(DetailScreen(4))
        await settle(pilot, 1)

    assert snap_compare(ArchiverApp(db), terminal_size=(120, 50), run_before=run)


def test_help(snap_compare, db: Path) -> None:
    assert snap_compare(ArchiverApp(db), terminal_size=(120, 40), run_before=_keys("question_mark"))


def test_welcome_light_theme(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_catalog(tmp_path / "empty.db", empty=True)
    monkeypatch.chdir(tmp_path)  # the screen shows the path: keep it the same every run
    app = ArchiverApp(Path("empty.db"))
    assert snap_compare(app, terminal_size=(100, 30), run_before=_keys("ctrl+t"))


def _to_view(key: str, *keys: str):  # type: ignore[no-untyped-def]
    """Highlight the view ``key`` in the left column, then press ``keys``."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        screen.table("categories").focus()
        screen.table("categories").move_cursor(screen._category_index(key))
        await settle(pilot)
        for k in keys:
            await pilot.press(k)
            await settle(pilot, 2)

    return run


def test_duplicates_empty_hint_80x24(snap_compare, db: Path) -> None:
    """The left column's counts at 80 columns; an empty hint wraps, keeping its command."""
    assert snap_compare(ArchiverApp(db), terminal_size=(80, 24), run_before=_to_view("duplicates"))


def test_damaged_nothing_verified_80x24(snap_compare, db: Path) -> None:
    """No dangling title ("Damaged: ") and no "No albums" beside the hint."""
    assert snap_compare(ArchiverApp(db), terminal_size=(80, 24), run_before=_to_view("damaged"))


def test_scan_errors_120x40(snap_compare, db: Path) -> None:
    assert snap_compare(
        ArchiverApp(db), terminal_size=(120, 40), run_before=_to_view("errors", "enter")
    )


def test_sort_menu_80x24(snap_compare, db: Path) -> None:
    """`s` on an album list: the menu of its columns."""
    assert snap_compare(
        ArchiverApp(db), terminal_size=(80, 24), run_before=_keys("j", "j", "enter", "s")
    )


def test_duplicates_120x40(snap_compare, db: Path) -> None:
    assert snap_compare(
        ArchiverApp(db), terminal_size=(120, 40), run_before=_to_view("duplicates", "enter")
    )


def test_damaged_nothing_verified_120x40(snap_compare, db: Path) -> None:
    assert snap_compare(ArchiverApp(db), terminal_size=(120, 40), run_before=_to_view("damaged"))


def test_unbound_key_hint_80x24(snap_compare, db: Path) -> None:
    """A letter bound to nothing: the hint in the status bar."""
    assert snap_compare(ArchiverApp(db), terminal_size=(80, 24), run_before=_keys("o"))
