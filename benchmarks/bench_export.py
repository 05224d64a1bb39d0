"""CSV export speed and memory on a synthetic 100,000-track catalog.

Compares ``archiver.export.export_tracks`` (what ``archiver export`` runs)
with a floor measured in the same run: a bare ``SELECT`` of the same values
(no ORDER BY, no formatting) written with ``csv.writer.writerows``. Target:
<= 1.5x the floor and < 2 s. Memory: peak Python heap (tracemalloc) and the
whole CLI process's max RSS at 10,000 vs 100,000 tracks; target flat.

    python benchmarks/bench_export.py [--tracks 100000] [--small 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth_catalog import build_catalog  # noqa: E402

from archiver.catalog.db import open_catalog  # noqa: E402
from archiver.catalog.query import COLUMNS, TRACKS_FROM, compile_query  # noqa: E402
from archiver.catalog.tracks import EXPORT_COLUMNS, select_sql  # noqa: E402
from archiver.export import export_tracks  # noqa: E402


def floor_csv(conn, out_path: Path) -> tuple[float, int]:
    """Bare SELECT of the same values + csv.writer: the least any CSV export can do."""
    select = ", ".join(COLUMNS[name].sql for name in EXPORT_COLUMNS)
    start = time.perf_counter()
    with open(out_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(conn.execute(f"SELECT {select} FROM {TRACKS_FROM}"))
    return time.perf_counter() - start, out_path.stat().st_size


def same_sql_csv(conn, out_path: Path) -> float:
    """The export's own SELECT (with ORDER BY) + csv.writer, for reference."""
    sql, params = select_sql(compile_query(""), text_booleans=True)
    start = time.perf_counter()
    with open(out_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(conn.execute(sql, params))
    return time.perf_counter() - start


def archiver_csv(conn, out_path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with open(out_path, "wb") as handle:
        count = export_tracks(conn, compile_query(""), handle, "csv")
    return time.perf_counter() - start, count


def peak_heap(path: Path) -> int:
    catalog = open_catalog(path)
    with open(os.devnull, "wb") as sink:
        tracemalloc.start()
        export_tracks(catalog.conn, compile_query(""), sink, "csv")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    catalog.close()
    return peak


def cli_run(path: Path, out: Path) -> tuple[float, int]:
    """`archiver export -o FILE` in a fresh process: wall time and peak RSS (kB, Linux VmHWM)."""
    code = (
        "import sys; from archiver.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(hwm, file=sys.stderr)\n"
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, "--db", str(path), "export", "-o", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, int(proc.stderr.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        big, small = tmp / "big.db", tmp / "small.db"
        t = time.perf_counter()
        build_catalog(big, args.tracks)
        print(f"built {args.tracks:,}-track catalog in {time.perf_counter() - t:.1f} s")
        build_catalog(small, args.small)
        catalog = open_catalog(big)
        conn = catalog.conn
        floors, ordered, ours = [], [], []
        for _ in range(args.runs):  # interleaved, best of N: the machine is shared and noisy
            elapsed, floor_size = floor_csv(conn, tmp / "floor.csv")
            floors.append(elapsed)
            ordered.append(same_sql_csv(conn, tmp / "same.csv"))
            elapsed, count = archiver_csv(conn, tmp / "ours.csv")
            ours.append(elapsed)
        catalog.close()
        size = (tmp / "ours.csv").stat().st_size
        best_floor, best_ours = min(floors), min(ours)
        print(
            f"rows exported:                 {count:,} ({size / 1e6:.1f} MB CSV; floor file {floor_size / 1e6:.1f} MB)"
        )
        print(
            f"floor (bare SELECT+csv.writer): {best_floor:.2f} s  (runs: {', '.join(f'{x:.2f}' for x in floors)})"
        )
        print(f"same SQL + ORDER BY + writer:   {min(ordered):.2f} s")
        print(
            f"archiver export_tracks (csv):   {best_ours:.2f} s  (runs: {', '.join(f'{x:.2f}' for x in ours)})"
        )
        print(
            f"ratio to floor:                 {best_ours / best_floor:.2f}x  (target <= 1.5x, < 2 s)"
        )
        cli_time, rss_big = cli_run(big, tmp / "cli.csv")
        _, rss_small = cli_run(small, tmp / "cli_small.csv")
        print(
            f"`archiver export -o FILE` CLI:  {cli_time:.2f} s wall (process start and imports included)"
        )
        heap_small, heap_big = peak_heap(small), peak_heap(big)
        print(
            f"peak Python heap (tracemalloc): {heap_small / 1e6:.2f} MB at {args.small:,} tracks, "
            f"{heap_big / 1e6:.2f} MB at {args.tracks:,} ({heap_big / heap_small:.2f}x)"
        )
        print(
            f"CLI peak RSS:                   {rss_small / 1e3:.1f} MB at {args.small:,} tracks, "
            f"{rss_big / 1e3:.1f} MB at {args.tracks:,} ({rss_big / rss_small:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
