"""Shown instead of an empty grid: how to get music into the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from archiver.catalog.browse import CatalogStatus
from archiver.tui.format import sanitize
from archiver.tui.widgets.job_bar import JobBar


class WelcomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "scan", "Scan a folder")]

    def __init__(
        self, db_path: Path, *, missing: bool, status: CatalogStatus | None = None
    ) -> None:
        super().__init__()
        self.db_path = db_path
        self.missing = missing
        self.status = status

    def compose(self) -> ComposeResult:
        if self.missing:
            intro = (
                f"There is no catalog at\n  {sanitize(self.db_path)}\n\n"
                "Nothing has been created. To make one, scan your music:"
            )
        else:
            intro = (
                f"The catalog at\n  {sanitize(self.db_path)}\nholds no tracks yet. Scan your music:"
            )
            if self.status and self.status.roots:
                intro += (
                    "\n\n(Its library roots: "
                    + ", ".join(sanitize(r) for r in self.status.roots)
                    + ")"
                )
        roots = self.status.roots if self.status and self.status.roots else []
        how = "press [b]r[/b] and type a folder: it is scanned here, in the background"
        if roots:
            how += "\n    (the first library root is filled in: Enter scans it)"
        text = (
            "[b]Welcome to archiver[/b]\n\n"
            f"{_escape(intro)}\n\n"
            f"  • {how}\n"
            "  • or quit and run  [b]archiver scan ~/Music[/b]\n\n"
            "Your files are only ever read, never changed.\n\n"
            "[dim]? help · q quit[/dim]"
        )
        with Center():
            with Vertical(id="welcome"):
                yield Static(text, id="welcome-text")
        yield JobBar(id="job-bar")
        yield Footer()

    def action_scan(self) -> None:
        from archiver.tui.screens.prompt import PromptScreen

        if self.app.job_kind:  # type: ignore[attr-defined]
            self.notify("A scan is already running (c cancels it).", severity="warning")
            return
        # The catalog holds no tracks, so rescanning its roots as they are would
        # find nothing new: always ask, suggesting the first root.
        first = self.status.roots[0] if self.status and self.status.roots else ""

        def chosen(path: str | None) -> None:
            if path:
                self.app.start_scan([path])  # type: ignore[attr-defined]

        self.app.push_screen(
            PromptScreen("Scan which folder?", first, placeholder="/path/to/music"), chosen
        )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
