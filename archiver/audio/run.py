"""Running analysis over the catalog: plan, a process pool, one writer.

The main process plans (which present files need analysis: no row yet, or
the file's size / mtime_ns on disk, or its sha256 where known, differ from
what the row was made against; everything with ``force``), sends one file at
a time to worker processes, and is the only writer: results are committed in
batches, one row per file (``INSERT OR REPLACE``), so a run killed at any
moment (SIGKILL included) leaves whole rows only, and the next run does what
is left, with no duplicates.

A file cannot stall or kill the run: a worker analyses each file under a
time limit (SIGALRM, scaled by the file's duration); a worker that dies or
stops answering is replaced, and its file gets an error row. Workers die
with the main process (``PR_SET_PDEATHSIG`` on Linux, and they watch their
parent). Progress goes to a plain callback with :class:`AnalyzeProgress`
events (no rich, no textual here).
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.audio import fingerprint as fp
from archiver.audio.analyze import AnalysisRecord, analyze_file
from archiver.catalog import analysis as sql
from archiver.catalog import open_catalog, utc_now
from archiver.errors import ArchiverError, Interrupted

DEFAULT_FILE_TIMEOUT = 60.0  # seconds, plus PER_AUDIO_SECOND for each second of audio
PER_AUDIO_SECOND = 0.5  # decoding is far faster than real time; this is a hang guard
GRACE = 30.0  # a worker deaf to its alarm this long after the limit is killed
BATCH = 50
BATCH_SECONDS = 2.0
JOB_BATCH = 500  # planned files whose paths are read at a time
# Fault injection for the tests: "crash:<text>" kills the worker analysing a
# path containing <text>, "hang:<text>" makes it hang (alarm still works),
# "stuck:<text>" hangs deaf to the alarm; "slow:<text>" sleeps 0.5 s per file.
FAULT_ENV = "ARCHIVER_ANALYZE_FAULT"


@dataclass(frozen=True)
class AnalyzeProgress:
    """After each analysed file: ``done`` of ``total``; ``decode`` and ``quality``
    of that file (``error`` set when it could not be analysed)."""

    done: int
    total: int
    path: bytes
    decode: str | None
    quality: str | None
    error: str | None = None


@dataclass
class AnalyzeSummary:
    """What a run did. ``analyzed`` counts files analysed now (errors included),
    ``skipped`` files unchanged since their analysis, ``decode_errors`` files
    whose audio does not decode cleanly, ``errors`` files that could not be
    analysed at all."""

    analyzed: int = 0
    skipped: int = 0
    decode_errors: int = 0
    unsupported: int = 0
    errors: int = 0
    fingerprints: int = 0
    seconds: float = 0.0
    quality: dict[str, int] = field(default_factory=dict)
    fingerprint_note: str | None = None
    interrupted: bool = False
    problems: list[tuple[str, str, str | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The documented ``--json`` object (docs/analyze.md)."""
        return {
            "analyzed": self.analyzed,
            "skipped": self.skipped,
            "decode_errors": self.decode_errors,
            "unsupported": self.unsupported,
            "errors": self.errors,
            "fingerprints": self.fingerprints,
            "seconds": round(self.seconds, 3),
            "quality": {q: self.quality.get(q, 0) for q in sql.QUALITIES},
            "fingerprint_note": self.fingerprint_note,
            "interrupted": self.interrupted,
            "problems": [{"path": p, "what": w, "detail": d} for p, w, d in self.problems],
        }


class AnalyzeError(ArchiverError):
    """The run cannot go on (workers die as soon as they start); one line."""


class AnalyzeInterrupted(Interrupted):
    """Stopped (Ctrl-C, SIGTERM, ``should_stop``); what was analysed is kept."""

    def __init__(self, summary: AnalyzeSummary) -> None:
        super().__init__("analysis interrupted")
        self.summary = summary


Job = tuple[int, bytes, float, bool]  # file_id, path, time limit, fingerprint


