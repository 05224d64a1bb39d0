"""Terminal graphics for covers: the protocol choice and the Kitty and Sixel
encodings, read back by decoders written here from the protocols' specs."""

from __future__ import annotations

import base64
import random
import re
import zlib

import pytest
from rich.cells import cell_len

from archiver.tui import graphics
from archiver.tui.cover_image import CoverArt, draw, pixel_box

np = pytest.importorskip("numpy")

# --- which protocol -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "da1", "expected"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, None, "kitty"),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, None, "kitty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, None, "kitty"),
        ({"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, None, "kitty"),
        ({"TERM": "foot"}, None, "sixel"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "mlterm"}, None, "sixel"),
        # an unknown terminal: its device attributes decide (4 = Sixel)
        ({"TERM": "xterm-256color"}, b"\x1b[?63;1;2;4;6;9;15;22c", "sixel"),
        ({"TERM": "xterm-256color"}, b"\x1b[?62;1;2;6;9;15;22c", "halfblock"),
        ({"TERM": "xterm-256color"}, None, "halfblock"),  # no answer
        ({"TERM": "xterm-256color"}, b"garbage", "halfblock"),
        # tmux and screen: half blocks whatever the terminal outside is
        (
            {"TERM": "tmux-256color", "TMUX": "/tmp/t,1,0", "KITTY_WINDOW_ID": "1"},
            None,
            "halfblock",
        ),
        ({"TERM": "screen-256color", "STY": "1.pts"}, b"\x1b[?63;4c", "halfblock"),
        ({"TERM": "screen.xterm-256color"}, b"\x1b[?63;4c", "halfblock"),
        ({"TERM": "linux"}, b"\x1b[?6c", "halfblock"),
        # the override wins, also under tmux; nonsense is ignored
        ({"TERM": "tmux-256color", "TMUX": "x", "ARCHIVER_COVERS": "sixel"}, None, "sixel"),
        ({"TERM": "xterm-kitty", "ARCHIVER_COVERS": "halfblock"}, None, "halfblock"),
        ({"TERM": "xterm", "ARCHIVER_COVERS": " Kitty "}, None, "kitty"),
        ({"TERM": "xterm", "ARCHIVER_COVERS": "auto"}, b"\x1b[?64;4c", "sixel"),
        ({"TERM": "xterm", "ARCHIVER_COVERS": "iterm"}, None, "halfblock"),
    ],
)
def test_choose_protocol(env, da1, expected):
    assert graphics.choose_protocol(env, da1) == expected


def test_the_terminal_is_asked_only_when_the_environment_does_not_say():
    assert graphics.protocol_from_env({"TERM": "xterm-256color"}) is None
    assert graphics.protocol_from_env({"TERM": "xterm-kitty"}) == "kitty"
    assert graphics.protocol_from_env({"TMUX": "x", "TERM": "xterm"}) == "halfblock"


def test_da1_attributes():
    assert graphics.da1_attributes(b"\x1b[?62;4;22c") == {62, 4, 22}
    assert graphics.da1_attributes("noise\x1b[?6c") == {6}
    assert graphics.da1_attributes(b"") == set() and graphics.da1_attributes(None) == set()


# --- Kitty ------------------------------------------------------------------------------

