"""Progress of the running scan or enrichment (hidden when idle)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from archiver.tui.messages import JobProgress
from archiver.tui.text import plain


class JobBar(Horizontal):
    DEFAULT_CSS = """
    JobBar { height: 1; display: none; background: $boost; padding: 0 1; }
    JobBar.-running { display: block; }
    JobBar #job-text { width: 1fr; }
    JobBar ProgressBar { width: auto; }
    JobBar #job-hint { width: auto; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Label("", id="job-text")
        yield ProgressBar(total=None, show_eta=False, id="job-progress")
        yield Label("  c cancels", id="job-hint")

    def show_progress(self, message: JobProgress) -> None:
        self.add_class("-running")
        self.query_one("#job-text", Label).update(plain(message.text))  # album names: literal
        bar = self.query_one(ProgressBar)
        bar.update(total=message.total, progress=message.done if message.total else 0)

    def hide(self) -> None:
        self.remove_class("-running")
