"""Run a per-file function in a process pool, yielding results as they finish.

Hashing is CPU-bound (sha256 in C, but two hashes per file and Python page
parsing for Ogg), so it runs in worker processes while the caller, the one
catalog writer, stores results. At most ``2 * jobs + 2`` tasks are in flight,
so stopping early (Ctrl-C, a progress callback raising) wastes little work; the
workers still hashing are then terminated rather than waited for.
Workers are forked when this process has one thread (cheapest); a threaded
caller (the TUI runs work in threads) gets ``forkserver``, as forking a
threaded process can deadlock. Workers die with this process, even on
``kill -9`` (see :mod:`archiver.procs`).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import TypeVar

from archiver.procs import die_with_parent, exit_when_orphaned, interrupts_blocked

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _worker_init(parent: int | None) -> None:  # pragma: no cover - runs in the workers
    """Ctrl-C and ``kill -TERM -PGID`` reach the whole process group: only the parent
    handles them (it cancels the pending work, commits what is done and stops the
    workers). A forked worker inherits the CLI's handlers (SIGTERM raising
    KeyboardInterrupt would print a traceback per worker): SIGINT is ignored, and
    SIGTERM kills quietly, as by default. A parent killed outright (SIGKILL) takes
    the worker with it (``parent``: its pid when known, else the current parent)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Forked with SIGTERM blocked (see _forking): one sent meanwhile lands now, quietly.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    die_with_parent(parent)
    exit_when_orphaned(parent)


@contextmanager
def _forking() -> Iterator[None]:
    """Ctrl-C ignored and SIGTERM held back while a worker may be forked: a child
    forked in that instant inherits the CLI's SIGTERM handler (KeyboardInterrupt) until
    its init runs, and the pool's own SIGTERM on Ctrl-C landing there printed a
    traceback from the child's at-fork hooks. The parent gets a held SIGTERM on leaving."""
    with interrupts_blocked():
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _mp_context() -> multiprocessing.context.BaseContext:
    if os.name != "posix":
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver")


def imap_unordered(func: Callable[[T], R], items: Iterable[T], jobs: int) -> Iterator[R]:
    """``func(item)`` for every item, in completion order; ``jobs <= 1`` runs inline.

    Closing the generator early cancels the tasks not yet started.
    """
    if jobs <= 1:
        for item in items:
            yield func(item)
        return
    ctx = _mp_context()
    # Forked workers are this process's children; a fork server's are the server's.
    parent = os.getpid() if ctx.get_start_method() == "fork" else None
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=ctx, initializer=_worker_init, initargs=(parent,)
    )
    pending: set[Future] = set()
    source = iter(items)
    window = 2 * jobs + 2
    completed = False
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                with _forking():  # submit() may fork a worker
                    pending.add(pool.submit(func, item))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
        completed = True
    finally:
        # Ending busy workers breaks the pool, and the pool then fails every pending
        # future itself: one cancelled here first made its manager thread raise
        # InvalidStateError (a traceback on a Ctrl-C). Cancel only when none was ended.
        stopped = 0 if completed else _stop_workers(pool)
        if not stopped:
            for future in pending:
                future.cancel()
        try:
            pool.shutdown(wait=True, cancel_futures=not stopped)
        except RuntimeError:
            # Ctrl-C inside submit() can land before the executor started its manager
            # thread; shutdown then cannot join it. The interrupt is what to report.
            if completed:
                raise


def _stop_workers(pool: ProcessPoolExecutor) -> int:
    """Stopped early: the files being hashed now would be thrown away, and one can be
    large (minutes of reading), so end the workers (SIGTERM: quiet, see _worker_init)
    rather than wait for them."""
    stopped = 0
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            if proc.is_alive():
                proc.terminate()
                stopped += 1
        except (OSError, ValueError, AttributeError):
            pass
    return stopped
