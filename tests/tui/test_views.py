"""The view registry and the paged table's background page reads."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from textual.app import App, ComposeResult

from archiver.catalog import browse, open_catalog
from archiver.catalog.browse import CATEGORIES
from archiver.tui.sources import TrackPages
from archiver.tui.views import VIEW_BY_KEY, VIEWS
from archiver.tui.widgets.paged_table import PLACEHOLDER, PagedSource, PagedTable
from tests.tui.helpers import wait_until


def test_every_category_has_one_view_in_the_same_order() -> None:
    assert [v.key for v in VIEWS] == [c.key for c in CATEGORIES]
    assert [v.label for v in VIEWS] == [c.label for c in CATEGORIES]
    assert len(VIEW_BY_KEY) == len(VIEWS)
    for view in VIEWS:
        assert 1 <= view.depth <= 3, view.key
        assert not (view.children_in_row and view.depth < 3), view.key
    assert [v.key for v in VIEWS if v.all_tracks] == ["all"]


def test_views_load_their_entries_on_a_real_catalog(catalog_path: Path) -> None:
    with open_catalog(catalog_path, create=False) as catalog:
        for view in VIEWS:
            if view.all_tracks:
                continue
            entries = view.load_entries(catalog.conn, browse.Scope(view.key))
            assert isinstance(entries, list), view.key
    errors = VIEW_BY_KEY["errors"]
    with open_catalog(catalog_path, create=False) as catalog:
        (kind,) = errors.load_entries(catalog.conn, browse.Scope("errors"))
        rows = errors.load_rows(catalog.conn, browse.Scope("errors"), kind)
    from archiver.tui.views.base import Selection

    shown = errors.show_rows(kind, rows, Selection(browse.Scope("errors")))
    assert shown.subtitle == "1 file" and shown.source.cells(0)[1].startswith("file said")


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PagedTable(id="t")


def line(table: PagedTable, y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


async def test_pages_are_read_off_the_ui_thread(catalog_path: Path) -> None:
    """While the page worker is held up, rows draw as placeholders and keys are
    answered at once; when the page arrives the rows are drawn."""
    gate = threading.Event()
    threads: list[str] = []

    def connect() -> sqlite3.Connection:
        threads.append(threading.current_thread().name)
        assert gate.wait(20), "the test never opened the gate"
        return open_catalog(catalog_path, create=False, migrate=False).conn

    with open_catalog(catalog_path, create=False) as catalog:
        ids = browse.track_ids(catalog.conn, browse.Scope("all"), "title")
        first = browse.tracks_by_ids(catalog.conn, [ids[0]])[0]
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(PagedTable)
        pages = TrackPages(connect, ids)
        assert isinstance(pages, PagedSource)
        table.set_source(pages)
        table.focus()
        await pilot.pause()
        assert table.pages_pending()
        assert line(table, 1).strip().startswith(PLACEHOLDER[0])
        await pilot.press("G")  # answered while the read waits: the UI thread never reads
        assert table.cursor == len(ids) - 1
        gate.set()
        await wait_until(pilot, lambda: not table.pages_pending())
        await pilot.pause()
        assert threads and threading.main_thread().name not in threads
        shown = [line(table, y) for y in range(1, table.row_count + 1)]
        assert not any(s.strip().startswith(PLACEHOLDER[0]) for s in shown)
        assert pages.cells(0)[3] == first.title


def test_screens_and_views_import_alone_without_cycles() -> None:
    """Each module imports on its own, and the message screen does not pull in the browser."""
    import subprocess
    import sys

    code = (
        "import sys, importlib\n"
        "importlib.import_module(sys.argv[1])\n"
        "assert 'archiver.tui.screens.main' not in sys.modules or sys.argv[1].endswith('main')\n"
    )
    root = Path(__file__).resolve().parents[2]
    for module in (
        "archiver.tui.screens.message",
        "archiver.tui.views",
        "archiver.tui.loader",
        "archiver.tui.widgets.paged_table",
        "archiver.tui.screens.main",
    ):
        proc = subprocess.run(
            [sys.executable, "-c", code, module], cwd=root, capture_output=True, text=True
        )
        assert proc.returncode == 0, (module, proc.stderr)
