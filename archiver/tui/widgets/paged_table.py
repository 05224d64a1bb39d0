"""A Line-API table that draws only the rows on screen.

The built-in DataTable measures every cell on the event loop (over 10 s for
100,000 rows), so every list in the app is this widget instead: the virtual
height is the row count and ``render_line`` asks a :class:`RowSource` for the
visible rows. Sources either hold a bounded list in memory or page rows from
SQLite by id (see ``archiver.tui.sources``). A :class:`PagedSource` is never
read on the UI thread: ``render_line`` draws what its LRU of pages holds and a
placeholder for the rest, a worker reads the missing pages on screen (and
their neighbours), and the table redraws when they arrive. So a slow disk or
a busy catalog never delays a keystroke.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from archiver.tui.format import sanitize, shorten_path


@dataclass(frozen=True)
class Column:
    """``width`` > 0 is fixed; otherwise ``flex`` shares what is left."""

    title: str
    width: int = 0
    flex: int = 1
    min_width: int = 4
    align: str = "left"
    sort: str | None = None  # sort key understood by the source, if sortable
    hide_below: int = 0  # dropped when the table is narrower than this
    fit: bool = False  # as wide as its widest cell (counts: never cut)
    cut: str = "end"  # where a value too long is cut: "end", or "path" (in the middle)
    hide_same: bool = False  # hidden when every row has the same value (the artist of
    # one artist's albums): the width goes to what varies


class RowSource(Protocol):
    columns: list[Column]

    def __len__(self) -> int: ...

    def cells(self, index: int) -> tuple[str, ...] | None:
        """The row's cells; None while its page is being read (paged sources only)."""
        ...

    def key(self, index: int) -> Any: ...

    def dim(self, index: int) -> bool: ...


@runtime_checkable
class PagedSource(RowSource, Protocol):
    """A source whose rows are read a page at a time off the UI thread."""

    def missing_pages(self, start: int, stop: int) -> list[int]:
        """The pages of rows ``start`` to ``stop`` not in memory (UI thread, no I/O)."""
        ...

    def read_pages(self, numbers: list[int]) -> dict[int, list[Any]]:
        """Read these pages (a worker thread: the only place that does I/O)."""
        ...

    def add_pages(self, pages: dict[int, list[Any]]) -> None:
        """Keep pages read by ``read_pages`` (UI thread)."""
        ...


PLACEHOLDER = ("…",)  # a row whose page is on its way


class EmptySource:
    columns: list[Column] = []

    def __len__(self) -> int:
        return 0

    def cells(self, index: int) -> tuple[str, ...]:
        return ()

    def key(self, index: int) -> Any:
        return None

    def dim(self, index: int) -> bool:
        return False


def fit(text: str, width: int, align: str = "left", cut: str = "end") -> str:
    """Pad or cut ``text`` to exactly ``width`` cells, with … when cut (at the end,
    or in the middle of a path)."""
    if width <= 0:
        return ""
    # Never raw control characters on the terminal: a tag holding ESC [31m
    # would colour the row and move the layout (new lines and tabs read as spaces).
    text = sanitize(text.replace("\n", " ").replace("\t", " "))
    length = cell_len(text)
    if length > width and cut == "path" and length == len(text):
        text = shorten_path(text, width)  # one cell a character: cut by characters
        length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    pad = " " * (width - length)
    return pad + text if align == "right" else text + pad


