"""The browser: Miller columns (view → entries → rows → children) and the
"All tracks" view, with the `/` filter, status bar and job progress.

What each entry of the left column lists lives in ``archiver.tui.views`` (one
object per view); reading happens off the UI thread (``archiver.tui.loader``).
This screen keeps the layout, the focus, the keys and the filter; it delegates
the sort menu and list orders (``sorting``), what it read and may show again
(``browse_cache``), the questions before a job (``job_prompts``) and the catalog's
status and left-column counts (``catalog_status``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.events import DescendantFocus, Key
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label

from archiver.catalog import browse, orders
from archiver.catalog.browse import Entry, Scope, TrackRow
from archiver.integrity import browse as integrity_browse
from archiver.tui import format as fmt
from archiver.tui import sorting
from archiver.tui.browse_cache import BrowseCache, entries_key, read_entries
from archiver.tui.catalog_status import STATUS_EVERY, CatalogWatch, data_version
from archiver.tui.filtering import Filter, FilterError, compile_filter, error_text
from archiver.tui.loader import Loader
from archiver.tui.messages import CatalogChanged
from archiver.tui.preload import FIRST_SCOPE
from archiver.tui.screens.prompt import ChoiceScreen
from archiver.tui.sources import ListSource, TrackPages, file_ids, with_first_page
from archiver.tui.text import plain
from archiver.tui.views import VIEW_BY_KEY, VIEWS, Selection, Shown, View
from archiver.tui.views.base import ALBUM_COLUMNS, ENTRY_COLUMNS, TRACK_COLUMNS
from archiver.tui.widgets.cover import CoverPane
from archiver.tui.widgets.job_bar import JobBar
from archiver.tui.widgets.paged_table import PagedTable
from archiver.tui.widgets.status_bar import StatusBar

PREVIEW_DELAY = 0.06  # s: let the cursor settle before loading the next column
FILTER_DEBOUNCE = 0.15  # s: typing faster than this is coalesced
PREFETCH_DELAY = 0.3  # s after the first paint
WARM_HEAVY_TRACKS = 200_000  # see MainScreen._warm_heavy
INTEGRITY_DELAY_BIG = 2.5  # s after the first paint, on a catalog of BIG_CATALOG tracks or more
BIG_CATALOG = 20_000
STATS_DELAY = 0.2  # s: the status bar's figures wait for the view to load first
ORDERS_DELAY = 2.0  # s after All tracks' first order: the others are read and kept on disk
HINT_TIME = 4.0  # s a hint stays in the status bar
NARROW = 100  # columns: below, the left column is narrower and leaves All tracks alone

LEVELS = ("categories", "entries", "albums", "tracks")
# All tracks' ids with their first page of rows, read in one worker.
_ORDERED = with_first_page(orders.track_ids)
_NARROWED = with_first_page(browse.narrowed_ids)
ALL_TRACKS = next(v.key for v in VIEWS if v.all_tracks)


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_pane", "Next column", show=False, priority=True),
        Binding("shift+tab", "previous_pane", "Previous column", show=False, priority=True),
        Binding("h,left,backspace", "back", "Back", show=False),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "escape", "Clear filter", show=False),
        Binding("a", "all_tracks", "All tracks", show=False),
        Binding("s,S", "sort", "Sort"),
        Binding("r", "rescan", "Rescan"),
        Binding("e", "enrich", "Enrich"),
        Binding("x", "export", "Export"),
        Binding("ctrl+r", "reload", "Reload", show=False),
        Binding("i", "toggle_covers", "Covers", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.category = "albumartist"
        self.level = 1
        self._stats_level = 1
        self.filter = Filter()
        self.entry: Entry | None = None
        self.row: Any = None  # highlighted in the second column (album, duplicate group, …)
        self.all_order = sorting.AllTracksOrder()  # All tracks' sort key and direction
        self.loader = Loader(self)
        self.watch = CatalogWatch(self.loader)  # the status and the left column's counts
        self._pending: dict[str, Timer] = {}
        self._last_filter_key = 0.0
        self.cache = BrowseCache()  # entry lists and All tracks' orderings already read
        self.list_orders = sorting.ListOrders()  # the order picked with `s` for a list
        self._drill_when_loaded = False
        self._filter_at_open = Filter()  # the filter when `/` was last pressed
        self.loaded_once = False  # set when the first view has data (benchmarks, tests)
        self.view_updated_at = 0.0  # perf_counter() of the last new rows (benchmarks)
        self._painted = False  # the first frame is on the screen
        self._deferred: dict[str, tuple[float, Callable[[], None]]] = {}  # background, until then

    @property
    def view(self) -> View:
        return VIEW_BY_KEY[self.category]

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield PagedTable(id="categories", classes="pane")
            yield PagedTable(id="entries", classes="pane", empty_text="Loading…")
            yield PagedTable(id="albums", classes="pane")
            yield PagedTable(id="tracks", classes="pane")
            yield PagedTable(id="alltracks", classes="pane", empty_text="Loading…")
            yield CoverPane(id="cover")
        with Horizontal(id="filter-bar"):
            yield Label("/", id="filter-prompt")
            yield Input(
                placeholder="words or field:value, e.g. artist:beatles year:1965..1969", id="filter"
            )
        yield Label("", id="filter-error")
        yield JobBar(id="job-bar")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.cache.version = self._catalog_version()
        self.table("categories").border_title = "archiver"
        self._show_categories()
        self.table("categories").move_cursor(self._category_index(self.category))
        self.table("entries").focus()
        self._layout()
        self._take_preload()
        self._load_entries()
        self.call_after_refresh(self._first_painted)
        self.set_interval(STATUS_EVERY, self._load_catalog_status)

    def _take_preload(self) -> None:
        """The catalog's status and the first view's entries read while the app was
        imported (``preload``), if still true: the first frame shows them. Without
        them, the status is read in a worker now."""
        preload = getattr(self.app, "preload", None)
        status = preload.take_status() if preload is not None else None
        if status is not None:
            self.watch.status = status
            self._show_catalog_status(status)
        else:
            self._load_catalog_status()
        if preload is None or self.base_scope() != FIRST_SCOPE:
            return
        rows = preload.take_entries(self.app.reader)  # type: ignore[attr-defined]
        if rows is not None:
            self.cache.remember_entries(entries_key(self.view, self.base_scope()), rows)

    def on_unmount(self) -> None:
        self.loader.stop()

    def on_resize(self) -> None:
        # A narrow terminal gives the category column less room.
        self.table("categories").styles.width = 26 if self.size.width >= NARROW else 19
        self._layout()

    def table(self, name: str) -> PagedTable:
        return self.query_one(f"#{name}", PagedTable)

    def _category_index(self, key: str) -> int:
        return next(i for i, v in enumerate(VIEWS) if v.key == key)

    def depth(self) -> int:
        """The deepest column of the current view (1 = entries only)."""
        return self.view.depth

    def selection(self) -> Selection:
        """The state a view may read: never the screen itself."""
        f = self.filter
        scope = Scope(
            self.category, where=f.where, params=f.params, include_missing=f.include_missing
        )
        return Selection(
            scope=scope,
            filter_text=f.text,
            level=self.level,
            entry=self.entry,
            row=self.row,
            rows=getattr(self.table("albums").source, "items", ()),
            status=self.query_one(StatusBar).catalog,
        )

    def base_scope(self) -> Scope:
        return self.selection().scope

    def _layout(self) -> None:
        view = self.view
        panes = self.query_one("#panes")
        panes.set_class(view.all_tracks, "-all")
        panes.set_class(not view.all_tracks and view.depth >= 3 and self.level >= 2, "-deep")
        # Below NARROW columns All tracks gets the whole screen (h or Tab brings the left
        # column back).
        narrow = self.size.width < NARROW
        panes.set_class(view.all_tracks and narrow and self.level >= 1, "-collapse")
        self.table("entries").border_title = view.label
        # Titles hold tag values and the typed filter: literal content, never markup.
        entry = self.entry.label if self.entry else ""
        # Without an entry a title such as "Damaged: " would dangle: cut its tail.
        rows_title = view.rows_title(entry) if entry else view.rows_title("").rstrip(" ·:")
        self.table("albums").border_title = plain(rows_title)
        self.table("tracks").border_title = plain(view.children_title(self.row))
        all_title = "All tracks"
        if self.filter.text:
            all_title += f" · /{self.filter.text}"
        self.table("alltracks").border_title = plain(all_title)

    def focused_level(self) -> int:
        focused = self.focused
        if isinstance(focused, PagedTable) and focused.id in LEVELS:
            return LEVELS.index(focused.id)
        if isinstance(focused, PagedTable) and focused.id == "alltracks":
            return 1
        return self.level

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        widget = event.widget
        self._show_position()
        if isinstance(widget, PagedTable):
            level = 1 if widget.id == "alltracks" else LEVELS.index(widget.id or "entries")
            if level != self._stats_level:
                self._stats_level = level
                self._load_stats()
            self.level = level
            self._layout()

    def _focus_level(self, level: int) -> None:
        if self.view.all_tracks:
            name = "categories" if level <= 0 else "alltracks"
        else:
            name = LEVELS[max(0, min(level, self.depth()))]
        self.level = LEVELS.index(name) if name in LEVELS else 1
        self._layout()
        self.table(name).focus()

    def _show(self, name: str, shown: Shown) -> None:
        table = self.table(name)
        source, cursor = self._sorted(name, shown.source, shown.cursor)
        table.set_source(source, cursor=cursor, empty_text=shown.empty_text)
        table.border_subtitle = shown.subtitle

    # ------------------------------------------------------------ actions

    def on_key(self, event: Key) -> None:
        """A printable key nothing is bound to: say how to filter instead of doing
        nothing (people used to players that search as you type)."""
        char = event.character
        bar = self.query_one(StatusBar)
        if bar.hint:
            bar.hint = ""  # any key after a hint clears it
        if (
            char is None
            or not char.isprintable()
            or char.isspace()
            or isinstance(self.focused, Input)
            or event.key in self.active_bindings
        ):
            return
        self.hint(f"“{char}” does nothing here: press / to filter, ? for every key")

    def hint(self, text: str) -> None:
        """A one-line hint in the status bar, gone after HINT_TIME or the next hint."""
        bar = self.query_one(StatusBar)
        bar.hint = text
        self._later("hint", HINT_TIME, lambda: setattr(bar, "hint", ""))

    def action_next_pane(self) -> None:
        deepest = self.depth()
        level = self.focused_level()
        self._focus_level(0 if level >= deepest or isinstance(self.focused, Input) else level + 1)

    def action_previous_pane(self) -> None:
        deepest = self.depth()
        level = self.focused_level()
        self._focus_level(deepest if level <= 0 else level - 1)

    def action_back(self) -> None:
        self._focus_level(max(0, self.focused_level() - 1))

    def action_all_tracks(self) -> None:
        self.table("categories").move_cursor(self._category_index(ALL_TRACKS))
        if not self.view.all_tracks:
            self._set_category(ALL_TRACKS, delay=0)
        self._focus_level(1)

    def action_filter(self) -> None:
        """`/`: editing begins; while the text typed is invalid, the view shows the
        filter that was active now (none for a fresh filter), never a prefix of it."""
        self._filter_at_open = self.filter
        self.query_one("#filter-bar").add_class("-active")
        self.query_one("#filter", Input).focus()

    def action_escape(self) -> None:
        """Esc: leave and clear the filter; the list gets the focus (so `q` quits)."""
        if self.filter.text or self.query_one("#filter", Input).value:
            self.query_one("#filter", Input).value = ""
            self._apply_filter(Filter())
        self.query_one("#filter-bar").remove_class("-active")
        self.query_one("#filter-error", Label).update("")
        self.query_one("#filter-error", Label).remove_class("-shown")
        self._focus_level(self.level)

    def _sortable(self) -> PagedTable | None:
        """The list a sort applies to: the focused one (not the left column)."""
        focused = self.focused
        if isinstance(focused, PagedTable) and focused.id not in (None, "categories"):
            return focused
        return None

    def action_sort(self) -> None:
        """`s`/`S`: a menu of the focused list's columns; picking the column it is
        sorted by reverses it. The cursor goes to the first row."""
        table = self._sortable()
        if table is None:
            self.hint("Sorting applies to a list: move into one first (l or Enter).")
            return
        if table.id == "alltracks":
            menu = self.all_order.menu()

            def picked(index: int | None) -> None:
                if index is not None:
                    self.all_order.pick(menu.choices[index])
                    self._load_all_ids(keep=False)

        else:
            name = table.id or ""
            menu = self.list_orders.menu(self.category, name, table.source)

            def picked(index: int | None) -> None:
                if index is None:
                    return
                self.list_orders.pick(self.category, name, menu.choices[index])
                self._resort(table)

        self.app.push_screen(ChoiceScreen("Sort by", menu.titles, menu.current), picked)

    def action_sort_reverse(self) -> None:
        """Reverse the focused list's order (the palette's "Reverse sort")."""
        table = self._sortable()
        if table is None:
            self.hint("Sorting applies to a list: move into one first (l or Enter).")
            return
        if table.id == "alltracks":
            self.all_order.reverse()
            self._load_all_ids(keep=False)
            return
        self.list_orders.reverse(self.category, table.id or "")
        self._resort(table)

    def _resort(self, table: PagedTable) -> None:
        source, _ = self._sorted(table.id or "", table.source, 0)
        table.set_source(source, cursor=0)

    def _sorted(self, name: str, source: Any, cursor: int) -> tuple[Any, int]:
        """``source`` in the order picked for this list of this view (if any), and
        where the row at ``cursor`` went. Sets the table's header arrow."""
        spec = self.list_orders.get(self.category, name)
        table = self.table(name)
        if spec is None or not isinstance(source, ListSource):
            table.sort_key = None
        else:
            table.sort_key, table.sort_descending = f"#{spec[0]}", spec[1]
        return sorting.sort_source(source, spec, cursor)

    def go_to_view(self, key: str) -> None:
        """The palette's "Go to …": that view, its first column focused."""
        self.table("categories").move_cursor(self._category_index(key))
        if self.category != key:
            self._set_category(key, delay=0)
        self._focus_level(1)

    def action_review(self) -> None:
        """The palette's "Review": the Needs review view."""
        self.go_to_view("review")

    def action_analyze(self) -> None:
        from archiver.tui import job_prompts  # on the key: not at start

        job_prompts.ask_analyze(self)

    def action_verify(self) -> None:
        from archiver.tui import job_prompts  # on the key: not at start

        job_prompts.ask_verify(self)

    def action_reload(self) -> None:
        self.on_catalog_changed(CatalogChanged())

    def action_rescan(self) -> None:
        from archiver.tui import job_prompts  # on the key: not at start

        job_prompts.ask_rescan(self, self.query_one(StatusBar).catalog)

    def action_enrich(self) -> None:
        from archiver.tui import job_prompts  # on the key: not at start

        job_prompts.ask_enrich(self, self.view.enrich_target(self.selection()))

    def action_export(self) -> None:
        """`x`: the same tracks `e` would enrich (the selected album, the selected
        entry, or everything in view); in the preservation views, the files listed."""
        target = self.view.export_target(self.selection())
        shown = self.table("alltracks").source if self.view.all_tracks else None
        from archiver.tui import job_prompts  # on the key: not at start

        job_prompts.ask_export(self, self.loader, target, shown)

    # ------------------------------------------------------------ loading

    def _later(
        self, name: str, delay: float, callback: Callable[[], None], *, background: bool = False
    ) -> None:
        """``callback`` in ``delay`` s (replacing an earlier one of that name). Background
        work (figures, prefetches, counts) waits for the first frame: on a big catalog
        its queries would otherwise share the CPU with the first paint."""
        if background and not self._painted:
            self._deferred[name] = (delay, callback)
            return
        timer = self._pending.pop(name, None)
        if timer is not None:
            timer.stop()
        self._pending[name] = self.set_timer(delay, callback)

    def _first_painted(self) -> None:
        self._painted = True
        deferred, self._deferred = self._deferred, {}
        for name, (delay, callback) in deferred.items():
            self._later(name, delay, callback)

    def _load_catalog_status(self) -> None:
        db_path = self.app.db_path  # type: ignore[attr-defined]
        self.watch.load_status(db_path, self._show_catalog_status)

    def _show_catalog_status(self, status: browse.CatalogStatus) -> None:
        self.cache.forget_if_changed(self._catalog_version())
        self.query_one(StatusBar).catalog = status
        self._show_categories()
        if self.loaded_once and self.watch.counts_stale(self._catalog_version()):
            self._load_integrity_counts()

    def _catalog_version(self) -> int | None:
        return data_version(self.app.reader)  # type: ignore[attr-defined]

    def _load_integrity_counts(self) -> None:
        """Damaged, Duplicates and Incomplete albums counts (see CatalogWatch)."""
        self.watch.load_counts(self._catalog_version(), self._show_integrity_counts)

    def _show_integrity_counts(self, counts: integrity_browse.IntegrityCounts) -> None:
        self._show_categories()
        self._later("warm", PREFETCH_DELAY, self._warm_entries, background=True)

    def _show_categories(self) -> None:
        self.table("categories").set_source(self.watch.categories(), cursor=None)

    def _load_entries(self) -> None:
        view = self.view
        if view.all_tracks:
            self._load_all_ids(keep=True)
            return
        scope = self.base_scope()
        key = entries_key(view, scope)
        cached = self.cache.entries.get(key)
        if cached is not None:
            self.loader.drop("entries")  # an older load must not land after this
            self._show_entries(view, cached)
        else:

            def then(rows: list[Entry]) -> None:
                self.cache.remember_entries(key, rows)
                self._show_entries(view, rows)

            self.loader.load("entries", view.load_entries, (scope,), then)
        self._load_stats()

    def warmed(self) -> bool:
        """Every view's first column read ahead is in memory (benchmarks, tests)."""
        scope = self.base_scope()
        return not self.cache.missing_views(scope, self._warm_heavy())

    def _warm_heavy(self) -> bool:
        """Whether the heavy views (albums, duplicates, incomplete albums) are read ahead too:
        in catalogs up to WARM_HEAVY_TRACKS. Past that they are read when opened, so
        their seconds of Python neither slow the keys nor stay in memory unasked."""
        status = self.watch.status
        return status is not None and status.tracks <= WARM_HEAVY_TRACKS

    def _warm_entries(self) -> None:
        """Read every view's first column in the background (after the first paint and
        the left column's counts), so that moving in the left column never waits."""
        wanted = self.cache.missing_views(self.base_scope(), self._warm_heavy())
        if not wanted:
            return

        def keep(got: list[tuple[tuple, list[Entry]]]) -> None:
            for key, rows in got:
                self.cache.remember_entries(key, rows)

        self.loader.load("warm", read_entries, (wanted,), keep)

    def _show_entries(self, view: View, rows: list[Entry]) -> None:
        if view is not self.view:
            return
        table = self.table("entries")
        old = self.entry.key if self.entry else None
        index = next((i for i, e in enumerate(rows) if e.key == old), 0)
        sel = self.selection()
        no_match = sel.filter_text and view.filter_narrows
        empty = "Nothing matches the filter (Esc clears it)." if no_match else view.empty_text(sel)
        source, index = self._sorted(
            "entries", ListSource(view.entry_columns, rows, view.entry_cells), index
        )
        table.set_source(source, cursor=index, empty_text=empty)
        table.border_subtitle = view.entries_subtitle(rows)
        if view.rows_in_entry and rows and self.entry is not None and rows[index] == self.entry:
            # Same entry, fresh rows (after a reload): show them.
            self.entry = rows[index]
            self._load_albums()
        if not self.loaded_once:
            self._later("prefetch", PREFETCH_DELAY, self._prefetch_all_ids, background=True)
            # The preservation counts cost ~1 s of Python at 100,000 tracks: on a big
            # catalog they wait until the first keys after the first paint are served.
            status = self.query_one(StatusBar).catalog
            big = status is not None and status.tracks >= BIG_CATALOG
            delay = INTEGRITY_DELAY_BIG if big else PREFETCH_DELAY
            self._later("integrity", delay, self._load_integrity_counts, background=True)
        if not rows:
            self.entry = None
            self._show_rows(view, None, [])
        elif self._drill_when_loaded and table.has_focus:
            self._focus_level(2)
        self._drill_when_loaded = False
        self.loaded_once = True
        self.view_updated_at = time.perf_counter()
        if type(view).load_status is not View.load_status:
            self._load_stats()  # it describes its entries: now they are here

    def _load_albums(self) -> None:
        """The second column: the rows of the highlighted entry."""
        view, entry = self.view, self.entry
        if entry is None or view.depth < 2:
            return
        if view.rows_in_entry:
            self._show_rows(view, entry, view.rows_of(entry))  # no query
            return
        then = lambda rows: self._show_rows(view, entry, rows)  # noqa: E731
        self.loader.load("albums", view.load_rows, (self.base_scope(), entry), then)

    def _show_rows(self, view: View, entry: Entry | None, rows: list[Any]) -> None:
        if view is not self.view or entry != self.entry:
            return
        shown = view.show_rows(entry, rows, self.selection()) if entry else view.no_rows()
        self._show("albums", shown)
        if not rows:
            self.row = None
            self._show("tracks", view.no_children())
        self._layout()

    def _load_tracks(self) -> None:
        """The third column: the children of the highlighted row."""
        view, entry, row = self.view, self.entry, self.row
        if entry is None or row is None or view.depth < 3:
            return
        if view.children_in_row:
            self._show_children(view, entry, row, view.children_of(row))  # no query
            return
        then = lambda rows: self._show_children(view, entry, row, rows)  # noqa: E731
        self.loader.load("tracks", view.load_children, (self.base_scope(), entry, row), then)

    def _show_children(self, view: View, entry: Entry, row: Any, children: list[Any]) -> None:
        if view is not self.view or entry != self.entry or row != self.row:
            return
        table = self.table("tracks")
        old = table.current_key if table.row_count else None
        self._show("tracks", view.show_children(row, children, old))
        self._layout()

    def _load_all_ids(self, *, keep: bool) -> None:
        table = self.table("alltracks")
        old_id = table.current_key if keep and table.row_count else None
        key = self.all_order.ids_key(self.base_scope())
        self._load_stats()
        cached = self.cache.ids.get(key)
        if cached is not None:
            self.loader.drop("all")  # drop older loads
            self._show_all(cached, old_id)
            return
        scope = key[0]
        base = (scope.with_(where="", params=()), *key[1:])
        unfiltered = self.cache.ids.get(base)
        if unfiltered is not None and scope.where == browse.FREE_TEXT:  # words: narrow, no re-sort
            self.cache.ids.move_to_end(base)  # kept while the filter is typed
            args = (unfiltered, scope.where, scope.params)
            then = lambda got: self._show_all(got[0], old_id, key, got[1])  # noqa: E731
            self.loader.load("all", _NARROWED, args, then)
            return
        then = lambda got: self._show_all(got[0], old_id, key, got[1])  # noqa: E731
        self.loader.load("all", _ORDERED, (self.app.db_path, *key), then)  # type: ignore[attr-defined]

    def _prefetch_all_ids(self) -> None:
        """Read All tracks' ids in the background after the first paint, so
        that `a` shows 100,000 tracks at once; then keep its other orders."""
        key = self.all_order.ids_key(self.base_scope().with_(category="all"))
        if key not in self.cache.ids:

            def then(ids: Any) -> None:
                self.cache.remember_ids(key, ids)
                self._later("orders", ORDERS_DELAY, self._keep_orders, background=True)

            self.loader.load("prefetch", orders.track_ids, (self.app.db_path, *key), then)  # type: ignore[attr-defined]

    def _keep_orders(self) -> None:
        """Read and keep on disk every order of All tracks older than the catalog
        (``archiver.catalog.orders``), one after the other in a worker, so that a
        re-sort reads a file instead of sorting a million rows."""
        current = self.all_order.key
        sorts = [current] + [key for key in sorting.SORT_KEYS if key != current]
        self.loader.load("orders", orders.build, (self.app.db_path, sorts), lambda done: None)  # type: ignore[attr-defined]

    def _show_all(
        self, ids: Any, old_id: int | None, key: tuple | None = None, first: Any = None
    ) -> None:
        """All tracks shows ``ids``, the cursor on ``old_id`` if there; ``first``: the
        rows of the first page, read with the ids."""
        if key is not None:
            self.cache.remember_ids(key, ids)
        table = self.table("alltracks")
        cursor = 0
        if old_id is not None:
            try:
                cursor = ids.index(old_id)
            except ValueError:
                cursor = 0
        table.sort_key, table.sort_descending = self.all_order.key, self.all_order.descending
        pages = TrackPages(self.app.open_connection, ids)  # type: ignore[attr-defined]
        if first:
            pages.add_pages(first)
        table.set_source(pages, cursor=cursor, empty_text=self.view.empty_text(self.selection()))
        table.border_subtitle = fmt.count(len(ids), "track")
        self._layout()
        self.loaded_once = True
        self.view_updated_at = time.perf_counter()

    def _load_stats(self) -> None:
        view = self.view
        if type(view).load_status is not View.load_status:  # the view describes itself
            entries = list(getattr(self.table("entries").source, "items", ()))
            entry = self.entry
            self._later(
                "stats",
                STATS_DELAY,
                lambda: self.loader.load(
                    "stats", view.load_status, (entries, entry), self._show_view_status
                ),
                background=True,
            )
            return
        scope = view.stats_scope(self.selection())
        # After the view's own query: the figures may come a moment later.
        self._later(
            "stats",
            STATS_DELAY,
            lambda: self.loader.load("stats", browse.view_stats, (scope,), self._show_stats),
            background=True,
        )

    def _show_stats(self, stats: browse.ViewStats) -> None:
        bar = self.query_one(StatusBar)
        bar.view_text = ""
        bar.stats = stats

    def _show_view_status(self, text: str | None) -> None:
        self.query_one(StatusBar).view_text = text or ""

    # ------------------------------------------------------------ events

    @on(PagedTable.Highlighted)
    def _any_highlighted(self, event: PagedTable.Highlighted) -> None:
        if event.table is self.focused:
            self._show_position()

    def _show_position(self) -> None:
        """``12 of 98,957``: where the cursor of the focused list is."""
        table = self.focused
        position = ""
        if isinstance(table, PagedTable) and table.id != "categories" and table.row_count:
            position = f"{table.cursor + 1:,} of {table.row_count:,}"
        self.query_one(StatusBar).position = position

    @on(PagedTable.Highlighted, "#categories")
    def _category_highlighted(self, event: PagedTable.Highlighted) -> None:
        key = event.table.current_key
        if isinstance(key, View) and key.key != self.category:
            self._set_category(key.key)

    def _set_category(self, key: str, delay: float = PREVIEW_DELAY) -> None:
        self.category = key
        self.query_one(StatusBar).view_text = ""  # the last view's own figures
        self.entry = None
        self.row = None
        entries = self.table("entries")
        entries.set_source(ListSource(ENTRY_COLUMNS, [], lambda e: ()), empty_text="Loading…")
        entries.border_subtitle = ""
        self._show("albums", Shown(ListSource(ALBUM_COLUMNS, [], lambda a: ())))
        self._show("tracks", Shown(ListSource(TRACK_COLUMNS, [], lambda t: ())))
        self._layout()
        view = self.view
        cached = entries_key(view, self.base_scope()) in self.cache.entries
        if delay and not cached and not view.all_tracks:
            self._later("entries", delay, self._load_entries)
        else:
            timer = self._pending.pop("entries", None)
            if timer is not None:
                timer.stop()
            self._load_entries()

    @on(PagedTable.Highlighted, "#entries")
    def _entry_highlighted(self, event: PagedTable.Highlighted) -> None:
        key = event.table.current_key
        entry = key if isinstance(key, Entry) else None
        if entry != self.entry:
            self.entry = entry
            self.row = None
            self._layout()
            if type(self.view).load_status is not View.load_status:
                self._load_stats()
            if entry is not None and self.view.rows_in_entry:
                self._load_albums()  # the rows came with the entry: no query
            elif entry is not None:
                self._later("albums", PREVIEW_DELAY, self._load_albums)

    @on(PagedTable.Highlighted, "#albums")
    def _album_highlighted(self, event: PagedTable.Highlighted) -> None:
        view, row = self.view, event.table.current_key
        if not view.row_changed(self.row, row):
            return
        self.row = row
        self._layout()
        if row is not None and view.depth >= 3:
            if view.children_in_row:
                self._load_tracks()
            else:
                self._later("tracks", PREVIEW_DELAY, self._load_tracks)
        if view.narrows_stats and self.level >= 2:
            self._load_stats()

    @on(PagedTable.Selected, "#categories")
    def _category_selected(self, event: PagedTable.Selected) -> None:
        self._drill_when_loaded = False
        self._focus_level(1)

    @on(PagedTable.Selected, "#entries")
    def _entry_selected(self, event: PagedTable.Selected) -> None:
        if event.index < 0:
            self._drill_when_loaded = True  # Enter pressed while the entries load
            return
        self._focus_level(2)

    @on(PagedTable.Selected, "#albums")
    def _album_selected(self, event: PagedTable.Selected) -> None:
        if event.index < 0 or self.entry is None:
            return
        screen = self.view.open_row(self.entry, event.table.current_key)
        if screen is not None:
            self.app.push_screen(screen)
        else:
            self._focus_level(3)

    @on(PagedTable.Selected, "#tracks")
    @on(PagedTable.Selected, "#alltracks")
    def _track_selected(self, event: PagedTable.Selected) -> None:
        key = event.table.current_key
        if isinstance(key, TrackRow):
            file_id = key.id
        elif hasattr(key, "file_id"):  # a duplicate copy
            file_id = key.file_id
        else:
            file_id = key
        if file_id is not None:
            from archiver.tui.screens.detail import DetailScreen  # on Enter: not at start

            self.app.push_screen(DetailScreen(int(file_id), file_ids(event.table.source)))

    @on(PagedTable.Highlighted)
    def _cover_follows(self, event: PagedTable.Highlighted) -> None:
        """The cover pane shows the highlighted album (after the handlers above)."""
        self.query_one(CoverPane).follow(self)

    def action_toggle_covers(self) -> None:
        self.query_one(CoverPane).toggle()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        """Leading-edge debounce: the first key after a pause filters at once;
        keys typed faster than FILTER_DEBOUNCE are coalesced into one query."""
        now = time.monotonic()
        idle = now - self._last_filter_key > FILTER_DEBOUNCE
        self._last_filter_key = now
        value = event.value
        if idle and "filter" not in self._pending:
            self._compile_filter(value)
        else:
            self._later("filter", FILTER_DEBOUNCE, lambda: self._run_pending_filter(value))

    def _run_pending_filter(self, value: str) -> None:
        self._pending.pop("filter", None)
        self._compile_filter(value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        timer = self._pending.pop("filter", None)
        if timer is not None:
            timer.stop()
        if self._compile_filter(event.value):
            if not event.value.strip():
                self.query_one("#filter-bar").remove_class("-active")
            self._focus_level(self.level)

    def _compile_filter(self, text: str) -> bool:
        error = self.query_one("#filter-error", Label)
        try:
            new = compile_filter(text)
        except Exception as exc:  # FilterError, or a bug in someone else's parser
            position = exc.position if isinstance(exc, FilterError) else None
            message = str(exc) if isinstance(exc, FilterError) else f"bad query: {exc}"
            lines = error_text(text, position, message).split("\n")
            error.update(Content("\n".join(fmt.sanitize(line) for line in lines)))
            error.add_class("-shown")
            # Never the results of a prefix (`year:19` while `year:19x` is typed):
            # the filter of the moment `/` was pressed, until the text is valid again.
            if self.filter != self._filter_at_open:
                self._apply_filter(self._filter_at_open)
            return False
        error.update("")
        error.remove_class("-shown")
        if new != self.filter:
            self._apply_filter(new)
        return True

    def _apply_filter(self, new: Filter) -> None:
        self.filter = new
        self.query_one(StatusBar).filter_text = new.text
        self._layout()
        if not self.view.follows_filter:
            return  # whole-catalog views: the filter does not apply (see docs/tui.md)
        self._load_entries()
        if self.view.depth >= 2 and self.entry is not None:
            self._later("albums", PREVIEW_DELAY, self._load_albums)

    def on_catalog_changed(self, message: CatalogChanged) -> None:
        """Reload every column, keeping the selection where it still exists."""
        view = self.view
        self.cache.clear(self._catalog_version())
        self._later("orders", ORDERS_DELAY, self._keep_orders, background=True)
        self._load_catalog_status()
        self._load_integrity_counts()
        self._load_entries()
        if view.depth >= 2 and not view.rows_in_entry and self.entry is not None:
            self._load_albums()
            if self.row is not None:
                self._load_tracks()
