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
    hint: reactive[str] = reactive("")  # a one-line hint, shown instead of the figures
    position: reactive[str] = reactive("")  # "12 of 98,957": the focused list's cursor
    view_text: reactive[str] = reactive("")  # a view's own figures, instead of the tracks'

    def render(self) -> Text:
        if self.hint:
            text = Text(fmt.sanitize(self.hint), style="bold")
            text.truncate(max(0, self.size.width), overflow="ellipsis")
            return text
        lefts = [self._left(compact=False), self._left(compact=True)]
        width = self.size.width
        # The catalog side in its longest form that fits, beside the view's figures
        # (their length and size give way first).
        for right in self._right_parts():
            for left in lefts:
                gap = width - left.cell_len - right.cell_len
                if gap >= 2:
                    return Text.assemble(left, " " * gap, right)
        # Narrow terminal: the view's figures matter most.
        left = lefts[0]
        left.truncate(max(0, width), overflow="ellipsis")
        return left

    def _left(self, *, compact: bool) -> Text:
        """Where the cursor is, then the view's figures (``compact``: without the
        length and size), then the filter."""
        left = Text()
        if self.position:
            left.append(self.position, style="bold")
            left.append(" · ")
        s = self.stats
        if self.view_text:
            left.append(fmt.sanitize(self.view_text))
        elif s is None:
            left.append("…", style="dim")
        else:
            left.append(fmt.count(s.tracks, "track"), style="bold")
            left.append(hidden_text(s))
            left.append(f" · {fmt.count(s.albums, 'album')} · {fmt.count(s.artists, 'artist')}")
            if not compact:
                left.append(f" · {fmt.long_duration(s.duration)} · {fmt.size(s.size)}")
        if self.filter_text:
            left.append("  /", style="bold")
            left.append(fmt.sanitize(self.filter_text), style="italic")
        return left

    def _right_parts(self) -> list[Text]:
        """The catalog side, longest first, so the bar can fall back to less."""
        c = self.catalog
        if c is None:
            return []
        if c.scan_running:
            since = f" since {fmt.timestamp(c.scan_running_since)}" if c.scan_running_since else ""
            when = Text(f"scan running{since}", style="bold")
            short_when = Text("scan running", style="bold")
        else:
            when = Text(f"last scan {fmt.timestamp(c.last_scan_at)}")
            short_when = Text(f"scanned {_day(c.last_scan_at)}")
        verified = short_verified = None
        if c.last_verify:
            verified = Text(verify_text(c.last_verify))
            short_verified = Text(verify_text(c.last_verify, short=True))
        review = Text(f"{c.needs_review:,} to review", style="bold") if c.needs_review else None
        # Longest first; a combination naming a part that is absent is skipped.
        combos = [
            [when, verified, review],
            [when, review],
            [when, verified],
            [when],
            [short_when, short_verified, review],  # dates only, before dropping a part
            [short_when, review],
            [short_when, short_verified],
            [review],
            [short_when],
        ]
        parts = []
        for combo in combos:
            if any(t is None for t in combo):
                continue
            parts.append(Text(" · ").join(combo))
        return parts


def hidden_text(stats: ViewStats) -> str:
    """``, 5 missing hidden`` when the view leaves missing files out (``ls`` and
    ``export`` list them: the two counts then add up), else nothing."""
    return f", {stats.hidden_missing:,} missing hidden" if stats.hidden_missing else ""


def verify_text(run: VerifyRun, *, short: bool = False) -> str:
    """``verified 2026-01-02 03:04 UTC`` (``short``: the day only), or how the last
    verify run ended. A run still saying "running" may be one that was killed:
    called unfinished."""
    when = _day if short else fmt.timestamp
    if run.status == "finished":
        return f"verified {when(run.finished_at or run.started_at)}"
    word = "unfinished" if run.status == "running" else run.status
    return f"verify {word} {when(run.started_at)}"


def _day(iso: str | None) -> str:
    """``2026-01-02`` from the catalog's ISO 8601 text (``never`` when absent)."""
    return iso[:10] if iso else "never"
