"""Worker processes that never outlive the process that started them.

A ``kill -9`` of archiver (or the OOM killer) gives it no chance to stop its
workers, and a pool worker waiting for its next task would wait forever: it
holds both ends of its task pipe, so it never sees end-of-file. Each worker
therefore calls :func:`die_with_parent` first thing: on Linux the kernel sends
it SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``).

That is not enough everywhere, hence :func:`exit_when_orphaned`, a watcher
thread: other systems have no such ``prctl``; and a worker started through
multiprocessing's fork server (a threaded caller, the TUI) is the server's
child, while the server lives on as long as any of its workers does (each
holds the server's "alive" pipe). The watcher ends the worker when its parent
pid changes or when the process that asked for it (multiprocessing's parent,
the server's client) is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int | None = None) -> bool:
    """Have the kernel SIGKILL this process when its parent dies (Linux); True when it
    will. ``parent`` is the pid the caller knows its parent by (default: the current
    parent): if that process is already gone, this process exits at once, since the
    signal is only armed for a parent alive at the time of the call."""
    parent = os.getppid() if parent is None else parent
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    return armed


def exit_when_orphaned(parent: int | None = None, interval: float = 1.0) -> threading.Thread:
    """Start a daemon thread that ends this process (``os._exit``) within ``interval``
    seconds of its parent's death (its parent pid changes; ``parent`` as in
    :func:`die_with_parent`), or at once when the multiprocessing process that started
    it ends (its sentinel pipe closes; that is the client, not the fork server)."""
    parent = os.getppid() if parent is None else parent
    owner = multiprocessing.parent_process()  # None outside a multiprocessing child

    def watch() -> None:  # pragma: no cover - runs in workers
        while True:
            if os.getppid() != parent or (owner is not None and not owner.is_alive()):
                os._exit(1)
            if owner is not None:
                owner.join(interval)  # returns early when the owner ends
            else:
                time.sleep(interval)

    thread = threading.Thread(target=watch, name="exit-when-orphaned", daemon=True)
    thread.start()
    return thread


@contextmanager
def interrupts_blocked() -> Iterator[None]:
    """Ctrl-C ignored while a worker process is forked (main thread only): the child
    starts with SIGINT ignored, as its worker init would set it, so a Ctrl-C sent to
    the process group in that instant cannot kill it with a KeyboardInterrupt
    traceback (which broke the pool). The fork takes milliseconds; a Ctrl-C in
    exactly that window is lost and has to be pressed again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
