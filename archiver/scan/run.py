"""Running a scan: walk and plan, read in a process pool, write from one place.

The main process walks the folders, decides from (size, mtime_ns) what needs
reading, feeds batches of paths to a process pool, and is the only writer
(:class:`archiver.catalog.files.ScanWriter`). In-flight work is bounded, so
memory stays flat however big the library is. Progress is reported through a
plain callback with :class:`ScanProgress` events (no rich, no textual here).

A pathological file cannot stall or kill the scan: each file read in a worker
has a time limit (SIGALRM), and if a worker process dies, the files of the
batches it took down are re-read one at a time in a fresh pool to find the
culprit, which becomes a scan error; the scan goes on.
"""

from __future__ import annotations

import collections
import gc
import itertools
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

from archiver.catalog import files as store
from archiver.catalog import skipped as skipped_store
from archiver.catalog.db import Catalog, utc_now
from archiver.errors import ArchiverError, Interrupted
from archiver.procs import die_with_parent, interrupts_blocked
from archiver.scan.folder_images import record_folder_images
from archiver.scan.plan import Action, Known, decide, gone, is_within
from archiver.scan.read import read_file
from archiver.scan.record import display_path, mtime_ns_of
from archiver.scan.walk import Skipped, WalkError, WalkStats, rejected_kind, walk

DEFAULT_FILE_TIMEOUT = 60.0  # seconds one file may take to read in a worker
# Fault injection for the tests of the pool's recovery: "crash:<text>" makes
# the worker reading a path containing <text> die, "hang:<text>" makes it hang,
# "stuck:<text>" makes it hang deaf to the per-file alarm.
FAULT_ENV = "ARCHIVER_SCAN_FAULT"


@dataclass(frozen=True)
class ScanProgress:
    """One progress event. ``phase`` is "discover" (walking: ``done`` audio
    files found so far, ``total`` 0), "read" (``done`` of ``total`` files to
    read; the walk runs alongside, so ``total`` grows while ``discovering``),
    or "finish" (marking missing files, detecting moves)."""

    phase: str
    done: int
    total: int
    path: str | None = None
    discovering: bool = False  # "read": the walk goes on, ``total`` may still grow


@dataclass
class ScanSummary:
    """What a scan did. ``files_found`` = added + updated + unchanged; ``returned``
    (files marked missing before, seen again) and files with read errors are
    counted within those; ``errors`` counts the run's ``scan_errors`` rows."""

    scan_id: int
    status: str = "running"
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: int = 0
    returned: int = 0
    errors: int = 0
    skipped: int = 0
    moved: int = 0
    files_found: int = 0
    seconds: float = 0.0
    roots: list[str] = field(default_factory=list)
    root_paths: list[bytes] = field(default_factory=list, repr=False)  # exact bytes

    def as_dict(self) -> dict:
        """JSON-ready (``root_paths`` left out: ``roots`` is their display form)."""
        data = asdict(self)
        del data["root_paths"]
        return data


class ScanError(ArchiverError):
    """The scan cannot go on (e.g. reader processes die as soon as they start);
    the message is one line. What was written so far is kept."""


class ScanInterrupted(Interrupted):
    """The scan was stopped (Ctrl-C or ``should_stop``); what was read is kept."""

    def __init__(self, summary: ScanSummary) -> None:
        super().__init__(f"scan {summary.scan_id} interrupted")
        self.summary = summary


@dataclass(frozen=True, slots=True)
class Scope:
    """One part of the catalog a scan covers: a root, or a subtree of a root."""

    root_id: int
    top: bytes  # the folder or file walked


# --- worker side ---------------------------------------------------------------


class _FileTimeout(BaseException):
    """Raised by SIGALRM inside a worker; a BaseException so that no
    ``except Exception`` in a parser swallows it."""


def _on_alarm(signum, frame):  # pragma: no cover - runs in workers
    raise _FileTimeout


def _worker_init() -> None:  # pragma: no cover - runs in workers
    # Ctrl-C is the main process's business: it stops the pool cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker inherits the parent's handlers (the CLI turns SIGTERM
    # into KeyboardInterrupt): a reader just dies when terminated.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, _on_alarm)


def _fault(path: bytes, spec: str) -> None:
    what, _, text = spec.partition(":")
    if text and os.fsencode(text) in path:
        if what == "crash":
            os._exit(70)
        if what in ("hang", "stuck"):
            while True:
                time.sleep(1)


