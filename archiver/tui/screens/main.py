"""The browser: Miller columns (view → entries → rows → children) and the
"All tracks" view, with the `/` filter, status bar and job progress.

What each entry of the left column lists lives in ``archiver.tui.views`` (one
object per view); reading happens off the UI thread (``archiver.tui.loader``).
This screen keeps the layout, the focus, the keys and the filter.
"""

from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import DescendantFocus
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label

from archiver.catalog import browse
from archiver.catalog.browse import Entry, Scope, TrackRow
from archiver.integrity import browse as integrity_browse
from archiver.tui import format as fmt
from archiver.tui.export import export_in_background
from archiver.tui.filtering import Filter, FilterError, compile_filter
from archiver.tui.loader import Loader
from archiver.tui.messages import CatalogChanged
from archiver.tui.scanlock import scan_lock_held
from archiver.tui.screens.detail import DetailScreen
from archiver.tui.screens.prompt import ConfirmScreen, PromptScreen
from archiver.tui.sources import SORT_KEYS, ListSource, TrackPages
from archiver.tui.text import plain
from archiver.tui.views import VIEW_BY_KEY, VIEWS, Selection, Shown, View
from archiver.tui.views.base import ALBUM_COLUMNS, ENTRY_COLUMNS, TRACK_COLUMNS
from archiver.tui.widgets.job_bar import JobBar
from archiver.tui.widgets.paged_table import Column, PagedTable
from archiver.tui.widgets.status_bar import StatusBar

PREVIEW_DELAY = 0.06  # s: let the cursor settle before loading the next column
FILTER_DEBOUNCE = 0.15  # s: typing faster than this is coalesced
PREFETCH_DELAY = 0.3  # s after the first paint
INTEGRITY_DELAY_BIG = 2.5  # s after the first paint, on a catalog of BIG_CATALOG tracks or more
BIG_CATALOG = 20_000
IDS_KEPT = 4  # orderings of All tracks kept in memory (0.8 MB each at 100k tracks)
STATS_DELAY = 0.2  # s: the status bar's figures wait for the view to load first

