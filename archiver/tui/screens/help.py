"""`?`: every key the app answers to (from ``archiver.tui.keys``)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from archiver.tui.keys import KEYS


def help_table() -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("Keys", style="bold", no_wrap=True)
    table.add_column("Does")
    table.add_column("Where", style="dim", no_wrap=True)
    for keys, what, where in KEYS:
        table.add_row(keys, what, where)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "close", "Close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Label("Help: every key", classes="dialog-title")
            yield Static(help_table())
            yield Label(
                "Filter examples: beatles · artist:beatles year:1965..1969 · format:flac missing:no "
                "· status:ambiguous",
                classes="dialog-hint",
            )
            yield Label("Esc closes this help · q quits", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)
