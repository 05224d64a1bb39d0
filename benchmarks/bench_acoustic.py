"""Benchmark acoustic duplicate grouping (`archiver duplicates --by acoustic`) on synthetic
Chromaprint fingerprints: time, peak memory, and precision/recall against the truth.

    python benchmarks/bench_acoustic.py                      # 60,000 songs + 40,000 copies
    python benchmarks/bench_acoustic.py --distinct 6000 --copies 4000

Each distinct recording is a random uint32 sequence (about 7.9 sub-fingerprints a second,
at most 950 for fpcalc's 120 s) with a duration of 30 s to 10 min. A copy is a song's
fingerprint with each bit flipped independently at 5-15 % (uniform; real MP3/AAC
transcodes differ by about 1 %, see docs/duplicates.md), shifted by -4..4 frames, and a
duration within ±2 s. Copies pick their song at random, so some songs get two or more
(groups of 3-6 files). The truth: a copy belongs with its song.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from archiver.integrity.acoustic import FRAMES_PER_SECOND, decode_fingerprint, group_recordings

MAX_FRAMES = 950


def make_library(distinct: int, copies: int, seed: int):
    """(items, truth): items as group_recordings takes them, truth[file_id] = song id."""
    rng = np.random.default_rng(seed)
    durations = rng.uniform(30, 600, distinct)
    lengths = np.minimum((durations * FRAMES_PER_SECOND).astype(int) - 10, MAX_FRAMES)
    songs = [rng.integers(0, 2**32, size=n, dtype=np.uint32) for n in lengths]
    items = [(i, float(durations[i]), songs[i]) for i in range(distinct)]
    truth = {i: i for i in range(distinct)}
    # Most copied songs get one copy, some two to four.
    sources = rng.choice(distinct, copies, replace=True)
    rates = rng.uniform(0.05, 0.15, copies)
    shifts = rng.integers(-4, 5, copies)
    for k, (src, rate, shift) in enumerate(zip(sources, rates, shifts, strict=True)):
        fp = songs[src].copy()
        flips = rng.binomial(len(fp) * 32, rate)
        where = rng.integers(0, len(fp) * 32, flips)
        np.bitwise_xor.at(fp, where // 32, (np.uint32(1) << (where % 32).astype(np.uint32)))
        if shift > 0:
            fp = np.concatenate([rng.integers(0, 2**32, shift, dtype=np.uint32), fp[:-shift]])
        elif shift < 0:
            fp = np.concatenate([fp[-shift:], rng.integers(0, 2**32, -shift, dtype=np.uint32)])
        file_id = distinct + k
        items.append((file_id, float(durations[src] + rng.uniform(-2, 2)), fp))
        truth[file_id] = int(src)
    return items, truth


def pair_scores(groups: list[list[int]], truth: dict[int, int]) -> tuple[float, float]:
    """Precision and recall over pairs of files put together (or that should be)."""

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    found = sum(pairs(len(g)) for g in groups)
    true = sum(pairs(n) for n in Counter(truth.values()).values())
    right = sum(pairs(n) for g in groups for n in Counter(truth[f] for f in g).values())
    return (right / found if found else 1.0), (right / true if true else 1.0)


def rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distinct", type=int, default=60_000)
    parser.add_argument("--copies", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--decode-sample", type=int, default=2_000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    items, truth = make_library(args.distinct, args.copies, args.seed)
    frames = sum(len(fp) for _, _, fp in items)
    print(
        f"{len(items):,} fingerprints, {frames:,} sub-fingerprints"
        f" ({frames / len(items):.0f} each), made in {time.perf_counter() - t0:.1f} s"
    )

    try:  # reset the peak RSS so it measures the grouping (Linux)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = rss_kib("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    groups = group_recordings(items)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = rss_kib("VmHWM")
    precision, recall = pair_scores(groups, truth)
    true_groups = sum(1 for n in Counter(truth.values()).values() if n > 1)
    print(f"group_recordings: {seconds:.2f} s wall, {cpu:.2f} s CPU (one thread)")
    print(
        f"peak RSS during grouping: {peak / 1024:.0f} MiB ({(peak - before) / 1024:.0f} MiB above"
        f" the {before / 1024:.0f} MiB holding the input)"
    )
    print(f"groups found {len(groups):,}, true {true_groups:,}")
    print(f"pair precision {precision:.5f}, pair recall {recall:.5f}")
    exact = {frozenset(g) for g in groups}
    want: dict[int, set[int]] = {}
    for f, song in truth.items():
        want.setdefault(song, set()).add(f)
    whole = sum(1 for g in want.values() if len(g) > 1 and frozenset(g) in exact)
    print(f"true groups found exactly: {whole:,} of {true_groups:,}")

    try:
        import chromaprint
    except ImportError:
        print("decode: skipped (libchromaprint is not installed)")
        return
    sample = [fp for _, _, fp in items[: args.decode_sample]]
    texts = [chromaprint.encode_fingerprint(fp.tolist(), 1, base64=True).decode() for fp in sample]
    t0 = time.perf_counter()
    for text in texts:
        decode_fingerprint(text)
    per = (time.perf_counter() - t0) / len(texts)
    print(
        f"decode_fingerprint: {per * 1e6:.0f} µs per fingerprint (random sub-fingerprints"
        f" compress worst: {sum(map(len, texts)) / len(texts):,.0f} characters each);"
        f" {per * len(items):.1f} s for all {len(items):,}"
    )


if __name__ == "__main__":
    main()
