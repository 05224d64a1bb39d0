"""`archiver missing` on synthetic catalogs, as a user piping it would run it.

    python benchmarks/bench_missing.py /tmp/synth100k.db /tmp/synth1m.db [--repeat 3]
        [--json] [--baseline /path/to/other/checkout]

Each run is a fresh ``archiver --db DB missing`` process whose stdout is a pipe
this script reads to the end (rich's console costs differ between a terminal, a
pipe and /dev/null: a pipe is what ``archiver missing | less`` or ``> file`` pays).
Per run: wall seconds, CPU seconds (user + sys, from ``wait4``: the steadier
figure on a shared machine, where wall time also counts waiting for a core), peak
RSS (the child's own VmHWM) and the bytes written; the load average before the
run. ``--baseline`` runs another checkout's ``archiver`` (its directory on
``PYTHONPATH``) on the same catalog in the same loop, for a ratio measured under
the same load. The catalogs are opened as they are (a migration may run the first
time: copy the shared originals first).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = (
    "import sys; from archiver.cli import main\n"
    "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
    "sys.stdout.flush()\n"
    # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
    "print('VmHWM', hwm, file=sys.stderr)\n"
)


def run(tree: Path, db: Path, as_json: bool) -> dict[str, float]:
    """One ``archiver missing`` process with its stdout on a pipe read to the end."""
    args = [sys.executable, "-c", _CHILD, "--db", str(db.resolve()), "missing"]
    if as_json:
        args.append("--json")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(  # cwd: ``-c`` puts the current directory first on sys.path
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tree
    )
    assert proc.stdout is not None and proc.stderr is not None
    written = 0
    while chunk := proc.stdout.read(1 << 16):
        written += len(chunk)
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"archiver missing failed ({proc.returncode}):\n{err}")
    hwm = [line for line in err.splitlines() if line.startswith("VmHWM")][-1].split()[1]
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": int(hwm) / 1000,
        "bytes": written,
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dbs", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="time `missing --json`")
    parser.add_argument("--baseline", type=Path, help="another checkout to run alongside")
    options = parser.parse_args()
    trees = {"this": HERE.parent}
    if options.baseline:
        trees["baseline"] = options.baseline.resolve()
    what = "missing --json" if options.json else "missing"
    for name, tree in trees.items():
        print(f"{name}: {tree}")
    print(f"\n| catalog | tree | `{what}` wall s | CPU s | peak RSS MB | output | load |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for db in options.dbs:
        figures: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for _ in range(options.repeat):
            for name, tree in trees.items():
                figures[name].append(run(tree, db, options.json))
        for name, runs in figures.items():

            def span(field: str, fmt: str, runs=runs) -> str:
                values = sorted(r[field] for r in runs)
                low, high = fmt.format(values[0]), fmt.format(values[-1])
                return low if low == high else f"{low}-{high}"

            print(
                f"| {db.name} | {name} | {span('wall', '{:.2f}')} | {span('cpu', '{:.2f}')}"
                f" | {span('rss', '{:.0f}')} | {runs[0]['bytes'] / 1e6:.1f} MB"
                f" | {span('load', '{:.1f}')} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
