"""The Damaged, Duplicates and Incomplete albums views over a real library:
files made with tests/audiogen.py, scanned, fingerprinted and verified with the
real entry points, then damaged on disk (see tests/tui/preservation.py). Also:
a killed scan's leftover "running" row does not make the UI say a scan runs."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rich.console import Console, RenderableType
from textual.pilot import Pilot

from archiver.catalog import open_catalog
from archiver.catalog.browse import CATEGORIES
from archiver.tui.app import ArchiverApp
from archiver.tui.catalog_status import read_status as _catalog_status
from archiver.tui.scanlock import scan_lock_held
from archiver.tui.screens.detail import DetailScreen, render_detail
from archiver.tui.screens.main import MainScreen
from archiver.tui.screens.message import MessageScreen
from archiver.tui.widgets.paged_table import PagedTable
from archiver.tui.widgets.status_bar import StatusBar
from tests.tui.helpers import settle, wait_until
from tests.tui.preservation import make_preservation_library

SIZE = (120, 40)


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once: the app only reads it."""
    return make_preservation_library(tmp_path_factory.mktemp("preservation"))


def as_text(renderable: RenderableType, width: int = 110) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def rows(table: PagedTable) -> list[tuple[str, ...]]:
    return [table.source.cells(i) for i in range(table.row_count)]


def loaded(table: PagedTable) -> bool:
    return table.row_count > 0 or table.empty_text not in ("", "Loading…")


async def open_category(pilot: Pilot, key: str) -> MainScreen:
    """Go to the browse column, pick ``key`` and enter its first column, as a person would."""
    screen = pilot.app.screen
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    await wait_until(pilot, lambda: screen.loaded_once)
    while not screen.table("categories").has_focus:
        await pilot.press("h")
    index = next(i for i, c in enumerate(CATEGORIES) if c.key == key)
    await pilot.press("g", *["j"] * index)
    await wait_until(pilot, lambda: screen.category == key and loaded(screen.table("entries")))
    await pilot.press("enter")
    await settle(pilot, 1)
    assert screen.table("entries").has_focus
    return screen


