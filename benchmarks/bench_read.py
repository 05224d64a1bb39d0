"""Per-file cost of the tag reader (archiver.scan.read.read_file) against a bare
mutagen.File() call on the same files, in one process, per format.

read_file does more than mutagen.File (audio properties, the table-driven
normalization, raw tags, picture hashes, the APEv2/ID3v1 tail check), so the
ratio shows what that costs; the scan pipeline then spreads it over processes.

    python benchmarks/bench_read.py [--copies 200] [--repeat 5] [--no-pictures]

Figures are CPU time (time.process_time), best of --repeat rounds, so a noisy
shared machine disturbs them less than wall time would.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mutagen  # noqa: E402

from archiver.scan.read import read_file  # noqa: E402
from tests import audiogen  # noqa: E402

TAGS = {
    "title": "A Reasonably Long Song Title (Live)",
    "artist": "Some Artist",
    "artists": ["Some Artist", "Guest"],
    "album": "The Album",
    "albumartist": "Some Artist",
    "tracknumber": "3",
    "totaltracks": "12",
    "discnumber": "1",
    "totaldiscs": "1",
    "date": "2004-05-06",
    "genre": ["Rock", "Indie"],
    "label": "Label",
    "musicbrainz_recordingid": "11111111-1111-1111-1111-111111111111",
    "musicbrainz_albumid": "33333333-3333-3333-3333-333333333333",
    "musicbrainz_artistid": "44444444-4444-4444-4444-444444444444",
    "replaygain_track_gain": "-6.54 dB",
    "replaygain_track_peak": "0.988",
}


def best(fn, paths, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        for path in paths:
            fn(path)
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200, help="files per format")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-pictures", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_read_"))
    try:
        per_format: dict[str, list[bytes]] = {}
        for fmt in audiogen.FORMATS:
            src = audiogen.make_file(
                tmp / f"src.{fmt}", fmt, TAGS, strict=False, with_picture=not args.no_pictures
            )
            paths = []
            for i in range(args.copies):
                dest = tmp / fmt / f"{i:04d}.{fmt}"
                dest.parent.mkdir(exist_ok=True)
                shutil.copyfile(src, dest)
                paths.append(os.fsencode(dest))
            per_format[fmt] = paths
        everything = [p for paths in per_format.values() for p in paths]
        for p in everything:  # warm the page cache
            read_file(p)

        print(f"{len(everything)} files, {args.copies} per format, CPU time, best of {args.repeat}")
        print(f"{'format':<10} {'mutagen.File':>14} {'read_file':>12} {'ratio':>7}")
        for fmt, paths in per_format.items():
            a = best(mutagen.File, paths, args.repeat)
            b = best(read_file, paths, args.repeat)
            n = len(paths)
            print(f"{fmt:<10} {a / n * 1e6:>11.0f} us {b / n * 1e6:>9.0f} us {b / a:>7.2f}")
        a = best(mutagen.File, everything, args.repeat)
        b = best(read_file, everything, args.repeat)
        n = len(everything)
        print(
            f"{'all':<10} {a / n * 1e6:>11.0f} us {b / n * 1e6:>9.0f} us {b / a:>7.2f}"
            f"   ({n / a:.0f} vs {n / b:.0f} files/s)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