# --- planning --------------------------------------------------------------------------


def needs_analysis(t: sql.Target, force: bool) -> bool:
    """Pure: does this file need (re-)analysis? The disk's size and mtime are in
    ``t.size`` / ``t.mtime_ns`` (the planner stats the file)."""
    if force or not t.analysed:
        return True
    if (t.analysed_size, t.analysed_mtime_ns) != (t.size, t.mtime_ns):
        return True
    return bool(t.sha256 and t.analysed_sha256 and t.sha256 != t.analysed_sha256)


def plan(targets: Iterator[sql.Target], *, force: bool) -> tuple[array, int]:
    """(ids, skipped): the ids of the files to analyse, in path order (8 bytes a file,
    whatever the library's size: :func:`jobs_for` reads their paths), and how many are
    unchanged. Every file analysed before is stat'ed here (the others need analysis
    whatever the disk says), so the progress total is known before the first decode."""
    todo = array("q")
    skipped = 0
    for t in targets:
        if force or not t.analysed:
            todo.append(t.file_id)  # analysed whatever the disk says: no need to stat
            continue
        try:
            st = os.stat(t.path_bytes)
        except OSError:
            todo.append(t.file_id)  # gone or unreadable: analysis records why
            continue
        disk = t._replace(
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            sha256=t.sha256 if (st.st_size, st.st_mtime_ns) == (t.size, t.mtime_ns) else None,
        )
        if needs_analysis(disk, force):
            todo.append(t.file_id)
        else:
            skipped += 1
    return todo, skipped


def jobs_for(
    conn: Any, ids: Sequence[int], *, timeout: float, fingerprint: bool, batch: int | None = None
) -> Iterator[Job]:
    """The planned files as jobs, in plan order, their paths read ``batch`` at a time
    (a file deleted from the catalog since the plan is left out)."""
    for file_id, path, duration in sql.job_files(conn, ids, batch or JOB_BATCH):
        limit = timeout + PER_AUDIO_SECOND * (duration or 0) if timeout > 0 else 0.0
        yield file_id, path, limit, fingerprint


# --- worker side -----------------------------------------------------------------------


class _Timeout(BaseException):
    """Raised by SIGALRM in a worker; a BaseException so no ``except Exception`` eats it."""


def _on_alarm(signum, frame):  # pragma: no cover - runs in workers
    raise _Timeout


def _fault(path: bytes) -> None:  # pragma: no cover - runs in workers
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    what, _, text = spec.partition(":")
    if not text or os.fsencode(text) not in path:
        return
    if what == "crash":
        os._exit(70)
    if what == "slow":
        time.sleep(0.5)
        return
    if what == "stuck":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    if what in ("hang", "stuck"):
        while True:
            time.sleep(0.2)


def analyze_job(job: Job) -> tuple[int, AnalysisRecord]:
    """Analyse one file under its time limit (SIGALRM, main thread only)."""
    file_id, path, limit, fingerprint = job
    use_alarm = (
        limit > 0
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) is _on_alarm
    )
    try:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            _fault(path)
            record = analyze_file(path, fingerprint=fingerprint)
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        record = _error_record(path, f"timeout: analysis took longer than {limit:g} s")
    return file_id, record


def _error_record(path: bytes, message: str) -> AnalysisRecord:
    record = AnalysisRecord(path, error=message)
    try:
        st = os.stat(path)
        record.size, record.mtime_ns = st.st_size, st.st_mtime_ns
    except OSError:
        pass
    return record


