"""What the app says: singular and plural, empty views, job summaries, scan progress."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from archiver.scan.run import ScanProgress
from archiver.tui.app import ArchiverApp, _enrich_summary, _scan_summary, _sentence, scan_progress
from archiver.tui.screens.main import MainScreen
from tests.tui.catalog import make_hostile_catalog
from tests.tui.helpers import settle, wait_until


def test_job_summaries_read_as_sentences() -> None:
    stats = SimpleNamespace(albums=1, matched=1, ambiguous=0, unmatched=0, errors=1)
    assert _enrich_summary(stats) == "1 album, 1 matched, 1 error"
    stats = SimpleNamespace(albums=3, matched=2, ambiguous=0, unmatched=1, errors=0)
    assert _enrich_summary(stats) == "3 albums, 2 matched, 1 unmatched"
    nothing = _scan_summary(SimpleNamespace(added=0, updated=0, unchanged=0, missing=0, errors=0))
    assert _sentence("Scan finished", nothing) == "Scan finished: nothing changed"
    assert _sentence("Scan cancelled", "") == "Scan cancelled."


def test_scan_progress_has_no_percentage_while_files_are_still_found() -> None:
    walking = scan_progress(ScanProgress("discover", 40, 0))
    assert walking.total is None and walking.text == "finding files… 40"
    both = scan_progress(ScanProgress("read", 30, 50, discovering=True))
    assert both.total is None  # the bar shows --% instead of 30 of a growing 50
    assert both.text == "30 read, still finding files (50 so far)"
    reading = scan_progress(ScanProgress("read", 30, 80))
    assert (reading.done, reading.total, reading.text) == (30, 80, "reading 30 of 80")
    assert scan_progress(ScanProgress("finish", 0, 0)).total is None


async def test_empty_needs_review_says_so(tmp_path: Path) -> None:
    db = make_hostile_catalog(tmp_path / "unmatched.db")  # no MusicBrainz data at all
    app = ArchiverApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("h", "g", *["j"] * 7)  # Needs review
        await wait_until(pilot, lambda: screen.category == "review")
        await settle(pilot)
        entries = screen.table("entries")
        assert entries.row_count == 0
        assert entries.empty_text == "Nothing needs review."
