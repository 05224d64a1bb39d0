"""Key latency in the TUI while the left column's integrity counts run (issue 17).

    python benchmarks/bench_keys_during_counts.py DB before|after [--keys N]   (from the repo root)

Holds `j`/`k` in the first column (album artists): each key is the cursor move and the
column's repaint on the UI thread (as bench_tui's Browse column "highlight"), one key
every 30 ms (key repeat); plus the event loop's lag (a 5 ms sleep's overshoot).
Measured while idle (counts done), then while the counts are recomputed: ``before``
the counts run in a worker thread of the TUI (the old in-process function), ``after``
in the child process.
"""

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
from archiver.catalog import verify_runs
from archiver.integrity.browse import IntegrityCounts
from archiver.integrity.completeness import incomplete_albums
from archiver.integrity.duplicates import find_duplicates
from archiver.tui.app import ArchiverApp
from archiver.tui.screens.main import MainScreen

SIZE = (120, 40)


def old_counts(conn):  # the function before this branch, in-process
    return IntegrityCounts(
        len(verify_runs.damaged_files(conn)),
        len(find_duplicates(conn, "audio")),
        len(incomplete_albums(conn)),
    )


def paint(table):
    for y in range(table.scrollable_content_region.height):
        table.render_line(y)


async def keys(table, n, while_=lambda: True, pilot=None):
    key_ms, lag_ms, tasks = [], [], []
    for i in range(n):
        if not while_():
            break
        t = time.perf_counter()
        before = table.cursor
        tasks.append(asyncio.create_task(pilot.press("j" if (i // 10) % 2 == 0 else "k")))
        while table.cursor == before:
            await asyncio.sleep(0)
        paint(table)
        key_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        await asyncio.sleep(0.005)
        lag_ms.append((time.perf_counter() - t) * 1000 - 5)
        await asyncio.sleep(0.025)
    for task in tasks:
        task.cancel()
    return key_ms, lag_ms


async def filter_keys(screen, pilot, n, while_=lambda: True):
    """One letter typed in the filter (nothing cached: a real query) until the first
    column shows its narrowed rows; then backspace."""
    key_ms, lag_ms = [], []
    table = screen.table("entries")
    for i in range(n):
        if not while_():
            break
        screen.cache.clear(screen._catalog_version())
        t = time.perf_counter()
        press = asyncio.create_task(pilot.press("aeiost"[i % 6]))
        while not screen.view_updated_at > t:
            await asyncio.sleep(0.001)
        paint(table)
        key_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        await asyncio.sleep(0.005)
        lag_ms.append((time.perf_counter() - t) * 1000 - 5)
        press.cancel()
        t = time.perf_counter()
        press = asyncio.create_task(pilot.press("backspace"))
        while not screen.view_updated_at > t:
            await asyncio.sleep(0.001)
        press.cancel()
        await asyncio.sleep(0.1)
    return key_ms, lag_ms


def summary(name, key_ms, lag_ms):
    def q(v, p):
        return sorted(v)[min(len(v) - 1, int(len(v) * p))]

    print(
        f"{name:<22} keys {len(key_ms):4d}  key->painted median {statistics.median(key_ms):6.1f} ms"
        f"  p90 {q(key_ms, 0.9):6.1f}  max {max(key_ms):6.1f}   loop lag median "
        f"{statistics.median(lag_ms):5.1f} ms  p90 {q(lag_ms, 0.9):5.1f}  max {max(lag_ms):6.1f}",
        flush=True,
    )


async def main(db, mode, n):
    app = ArchiverApp(db)
    async with app.run_test(size=SIZE) as pilot:
        while not (isinstance(app.screen, MainScreen) and app.screen.loaded_once):
            await asyncio.sleep(0.01)
        screen = app.screen
        t = time.perf_counter()
        while screen.watch.counts is None:  # the first counts (started 2.5 s after the paint)
            await asyncio.sleep(0.05)
        print(f"first counts {screen.watch.counts} ({mode} code path at start)", flush=True)
        await app.workers.wait_for_complete()
        await asyncio.sleep(2)
        await app.workers.wait_for_complete()
        table = screen.table("entries")
        table.focus()
        filt = os.environ.get("KEYS") == "filter"
        if filt:
            await pilot.press("slash")
            await asyncio.sleep(0.5)
            summary("idle", *await filter_keys(screen, pilot, n))
        else:
            summary("idle", *await keys(table, n, pilot=pilot))
        await asyncio.sleep(1)
        watch = screen.watch
        done = []
        if mode == "before":
            watch.loader.load("integrity", old_counts, (), done.append)
        else:
            watch.load_counts(screen._catalog_version(), done.append)
        t = time.perf_counter()
        if filt:
            got = await filter_keys(screen, pilot, 100000, lambda: not done)
        else:
            got = await keys(table, 100000, lambda: not done, pilot=pilot)
        took = time.perf_counter() - t
        while not done:
            await asyncio.sleep(0.01)
        summary(f"during counts ({mode})", *got)
        print(
            f"counts {done[0]} in {time.perf_counter() - t:.2f} s (keys for {took:.2f} s)",
            flush=True,
        )
        await app.action_quit()


if __name__ == "__main__":
    print("load", os.getloadavg())
    asyncio.run(
        main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 100)
    )
    print("load", os.getloadavg())