CATEGORY_COLUMNS = [Column("Browse by", flex=1), Column("", width=5, align="right", hide_below=20)]
LEVELS = ("categories", "entries", "albums", "tracks")
ALL_TRACKS = next(v.key for v in VIEWS if v.all_tracks)


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_pane", "Next column", show=False, priority=True),
        Binding("shift+tab", "previous_pane", "Previous column", show=False, priority=True),
        Binding("h,left,backspace", "back", "Back", show=False),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "escape", "Clear filter", show=False),
        Binding("a", "all_tracks", "All tracks", show=False),
        Binding("s", "sort", "Sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
        Binding("r", "rescan", "Rescan"),
        Binding("e", "enrich", "Enrich"),
        Binding("x", "export", "Export"),
        Binding("ctrl+r", "reload", "Reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.category = "albumartist"
        self.level = 1
        self._stats_level = 1
        self.filter = Filter()
        self.entry: Entry | None = None
        self.row: Any = None  # highlighted in the second column (album, duplicate group, …)
        self._status: browse.CatalogStatus | None = None  # for the left column's counts
        self._counts: integrity_browse.IntegrityCounts | None = None
        self._data_version: int | None = None  # of the catalog when the counts were read
        self.sort_key = "artist"
        self.sort_descending = False
        self.loader = Loader(self)
        self._pending: dict[str, Timer] = {}
        self._last_filter_key = 0.0
        self._ids_cache: OrderedDict[tuple, Any] = OrderedDict()
        self._drill_when_loaded = False
        self.loaded_once = False  # set when the first view has data (benchmarks, tests)
        self.view_updated_at = 0.0  # perf_counter() of the last new rows (benchmarks)

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
        self.table("categories").border_title = "archiver"
        self._show_categories()
        self.table("categories").move_cursor(self._category_index(self.category))
        self.table("entries").focus()
        self._layout()
        self._load_entries()
        self._load_catalog_status()
        self.set_interval(10, self._load_catalog_status)

    def on_resize(self) -> None:
        # A narrow terminal gives the category column less room (and no counts).
        self.table("categories").styles.width = 26 if self.size.width >= 100 else 19

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
        self.table("entries").border_title = view.label
        # Titles hold tag values and the typed filter: literal content, never markup.
        entry = self.entry.label if self.entry else ""
        self.table("albums").border_title = plain(view.rows_title(entry))
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
        table.set_source(shown.source, cursor=shown.cursor, empty_text=shown.empty_text)
        table.border_subtitle = shown.subtitle

    # ------------------------------------------------------------ actions

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

    def action_sort(self) -> None:
        if not self.view.all_tracks:
            self.notify("Sorting applies to All tracks (press a).", timeout=3)
            return
        index = SORT_KEYS.index(self.sort_key) if self.sort_key in SORT_KEYS else -1
        self.sort_key = SORT_KEYS[(index + 1) % len(SORT_KEYS)]
        self.sort_descending = False
        self._load_all_ids(keep=True)

    def action_sort_reverse(self) -> None:
        if not self.view.all_tracks:
            self.notify("Sorting applies to All tracks (press a).", timeout=3)
            return
        self.sort_descending = not self.sort_descending
        self._load_all_ids(keep=True)

    def action_reload(self) -> None:
        self.on_catalog_changed(CatalogChanged())

    def action_rescan(self) -> None:
        app: Any = self.app
        status = self.query_one(StatusBar).catalog
        if app.job_kind:
            app.start_scan([])  # says what is running
            return
        if scan_lock_held(app.db_path):
            self.notify(
                "A scan is already running in another process; wait for it to finish.",
                severity="warning",
            )
            return
        if status is not None and status.roots:
            app.start_scan([])
            return

        def chosen(path: str | None) -> None:
            if path:
                app.start_scan([path])

        app.push_screen(
            PromptScreen("Scan which folder?", "", placeholder="/path/to/music"), chosen
        )

    def action_enrich(self) -> None:
        target = self.view.enrich_target(self.selection())
        if target is None:
            self.notify("Pick an album or track to enrich.", timeout=3)
            return
        scope, label = target
        app: Any = self.app

        def confirmed(ok: bool | None) -> None:
            if ok:
                app.start_enrich(scope, label)

        app.push_screen(ConfirmScreen(f"Enrich {label} from MusicBrainz?"), confirmed)

    def action_export(self) -> None:
        """`x`: the same tracks `e` would enrich (the selected album, the selected
        entry, or everything in view); in the preservation views, the files listed."""
        target = self.view.export_target(self.selection())
        if target is None:
            self.notify("Nothing to export here: pick an entry first.", timeout=3)
            return
        scope, label = target

        def chosen(name: str | None) -> None:
            if name:
                export_in_background(self, name, scope, label)

        self.app.push_screen(
            PromptScreen(f"Export {label} to CSV file:", "archiver-export.csv"), chosen
        )

    # ------------------------------------------------------------ loading

    def _later(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        timer = self._pending.pop(name, None)
        if timer is not None:
            timer.stop()
        self._pending[name] = self.set_timer(delay, callback)

    def _load_catalog_status(self) -> None:
        db_path = self.app.db_path  # type: ignore[attr-defined]
        self.loader.load("status", _catalog_status, (db_path,), self._show_catalog_status)

    def _show_catalog_status(self, status: browse.CatalogStatus) -> None:
        self.query_one(StatusBar).catalog = status
        self._status = status
        self._show_categories()
        if (
            self.loaded_once
            and not status.scan_running
            and self._catalog_version() != self._data_version
        ):
            self._load_integrity_counts()

    def _catalog_version(self) -> int | None:
        """SQLite's ``data_version`` on the UI connection: it changes whenever another
        connection (a scan, verify or enrich anywhere) commits."""
        reader = self.app.reader  # type: ignore[attr-defined]
        try:
            return int(reader.execute("PRAGMA data_version").fetchone()[0])
        except (sqlite3.Error, AttributeError):
            return None

    def _load_integrity_counts(self) -> None:
        """Damaged, Duplicates and Incomplete albums counts: whole-catalog work (seconds
        at 100,000 tracks), so only at start, after a change, and never during a scan."""
        self._data_version = self._catalog_version()
        self.loader.load(
            "integrity", integrity_browse.integrity_counts, (), self._show_integrity_counts
        )

    def _show_integrity_counts(self, counts: integrity_browse.IntegrityCounts) -> None:
        self._counts = counts
        self._show_categories()

    def _show_categories(self) -> None:
        badges = {v.key: v.badge(self._status, self._counts) for v in VIEWS}

        def cells(v: View) -> tuple[str, ...]:
            n = badges[v.key]
            return (v.label, f"{n:,}" if n else "")

        table = self.table("categories")
        table.set_source(ListSource(CATEGORY_COLUMNS, list(VIEWS), cells), cursor=None)

    def _load_entries(self) -> None:
        view = self.view
        if view.all_tracks:
            self._load_all_ids(keep=True)
            return
        scope = self.base_scope()
        self.loader.load(
            "entries", view.load_entries, (scope,), lambda rows: self._show_entries(view, rows)
        )
        self._load_stats()

    def _show_entries(self, view: View, rows: list[Entry]) -> None:
        if view is not self.view:
            return
        table = self.table("entries")
        old = self.entry.key if self.entry else None
        index = next((i for i, e in enumerate(rows) if e.key == old), 0)
        sel = self.selection()
        no_match = sel.filter_text and view.filter_narrows
        empty = "Nothing matches the filter (Esc clears it)." if no_match else view.empty_text(sel)
        source = ListSource(view.entry_columns, rows, view.entry_cells)
        table.set_source(source, cursor=index, empty_text=empty)
        table.border_subtitle = view.entries_subtitle(rows)
        if view.rows_in_entry and rows and self.entry is not None and rows[index] == self.entry:
            # Same entry, fresh rows (after a reload): show them.
            self.entry = rows[index]
            self._load_albums()
        if not self.loaded_once:
            self._later("prefetch", PREFETCH_DELAY, self._prefetch_all_ids)
            # The preservation counts cost ~1 s of Python at 100,000 tracks: on a big
            # catalog they wait until the first keys after the first paint are served.
            status = self.query_one(StatusBar).catalog
            big = status is not None and status.tracks >= BIG_CATALOG
            delay = INTEGRITY_DELAY_BIG if big else PREFETCH_DELAY
            self._later("integrity", delay, self._load_integrity_counts)
        if not rows:
            self.entry = None
            self._show_rows(view, None, [])
        elif self._drill_when_loaded and table.has_focus:
            self._focus_level(2)
        self._drill_when_loaded = False
        self.loaded_once = True
        self.view_updated_at = time.perf_counter()

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
        key = (self.base_scope(), self.sort_key, self.sort_descending)
        self._load_stats()
        cached = self._ids_cache.get(key)
        if cached is not None:
            self.loader.drop("all")  # drop older loads
            self._show_all(cached, old_id)
            return
        scope = key[0]
        base = (scope.with_(where="", params=()), *key[1:])
        unfiltered = self._ids_cache.get(base)
        if unfiltered is not None and scope.where == browse.FREE_TEXT:  # words: narrow, no re-sort
            self._ids_cache.move_to_end(base)  # kept while the filter is typed
            args = (unfiltered, scope.where, scope.params)
            then = lambda ids: self._show_all(ids, old_id, key)  # noqa: E731
            self.loader.load("all", browse.narrowed_ids, args, then)
            return
        self.loader.load("all", browse.track_ids, key, lambda ids: self._show_all(ids, old_id, key))

    def _prefetch_all_ids(self) -> None:
        """Read All tracks' ids in the background after the first paint, so
        that `a` shows 100,000 tracks at once."""
        key = (self.base_scope().with_(category="all"), self.sort_key, self.sort_descending)
        if key not in self._ids_cache:
            then = lambda ids: self._remember_ids(key, ids)  # noqa: E731
            self.loader.load("prefetch", browse.track_ids, key, then)

    def _remember_ids(self, key: tuple, ids: Any) -> None:
        self._ids_cache[key] = ids
        self._ids_cache.move_to_end(key)
        while len(self._ids_cache) > IDS_KEPT:
            self._ids_cache.popitem(last=False)

    def _show_all(self, ids: Any, old_id: int | None, key: tuple | None = None) -> None:
        if key is not None:
            self._remember_ids(key, ids)
        table = self.table("alltracks")
        cursor = 0
        if old_id is not None:
            try:
                cursor = ids.index(old_id)
            except ValueError:
                cursor = 0
        table.sort_key = self.sort_key
        table.sort_descending = self.sort_descending
        pages = TrackPages(self.app.open_connection, ids)  # type: ignore[attr-defined]
        table.set_source(pages, cursor=cursor, empty_text=self.view.empty_text(self.selection()))
        table.border_subtitle = fmt.count(len(ids), "track")
        self._layout()
        self.loaded_once = True
        self.view_updated_at = time.perf_counter()

    def _load_stats(self) -> None:
        scope = self.view.stats_scope(self.selection())
        # After the view's own query: the figures may come a moment later.
        self._later(
            "stats",
            STATS_DELAY,
            lambda: self.loader.load("stats", browse.view_stats, (scope,), self._show_stats),
        )

    def _show_stats(self, stats: browse.ViewStats) -> None:
        self.query_one(StatusBar).stats = stats

    # ------------------------------------------------------------ events

    @on(PagedTable.Highlighted, "#categories")
    def _category_highlighted(self, event: PagedTable.Highlighted) -> None:
        key = event.table.current_key
        if isinstance(key, View) and key.key != self.category:
            self._set_category(key.key)

    def _set_category(self, key: str, delay: float = PREVIEW_DELAY) -> None:
        self.category = key
        self.entry = None
        self.row = None
        entries = self.table("entries")
        entries.set_source(ListSource(ENTRY_COLUMNS, [], lambda e: ()), empty_text="Loading…")
        entries.border_subtitle = ""
        self._show("albums", Shown(ListSource(ALBUM_COLUMNS, [], lambda a: ())))
        self._show("tracks", Shown(ListSource(TRACK_COLUMNS, [], lambda t: ())))
        self._layout()
        if delay:
            self._later("entries", delay, self._load_entries)
        else:
            self._load_entries()

    @on(PagedTable.Highlighted, "#entries")
    def _entry_highlighted(self, event: PagedTable.Highlighted) -> None:
        key = event.table.current_key
        entry = key if isinstance(key, Entry) else None
        if entry != self.entry:
            self.entry = entry
            self.row = None
            self._layout()
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
            self.app.push_screen(DetailScreen(int(file_id)))

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
        except FilterError as exc:
            error.update(plain(exc))
            error.add_class("-shown")
            return False
        except Exception as exc:  # the parser is someone else's code: never crash the UI
            error.update(plain(f"bad query: {exc}"))
            error.add_class("-shown")
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
        self._ids_cache.clear()
        self._load_catalog_status()
        self._load_integrity_counts()
        self._load_entries()
        if view.depth >= 2 and not view.rows_in_entry and self.entry is not None:
            self._load_albums()
            if self.row is not None:
                self._load_tracks()


def _catalog_status(conn: sqlite3.Connection, db_path: Any) -> browse.CatalogStatus:
    """The catalog's status, with "scan running" decided by the scanner's OS lock."""
    status = browse.catalog_status(conn)
    return replace(status, scan_running=scan_lock_held(db_path))
