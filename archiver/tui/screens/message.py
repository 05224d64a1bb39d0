"""A plain message (cannot open the catalog, a scan error's details)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from archiver.tui.format import sanitize
from archiver.tui.text import plain


class MessageScreen(ModalScreen[None]):
    """Esc or Enter closes it; when it is the only screen, q quits."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            # Line by line: the message's own lines stay, control characters do not.
            body = "\n".join(sanitize(line) for line in self.text.split("\n"))
            yield Static(plain_lines(body), classes="dialog-body")
            yield Label("Esc to close · q to quit", classes="dialog-hint")

    def action_close(self) -> None:
        if _only_screen(self):
            self.app.exit()
        else:
            self.dismiss(None)


def plain_lines(text: str) -> Content:
    """Already sanitised lines as literal content (new lines kept)."""
    return Content(text)


def _only_screen(message: MessageScreen) -> bool:
    """Nothing beneath the message but the app's blank default screen (the catalog
    could not be opened): closing it has nothing to return to, so it quits."""
    return all(s is message or type(s) is Screen for s in message.app.screen_stack)
