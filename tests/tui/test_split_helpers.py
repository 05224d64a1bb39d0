"""The pure pieces the browser screen delegates to: sort menus and list orders,
the Browse-column cache, the filter's error line, the job questions' wording."""

from __future__ import annotations

from archiver.catalog.browse import Entry, Scope
from archiver.tui import sorting
from archiver.tui.browse_cache import ENTRIES_KEPT, IDS_KEPT, BrowseCache, entries_key
from archiver.tui.filtering import error_text
from archiver.tui.job_prompts import names
from archiver.tui.sources import SORT_KEYS, ListSource, TrackPages, file_ids
from archiver.tui.views import VIEW_BY_KEY, VIEWS
from archiver.tui.widgets.paged_table import Column

COLUMNS = [Column("Name"), Column(""), Column("Size")]


def _source(items: list[tuple[str, str, str]]) -> ListSource[tuple[str, str, str]]:
    return ListSource(COLUMNS, items, lambda row: row)


def test_marked_puts_the_arrow_on_the_sorted_column_only() -> None:
    assert sorting.marked(["A", "B"], 1, False) == ["A", "B ▲"]
    assert sorting.marked(["A", "B"], 0, True) == ["A ▼", "B"]
    assert sorting.marked(["A", "B"], -1, True) == ["A", "B"]


def test_all_tracks_order_menu_pick_and_reverse() -> None:
    order = sorting.AllTracksOrder()
    menu = order.menu()
    assert menu.choices == list(SORT_KEYS)
    assert menu.current == SORT_KEYS.index("artist")
    assert menu.titles[menu.current].endswith(" ▲")
    assert sorting.AllTracksOrder("nonsense", True).menu().current == 0
    order.pick("artist")
    assert (order.key, order.descending) == ("artist", True)
    assert order.menu().titles[menu.current].endswith(" ▼")
    order.pick("artist")
    assert (order.key, order.descending) == ("artist", False)
    order.reverse()
    order.pick("title")
    assert (order.key, order.descending) == ("title", False)
    order.reverse()
    assert order.ids_key(Scope()) == (Scope(), "title", True)


def test_list_orders_menu_skips_untitled_columns_and_picking_twice_reverses() -> None:
    orders = sorting.ListOrders()
    source = _source([("b", "", "2")])
    menu = orders.menu("albumartist", "albums", source)
    assert menu.choices == [0, 2] and menu.titles == ["Name", "Size"] and menu.current == 0
    orders.pick("albumartist", "albums", 2)
    assert orders.get("albumartist", "albums") == (2, False)
    assert orders.get("genre", "albums") is None  # per view
    orders.pick("albumartist", "albums", 2)
    assert orders.get("albumartist", "albums") == (2, True)
    assert orders.menu("albumartist", "albums", source).titles == ["Name", "Size ▼"]
    orders.pick("albumartist", "albums", 0)
    assert orders.get("albumartist", "albums") == (0, False)
    orders.reverse("albumartist", "entries")
    assert orders.get("albumartist", "entries") == (0, True)


def test_sort_source_is_natural_keeps_the_cursor_row_and_marks_the_column() -> None:
    source = _source([("a", "", "10"), ("b", "", "9"), ("c", "", "1,200")])
    sorted_, cursor = sorting.sort_source(source, (2, False), 1)
    assert [r[0] for r in sorted_.items] == ["b", "a", "c"]
    assert sorted_.items[cursor] == ("b", "", "9")
    assert sorted_.columns[2].sort == "#2" and source.columns[2].sort != "#2"
    down, cursor = sorting.sort_source(source, (2, True), 7)  # cursor out of range: top
    assert [r[0] for r in down.items] == ["c", "a", "b"] and cursor == 0
    assert sorting.sort_source(source, None, 2) == (source, 2)
    assert sorting.sort_source(source, (5, False), 2) == (source, 2)  # no such column
    pages = TrackPages(lambda: None, [3, 1])
    assert sorting.sort_source(pages, (0, False), 1) == (pages, 1)


def test_browse_cache_keeps_the_latest_and_forgets_on_change() -> None:
    cache = BrowseCache(version=1)
    for i in range(ENTRIES_KEPT + 3):
        cache.remember_entries(("v", i), [])
    assert len(cache.entries) == ENTRIES_KEPT and ("v", 0) not in cache.entries
    for i in range(IDS_KEPT + 1):
        cache.remember_ids((i,), [i])
    cache.remember_ids((1,), [1])  # used again: kept longest
    cache.remember_ids((9,), [9])
    assert (1,) in cache.ids and (2,) not in cache.ids and len(cache.ids) == IDS_KEPT
    cache.forget_if_changed(1)
    assert cache.entries and cache.ids
    cache.forget_if_changed(2)
    assert not cache.entries and not cache.ids and cache.version == 2


def test_entries_key_ignores_the_filter_for_whole_catalog_views() -> None:
    filtered = Scope("albumartist", where="x = ?", params=(1,))
    followers = [v for v in VIEWS if v.follows_filter and not v.all_tracks]
    others = [v for v in VIEWS if not v.follows_filter]
    for view in followers:
        assert entries_key(view, filtered) != entries_key(view, Scope())
    for view in others:
        assert entries_key(view, filtered) == (view.key, None)


def test_missing_views_lists_every_view_but_all_tracks_until_remembered() -> None:
    cache = BrowseCache()
    missing = cache.missing_views(Scope())
    assert {view.key for _, view, _ in missing} == {v.key for v in VIEWS if not v.all_tracks}
    for key, view, scope in missing:
        assert scope.category == view.key and VIEW_BY_KEY[view.key] is view
        cache.remember_entries(key, [Entry(("x",), "x", 1, 0.0)])
    assert cache.missing_views(Scope()) == []


def test_error_text_puts_a_caret_under_the_bad_part() -> None:
    assert error_text("year:19x", 5, "bad year") == "     ^\nbad year"
    assert error_text("  year:19x", 5, "bad year") == "       ^\nbad year"  # stripped lead
    assert error_text("abc", None, "oops") == "oops"
    assert error_text("abc", 9, "oops") == "oops"


def test_names_and_file_ids() -> None:
    assert names(["/a"]) == "/a"
    assert names(["/a", "/b"]) == "/a and /b"
    assert names(["/a", "/b", "/c"]) == "/a, /b and /c"
    assert list(file_ids(TrackPages(lambda: None, [5, 2]))) == [5, 2]

    class Copy:
        def __init__(self, file_id: object) -> None:
            self.file_id = file_id

    source = ListSource(COLUMNS, [Copy(4), Copy(None), Copy(7)], lambda c: ())
    assert file_ids(source) == [4, 7]
    assert file_ids(object()) == ()
