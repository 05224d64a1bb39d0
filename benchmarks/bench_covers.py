"""Time the cover encoders the TUI's worker runs: Sixel (numpy quantising) and
Kitty (zlib + base64) at the pane's usual 320 x 320 pixels, for a smooth image
(a gradient, like most covers) and random noise (the worst case).

    PYTHONPATH=. python benchmarks/bench_covers.py [--size 320] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from archiver.tui import graphics


def images(size: int) -> dict[str, bytes]:
    y, x = np.mgrid[0:size, 0:size]
    gradient = np.stack([x * 255 // size, y * 255 // size, (x + y) * 127 // (2 * size)], -1)
    noise = np.random.default_rng(1).integers(0, 256, (size, size, 3))
    return {
        "gradient": gradient.astype(np.uint8).tobytes(),
        "noise": noise.astype(np.uint8).tobytes(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    size = args.size
    for name, rgb in images(size).items():
        for label, encode in (
            ("sixel", lambda rgb=rgb: graphics.sixel_encode(size, size, rgb)),
            ("kitty", lambda rgb=rgb: graphics.kitty_transmit(1, size, size, rgb, 32, 16)),
        ):
            times, out = [], ""
            for _ in range(args.repeat):
                start = time.perf_counter()
                out = encode()
                times.append(time.perf_counter() - start)
            print(
                f"{name:8} {label}: median {statistics.median(times) * 1000:.0f} ms "
                f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}), {len(out) // 1024} KB"
            )


if __name__ == "__main__":
    main()