async def test_damaged_lists_changed_and_missing_files(library_db: Path) -> None:
    app = ArchiverApp(library_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_category(pilot, "damaged")
        badges = {r[0]: r[1] for r in rows(screen.table("categories"))}
        assert (badges["Damaged"], badges["Duplicates"], badges["Incomplete albums"]) == (
            "2",
            "1",
            "1",
        )
        assert rows(screen.table("entries")) == [("changed", "1"), ("missing", "1")]
        files = screen.table("albums")
        (title, artist, problem, verified) = rows(files)[0]
        assert (title, artist) == ("Rot", "Quiet Band")
        assert problem.startswith("content differs while size and mtime are unchanged")
        assert verified.endswith("UTC")
        assert "verified " in str(files.border_subtitle)
        assert "verified " in screen.query_one(StatusBar).render().plain
        await pilot.press("enter")  # into the files
        await pilot.press("enter")  # the track's detail
        await settle(pilot, 1)
        assert isinstance(app.screen, DetailScreen)
        detail = app.screen.detail
        assert detail.file["last_verify_status"] == "changed" and detail.tags["title"] == "Rot"
        text = as_text(render_detail(detail))
        assert "Verify finding" in text and "content differs while size" in text
        # The first fingerprint (checksum) and the second verify's evidence of the new bytes.
        assert "Fingerprints (oldest first)" in text and "verify #2" in text
        assert len({fp["sha256"] for fp in detail.fingerprints}) == 2
        await pilot.press("escape")
        await pilot.press("h", "j")  # back to the statuses, next one
        await settle(pilot, 1)
        assert [r[0] for r in rows(files)] == ["Gone"]


async def test_duplicates_show_groups_and_the_best_copy(library_db: Path) -> None:
    app = ArchiverApp(library_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_category(pilot, "duplicates")
        assert rows(screen.table("entries")) == [
            ("Same audio", "1"),
            ("Same recording", "0"),
            ("Same artist/title", "0"),
        ]
        groups = screen.table("albums")
        assert [r[:2] for r in rows(groups)] == [("Quiet Band – Morning", "2")]
        await pilot.press("enter")  # into the groups: the copies show beside them
        await settle(pilot, 1)
        copies = screen.table("tracks")
        assert [r[:2] for r in rows(copies)] == [
            ("★ best", "Quiet Band/Singles/Morning.flac"),
            ("", "Inbox/morning copy.flac"),
        ]
        assert "more complete tags" in str(copies.border_subtitle)
        await pilot.press("enter", "j", "enter")  # the second copy's detail
        await settle(pilot, 1)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.detail.file["path"].endswith("Inbox/morning copy.flac")
        await pilot.press("escape")
        await pilot.press("h", "h", "G")  # the kinds: same artist/title has none
        await settle(pilot, 1)
        assert groups.row_count == 0 and groups.empty_text == "No duplicates."


async def test_incomplete_albums_list_what_is_missing(library_db: Path) -> None:
    app = ArchiverApp(library_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_category(pilot, "incomplete")
        assert rows(screen.table("entries")) == [("Dawn — Quiet Band", "2")]
        missing = screen.table("albums")
        assert rows(missing) == [
            ("disc 1 track 3", "", "", "tags"),
            ("disc 1 track 5", "", "", "tags"),
        ]
        assert missing.border_subtitle == "4 of 6 present"
        await pilot.press("enter", "enter")
        await settle(pilot, 1)
        assert isinstance(app.screen, MessageScreen)
        assert "missing: disc 1 track 3\nmissing: disc 1 track 5" in app.screen.text


async def test_export_an_incomplete_album_exports_that_album(
    library_db: Path, tmp_path: Path
) -> None:
    """x on Incomplete albums exports the album in view, not every track."""
    import csv

    from tests.tui.test_jobs import export_with_x

    out = tmp_path / "dawn.csv"
    app = ArchiverApp(library_db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_category(pilot, "incomplete")
        assert screen.entry is not None
        question = await export_with_x(pilot, out)
        assert "Dawn" in question
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 and {r["album"] for r in rows} == {"Dawn"}


KILLED_SCAN = textwrap.dedent(
    """
    import sys, time
    from archiver.catalog import open_catalog, utc_now
    from archiver.scan import scan_lock
    catalog = open_catalog(sys.argv[1], create=False)
    lock = scan_lock(catalog.path)
    lock.__enter__()
    with catalog.write() as conn:
        conn.execute("INSERT INTO scan_runs (started_at, status) VALUES (?, 'running')", (utc_now(),))
    print("scanning", flush=True)
    time.sleep(60)
    """
)


async def test_a_killed_scan_is_not_running(catalog_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_SCAN, str(catalog_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "scanning"
        with open_catalog(catalog_path, create=False) as catalog:
            assert scan_lock_held(catalog_path)
            assert _catalog_status(catalog.conn, catalog_path).scan_running
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with open_catalog(catalog_path, create=False) as catalog:
        status = _catalog_status(catalog.conn, catalog_path)
    assert status.scan_running_since is not None  # the row still says "running"
    assert not status.scan_running and not scan_lock_held(catalog_path)
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 2)
        text = app.screen.query_one(StatusBar).render().plain
        assert "last scan 2026-01-02 03:04 UTC" in text and "scan running" not in text


def test_the_probed_lock_file_is_the_scanners(tmp_path) -> None:
    """The browser names the scan lock itself (not importing the scanner at start):
    the same file the scanner locks."""
    from archiver.scan import lock_path
    from archiver.tui.scanlock import lock_file

    assert lock_file(tmp_path / "c.db") == str(lock_path(tmp_path / "c.db"))
