"""What every command shares, apart from the click group: the app context, the
shared options, the query command class, the pipe-aware console and the small
text formatters (``plural``, ``format_seconds``, ``timestamp``).

Commands import this module, never ``archiver.cli`` (the group and lazy loading)
nor ``archiver.tui``.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from archiver.config import Config


@dataclass
class AppContext:
    """What every command gets: the configuration and a way to open the catalog."""

    config: Config
    _opened: list[Any] = field(default_factory=list)

    @property
    def db_path(self) -> Path:
        return self.config.db_path

    def catalog(self, *, create: bool = True):  # -> archiver.catalog.Catalog
        """Open the catalog; a problem is a CatalogError, which the CLI prints as one
        line (exit 1)."""
        from archiver.catalog import open_catalog

        catalog = open_catalog(self.db_path, create=create)
        self._opened.append(catalog)
        return catalog

    def close(self) -> None:
        for catalog in self._opened:
            catalog.close()
        self._opened.clear()


pass_app = click.make_pass_decorator(AppContext)


# --- shared options -------------------------------------------------------------


def json_option(func: Callable) -> Callable:
    """``--json``: print one JSON object on stdout and nothing else."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the result as one JSON object."
    )(func)


def quiet_option(help: str = "No progress bar and no summary.") -> Callable:
    """``--quiet`` / ``-q`` for long commands; ``help`` says what is still printed."""
    return click.option("--quiet", "-q", is_flag=True, help=help)


def jobs_option(help: str) -> Callable:
    """``--jobs N`` / ``-j N`` (at least 1, default None: the library picks the CPU count)."""
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help=help)


def query_argument(func: Callable) -> Callable:
    """``[QUERY]...``: the shared query language, words joined with spaces.

    Use it with ``@click.command(cls=QueryCommand)`` so that ``-term`` negations
    are never taken for options."""
    return click.argument("query", nargs=-1)(func)


class QueryCommand(click.Command):
    """A command taking a QUERY: its words may start with ``-`` (``-format:mp3``,
    ``-rock``, ``-5``) and are never read as options, while the command's real
    options work before and after them (see :func:`split_query_args`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, split_query_args(args, option_arity(self, ctx)))


def option_arity(command: click.Command, ctx: click.Context) -> dict[str, tuple[int, bool]]:
    """Every option name of ``command`` -> (values it takes, whether it takes an int)."""
    names: dict[str, tuple[int, bool]] = {}
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option):
            continue
        takes = 0 if param.is_flag or param.count else max(param.nargs, 1)
        is_int = isinstance(param.type, click.types.IntParamType)
        for name in (*param.opts, *param.secondary_opts):
            names[name] = (takes, is_int)
    return names


def split_query_args(args: Sequence[str], options: Mapping[str, tuple[int, bool]]) -> list[str]:
    """Command-line words -> the options (with their values) first, then ``--`` and
    the query words, so that click's parser sees every query word as an argument (pure).

    - ``--name``, ``--name=value``: an option, known or not (an unknown one stays a
      usage error); a value-taking option takes the next word, whatever it is.
    - ``-x`` exactly a known short option: an option (``-o out.csv``, ``-q``); an
      int-valued one also with its digits attached (``-j4``).
    - any other word starting with ``-`` (``-format:mp3``, ``-rock``, ``-5``, ``-``,
      ``-"two words"``, ``-oasis`` even with ``-o`` an option): a query word.
    - ``--``: every word after it is a query word (``archiver verify -- -q``).
    """
    opts: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            words.extend(args[i:])
            break
        if arg.startswith("--"):
            name, has_value, _ = arg.partition("=")
            opts.append(arg)
            takes = options.get(name, (0, False))[0]
            if not has_value and takes:
                opts.extend(args[i : i + takes])
                i += takes
        elif len(arg) > 1 and arg.startswith("-") and arg in options:
            opts.append(arg)
            takes = options[arg][0]
            opts.extend(args[i : i + takes])
            i += takes
        elif len(arg) > 2 and arg[:2] in options and options[arg[:2]] == (1, True):
            if arg[2:].isdigit():
                opts.append(arg)
            else:
                words.append(arg)
        else:
            words.append(arg)
    return [*opts, "--", *words] if words else opts


# --- output ---------------------------------------------------------------------


def console(*, stderr: bool = False, **options: Any):  # -> rich.console.Console
    """A rich Console for command output. On a broken pipe (``| head``) rich's own
    Console exits 1 on its own; this one raises ``BrokenPipeError`` instead, which
    ends the command quietly with exit 0 (see ``archiver.cli.LazyGroup``)."""
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


def is_broken_pipe(exc: BaseException) -> bool:
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


# --- text -----------------------------------------------------------------------


def format_seconds(value: float) -> str:
    """ "0.04 s" for a tiny run (not "0.0 s"), "12.3 s" from 10 s on."""
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def plural(count: int, word: str, words: str | None = None) -> str:
    """ "1 file", "2 files", "0 files"; ``words`` for irregular plurals."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def timestamp(iso: str | None) -> str:
    """``2026-01-01 12:00 UTC`` from the catalog's ISO 8601 UTC text; "never" for none."""
    if not iso:
        return "never"
    return iso[:16].replace("T", " ") + " UTC"
