"""Benchmark `archiver scan` against the floor: a bare single-process mutagen loop.

Measures, on one generated library (benchmarks/make_library.py), in one run:
  (a) a bare loop of ``mutagen.File()`` over every file, in one process;
  (b) ``archiver scan`` first scan (a real subprocess, as a user runs it);
  (c) a rescan with nothing changed;
  (d) a rescan after touching 1% of the files.
Prints files/s, the ratios b/a, c/a, d/a, and the peak RSS of the scan's
process tree (the main process plus its reader processes, sampled).

    python benchmarks/bench_scan.py --files 20000
    python benchmarks/bench_scan.py --library ~/Music --db /tmp/bench.db
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import mutagen

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_library import make_library  # noqa: E402

TARGETS = {"b/a": 0.8, "c/a": 0.15}


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def tree_rss_kb(pid: int) -> int:
    """Sum of VmRSS over a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        todo.extend(_children(p))
    return total


def run_scan(db: Path, library: Path, jobs: int | None) -> tuple[float, int, dict]:
    """Run ``archiver scan`` as a subprocess: (wall seconds, peak tree RSS KiB, summary)."""
    cmd = [
        sys.executable,
        "-m",
        "archiver",
        "--db",
        str(db),
        "scan",
        str(library),
        "--json",
        "--quiet",
    ]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(
            f"archiver scan failed ({proc.returncode}): {err.decode(errors='replace')}"
        )
    return elapsed, peak, json.loads(out)


def audio_files(library: Path) -> list[str]:
    found = []
    for folder, _dirs, files in os.walk(library):
        found.extend(os.path.join(folder, f) for f in files)
    found.sort()
    return found


def bare_loop(paths: list[str]) -> float:
    started = time.perf_counter()
    for path in paths:
        try:
            mutagen.File(path)
        except Exception:  # noqa: BLE001 - the floor reads everything it can
            pass
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--jobs", type=int, default=None, help="archiver scan --jobs (default: CPUs)"
    )
    parser.add_argument("--library", type=Path, help="use this library instead of generating one")
    parser.add_argument("--db", type=Path, help="catalog file (default: a temporary one)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        library = args.library
        if library is None:
            library = Path(tmp) / "library"
            t = time.perf_counter()
            count = make_library(library, args.files, args.seed)
            print(f"generated {count} files in {time.perf_counter() - t:.1f} s")
        db = args.db or Path(tmp) / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        paths = audio_files(library)
        n = len(paths)
        bare_loop(paths)  # warm the page cache and mutagen's imports
        a = bare_loop(paths)
        b, rss_b, sum_b = run_scan(db, library, args.jobs)
        c, rss_c, sum_c = run_scan(db, library, args.jobs)
        step = 100
        now = time.time()
        for path in paths[::step]:
            os.utime(path, (now, now + 1))
        d, rss_d, sum_d = run_scan(db, library, args.jobs)

    print(f"files: {n}   cpus: {os.cpu_count()}   jobs: {args.jobs or 'default'}")
    print(f"{'run':<34}{'seconds':>9}{'files/s':>10}{'ratio':>8}{'peak RSS':>11}")
    print(f"{'(a) bare mutagen.File() loop':<34}{a:>9.2f}{n / a:>10,.0f}{1:>8.2f}{'':>11}")
    for label, secs, rss in (
        ("(b) archiver scan, first", b, rss_b),
        ("(c) rescan, nothing changed", c, rss_c),
        ("(d) rescan, 1% touched", d, rss_d),
    ):
        print(f"{label:<34}{secs:>9.2f}{n / secs:>10,.0f}{secs / a:>8.2f}{rss / 1024:>8.0f} MB")
    print(
        f"counts: first added={sum_b['added']} errors={sum_b['errors']}; "
        f"rescan unchanged={sum_c['unchanged']}; touched updated={sum_d['updated']}"
    )
    ratios = {"b/a": b / a, "c/a": c / a, "d/a": d / a}
    for key, value in ratios.items():
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            verdict = f" (target <= {target:.2f}: {'met' if value <= target else 'MISSED'})"
        print(f"{key} = {value:.2f}{verdict}")
    print(f"peak RSS (max of b, c, d) = {max(rss_b, rss_c, rss_d) / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
