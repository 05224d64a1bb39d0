"""`archiver scan --checksum`: fingerprint every file whose fingerprint is absent or stale.

Workers hash (:mod:`archiver.integrity.pool`); this process is the one writer
and commits every ``BATCH`` files or ``BATCH_SECONDS``, so an interrupted run
(Ctrl-C, a crash, a progress callback raising) keeps everything committed and
the next run only hashes what is still absent or stale.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archiver.catalog import checksums, open_catalog, utc_now
from archiver.integrity.hashing import FileChangedWhileReading, Fingerprint, fingerprint_file
from archiver.integrity.pool import default_jobs, imap_unordered
from archiver.integrity.progress import HashProgress

BATCH = 200
BATCH_SECONDS = 2.0


@dataclass(frozen=True)
class HashOutcome:
    """What a worker sends back for one file: a fingerprint, or why there is none."""

    file_id: int
    path_bytes: bytes
    fingerprint: Fingerprint | None = None
    status: str = "ok"  # ok, missing, unreadable
    message: str | None = None


def hash_one(item: tuple[int, bytes]) -> HashOutcome:
    """Worker: fingerprint one file; a file that changes while read gets a second try."""
    file_id, path_bytes = item
    for attempt in (1, 2):
        try:
            return HashOutcome(file_id, path_bytes, fingerprint_file(path_bytes))
        except FileChangedWhileReading as exc:
            if attempt == 2:
                return HashOutcome(file_id, path_bytes, None, "unreadable", str(exc))
        except (FileNotFoundError, NotADirectoryError):
            return HashOutcome(file_id, path_bytes, None, "missing", "no longer on disk")
        except OSError as exc:
            return HashOutcome(file_id, path_bytes, None, "unreadable", exc.strerror or str(exc))
    raise AssertionError("unreachable")


@dataclass
class ChecksumSummary:
    to_hash: int = 0
    hashed: int = 0
    missing: int = 0
    unreadable: int = 0
    bytes: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)

    def as_dict(self) -> dict:
        return {
            "to_hash": self.to_hash,
            "hashed": self.hashed,
            "missing": self.missing,
            "unreadable": self.unreadable,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted,
            "errors": [{"path": p, "message": m} for p, m in self.errors],
        }


def checksum_files(
    catalog_path: str | os.PathLike,
    *,
    file_ids: Sequence[int] | None = None,
    roots: Sequence[bytes | str] | None = None,
    jobs: int | None = None,
    progress: Callable[[HashProgress], None] | None = None,
    scan_id: int | None = None,
) -> ChecksumSummary:
    """Hash the present files (all, or those in ``file_ids`` / under ``roots``) whose
    fingerprint is absent or stale, in ``jobs`` worker processes; store each as history
    and as the file's current fingerprint. Exceptions (including from ``progress``) stop
    the run after committing what was hashed; they propagate with ``summary`` attached
    as ``exc.checksum_summary``."""
    started = time.monotonic()
    summary = ChecksumSummary()
    root_bytes = [os.fsencode(r) for r in roots] if roots is not None else None
    catalog = open_catalog(Path(catalog_path))
    try:
        targets = checksums.files_to_hash(catalog.conn, file_ids=file_ids, roots=root_bytes)
        summary.to_hash = len(targets)
        bytes_total = sum(t.size for t in targets)
        pending: list[HashOutcome] = []
        last_commit = time.monotonic()

        def flush() -> None:
            nonlocal last_commit
            if pending:
                with catalog.write() as conn:
                    at = utc_now()
                    for outcome in pending:
                        if outcome.fingerprint is not None:
                            checksums.add_fingerprint(
                                conn, outcome.file_id, outcome.fingerprint, scan_id=scan_id, at=at
                            )
                pending.clear()
            last_commit = time.monotonic()

        done = 0
        results = imap_unordered(
            hash_one, ((t.file_id, t.path_bytes) for t in targets), jobs or default_jobs()
        )
        try:
            for outcome in results:
                done += 1
                pending.append(outcome)
                if outcome.fingerprint is not None:
                    summary.hashed += 1
                    summary.bytes += outcome.fingerprint.size
                else:
                    setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)
                    summary.errors.append(
                        (
                            outcome.path_bytes.decode("utf-8", "backslashreplace"),
                            outcome.message or "",
                        )
                    )
                if len(pending) >= BATCH or time.monotonic() - last_commit >= BATCH_SECONDS:
                    flush()
                if progress is not None:
                    progress(
                        HashProgress(
                            done,
                            len(targets),
                            summary.bytes,
                            bytes_total,
                            outcome.path_bytes,
                            outcome.status,
                        )
                    )
        except BaseException as exc:
            summary.interrupted = True
            results.close()
            flush()
            summary.seconds = time.monotonic() - started
            exc.checksum_summary = summary  # type: ignore[attr-defined]
            raise
        flush()
    finally:
        catalog.close()
    summary.seconds = time.monotonic() - started
    return summary
