"""Progress renderers the CLI commands share (``scan --checksum`` and ``verify`` show
the same bar), so no command imports another."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archiver.integrity.progress import HashProgress


class HashProgressBar:
    """A rich progress bar on stderr, in bytes (hashing speed is what matters)."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task(label, total=None)
        self.files = 0

    def __enter__(self) -> HashProgressBar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def update(self, event: HashProgress) -> None:
        self.progress.update(
            self.task,
            total=event.bytes_total or None,
            completed=event.bytes_done,
            description=f"{event.done}/{event.total} files",
        )
