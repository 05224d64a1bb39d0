"""`archiver stats` on existing (synthetic) catalogs: the whole catalog from the
summaries of migration 0019 against the plain SQL passes they replace, measured
in the same run, and a query (which still reads its rows).

    python benchmarks/bench_stats.py /tmp/synth100k.db /tmp/synth1m.db [--repeat 3]

Each `archiver stats` run is a fresh process (wall time and peak RSS, Linux
VmHWM, imports included). "plain" is ``plain_stats`` + the covers from every
album's rows, in this process: what `archiver stats` cost before 0019. The
catalogs are opened (and migrated: timed once) as they are.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_scale import cli  # noqa: E402

from archiver.catalog.covers import album_cover_figures  # noqa: E402
from archiver.catalog.db import open_catalog  # noqa: E402
from archiver.catalog.query import compile_query  # noqa: E402
from archiver.catalog.stats import plain_stats  # noqa: E402


def _range(values: list[float], fmt: str) -> str:
    lo, hi = min(values), max(values)
    return format(lo, fmt) if lo == hi else f"{format(lo, fmt)}-{format(hi, fmt)}"


def bench(db: Path, repeat: int, plain: bool) -> None:
    start = time.perf_counter()
    catalog = open_catalog(db)  # migrates a catalog older than 0019
    opened = time.perf_counter() - start
    tracks = catalog.conn.execute("SELECT count(*) FROM files").fetchone()[0]
    catalog.close()
    print(f"\n## {db} ({tracks:,} tracks; open + migrate {opened:.1f} s)\n")
    print(f"load average: {os.getloadavg()[0]:.1f}\n")
    print("| run | wall | peak RSS |")
    print("|---|---:|---:|")
    for label, args in (
        ("`archiver stats`", ("stats",)),
        ("`archiver stats --json`", ("stats", "--json")),
        ("`archiver stats genre:jazz` (a query: its rows)", ("stats", "genre:jazz")),
    ):
        runs = [cli(db, *args) for _ in range(repeat)]
        print(
            f"| {label} | {_range([r[0] for r in runs], '.2f')} s"
            f" | {_range([r[1] for r in runs], '.0f')} MB |",
            flush=True,
        )
    if plain:
        catalog = open_catalog(db)
        start = time.perf_counter()
        plain_stats(catalog.conn, compile_query(""))
        album_cover_figures(catalog.conn, compile_query(""))
        seconds = time.perf_counter() - start
        catalog.close()
        print(
            f"| plain SQL passes, whole catalog (before 0019; in-process, no imports) | {seconds:.2f} s | |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("catalogs", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-plain", action="store_true", help="skip the slow reference")
    args = parser.parse_args()
    for db in args.catalogs:
        if not db.exists():
            parser.error(f"{db}: no such catalog (build it with benchmarks/synth_catalog.py)")
        bench(db, args.repeat, not args.no_plain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
