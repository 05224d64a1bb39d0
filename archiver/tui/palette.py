"""The command palette (ctrl+p): every action, named with its plain verb so that
typing it finds it. One line of ``PALETTE`` per action; the views of the left
column add one "Go to …" each. Textual's own entries are left out except the
theme picker (screenshots, maximize and its keys panel are not ours)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen

# (title, help, where the action is: "app" or "main", action name)
PALETTE: list[tuple[str, str, str, str]] = [
    ("Filter…", "Filter the current view (query language: `/`)", "main", "filter"),
    ("Sort by…", "Sort the focused list by a column you pick (`s`)", "main", "sort"),
    ("Reverse sort", "Reverse the order of the focused list (`S`)", "main", "sort_reverse"),
    ("Export view…", "Export what is on screen to a CSV file (`x`)", "main", "export"),
    ("Rescan", "Rescan the library roots (`r`)", "main", "rescan"),
    ("Enrich", "Enrich from MusicBrainz what is selected (`e`)", "main", "enrich"),
    ("Verify", "Re-read every file and check it against its fingerprint", "main", "verify"),
    ("Analyze", "Decode the files to hear what they are (archiver analyze)", "main", "analyze"),
    ("Review", "The albums whose match needs a decision (Needs review)", "main", "review"),
    ("Cancel job", "Stop the running scan, enrichment or verify (`c`)", "app", "cancel_job"),
    ("Reload", "Read the catalog again (`ctrl+r`)", "main", "reload"),
    ("Keys", "Every key, and help (`?`)", "app", "help"),
    (
        "Toggle dark/light theme",
        "Switch between the dark and light themes (`ctrl+t`)",
        "app",
        "toggle_theme",
    ),
    ("Quit", "Quit archiver (`q`)", "app", "request_quit"),
]


def system_commands(app: Any, screen: Screen[Any]) -> Iterable[SystemCommand]:
    """The palette's entries for ``screen`` (browser actions only over the browser)."""
    from archiver.tui.screens.main import MainScreen
    from archiver.tui.views import VIEWS

    main = screen if isinstance(screen, MainScreen) else None
    for title, help_text, where, action in PALETTE:
        target = app if where == "app" else main
        if target is None:
            continue
        yield SystemCommand(title, help_text, _runner(target, action))
    if main is not None:
        for view in VIEWS:
            yield SystemCommand(
                f"Go to {view.label}",
                f"Show {view.label} (the left column)",
                _go_to(main, view.key),
                discover=False,
            )
    yield SystemCommand("Theme…", "Pick any theme", app.action_change_theme)


def _runner(target: Any, action: str) -> Any:
    def run() -> None:
        getattr(target, f"action_{action}")()

    return run


def _go_to(main: Any, key: str) -> Any:
    def run() -> None:
        main.go_to_view(key)

    return run
