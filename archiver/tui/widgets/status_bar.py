"""The one-line status bar: figures of the current view and of the catalog."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from archiver.catalog.browse import CatalogStatus, ViewStats
from archiver.catalog.verify_runs import VerifyRun
from archiver.tui import format as fmt


class StatusBar(Widget):
    """Tracks, albums, artists in view, duration and size; last scan, last verify,
    review count."""

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
            left.append(hidden_text(s))
            left.append(f" · {fmt.count(s.albums, 'album')} · {fmt.count(s.artists, 'artist')}")
            left.append(f" · {fmt.long_duration(s.duration)} · {fmt.size(s.size)}")
        if self.filter_text:
            left.append("  /", style="bold")
            left.append(fmt.sanitize(self.filter_text), style="italic")
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
        if c.scan_running:
            since = f" since {fmt.timestamp(c.scan_running_since)}" if c.scan_running_since else ""
            when = Text(f"scan running{since}", style="bold")
        else:
            when = Text(f"last scan {fmt.timestamp(c.last_scan_at)}")
        verified = Text(verify_text(c.last_verify)) if c.last_verify else None
        review = Text(f"{c.needs_review:,} to review", style="bold") if c.needs_review else None
        combos = [
            [when, verified, review],
            [when, review],
            [when, verified],
            [when],
            [review],
        ]
        parts = []
        for combo in combos:
            texts = [t for t in combo if t is not None]
            if texts:
                parts.append(Text(" · ").join(texts))
        return parts


def hidden_text(stats: ViewStats) -> str:
    """``, 5 missing hidden`` when the view leaves missing files out (``ls`` and
    ``export`` list them: the two counts then add up), else nothing."""
    return f", {stats.hidden_missing:,} missing hidden" if stats.hidden_missing else ""


def verify_text(run: VerifyRun) -> str:
    """``verified 2026-01-02 03:04 UTC``, or how the last verify run ended. A run
    still saying "running" may be one that was killed: called unfinished."""
    if run.status == "finished":
        return f"verified {fmt.timestamp(run.finished_at or run.started_at)}"
    word = "unfinished" if run.status == "running" else run.status
    return f"verify {word} {fmt.timestamp(run.started_at)}"
