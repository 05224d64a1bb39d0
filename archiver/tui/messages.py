"""Messages the app's background jobs post to the UI (typed, in one place)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class JobProgress(Message):
    """A long job moved on: ``done`` of ``total`` (``total`` None when unknown)."""

    kind: str
    done: int
    total: int | None
    text: str


@dataclass
class JobFinished(Message):
    """A long job ended; ``error`` is a one-line reason when it failed."""

    kind: str
    summary: str
    error: str | None = None
    cancelled: bool = False


@dataclass
class CatalogChanged(Message):
    """The catalog was written by one of our jobs: reload what is shown."""