_APC = re.compile(r"\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\")


def _kitty_messages(text: str) -> list[tuple[dict[str, str], str]]:
    found = [(dict(kv.split("=", 1) for kv in m[0].split(",")), m[1]) for m in _APC.findall(text)]
    assert _APC.sub("", text) == ""  # nothing but messages
    return found


def _image(width: int, height: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(width * height * 3))


@pytest.mark.parametrize(("width", "height"), [(1, 1), (7, 3), (320, 320)])
def test_kitty_chunks_reassemble_to_the_image(width, height):
    rgb = _image(width, height)
    messages = _kitty_messages(graphics.kitty_transmit(4242, width, height, rgb, 32, 16))
    first, _ = messages[0]
    assert first["a"] == "T" and first["U"] == "1" and first["f"] == "24" and first["o"] == "z"
    assert (first["s"], first["v"], first["i"]) == (str(width), str(height), "4242")
    assert (first["c"], first["r"], first["q"]) == ("32", "16", "2")
    assert [m[0]["m"] for m in messages] == ["1"] * (len(messages) - 1) + ["0"]
    assert all(len(payload) <= graphics.KITTY_CHUNK for _, payload in messages)
    assert all(len(payload) % 4 == 0 for _, payload in messages[:-1])  # base64 quanta
    data = base64.standard_b64decode("".join(payload for _, payload in messages))
    assert zlib.decompress(data) == rgb
    if width == 320:
        assert len(messages) > 1  # random pixels: many chunks


def test_kitty_rgba_and_padding():
    rgb = _image(3, 2)
    rgba = graphics.pad_rgba(3, 2, rgb, 5, 6)  # centred: 1 column left, 2 rows above
    assert len(rgba) == 5 * 6 * 4
    pixels = np.frombuffer(rgba, np.uint8).reshape(6, 5, 4)
    assert pixels[:, :, 3].sum() == 6 * 255 and (pixels[2:4, 1:4, 3] == 255).all()
    assert pixels[2:4, 1:4, :3].tobytes() == rgb
    assert graphics.pad_rgba(3, 2, rgb, 2, 2) == graphics.pad_rgba(3, 2, rgb, 3, 2)  # never crops
    messages = _kitty_messages(graphics.kitty_transmit(5, 5, 6, rgba, 1, 1, depth=4))
    assert messages[0][0]["f"] == "32"
    payload = "".join(p for _, p in messages)
    assert zlib.decompress(base64.standard_b64decode(payload)) == rgba
    with pytest.raises(ValueError):
        graphics.kitty_transmit(5, 5, 6, rgba, 1, 1)  # RGBA bytes, RGB said


def test_kitty_placeholders_name_row_and_column_in_one_cell_each():
    row = graphics.kitty_placeholder_row(3, 5)
    assert cell_len(row) == 5  # one cell per placeholder for Textual's layout
    cells = row.split(graphics.PLACEHOLDER)[1:]
    assert len(cells) == 5
    for col, marks in enumerate(cells):
        assert marks == graphics.DIACRITICS[3] + graphics.DIACRITICS[col]
    import unicodedata

    assert all(unicodedata.combining(d) == 230 for d in graphics.DIACRITICS)
    assert len(set(graphics.DIACRITICS)) == len(graphics.DIACRITICS) == 64
    with pytest.raises(ValueError):
        graphics.kitty_placeholder_row(64, 1)
    assert graphics.kitty_id_rgb(0x123456) == (0x12, 0x34, 0x56)
    assert _kitty_messages(graphics.kitty_delete(9)) == [
        ({"a": "d", "d": "I", "i": "9", "q": "2"}, "")
    ]


# --- Sixel ------------------------------------------------------------------------------


def decode_sixel(text: str) -> tuple[int, int, list[list[tuple[int, int, int] | None]]]:
    """A small Sixel decoder (DEC STD 070): (width, height, rows of RGB or None)."""
    match = re.fullmatch(r"\x1bP([0-9;]*)q(.*)\x1b\\", text, re.S)
    assert match, "not one DCS ... q ... ST sequence"
    body = match.group(2)
    raster = re.match(r'"(\d+);(\d+);(\d+);(\d+)', body)
    assert raster, "no raster attributes"
    width, height = int(raster.group(3)), int(raster.group(4))
    body = body[raster.end() :]
    pixels: list[list[tuple[int, int, int] | None]] = [[None] * width for _ in range(height)]
    palette: dict[int, tuple[int, int, int]] = {}
    colour, x, top, i = 0, 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "#":
            m = re.match(r"#(\d+)(?:;2;(\d+);(\d+);(\d+))?", body[i:])
            colour = int(m.group(1))
            if m.group(2) is not None:
                palette[colour] = tuple(round(int(m.group(k)) * 255 / 100) for k in (2, 3, 4))
            i += m.end()
            continue
        if ch == "$":
            x = 0
        elif ch == "-":
            x, top = 0, top + 6
        elif ch == "!":
            m = re.match(r"!(\d+)(.)", body[i:])
            count, sixel = int(m.group(1)), ord(m.group(2)) - 63
            for _ in range(count):
                _paint(pixels, palette[colour], x, top, sixel)
                x += 1
            i += m.end()
            continue
        elif 63 <= ord(ch) <= 126:
            _paint(pixels, palette[colour], x, top, ord(ch) - 63)
            x += 1
        else:
            raise AssertionError(f"unexpected {ch!r} in Sixel data")
        i += 1
    return width, height, pixels


def _paint(pixels, rgb, x, top, sixel) -> None:
    for bit in range(6):
        if sixel >> bit & 1:
            assert top + bit < len(pixels) and x < len(pixels[0]), "pixel outside the raster"
            pixels[top + bit][x] = rgb


def _rows(width, height, rgb):
    return [
        [tuple(rgb[(y * width + x) * 3 : (y * width + x) * 3 + 3]) for x in range(width)]
        for y in range(height)
    ]


def test_sixel_of_a_few_colours_decodes_to_the_image():
    width, height = 23, 14  # not a multiple of six: the last band is short
    colours = [(200, 30, 30), (255, 255, 255), (0, 0, 0), (10, 200, 10)]
    rng = random.Random(5)
    rgb = b"".join(bytes(colours[rng.randrange(4) if x > 8 else 0]) for x in range(width * height))
    w, h, pixels = decode_sixel(graphics.sixel_encode(width, height, rgb))
    assert (w, h) == (width, height)
    expected = _rows(width, height, rgb)
    for y in range(height):
        for x in range(width):
            assert pixels[y][x] is not None, (x, y)
            assert all(abs(a - b) <= 2 for a, b in zip(pixels[y][x], expected[y][x], strict=True))


def test_sixel_of_a_photo_keeps_it_close_with_256_colours_and_runs():
    width, height = 96, 60
    rgb = _gradient(width, height)
    text = graphics.sixel_encode(width, height, rgb)
    assert len(re.findall(r"#\d+;2;", text)) <= 256
    assert "!" in text  # runs of one sixel are compressed
    _, _, pixels = decode_sixel(text)
    decoded = np.array(pixels, dtype=np.int32)
    original = np.frombuffer(rgb, dtype=np.uint8).reshape(height, width, 3).astype(np.int32)
    assert np.abs(decoded - original).mean() < 8
    assert np.abs(decoded - original).max() < 64


def _gradient(width, height) -> bytes:
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], -1)
    return image.astype(np.uint8).tobytes()


