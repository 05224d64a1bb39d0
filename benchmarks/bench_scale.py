"""Every row of issue 17's table on existing synthetic catalogs, each beside its floor.

    python benchmarks/synth_catalog.py /tmp/synth100k.db --tracks 100000     # once
    python benchmarks/synth_catalog.py /tmp/synth1m.db --tracks 1000000      # once (~4 min)
    python benchmarks/bench_scale.py /tmp/synth100k.db /tmp/synth1m.db [--skip-tui]

Per catalog, one run each (the machine is shared: figures vary by tens of %,
ratios measured in the same run are the steadier figures):

- TUI: process start to first full paint (``archiver tui`` in a pty), app start
  to first paint, filter keystroke, re-sort of All tracks from its kept order and
  right after a small change (the order patched), the cold reading of every order (``bench_tui``, 120x40), import time separately;
- ``archiver stats``, ``archiver missing``, and ``stats QUERY``, ``duplicates``
  (by audio, recording, tags), ``review`` and ``ls QUERY``: wall time and peak RSS
  of a fresh process (Linux VmHWM);
- ``archiver export`` CSV against the floor measured in the same run (a bare
  SELECT of the same values + ``csv.writer``), and Parquet, with peak RSS;
- the catalog file: bytes per track and the biggest tables and indexes
  (SQLite's ``dbstat``).

The catalogs are opened (and migrated) as they are; nothing is written to them
but the migration.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_export import archiver_csv, floor_csv  # noqa: E402

from archiver.catalog.db import open_catalog  # noqa: E402

_CHILD = (
    "import sys, time; from archiver.cli import main\n"
    "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
    # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
    "print(hwm, file=sys.stderr)\n"
)


def cli(db: Path, *args: str) -> tuple[float, float]:
    """`archiver --db DB args...` in a fresh process: (wall seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, "--db", str(db), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) / 1000


def tui(db: Path) -> dict[str, float]:
    import os

    from bench_tui import (
        after_small_change,
        import_time,
        keep_orders,
        one_run,
        process_first_paint,
    )

    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # All tracks' kept orders, thrown away after
        kept = keep_orders(db)
        process_first_paint(db)  # once untimed: bytecode caches written
        paint = process_first_paint(db)
        figures = asyncio.run(one_run(db))
        figures["changed_sort"], figures["changed_keep"] = after_small_change(db)
    figures["import"] = import_time()
    figures["keep_orders"] = kept
    figures["process_paint"] = paint
    return figures


def catalog_size(db: Path) -> tuple[int, list[tuple[str, int]]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
    sizes = [(name, size) for name, size in rows]
    conn.close()
    return db.stat().st_size, sizes


def bench(db: Path, skip_tui: bool) -> None:
    catalog = open_catalog(db)  # migrate once, outside the timings
    tracks = catalog.conn.execute("SELECT count(*) FROM files").fetchone()[0]
    catalog.close()
    print(f"\n## {db} ({tracks:,} tracks)\n")
    print("| row | measured | floor / target |")
    print("|---|---:|---|")

    def row(what: str, measured: str, target: str) -> None:
        print(f"| {what} | {measured} | {target} |", flush=True)

    if not skip_tui:
        f = tui(db)
        row("TUI: `import archiver.tui.app`", f"{f['import']:.2f} s", "part of first paint")
        row(
            "TUI: process start to first full paint (`archiver tui` in a pty)",
            f"{f['process_paint']:.2f} s",
            "< 1 s",
        )
        row(
            "TUI: app start to first full paint (Pilot, imports not included)",
            f"{f['first_paint']:.2f} s",
            "",
        )
        row(
            f"TUI: filter keystroke -> view updated ({int(f['filtered_rows']):,} rows)",
            f"{f['filter_key'] * 1000:.0f} ms",
            "< 100 ms",
        )
        row(
            "TUI: re-sort of All tracks (`s`, order kept on disk; reversed)",
            f"{f['sort']:.2f} s; {f['sort_reverse']:.2f} s",
            "< 1 s",
        )
        row(
            "TUI: re-sort right after a small change (3 new tracks, 10 retagged: the kept"
            " order patched); then keeping the other orders (background)",
            f"{f['changed_sort']:.2f} s; {f['changed_keep']:.2f} s",
            "< 1 s",
        )
        row(
            "TUI: keeping every order of All tracks (cold: none kept, or a big change)",
            f"{f['keep_orders']:.1f} s",
            "",
        )
    seconds, rss = cli(db, "stats")
    row("`archiver stats`", f"{seconds:.2f} s, {rss:.0f} MB", "< 2 s, < 150 MB")
    seconds, rss = cli(db, "missing")
    row("`archiver missing`", f"{seconds:.2f} s, {rss:.0f} MB", "< 3 s, < 150 MB")
    # The other commands issue 17 names, whole catalog (output to /dev/null).
    for args in (
        ("stats", "genre:jazz"),
        ("duplicates",),
        ("duplicates", "--by", "recording"),
        ("duplicates", "--by", "tags"),
        ("review",),
        ("ls", "genre:jazz"),
    ):
        seconds, rss = cli(db, *args)
        row(
            f"`archiver {' '.join(args)}`",
            f"{seconds:.2f} s, {rss:.0f} MB",
            "flat memory, < 150 MB",
        )
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp_name:
        tmp = Path(tmp_name)
        catalog = open_catalog(db)
        floor, _ = floor_csv(catalog.conn, tmp / "floor.csv")
        (tmp / "floor.csv").unlink()
        ours, _ = archiver_csv(catalog.conn, tmp / "ours.csv")
        (tmp / "ours.csv").unlink()
        catalog.close()
        row(
            "`export_tracks(..., 'csv')` (what `archiver export` runs)",
            f"{ours:.2f} s",
            f"floor (bare SELECT + csv.writer, same run) {floor:.2f} s: {ours / floor:.2f}x, target <= 1.5x",
        )
        seconds, rss = cli(db, "export", "-o", str(tmp / "out.csv"))
        row(
            "`archiver export -o FILE.csv` (fresh process)",
            f"{seconds:.2f} s, {rss:.0f} MB",
            f"{seconds / floor:.2f}x the floor, imports included",
        )
        (tmp / "out.csv").unlink()
        seconds, rss = cli(db, "export", "-o", str(tmp / "out.parquet"))
        size = (tmp / "out.parquet").stat().st_size
        row(
            "`archiver export` Parquet (fresh process)",
            f"{seconds:.2f} s, {rss:.0f} MB",
            f"{size / 1e6:.0f} MB file; {seconds / floor:.2f}x the CSV floor",
        )
    total, sizes = catalog_size(db)
    row(
        "catalog file",
        f"{total / 1e9:.2f} GB ({total / tracks:.0f} B/track)",
        "what each part costs: below",
    )
    print()
    print("| table or index | MB | bytes per track |")
    print("|---|---:|---:|")
    for name, size in sizes[:16]:
        print(f"| {name} | {size / 1e6:.1f} | {size / tracks:.0f} |")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("catalogs", nargs="+", type=Path, help="synthetic catalogs to measure")
    parser.add_argument("--skip-tui", action="store_true", help="leave out the TUI rows")
    args = parser.parse_args()
    for db in args.catalogs:
        if not db.exists():
            parser.error(f"{db}: no such catalog (build it with benchmarks/synth_catalog.py)")
        bench(db, args.skip_tui)
    return 0


if __name__ == "__main__":
    sys.exit(main())
