"""Planning of `verify` and `analyze` on a big catalog: seconds and peak memory to the
first file, each in a fresh process (Linux ``VmHWM``: the process's peak RSS).

On a synthetic catalog (benchmarks/synth_catalog.py) no file exists on disk, so:

- ``verify``: ``verify_files(jobs=1)`` until its first progress event (the first file
  handed out, found missing, and committed); it stops there. It WRITES an interrupted
  verify run with one finding to the catalog;
- ``analyze``: ``run_analysis(jobs=1)`` until its first progress event (the plan stats
  every file, then the one worker reports the first as not found); it WRITES one
  analysis row;
- ``verify-stream`` / ``analyze-stream``: the planning functions alone, then every
  target (fingerprints read by id in batches) or job (paths read by id) consumed
  without hashing: the whole feed of a run, to show it stays flat. Read-only;
- ``baseline``: imports and an opened catalog: the floor the others are compared with.

So run it on a copy, never on a catalog you care about. ``--archiver DIR`` imports the
archiver package from another checkout (e.g. ``git archive`` of an older commit), to
compare before and after on the same catalog in the same run; the stream modes need the
streamed planners (this commit or later).

    cp /tmp/synth1m.db /tmp/synth1m-plans.db
    python benchmarks/bench_plans.py /tmp/synth1m-plans.db
    python benchmarks/bench_plans.py /tmp/synth1m-plans.db --archiver /tmp/old --modes verify,analyze
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
MODES = ("baseline", "verify", "analyze", "verify-stream", "analyze-stream")


class _First(Exception):
    """Raised from the progress callback: the first file is out, the plan is done."""


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _stop(_event) -> None:
    raise _First


def child(mode: str, db: str) -> dict:
    from archiver.audio import run as audio_run
    from archiver.catalog import analysis, open_catalog, verify_runs
    from archiver.integrity.verify import verify_files

    start = time.perf_counter()
    items = None
    if mode == "baseline":
        open_catalog(db, create=False).close()
    elif mode == "verify":
        try:
            verify_files(db, jobs=1, progress=_stop)
        except _First:
            pass
    elif mode == "analyze":
        try:
            audio_run.run_analysis(db, jobs=1, fingerprint=False, progress=_stop)
        except _First:
            pass
    elif mode == "verify-stream":
        with open_catalog(db, create=False) as catalog:
            targets = verify_runs.verify_targets(catalog.conn)
            first = time.perf_counter() - start
            items = sum(1 for _ in targets)
    elif mode == "analyze-stream":
        with open_catalog(db, create=False) as catalog:
            ids, _ = audio_run.plan(analysis.targets(catalog.conn), force=False)
            first = time.perf_counter() - start
            items = sum(
                1 for _ in audio_run.jobs_for(catalog.conn, ids, timeout=60, fingerprint=False)
            )
    seconds = time.perf_counter() - start
    out = {"mode": mode, "seconds": round(seconds, 2), "peak_mb": round(_peak_mb(), 1)}
    if items is not None:
        out.update(plan_seconds=round(first, 2), items=items)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", help="a synthetic catalog (a copy: verify and analyze write to it)")
    ap.add_argument("--archiver", type=Path, default=HERE, help="checkout to import from")
    ap.add_argument("--modes", default=",".join(MODES), help=f"comma-separated: {MODES}")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.db)))
        return
    if Path(args.db).resolve() == Path("/tmp/synth1m.db"):
        raise SystemExit("bench_plans writes to the catalog: run it on a copy")
    env = {**os.environ, "PYTHONPATH": str(args.archiver.resolve())}
    (tracks,) = _count(args.db)
    print(f"catalog {args.db}: {tracks} files; archiver from {args.archiver}")
    for mode in args.modes.split(","):
        load = os.getloadavg()[0]
        proc = subprocess.run(
            [sys.executable, __file__, args.db, "--child", mode],
            env=env,
            cwd=args.archiver,
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            print(f"{mode:15} failed:\n{proc.stderr.strip()}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        extra = (
            f"  (plan {r['plan_seconds']:.2f} s, then {r['items']} items streamed)"
            if "items" in r
            else ""
        )
        print(
            f"{mode:15} {r['seconds']:7.2f} s  peak {r['peak_mb']:7.1f} MB  load {load:.2f}{extra}"
        )


def _count(db: str) -> tuple[int]:
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM files").fetchone()
    finally:
        conn.close()


if __name__ == "__main__":
    main()
