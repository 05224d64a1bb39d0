"""Run the tag reader on hostile files in a separate process with a time limit.

The property under test is "finishes": a read that hangs or kills its process
must fail the test, not hang the suite. The child reads the file with
``archiver.scan.read.read_file``, turns the record into catalog rows and
writes them into a real catalog with the scanner's own writer, so strings the
reader lets through that SQLite or JSON cannot take fail here too.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Outcome:
    error: tuple[str, str] | None
    format: str | None
    raw_keys: int
    peak_rss_mb: int


def _peak_rss_mb() -> int:
    """This process's own peak RSS. ``ru_maxrss`` survives execve on Linux, so a
    spawned child would report the parent's peak (the pytest process, hundreds of MB
    late in a full run); /proc's VmHWM belongs to this process's memory only."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _child(conn, db: str) -> None:  # pragma: no cover - runs in the child
    from archiver.catalog import files as store
    from archiver.catalog import open_catalog
    from archiver.scan.read import read_file

    catalog = open_catalog(db)
    scan_id = store.start_run(catalog, ["/hostile"], full=False, checksum=False)
    cols = store.tag_columns(catalog)
    writer = store.ScanWriter(catalog, scan_id, cols)
    while True:
        path = conn.recv()
        if path is None:
            return
        record = read_file(path)
        rows = store.record_rows(record, None, scan_id, cols)
        writer.add_rows(rows, replace=True)
        writer.flush()
        peak = _peak_rss_mb()
        conn.send(Outcome(record.error, record.format, len(record.raw_tags), peak))


class IsolatedReader:
    """One child process, reused across reads; replaced when a read times out."""

    def __init__(self, workdir: Path) -> None:
        self.db = str(workdir / "isolated.db")
        self.ctx = multiprocessing.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_child, args=(child, self.db), daemon=True)
        self.proc.start()
        child.close()

    def read(self, path: Path | bytes, timeout: float = 30.0) -> Outcome:
        self.conn.send(os.fsencode(path))
        if not self.conn.poll(timeout):
            self.close()
            self._start()
            raise AssertionError(f"reading {path!r} did not finish within {timeout:g} s")
        try:
            return self.conn.recv()
        except EOFError:
            code = self.proc.exitcode
            self.close()
            self._start()
            raise AssertionError(f"the reader process died on {path!r} (exit {code})") from None

    def close(self) -> None:
        if self.proc.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()
