"""Covers in the TUI, driven with Pilot over a scanned library with real covers."""

from __future__ import annotations

import base64
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from archiver.tui.app import ArchiverApp
from archiver.tui.cover_image import HALF_BLOCK, fit, halfblock_lines
from archiver.tui.screens.detail import DetailScreen
from archiver.tui.screens.main import MainScreen
from archiver.tui.widgets.cover import _CACHE, CoverPane
from tests.tui.helpers import settle, wait_until

pytest.importorskip("av")
ROOT = Path(__file__).resolve().parents[2]

# --- pure parts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "box", "expected"),
    [
        ((300, 300), (32, 30), (32, 32)),  # square: 32 columns, 16 rows
        ((600, 300), (32, 30), (32, 16)),  # wide
        ((300, 600), (32, 10), (10, 20)),  # tall: limited by the rows
        ((None, None), (32, 30), (32, 32)),  # unknown size: drawn square
        ((1, 10_000), (32, 30), (1, 60)),
        ((10_000, 1), (32, 30), (32, 2)),  # never less than one text row
    ],
)
def test_fit(size, box, expected):
    cols, px_rows = fit(*size, *box)
    assert (cols, px_rows) == expected and px_rows % 2 == 0
    assert cols <= box[0] and px_rows <= 2 * box[1]


def test_halfblock_lines_put_the_upper_pixel_in_front_and_join_runs():
    red, blue, green = (255, 0, 0), (0, 0, 255), (0, 128, 0)
    rgb = bytes([*red, *red, *green, *blue, *blue, *blue])  # 3 x 2 pixels
    (line,) = halfblock_lines(3, 2, rgb)
    assert [s.text for s in line] == [HALF_BLOCK * 2, HALF_BLOCK]
    first, second = line
    assert first.style.color.triplet == red and first.style.bgcolor.triplet == blue
    assert second.style.color.triplet == green and second.style.bgcolor.triplet == blue


# --- the app ----------------------------------------------------------------------------


def _colours(pane: CoverPane) -> set[tuple[int, int, int]]:
    found = set()
    for line in pane._lines:
        for seg in line:
            if seg.style and seg.style.color and seg.style.color.triplet:
                found.add(tuple(seg.style.color.triplet))
    return found


def _close(colour, target, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, target, strict=True))


async def _album(pilot, app, artist: str, album: str) -> None:
    screen = app.screen
    entries = screen.table("entries")
    await wait_until(pilot, lambda: entries.row_count > 0)
    index = next(i for i in range(entries.row_count) if entries.source.cells(i)[0] == artist)
    entries.move_cursor(index)
    await settle(pilot)
    albums = screen.table("albums")
    await wait_until(pilot, lambda: albums.row_count > 0)
    index = next(i for i in range(albums.row_count) if album in albums.source.cells(i)[1])
    albums.move_cursor(index)
    await settle(pilot)


async def test_cover_beside_the_tracks_follows_the_album(covers):
    catalog_path, _, images = covers
    _CACHE.clear()
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        pane = app.screen.query_one(CoverPane)
        await _album(pilot, app, "Beta", "Second")
        await wait_until(pilot, lambda: bool(pane._lines))
        assert any(_close(c, (200, 30, 30)) for c in _colours(pane))  # the red PNG
        assert pane.caption.startswith("120×100 · png · embedded")
        width = pane.outer_size.width

        await _album(pilot, app, "Gamma", "Nothing")  # no cover: a message, same width
        await wait_until(pilot, lambda: pane._message == "no cover")
        assert not pane._lines and pane.outer_size.width == width

        await _album(pilot, app, "Eta", "Folder only")  # Folder.PNG beside the files
        await wait_until(pilot, lambda: bool(pane._lines))
        assert any(_close(c, (90, 90, 250)) for c in _colours(pane))
        assert "Folder.PNG" in pane.caption

        await _album(pilot, app, "Delta", "Corrupt")
        await wait_until(pilot, lambda: pane._message == "the cover image does not decode")

        await _album(pilot, app, "Beta", "Second")  # from the cache: at once
        assert pane._lines and any(_close(c, (200, 30, 30)) for c in _colours(pane))


