"""The left column's integrity counts come from a child process (so that seconds of
Python at a million tracks do not slow the keys): the same numbers as in-process on
a real library, the child killed when superseded or when the app quits, and a
failing child leaves the counts unknown without a word on screen."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from archiver.catalog import open_catalog
from archiver.integrity.counts import CountsProcess, IntegrityCounts, integrity_counts
from archiver.tui.app import ArchiverApp
from archiver.tui.screens.main import MainScreen
from tests.tui.helpers import settle, wait_until
from tests.tui.preservation import make_preservation_library

SIZE = (120, 40)


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_preservation_library(tmp_path_factory.mktemp("counts"))


def in_process(db: Path) -> IntegrityCounts:
    with open_catalog(db, create=False, migrate=False) as catalog:
        return integrity_counts(catalog.conn)


def badges(screen: MainScreen) -> dict[str, str]:
    table = screen.table("categories")
    return {cells[0]: cells[1] for cells in map(table.source.cells, range(table.row_count))}


def running(screen: MainScreen) -> CountsProcess | None:
    apart = screen.loader._running.get("integrity")
    return apart if isinstance(apart, CountsProcess) else None


async def spawned(child: CountsProcess) -> int:
    """The child's pid, stopped (SIGSTOP) as soon as it exists: however small the
    catalog, it is still "counting" until someone kills it."""
    start = time.monotonic()
    while child.proc is None:
        assert time.monotonic() - start < 10, "no child"
        await asyncio.sleep(0.001)
    os.kill(child.proc.pid, signal.SIGSTOP)
    assert child.proc.poll() is None  # stopped in its start-up, long before its counts
    return child.proc.pid


async def test_counts_from_the_child_are_the_in_process_ones(library_db: Path) -> None:
    expected = in_process(library_db)
    assert expected == IntegrityCounts(2, 1, 1)  # rot + gone; Morning twice; Dawn
    app = ArchiverApp(library_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await wait_until(pilot, lambda: screen.watch.counts is not None)
        assert screen.watch.counts == expected
        await settle(pilot)
        shown = badges(screen)
        assert (shown["Damaged"], shown["Duplicates"], shown["Incomplete albums"]) == (
            "2",
            "1",
            "1",
        )


async def test_child_killed_when_superseded_and_when_the_app_quits(library_db: Path) -> None:
    app = ArchiverApp(library_db)
    got: list[IntegrityCounts] = []
    children: list[CountsProcess] = []
    fired: list[bool] = []

    def watchdog() -> None:  # a test that fails must not hang on a stopped child
        fired.append(True)
        for child in children:
            child.proc.kill()

    timer = threading.Timer(20, watchdog)
    timer.start()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
            screen = app.screen
            assert isinstance(screen, MainScreen)
            await wait_until(pilot, lambda: screen.watch.counts is not None)
            await settle(pilot)
            for _ in range(2):
                screen.watch.load_counts(None, got.append)
                child = running(screen)
                assert child is not None
                await spawned(child)
                children.append(child)
            first, second = children
            assert first.proc.wait(5) == -signal.SIGKILL  # superseded
            assert second.proc.poll() is None
            await app.action_quit()
        assert second.proc.wait(5) == -signal.SIGKILL  # the screen went
        assert not fired and got == []
    finally:
        timer.cancel()
        for child in children:
            child.proc.kill()


async def test_a_failing_child_leaves_the_counts_unknown_quietly(
    library_db: Path, tmp_path: Path
) -> None:
    app = ArchiverApp(library_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await wait_until(pilot, lambda: screen.watch.counts is not None)
        await settle(pilot)
        (tmp_path / "broken.db").write_bytes(b"not SQLite" * 100)
        got: list[object] = []
        for path in (tmp_path / "gone.db", tmp_path / "broken.db"):
            child = CountsProcess(path)
            screen.loader.load_apart("integrity", lambda c=child: c, got.append)
            await wait_until(
                pilot, lambda c=child: c.proc is not None and c.proc.poll() is not None
            )
            await settle(pilot)
            assert child.proc.returncode != 0
        assert got == []
        assert len(app._notifications) == 0  # no "Could not read", no traceback
        assert app.screen is screen
