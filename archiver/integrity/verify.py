"""`archiver verify`: re-read and re-hash files, and say what happened to each.

Per file (compared with its current fingerprint):

- ``ok``: same sha256; also a file never hashed before (its first fingerprint
  is taken and stored) and a file only touched (new mtime, identical bytes);
- ``changed``: size and mtime are those the fingerprint was taken at, but the
  bytes differ: bit rot or tampering. The fingerprint is kept as the reference
  (the new hash is stored in the history only), so the file is reported again
  by every verify until it is restored;
- ``modified``: size or mtime differ: the file was edited. The detail says
  whether only the tags changed (same audio identity). The new fingerprint
  becomes the reference (the old one stays in the history);
- ``missing``: not on disk; ``unreadable``: on disk but cannot be read.

Results are committed in batches, so an interrupted run keeps its work; with
``resume=True`` the latest interrupted run (same query) continues, skipping
the files it already checked. A run whose process was killed (SIGKILL, power
cut) is marked interrupted by the next verify (see :mod:`archiver.integrity.runlock`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.catalog import checksums, open_catalog, utc_now, verify_runs
from archiver.catalog.db import storable_text
from archiver.integrity import runlock
from archiver.integrity.checksum import BATCH, BATCH_SECONDS, HashOutcome, hash_one
from archiver.integrity.hashing import Fingerprint
from archiver.integrity.pool import default_jobs, imap_unordered
from archiver.integrity.progress import HashProgress

# Identities copied from a header rather than computed from the audio bytes: they
# say nothing about damage to the audio data itself.
HEADER_METHODS = frozenset({"flac-streaminfo-md5"})


@dataclass(frozen=True)
class Verdict:
    """How one file fared: status, a one-line detail, and what to store."""

    status: str
    detail: str | None
    store: str | None = None  # None, "current" (new reference) or "history" (evidence only)


def classify(stored: checksums.StoredFingerprint, outcome: HashOutcome) -> Verdict:
    """Compare a fresh read with the stored fingerprint (pure)."""
    if outcome.status == "missing":
        return Verdict("missing", outcome.message or "not on disk")
    fp = outcome.fingerprint
    if outcome.status != "ok" or fp is None:
        return Verdict("unreadable", outcome.message or "cannot be read")
    if stored.sha256 is None:
        return Verdict("ok", "first fingerprint", "current")
    same_state = (fp.size, fp.mtime_ns) == (stored.hashed_size, stored.hashed_mtime_ns)
    same_audio = (
        fp.audio_hash is not None
        and fp.audio_hash == stored.audio_hash
        and fp.audio_hash_method == stored.audio_hash_method
    )
    if fp.sha256 == stored.sha256:
        if same_state:
            return Verdict("ok", None)
        return Verdict("ok", "touched: new mtime, identical content", "current")
    if same_state:
        if fp.audio_hash_method in HEADER_METHODS:
            audio = "the audio identity is read from the header, so it cannot locate the damage"
        elif same_audio:
            audio = "audio identity unchanged (the damage is outside the audio data)"
        else:
            audio = "the audio data differs"
        return Verdict(
            "changed", f"content differs while size and mtime are unchanged; {audio}", "history"
        )
    what = []
    if fp.size != stored.hashed_size:
        what.append(f"size {stored.hashed_size} -> {fp.size}")
    if fp.mtime_ns != stored.hashed_mtime_ns:
        what.append("mtime changed")
    if same_audio:
        kind = "tags only: audio identity unchanged"
    elif fp.audio_hash_method != stored.audio_hash_method:
        kind = (
            f"audio identity not comparable ({stored.audio_hash_method} -> {fp.audio_hash_method})"
        )
    else:
        kind = "audio changed"
    return Verdict("modified", f"edited ({', '.join(what)}); {kind}", "current")


@dataclass
class VerifyResult:
    run_id: int
    checked: int = 0
    ok: int = 0
    changed: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)  # path -> detail (non-ok)
    first_fingerprints: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    resumed: bool = False

    @property
    def damaged(self) -> bool:
        return any(getattr(self, status) for status in verify_runs.DAMAGE_STATUSES)

    def as_json(self) -> dict[str, Any]:
        """The documented ``--json`` object (see docs/verify.md)."""
        return {
            "checked": self.checked,
            "ok": self.ok,
            "changed": self.changed,
            "modified": self.modified,
            "missing": self.missing,
            "unreadable": self.unreadable,
            "seconds": round(self.seconds, 3),
            "run_id": self.run_id,
            "first_fingerprints": self.first_fingerprints,
            "interrupted": self.interrupted,
            "details": self.details,
        }


def verify_files(
    catalog_path: str | os.PathLike,
    *,
    where: str | None = None,
    params: Sequence[Any] = (),
    from_sql: str | None = None,
    query: str | None = None,
    resume: bool = False,
    jobs: int | None = None,
    progress: Callable[[HashProgress], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> VerifyResult:
    """Verify the catalogued files matching ``where`` (all when None); see the module doc.

    ``query`` is the text stored with the run. ``notice`` gets a one-line message when
    ``resume`` finds no run to continue (a new run is started instead). Exceptions (Ctrl-C, a raising progress
    callback) stop the run after committing what was checked: the run is marked
    interrupted and the exception carries the partial result as ``exc.verify_result``."""
    started = time.monotonic()
    catalog = open_catalog(Path(catalog_path))
    run_id: int | None = None
    try:
        conn = catalog.conn
        with catalog.write() as wconn:
            # Runs left 'running' by a killed verify become 'interrupted' (a live
            # concurrent verify holds its run lock and is left alone; see runlock).
            runlock.close_stale_runs(wconn, catalog.path, "verify")
            previous = verify_runs.resumable_verify_run(wconn, query) if resume else None
            if previous is not None:
                run_id = previous.id
                verify_runs.reopen_verify_run(wconn, run_id)
            else:
                if resume and notice is not None:
                    notice(_nothing_to_resume(wconn, query))
                run_id = verify_runs.start_verify_run(wconn, query)
            runlock.claim(catalog.path, "verify", run_id)
        result = VerifyResult(run_id, resumed=previous is not None)
        targets = verify_runs.verify_targets(
            conn,
            where=where,
            params=params,
            from_sql=from_sql,
            not_verified_since=previous.started_at if previous else None,
        )
        # Only the files handed to the pool and not back yet: at most its small window.
        in_flight: dict[int, checksums.StoredFingerprint] = {}

        def feed() -> Iterator[tuple[int, bytes]]:
            for t in targets:
                in_flight[t.file_id] = t
                yield t.file_id, t.path_bytes

        pending: list[tuple[checksums.StoredFingerprint, Verdict, Fingerprint | None]] = []
        last_commit = time.monotonic()
        first = 0

        def flush() -> None:
            nonlocal last_commit
            if pending:
                at = utc_now()
                with catalog.write() as wconn:
                    for stored, verdict, fp in pending:
                        if fp is not None and verdict.store is not None:
                            if verdict.store == "current" and checksums.is_current_fingerprint(
                                wconn, stored.file_id, fp
                            ):
                                continue  # a verify running at the same time stored it
                            checksums.add_fingerprint(
                                wconn,
                                stored.file_id,
                                fp,
                                current=verdict.store == "current",
                                verify_run_id=run_id,
                                at=at,
                            )
                    verify_runs.record_findings(
                        wconn,
                        run_id,
                        [(s.file_id, v.status, v.detail) for s, v, _ in pending],
                        at=at,
                    )
                pending.clear()
            last_commit = time.monotonic()

        def finish(status: str) -> None:
            with catalog.write() as wconn:
                verify_runs.finish_verify_run(wconn, run_id, status, time.monotonic() - started)
            _fill(conn, result, first)

        done = bytes_done = 0
        results = imap_unordered(hash_one, feed(), jobs or default_jobs())
        try:
            for outcome in results:
                stored = in_flight.pop(outcome.file_id)
                verdict = classify(stored, outcome)
                if verdict.detail == "first fingerprint":
                    first += 1
                pending.append((stored, verdict, outcome.fingerprint))
                done += 1
                bytes_done += outcome.fingerprint.size if outcome.fingerprint else 0
                if len(pending) >= BATCH or time.monotonic() - last_commit >= BATCH_SECONDS:
                    flush()
                if progress is not None:
                    progress(
                        HashProgress(
                            done,
                            len(targets),
                            bytes_done,
                            targets.bytes,
                            outcome.path_bytes,
                            verdict.status,
                        )
                    )
        except BaseException as exc:
            results.close()
            flush()
            result.interrupted = True
            finish("interrupted")
            exc.verify_result = result  # type: ignore[attr-defined]
            raise
        flush()
        finish("finished")
        return result
    finally:
        if run_id is not None:
            runlock.release(catalog.path, "verify", run_id)
        catalog.close()


def _nothing_to_resume(conn: Any, query: str | None) -> str:
    """Why --resume starts a new run, in one line."""
    last = verify_runs.last_verify_run(conn)
    if last is None:
        why = "no verify run yet"
    elif last.status == "running":
        why = f"verify run {last.id} is still running in another process"
    elif last.status in ("interrupted", "failed") and last.query != storable_text(query):
        why = f"verify run {last.id} was interrupted with another QUERY"
    else:
        why = f"verify run {last.id} finished"
    return f"nothing to resume ({why}); starting a new verify run"


def _fill(conn: Any, result: VerifyResult, first: int) -> None:
    """Counts and path lists of the whole run (a resumed run includes its earlier part)."""
    run = verify_runs.get_verify_run(conn, result.run_id)
    assert run is not None
    result.checked, result.ok, result.seconds = run.checked, run.ok, run.seconds or 0.0
    result.first_fingerprints = first
    # One string per distinct detail: a whole drive gone is a million "not on disk".
    same: dict[str, str] = {}
    for finding in verify_runs.run_findings(conn, result.run_id):
        getattr(result, finding.status).append(finding.path)
        if finding.detail:
            result.details[finding.path] = same.setdefault(finding.detail, finding.detail)
