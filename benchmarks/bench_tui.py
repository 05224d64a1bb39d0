"""How fast the TUI feels on a big catalog (default 100,000 synthetic tracks).

    python benchmarks/bench_tui.py [--tracks 100000] [--db PATH] [--repeat 5]

Prints, each as the median of ``--repeat`` runs (headless app, 120x40):

- import: ``import archiver.tui.app`` in a fresh interpreter;
- launch → first full paint: app start until the first view (album artists
  with their counts) is painted;
- ``a`` → All tracks painted (100k rows pageable; the ids are prefetched in
  the background after the first paint), and Album picked in the ``s`` menu →
  re-sorted (a cold sort of every id by SQLite in a worker);
- filter keystroke → updated view: one key typed in the ``/`` filter of All
  tracks (after a pause, as a person types) until the narrowed rows show;
- jump to last row: ``G`` in All tracks until the last page is painted (read
  by the table's page worker), and the UI thread's share of it (the key and
  a frame of placeholders);
- Browse column: ``j`` down every view of the left column and ``k`` back up
  (after the first paint, once the views were read in the background), each
  key until the left column is painted with its cursor moved (highlight) and
  until the view's first column shows its rows and is painted (preview); the
  worst of the two keys per view;
- floor: the bare SQL of the slowest step (ordered ids of every track).

Targets (issue 5): first paint < 1 s, filter keystroke < 100 ms, jump < 100 ms;
(issue 20) Browse column: highlight < 50 ms, preview < 200 ms for every view.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.catalog import browse  # noqa: E402
from archiver.tui.app import ArchiverApp  # noqa: E402
from archiver.tui.screens.main import MainScreen  # noqa: E402
from archiver.tui.views import VIEWS  # noqa: E402

SIZE = (120, 40)


async def _until(pilot, condition, timeout: float = 30.0, idle: bool = True) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.001)
    if idle:
        await pilot.pause()  # one refresh: the frame is painted
    else:
        # The frame is painted once the screen has processed its messages. (Pilot's
        # pause() also waits, up to 1 s, for the whole process to go idle: on a big
        # catalog the background workers started after the first paint, such as the
        # status bar's figures, keep it busy, and that second is not the paint's.)
        await pilot.pause(0)


async def one_run(db: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    start = time.perf_counter()
    app = ArchiverApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await _until(
            pilot,
            lambda: isinstance(app.screen, MainScreen) and app.screen.loaded_once,
            idle=False,
        )
        figures["first_paint"] = time.perf_counter() - start
        await pilot.pause()  # then as before: the process settles (not timed)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        table = screen.table("alltracks")

        await asyncio.sleep(1.0)  # a person looks at the first screen; ids are prefetched
        await app.workers.wait_for_complete()
        t = time.perf_counter()
        await pilot.press("a")
        await _until(pilot, lambda: table.row_count > 0)
        figures["all_tracks"] = time.perf_counter() - t
        rows = table.row_count

        before = table.source
        await pilot.press("s", "j")  # the sort menu, on Album
        t = time.perf_counter()
        await pilot.press("enter")  # sort by album: 100k ids re-sorted by SQLite in a worker
        await _until(pilot, lambda: table.source is not before)
        figures["sort"] = time.perf_counter() - t
        await pilot.press("s", "k", "enter")  # back to artist (cached)
        await asyncio.sleep(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()

        t = time.perf_counter()
        await pilot.press("G")
        await _until(pilot, lambda: table.cursor == rows - 1)
        figures["jump_last_pilot"] = time.perf_counter() - t
        # The same without Pilot's own round trip: the key's action and the
        # drawing of every visible line (placeholders: the UI thread never reads
        # SQLite), then until the worker has read the last page and it is drawn.
        await pilot.press("g")
        await _until(pilot, lambda: not table.pages_pending())
        table.source._pages.clear()  # cold cache, as after a long scroll
        t = time.perf_counter()
        table.action_last()
        paint(table)
        figures["jump_last_key"] = time.perf_counter() - t
        while table.pages_pending():
            await asyncio.sleep(0.001)
        paint(table)
        figures["jump_last"] = time.perf_counter() - t

        await pilot.press("g", "slash", *"velve")
        await asyncio.sleep(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        before = table.source
        t = time.perf_counter()
        await pilot.press("t")
        await _until(pilot, lambda: table.source is not before)
        figures["filter_key_pilot"] = time.perf_counter() - t
        # Keystroke to new rows on the widget, plus reading their first page
        # (the table's worker) and drawing them.
        p = time.perf_counter()
        paint(table)
        while table.pages_pending():
            await asyncio.sleep(0.001)
        paint(table)
        figures["filter_key"] = screen.view_updated_at - t + (time.perf_counter() - p)
        figures["filtered_rows"] = table.row_count

        figures["rows"] = rows
        await pilot.press("escape")
        await browse_column(pilot, screen, figures)
        await pilot.press("q")
    return figures


async def browse_column(pilot, screen: MainScreen, figures: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    """``j`` over every view of the left column and ``k`` back: to the highlight and
    to the view's rows painted, without Pilot's round trip (as for ``G``)."""
    await _until(pilot, screen.warmed, timeout=120)  # read in the background after the paint
    await screen.app.workers.wait_for_complete()
    categories = screen.table("categories")
    categories.focus()
    categories.move_cursor(0)
    await asyncio.sleep(0.5)
    await screen.app.workers.wait_for_complete()
    last = len(VIEWS) - 1
    moves = [(i, categories.action_cursor_down) for i in range(1, last + 1)]
    moves += [(i, categories.action_cursor_up) for i in range(last - 1, -1, -1)]
    for index, move in moves:
        view = VIEWS[index]
        t = time.perf_counter()
        move()
        paint(categories)
        highlight = time.perf_counter() - t
        while not (screen.category == view.key and screen.view_updated_at > t):
            if time.perf_counter() - t > 30:
                raise TimeoutError(f"{view.label}: no rows")
            await asyncio.sleep(0.001)
        paint(screen.table("alltracks" if view.all_tracks else "entries"))
        preview = time.perf_counter() - t
        for name, value in (("highlight", highlight), ("preview", preview)):
            key = f"browse_{name}:{view.label}"
            figures[key] = max(figures.get(key, 0.0), value)
        await asyncio.sleep(0.2)  # a person looks at it; the delayed loads run


def paint(table) -> None:  # type: ignore[no-untyped-def]
    """Draw every visible line, as the compositor does for a frame."""
    for y in range(table.scrollable_content_region.height):
        table.render_line(y)


def import_time() -> float:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t = time.perf_counter(); import archiver.tui.app; print(time.perf_counter() - t)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return float(out.stdout.strip())


def floor(db: Path) -> float:
    conn = sqlite3.connect(db)
    t = time.perf_counter()
    browse.track_ids(conn, browse.Scope("all"))
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="use (or create) this catalog")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "synth.db"
    if not db.exists():
        from benchmarks.synth_catalog import build_catalog

        t = time.perf_counter()
        build_catalog(db, args.tracks, seed=1)
        print(f"built {args.tracks:,}-track catalog in {time.perf_counter() - t:.1f} s")

    runs = [asyncio.run(one_run(db)) for _ in range(args.repeat)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    ms = lambda s: f"{s * 1000:7.1f} ms"  # noqa: E731
    print(
        f"catalog: {db} ({int(runs[0]['rows']):,} tracks in All tracks), median of {args.repeat} runs, {SIZE[0]}x{SIZE[1]}"
    )
    print(f"import archiver.tui.app              {ms(import_time())}")
    print(f"launch -> first full paint           {ms(med('first_paint'))}   (target < 1000 ms)")
    print(
        f"'a' -> All tracks painted            {ms(med('all_tracks'))}   (ids prefetched after the first paint)"
    )
    print(f"sort menu: Album -> re-sorted, painted {ms(med('sort'))}")
    print(
        f"'G' -> last row painted              {ms(med('jump_last'))}   (target < 100 ms; with Pilot's round trip {ms(med('jump_last_pilot')).strip()})"
    )
    print(
        f"'G' -> key handled, placeholder drawn {ms(med('jump_last_key'))}   (the UI thread's share: no SQLite)"
    )
    print(
        f"filter keystroke -> view updated     {ms(med('filter_key'))}   (target < 100 ms; {int(runs[0]['filtered_rows']):,} rows; with Pilot's round trip {ms(med('filter_key_pilot')).strip()})"
    )
    print(
        "Browse column, j/k, worst of the two keys (targets: highlight < 50 ms, preview < 200 ms):"
    )
    for view in VIEWS:
        print(
            f"  {view.label:<28} highlight {ms(med(f'browse_highlight:{view.label}'))}"
            f"   preview {ms(med(f'browse_preview:{view.label}'))}"
        )
    print(f"floor: ordered ids of all tracks     {ms(floor(db))}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
