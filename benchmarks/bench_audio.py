"""Audio analysis against the truth, against flac-detective, and against ffmpeg's speed.

On the evaluation set of ``make_audio_eval.py`` (made first if DIR has no
``truth.csv``), in one run:

1. ``archiver analyze`` (``run_analysis``, ``--jobs`` workers) into a fresh
   catalog; the confusion matrices of ``quality`` and of ``decode`` against
   the truth, and what each kind of file was called;
2. flac-detective (if installed in its own venv, ``--fd``) on the same FLAC
   files, its answers mapped onto our verdicts, its matrix beside ours on the
   FLAC files only;
3. throughput floors over the same files, warm page cache, best of
   ``--repeat``: one ``ffmpeg -v error -i F -f null -`` process per file,
   sequential (what a user scripting a decode check runs), and ``flac -t``
   per FLAC file; against the full analysis (decode check + spectrum +
   fingerprint) with ``--jobs`` workers. Target: >= 1.5x ffmpeg with 2 jobs.

    python benchmarks/bench_audio.py /tmp/audio-eval --jobs 2
    python benchmarks/bench_audio.py /tmp/audio-eval --fd /work/fdvenv/bin/flac-detective
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.audio.run import run_analysis  # noqa: E402
from archiver.catalog import open_catalog  # noqa: E402
from archiver.integrity.duplicates import find_duplicates  # noqa: E402
from archiver.scan import scan  # noqa: E402

QUALITIES = ["lossless", "transcode", "upsampled", "padded-bits", "lossy", "unknown", "-"]
DECODES = ["ok", "error", "unsupported", "-"]


def load_truth(root: Path) -> dict[str, dict[str, str]]:
    with open(root / "truth.csv", newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f)}


def matrix(title: str, pairs: list[tuple[str, str]], labels: list[str]) -> None:
    """Rows: truth; columns: answer."""
    counts = collections.Counter(pairs)
    seen_cols = [c for c in labels if any(p == c for _, p in pairs)]
    seen_cols += sorted({p for _, p in pairs} - set(seen_cols))
    rows = [r for r in labels if any(t == r for t, _ in pairs)]
    width = max(12, *(len(c) for c in seen_cols))
    print(f"\n{title} (rows: truth, columns: answer)")
    print(" " * 14 + "".join(c.rjust(width) for c in seen_cols) + "   right")
    for r in rows:
        total = sum(counts[(r, c)] for c in seen_cols)
        print(
            r.ljust(14)
            + "".join(str(counts[(r, c)] or ".").rjust(width) for c in seen_cols)
            + f"   {counts[(r, r)]}/{total}"
        )


LAST_CPU = [0.0]  # CPU seconds (all processes) of the last ``ours`` or ``best`` call


def cpu_seconds(*, self_too: bool = False) -> float:
    """User + system CPU of finished child processes (and of this one): unlike
    wall time, barely moved by other jobs on a shared machine."""
    import resource

    total = 0.0
    for who in (
        (resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF)
        if self_too
        else (resource.RUSAGE_CHILDREN,)
    ):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


GROUPS: list[list[str]] = []  # acoustic duplicate groups of the last `ours` run (file names)


def ours(root: Path, jobs: int, where: str | None = None) -> tuple[dict[str, tuple], float]:
    """Analyse into a fresh catalog: file name -> (decode, quality, cutoff, detail), seconds.
    Also fills GROUPS with what `archiver duplicates --by acoustic` finds there."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.db"
        scan(db, [root], jobs=jobs)
        started, cpu0 = time.perf_counter(), cpu_seconds(self_too=True)
        run_analysis(db, jobs=jobs, where=where, params=["flac"] if where else ())
        seconds = time.perf_counter() - started
        LAST_CPU[0] = cpu_seconds(self_too=True) - cpu0
        with open_catalog(db) as catalog:
            rows = catalog.conn.execute(
                "SELECT f.path, a.decode, a.quality, a.cutoff_hz,"
                " coalesce(a.error, a.decode_detail, a.quality_detail), a.fingerprint,"
                " a.fingerprint_seconds"
                " FROM analysis a JOIN files f ON f.id = a.file_id"
            ).fetchall()
            if where is None:
                GROUPS[:] = [
                    sorted(Path(c.path).name for c in g.copies)
                    for g in find_duplicates(catalog.conn, "acoustic")
                ]
    return {Path(r[0]).name: (r[1] or "-", r[2] or "-", *r[3:]) for r in rows}, seconds