def _die_with_parent() -> None:  # pragma: no cover - runs in workers
    """Linux: the kernel kills this worker when the process that made it dies."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_main(conn, fault: str | None) -> None:  # pragma: no cover - runs in workers
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's business
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, _on_alarm)
    if fault:
        os.environ[FAULT_ENV] = fault
    else:
        os.environ.pop(FAULT_ENV, None)
    _die_with_parent()
    while True:
        try:
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(analyze_job(job))
        except (OSError, BrokenPipeError):
            return


# --- main side -------------------------------------------------------------------------


def _mp_context() -> multiprocessing.context.BaseContext:
    """fork is cheapest; a threaded caller (the TUI) gets forkserver, as forking
    a process with threads can deadlock."""
    if os.name != "posix":
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["archiver.audio.run"])
    return ctx


def _preload() -> None:
    """Import the decoder and Chromaprint before forking: every worker then
    starts warm instead of paying for the imports on its first file."""
    import av  # noqa: F401
    import av.logging  # noqa: F401

    fp.available()


class _Worker:
    DEPTH = 2  # one file worked on, one waiting in the pipe

    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker_main, args=(child, os.environ.get(FAULT_ENV)), daemon=True
        )
        self.proc.start()
        child.close()
        self.jobs: collections.deque[Job] = collections.deque()
        self.since = 0.0
        self.completed = 0

    def send(self, job: Job) -> None:
        self.conn.send(job)
        if not self.jobs:
            self.since = time.monotonic()
        self.jobs.append(job)

    def done(self) -> None:
        self.jobs.popleft()
        self.since = time.monotonic()
        self.completed += 1

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class _Pool:
    """Worker processes fed one file at a time through their own pipes; the main
    process waits on pipes and process sentinels, so it always knows which
    file a dead or hung worker held."""

    MAX_STILLBORN = 8

    def __init__(self, jobs: int) -> None:
        self.ctx = _mp_context()
        self.stillborn = 0
        _preload()
        self.workers = [_Worker(self.ctx) for _ in range(jobs)]

    def close(self, *, cancel: bool = False) -> None:
        for w in self.workers:
            if not cancel:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
                w.proc.join(5)
            w.kill()
        self.workers = []

    def run(self, jobs: Iterator[Job]) -> Iterator[tuple[int, AnalysisRecord]]:
        retry: list[Job] = []
        exhausted = False
        while True:
            for w in self.workers:
                while len(w.jobs) < w.DEPTH:
                    job = retry.pop() if retry else None
                    if job is None and not exhausted:
                        job = next(jobs, None)
                        exhausted = job is None
                    if job is None:
                        break
                    try:
                        w.send(job)
                    except OSError:
                        retry.append(job)
                        yield from self._lost(w, retry, "the analysis process crashed")
                        break
            busy = [w for w in self.workers if w.jobs]
            if not busy:
                return
            handles: dict[Any, _Worker] = {w.conn: w for w in busy}
            handles.update({w.proc.sentinel: w for w in busy})
            ready = multiprocessing.connection.wait(list(handles), timeout=1.0)
            seen: set[int] = set()
            for handle in ready:
                w = handles[handle]
                if id(w) in seen:
                    continue
                seen.add(id(w))
                try:
                    result = w.conn.recv()
                except (EOFError, OSError):
                    yield from self._lost(w, retry, "the analysis process crashed on this file")
                    continue
                w.done()
                self.stillborn = 0
                yield result
            now = time.monotonic()
            for w in busy:
                if w.jobs and w.proc.is_alive():
                    limit = w.jobs[0][2]
                    if limit > 0 and now - w.since > limit + GRACE:
                        yield from self._lost(w, retry, "the analysis process stopped responding")

    def _lost(
        self, w: _Worker, retry: list[Job], message: str
    ) -> Iterator[tuple[int, AnalysisRecord]]:
        """Replace a dead or hung worker; its current file gets an error row,
        the files queued behind it go back to be sent again."""
        current, queued = (w.jobs[0] if w.jobs else None), list(w.jobs)[1:]
        w.kill()
        if w.completed == 0:
            self.stillborn += 1
            if self.stillborn >= self.MAX_STILLBORN:
                raise AnalyzeError(
                    f"analysis processes die before analysing anything ({self.stillborn} in a"
                    f" row, last exit code {w.proc.exitcode}); try --jobs 1"
                )
        self.workers[self.workers.index(w)] = _Worker(self.ctx)
        retry.extend(reversed(queued))
        if current is not None:
            yield current[0], _error_record(current[1], f"internal: {message}")


def _values(conn, file_id: int, rec: AnalysisRecord) -> dict[str, Any]:
    values = {c: getattr(rec, c, None) for c in sql.COLUMNS if c != "sha256"}
    values["sample_rate"] = rec.sample_rate
    if rec.size is not None and rec.mtime_ns is not None:
        values["sha256"] = sql.current_sha256(conn, file_id, rec.size, rec.mtime_ns)
    return values


def run_analysis(
    catalog_path: str | os.PathLike,
    *,
    where: str | None = None,
    params: Sequence[Any] = (),
    from_sql: str | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: Callable[[AnalyzeProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    file_timeout: float = DEFAULT_FILE_TIMEOUT,
    fingerprint: bool = True,
) -> AnalyzeSummary:
    """Analyse the present files matching ``where`` that need it (see the module
    doc) and store one row per file. Raises :class:`AnalyzeInterrupted` (with
    the partial summary) on Ctrl-C or ``should_stop``, :class:`AnalyzeError`
    when workers cannot run at all."""
    from archiver.integrity.pool import default_jobs

    started = time.monotonic()
    summary = AnalyzeSummary()
    if fingerprint and not fp.available():
        fingerprint = False
        summary.fingerprint_note = fp.HOW_TO_GET
    stop = should_stop or (lambda: False)
    catalog = open_catalog(Path(catalog_path), create=False)
    pool: _Pool | None = None
    pending: list[tuple[int, AnalysisRecord]] = []
    last_commit = time.monotonic()

    def flush() -> None:
        nonlocal last_commit
        if pending:
            at = utc_now()
            with catalog.write() as conn:
                for file_id, rec in pending:
                    if conn.execute("SELECT 1 FROM files WHERE id = ?", (file_id,)).fetchone():
                        sql.store(conn, file_id, _values(conn, file_id, rec), at)
            pending.clear()
        last_commit = time.monotonic()

    try:
        todo, summary.skipped = plan(
            sql.targets(catalog.conn, where=where, params=params, from_sql=from_sql), force=force
        )
        if todo:
            pool = _Pool(max(1, min(jobs or default_jobs(), len(todo))))
            work = jobs_for(catalog.conn, todo, timeout=file_timeout, fingerprint=fingerprint)
            for done, (file_id, rec) in enumerate(pool.run(work), 1):
                pending.append((file_id, rec))
                _count(summary, rec)
                if len(pending) >= BATCH or time.monotonic() - last_commit >= BATCH_SECONDS:
                    flush()
                if progress is not None:
                    progress(
                        AnalyzeProgress(
                            done, len(todo), rec.path, rec.decode, rec.quality, rec.error
                        )
                    )
                if stop():
                    raise KeyboardInterrupt
            pool.close()
            pool = None
        flush()
        summary.problems = sql.problems(catalog.conn, where=where, params=params, from_sql=from_sql)
    except BaseException as exc:
        if pool is not None:
            pool.close(cancel=True)
        try:
            flush()
        finally:
            catalog.close()
        summary.seconds = time.monotonic() - started
        if isinstance(exc, KeyboardInterrupt):
            summary.interrupted = True
            raise AnalyzeInterrupted(summary) from None
        raise
    catalog.close()
    summary.seconds = time.monotonic() - started
    return summary


def _count(summary: AnalyzeSummary, rec: AnalysisRecord) -> None:
    summary.analyzed += 1
    if rec.error:
        summary.errors += 1
    elif rec.decode == "error":
        summary.decode_errors += 1
    elif rec.decode == "unsupported":
        summary.unsupported += 1
    if rec.quality:
        summary.quality[rec.quality] = summary.quality.get(rec.quality, 0) + 1
    if rec.fingerprint:
        summary.fingerprints += 1
