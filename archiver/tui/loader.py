"""Reading the catalog for a screen without ever blocking it.

Every read runs in an exclusive thread worker, one group per pane, each on
its own SQLite connection; a newer request of a group interrupts the older
query (``Connection.interrupt``) and stale results are dropped by a token, so
holding `j` on 10,000 artists or typing fast in the filter never stutters.

Work that is seconds of Python (the left column's integrity counts at a million
tracks) would hold the GIL in such a thread and slow every key meanwhile: it runs
in a child process instead (:meth:`Loader.load_apart`), which the worker thread
only waits for, and which is killed when superseded or when the screen goes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Protocol

from textual.screen import Screen
from textual.worker import get_current_worker

from archiver.tui.format import sanitize


class Apart(Protocol):
    """Work done outside this process (:class:`archiver.integrity.counts.CountsProcess`)."""

    def run(self) -> Any:
        """Do it and wait (in the worker thread); None: it failed or was interrupted."""

    def interrupt(self) -> None:
        """Stop it, from any thread, before or while it runs."""


class Loader:
    """``load(group, fn, args, then)``: ``fn(conn, *args)`` off the UI thread,
    ``then(result)`` on it unless a newer load of the same group came meanwhile."""

    def __init__(self, owner: Screen[Any]) -> None:
        self.owner = owner  # runs the workers and shows the errors
        self._tokens: dict[str, int] = {}
        # What runs for each group, to interrupt: a connection, or an Apart.
        self._running: dict[str, sqlite3.Connection | Apart] = {}

    def drop(self, group: str) -> None:
        """Forget what loads of ``group`` are under way: their results will be dropped."""
        self._tokens[group] = self._tokens.get(group, 0) + 1

    def stop(self) -> None:
        """Interrupt every query under way and drop its result (the screen goes):
        a worker deep in a million-row sort must not hold the app's exit."""
        for group in list(self._tokens):
            self.drop(group)
        for running in list(self._running.values()):
            _interrupt(running)

    def load(
        self, group: str, fn: Callable[..., Any], args: tuple, then: Callable[[Any], None]
    ) -> None:
        """Run ``fn(conn, *args)`` in an exclusive worker; ``then(result)`` on the UI
        thread unless a newer request of the same group came meanwhile."""
        token = self._supersede(group)
        app = self.owner.app

        def work() -> None:
            worker = get_current_worker()
            try:
                conn = app.open_connection()  # type: ignore[attr-defined]
            except Exception as exc:
                self._deliver(app, group, token, None, str(exc))
                return
            self._running[group] = conn
            try:
                result = fn(conn, *args)
            except sqlite3.OperationalError as exc:
                if "interrupt" in str(exc):
                    return
                self._deliver(app, group, token, None, str(exc))
                return
            except Exception as exc:
                self._deliver(app, group, token, None, str(exc))
                return
            finally:
                if self._running.get(group) is conn:
                    self._running.pop(group, None)
                conn.close()
            if not worker.is_cancelled:
                self._deliver(app, group, token, lambda: then(result), None)

        self.owner.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)

    def load_apart(
        self, group: str, make: Callable[[], Apart], then: Callable[[Any], None]
    ) -> None:
        """``make().run()`` waited for in an exclusive worker (waiting holds no GIL), then
        ``then(result)`` on the UI thread as for :meth:`load`. A newer request of the
        group, or :meth:`stop`, interrupts it (kills its process). A failure (None) is
        silent: ``then`` is not called."""
        token = self._supersede(group)
        app = self.owner.app
        apart = make()
        self._running[group] = apart

        def work() -> None:
            worker = get_current_worker()
            if self._tokens.get(group) != token:  # superseded or stopped before it ran
                return
            try:
                result = apart.run()
            except Exception:
                result = None
            finally:
                if self._running.get(group) is apart:
                    self._running.pop(group, None)
            if result is not None and not worker.is_cancelled:
                self._deliver(app, group, token, lambda: then(result), None)

        self.owner.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)

    def _supersede(self, group: str) -> int:
        """Drop and interrupt what runs for ``group``; the token of the next load."""
        self.drop(group)
        old = self._running.pop(group, None)
        if old is not None:
            _interrupt(old)
        return self._tokens[group]

    def _deliver(
        self,
        app: Any,
        group: str,
        token: int,
        callback: Callable[[], None] | None,
        error: str | None,
    ) -> None:
        owner = self.owner

        def run() -> None:
            if self._tokens.get(group) != token or not owner.is_attached:
                return
            if error:
                owner.notify(
                    sanitize(f"Could not read the catalog: {error}"),
                    severity="error",
                    timeout=8,
                    markup=False,
                )
            elif callback:
                callback()

        try:
            app.call_from_thread(run)
        except RuntimeError:  # the app is shutting down
            pass


def _interrupt(running: sqlite3.Connection | Apart) -> None:
    try:
        running.interrupt()
    except sqlite3.Error:
        pass