def column_widths(columns: list[Column], total: int) -> list[int]:
    """Fixed columns first, flexible ones share the rest; one space between."""
    if not columns:
        return []
    available = total - (len(columns) - 1)
    fixed = sum(c.width for c in columns if c.width > 0)
    flex_cols = [c for c in columns if c.width <= 0]
    rest = max(0, available - fixed)
    weights = sum(c.flex for c in flex_cols) or 1
    widths: list[int] = []
    given = 0
    for c in columns:
        if c.width > 0:
            widths.append(c.width)
        else:
            w = max(c.min_width, rest * c.flex // weights)
            widths.append(w)
            given += w
    # Hand rounding leftovers to the last flexible column.
    if flex_cols and given < rest:
        last = max(i for i, c in enumerate(columns) if c.width <= 0)
        widths[last] += rest - given
    return widths


def wrap_hint(text: str, width: int) -> list[str]:
    """``text`` in lines of ``width``, a `command in backticks` kept on one line when
    it fits (pure)."""
    width = max(8, width)
    protected = re.sub(r"`[^`]*`", lambda m: m.group(0).replace(" ", "\u00a0"), text)
    lines = textwrap.wrap(protected, width, break_long_words=False)
    if any(len(line) > width for line in lines):  # a command wider than the column
        return textwrap.wrap(text, width, break_long_words=False)
    return [line.replace("\u00a0", " ") for line in lines]


FIT_ROWS = 50_000  # ``fit`` columns of longer (or paged) sources keep their own width


HIDDEN = 1 << 30  # a hide_below no table reaches


def fitted_columns(source: RowSource) -> list[Column]:
    """``source.columns`` with each ``fit`` column as wide as its title and widest cell,
    and each ``hide_same`` column hidden when all its cells are equal (in-memory
    sources; a paged one keeps its columns as declared)."""
    columns = source.columns
    fits = [i for i, c in enumerate(columns) if c.fit]
    sames = [i for i, c in enumerate(columns) if c.hide_same]
    if (
        not (fits or sames)
        or isinstance(source, PagedSource)
        or len(source) > FIT_ROWS
        or not len(source)
    ):
        return columns
    widths = {i: max(1, cell_len(columns[i].title)) for i in fits}
    first = source.cells(0) or ()
    same = {i for i in sames if i < len(first)}
    for row in range(len(source)):
        cells = source.cells(row) or ()
        for i in fits:
            if i < len(cells):
                widths[i] = max(widths[i], cell_len(str(cells[i])))
        if same:
            same = {i for i in same if i < len(cells) and cells[i] == first[i]}
    result = []
    for i, c in enumerate(columns):
        if i in widths:
            c = replace(c, width=widths[i])
        if i in same:
            c = replace(c, hide_below=HIDDEN)
        result.append(c)
    return result


class PagedTable(ScrollView, can_focus=True):
    """A keyboard-driven table over a :class:`RowSource`, header on line 0."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("ctrl+u", "half_page_up", "Half page up", show=False),
        Binding("ctrl+d", "half_page_down", "Half page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter,l,right", "select", "Open", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--cursor-blurred",
        "paged-table--dim",
        "paged-table--empty",
    }

    DEFAULT_CSS = """
    PagedTable {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    PagedTable > .paged-table--header { text-style: bold; color: $text-accent; }
    PagedTable > .paged-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    PagedTable > .paged-table--cursor-blurred { background: $block-cursor-blurred-background; }
    PagedTable > .paged-table--dim { color: $text-muted; }
    PagedTable > .paged-table--empty { color: $text-muted; text-style: italic; }
    """

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, table: PagedTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> PagedTable:
            return self.table

    class Selected(Message):
        """Enter (or l, right, a click on the cursor row) on a row."""

        def __init__(self, table: PagedTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(
        self,
        source: RowSource | None = None,
        *,
        empty_text: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source: RowSource = source or EmptySource()
        self.cursor = 0
        self.empty_text = empty_text
        self.sort_key: str | None = None
        self.sort_descending = False
        self._reading: RowSource | None = None  # the source a page worker reads for
        self._read_scheduled = False
        self._read_failed: RowSource | None = None  # not retried until the source changes
        self._fitted_for: RowSource | None = None
        self._fitted: list[Column] = []
        self._wrapped: tuple[tuple[str, int] | None, list[str]] = (None, [])

    # ------------------------------------------------------------ data

    def set_source(
        self, source: RowSource, *, cursor: int | None = 0, empty_text: str | None = None
    ) -> None:
        """Show ``source``; keep the cursor at ``cursor`` (clamped) or the old row index."""
        self.source = source
        if empty_text is not None:
            self.empty_text = empty_text
        target = self.cursor if cursor is None else cursor
        self.cursor = max(0, min(target, len(source) - 1))
        self.virtual_size = Size(self.scrollable_content_region.width or 1, len(source) + 1)
        self._scroll_cursor_into_view(center=cursor is not None and cursor > 0)
        self._read_pages()  # start reading now rather than after the frame
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor))

    @property
    def row_count(self) -> int:
        return len(self.source)

    @property
    def current_key(self) -> Any:
        return self.source.key(self.cursor) if len(self.source) else None

    # ------------------------------------------------------------ moving

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def move_cursor(self, index: int) -> None:
        count = len(self.source)
        if not count:
            return
        index = max(0, min(index, count - 1))
        if index == self.cursor:
            self._scroll_cursor_into_view()
            return
        self.cursor = index
        self._scroll_cursor_into_view()
        self._read_pages()
        self.refresh()
        self.post_message(self.Highlighted(self, index))

    def _scroll_cursor_into_view(self, center: bool = False) -> None:
        page = self._page
        top = round(self.scroll_y)
        if center:
            top = self.cursor - page // 2
        elif self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + page:
            top = self.cursor - page + 1
        top = max(0, min(top, max(0, len(self.source) + 1 - self.scrollable_content_region.height)))
        if top != round(self.scroll_y):
            self.scroll_to(y=top, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - self._page)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + self._page)

    def action_half_page_up(self) -> None:
        self.move_cursor(self.cursor - max(1, self._page // 2))

    def action_half_page_down(self) -> None:
        self.move_cursor(self.cursor + max(1, self._page // 2))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.source) - 1)

    def action_select(self) -> None:
        # Posted on an empty (still loading) table too, so the screen can
        # drill in as soon as the rows arrive instead of losing the key.
        self.post_message(self.Selected(self, self.cursor if len(self.source) else -1))

    def on_click(self, event: events.Click) -> None:
        row = event.y - 1 + round(self.scroll_y)
        if event.y >= 1 and 0 <= row < len(self.source):
            if row == self.cursor and event.chain >= 2:
                self.action_select()
            self.move_cursor(row)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width or 1, len(self.source) + 1)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        all_columns = self._columns()
        columns = [c for c in all_columns if width >= c.hide_below]
        widths = column_widths(columns, width)
        if y == 0:
            style = base + self.get_component_rich_style("paged-table--header")
            titles = []
            for col in all_columns:
                title = col.title
                if col.sort and col.sort == self.sort_key:
                    title += " ▼" if self.sort_descending else " ▲"
                titles.append(title)
            return self._strip(titles, all_columns, widths, width, style)
        index = y - 1 + round(self.scroll_y)
        count = len(self.source)
        if count == 0:
            # The empty text wraps: a hint keeps the command it tells you to run.
            lines = self._empty_lines(width)
            if 1 <= y <= len(lines):
                style = base + self.get_component_rich_style("paged-table--empty")
                return Strip([Segment(fit(lines[y - 1], width), style)], width)
            return Strip.blank(width, base)
        if index >= count:
            return Strip.blank(width, base)
        cells = self.source.cells(index)
        if cells is None:  # its page is on its way: never read on the UI thread
            cells = PLACEHOLDER
            self._want_pages()
        style = base
        if self.source.dim(index):
            style += self.get_component_rich_style("paged-table--dim")
        if index == self.cursor:
            name = "paged-table--cursor" if self.has_focus else "paged-table--cursor-blurred"
            style += self.get_component_rich_style(name)
        return self._strip(cells, all_columns, widths, width, style)

    def _columns(self) -> list[Column]:
        """The source's columns, ``fit`` ones as wide as their widest cell (once per source)."""
        source = self.source
        if self._fitted_for is not source:
            self._fitted_for = source
            self._fitted = fitted_columns(source)
        return self._fitted

    def _empty_lines(self, width: int) -> list[str]:
        if not self.empty_text:
            return []
        key = (self.empty_text, width)
        if self._wrapped[0] != key:
            self._wrapped = (key, [" " + line for line in wrap_hint(self.empty_text, width - 2)])
        return self._wrapped[1]

    def _strip(
        self, cells: Any, columns: list[Column], widths: list[int], width: int, style: Style
    ) -> Strip:
        shown = [
            (cell, col)
            for cell, col in zip(cells, columns, strict=False)
            if width >= col.hide_below
        ]
        parts = [
            fit(str(cell), w, col.align, col.cut)
            for (cell, col), w in zip(shown, widths, strict=False)
        ]
        text = " ".join(parts)
        return Strip([Segment(fit(text, width), style)], width)

    # ------------------------------------------------------------ pages

    def pages_pending(self) -> bool:
        """True while rows on screen still wait for their page (tests, benchmarks)."""
        source = self.source
        if not isinstance(source, PagedSource) or self._read_failed is source:
            return False
        top = round(self.scroll_y)
        return bool(source.missing_pages(top, top + self.scrollable_content_region.height))

    def _want_pages(self) -> None:
        """Called while drawing: read the missing pages once this frame is done."""
        if not self._read_scheduled:
            self._read_scheduled = True
            self.call_later(self._read_pages)

    def _read_pages(self) -> None:
        self._read_scheduled = False
        source = self.source
        if (
            not isinstance(source, PagedSource)
            or self._reading is source
            or self._read_failed is source
        ):
            return  # a worker reads for this source: it checks again when done
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_y)
        # The pages on screen first, then those a page up or down away.
        numbers = source.missing_pages(top, top + height)
        if not numbers:
            return
        around = source.missing_pages(max(0, top - height), top + 2 * height)
        numbers += [n for n in around if n not in numbers]
        self._reading = source
        app = self.app

        def work() -> None:
            try:
                pages = source.read_pages(numbers)
                error = None
            except Exception as exc:  # shown once; the rows keep their placeholder
                pages, error = {}, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            try:
                app.call_from_thread(self._pages_read, source, pages, error)
            except RuntimeError:  # the app is shutting down
                pass

        self.run_worker(work, thread=True, group="pages", exit_on_error=False)

    def _pages_read(
        self, source: PagedSource, pages: dict[int, list[Any]], error: str | None
    ) -> None:
        if self._reading is source:
            self._reading = None
        if source is not self.source:
            self._read_pages()  # the table shows another source now: its pages
            return
        if error is not None:
            self._read_failed = source
            self.notify(
                sanitize(f"Could not read the catalog: {error}"),
                severity="error",
                timeout=8,
                markup=False,
            )
            return
        source.add_pages(pages)
        self.refresh()
        self._read_pages()  # the user may have scrolled meanwhile
