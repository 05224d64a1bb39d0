"""What export, ls, stats, enrich and verify share about the query argument:
parsing it (a bad query is a UsageError: one line, exit 2), and quiet broken pipes."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from archiver.catalog.query import CompiledQuery, compile_query, join_query_args


def compile_args(words: Iterable[str]) -> tuple[str, CompiledQuery]:
    """QUERY words from the command line -> (query text, compiled query); raises
    QueryError (a UsageError) that the CLI prints as one line, exit 2."""
    text = join_query_args(words)
    return text, compile_query(text)


def quiet_broken_pipe() -> None:
    """The reader went away (``| head``): stop quietly, without a traceback or
    a second error when Python flushes stdout at exit. Exit 0: the output was
    wanted only up to there, which is not a failure (``set -o pipefail`` scripts)."""
    from archiver.commands._common import silence_stdout

    silence_stdout()
    sys.exit(0)
