"""The ``archiver`` command line: one click group, commands loaded lazily.

Each command lives in ``archiver/commands/<name>.py`` so that ``archiver
--help`` stays fast and every command is a small module of its own. The CLI
turns catalog errors into one-line messages (exit 1) and never shows a
traceback unless ``ARCHIVER_DEBUG`` is set.
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from archiver import __version__
from archiver.config import Config, load_config

COMMANDS: dict[str, str] = {
    "scan": "archiver.commands.scan:scan",
    "enrich": "archiver.commands.enrich:enrich",
    "export": "archiver.commands.export:export",
    "ls": "archiver.commands.ls:ls",
    "stats": "archiver.commands.stats:stats",
    "verify": "archiver.commands.verify:verify",
    "analyze": "archiver.commands.analyze:analyze",
    "duplicates": "archiver.commands.duplicates:duplicates",
    "missing": "archiver.commands.missing:missing",
    "tui": "archiver.commands.tui:tui",
}


@dataclass
class AppContext:
    """What every command gets: the configuration and a way to open the catalog."""

    config: Config
    _opened: list[Any] = field(default_factory=list)

    @property
    def db_path(self) -> Path:
        return self.config.db_path

    def catalog(self, *, create: bool = True):  # -> archiver.catalog.Catalog
        """Open the catalog, turning problems into a one-line click error (exit 1)."""
        from archiver.catalog import CatalogError, open_catalog

        try:
            catalog = open_catalog(self.db_path, create=create)
        except CatalogError as exc:
            raise click.ClickException(str(exc)) from exc
        self._opened.append(catalog)
        return catalog

    def close(self) -> None:
        for catalog in self._opened:
            catalog.close()
        self._opened.clear()


pass_app = click.make_pass_decorator(AppContext)


class LazyGroup(click.Group):
    """A group whose commands are imported on first use.

    A reader that goes away (``archiver verify | head``) ends the command quietly
    with exit 0, before click would turn the broken pipe into exit 1.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if not _is_broken_pipe(exc):
                raise
            silence_stdout()
            sys.exit(0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module_name, attr = COMMANDS[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="archiver")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="ARCHIVER_DB",
    help="Catalog file (default: $XDG_DATA_HOME/archiver/library.db). Env: ARCHIVER_DB.",
)
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None) -> None:
    """A personal music library archiver.

    Scan your music into one SQLite catalog (files are only ever read),
    enrich it from MusicBrainz, browse it in a terminal UI, export it.
    With no command on a terminal, opens the browser (`archiver tui`).

    \b
    Example:
      archiver scan ~/Music
      archiver export --output library.csv
      archiver
    """
    app = AppContext(load_config(db_path))
    ctx.obj = app
    ctx.call_on_close(app.close)
    if ctx.invoked_subcommand is None:
        if sys.stdout.isatty() and sys.stdin.isatty():
            ctx.invoke(cli.get_command(ctx, "tui"))
        else:
            click.echo(ctx.get_help())


def json_option(func: Callable) -> Callable:
    """``--json``: print one JSON object on stdout and nothing else."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the result as one JSON object."
    )(func)


def query_argument(func: Callable) -> Callable:
    """``[QUERY]...``: the shared query language, words joined with spaces."""
    return click.argument("query", nargs=-1)(func)


def console(*, stderr: bool = False, **options: Any):  # -> rich.console.Console
    """A rich Console for command output. On a broken pipe (``| head``) rich's own
    Console exits 1 on its own; this one raises ``BrokenPipeError`` instead, which
    ends the command quietly with exit 0 (see :class:`LazyGroup`)."""
    global _PipeConsole
    if _PipeConsole is None:
        from rich.console import Console

        class PipeConsole(Console):
            def on_broken_pipe(self) -> None:
                self.quiet = True
                raise BrokenPipeError(errno.EPIPE, "the reader went away")

        _PipeConsole = PipeConsole
    return _PipeConsole(stderr=stderr, **options)


_PipeConsole: Any = None


def format_seconds(value: float) -> str:
    """ "0.04 s" for a tiny run (not "0.0 s"), "12.3 s" from 10 s on."""
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def plural(count: int, word: str, words: str | None = None) -> str:
    """ "1 file", "2 files", "0 files"; ``words`` for irregular plurals."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _is_broken_pipe(exc: BaseException) -> bool:
    """EPIPE from writing to stdout (not, say, from a socket to MusicBrainz)."""
    if not (isinstance(exc, BrokenPipeError) or getattr(exc, "errno", None) == errno.EPIPE):
        return False
    try:  # a pipe whose reader is gone polls as an error on its write end
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return True  # no poll() here (or no stdout descriptor): trust the error


def silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit cannot fail again
    (no "Exception ignored ... BrokenPipeError" on stderr)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; no traceback for interrupts, broken pipes or surprises."""
    try:
        cli.main(args=argv, prog_name="archiver", standalone_mode=True)
    except BrokenPipeError as exc:  # the reader went away outside a command (--help | head)
        if not _is_broken_pipe(exc):
            _internal_error(exc)
        silence_stdout()
        sys.exit(0)
    except KeyboardInterrupt:
        click.echo("archiver: interrupted", err=True)
        sys.exit(130)
    except sqlite3.Error as exc:  # a catalog problem no command translated itself
        from archiver.catalog.db import _translate

        db_path = load_config(_db_from_argv(argv)).db_path
        click.echo(f"Error: {_translate(db_path, exc)}", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug: one line, traceback on request
        _internal_error(exc)


def _internal_error(exc: Exception) -> None:
    """A bug: one line and exit 1, the traceback only with ARCHIVER_DEBUG set."""
    if os.environ.get("ARCHIVER_DEBUG"):
        raise exc
    click.echo(
        f"archiver: internal error: {type(exc).__name__}: {exc} (set ARCHIVER_DEBUG=1 for details)",
        err=True,
    )
    sys.exit(1)


def _db_from_argv(argv: list[str] | None) -> str | None:
    """The ``--db`` value of this invocation, for error messages raised outside click."""
    args = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(args):
        if arg == "--db" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--db="):
            return arg[5:]
    return None
