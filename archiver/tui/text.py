"""User data on screen: never markup, never raw control characters.

Tag values, paths, filter text and error messages reach titles, labels,
notifications and Rich tables through these helpers. Textual and Rich parse a
plain ``str`` as markup there (``[/]`` raises ``MarkupError``, ``[red]`` colours,
``[@click=…]`` binds an action); a :class:`~textual.content.Content` or
:class:`~rich.text.Text` is shown as it is. Notifications pass ``markup=False``.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from archiver.tui.format import sanitize


def plain(value: object) -> Content:
    """Literal content for a border title, a Label or a Static."""
    return Content(sanitize(value))


def text(value: object, style: str = "") -> Text:
    """A literal Rich ``Text`` (for table cells and renderables)."""
    return Text(sanitize(value), style=style)