def _deafen(path: bytes, spec: str) -> None:
    """The "stuck" fault is deaf to SIGALRM, like a read stuck in the kernel: ignored
    process-wide (a blocked mask would only cover this thread, and a reader may have a
    parent-watching thread that would take the signal) and before the alarm is set,
    so a slow machine cannot let the alarm win the race."""
    what, _, text = spec.partition(":")
    if what == "stuck" and text and os.fsencode(text) in path:
        signal.signal(signal.SIGALRM, signal.SIG_IGN)


Task = tuple[tuple[tuple[bytes, int, bool], ...], int, int, tuple[str, ...], float]
Result = tuple[bytes, int, "store.Rows | None"]


def read_task(task: Task) -> list[Result]:
    """Read a batch of files into rows. ``(path, action, rows)`` per file;
    ``rows`` is None for a file picked by content that mutagen does not know, or
    whose content is certainly not audio (a video-only Ogg): it is skipped, not an
    error. Never raises for one bad file."""
    items, root_id, scan_id, tag_cols, timeout = task
    use_alarm = timeout > 0 and threading.current_thread() is threading.main_thread()
    use_alarm = use_alarm and signal.getsignal(signal.SIGALRM) is _on_alarm
    out: list[Result] = []
    now = utc_now()
    fault = os.environ.get(FAULT_ENV)
    for path, action, sniffed in items:
        try:
            if fault:
                _deafen(path, fault)
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                if fault:
                    _fault(path, fault)
                record = read_file(path)
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except _FileTimeout:
            out.append(
                (
                    path,
                    action,
                    _error_rows(
                        path,
                        root_id,
                        scan_id,
                        tag_cols,
                        "timeout",
                        f"reading took longer than {timeout:g} s",
                    ),
                )
            )
            continue
        if record.not_audio or (sniffed and record.error and record.error[0] == "unsupported"):
            out.append((path, action, None))
            continue
        out.append((path, action, store.record_rows(record, root_id, scan_id, tag_cols, now)))
    return out


def _error_rows(
    path: bytes, root_id: int, scan_id: int, tag_cols: Sequence[str], kind: str, message: str
) -> store.Rows:
    from archiver.scan.record import FileRecord

    try:
        st = os.stat(path)
        size, mtime_ns = st.st_size, mtime_ns_of(st)
    except OSError:
        size, mtime_ns = 0, 0
    record = FileRecord(path, size, mtime_ns, error=(kind, message))
    return store.record_rows(record, root_id, scan_id, tag_cols)


# --- main side -----------------------------------------------------------------


def _mp_context() -> multiprocessing.context.BaseContext:
    """fork is cheapest, but forking a process with threads (the TUI runs a
    scan in a worker thread) can deadlock: use forkserver then."""
    if os.name != "posix":
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    # The server imports the reader once; each reader forked from it starts warm.
    ctx.set_forkserver_preload(["archiver.scan.run"])
    _ensure_forkserver()
    return ctx


_forkserver_lock = threading.Lock()


def _ensure_forkserver() -> None:
    """Start the fork server (and multiprocessing's resource tracker) with a
    stderr that has a real file descriptor.

    The resource tracker hands ``sys.stderr.fileno()`` to its child; a caller
    that replaced ``sys.stderr`` (Textual captures it, and answers -1) makes
    that fail with "bad value(s) in fds_to_keep". Once both run, stderr is
    not looked at again, so the swap happens at most once per process."""
    import multiprocessing.forkserver as forkserver

    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable:
        forkserver.ensure_running()
        return
    with _forkserver_lock, open(os.devnull, "w") as devnull:
        saved = sys.stderr
        sys.stderr = sys.__stderr__ if sys.__stderr__ is not None else devnull
        try:
            forkserver.ensure_running()
        finally:
            sys.stderr = saved


class _Worker:
    """One reader process with its own pipe and the tasks sent to it, in order
    (the first is the one it works on; the next ones wait in the pipe, so the
    reader never idles while the main process is busy writing: with two
    waiting, the readers' idle time during a 20,000-file scan halved,
    measured 0.35-0.5 s -> 0.15-0.3 s per reader)."""

    DEPTH = 3

    def __init__(self, ctx: multiprocessing.context.BaseContext) -> None:
        self.conn, child = ctx.Pipe()
        fault = os.environ.get(FAULT_ENV)
        self.proc = ctx.Process(target=_worker_main, args=(child, fault), daemon=True)
        with interrupts_blocked():
            self.proc.start()
        child.close()
        self.tasks: collections.deque[Task] = collections.deque()
        self.since = 0.0  # when the current task started (about)
        self.completed = 0

    @property
    def task(self) -> Task | None:
        return self.tasks[0] if self.tasks else None

    def send(self, task: Task) -> None:
        """Queue a task; raises OSError if the reader is gone (task not queued)."""
        self.conn.send(task)
        if not self.tasks:
            self.since = time.monotonic()
        self.tasks.append(task)

    def done(self) -> None:
        self.tasks.popleft()
        self.since = time.monotonic()
        self.completed += 1

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