def test_sixel_rejects_a_wrong_buffer():
    with pytest.raises(ValueError):
        graphics.sixel_encode(2, 2, b"\0" * 11)


# --- sizes and drawings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "box", "cell", "expected"),
    [
        ((300, 300), (32, 30), (10, 20), (320, 320, 32, 16)),  # square: 32 x 16 cells
        ((600, 300), (32, 30), (10, 20), (320, 160, 32, 8)),
        ((300, 600), (32, 10), (10, 20), (100, 200, 10, 10)),  # tall: limited by the rows
        ((300, 300), (32, 30), (8, 16), (256, 256, 32, 16)),
        ((3000, 3000), (200, 100), (10, 20), (640, 640, 64, 32)),  # at most 640 a side
        ((None, None), (32, 30), (10, 20), (320, 320, 32, 16)),  # unknown size: square
        ((40, 40), (32, 30), (10, 20), (320, 320, 32, 16)),  # small: scaled up
    ],
)
def test_pixel_box(size, box, cell, expected):
    assert pixel_box(*size, *box, cell) == expected


def _art(width, height) -> CoverArt:
    return CoverArt(width, height, _gradient(width, height), "embedded", (width, height), None)


def test_drawings_for_each_protocol():
    art = _art(320, 160)  # as load_cover makes it for 32 x 30 cells of 10 x 20 pixels
    kitty = draw(art, "kitty", 32, 30, (10, 20), image_id=77)
    assert (kitty.kind, kitty.cols, kitty.rows, kitty.image_id) == ("kitty", 32, 8, 77)
    assert len(kitty.lines) == 8 and all(cell_len(line[0].text) == 32 for line in kitty.lines)
    assert kitty.lines[0][0].style.color.triplet == graphics.kitty_id_rgb(77)
    (first, _), *_ = _kitty_messages(kitty.escape)
    assert (first["c"], first["r"], first["s"], first["v"]) == ("32", "8", "320", "160")

    sixel = draw(art, "sixel", 32, 30, (10, 20))
    assert (sixel.kind, sixel.cols, sixel.rows, sixel.lines) == ("sixel", 32, 8, [])
    assert decode_sixel(sixel.escape)[:2] == (320, 160)

    half = draw(_art(32, 16), "halfblock", 32, 30)
    assert (half.kind, half.cols, half.rows, half.escape) == ("halfblock", 32, 8, "")
    with pytest.raises(ValueError):
        draw(art, "kitty", 32, 30, (10, 20))  # no image id


# --- asking the terminal ------------------------------------------------------------------


def _as_terminal(child_code: str, answer: bytes | None) -> tuple[bytes, bytes]:
    """Run ``child_code`` on a new pseudo-terminal (its controlling terminal) while
    playing the terminal: reply ``answer`` to a DA1 query. (what the child was
    asked, what it printed)."""
    import os
    import pty
    import select
    import time

    pid, master = pty.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            exec(child_code, {})
        finally:
            os._exit(0)
    asked, printed = b"", b""
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 0.1)[0]:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            if b"\x1b[c" in chunk and not asked:
                asked = b"\x1b[c"
                chunk = chunk.replace(b"\x1b[c", b"")
                if answer is not None:
                    os.write(master, answer)
            printed += chunk
    finally:
        os.close(master)
        os.waitpid(pid, 0)
    return asked, printed


_CHILD = """
import os, sys
sys.path.insert(0, {root!r})
from archiver.tui import graphics
os.write(1, ("answer=" + repr(graphics.query_da1(timeout={timeout})) + "\\n").encode())
"""


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(b"\x1b[?63;1;2;4;6c", "b'\\x1b[?63;1;2;4;6c'"), (None, "None")],
)
def test_query_da1_on_a_terminal(answer, expected):
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    asked, printed = _as_terminal(_CHILD.format(root=root, timeout=2.0), answer)
    assert asked == b"\x1b[c"
    assert f"answer={expected}".encode() in printed.replace(b"\r", b"")


def test_no_query_without_a_terminal_or_when_the_environment_decides():
    from archiver.tui.app import ArchiverApp

    # the environment decides: no terminal is asked (none is attached here either)
    assert ArchiverApp.terminal_cover_protocol({"TERM": "xterm-kitty"}) == "kitty"
    assert (
        ArchiverApp.terminal_cover_protocol({"TMUX": "x", "TERM": "tmux-256color"}) == "halfblock"
    )