async def test_i_toggles_covers_and_narrow_terminals_have_none(covers):
    catalog_path, _, _ = covers
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(CoverPane)
        assert pane.display
        await pilot.press("i")
        await pilot.pause()
        assert not pane.display
        await pilot.press("i")
        await pilot.pause()
        assert pane.display
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(90, 30)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(CoverPane).display


async def test_track_detail_shows_the_cover(covers):
    catalog_path, _, _ = covers
    _CACHE.clear()
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await _album(pilot, app, "Alpha", "First")
        app.screen.table("albums").focus()
        await pilot.press("enter")  # into the tracks
        await settle(pilot)
        await pilot.press("enter")  # a track's details
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        pane = app.screen.query_one(CoverPane)
        await wait_until(pilot, lambda: bool(pane._lines))
        assert pane.caption.startswith("300×300 · jpeg · embedded")
        assert any(
            _close(c, (20, 60, 200), 80) for c in _colours(pane)
        )  # blue JPEG, not the green back


def test_truecolor_under_tmux_only_when_nothing_else_decided():
    from archiver.commands.tui import truecolor_under_tmux

    env = {"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "tmux-256color"}
    assert truecolor_under_tmux(env) and env["COLORTERM"] == "truecolor"
    for other in (
        {"TERM": "xterm"},  # not tmux
        {"TMUX": "x", "COLORTERM": "24bit"},
        {"TMUX": "x", "NO_COLOR": ""},
        {"TMUX": "x", "TEXTUAL_COLOR_SYSTEM": "256"},
    ):
        before = dict(other)
        assert not truecolor_under_tmux(other) and other == before


_RACE = """
import sys, threading
import archiver.tui.app  # what the TUI has loaded before its first worker runs
import archiver.tui.screens.main  # on_mount imports it, on the main thread
errors = []
def status():  # the status bar's scan-lock probe, in a worker
    try:
        from archiver.tui.scanlock import scan_lock_held
        scan_lock_held("/nonexistent/catalog.db")
    except Exception as exc:
        errors.append(repr(exc))
def cover():  # a cover worker
    try:
        from archiver.tui.cover_image import image_size, load_cover
        from archiver.art import cover_bytes
        cover_bytes(type("C", (), {"files": ["/nonexistent.mp3"], "sha256": "0"})())
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=f) for f in (status, cover, status, cover)]
[t.start() for t in threads]
[t.join() for t in threads]
print(errors)
sys.exit(1 if errors else 0)
"""


def test_workers_never_import_the_scanner_first():
    """The tmux bug "cover unavailable (KeyError)": a cover worker and the status
    bar's probe imported archiver.scan for the first time at once, and CPython
    gave one thread a partly initialised module (ImportError, then KeyError
    'archiver.scan' in the other). Loading the TUI now imports it first, on the
    main thread. A fresh interpreter, as the real app (Pilot tests run in a
    process that already imported the scanner)."""
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", _RACE],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
def test_half_blocks_in_24_bit_colour_under_tmux(covers, tmp_path):
    """The real command in a real tmux: capture-pane -e shows the cover's cells as
    "▀" with 24-bit foreground and background colours (the red PNG of Beta)."""
    catalog_path, _, _ = covers
    session = f"archiver-covers-{os.getpid()}"
    drop = ("TMUX", "COLORTERM", "NO_COLOR", "ARCHIVER_COVERS")  # tmux itself must decide
    env = {k: v for k, v in os.environ.items() if k not in drop}
    command = (
        f"PYTHONPATH={shlex.quote(str(ROOT))} {shlex.quote(sys.executable)} -m archiver"
        f" --db {shlex.quote(str(catalog_path))} tui; sleep 5"
    )
    tmux = ["tmux", "-L", session]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", "130", "-y", "40", command],
        check=True,
        env=env,
        timeout=30,
    )
    try:

        def capture() -> str:
            return subprocess.run(
                [*tmux, "capture-pane", "-p", "-e", "-t", session],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout

        screen = ""
        for _ in range(150):  # the browser up, on the first album artist (AC/DC)
            time.sleep(0.2)
            screen = capture()
            if "AC/DC" in screen and "Alpha" in screen:
                break
        subprocess.run([*tmux, "send-keys", "-t", session, "j", "j"], timeout=10)  # to Beta
        for _ in range(150):
            time.sleep(0.2)
            screen = capture()
            if "120×100" in screen:
                break
        cells = re.findall(
            r"\x1b\[38;2;(\d+);(\d+);(\d+)(?:;48;2;\d+;\d+;\d+)?m(?:\x1b\[[0-9;]*m)?▀", screen
        )
        assert "120×100 · png · embedded" in screen, re.sub(r"\x1b\[[0-9;]*m", "", screen)
        assert any(abs(int(r) - 200) < 30 and int(g) < 60 for r, g, _ in cells), cells[:5]
    finally:
        subprocess.run([*tmux, "kill-server"], timeout=10)


async def test_all_tracks_shows_the_highlighted_tracks_album(covers):
    catalog_path, _, _ = covers
    _CACHE.clear()
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        pane = app.screen.query_one(CoverPane)
        table = app.screen.table("alltracks")
        await wait_until(pilot, lambda: table.row_count > 0)
        captions = set()
        for _ in range(table.row_count):
            await wait_until(pilot, lambda: bool(pane._lines or pane._message not in ("", "…")))
            captions.add(pane.caption or pane._message)
            await pilot.press("j")
            await settle(pilot, 1)
        assert "120×100 · png · embedded" in captions and "no cover" in captions


# --- graphics protocols -----------------------------------------------------------------


def _recorded(app) -> list[str]:
    """Everything the app writes to its terminal driver outside screen updates
    (Pilot's headless driver writes nothing: record what reaches it)."""
    written: list[str] = []
    driver = app._driver
    original = driver.write

    def write(data: str) -> None:
        written.append(data)
        original(data)

    driver.write = write
    return written


async def test_kitty_sends_the_image_once_and_draws_placeholders(covers, monkeypatch):
    from archiver.tui import graphics
    from tests.covers.test_graphics import _kitty_messages

    catalog_path, _, _ = covers
    _CACHE.clear()
    monkeypatch.setattr(graphics, "cell_pixels", lambda fd=None: (10, 20))
    app = ArchiverApp(catalog_path, cover_protocol="kitty")
    async with app.run_test(size=(130, 40)) as pilot:
        written = _recorded(app)
        await settle(pilot)
        pane = app.screen.query_one(CoverPane)
        await _album(pilot, app, "Beta", "Second")
        await wait_until(pilot, lambda: pane._drawing is not None and pane.caption != "")
        drawing = pane._drawing
        assert drawing.kind == "kitty"
        # 120 x 100 pixels in 32 x 30 cells of 10 x 20: 320 x 267 pixels, 32 x 14 cells
        assert (drawing.cols, drawing.rows) == (pane.size.width, 14)
        sent = [m for m in _kitty_messages("".join(written)) if m[0].get("i")]
        first = next(keys for keys, _ in sent if keys["i"] == str(drawing.image_id))
        assert (first["c"], first["r"]) == (str(drawing.cols), str(drawing.rows))
        # the image sent: the red PNG, reassembled from its chunks
        payload = "".join(p for _, p in _kitty_messages(drawing.escape))
        pixels = zlib.decompress(base64.standard_b64decode(payload))
        # 320 x 267 pixels centred in its 32 x 14 cells: 320 x 280 RGBA, 6 rows transparent above
        assert (first["s"], first["v"], first["f"]) == ("320", "280", "32")
        assert len(pixels) == 320 * 280 * 4
        assert pixels[3] == 0 and pixels[(5 * 320 + 80) * 4 + 3] == 0  # padding
        middle = (140 * 320 + 80) * 4
        assert pixels[middle + 3] == 255 and _close(
            tuple(pixels[middle : middle + 3]), (200, 30, 30)
        )
        # the pane's text: placeholders coloured with the image id, row marks per line
        line = pane.render_line(0)
        text = "".join(seg.text for seg in line)
        assert graphics.PLACEHOLDER + graphics.DIACRITICS[0] + graphics.DIACRITICS[0] in text
        assert text.count(graphics.PLACEHOLDER) == drawing.cols
        assert line.cell_length == pane.size.width
        ids = {seg.style.color.triplet for seg in line if graphics.PLACEHOLDER in seg.text}
        assert ids == {graphics.kitty_id_rgb(drawing.image_id)}
        assert graphics.DIACRITICS[drawing.rows - 1] in "".join(
            s.text for s in pane.render_line(drawing.rows - 1)
        )

        await _album(pilot, app, "Gamma", "Nothing")
        await wait_until(pilot, lambda: pane._message == "no cover")
        written.clear()
        await _album(pilot, app, "Beta", "Second")  # from the cache, already in the terminal
        assert pane._drawing is drawing and "a=T" not in "".join(written)

        await pilot.press("i")  # covers off: the terminal forgets the image when next drawn
        await pilot.press("i")
        await settle(pilot)
        await wait_until(pilot, lambda: pane._drawing is not None)
        deleted = [k for k, _ in _kitty_messages("".join(written)) if k.get("a") == "d"]
        assert {"a": "d", "d": "I", "i": str(drawing.image_id), "q": "2"} in deleted
        assert pane._drawing.image_id != drawing.image_id


async def test_sixel_is_drawn_over_the_panes_blank_rows(covers, monkeypatch):
    from archiver.tui import graphics
    from tests.covers.test_graphics import decode_sixel

    catalog_path, _, _ = covers
    _CACHE.clear()
    monkeypatch.setattr(graphics, "cell_pixels", lambda fd=None: (8, 16))
    app = ArchiverApp(catalog_path, cover_protocol="sixel")
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(CoverPane)
        await _album(pilot, app, "Beta", "Second")
        await wait_until(pilot, lambda: pane._drawing is not None and pane.caption != "")
        drawing = pane._drawing
        assert drawing.kind == "sixel" and drawing.lines == []
        rows = drawing.rows
        for y in range(rows - 1):  # blank rows, no escape
            assert not any(seg.control for seg in pane.render_line(y))
        last = pane.render_line(rows - 1)
        assert last.cell_length == pane.size.width
        (escape,) = [seg for seg in last if seg.control]
        region = pane.content_region
        pad = (pane.size.width - drawing.cols) // 2
        move = f"\x1b7\x1b[{region.y + 1};{region.x + pad + 1}H"
        assert escape.text.startswith(move) and escape.text.endswith("\x1b8")
        width, height, pixels = decode_sixel(escape.text[len(move) : -2])
        assert width <= drawing.cols * 8 and height <= rows * 16
        assert _close(pixels[0][width // 2], (200, 30, 30))
        assert pane.caption in "".join(s.text for s in pane.render_line(rows))

        app.push_screen(DetailScreen(1))  # another screen on top: no Sixel over it
        await settle(pilot)
        assert not any(seg.control for seg in pane.render_line(rows - 1))


async def test_the_protocol_follows_the_environment_when_the_app_is_not_told(covers, monkeypatch):
    catalog_path, _, _ = covers
    _CACHE.clear()
    monkeypatch.setenv("ARCHIVER_COVERS", "kitty")
    app = ArchiverApp(catalog_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(CoverPane)
        await _album(pilot, app, "Beta", "Second")
        await wait_until(pilot, lambda: pane._drawing is not None and pane.caption != "")
        assert pane._drawing.kind == "kitty"
    monkeypatch.setenv("TMUX", "/tmp/tmux-1/default,1,0")
    monkeypatch.delenv("ARCHIVER_COVERS")
    from archiver.tui.widgets.cover import cover_protocol

    assert cover_protocol(ArchiverApp(catalog_path)) == "halfblock"


def _run_in_a_pty(catalog_path: Path, protocol: str | None, da1: bytes = b"") -> str:
    """The real command on a real pseudo-terminal of 130 x 40 cells of 10 x 20 pixels:
    everything it writes, up to moving to Beta and quitting. ``protocol`` None: the
    app decides, and ``da1`` is the terminal's answer to its device-attributes query."""
    import fcntl
    import select
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 130, 1300, 800))
    drop = ("TMUX", "STY", "KITTY_WINDOW_ID", "TERM_PROGRAM", "ARCHIVER_COVERS", "KONSOLE_VERSION")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(ROOT))
    if protocol is not None:
        env["ARCHIVER_COVERS"] = protocol
    command = [sys.executable, "-m", "archiver", "--db", str(catalog_path), "tui"]
    proc = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    out = b""
    answered: list[bool] = []

    def pump(until: bytes | None, timeout: float) -> None:
        nonlocal out
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (until and until in out):
            if select.select([master], [], [], 0.1)[0]:
                try:
                    out += os.read(master, 1 << 16)
                except OSError:
                    return
                if da1 and out.startswith(b"\x1b[c") and not answered:
                    answered.append(True)
                    os.write(master, da1)

    try:
        pump(b"AC/DC", 60)
        pump(None, 1.5)  # the first cover
        for key in (b"j", b"j"):  # to Beta
            os.write(master, key)
            pump(None, 0.3)
        pump("120×100".encode(), 30)
        pump(None, 0.5)
        os.write(master, b"q")
        pump(None, 3)
        assert proc.wait(timeout=20) == 0, out[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return out.decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_sixel_reaches_a_real_terminal(covers):
    """Textual's compositor writes the pane's Sixel to the terminal: cursor saved,
    moved to the pane's top left, the image (Beta's red PNG), cursor restored."""
    from tests.covers.test_graphics import decode_sixel

    catalog_path, _, _ = covers
    screen = _run_in_a_pty(catalog_path, "sixel")
    assert "120×100 · png · embedded" in screen
    found = re.findall(r"\x1b7\x1b\[(\d+);(\d+)H(\x1bP0;1;0q.*?\x1b\\)\x1b8", screen, re.S)
    assert found, "no Sixel image written"
    images = [decode_sixel(sixel) for _, _, sixel in found]
    width, height, pixels = next(i for i in images if i[:2] == (320, 267))  # 120 x 100, scaled
    assert _close(pixels[height // 2][width // 4], (200, 30, 30))
    assert {(int(r), int(c)) for r, c, _ in found} == {(2, 98)}  # the pane's top left


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(("da1", "sixel"), [(b"\x1b[?63;1;2;4;6;9;22c", True), (b"", False)])
def test_the_app_asks_the_terminal_before_it_starts(covers, da1, sixel):
    """An unknown xterm-256color terminal: asked ``ESC [ c`` first thing (before the
    alternate screen); attribute 4 in the answer gives Sixel, no answer half blocks."""
    catalog_path, _, _ = covers
    screen = _run_in_a_pty(catalog_path, None, da1)
    assert screen.startswith("\x1b[c")
    assert "120×100 · png · embedded" in screen
    assert ("\x1bP0;1;0q" in screen) is sixel
    assert (
        re.search(r"\x1b\[38;2;\d+;\d+;\d+;48;2;\d+;\d+;\d+m▀", screen) is not None
    ) is not sixel


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_kitty_reaches_a_real_terminal(covers):
    """The image goes out once (chunks of zlib RGB), the pane's cells are placeholders
    in the colour that names it, and quitting deletes it from the terminal."""
    from archiver.tui import graphics
    from tests.covers.test_graphics import _APC

    catalog_path, _, _ = covers
    screen = _run_in_a_pty(catalog_path, "kitty")
    assert "120×100 · png · embedded" in screen
    messages = [
        (dict(kv.split("=", 1) for kv in keys.split(",")), payload)
        for keys, payload in _APC.findall(screen)
    ]
    starts = [n for n, (keys, _) in enumerate(messages) if keys.get("a") == "T"]
    beta = next(n for n in starts if messages[n][0]["s"] == "320" and messages[n][0]["v"] == "280")
    image_id = int(messages[beta][0]["i"])
    payload = ""
    for keys, chunk in messages[beta:]:
        payload += chunk
        if keys["m"] == "0":
            break
    pixels = zlib.decompress(base64.standard_b64decode(payload))
    middle = (140 * 320 + 80) * 4  # 320 x 280 RGBA, away from the white diagonal
    assert _close(tuple(pixels[middle : middle + 3]), (200, 30, 30)) and pixels[middle + 3] == 255
    r, g, b = graphics.kitty_id_rgb(image_id)
    row = graphics.kitty_placeholder_row(0, 32)
    assert f"\x1b[38;2;{r};{g};{b}m{row}" in screen  # the first row, all 32 cells
    assert graphics.kitty_delete(image_id) in screen  # on quitting
    assert [k["a"] for k, _ in messages if k.get("i") == str(image_id)].count("T") == 1
