"""The progress event of every hashing run (``scan --checksum`` and ``verify``), so one
renderer (a bar in bytes, the CLI's or the TUI's) serves both."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HashProgress:
    """Sent after each file: ``done`` of ``total`` files, bytes likewise; ``status`` is
    how the file fared (checksum: ok / missing / unreadable; verify: its verdict)."""

    done: int
    total: int
    bytes_done: int
    bytes_total: int
    path: bytes
    status: str
