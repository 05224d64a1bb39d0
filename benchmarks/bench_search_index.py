"""What the free-text index costs: its pages, its lookups and its writes.

    python benchmarks/bench_search_index.py /tmp/synth1m.db [/tmp/other.db ...]

For each catalog (opened read-only, never migrated): the bytes of each FTS5
shadow table (`dbstat`), and the best of three `MATCH` lookups for a few words.
Then, on a fresh temporary catalog of this checkout's schema, what inserting and
updating 20,000 tags rows costs through the search triggers. Run it on a catalog
before and after a schema change to compare (migration 0023: contentless index).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from archiver.catalog.db import open_catalog

WORDS = ("rock", '"the"', "a*", "lo*")


def index_figures(path: str) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tracks = conn.execute("SELECT count(*) FROM tags").fetchone()[0]
    size = Path(path).stat().st_size
    print(
        f"{path}: {tracks:,} tracks, file {size / 1e6:,.0f} MB ({size / max(tracks, 1):,.0f} B/track)"
    )
    for name, nbytes in conn.execute(
        "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'search_index%' GROUP BY name ORDER BY 2 DESC"
    ):
        print(f"  {name:<24} {nbytes / 1e6:8.1f} MB")
    for word in WORDS:
        best, found = float("inf"), 0
        for _ in range(3):
            start = time.perf_counter()
            found = len(
                conn.execute(
                    "SELECT rowid FROM search_index WHERE search_index MATCH ?", (word,)
                ).fetchall()
            )
            best = min(best, time.perf_counter() - start)
        print(f"  MATCH {word:<8} {found:>9,} rows {best * 1000:8.1f} ms")
    conn.close()


def write_figures(rows: int = 20_000) -> None:
    with tempfile.TemporaryDirectory() as folder, open_catalog(Path(folder) / "c.db") as catalog:
        with catalog.write() as conn:
            conn.executemany(
                "INSERT INTO files (id, path, path_bytes, size, mtime_ns, mtime, first_seen_at, last_seen_at)"
                " VALUES (?, ?, ?, 1, 1, 't', 't', 't')",
                [
                    (
                        i,
                        f"/music/Artist {i % 300}/Album {i % 3000}/{i:02d} Track {i}.flac",
                        str(i).encode(),
                    )
                    for i in range(1, rows + 1)
                ],
            )
        start = time.perf_counter()
        with catalog.write() as conn:
            conn.executemany(
                "INSERT INTO tags (file_id, title, artist, albumartist, album, genre) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        i,
                        f"Track {i}",
                        f"Artist {i % 300}",
                        f"Artist {i % 300}",
                        f"Album {i % 3000}",
                        "Rock",
                    )
                    for i in range(1, rows + 1)
                ],
            )
        inserted = time.perf_counter() - start
        start = time.perf_counter()
        with catalog.write() as conn:
            conn.executemany(
                "UPDATE tags SET title = ? WHERE file_id = ?",
                [(f"New {i}", i) for i in range(1, rows + 1)],
            )
        updated = time.perf_counter() - start
    print(
        f"tags through the search triggers ({rows:,} rows): insert {inserted / rows * 1e6:.0f} us/row,"
        f" update {updated / rows * 1e6:.0f} us/row"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalogs", nargs="*", help="catalog files to measure (read-only)")
    args = parser.parse_args()
    for path in args.catalogs:
        index_figures(path)
    write_figures()


if __name__ == "__main__":
    main()
