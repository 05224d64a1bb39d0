"""Issue 20: the polish points (no surprises from stray keys, the filter being
typed, nothing important cut, widths, Browse-column speed, …), driven with Pilot
over the deterministic test catalog and real scans."""

from __future__ import annotations

from pathlib import Path

from archiver.tui.app import ArchiverApp
from archiver.tui.screens.main import MainScreen
from archiver.tui.screens.prompt import ConfirmScreen
from archiver.tui.widgets.status_bar import StatusBar
from tests.audiogen import make_file
from tests.tui.helpers import settle, wait_until

SIZE = (120, 40)


def main_screen(app: ArchiverApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


# ---------------------------------------------------------------- 1. stray keys


async def test_an_unbound_letter_says_how_to_filter(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        bar = screen.query_one(StatusBar)
        await pilot.press("o")
        assert "press / to filter" in bar.hint
        assert "press / to filter" in bar.render().plain
        await pilot.press("j")  # a bound key: the hint goes, the figures come back
        assert bar.hint == ""
        assert "16 tracks" in bar.render().plain
        # In the filter, letters are text, never a hint.
        await pilot.press("slash", "o")
        assert bar.hint == ""


async def test_rescan_asks_first_and_no_answers_no(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot, 1)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Rescan" in app.screen.question
        await pilot.press("n")
        await settle(pilot, 1)
        assert isinstance(app.screen, MainScreen)
        assert app.job_kind is None
        # A typed word never starts anything: `e` and `r` ask, the rest is ignored.
        await pilot.press(*"rock")
        await settle(pilot, 1)
        assert isinstance(app.screen, ConfirmScreen) and app.job_kind is None
        await pilot.press("escape")
        await settle(pilot, 1)
        assert isinstance(app.screen, MainScreen) and app.job_kind is None


async def test_q_during_a_job_asks_whether_to_stop_it(tmp_path: Path) -> None:
    library = tmp_path / "many"
    for i in range(150):
        make_file(library / f"{i:03d}.mp3", "mp3", {"title": f"Song {i}", "artist": "Many"})
    db = tmp_path / "library.db"
    app = ArchiverApp(db, jobs=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 1)
        app.start_scan([str(library)])
        await pilot.press("q")
        await pilot.pause(0.1)
        assert app.is_running
        assert isinstance(app.screen, ConfirmScreen)
        assert "scan is running" in app.screen.question
        await pilot.press("n")  # keep it running
        await pilot.pause(0.1)
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await wait_until(pilot, lambda: app.job_kind is None)
        await settle(pilot, 1)
        app.start_scan([])
        await pilot.press("q")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause(0.2)
        assert not app.is_running


async def test_q_without_a_job_quits_at_once(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause(0.1)
        assert not app.is_running
