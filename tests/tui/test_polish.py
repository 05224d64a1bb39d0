"""Issue 20: the polish points (no surprises from stray keys, the filter being
typed, nothing important cut, widths, Browse-column speed, …), driven with Pilot
over the deterministic test catalog and real scans."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.tui.app import ArchiverApp
from archiver.tui.format import shorten_path
from archiver.tui.screens.main import MainScreen
from archiver.tui.screens.message import MessageScreen
from archiver.tui.screens.prompt import ConfirmScreen
from archiver.tui.sources import ListSource
from archiver.tui.widgets.paged_table import Column, PagedTable, column_widths, fit, fitted_columns
from archiver.tui.widgets.status_bar import StatusBar
from tests.audiogen import make_file
from tests.tui.helpers import settle, wait_until

SIZE = (120, 40)


def main_screen(app: ArchiverApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


# ---------------------------------------------------------------- 1. stray keys


async def test_an_unbound_letter_says_how_to_filter(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        bar = screen.query_one(StatusBar)
        await pilot.press("o")
        assert "press / to filter" in bar.hint
        assert "press / to filter" in bar.render().plain
        await pilot.press("j")  # a bound key: the hint goes, the figures come back
        assert bar.hint == ""
        assert "16 tracks" in bar.render().plain
        # In the filter, letters are text, never a hint.
        await pilot.press("slash", "o")
        assert bar.hint == ""


def root_at(catalog_path: Path, folder: Path) -> Path:
    """The test catalog with its library root at ``folder`` (the fixture's /music is not there)."""
    import sqlite3

    conn = sqlite3.connect(catalog_path)
    conn.execute("UPDATE library_roots SET path = ?, path_bytes = ?", (str(folder), bytes(folder)))
    conn.commit()
    conn.close()
    return catalog_path


async def test_rescan_asks_first_and_no_answers_no(catalog_path: Path, tmp_path: Path) -> None:
    app = ArchiverApp(root_at(catalog_path, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot, 1)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Rescan" in app.screen.question
        await pilot.press("n")
        await settle(pilot, 1)
        assert isinstance(app.screen, MainScreen)
        assert app.job_kind is None
        # A typed word never starts anything: `e` and `r` ask, and a `y` typed with
        # the word does not answer (only one read after the question appeared).
        await pilot.press(*"rye")
        await settle(pilot, 1)
        assert isinstance(app.screen, ConfirmScreen) and app.job_kind is None
        await pilot.press("escape")
        await settle(pilot, 1)
        assert isinstance(app.screen, MainScreen) and app.job_kind is None


async def test_q_during_a_job_asks_whether_to_stop_it(tmp_path: Path) -> None:
    library = tmp_path / "many"
    for i in range(150):
        make_file(library / f"{i:03d}.mp3", "mp3", {"title": f"Song {i}", "artist": "Many"})
    db = tmp_path / "library.db"
    app = ArchiverApp(db, jobs=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 1)
        app.start_scan([str(library)])
        await pilot.press("q")
        await pilot.pause(0.1)
        assert app.is_running
        assert isinstance(app.screen, ConfirmScreen)
        assert "scan is running" in app.screen.question
        await pilot.press("n")  # keep it running
        await pilot.pause(0.1)
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await wait_until(pilot, lambda: app.job_kind is None)
        await settle(pilot, 1)
        app.start_scan([])
        await pilot.press("q")
        await pilot.pause(0.5)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause(0.2)
        assert not app.is_running


async def test_q_without_a_job_quits_at_once(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause(0.1)
        assert not app.is_running


async def test_rescanning_a_root_that_is_gone_says_so(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)  # its root, /music, does not exist here
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot, 1)
        assert isinstance(app.screen, MainScreen) and app.job_kind is None
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("/music no longer exists (unmounted or moved?)") for m in messages)


# ---------------------------------------------------------------- 2. the filter being typed


async def test_an_invalid_query_shows_the_filter_of_when_slash_was_pressed(
    catalog_path: Path,
) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        await pilot.press("a")
        await settle(pilot)
        table = screen.table("alltracks")
        everything = table.row_count
        # Typed slowly (each key after a pause, so each prefix may apply) …
        await pilot.press("slash")
        for key in "year:19x":
            await pilot.press(key)
            await settle(pilot, 1)
        assert screen.filter.text == ""  # never `y` nor `year:19`
        assert table.row_count == everything
        error = str(screen.query_one("#filter-error").render())
        assert error.splitlines()[0] == " " * 5 + "^"  # under `19x`
        assert "character 6" in error and "not a number" in error
        # … and typed fast (prefixes coalesced): the same.
        await pilot.press("escape", "slash", *"year:19x")
        await settle(pilot)
        assert screen.filter.text == "" and table.row_count == everything
        # Fixing the text applies it.
        await pilot.press("backspace", "6", "5")
        await settle(pilot)
        assert screen.filter.text == "year:1965"
        assert 0 < table.row_count < everything
        assert not screen.query_one("#filter-error").has_class("-shown")


async def test_an_invalid_edit_keeps_the_filter_that_was_active(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        await pilot.press("a", "slash", *"beatles", "enter")
        await settle(pilot)
        table = screen.table("alltracks")
        beatles = table.row_count
        assert screen.filter.text == "beatles" and beatles
        await pilot.press("slash", "end", *" year:")  # `/` selects the text: End keeps it
        await settle(pilot)
        assert screen.filter.text == "beatles" and table.row_count == beatles
        assert "needs a value" in str(screen.query_one("#filter-error").render())
        await pilot.press(*"1969")
        await settle(pilot)
        assert screen.filter.text == "beatles year:1969"
        assert 0 < table.row_count < beatles


# ---------------------------------------------------------------- 3. nothing important cut


def rendered(table: PagedTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def test_counts_get_their_width_and_the_label_gives_way() -> None:
    columns = [Column("Browse by", flex=1), Column("", align="right", fit=True)]
    source = ListSource(columns, [("Incomplete albums", "14,213"), ("Damaged", "")], lambda r: r)
    fitted = fitted_columns(source)
    assert fitted[1].width == 6
    widths = column_widths(fitted, 17)  # the left column at 80x24
    assert widths == [10, 6]
    assert fit("14,213", widths[1], "right") == "14,213"
    assert fit("Incomplete albums", widths[0]) == "Incomplet…"


def test_a_hint_keeps_its_command_on_one_line() -> None:
    from archiver.tui.widgets.paged_table import wrap_hint

    text = "Nothing verified yet: run `archiver verify`."
    lines = wrap_hint(text, 20)
    assert "`archiver verify`." in lines and " ".join(lines) == text
    narrow = wrap_hint(text, 12)  # too narrow for the command: split, never cut
    assert " ".join(narrow) == text and max(len(line) for line in narrow) <= 12


def test_paths_are_shortened_in_the_middle() -> None:
    path = "/music/Some Artist/Some Album (Deluxe)/01 Track.flac"
    assert shorten_path(path, 60) == path
    assert shorten_path(path, 30) == "/music/…/01 Track.flac"
    assert shorten_path(path, 45) == "/music/…/Some Album (Deluxe)/01 Track.flac"
    assert shorten_path(path, 20) == "…/01 Track.flac"  # the file name first
    assert shorten_path(path, 12) == "/musi…k.flac"  # no whole name fits
    assert len(shorten_path(path, 12)) == 12
    assert shorten_path("a/b.flac", 3) == "a…c"
    assert fit(path, 30, cut="path") == "/music/…/01 Track.flac        "
    assert fit(path, 30) == path[:29] + "…"  # other columns are cut at the end


async def test_counts_show_in_the_left_column_at_80x24(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = rendered(main_screen(app).table("categories"))
        review = next(line for line in lines if line.startswith("Needs review"))
        assert review.rstrip().endswith(" 4")
        incomplete = next(line for line in lines if line.startswith("Incomplete"))
        assert incomplete.rstrip().endswith(" 2")


async def test_an_empty_hint_keeps_its_command_at_80x24(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        screen.table("categories").move_cursor(screen._category_index("duplicates"))
        await settle(pilot)
        text = " ".join(line.strip() for line in rendered(screen.table("albums")))
        assert "`archiver scan --checksum` or `archiver verify`." in text


async def test_enter_on_a_scan_error_shows_the_whole_path_and_reason(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        screen.table("categories").move_cursor(screen._category_index("errors"))
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot, 1)
        message = app.screen
        assert isinstance(message, MessageScreen)
        assert "/music/Unsorted/broken.flac" in message.text
        assert "file said 8192 bytes, read 2048 bytes" in message.text


# ---------------------------------------------------------------- 4. width to what varies


def test_a_column_with_one_value_on_every_row_hides() -> None:
    columns = [Column("Title", flex=3), Column("Artist", flex=2, hide_same=True)]
    same = ListSource(columns, [("A", "Björk"), ("B", "Björk")], lambda r: r)
    assert fitted_columns(same)[1].hide_below > 10_000
    varied = ListSource(columns, [("A", "Björk"), ("B", "Miles Davis")], lambda r: r)
    assert fitted_columns(varied)[1].hide_below == 0


async def test_the_status_bar_says_where_the_cursor_is(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        bar = screen.query_one(StatusBar)
        assert bar.render().plain.startswith("1 of 5 · 16 tracks")
        await pilot.press("j", "j")
        assert bar.position == "3 of 5"
        await pilot.press("enter")  # The Beatles' albums
        await settle(pilot)
        assert bar.position == "1 of 2"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("G")
        assert bar.position == "16 of 16"


async def test_track_titles_get_the_width_when_the_artist_is_the_same(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        await pilot.press("j", "j", "enter", "j", "enter")  # The Beatles › Abbey Road
        await settle(pilot)
        header = rendered(screen.table("tracks"))[0]
        assert "Title" in header and "Artist" not in header


async def test_all_tracks_gets_the_screen_below_100_columns(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        await pilot.press("a")
        await settle(pilot)
        assert not screen.table("categories").display
        assert screen.table("alltracks").outer_size.width == 80
        await pilot.press("h")  # back to the left column: it shows again
        await settle(pilot, 1)
        assert screen.table("categories").display and screen.table("categories").has_focus
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert main_screen(app).table("categories").display


# ---------------------------------------------------------------- 5. instant Browse column


async def test_views_are_read_once_until_the_catalog_changes(catalog_path: Path) -> None:
    import sqlite3

    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        await wait_until(pilot, lambda: len(screen.cache.entries) >= 12)  # warmed
        await settle(pilot, 1)
        groups: list[str] = []
        real_load = screen.loader.load

        def spy(group, fn, args, then):  # type: ignore[no-untyped-def]
            groups.append(group)
            real_load(group, fn, args, then)

        screen.loader.load = spy  # type: ignore[method-assign]
        categories = screen.table("categories")
        categories.focus()
        for key in ("duplicates", "incomplete", "errors", "genre"):
            categories.move_cursor(screen._category_index(key))
            await pilot.pause()  # the highlight is handled: no timer, no worker needed
            assert screen.category == key
            assert screen.table("entries").row_count > 0 or key == "duplicates"
        assert "entries" not in groups
        errors = screen._category_index("errors")
        categories.move_cursor(errors)
        await pilot.pause()
        assert [e.label for e in screen.table("entries").source.items] == ["corrupt"]

        # Another process writes the catalog: the next status read drops the cache.
        conn = sqlite3.connect(catalog_path)
        conn.execute("UPDATE scan_errors SET kind = 'unsupported'")
        conn.commit()
        conn.close()
        screen._load_catalog_status()
        await settle(pilot)
        categories.move_cursor(0)
        await pilot.pause()
        categories.move_cursor(errors)
        await settle(pilot)
        # Read again (warmed again in the background, or on the way to the view).
        assert [e.label for e in screen.table("entries").source.items] == ["unsupported"]


# ---------------------------------------------------------------- 10. options where people put them


def test_jobs_before_the_command_reaches_the_browser(
    catalog_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`archiver --db X --jobs 1` is `archiver --db X tui --jobs 1` (and reaches scan)."""
    from click.testing import CliRunner

    import archiver.cli
    import archiver.commands.tui

    seen: list[int | None] = []

    def run(self: ArchiverApp, *args: object, **kwargs: object) -> None:
        seen.append(self.scan_jobs)  # the app itself is driven by the Pilot tests

    monkeypatch.setattr(archiver.commands.tui, "terminal_attached", lambda: True)
    monkeypatch.setattr(ArchiverApp, "run", run)
    monkeypatch.setattr(archiver.cli.sys.stdin, "isatty", lambda: True, raising=False)
    runner = CliRunner()
    for argv in (
        ["--db", str(catalog_path), "--jobs", "1", "tui"],
        ["--db", str(catalog_path), "tui", "--jobs", "1"],
        ["--db", str(catalog_path), "-j", "3", "tui", "-j", "1"],  # after the command wins
        ["--db", str(catalog_path), "tui"],
    ):
        result = runner.invoke(archiver.cli.cli, argv)
        assert result.exit_code == 0, result.output
    assert seen == [1, 1, 1, None]
    result = runner.invoke(archiver.cli.cli, ["--db", str(catalog_path), "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs" in result.output


def test_jobs_alone_opens_the_browser_with_it(
    catalog_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archiver.cli
    import archiver.commands.tui

    seen: list[int | None] = []
    monkeypatch.setattr(archiver.commands.tui, "terminal_attached", lambda: True)
    monkeypatch.setattr(ArchiverApp, "run", lambda self, *a, **k: seen.append(self.scan_jobs))
    monkeypatch.setattr(archiver.cli.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(archiver.cli.sys.stdout, "isatty", lambda: True, raising=False)
    with pytest.raises(SystemExit) as done:
        archiver.cli.cli.main(["--db", str(catalog_path), "--jobs", "1"], prog_name="archiver")
    assert done.value.code == 0
    assert seen == [1]


# ---------------------------------------------------------------- 6. the command palette


def test_the_palette_names_every_action_and_none_of_textuals() -> None:
    from archiver.tui.palette import PALETTE

    titles = [title for title, _, _, _ in PALETTE]
    for verb in (
        "Sort by…",
        "Export view…",
        "Rescan",
        "Enrich",
        "Verify",
        "Analyze",
        "Review",
        "Filter…",
        "Keys",
    ):
        assert verb in titles


async def test_the_palette_runs_actions_and_esc_closes_it(
    catalog_path: Path, tmp_path: Path
) -> None:
    from textual.command import CommandPalette

    app = ArchiverApp(root_at(catalog_path, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Go to Duplicates" in titles and "Rescan" in titles
        assert not any(t in titles for t in ("Screenshot", "Maximize", "Minimize"))
        await pilot.press("ctrl+p")
        await settle(pilot, 1)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await settle(pilot, 1)
        assert app.screen is screen
        await pilot.press("ctrl+p", *"rescan")
        await settle(pilot, 1)
        await pilot.press("enter")
        await settle(pilot, 1)
        assert isinstance(app.screen, ConfirmScreen) and "Rescan" in app.screen.question
        await pilot.press("escape")
        await settle(pilot, 1)
        await pilot.press("ctrl+p", *"go to duplicates")
        await settle(pilot, 1)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.category == "duplicates" and screen.table("entries").has_focus
        await pilot.press("ctrl+p", *"review")
        await settle(pilot, 1)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.category == "review" and screen.table("entries").has_focus


# ---------------------------------------------------------------- 7. sorting everywhere


async def test_any_list_sorts_from_the_menu(catalog_path: Path) -> None:
    from archiver.tui.screens.prompt import ChoiceScreen

    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        await pilot.press("j", "j", "enter")  # The Beatles' albums: Help! (1965), Abbey Road
        await settle(pilot)
        albums = screen.table("albums")
        assert [albums.source.cells(i)[1] for i in range(2)] == ["Help!", "Abbey Road"]
        await pilot.press("j")
        await pilot.press("s")
        await settle(pilot, 1)
        menu = app.screen
        assert isinstance(menu, ChoiceScreen)
        assert menu.options[:2] == ["Year", "Album"]
        await pilot.press("j", "enter")  # by album title
        await settle(pilot)
        assert [albums.source.cells(i)[1] for i in range(2)] == ["Abbey Road", "Help!"]
        assert albums.cursor == 0 and albums.sort_key == "#1"
        await pilot.press("s", "enter")  # the same column again: reversed
        await settle(pilot)
        assert [albums.source.cells(i)[1] for i in range(2)] == ["Help!", "Abbey Road"]
        # The entries sort by their count, as numbers.
        await pilot.press("h", "s", "j", "enter")
        await settle(pilot)
        entries = screen.table("entries")
        counts = [int(entries.source.cells(i)[1]) for i in range(entries.row_count)]
        assert counts == sorted(counts)
        await pilot.press("s", "escape")  # Esc closes the menu, nothing changes
        await settle(pilot, 1)
        assert app.screen is screen


def test_cells_sort_by_value() -> None:
    from archiver.tui.sources import natural_key

    cells = ["10", "9", "1,200", "", "b", "A", "3:07", "1:02:03", "2-01", "1-02"]
    numbers = sorted(["10", "9", "1,200"], key=natural_key)
    assert numbers == ["9", "10", "1,200"]
    assert sorted(["3:07", "1:02:03", "0:59"], key=natural_key) == ["0:59", "3:07", "1:02:03"]
    assert sorted(["2-01", "1-02", "1-10"], key=natural_key) == ["1-02", "1-10", "2-01"]
    assert sorted(["b", "", "A"], key=natural_key) == ["A", "b", ""]
    assert len(sorted(cells, key=natural_key)) == len(cells)


async def test_verify_from_the_palette_runs_in_the_background(tmp_path: Path) -> None:
    import shutil

    from archiver.catalog import open_catalog
    from archiver.scan import scan

    examples = Path(__file__).resolve().parents[2] / "examples" / "library"
    if not examples.is_dir():
        pytest.skip("examples/library is not there")
    library = tmp_path / "music"
    shutil.copytree(examples, library)
    db = tmp_path / "library.db"
    scan(db, [library], jobs=1)
    app = ArchiverApp(db, jobs=1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"verify")
        await settle(pilot, 1)
        await pilot.press("enter")
        await pilot.pause(0.5)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: app.job_kind is None)
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Verify finished: 22 checked, 22 ok") for m in messages), messages
    with open_catalog(db, create=False) as catalog:
        status = catalog.execute("SELECT status FROM verify_runs ORDER BY id DESC").fetchone()[0]
    assert status == "finished"


# ---------------------------------------------------------------- 8. export is what you see


async def test_export_says_how_many_tracks_and_the_full_path(
    catalog_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archiver.tui.screens.prompt import PromptScreen

    monkeypatch.chdir(tmp_path)
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "x")  # The Beatles
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        assert "(6 tracks)" in prompt.question
        default = tmp_path / "archiver-export.csv"
        assert prompt.value == str(default)
        await pilot.press("enter")
        await wait_until(pilot, lambda: default.exists())
        await settle(pilot, 1)
        done = [n.message for n in app._notifications if n.message.startswith("Exported")]
        assert done == [f"Exported 6 tracks (“The Beatles”) to {default}"]
        # Again: the file exists, so it asks first; no keeps the file as it is.
        default.write_text("mine\n", encoding="utf-8")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("enter")
        await settle(pilot, 1)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == f"{default} exists. Replace it?"
        await pilot.press("n")
        await settle(pilot, 1)
        assert default.read_text(encoding="utf-8") == "mine\n"


async def test_export_all_tracks_in_the_order_on_screen(catalog_path: Path, tmp_path: Path) -> None:
    import csv

    from tests.tui.test_jobs import export_with_x

    out = tmp_path / "by-title.csv"
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        await pilot.press("a", "s")
        await settle(pilot, 1)
        await pilot.press("j", "j", "j", "enter")  # by title
        await settle(pilot)
        assert screen.all_order.key == "title"
        table = screen.table("alltracks")
        shown = [table.source.cells(i)[3] for i in range(table.row_count)]
        question = await export_with_x(pilot, out)
        assert f"({table.row_count} tracks)" in question
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    titles = [r["title"] or r["path"].rsplit("/", 1)[-1] for r in rows]
    assert titles == shown


# ---------------------------------------------------------------- 9. context-aware chrome


async def test_the_status_bar_and_titles_describe_the_view(catalog_path: Path) -> None:
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        bar = screen.query_one(StatusBar)
        categories = screen.table("categories")
        categories.focus()
        categories.move_cursor(screen._category_index("errors"))
        await settle(pilot)
        assert "1 file the last scan could not read" in bar.render().plain
        categories.move_cursor(screen._category_index("duplicates"))
        await settle(pilot)
        assert bar.render().plain.startswith("Same audio: no duplicates")
        # Nothing verified: the first column says so, the second neither dangles nor
        # speaks of albums.
        categories.move_cursor(screen._category_index("damaged"))
        await settle(pilot)
        assert str(screen.table("albums").border_title) == "Damaged"
        assert screen.table("albums").empty_text == ""
        assert bar.render().plain.startswith("Nothing verified yet")
        categories.move_cursor(screen._category_index("albumartist"))
        await settle(pilot)
        assert "16 tracks" in bar.render().plain


async def test_details_step_to_the_next_track_and_offer_enrich(catalog_path: Path) -> None:
    from archiver.tui.screens.detail import DetailScreen

    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter", "enter", "enter")  # Miles Davis › Kind of Blue › So What
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DetailScreen) and detail.detail is not None
        assert detail.detail.tags["title"] == "So What"
        assert detail.detail.match is None
        assert detail.check_action("enrich", ()) is True  # never enriched: e is offered
        assert detail.check_action("step", (-1,)) is None  # the first: no previous
        await pilot.press("n")
        await settle(pilot, 1)
        assert detail.detail.tags["title"] == "Freddie Freeloader"
        await pilot.press("p")
        await settle(pilot, 1)
        assert detail.detail.tags["title"] == "So What"
        await pilot.press("e")
        await settle(pilot, 1)
        assert isinstance(app.screen, ConfirmScreen) and "So What" in app.screen.question
        await pilot.press("escape")  # Esc closes the question, then the details
        await settle(pilot, 1)
        await pilot.press("escape")
        await settle(pilot, 1)
        screen = main_screen(app)
        await pilot.press("h", "h", "j", "enter", "j", "enter", "enter")  # Abbey Road: matched
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DetailScreen) and detail.detail is not None
        assert detail.detail.match is not None
        assert detail.check_action("enrich", ()) is False  # already enriched: not offered
        assert screen is not detail


async def test_a_big_catalog_reads_its_heavy_views_when_opened(
    catalog_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past WARM_HEAVY_TRACKS the duplicates and incomplete albums are not read ahead
    (seconds of Python and tens of MB at a million tracks), the other views are; the
    heavy ones are read when opened."""
    from archiver.tui.screens import main as main_module

    monkeypatch.setattr(main_module, "WARM_HEAVY_TRACKS", 0)
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        await wait_until(pilot, screen.warmed)
        await settle(pilot, 1)
        warmed = {key[0] for key in screen.cache.entries}
        assert "genre" in warmed and "errors" in warmed
        assert not warmed & {"duplicates", "incomplete", "album"}
        categories = screen.table("categories")
        categories.focus()
        categories.move_cursor(screen._category_index("incomplete"))
        await settle(pilot)
        assert screen.category == "incomplete"
        assert screen.table("entries").row_count > 0