def fingerprint_separation(truth: dict, answers: dict) -> None:
    """Bit error rates of raw fingerprints (first 120 s) within and across the
    true acoustic groups: what a grouping threshold has to separate."""
    from archiver.audio.fingerprint import bit_error_rate, decode_raw

    raw = {n: decode_raw(a[4]) for n, a in answers.items() if a[4]}
    names = sorted(raw)
    same, other, parts = [], [], []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ga, gb = truth[a]["group"], truth[b]["group"]
            ber = bit_error_rate(raw[a], raw[b])
            if ga == gb:
                same.append(ber)
            elif ga.split("-")[0] == gb.split("-")[0]:  # an excerpt or a truncated copy
                parts.append(abs((answers[a][5] or 0) - (answers[b][5] or 0)))
            else:
                other.append(ber)
    if same and other:
        print(
            f"\nfingerprints: {len(raw)} files; bit error rate within a recording "
            f"max {max(same):.3f} (median {sorted(same)[len(same) // 2]:.3f}), "
            f"across songs min {min(other):.3f}; excerpts and truncated copies differ "
            f"from their song by >= {min(parts):.1f} s of duration"
        )


def acoustic_groups_against_truth(truth: dict) -> None:
    """`duplicates --by acoustic` on the analysed set against the true groups."""
    true_groups = collections.defaultdict(list)
    for name, row in truth.items():
        true_groups[row["group"]].append(name)
    expected = sorted(sorted(g) for g in true_groups.values() if len(g) > 1)
    found = sorted(GROUPS)
    exact = sum(1 for g in found if g in expected)
    print(
        f"\nacoustic duplicate groups: {len(found)} found, {len(expected)} true, "
        f"{exact} exactly right{'' if found == expected else ' (MISMATCH)'}"
    )
    for g in found:
        if g not in expected:
            print(f"  found but not true: {g}")
    for g in expected:
        if g not in found:
            print(f"  true but not found: {g}")


