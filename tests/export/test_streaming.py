"""Export memory stays flat as the catalog grows (tracemalloc, in process; no timing)."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from synth_catalog import build_catalog

from archiver.catalog.db import open_catalog
from archiver.catalog.query import compile_query
from archiver.export import export_tracks


class _Sink(io.RawIOBase):
    """A binary stream that counts bytes and keeps none."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    base = tmp_path_factory.mktemp("synth")
    small, large = base / "10k.db", base / "50k.db"
    build_catalog(small, 10_000)
    build_catalog(large, 50_000)
    return small, large


def _peak(path, fmt: str, query: str) -> tuple[int, int, int]:
    catalog = open_catalog(path)
    try:
        sink = _Sink()
        tracemalloc.start()
        count = export_tracks(catalog.conn, compile_query(query), sink, fmt)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak, count, sink.size
    finally:
        catalog.close()


# tracemalloc slows JSON encoding a lot: the JSON cases take a fifth of the rows.
@pytest.mark.parametrize(
    "fmt, query", [("csv", ""), ("json", "format:mp3"), ("jsonl", "format:mp3")]
)
def test_peak_memory_is_flat(catalogs, fmt, query):
    small, large = catalogs
    peak_small, n_small, size_small = _peak(small, fmt, query)
    peak_large, n_large, size_large = _peak(large, fmt, query)
    assert n_small >= 2000 and n_large > 4 * n_small
    assert size_large > 4 * size_small  # five times the data went through ...
    # ... in the same memory
    assert peak_large < 1.5 * peak_small + 64 * 1024, (peak_small, peak_large)
    assert peak_large < 8 * 1024 * 1024  # a few buffers, whatever the catalog size
