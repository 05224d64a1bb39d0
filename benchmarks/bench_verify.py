"""Hashing throughput of `scan --checksum` / `verify` against `sha256sum` (the floor).

Generates (once, with ffmpeg) a library of a few hundred MB of big files (WAV,
FLAC, MP3, M4A, Ogg Vorbis of noise, so FLAC cannot compress them away), warms the page
cache, then times over the same files in the same run:

- ``sha256sum`` (coreutils, one process: what a user would run);
- the bare worker function over a process pool (``fingerprint_file``: whole-file
  sha256 *and* the audio identity, one read), with 1 and N jobs;
- ``checksum_files`` (the pool plus the catalog writer), N jobs;
- ``verify_files`` (re-hash and compare), N jobs.

Each figure is the best of ``--repeat`` runs (the machine is shared and noisy).
Target: the N-job figures >= 0.8 x sha256sum.

    python benchmarks/bench_verify.py                # ~350 MB in /tmp/archiver-bench-verify
    python benchmarks/bench_verify.py --scale 2 --jobs 2 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.catalog import open_catalog  # noqa: E402
from archiver.integrity.checksum import checksum_files, hash_one  # noqa: E402
from archiver.integrity.pool import default_jobs, imap_unordered  # noqa: E402
from archiver.integrity.verify import verify_files  # noqa: E402
from archiver.scan import scan  # noqa: E402

# (extension, count, seconds, ffmpeg output options): per unit of --scale.
PLAN = [
    ("wav", 12, 60, ["-c:a", "pcm_s16le"]),
    ("flac", 16, 60, ["-c:a", "flac"]),
    ("mp3", 30, 60, ["-c:a", "libmp3lame", "-b:a", "320k"]),
    ("m4a", 10, 60, ["-c:a", "aac", "-b:a", "256k"]),
    ("ogg", 8, 120, ["-c:a", "libvorbis", "-q:a", "8"]),
]


def generate(library: Path, scale: int) -> None:
    if shutil.which("ffmpeg") is None:
        raise SystemExit("bench_verify needs ffmpeg to generate its library (or pass --library)")
    for ext, count, seconds, options in PLAN:
        for i in range(count * scale):
            dest = library / ext / f"{i:03d}.{ext}"
            if dest.exists():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                 f"anoisesrc=d={seconds}:c=pink:r=44100:a=0.3:seed={i}", "-ac", "2",
                 *options, "-metadata", f"title=Noise {i}", "-metadata", "artist=Bench",
                 "-metadata", f"album=Bench {ext}", str(dest) + ".part." + ext],
                check=True,
            )  # fmt: skip
            os.replace(str(dest) + ".part." + ext, dest)


def files_of(library: Path) -> list[str]:
    return sorted(str(p) for p in library.rglob("*") if p.is_file() and ".part." not in p.name)


def warm(paths: list[str]) -> None:
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 20):
                pass


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def sha256sum(paths: list[str]) -> None:
    subprocess.run(["sha256sum", "--", *paths], check=True, stdout=subprocess.DEVNULL)


def pool_hash(paths: list[str], jobs: int) -> None:
    for outcome in imap_unordered(
        hash_one, ((i, os.fsencode(p)) for i, p in enumerate(paths)), jobs
    ):
        assert outcome.fingerprint is not None, outcome


def reset_fingerprints(db: Path) -> None:
    with open_catalog(db) as catalog, catalog.write() as conn:
        conn.execute("DELETE FROM fingerprints")
        conn.execute("UPDATE files SET sha256 = NULL, hashed_size = NULL, hashed_mtime_ns = NULL")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--library", type=Path, default=Path(tempfile.gettempdir()) / "archiver-bench-verify"
    )
    parser.add_argument("--scale", type=int, default=1, help="multiply the generated library")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    generate(args.library, args.scale)
    paths = files_of(args.library)
    total = sum(os.path.getsize(p) for p in paths)
    mb = total / 1e6
    print(f"library: {len(paths)} files, {mb:.0f} MB in {args.library}; jobs={args.jobs}; "
          f"best of {args.repeat}")  # fmt: skip
    warm(paths)

    figures: list[tuple[str, float]] = []
    floor = best_of(args.repeat, lambda: sha256sum(paths))
    figures.append(("sha256sum (1 process, the floor)", floor))
    if shutil.which("openssl"):
        openssl = best_of(
            args.repeat,
            lambda: subprocess.run(
                ["openssl", "dgst", "-sha256", *paths], check=True, stdout=subprocess.DEVNULL
            ),
        )
        figures.append(("openssl dgst -sha256 (1 process, reference)", openssl))  # fmt: skip
    figures.append(("fingerprint_file, 1 job", best_of(args.repeat, lambda: pool_hash(paths, 1))))
    figures.append(
        (f"fingerprint_file pool, {args.jobs} jobs", best_of(args.repeat, lambda: pool_hash(paths, args.jobs)))
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        scan(db, [args.library], jobs=args.jobs)

        def checksum() -> None:
            reset_fingerprints(db)
            started = time.perf_counter()
            summary = checksum_files(db, jobs=args.jobs)
            assert summary.hashed == len(paths), summary
            checksum.seconds.append(time.perf_counter() - started)  # type: ignore[attr-defined]

        checksum.seconds = []  # type: ignore[attr-defined]
        for _ in range(args.repeat):
            checksum()
        figures.append(
            (f"checksum_files (scan --checksum), {args.jobs} jobs", min(checksum.seconds))
        )  # type: ignore[attr-defined]

        def verify() -> None:
            result = verify_files(db, jobs=args.jobs)
            assert result.ok == len(paths), result

        figures.append(
            (f"verify_files (archiver verify), {args.jobs} jobs", best_of(args.repeat, verify))
        )

    print(f"{'':52} {'seconds':>8} {'MB/s':>8} {'x floor':>8}")
    for name, seconds in figures:
        print(f"{name:52} {seconds:8.2f} {mb / seconds:8.0f} {floor / seconds:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