def flac_detective(exe: str, files: list[Path], jobs: int) -> tuple[dict[str, tuple], float]:
    """flac-detective's answers mapped onto ours: decode error when it reports
    corruption or decoder errors; quality from its verdict, upsampling and bit
    depth estimates (FAKE_CERTAIN / SUSPICIOUS -> transcode, WARNING /
    UNCERTAIN -> unknown, AUTHENTIC -> lossless)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for f in files:
            os.symlink(f, work / f.name)
        out = work / "out.json"
        started = time.perf_counter()
        subprocess.run(
            [exe, "--no-update-check", "--workers", str(jobs), "--format", "json",
             "--output", str(out), str(work)],
            cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        data = json.loads(out.read_text()) if out.exists() else {"results": []}
    answers = {}
    for r in data.get("results", []):
        issues = [i.get("issue_type", "") for i in r.get("reading_issues") or []]
        bad = r.get("is_corrupted") or any(i.startswith("decoder") for i in issues)
        bad = bad or r.get("verdict") == "ERROR"
        verdict = r.get("verdict")
        if bad:
            quality = "-"
        elif r.get("is_upsampled") or r.get("hires_verdict") == "UPSAMPLED":
            quality = "upsampled"
        elif (r.get("bit_depth") or 0) >= 24 and (r.get("estimated_bit_depth") or 99) <= 16:
            quality = "padded-bits"
        elif verdict in ("FAKE_CERTAIN", "SUSPICIOUS"):
            quality = "transcode"
        elif verdict == "AUTHENTIC":
            quality = "lossless"
        else:
            quality = "unknown"
        answers[r["filename"]] = ("error" if bad else "ok", quality, r.get("cutoff_freq"), verdict)
    return answers, seconds


def best(fn, repeat: int) -> float:
    """Best wall time of ``repeat`` runs; the CPU of the best one in ``LAST_CPU``."""
    times = []
    for _ in range(repeat):
        started, cpu0 = time.perf_counter(), cpu_seconds()
        fn()
        times.append((time.perf_counter() - started, cpu_seconds() - cpu0))
    wall, LAST_CPU[0] = min(times)
    return wall


def run_each(cmd: list[str], files: list[Path]) -> None:
    """One process per file, one after the other; ``{}`` stands for the file."""
    for f in files:
        subprocess.run(
            [str(f) if part == "{}" else part for part in cmd],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path, nargs="?", default=Path("/tmp/audio-eval"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--fd", default=shutil.which("flac-detective") or "/work/fdvenv/bin/flac-detective"
    )
    parser.add_argument("--no-fd", action="store_true", help="skip flac-detective (slow)")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    root = args.dir.resolve()
    if not (root / "truth.csv").exists():
        subprocess.run(
            [sys.executable, str(Path(__file__).parent / "make_audio_eval.py"), str(root)],
            check=True,
        )
    truth = load_truth(root)
    files = sorted(root / name for name in truth)
    flacs = [f for f in files if f.suffix == ".flac"]

    answers, analyse_seconds = ours(root, args.jobs)
    print(f"archiver analyze: {len(answers)} files, {analyse_seconds:.2f} s with {args.jobs} jobs")
    matrix("quality (archiver)", [(truth[n]["quality"], answers[n][1]) for n in truth], QUALITIES)
    matrix("decode (archiver)", [(truth[n]["decode"], answers[n][0]) for n in truth], DECODES)
    print("\nwhat each kind of file was called (archiver):")
    kinds = collections.defaultdict(collections.Counter)
    cut = collections.defaultdict(list)
    for n, row in truth.items():
        kinds[row["kind"]][
            answers[n][1] if answers[n][0] == "ok" else f"decode {answers[n][0]}"
        ] += 1
        if answers[n][2]:
            cut[row["kind"]].append(answers[n][2])
    for kind, counter in kinds.items():
        c = cut.get(kind)
        hz = f"  cut-off {min(c)}-{max(c)} Hz" if c else ""
        print(f"  {kind:28s} {dict(counter)}{hz}")

    fingerprint_separation(truth, answers)
    acoustic_groups_against_truth(truth)

    if args.fd and not args.no_fd and Path(args.fd).is_file():
        fd, fd_seconds = flac_detective(args.fd, flacs, args.jobs)
        names = [f.name for f in flacs if f.name in fd]
        print(
            f"\nflac-detective: {len(fd)} of {len(flacs)} FLAC files answered, {fd_seconds:.2f} s"
        )
        matrix(
            "quality on FLAC files (archiver)",
            [(truth[n]["quality"], answers[n][1]) for n in names],
            QUALITIES,
        )
        matrix(
            "quality on FLAC files (flac-detective)",
            [(truth[n]["quality"], fd[n][1]) for n in names],
            QUALITIES,
        )
        matrix(
            "decode on FLAC files (archiver)",
            [(truth[n]["decode"], answers[n][0]) for n in names],
            DECODES,
        )
        matrix(
            "decode on FLAC files (flac-detective)",
            [(truth[n]["decode"], fd[n][0]) for n in names],
            DECODES,
        )
        print("\nflac-detective by kind:")
        fk = collections.defaultdict(collections.Counter)
        for n in names:
            fk[truth[n]["kind"]][
                f"{fd[n][1]} ({fd[n][3]})" if fd[n][0] == "ok" else "decode error"
            ] += 1
        for kind, counter in fk.items():
            print(f"  {kind:28s} {dict(counter)}")
    elif args.no_fd:
        print("\nflac-detective: skipped (--no-fd)")
    else:
        print(
            "\nflac-detective: not installed (python -m venv /work/fdvenv && /work/fdvenv/bin/pip install flac-detective)"
        )

    if args.no_speed:
        return
    audio = sum(float(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(f)],
        capture_output=True, text=True).stdout.strip() or 0) for f in files)  # fmt: skip
    run_each(["cat", "{}"], files)  # warm the page cache
    t_ffmpeg = best(
        lambda: run_each(
            ["ffmpeg", "-nostdin", "-v", "error", "-i", "{}", "-f", "null", "-"], files
        ),
        args.repeat,
    )
    c_ffmpeg = LAST_CPU[0]
    t_flac = c_flac = None
    if shutil.which("flac"):
        t_flac = best(lambda: run_each(["flac", "-t", "-s", "{}"], flacs), args.repeat)
        c_flac = LAST_CPU[0]
    t_ours, c_ours = min(_timed(lambda: ours(root, args.jobs)) for _ in range(args.repeat))
    t_ours_flac, c_ours_flac = min(
        _timed(lambda: ours(root, args.jobs, "f.format = ?")) for _ in range(args.repeat)
    )
    print(
        f"\nthroughput over {len(files)} files, {audio / 60:.1f} min of audio (best of {args.repeat}):"
    )
    print(f"  {'':40s} {'wall s':>8s} {'x real time':>12s} {'CPU s':>8s}")
    print(
        f"  {'ffmpeg -f null, one process per file':40s} {t_ffmpeg:8.2f} {audio / t_ffmpeg:12.0f} {c_ffmpeg:8.2f}"
    )
    print(
        f"  {f'archiver analyze --jobs {args.jobs}':40s} {t_ours:8.2f} {audio / t_ours:12.0f} {c_ours:8.2f}"
    )
    print(f"  ratio to ffmpeg: wall {t_ffmpeg / t_ours:.2f} x, CPU {c_ffmpeg / c_ours:.2f} x")
    if t_flac:
        print(
            f"  {f'flac -t, FLAC files only ({len(flacs)})':40s} {t_flac:8.2f} {'':12s} {c_flac:8.2f}"
        )
        print(
            f"  {'archiver analyze, FLAC files only':40s} {t_ours_flac:8.2f} {'':12s} {c_ours_flac:8.2f}"
        )
        print(
            f"  ratio to flac -t: wall {t_flac / t_ours_flac:.2f} x, CPU {c_flac / c_ours_flac:.2f} x"
        )


def _timed(fn) -> tuple[float, float]:
    _answers, wall = fn()
    return wall, LAST_CPU[0]


if __name__ == "__main__":
    main()