# File descriptors a forked reader must not keep open (the scan lock: a
# reader outliving a killed scan must not hold it). Filled by ``scan_lock``.
INHERITED_FDS_TO_CLOSE: set[int] = set()


def _worker_main(conn, fault: str | None) -> None:  # pragma: no cover - runs in workers
    parent = os.getppid()  # the scan (fork) or the fork server, which dies with it
    _worker_init()
    # A fork server started earlier keeps the environment of that time.
    if fault:
        os.environ[FAULT_ENV] = fault
    else:
        os.environ.pop(FAULT_ENV, None)
    for fd in INHERITED_FDS_TO_CLOSE:
        try:
            os.close(fd)
        except OSError:
            pass
    die_with_parent(parent)  # the kernel kills this reader when the scan dies (Linux)
    while True:
        # A forked reader also holds the parent's end of its pipe, so it would
        # never see EOF if the scan were killed: watch the parent instead.
        try:
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(read_task(task))


class _Pool:
    """Reader processes fed one batch at a time through their own pipes.

    No executor threads: the main process waits on the pipes and on the
    processes' sentinels, so it always knows which batch a dead worker held.
    A batch whose worker died is retried one file at a time; a file whose
    worker dies alone is recorded as an error. A worker silent for longer
    than its batch's time limit is killed the same way.
    """

    # Readers that died before finishing a single batch, in a row: past this,
    # the readers cannot work at all (not one bad file): give up.
    MAX_STILLBORN = 8

    def __init__(self, jobs: int, timeout: float) -> None:
        self.ctx = _mp_context()
        self.timeout = timeout
        self.stillborn = 0
        # Objects alive now (e.g. the catalog's known files) stay out of the
        # readers' garbage collector, which would otherwise touch every
        # inherited page and so make each reader a private copy of it.
        gc.freeze()
        try:
            self.workers = [_Worker(self.ctx) for _ in range(jobs)]
        finally:
            gc.unfreeze()

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

    def _limit(self, task: Task) -> float | None:
        if self.timeout <= 0:
            return None
        return len(task[0]) * self.timeout + min(30.0, 5 * self.timeout)

    def run(self, tasks: Iterator[Task]) -> Iterator[list[Result]]:
        retry: list[Task] = []  # single-file tasks from a batch whose worker died
        exhausted = False
        while True:
            for w in self.workers:
                while len(w.tasks) < w.DEPTH:
                    task = retry.pop() if retry else None
                    if task is None and not exhausted:
                        task = next(tasks, None)
                        exhausted = task is None
                    if task is None:
                        break
                    try:
                        w.send(task)
                    except OSError:  # the reader died meanwhile: the task never started
                        retry.append(task)
                        yield from self._lost(w, retry, "the reader process crashed on this file")
                        break
            busy = [w for w in self.workers if w.task is not None]
            if not busy:
                return
            handles = {w.conn: w for w in busy}
            handles.update({w.proc.sentinel: w for w in busy})
            ready = multiprocessing.connection.wait(list(handles), timeout=1.0)
            finished: set[int] = set()
            for handle in ready:
                w = handles[handle]
                if id(w) in finished:
                    continue
                finished.add(id(w))
                try:
                    result = w.conn.recv()
                except (EOFError, OSError):
                    yield from self._lost(w, retry, "the reader process crashed on this file")
                    continue
                w.done()
                self.stillborn = 0
                yield result
            now = time.monotonic()
            for w in busy:
                limit = self._limit(w.task) if w.task is not None else None
                if limit is not None and now - w.since > limit:
                    yield from self._lost(w, retry, "the reader process stopped responding")

    def _lost(self, w: _Worker, retry: list[Task], message: str) -> Iterator[list[Result]]:
        """A worker died or hung: replace it; narrow its batch down to the culprit.
        Tasks queued behind the culprit's were not started: they go back whole."""
        task, queued = w.task, list(w.tasks)[1:]
        w.kill()
        if w.completed == 0:
            self.stillborn += 1
            if self.stillborn >= self.MAX_STILLBORN:
                raise ScanError(
                    f"reader processes die before reading anything ({self.stillborn} in a row, "
                    f"last exit code {w.proc.exitcode}); try --jobs 1"
                )
        self.workers[self.workers.index(w)] = _Worker(self.ctx)
        retry.extend(reversed(queued))
        if task is None:
            return
        items, root_id, scan_id, tag_cols, timeout = task
        if len(items) > 1:
            retry.extend(((item,), root_id, scan_id, tag_cols, timeout) for item in reversed(items))
            return
        path, action, _ = items[0]
        kind = "internal" if "crashed" in message else "timeout"
        yield [(path, action, _error_rows(path, root_id, scan_id, tag_cols, kind, message))]


