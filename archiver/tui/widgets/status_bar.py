"""The one-line status bar: figures of the current view and of the catalog."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from archiver.catalog.browse import CatalogStatus, ViewStats
from archiver.tui import format as fmt


class StatusBar(Widget):
    """Tracks, albums, artists in view, duration and size; last scan, review count."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    stats: reactive[ViewStats | None] = reactive(None)
    catalog: reactive[CatalogStatus | None] = reactive(None)
    filter_text: reactive[str] = reactive("")

    def render(self) -> Text:
        left = Text()
        s = self.stats
        if s is None:
            left.append("…", style="dim")
        else:
            left.append(fmt.count(s.tracks, "track"), style="bold")
            left.append(f" · {fmt.count(s.albums, 'album')} · {fmt.count(s.artists, 'artist')}")
            left.append(f" · {fmt.long_duration(s.duration)} · {fmt.size(s.size)}")
        if self.filter_text:
            left.append("  /", style="bold")
            left.append(self.filter_text, style="italic")
        width = self.size.width
        for right in self._right_parts():
            gap = width - left.cell_len - right.cell_len
            if gap >= 2:
                return Text.assemble(left, " " * gap, right)
        # Narrow terminal: the view's figures matter most.
        left.truncate(max(0, width), overflow="ellipsis")
        return left

    def _right_parts(self) -> list[Text]:
        """The catalog side, longest first, so the bar can fall back to less."""
        c = self.catalog
        if c is None:
            return []
        if c.scan_running_since:
            when = Text(f"scan running since {fmt.timestamp(c.scan_running_since)}", style="bold")
        else:
            when = Text(f"last scan {fmt.timestamp(c.last_scan_at)}")
        review = Text(f"{c.needs_review:,} to review", style="bold") if c.needs_review else Text("")
        full = when.copy()
        if c.needs_review:
            full.append(" · ")
            full.append_text(review)
        return [full, when, review] if c.needs_review else [full]
