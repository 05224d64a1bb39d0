"""Benchmark `archiver scan` against the floor: a bare single-process mutagen loop.

Measures, on one generated library (benchmarks/make_library.py), in one run:
  (a) a bare loop of ``mutagen.File()`` over every file, in one process;
  (b) ``archiver scan`` first scan (a real subprocess, as a user runs it);
  (c) a rescan with nothing changed;
  (d) a rescan after touching 1% of the files.
Prints files/s, the ratios b/a, c/a, d/a, CPU seconds, and the peak memory
of the scan's process tree (main process plus readers: the sum of their PSS,
sampled every 20 ms; PSS counts a page shared by n processes as 1/n each).

    python benchmarks/bench_scan.py --files 20000
    python benchmarks/bench_scan.py --library ~/Music --db /tmp/bench.db
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    """Proportional set size (shared pages split between their users), so forked
    readers sharing the parent's pages are not counted three times; VmRSS when
    the kernel has no smaps_rollup."""
    for name, key in (("smaps_rollup", b"Pss:"), ("status", b"VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
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
    """Sum of PSS over a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        todo.extend(_children(p))
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_scan(db: Path, library: Path, jobs: int | None) -> tuple[float, int, dict, float]:
    """Run ``archiver scan`` as a subprocess: (wall seconds, peak tree RSS KiB,
    summary, CPU seconds of the process tree)."""
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
    cpu_before = _children_cpu()
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
    return elapsed, peak, json.loads(out), _children_cpu() - cpu_before


def audio_files(library: Path) -> list[str]:
    found = []
    for folder, _dirs, files in os.walk(library):
        found.extend(os.path.join(folder, f) for f in files)
    found.sort()
    return found


def bare_loop(paths: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one process calling ``mutagen.File`` on every path."""
    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        try:
            mutagen.File(path)
        except Exception:  # noqa: BLE001 - the floor reads everything it can
            pass
    return time.perf_counter() - started, time.process_time() - cpu


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
        load = os.getloadavg()[0]
        a, cpu_a = bare_loop(paths)
        b, rss_b, sum_b, cpu_b = run_scan(db, library, args.jobs)
        c, rss_c, sum_c, cpu_c = run_scan(db, library, args.jobs)
        step = 100
        now = time.time()
        for path in paths[::step]:
            os.utime(path, (now, now + 1))
        d, rss_d, sum_d, cpu_d = run_scan(db, library, args.jobs)

    print(
        f"files: {n}   cpus: {os.cpu_count()}   jobs: {args.jobs or 'default'}   "
        f"load average at start: {load:.2f} (other processes slow the parallel runs most)"
    )
    print(f"{'run':<32}{'wall s':>8}{'files/s':>10}{'ratio':>7}{'CPU s':>8}{'peak mem':>10}")
    print(f"{'(a) bare mutagen.File() loop':<32}{a:>8.2f}{n / a:>10,.0f}{1:>7.2f}{cpu_a:>8.2f}")
    for label, secs, rss, cpu in (
        ("(b) archiver scan, first", b, rss_b, cpu_b),
        ("(c) rescan, nothing changed", c, rss_c, cpu_c),
        ("(d) rescan, 1% touched", d, rss_d, cpu_d),
    ):
        print(
            f"{label:<32}{secs:>8.2f}{n / secs:>10,.0f}{secs / a:>7.2f}{cpu:>8.2f}"
            f"{rss / 1024:>7.0f} MB"
        )
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
    print(
        f"peak memory, PSS of the tree (max of b, c, d) = {max(rss_b, rss_c, rss_d) / 1024:.0f} MB"
    )
    cpus = os.cpu_count() or 1
    print(
        f"first scan CPU / bare loop CPU = {cpu_b / cpu_a:.2f}; on {cpus} idle cores the first "
        f"scan cannot take less than {cpu_b / cpus:.2f} s ({cpu_b / cpus / a:.2f} x a)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