def _batches(
    to_read: Iterable[tuple[bytes, int, bool, int]],
    size: int,
    scan_id: int,
    tag_cols: tuple[str, ...],
    timeout: float,
) -> Iterator[Task]:
    """Cut the read list into tasks of one root: 4 files first, doubling up to
    ``size`` (readers start at once; later, fewer round trips), and at most
    ~16 KB of paths (the queued tasks, ``_Worker.DEPTH`` - 1 of them, always fit
    in a pipe's buffer, so sending one never blocks on a reader that is busy
    sending its result)."""
    batch: list[tuple[bytes, int, bool]] = []
    root = None
    limit = min(4, size)
    nbytes = 0
    for path, action, sniffed, root_id in to_read:
        if batch and (root_id != root or len(batch) >= limit or nbytes >= 16_384):
            yield tuple(batch), root, scan_id, tag_cols, timeout
            batch = []
            nbytes = 0
            limit = min(size, limit * 2)
        nbytes += len(path)
        root = root_id
        batch.append((path, action, sniffed))
    if batch:
        yield tuple(batch), root, scan_id, tag_cols, timeout


def run_scan(
    catalog: Catalog,
    scan_id: int,
    scopes: Sequence[Scope],
    *,
    jobs: int,
    full: bool = False,
    progress: Callable[[ScanProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    file_timeout: float = DEFAULT_FILE_TIMEOUT,
    errors: Sequence[tuple[bytes, str, str]] = (),
) -> ScanSummary:
    """Scan ``scopes`` into run ``scan_id`` (already started). The caller holds the
    scan lock. Raises :class:`ScanInterrupted` on Ctrl-C or ``should_stop``."""
    started = time.monotonic()
    summary = ScanSummary(
        scan_id,
        roots=[display_path(s.top) for s in scopes],
        root_paths=[s.top for s in scopes],
    )
    tag_cols = store.tag_columns(catalog)
    writer = store.ScanWriter(catalog, scan_id, tag_cols)
    counts = writer.counts
    for key in store.RUN_COUNTS:
        counts.setdefault(key, 0)
    emit = progress or (lambda event: None)
    stop = should_stop or (lambda: False)
    pool: _Pool | None = None
    leftovers: list[tuple[Scope, dict[bytes, Known], list[bytes]]] = []
    skipped_log = skipped_store.SkippedLog(catalog, scan_id)  # non-audio files, named
    skipped_left: list[tuple[dict[bytes, Known], list[bytes]]] = []

    def add_error(path: bytes, kind: str, message: str) -> None:
        writer.add_error(path, kind, message)
        counts["errors"] += 1

    try:
        for path, kind, message in errors:  # e.g. remembered roots that are not there
            add_error(path, kind, message)
        # 1+2. Discover and plan (a stat per file; unchanged files are done right
        # there) while the pool reads what changed: the walk is a generator the
        # batches are cut from, so readers start on the first files at once.
        returning: set[bytes] = set()
        state = {"to_read": 0, "discovering": True, "last": 0.0}

        def discover() -> Iterator[tuple[bytes, int, bool, int]]:
            for scope in scopes:
                known = store.known_files(catalog, scope.root_id, scope.top)
                known_skipped = skipped_store.known_skipped(catalog, scope.top)
                stats = WalkStats()
                for item in walk(scope.top, stats):
                    if isinstance(item, WalkError):
                        add_error(item.path_bytes, item.kind, item.message)
                        continue
                    if isinstance(item, Skipped):
                        known_skipped.pop(item.path_bytes, None)
                        skipped_log.add(
                            item.path_bytes, item.kind, item.size, item.mtime_ns, scope.root_id
                        )
                        skipped_log.maybe_flush()
                        continue
                    counts["files_found"] += 1
                    k = known.pop(item.path_bytes, None)
                    action = decide(k, item.size, item.mtime_ns, full)
                    if action is Action.UNCHANGED:
                        writer.add_unchanged(k.id, returned=k.missing)
                        counts["unchanged"] += 1
                        counts["returned"] += k.missing
                        writer.maybe_flush()
                    else:
                        if k is not None and k.missing:
                            returning.add(item.path_bytes)
                        state["to_read"] += 1
                        yield item.path_bytes, int(action), item.sniffed, scope.root_id
                    now = time.monotonic()
                    if now - state["last"] >= 0.1:
                        state["last"] = now
                        emit(
                            ScanProgress(
                                "discover", counts["files_found"], 0, display_path(scope.top)
                            )
                        )
                        if stop():
                            raise KeyboardInterrupt
                counts["skipped"] += stats.skipped + stats.special
                leftovers.append((scope, known, stats.unlisted_dirs))
                skipped_left.append((known_skipped, stats.unlisted_dirs))
            state["discovering"] = False
            emit(ScanProgress("discover", counts["files_found"], 0, None))

        done = 0
        timeout = file_timeout if jobs > 1 else 0
        tasks = _batches(discover(), 64, scan_id, tag_cols, timeout)
        first = next(tasks, None)  # no pool at all when nothing needs reading
        tasks = itertools.chain([first] if first else [], tasks)
        if jobs > 1 and first is not None:
            pool = _Pool(jobs, file_timeout)
            results: Iterator[list[Result]] = pool.run(tasks)
        else:
            results = map(read_task, tasks)
        for batch in results:
            for path, action, rows in batch:
                done += 1
                if rows is None:
                    counts["skipped"] += 1
                    counts["files_found"] -= 1
                    _skip_rejected(skipped_log, path, scopes)
                    continue
                changed = action == Action.CHANGED
                writer.add_rows(rows, replace=changed)
                counts["updated" if changed else "added"] += 1
                if rows.error:
                    counts["errors"] += 1
                if path in returning:
                    counts["returned"] += 1
            writer.maybe_flush()
            emit(ScanProgress("read", done, state["to_read"], discovering=state["discovering"]))
            if stop():
                raise KeyboardInterrupt
        emit(ScanProgress("read", done, state["to_read"]))
        if pool:
            pool.close()
            pool = None
        writer.flush()
        skipped_log.flush()

        # 3. Finish: files not found are marked missing; moves are recognised.
        emit(ScanProgress("finish", 0, 0))
        for remaining, unlisted in skipped_left:
            skipped_store.mark_gone(catalog, gone(remaining, unlisted), scan_id)
        vanished: list[int] = []
        for scope, remaining, unlisted in leftovers:
            ids = gone(remaining, unlisted)
            counts["missing"] += store.mark_missing(catalog, ids, scan_id)
            vanished.extend(ids)
            store.mark_root_scanned(catalog, scope.root_id, scan_id)
        # A move is a new file that matches a missing one: with no missing
        # file in the catalog there is nothing to look for.
        if store.any_missing(catalog):
            from archiver.integrity.moves import detect_moves

            summary.moved = detect_moves(catalog, scan_id) or 0
            # A moved file is merged into its old entry: not new, and (if it
            # vanished in this scan) not missing either.
            counts["added"] -= summary.moved
            if summary.moved and vanished:
                counts["missing"] = store.count_missing(catalog, vanished)
        record_folder_images(catalog, [scope.top for scope in scopes], scan_id)  # covers
        summary.status = "finished"
    except KeyboardInterrupt:
        if pool:
            pool.close(cancel=True)
            pool = None
        writer.flush()
        skipped_log.flush()
        summary.status = "interrupted"
        _fill(summary, counts, started)
        store.finish_run(catalog, scan_id, counts, status="interrupted", seconds=summary.seconds)
        raise ScanInterrupted(summary) from None
    except BaseException:
        if pool:
            pool.close(cancel=True)
        try:
            _fill(summary, counts, started)
            store.finish_run(catalog, scan_id, counts, status="failed", seconds=summary.seconds)
        except Exception:  # noqa: BLE001 - the first error is the one to report
            pass
        raise
    _fill(summary, counts, started)
    store.finish_run(catalog, scan_id, counts, status="finished", seconds=summary.seconds)
    return summary


def _skip_rejected(log: skipped_store.SkippedLog, path: bytes, scopes: Sequence[Scope]) -> None:
    """Record a file the reader turned down as not audio (rare: one stat here)."""
    try:
        st = os.stat(path)
        size, mtime_ns = st.st_size, mtime_ns_of(st)
    except OSError:
        size = mtime_ns = None
    root_id = next((s.root_id for s in scopes if is_within(path, s.top)), None)
    log.add(path, rejected_kind(path), size, mtime_ns, root_id)


def _fill(summary: ScanSummary, counts: dict[str, int], started: float) -> None:
    for key in store.RUN_COUNTS:
        setattr(summary, key, counts.get(key, 0))
    summary.seconds = round(time.monotonic() - started, 3)
