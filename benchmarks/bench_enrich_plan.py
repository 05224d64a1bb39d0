"""What `archiver enrich` does before its first request, on a synthetic catalog.

    python benchmarks/bench_enrich_plan.py /tmp/synth100k.db /tmp/synth1m.db [--old]

In a fresh process per catalog (peak RSS is the process's VmHWM): the plan of
albums (``enrich.plan_albums``: file ids by folder, the album count), then the
first album read, then every album gone through as a run goes through them
(read a batch at a time, nothing kept). ``--old`` also times what the run did
before the plan: every file's row and every album built at once
(``m.group_albums`` of ``files_to_enrich``). Nothing is written to the catalog.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = r"""
import sys, time
from archiver.catalog.db import open_catalog
from archiver.musicbrainz import enrich
from archiver.musicbrainz import match as m
from archiver.catalog.musicbrainz import files_to_enrich

def hwm():
    return int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]) / 1000

catalog = open_catalog(sys.argv[1])
conn = catalog.conn
t = time.perf_counter()
if sys.argv[2] == "old":
    albums = m.group_albums(m.FileInfo.from_row(r) for r in files_to_enrich(conn))
    print(f"old: every album built: {time.perf_counter() - t:.1f} s, {len(albums):,} albums,"
          f" peak {hwm():.0f} MB")
else:
    plan = enrich.plan_albums(conn)
    planned = time.perf_counter() - t
    albums = enrich.plan_iter(conn, plan)
    next(albums)
    first = time.perf_counter() - t
    n = 1 + sum(1 for _ in albums)
    print(f"plan: {planned:.1f} s ({plan.count:,} albums); first album {first:.1f} s;"
          f" every album gone through {time.perf_counter() - t:.1f} s ({n:,}); peak {hwm():.0f} MB")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dbs", nargs="+", type=Path)
    parser.add_argument("--old", action="store_true", help="also time building every album at once")
    options = parser.parse_args()
    for db in options.dbs:
        print(f"## {db}")
        for mode in ("plan", "old") if options.old else ("plan",):
            subprocess.run(
                [sys.executable, "-c", _CHILD, str(db), mode], check=True, cwd=HERE.parent
            )


if __name__ == "__main__":
    main()
