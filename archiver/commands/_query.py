"""What export, ls and stats share on the command line: parsing the query
argument into one-line usage errors (exit 2), and quiet broken pipes."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click

from archiver.catalog.query import CompiledQuery, QueryError, compile_query, join_query_args


class QueryUsageError(click.ClickException):
    """A usage error shown as one line (``Error: ...``), exit status 2.

    click's own UsageError adds a usage line and a hint; a bad query should
    read as one line that points at the bad part.
    """

    exit_code = 2


def compile_args(words: Iterable[str]) -> tuple[str, CompiledQuery]:
    """QUERY words from the command line -> (query text, compiled query)."""
    text = join_query_args(words)
    try:
        return text, compile_query(text)
    except QueryError as exc:
        raise QueryUsageError(str(exc)) from exc


def quiet_broken_pipe() -> None:
    """The reader went away (``| head``): stop quietly, without a traceback or
    a second error when Python flushes stdout at exit. Exit 0: the output was
    wanted only up to there, which is not a failure (``set -o pipefail`` scripts)."""
    from archiver.cli import silence_stdout

    silence_stdout()
    sys.exit(0)
