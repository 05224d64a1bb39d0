"""The ``archiver`` command line: one click group, commands loaded lazily.

Each command lives in ``archiver/commands/<name>.py`` so that ``archiver
--help`` stays fast and every command is a small module of its own; what the
commands share is in ``archiver/commands/_common.py`` (they never import this
module). Here, in one place, an :class:`archiver.errors.ArchiverError` from any
command becomes one line ``Error: ...`` and its exit status (1 failure, 2
usage, 130 interrupted); a traceback shows only with ``ARCHIVER_DEBUG`` set.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from archiver import __version__
from archiver.commands._common import (  # AppContext and pass_app: re-exported
    AppContext,
    is_broken_pipe,
    pass_app,
    silence_stdout,
)
from archiver.commands._job import interrupt_line
from archiver.config import load_config
from archiver.errors import ArchiverError

__all__ = ["COMMANDS", "AppContext", "cli", "main", "pass_app"]

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
    "review": "archiver.commands.review:review",
    "match": "archiver.commands.match:match",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use.

    An :class:`ArchiverError` from a command is printed as one line with its exit
    status. A reader that goes away (``archiver verify | head``) ends the command
    quietly with exit 0, before click would turn the broken pipe into exit 1.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArchiverError as exc:  # the one place a user-facing error is printed
            error = click.ClickException(str(exc) or type(exc).__name__)
            error.exit_code = exc.exit_code
            raise error from exc
        except KeyboardInterrupt:
            # Ctrl-C where no long_job handles it (starting up, between phases, printing
            # the summary): one line and 130, never click's bare "Aborted!" and exit 1.
            name = ctx.invoked_subcommand or "archiver"
            click.echo(
                interrupt_line(name, None, f"run `archiver {name}` again to finish"), err=True
            )
            sys.exit(130)
        except OSError as exc:
            if not is_broken_pipe(exc):
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; no traceback for interrupts, broken pipes or surprises."""
    try:
        cli.main(args=argv, prog_name="archiver", standalone_mode=True)
    except BrokenPipeError as exc:  # the reader went away outside a command (--help | head)
        if not is_broken_pipe(exc):
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
