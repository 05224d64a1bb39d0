"""One way to run a long command: progress bar, Ctrl-C and SIGTERM, exit 130.

``long_job`` is a context manager around the long part of a command. It

- shows a progress bar on stderr only when wanted (not ``--quiet``, not
  ``--json``, stderr a terminal) and hands its update function to the work as
  ``job.progress`` (``None`` otherwise: the work skips its events);
- turns SIGTERM into KeyboardInterrupt for the block (restored afterwards), so
  ``kill`` stops as cleanly as Ctrl-C;
- on KeyboardInterrupt or :class:`archiver.errors.Interrupted`: prints the
  ``--json`` object of what was done (if ``report`` gives one), then one line
  ``archiver: NAME interrupted; NOTE (run `archiver NAME` again to continue)``
  on stderr, and exits 130.

Other errors are not its business: an :class:`archiver.errors.ArchiverError`
goes up to the CLI, which prints it as one line with its exit status.

Example: a command with a process pool and one writer (``archiver analyze``). The
library does the work and, on Ctrl-C, stops its pool (workers ignore SIGINT: the
parent decides), commits what the writer has and raises ``Interrupted`` (or lets
KeyboardInterrupt through) carrying what was done; the command is only this::

    from archiver.commands._common import (
        QueryCommand, console, jobs_option, json_option, pass_app, plural,
        query_argument, quiet_option,
    )
    from archiver.commands._job import long_job
    from archiver.commands._query import compile_args

    @click.command(cls=QueryCommand)
    @query_argument
    @jobs_option("Analysis processes (default: CPU count).")
    @click.option("--force", is_flag=True, help="Analyze again files already done.")
    @quiet_option()
    @json_option
    @pass_app
    def analyze(app, query, jobs, force, quiet, as_json):
        \"\"\"Analyze the audio of the tracks QUERY selects.\"\"\"
        from archiver.analysis import analyze_files  # raises Interrupted(summary) on Ctrl-C

        text, compiled = compile_args(query)
        with long_job(
            "analyze",
            quiet=quiet,
            as_json=as_json,
            bar=lambda: AnalyzeProgress(),  # any context manager with .update(event)
            note=lambda exc: f"kept {plural(exc.summary.done, 'analyzed file')}",
            report=lambda exc: exc.summary.as_dict() | {"interrupted": True},
        ) as job:
            summary = analyze_files(app.db_path, compiled, jobs=jobs, force=force,
                                    progress=job.progress)
        if as_json:
            click.echo(json.dumps(summary.as_dict() | {"interrupted": False}))
        elif not quiet:
            console().print(f"analyzed {plural(summary.done, 'file')}")
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

from archiver.errors import Interrupted


@dataclass
class Job:
    """What the block gets: ``progress`` (the bar's update, or None) and whether a
    bar is shown (``show_progress``: also the right answer for a second phase)."""

    show_progress: bool
    progress: Callable[[Any], None] | None = None


def wants_progress(*, quiet: bool, as_json: bool) -> bool:
    """A bar only for a person watching: not --quiet, not --json, stderr a terminal."""
    try:
        return not quiet and not as_json and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def long_job(
    name: str,
    *,
    quiet: bool = False,
    as_json: bool = False,
    bar: Callable[[], Any] | None = None,
    note: str | Callable[[BaseException], str | None] | None = None,
    hint: str | None = None,
    report: Callable[[BaseException], dict | None] | None = None,
    show_progress: bool | None = None,
) -> Iterator[Job]:
    """Run the block as the long part of command ``name`` (see the module docstring).

    ``bar`` makes the progress renderer (called only when a bar is shown);
    ``note`` says what was kept (text, or from the exception); ``hint`` replaces
    "run `archiver NAME` again to continue" ("" for none); ``report`` gives the
    ``--json`` object printed on stdout when interrupted with ``--json``;
    ``show_progress`` overrides the quiet/json/terminal rule.
    """
    shown = wants_progress(quiet=quiet, as_json=as_json) if show_progress is None else show_progress
    renderer = bar() if shown and bar is not None else None
    job = Job(show_progress=shown, progress=renderer.update if renderer is not None else None)
    restore = _swap_sigterm()
    try:
        if renderer is None:
            yield job
        else:
            with renderer:
                yield job
    except (KeyboardInterrupt, Interrupted) as exc:
        restore()  # a second SIGTERM while reporting ends the process at once
        if as_json and report is not None:
            data = report(exc)
            if data is not None:
                click.echo(json.dumps(data, ensure_ascii=False))
        kept = note(exc) if callable(note) else note
        hint = f"run `archiver {name}` again to continue" if hint is None else hint
        click.echo(interrupt_line(name, kept, hint), err=True)
        sys.exit(130)
    finally:
        restore()


def interrupt_line(name: str, note: str | None, hint: str) -> str:
    """``archiver: scan interrupted; kept 3 added files (run `archiver scan` again)`` (pure)."""
    return (
        f"archiver: {name} interrupted"
        + (f"; {note}" if note else "")
        + (f" ({hint})" if hint else "")
    )


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _swap_sigterm() -> Callable[[], None]:
    """SIGTERM -> KeyboardInterrupt until the returned function is called (once or
    more). Only the main thread can set handlers: elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _terminate)
    done = False

    def restore() -> None:
        nonlocal done
        if not done:
            done = True
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)

    return restore
