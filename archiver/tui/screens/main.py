"""The browser: Miller columns (category → entries → albums → tracks) and the
"All tracks" view, with the `/` filter, status bar and job progress.

All reading happens in exclusive thread workers, one group per pane, each on
its own SQLite connection; a newer request interrupts the older query
(``Connection.interrupt``) and stale results are dropped by a token, so
holding `j` on 10,000 artists or typing fast in the filter never stutters.
"""

from __future__ import annotations

import json
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
from textual.worker import get_current_worker

from archiver.catalog import browse
from archiver.catalog.browse import (
    CATEGORIES,
    CATEGORY_BY_KEY,
    AlbumRow,
    DamagedTrack,
    Entry,
    ScanErrorRow,
    Scope,
    TrackRow,
)
from archiver.catalog.duplicates import TAG_SCORE_MAX
from archiver.integrity import browse as integrity_browse
from archiver.integrity.browse import MissingRow
from archiver.tui import format as fmt
from archiver.tui.filtering import Filter, FilterError, compile_filter
from archiver.tui.format import sanitize
from archiver.tui.messages import CatalogChanged
from archiver.tui.scanlock import scan_lock_held
from archiver.tui.sources import SORT_KEYS, ListSource, TrackPages
from archiver.tui.text import plain
from archiver.tui.widgets.job_bar import JobBar
from archiver.tui.widgets.paged_table import Column, PagedTable
from archiver.tui.widgets.status_bar import StatusBar, verify_text

PREVIEW_DELAY = 0.06  # s: let the cursor settle before loading the next column
FILTER_DEBOUNCE = 0.15
PREFETCH_DELAY = 0.3  # s after the first paint
INTEGRITY_DELAY_BIG = 2.5  # s after the first paint, on a catalog of BIG_CATALOG tracks or more
BIG_CATALOG = 20_000
IDS_KEPT = 4  # orderings of All tracks kept in memory (0.8 MB each at 100k tracks)
STATS_DELAY = 0.2  # s: the status bar's figures wait for the view to load first  # s: typing faster than this is coalesced

CATEGORY_COLUMNS = [Column("Browse by", flex=1), Column("", width=5, align="right", hide_below=20)]
ENTRY_COLUMNS = [Column("Name", flex=1), Column("Tracks", width=6, align="right", hide_below=22)]
ALBUM_COLUMNS = [
    Column("Year", width=4, align="right"),
    Column("Album", flex=3),
    Column("Artist", flex=2, hide_below=56),  # dropped when browsing by album artist
    Column("Tr", width=3, align="right"),
    Column("Length", width=7, align="right", hide_below=36),
    Column("Format", width=6, hide_below=58),
    Column("MB", width=9, hide_below=46),
]
TRACK_COLUMNS = [
    Column("#", width=5, align="right"),
    Column("Title", flex=3),
    Column("Artist", flex=2, hide_below=48),
    Column("Length", width=7, align="right"),
    Column("Format", width=6, hide_below=64),
    Column("MB", width=9, hide_below=56),
]
ERROR_COLUMNS = [Column("Path", flex=3), Column("Problem", flex=2)]
LEVELS = ("categories", "entries", "albums", "tracks")
EMPTY_TEXT = {
    "review": "Nothing needs review.",
    "missing": "No missing files.",
    "errors": "No scan errors.",
}

# Preservation views (issue 7): Damaged (status → files), Duplicates (kind →
# groups → copies) and Incomplete albums (album → what is missing).
INTEGRITY = ("damaged", "duplicates", "incomplete")
NOT_TRACK_GROUPS = ("errors", *INTEGRITY)  # views that do not group tracks by a tag
DEPTH = {"all": 1, "errors": 2, "damaged": 2, "incomplete": 2}  # deepest column; default 3
ENTRY_COLUMNS_OF = {
    "damaged": [Column("Damage", flex=1), Column("Files", width=6, align="right", hide_below=22)],
    "duplicates": [Column("Kind", flex=1), Column("Groups", width=6, align="right", hide_below=22)],
    "incomplete": [
        Column("Album", flex=1),
        Column("Missing", width=7, align="right", hide_below=24),
    ],
}
DAMAGED_COLUMNS = [
    Column("Title", flex=2),
    Column("Artist", flex=2, hide_below=64),
    Column("Problem", flex=4),
    Column("Verified", width=20, hide_below=84),
]
GROUP_COLUMNS = [
    Column("Artist – Title", flex=3),
    Column("Copies", width=6, align="right"),
    Column("Best copy", width=19, hide_below=48),
    Column("Why best", flex=3, hide_below=72),
]
COPY_COLUMNS = [
    Column("", width=6),
    Column("Path", flex=3),
    Column("Quality", width=19, hide_below=50),
    Column("Tags", width=5, align="right", hide_below=70),
    Column("Length", width=7, align="right", hide_below=78),
]
MISSING_COLUMNS = [
    Column("Missing", width=15),
    Column("Title", flex=3),
    Column("Length", width=7, align="right"),
    Column("Known from", width=17, hide_below=52),
]


