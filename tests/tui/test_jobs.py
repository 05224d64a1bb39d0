"""Background work from the UI: real scans of real audio files, and reading
while another process writes the catalog."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from archiver.tui.app import ArchiverApp
from archiver.tui.screens.main import MainScreen
from archiver.tui.screens.prompt import PromptScreen
from archiver.tui.screens.welcome import WelcomeScreen
from archiver.tui.widgets.status_bar import StatusBar
from tests.audiogen import make_file
from tests.tui.helpers import settle, wait_until

SIZE = (120, 40)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "library"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    if not EXAMPLES.is_dir():
        pytest.skip("examples/library is not there")
    dest = tmp_path / "music"
    shutil.copytree(EXAMPLES, dest)
    return dest


def entry_labels(screen: MainScreen) -> list[str]:
    table = screen.table("entries")
    return [table.source.cells(i)[0] for i in range(table.row_count)]


async def test_scan_from_the_welcome_screen(tmp_path: Path, library: Path) -> None:
    db = tmp_path / "new" / "library.db"
    app = ArchiverApp(db, jobs=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 1)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("r")
        await pilot.pause(0.1)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*str(library), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert "Björk Ǫuartet" in entry_labels(screen)
        assert screen.query_one(StatusBar).stats.tracks == 22
    assert db.exists()


async def test_rescan_in_the_background_refreshes_the_view(tmp_path: Path, library: Path) -> None:
    from archiver.scan import scan

    db = tmp_path / "library.db"
    scan(db, [library], jobs=1)
    app = ArchiverApp(db, jobs=2)  # a real process pool, started from a worker thread
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert "Zappa Tribute Band" not in entry_labels(screen)
        make_file(
            library / "Zappa Tribute Band" / "Hot Rats" / "01.flac",
            "flac",
            {"title": "Peaches", "artist": "Zappa Tribute Band", "album": "Hot Rats"},
        )
        await pilot.press("r")  # a rescan asks first
        await pilot.pause(0.5)  # a yes typed with the r would not count
        await pilot.press("y")
        await pilot.pause(0.05)
        # The UI stays usable while the scan runs.
        await pilot.press("j", "k")
        await wait_until(pilot, lambda: app.job_kind is None)
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("Scan finished" in m for m in messages), messages
        assert "Zappa Tribute Band" in entry_labels(screen)
        assert not screen.query_one("#job-bar").has_class("-running")


async def test_cancel_a_scan(tmp_path: Path) -> None:
    library = tmp_path / "many"
    for i in range(150):
        make_file(library / f"{i:03d}.mp3", "mp3", {"title": f"Song {i}", "artist": "Many"})
    db = tmp_path / "library.db"
    app = ArchiverApp(db, jobs=1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, 1)
        app.start_scan([str(library)])
        await pilot.press("c")
        await wait_until(pilot, lambda: app.job_kind is None)
        await settle(pilot, 1)
    from archiver.catalog import open_catalog

    with open_catalog(db, create=False) as catalog:
        status = catalog.execute("SELECT status FROM scan_runs ORDER BY id DESC").fetchone()[0]
    assert status in ("interrupted", "finished")  # finished only if it beat the key press


async def test_ctrl_c_quits_like_q_and_stops_the_scan(tmp_path: Path) -> None:
    """Ctrl-C quits (not Textual's "press ctrl+q" toast), from the filter too, and a
    running scan is stopped and recorded the way q does it."""
    from archiver.catalog import open_catalog

    library = tmp_path / "many"
    for i in range(150):
        make_file(library / f"{i:03d}.mp3", "mp3", {"title": f"Song {i}", "artist": "Many"})
    db = tmp_path / "library.db"
    app = ArchiverApp(db, jobs=1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, 1)
        app.start_scan([str(library)])
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        assert not app.is_running
        assert not any("quit" in n.message for n in app._notifications)
    assert app.return_code == 0

    def last_status() -> str:
        with open_catalog(db, create=False) as catalog:
            row = catalog.execute("SELECT status FROM scan_runs ORDER BY id DESC").fetchone()
        return row[0] if row else ""

    deadline = time.time() + 30
    while last_status() == "running" and time.time() < deadline:
        time.sleep(0.1)
    assert last_status() in ("interrupted", "finished")  # finished only if it beat the key

    app = ArchiverApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "x", "ctrl+c")  # typing in the filter
        await pilot.pause(0.1)
        assert not app.is_running
    assert app.return_code == 0


WRITER = textwrap.dedent(
    """
    import sys, time
    from archiver.catalog import open_catalog, utc_now
    from archiver.scan import scan_lock
    catalog = open_catalog(sys.argv[1], create=False)
    conn = catalog.conn
    lock = scan_lock(catalog.path)
    lock.__enter__()  # held like a real scan until the process ends
    with catalog.write():
        conn.execute("INSERT INTO scan_runs (started_at, status) VALUES (?, 'running')", (utc_now(),))
    n = 0
    deadline = time.time() + float(sys.argv[2])
    while time.time() < deadline:
        with catalog.write():  # a scan's batches: write, hold the lock a while, commit
            for _ in range(20):
                n += 1
                path = f"/music/Writer/Batch/{n:05d}.flac"
                cur = conn.execute(
                    "INSERT INTO files (path, path_bytes, size, mtime_ns, mtime, format, first_seen_at, last_seen_at) "
                    "VALUES (?, ?, 1000, 1, '2026-01-01T00:00:00Z', 'flac', ?, ?)",
                    (path, path.encode(), utc_now(), utc_now()),
                )
                conn.execute(
                    "INSERT INTO tags (file_id, title, artist, albumartist, album) VALUES (?, ?, 'Writer', 'Writer', 'Batch')",
                    (cur.lastrowid, f"t{n}"),
                )
            time.sleep(0.05)  # holding the write lock, as a scan's writer does
        print(n, flush=True)
    """
)


async def test_reads_while_another_process_writes(catalog_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(catalog_path), "6"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # the writer is under way
        app = ArchiverApp(catalog_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, MainScreen)
            assert "Writer" in entry_labels(screen)
            status = screen.query_one(StatusBar)
            assert status.catalog is not None and status.catalog.scan_running_since is not None
            assert "scan running since" in status.render().plain
            first = status.stats.tracks
            await pilot.press("a", "G", "enter")  # page reads and a detail read during writes
            await settle(pilot, 1)
            await pilot.press("escape", "ctrl+r")
            await settle(pilot)
            assert status.stats.tracks > first  # committed batches show up on reload
            await pilot.press("r")  # refused: the other process is scanning
            await settle(pilot, 1)
            assert app.job_kind is None
            messages = [n.message for n in app._notifications]
            assert any("already running" in m for m in messages)
            assert not any("Could not read" in m for m in messages)
    finally:
        proc.kill()
        proc.wait()
    assert time.time()  # the writer never blocked the reader (the test would have timed out)


async def test_enrich_the_selected_album(tmp_path: Path) -> None:
    from archiver.catalog import open_catalog
    from tests.musicbrainz.conftest import R_GLASS, populate, serve_library
    from tests.musicbrainz.fakeserver import FakeMusicBrainz

    db = tmp_path / "library.db"
    with open_catalog(db) as catalog:
        populate(catalog)
    with FakeMusicBrainz() as fake:
        serve_library(fake)
        app = ArchiverApp(db, musicbrainz_url=fake.url, contact="tests@example.org")
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, MainScreen)
            labels = entry_labels(screen)
            for _ in range(labels.index("The Lanterns")):
                await pilot.press("j")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            albums = screen.table("albums")
            assert albums.source.cells(0)[1] == "Glass Harbor"
            assert albums.source.cells(0)[-1] == "—"
            await pilot.press("e")
            await pilot.pause(0.5)  # read the question (a yes typed at once is ignored)
            await pilot.press("y")
            await wait_until(pilot, lambda: app.job_kind is None)
            await settle(pilot)
            assert albums.source.cells(0)[-1] == "matched"
            assert any("Enrichment finished" in n.message for n in app._notifications)
        # Only the selected album was looked up.
        assert fake.keys() and all(R_GLASS in key for key in fake.keys())


async def export_with_x(pilot, out: Path) -> str:  # type: ignore[no-untyped-def]
    """Press x, answer the file name; returns the question the prompt asked."""
    app = pilot.app
    await pilot.press("x")
    await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))  # after a count
    prompt = app.screen
    assert isinstance(prompt, PromptScreen)
    question = prompt.question
    await pilot.press("ctrl+u", *str(out), "enter")  # ctrl+u clears the default name
    await wait_until(pilot, lambda: out.exists())
    await settle(pilot, 1)
    return question


def read_csv(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def test_export_the_current_view(catalog_path: Path, tmp_path: Path) -> None:
    """x exports what e would enrich: the entry under the cursor (not the catalog),
    the album when the albums column is focused; the notification says what."""
    beatles = tmp_path / "beatles.csv"
    album = tmp_path / "album.csv"
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")  # the album artists column, on The Beatles
        await settle(pilot)
        question = await export_with_x(pilot, beatles)
        assert "The Beatles" in question
        await wait_until(pilot, lambda: any("Exported" in n.message for n in app._notifications))
        done = [n.message for n in app._notifications if n.message.startswith("Exported")]
        assert done == [f"Exported 6 tracks (“The Beatles”) to {beatles}"]
        await pilot.press("enter")  # the albums column: Help! selected
        await settle(pilot)
        question = await export_with_x(pilot, album)
        assert "Help!" in question
    rows = read_csv(beatles)
    assert len(rows) == 6  # the Beatles' present tracks
    assert {r["album"] for r in rows} == {"Help!", "Abbey Road"}
    assert {r["album"] for r in read_csv(album)} == {"Help!"}
