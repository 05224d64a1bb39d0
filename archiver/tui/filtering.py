"""The `/` filter: the shared query language compiled into a browse scope.

The query language (``archiver.catalog.query``) belongs to the export helper;
this module only adapts its ``CompiledQuery`` to what ``browse.Scope`` takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class FilterError(Exception):
    """A filter the query language rejected; ``str()`` is one line."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Filter:
    text: str = ""
    where: str = ""
    params: tuple[Any, ...] = ()
    include_missing: bool = False  # the query speaks about missing files itself


_MISSING_FIELD = re.compile(r"(^|[\s(])-?missing:", re.IGNORECASE)


def compile_filter(text: str) -> Filter:
    """Compile ``text``; raises :class:`FilterError` with the parser's message."""
    text = text.strip()
    if not text:
        return Filter()
    from archiver.catalog.query import QueryError, compile_query

    try:
        compiled = compile_query(text)
    except QueryError as exc:
        raise FilterError(str(exc), getattr(exc, "position", None)) from exc
    return Filter(
        text,
        compiled.where or "",
        tuple(compiled.params),
        bool(_MISSING_FIELD.search(text)),
    )


def error_text(text: str, position: int | None, message: str) -> str:
    """The error under the filter input: a caret under the bad part (the input
    starts in the same column), then the parser's sentence (pure)."""
    lead = len(text) - len(text.lstrip())  # the parser saw the text stripped
    if position is None or not 0 <= lead + position <= len(text):
        return message
    return " " * (lead + position) + "^\n" + message