def _album_cells(a: AlbumRow) -> tuple[str, ...]:
    return (
        str(a.year or ""),
        a.album if a.album is not None else "(no album)",
        a.albumartist or "",
        str(a.tracks),
        fmt.duration(a.duration),
        a.formats,
        a.mb_status,
    )


def _album_cells_no_artist(a: AlbumRow) -> tuple[str, ...]:
    cells = _album_cells(a)
    return cells[:2] + cells[3:]


def _track_cells(t: TrackRow) -> tuple[str, ...]:
    return (
        fmt.track_number(t.disc, t.track),
        t.title or t.path.rsplit("/", 1)[-1],
        t.artist or "",
        fmt.duration(t.duration),
        t.format or "?",
        fmt.mb_status(t.mb_status),
    )


def _damaged_cells(d: DamagedTrack) -> tuple[str, ...]:
    t = d.track
    title = (t.title if t else None) or d.damage.path.rsplit("/", 1)[-1]
    problem = d.damage.detail or browse.DAMAGE_LABELS.get(d.damage.status, d.damage.status)
    return (
        title,
        (t.artist if t else None) or "",
        problem,
        fmt.timestamp(d.damage.last_verified_at),
    )


def _group_label(group: Any) -> str:
    best = group.best
    title = best.title or best.path.rsplit("/", 1)[-1]
    return f"{best.artist} – {title}" if best.artist else title


def _group_cells(group: Any) -> tuple[str, ...]:
    return (_group_label(group), str(len(group.copies)), group.best.quality(), group.reason)


def _copy_source(group: Any) -> ListSource:
    """A group's copies, best first and marked, paths shown below their common folder."""
    import os.path

    paths = [c.path for c in group.copies]
    try:
        common = os.path.commonpath([os.path.dirname(p) for p in paths])
    except ValueError:
        common = ""
    cut = len(common) + 1 if common not in ("", "/") else 0
    best = group.best

    def cells(c: Any) -> tuple[str, ...]:
        return (
            "★ best" if c is best else "",
            c.path[cut:],
            c.quality(),
            f"{c.tag_score}/{TAG_SCORE_MAX}",
            fmt.duration(c.duration),
        )

    return ListSource(COPY_COLUMNS, group.copies, cells)


def _ids_scope(ids: list[int]) -> Scope:
    """Exactly these files (missing ones included), for an export."""
    return Scope(
        "albumartist",
        where="f.id IN (SELECT value FROM json_each(?))",
        params=(json.dumps(ids),),
        include_missing=True,
    )


