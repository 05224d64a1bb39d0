"""The counts beside Damaged, Duplicates (same audio) and Incomplete albums, and a
child process that computes them.

At a million tracks the counts are seconds of Python (mostly the incomplete albums).
Run in a thread of the TUI they would hold the GIL, and every key would answer about
twice as slow meanwhile; :class:`CountsProcess` computes them in a process of their
own instead (``python -m archiver.integrity.counts CATALOG``, which prints them as
JSON) and the TUI's worker thread only waits on its pipe, which releases the GIL.

The child never outlives the TUI: :meth:`CountsProcess.interrupt` kills it (the
counts superseded, the screen gone), and the child itself dies with its parent
(:mod:`archiver.procs`: the kernel's parent-death signal, a watcher thread), even
after a ``kill -9``. Its stderr is read and dropped: a traceback of a failing child
never reaches the TUI's screen; the caller just gets no counts.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from archiver.catalog.duplicates import same_audio_count
from archiver.catalog.verify_runs import damaged_count
from archiver.integrity.completeness import incomplete_albums


@dataclass(frozen=True)
class IntegrityCounts:
    """The counts beside Damaged, Duplicates (same audio) and Incomplete albums."""

    damaged: int
    duplicates: int
    incomplete: int


def integrity_counts(conn: sqlite3.Connection) -> IntegrityCounts:
    """The three counts, in this process (the CLI, tests; the TUI uses a child)."""
    return IntegrityCounts(
        damaged_count(conn), same_audio_count(conn), len(incomplete_albums(conn))
    )


_BOOT = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from archiver.integrity.counts import main; sys.exit(main())"
)


def _package_root() -> str:
    """The folder holding the ``archiver`` package this process imported."""
    return str(Path(__file__).resolve().parent.parent.parent)


class CountsProcess:
    """The counts of one catalog computed by a child process. :meth:`run` (in a worker
    thread) starts it and waits; :meth:`interrupt` (any thread) kills it, before or
    while it runs. Thread-safe; one run per object."""

    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self.db_path = Path(os.path.abspath(os.fspath(db_path)))
        self.proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def command(self) -> list[str | bytes]:
        # The path as bytes (a name that is not UTF-8 goes through as it is), after
        # "--" (a name starting with "-" is not an option), absolute (the child's
        # working folder does not matter). The child imports the same archiver as this
        # process: its folder replaces the working folder at the head of sys.path
        # (with `-m`, an archiver/ folder where the TUI was started would win).
        path = os.fsencode(self.db_path)
        return [
            sys.executable,
            "-c",
            _BOOT,
            _package_root(),
            "--parent",
            str(os.getpid()),
            "--",
            path,
        ]

    def run(self) -> IntegrityCounts | None:
        """Start the child and wait for its counts; None when it failed or was killed."""
        with self._lock:
            if self._stopped:
                return None
            try:
                self.proc = subprocess.Popen(
                    self.command(),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,  # read and dropped: never on the TUI's screen
                )
            except OSError:
                return None
        out, _ = self.proc.communicate()
        if self.proc.returncode != 0:
            return None
        return parse(out)

    def interrupt(self) -> None:
        """Kill the child (or keep it from starting)."""
        with self._lock:
            self._stopped = True
            proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass


def parse(out: bytes) -> IntegrityCounts | None:
    """The counts from the child's output, or None when it is not what the child prints."""
    try:
        data = json.loads(out)
        values = [data[name] for name in ("damaged", "duplicates", "incomplete")]
    except (ValueError, TypeError, KeyError):
        return None
    if not all(type(v) is int and v >= 0 for v in values):
        return None
    return IntegrityCounts(*values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m archiver.integrity.counts",
        description="Print the TUI's integrity counts of a catalog as JSON.",
    )
    parser.add_argument("catalog", type=Path)
    parser.add_argument("--parent", type=int, help="die with this process (the TUI)")
    args = parser.parse_args(argv)
    if args.parent is not None:
        from archiver.procs import die_with_parent, exit_when_orphaned

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the TUI decides when it ends
        die_with_parent(args.parent)
        exit_when_orphaned(args.parent)

    from archiver.catalog.db import CatalogError, open_catalog

    try:
        catalog = open_catalog(args.catalog, create=False, migrate=False)
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 2
    with catalog:
        try:
            counts = integrity_counts(catalog.conn)
        except sqlite3.Error as exc:
            print(f"{args.catalog}: {exc}", file=sys.stderr)
            return 2
    print(json.dumps(asdict(counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
