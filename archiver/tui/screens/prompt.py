"""Small modal questions: a line of text (file name, folder) or yes/no."""

from __future__ import annotations

import time
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList

from archiver.tui.text import plain


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line; Enter answers, Esc cancels (answers None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", *, placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.question), classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="answer")
            yield Label("Enter to confirm · Esc to cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no: y/Enter confirm, n/Esc cancel.

    A yes typed within ``ARM`` seconds of the question appearing is ignored: a word
    typed without `/` first ("rye", "everyone") opens the question with one letter
    and must not answer it with a later one."""

    ARM = 0.4  # s: faster than a person reads the question, slower than typing

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question
        self._shown_at = time.monotonic()

    def on_mount(self) -> None:
        self._shown_at = time.monotonic()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.question), classes="dialog-title")
            yield Label("y / Enter: yes · n / Esc: no", classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        if yes and time.monotonic() - self._shown_at < self.ARM:
            return  # typed along with the key that asked: not an answer
        self.dismiss(yes)


class ChoiceScreen(ModalScreen[int | None]):
    """Pick one of a few options (the sort menu): j/k or arrows, Enter picks,
    Esc cancels; answers the option's index."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    def __init__(self, question: str, options: list[str], current: int = 0) -> None:
        super().__init__()
        self.question = question
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog choice"):
            yield Label(plain(self.question), classes="dialog-title")
            yield OptionList(*(plain(o) for o in self.options), id="choices")
            yield Label("Enter to pick · Esc to cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = self.current
        choices.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_move(self, step: int) -> None:
        choices = self.query_one(OptionList)
        if step > 0:
            choices.action_cursor_down()
        else:
            choices.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
