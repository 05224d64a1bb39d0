"""Every key the app answers to, described once: the help screen and the keys
table of docs/tui.md are drawn from this table (``python -m archiver.tui.keys``
prints the Markdown), and tests check it against the bindings actually declared
and against the docs."""

from __future__ import annotations

# (keys as shown, what they do, where)
KEYS: list[tuple[str, str, str]] = [
    ("↑ ↓  k j", "move the cursor", "lists"),
    ("PgUp PgDn  ctrl+b ctrl+f", "move a page", "lists"),
    ("ctrl+u ctrl+d", "move half a page", "lists"),
    ("Home End  g G", "first / last row", "lists"),
    ("Enter  l  →", "drill in (open a track's details)", "lists"),
    ("Backspace  h  ←", "go back one column", "browser"),
    ("Tab  shift+Tab", "next / previous column", "browser"),
    ("/", "filter the current view (query language, see docs/query.md)", "browser"),
    ("Esc", "clear the filter and return to the list; close a screen", "everywhere"),
    ("s  S", "sort the focused list: pick the column (the same one again reverses)", "lists"),
    ("a", "jump to All tracks", "browser"),
    ("r", "rescan the library roots (asks first; or pick a folder)", "browser, welcome"),
    (
        "e",
        "enrich the selected album (or everything in view) from MusicBrainz (asks first)",
        "browser",
    ),
    ("x", "export the current view to CSV", "browser"),
    ("c", "cancel the running scan or enrichment", "browser, welcome"),
    ("ctrl+r", "reload from the catalog", "browser"),
    ("i", "album covers on / off (off below 100 columns)", "browser, track details"),
    ("ctrl+t", "switch between dark and light themes", "everywhere"),
    (
        "ctrl+p",
        "command palette: every action by name (Sort by…, Export view…, Rescan…)",
        "everywhere",
    ),
    ("?", "help: every key (Esc closes it)", "everywhere"),
    (
        "q  ctrl+c",
        "quit (q asks first while a job runs; it stops, recorded as interrupted)",
        "everywhere",
    ),
]

# Binding keys each row above stands for (checked by tests/tui/test_keys.py).
BOUND: dict[str, set[str]] = {
    "↑ ↓  k j": {"up", "down", "k", "j"},
    "PgUp PgDn  ctrl+b ctrl+f": {"pageup", "pagedown", "ctrl+b", "ctrl+f"},
    "ctrl+u ctrl+d": {"ctrl+u", "ctrl+d"},
    "Home End  g G": {"home", "end", "g", "G"},
    "Enter  l  →": {"enter", "l", "right"},
    "Backspace  h  ←": {"backspace", "h", "left"},
    "Tab  shift+Tab": {"tab", "shift+tab"},
    "/": {"slash"},
    "Esc": {"escape"},
    "s  S": {"s", "S"},
    "a": {"a"},
    "r": {"r"},
    "e": {"e"},
    "x": {"x"},
    "c": {"c"},
    "ctrl+r": {"ctrl+r"},
    "i": {"i"},
    "ctrl+t": {"ctrl+t"},
    "ctrl+p": {"ctrl+p"},
    "?": {"question_mark"},
    "q  ctrl+c": {"q", "ctrl+c"},
}


def keys_markdown() -> str:
    """The keys table of docs/tui.md (pure)."""
    lines = ["| keys | what | where |", "|---|---|---|"]
    for keys, what, where in KEYS:
        shown = " ".join(f"`{k}`" for k in keys.split("  "))
        lines.append(f"| {shown} | {what} | {where} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(keys_markdown(), end="")