def _missing_cells(m: MissingRow) -> tuple[str, ...]:
    return (m.what, m.title or "", fmt.duration(m.length), m.source)


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
        self.album: AlbumRow | None = None
        self.group: Any = None  # the duplicate group in view (Duplicates)
        self._badges: dict[str, int] = {}
        self._data_version: int | None = None  # of the catalog when the counts were read
        self.sort_key = "artist"
        self.sort_descending = False
        self._load_tokens: dict[str, int] = {}
        self._load_conns: dict[str, sqlite3.Connection] = {}
        self._pending: dict[str, Timer] = {}
        self._last_filter_key = 0.0
        self._ids_cache: OrderedDict[tuple, Any] = OrderedDict()
        self._drill_when_loaded = False
        self.loaded_once = False  # set when the first view has data (benchmarks, tests)
        self.view_updated_at = 0.0  # perf_counter() of the last new rows (benchmarks)

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
        self._show_categories({})
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
        return next(i for i, c in enumerate(CATEGORIES) if c.key == key)

    def depth(self) -> int:
        """The deepest column of the current category (1 = entries only)."""
        return DEPTH.get(self.category, 3)

    def _layout(self) -> None:
        panes = self.query_one("#panes")
        all_mode = self.category == "all"
        panes.set_class(all_mode, "-all")
        panes.set_class(self.category == "errors", "-errors")
        panes.set_class(not all_mode and self.depth() >= 3 and self.level >= 2, "-deep")
        label = CATEGORY_BY_KEY[self.category].label
        self.table("entries").border_title = label
        # Titles hold tag values and the typed filter: literal content, never markup.
        entry = self.entry.label if self.entry else ""
        titles = {
            "errors": f"Scan errors: {entry}",
            "damaged": f"Damaged: {entry}",
            "duplicates": f"Groups · {entry}",
            "incomplete": f"Missing · {entry}",
        }
        self.table("albums").border_title = plain(
            titles.get(self.category, f"Albums · {entry}" if entry else "Albums")
        )
        if self.category == "duplicates":
            group = _group_label(self.group) if self.group is not None else ""
            self.table("tracks").border_title = plain(f"Copies · {group}" if group else "Copies")
        else:
            album = self.album.album if self.album and self.album.album is not None else ""
            self.table("tracks").border_title = plain(f"Tracks · {album}" if album else "Tracks")
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

    def _visible_panes(self) -> list[PagedTable]:
        return [
            t
            for t in self.query(".pane").results(PagedTable)
            if t.display and t.styles.display != "none"
        ]

    def _focus_level(self, level: int) -> None:
        if self.category == "all":
            name = "categories" if level <= 0 else "alltracks"
        else:
            name = LEVELS[max(0, min(level, self.depth()))]
        self.level = LEVELS.index(name) if name in LEVELS else 1
        self._layout()
        self.table(name).focus()

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
        self.table("categories").move_cursor(0)
        if self.category != "all":
            self._set_category("all", delay=0)
        self._focus_level(1)

    def action_filter(self) -> None:
        bar = self.query_one("#filter-bar")
        bar.add_class("-active")
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
        if self.category != "all":
            self.notify("Sorting applies to All tracks (press a).", timeout=3)
            return
        index = SORT_KEYS.index(self.sort_key) if self.sort_key in SORT_KEYS else -1
        self.sort_key = SORT_KEYS[(index + 1) % len(SORT_KEYS)]
        self.sort_descending = False
        self._load_all_ids(keep=True)

    def action_sort_reverse(self) -> None:
        if self.category != "all":
            self.notify("Sorting applies to All tracks (press a).", timeout=3)
            return
        self.sort_descending = not self.sort_descending
        self._load_all_ids(keep=True)

    def action_reload(self) -> None:
        self.on_catalog_changed(CatalogChanged())

    def action_rescan(self) -> None:
        from archiver.tui.screens.prompt import PromptScreen

        status = self.query_one(StatusBar).catalog
        if self.app.job_kind:  # type: ignore[attr-defined]
            self.app.start_scan([])  # type: ignore[attr-defined]  # says what is running
            return
        if scan_lock_held(self.app.db_path):  # type: ignore[attr-defined]
            self.notify(
                "A scan is already running in another process; wait for it to finish.",
                severity="warning",
            )
            return
        if status is not None and status.roots:
            self.app.start_scan([])  # type: ignore[attr-defined]
            return

        def chosen(path: str | None) -> None:
            if path:
                self.app.start_scan([path])  # type: ignore[attr-defined]

        self.app.push_screen(
            PromptScreen("Scan which folder?", "", placeholder="/path/to/music"), chosen
        )

    def action_enrich(self) -> None:
        from archiver.tui.screens.prompt import ConfirmScreen

        if self.category in NOT_TRACK_GROUPS:
            self.notify("Pick an album or track to enrich.", timeout=3)
            return
        scope, label = self._enrich_target()

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.start_enrich(scope, label)  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmScreen(f"Enrich {label} from MusicBrainz?"), confirmed)

    def _enrich_target(self) -> tuple[Scope, str]:
        """The selected album when an album or track is focused, else the whole view."""
        if (
            self.category != "all"
            and self.level >= 2
            and self.album is not None
            and self.entry is not None
        ):
            scope = self.base_scope().with_(
                entry=self.entry.key, album=(self.album.albumartist, self.album.album)
            )
            return scope, f"the album “{self.album.album or '(no album)'}”"
        if self.category != "all" and self.level >= 1 and self.entry is not None:
            return self.base_scope().with_(entry=self.entry.key), f"“{self.entry.label}”"
        scope = self.base_scope()
        if self.filter.text:
            return scope, f"everything matching “{self.filter.text}”"
        return scope, "the whole catalog"

    def action_export(self) -> None:
        """`x`: the same tracks `e` would enrich (the selected album, the selected
        entry, or everything in view); in the preservation views, the files listed."""
        from archiver.tui.screens.prompt import PromptScreen

        target = self._export_target()
        if target is None:
            self.notify("Nothing to export here: pick an entry first.", timeout=3)
            return
        scope, label = target

        def chosen(name: str | None) -> None:
            if name:
                self._export(name, scope, label)

        self.app.push_screen(
            PromptScreen(f"Export {label} to CSV file:", "archiver-export.csv"), chosen
        )

    def _export_target(self) -> tuple[Scope, str] | None:
        if self.category not in NOT_TRACK_GROUPS:
            return self._enrich_target()
        entry = self.entry
        if entry is None:
            return None
        if self.category == "incomplete":
            album = entry.extra
            folder = album.folder.rstrip("/") + "/"
            # The album's present files: its tag, in its folder (disc subfolders included).
            where = "t.album IS ? AND substr(f.path, 1, length(?)) = ?"
            scope = Scope("albumartist", where=where, params=(album.album, folder, folder))
            return scope, f"the files of “{entry.label}”"
        if self.category == "duplicates":
            if self.level >= 2 and self.group is not None:
                ids = [c.file_id for c in self.group.copies]
                return _ids_scope(ids), f"the copies of “{_group_label(self.group)}”"
            ids = [c.file_id for g in entry.extra or [] for c in g.copies]
            return _ids_scope(ids), f"every copy in “{entry.label}”"
        if self.category == "damaged":
            ids = [d.id for d in entry.extra or []]
            return _ids_scope(ids), f"the {entry.label.lower()} files"
        rows = self.table("albums").source
        paths = [r.path for r in getattr(rows, "items", []) if isinstance(r, ScanErrorRow)]
        scope = Scope(
            "albumartist",
            where="f.path IN (SELECT value FROM json_each(?))",
            params=(json.dumps(paths),),
            include_missing=True,
        )
        return scope, f"the files with scan errors “{entry.label}”"

    def _export(self, filename: str, scope: Scope, label: str) -> None:
        from pathlib import Path

        from archiver.tui.export import export_view

        path = Path(filename).expanduser()
        if path.is_dir():
            self.notify(
                sanitize(f"{path} is a folder: give a file name."), severity="error", markup=False
            )
            return
        app = self.app

        def work() -> None:
            try:
                rows = export_view(app.db_path, scope, path)  # type: ignore[attr-defined]
            except Exception as exc:  # a one-line message, never a traceback
                text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                app.call_from_thread(
                    lambda: app.notify(
                        sanitize(f"Export failed: {text}"),
                        severity="error",
                        timeout=10,
                        markup=False,
                    )
                )
            else:
                done = f"Exported {fmt.count(rows, 'track')} ({label}) to {path}"
                app.call_from_thread(lambda: app.notify(sanitize(done), markup=False))

        self.notify(sanitize(f"Exporting {label} to {path}…"), timeout=2, markup=False)
        self.run_worker(work, thread=True, exclusive=True, group="export", exit_on_error=False)

    # ------------------------------------------------------------ scopes

    def base_scope(self) -> Scope:
        f = self.filter
        return Scope(
            self.category, where=f.where, params=f.params, include_missing=f.include_missing
        )

    def view_scope(self) -> Scope:
        """What the status bar and export describe: narrowed to the focused column."""
        scope = self.base_scope()
        if self.category == "all":
            return scope
        if self.category in NOT_TRACK_GROUPS:
            return scope.with_(category="albumartist")
        if self.level >= 2 and self.entry is not None:
            scope = scope.with_(entry=self.entry.key)
        if self.level >= 3 and self.album is not None:
            scope = scope.with_(album=(self.album.albumartist, self.album.album))
        return scope

    # ------------------------------------------------------------ loading

    def _load(
        self, group: str, fn: Callable[..., Any], args: tuple, then: Callable[[Any], None]
    ) -> None:
        """Run ``fn(conn, *args)`` in an exclusive worker; ``then(result)`` on the UI
        thread unless a newer request of the same group came meanwhile."""
        token = self._load_tokens.get(group, 0) + 1
        self._load_tokens[group] = token
        old = self._load_conns.pop(group, None)
        if old is not None:
            try:
                old.interrupt()
            except sqlite3.Error:
                pass
        app = self.app

        def work() -> None:
            worker = get_current_worker()
            try:
                conn = app.open_connection()  # type: ignore[attr-defined]
            except Exception as exc:
                self._deliver(app, group, token, None, str(exc))
                return
            self._load_conns[group] = conn
            try:
                result = fn(conn, *args)
            except sqlite3.OperationalError as exc:
                if "interrupt" in str(exc):
                    return
                self._deliver(app, group, token, None, str(exc))
                return
            except Exception as exc:
                self._deliver(app, group, token, None, str(exc))
                return
            finally:
                if self._load_conns.get(group) is conn:
                    self._load_conns.pop(group, None)
                conn.close()
            if not worker.is_cancelled:
                self._deliver(app, group, token, lambda: then(result), None)

        self.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)

    def _deliver(
        self,
        app: Any,
        group: str,
        token: int,
        callback: Callable[[], None] | None,
        error: str | None,
    ) -> None:
        def run() -> None:
            if self._load_tokens.get(group) != token or not self.is_attached:
                return
            if error:
                self.notify(
                    sanitize(f"Could not read the catalog: {error}"),
                    severity="error",
                    timeout=8,
                    markup=False,
                )
            elif callback:
                callback()

        try:
            app.call_from_thread(run)
        except RuntimeError:  # the app is shutting down
            pass

    def _later(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        timer = self._pending.pop(name, None)
        if timer is not None:
            timer.stop()
        self._pending[name] = self.set_timer(delay, callback)

    def _load_catalog_status(self) -> None:
        db_path = self.app.db_path  # type: ignore[attr-defined]
        self._load("status", _catalog_status, (db_path,), self._show_catalog_status)

    def _show_catalog_status(self, status: browse.CatalogStatus) -> None:
        self.query_one(StatusBar).catalog = status
        self._badges.update(
            {"review": status.needs_review, "missing": status.missing, "errors": status.scan_errors}
        )
        self._show_categories(self._badges)
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
        self._load("integrity", integrity_browse.integrity_counts, (), self._show_integrity_counts)

    def _show_integrity_counts(self, counts: integrity_browse.IntegrityCounts) -> None:
        self._badges.update(
            {
                "damaged": counts.damaged,
                "duplicates": counts.duplicates,
                "incomplete": counts.incomplete,
            }
        )
        self._show_categories(self._badges)

    def _show_categories(self, badges: dict[str, int]) -> None:
        def cells(c: browse.Category) -> tuple[str, ...]:
            n = badges.get(c.key)
            return (c.label, f"{n:,}" if n else "")

        table = self.table("categories")
        table.set_source(ListSource(CATEGORY_COLUMNS, list(CATEGORIES), cells), cursor=None)

    def _load_entries(self) -> None:
        if self.category == "all":
            self._load_all_ids(keep=True)
            return
        scope = self.base_scope()
        special = {
            "errors": browse.scan_error_kinds,
            "damaged": browse.damaged_entries,
            "duplicates": integrity_browse.duplicate_kinds,
            "incomplete": integrity_browse.incomplete_album_entries,
        }
        fn = special.get(self.category, browse.entries)
        args: tuple = () if self.category in special else (scope,)
        category = self.category
        self._load("entries", fn, args, lambda rows: self._show_entries(category, rows))
        self._load_stats()

    def _show_entries(self, category: str, rows: list[Entry]) -> None:
        if category != self.category:
            return
        table = self.table("entries")
        old = self.entry.key if self.entry else None
        index = next((i for i, e in enumerate(rows) if e.key == old), 0)
        label = CATEGORY_BY_KEY[category].label
        empty = (
            "Nothing matches the filter (Esc clears it)."
            if self.filter.text and category not in NOT_TRACK_GROUPS
            else self._empty_text(category) or f"No {label.lower()}."
        )
        table.set_source(
            ListSource(
                ENTRY_COLUMNS_OF.get(category, ENTRY_COLUMNS),
                rows,
                lambda e: (e.label, f"{e.tracks:,}"),
            ),
            cursor=index,
            empty_text=empty,
        )
        table.border_subtitle = self._entries_subtitle(category, rows)
        if category in INTEGRITY and rows and self.entry is not None and rows[index] == self.entry:
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
            self._show_albums(category, None, [])
        elif self._drill_when_loaded and table.has_focus:
            self._focus_level(2)
        self._drill_when_loaded = False
        self.loaded_once = True
        self.view_updated_at = time.perf_counter()

    def _empty_text(self, category: str) -> str:
        """What an empty preservation view says (and how to fill it)."""
        if category == "damaged":
            status = self.query_one(StatusBar).catalog
            if status is None or status.last_verify is None:
                return "Nothing verified yet: run `archiver verify`."
            return "No damaged files at the last verify."
        if category == "incomplete":
            return "No incomplete albums (gaps against totaltracks or MusicBrainz)."
        return EMPTY_TEXT.get(category, "")

    def _entries_subtitle(self, category: str, rows: list[Entry]) -> str:
        if category == "incomplete":
            return fmt.count(len(rows), "album")
        return f"{len(rows):,}"

    def _load_albums(self) -> None:
        entry = self.entry
        category = self.category
        if entry is None or category == "all":
            return
        if category in INTEGRITY:
            self._show_integrity_rows(category, entry)
            return
        if category == "errors":
            self._load(
                "albums",
                browse.scan_errors,
                (entry.key[0],),
                lambda rows: self._show_errors(entry, rows),
            )
            return
        scope = self.base_scope().with_(entry=entry.key)
        self._load(
            "albums", browse.albums, (scope,), lambda rows: self._show_albums(category, entry, rows)
        )

    def _show_albums(self, category: str, entry: Entry | None, rows: list[AlbumRow]) -> None:
        if category != self.category or entry != self.entry:
            return
        table = self.table("albums")
        old = (self.album.albumartist, self.album.album) if self.album else None
        index = next((i for i, a in enumerate(rows) if (a.albumartist, a.album) == old), 0)
        columns = ALBUM_COLUMNS
        if category in ("albumartist", "album", "missing"):
            columns = [c for c in ALBUM_COLUMNS if c.title != "Artist"]
        cells = _album_cells if columns is ALBUM_COLUMNS else _album_cells_no_artist
        table.set_source(ListSource(columns, rows, cells), cursor=index, empty_text="No albums.")
        table.border_subtitle = fmt.count(len(rows), "album")
        if not rows:
            self.album = None
            self.table("tracks").set_source(
                ListSource(TRACK_COLUMNS, [], _track_cells), empty_text=""
            )
        self._layout()

    def _show_integrity_rows(self, category: str, entry: Entry) -> None:
        """The second column of a preservation view; its rows came with the entry."""
        table = self.table("albums")
        if category == "damaged":
            rows = entry.extra or []
            source = ListSource(
                DAMAGED_COLUMNS, rows, _damaged_cells, dim=lambda d: d.track is None
            )
            table.set_source(source, cursor=0, empty_text="No files.")
            status = self.query_one(StatusBar).catalog
            run = status.last_verify if status else None
            verified = f" · {verify_text(run)}" if run else ""
            table.border_subtitle = fmt.count(len(rows), "file") + verified
        elif category == "duplicates":
            groups = entry.extra or []
            old = self.group.key if self.group is not None else None
            index = next((i for i, g in enumerate(groups) if g.key == old), 0)
            empty = (
                "No duplicates. Only fingerprinted files take part: "
                "run `archiver scan --checksum` or `archiver verify`."
                if entry.key == ("audio",)
                else "No duplicates."
                if entry.key == ("tags",)
                else "No duplicates among the files matched to MusicBrainz (`archiver enrich`)."
            )
            table.set_source(
                ListSource(GROUP_COLUMNS, groups, _group_cells), cursor=index, empty_text=empty
            )
            table.border_subtitle = fmt.count(len(groups), "group")
            if not groups:
                self.group = None
                self.table("tracks").set_source(ListSource(COPY_COLUMNS, [], lambda c: ()))
                self.table("tracks").border_subtitle = ""
        else:
            album = entry.extra
            rows = integrity_browse.missing_rows(album) if album is not None else []
            table.set_source(
                ListSource(MISSING_COLUMNS, rows, _missing_cells), cursor=0, empty_text=""
            )
            table.border_subtitle = plain(_album_summary(album) if album is not None else "")
        self._layout()

    def _show_missing_message(self) -> None:
        """Enter on an incomplete album's line: the whole report for that album."""
        from archiver.tui.screens.message import MessageScreen

        entry = self.entry
        album = entry.extra if entry is not None else None
        if entry is None or album is None:
            return
        lines = [f"Folder: {album.folder}", _album_summary(album), ""]
        lines += [row.sentence() for row in integrity_browse.missing_rows(album)]
        if album.release_mbid:
            lines += [
                "",
                f"MusicBrainz release: {album.release_title or '?'} ({album.release_mbid})",
            ]
        for path in album.missing_files:
            lines.append(f"gone from disk: {path}")
        self.app.push_screen(MessageScreen(f"Incomplete: {entry.label}", "\n".join(lines)))

    def _show_copies(self, group: Any) -> None:
        table = self.table("tracks")
        table.set_source(_copy_source(group), cursor=0, empty_text="")
        table.border_subtitle = plain(f"best: {group.reason}")
        self._layout()

    def _show_errors(self, entry: Entry, rows: list[ScanErrorRow]) -> None:
        if self.category != "errors" or entry != self.entry:
            return
        table = self.table("albums")
        table.set_source(
            ListSource(ERROR_COLUMNS, rows, lambda e: (e.path, e.message)),
            cursor=0,
            empty_text="No errors.",
        )
        table.border_subtitle = fmt.count(len(rows), "file")
        self._layout()

    def _load_tracks(self) -> None:
        entry, album, category = self.entry, self.album, self.category
        if entry is None or album is None or category == "all" or category in NOT_TRACK_GROUPS:
            return
        scope = self.base_scope().with_(entry=entry.key, album=(album.albumartist, album.album))
        self._load(
            "tracks",
            browse.album_tracks,
            (scope,),
            lambda rows: self._show_tracks(entry, album, rows),
        )

    def _show_tracks(self, entry: Entry, album: AlbumRow, rows: list[TrackRow]) -> None:
        if entry != self.entry or album != self.album:
            return
        table = self.table("tracks")
        old = (
            table.current_key.id
            if table.row_count and isinstance(table.current_key, TrackRow)
            else None
        )
        index = next((i for i, t in enumerate(rows) if t.id == old), 0)
        table.set_source(
            ListSource(TRACK_COLUMNS, rows, _track_cells, dim=lambda t: t.missing),
            cursor=index,
            empty_text="",
        )
        table.border_subtitle = (
            f"{fmt.count(len(rows), 'track')} · {fmt.duration(sum(t.duration or 0 for t in rows))}"
        )

    def _load_all_ids(self, *, keep: bool) -> None:
        table = self.table("alltracks")
        old_id = table.current_key if keep and table.row_count else None
        key = (self.base_scope(), self.sort_key, self.sort_descending)
        self._load_stats()
        cached = self._ids_cache.get(key)
        if cached is not None:
            self._load_tokens["all"] = self._load_tokens.get("all", 0) + 1  # drop older loads
            self._show_all(cached, old_id)
            return
        self._load("all", browse.track_ids, key, lambda ids: self._show_all(ids, old_id, key))

    def _prefetch_all_ids(self) -> None:
        """Read All tracks' ids in the background after the first paint, so
        that `a` shows 100,000 tracks at once."""
        key = (self.base_scope().with_(category="all"), self.sort_key, self.sort_descending)
        if key not in self._ids_cache:
            self._load("prefetch", browse.track_ids, key, lambda ids: self._remember_ids(key, ids))

    def _remember_ids(self, key: tuple, ids: Any) -> None:
        self._ids_cache[key] = ids
        self._ids_cache.move_to_end(key)
        while len(self._ids_cache) > IDS_KEPT:
            self._ids_cache.popitem(last=False)

    def _show_all(self, ids: Any, old_id: int | None, key: tuple | None = None) -> None:
        if key is not None:
            self._remember_ids(key, ids)
        table = self.table("alltracks")
        reader = self.app.reader  # type: ignore[attr-defined]
        cursor = 0
        if old_id is not None:
            try:
                cursor = ids.index(old_id)
            except ValueError:
                cursor = 0
        table.sort_key = self.sort_key
        table.sort_descending = self.sort_descending
        empty = "Nothing matches the filter (Esc clears it)." if self.filter.text else "No tracks."
        table.set_source(TrackPages(reader, ids), cursor=cursor, empty_text=empty)
        table.border_subtitle = fmt.count(len(ids), "track")
        self._layout()
        self.loaded_once = True
        self.view_updated_at = time.perf_counter()

    def _load_stats(self) -> None:
        scope = self.view_scope()
        # After the view's own query: the figures may come a moment later.
        self._later(
            "stats",
            STATS_DELAY,
            lambda: self._load("stats", browse.view_stats, (scope,), self._show_stats),
        )

    def _show_stats(self, stats: browse.ViewStats) -> None:
        self.query_one(StatusBar).stats = stats

    # ------------------------------------------------------------ events

    @on(PagedTable.Highlighted, "#categories")
    def _category_highlighted(self, event: PagedTable.Highlighted) -> None:
        key = event.table.current_key
        if isinstance(key, browse.Category) and key.key != self.category:
            self._set_category(key.key)

    def _set_category(self, key: str, delay: float = PREVIEW_DELAY) -> None:
        self.category = key
        self.entry = None
        self.album = None
        self.group = None
        entries = self.table("entries")
        entries.set_source(ListSource(ENTRY_COLUMNS, [], lambda e: ()), empty_text="Loading…")
        entries.border_subtitle = ""
        self.table("albums").set_source(ListSource(ALBUM_COLUMNS, [], _album_cells), empty_text="")
        self.table("albums").border_subtitle = ""
        self.table("tracks").set_source(ListSource(TRACK_COLUMNS, [], _track_cells), empty_text="")
        self.table("tracks").border_subtitle = ""
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
            self.album = None
            self.group = None
            self._layout()
            if entry is not None and self.category in INTEGRITY:
                self._load_albums()  # the rows came with the entry: no query
            elif entry is not None:
                self._later("albums", PREVIEW_DELAY, self._load_albums)

    @on(PagedTable.Highlighted, "#albums")
    def _album_highlighted(self, event: PagedTable.Highlighted) -> None:
        key = event.table.current_key
        if self.category == "duplicates":
            if key is not None and key is not self.group:
                self.group = key
                self._show_copies(key)
            return
        album = key if isinstance(key, AlbumRow) else None
        if album != self.album:
            self.album = album
            self._layout()
            if album is not None:
                self._later("tracks", PREVIEW_DELAY, self._load_tracks)
            if self.level >= 2:
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
        if event.index < 0:
            return
        key = event.table.current_key
        if isinstance(key, DamagedTrack):
            from archiver.tui.screens.detail import DetailScreen

            self.app.push_screen(DetailScreen(key.id))
            return
        if isinstance(key, MissingRow):
            self._show_missing_message()
            return
        if isinstance(key, ScanErrorRow):
            from archiver.tui.screens.message import MessageScreen

            self.app.push_screen(
                MessageScreen(
                    f"Scan error: {key.kind}",
                    f"{key.path}\n\n{key.message}\n\n{fmt.timestamp(key.occurred_at)}",
                )
            )
            return
        self._focus_level(3)

    @on(PagedTable.Selected, "#tracks")
    @on(PagedTable.Selected, "#alltracks")
    def _track_selected(self, event: PagedTable.Selected) -> None:
        from archiver.tui.screens.detail import DetailScreen

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
        if self.category in INTEGRITY:
            return  # whole-catalog views: the filter does not apply (see docs/tui.md)
        self._load_entries()
        if self.category not in ("all",) and self.entry is not None:
            self._later("albums", PREVIEW_DELAY, self._load_albums)

    def on_catalog_changed(self, message: CatalogChanged) -> None:
        """Reload every column, keeping the selection where it still exists."""
        self._ids_cache.clear()
        self._load_catalog_status()
        self._load_integrity_counts()
        self._load_entries()
        if self.category not in ("all", *INTEGRITY) and self.entry is not None:
            self._load_albums()
            if self.album is not None:
                self._load_tracks()


def _catalog_status(conn: sqlite3.Connection, db_path: Any) -> browse.CatalogStatus:
    """The catalog's status, with "scan running" decided by the scanner's OS lock."""
    status = browse.catalog_status(conn)
    return replace(status, scan_running=scan_lock_held(db_path))


def _album_summary(album: Any) -> str:
    """``7 of 10 present`` (or ``7 present``), and the matched release's title."""
    text = (
        f"{album.present} of {album.expected} present"
        if album.expected
        else f"{album.present} present"
    )
    if album.release_title:
        text += f" · release “{album.release_title}”"
    return text
