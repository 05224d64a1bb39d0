"""Terminal graphics for album covers: which protocol a terminal speaks, and the
Kitty and Sixel encodings of an RGB image.

Pure functions (plus two small terminal probes at the end): the TUI decides
the protocol once, before Textual takes the terminal (:func:`choose_protocol`),
and the cover workers encode with :func:`kitty_transmit` / :func:`sixel_encode`
so the UI thread only writes finished strings. No textual or rich import.

- **kitty**: the Kitty graphics protocol with Unicode placeholders: the image is
  sent once (zlib-compressed RGB, base64, in chunks of 4096) with a *virtual
  placement* of ``cols`` x ``rows`` cells, and the cells themselves are the
  character U+10EEEE whose foreground colour is the image id and whose
  combining marks give the row and column. They are ordinary text to Textual's
  compositor, so the image moves, clips and disappears with the widget.
  Kitty, WezTerm, Ghostty.
- **sixel**: DEC Sixel, the image quantised to at most 256 colours (numpy) and
  drawn at the cursor. xterm (-ti vt340), foot, mlterm, contour, Windows
  Terminal, iTerm2 ...
- **halfblock**: "▀" cells in 24-bit colour (``archiver.tui.cover_image``):
  everywhere else, and always under tmux or screen, which pass neither protocol
  through unchanged.

Why our own encoders and not textual-image (0.12-0.14, LGPL-3.0+): it needs
Pillow (we decode with PyAV already), asks the terminal about itself when it is
imported, encodes Sixel inside ``render_lines`` on the UI thread, and writes
Kitty data straight to ``sys.__stdout__`` past Textual's writer thread. Here
encoding happens in the cover worker and the UI thread only writes strings.
"""

from __future__ import annotations

import base64
import os
import re
import zlib
from collections.abc import Mapping

__all__ = [
    "DIACRITICS",
    "PLACEHOLDER",
    "PROTOCOLS",
    "choose_protocol",
    "da1_attributes",
    "kitty_delete",
    "kitty_placeholder_row",
    "kitty_transmit",
    "protocol_from_env",
    "sixel_encode",
]

PROTOCOLS = ("halfblock", "kitty", "sixel")
ENV_VAR = "ARCHIVER_COVERS"  # halfblock | kitty | sixel | auto (the default)

# --- which protocol -------------------------------------------------------------------

_KITTY_PROGRAMS = {"wezterm", "ghostty", "kitty"}
_KITTY_TERMS = ("xterm-kitty", "xterm-ghostty", "wezterm")
# Terminals known to draw Sixel whatever their device attributes say (or that are
# asked too late to answer): by TERM_PROGRAM, then by TERM.
_SIXEL_PROGRAMS = {"mlterm", "contour", "foot", "iterm.app", "blackbox"}
_SIXEL_TERMS = ("foot", "mlterm", "contour", "yaft")


def protocol_from_env(env: Mapping[str, str]) -> str | None:
    """The protocol the environment decides, or None when only the terminal can
    tell (then ask it: :func:`choose_protocol` with its DA1 answer).

    ``ARCHIVER_COVERS`` = halfblock / kitty / sixel wins (users, tests); under
    tmux or screen always half blocks (they do not pass the graphics through,
    and the panes would tear them); then Kitty by TERM / TERM_PROGRAM /
    KITTY_WINDOW_ID; then the Sixel terminals known by name."""
    chosen = env.get(ENV_VAR, "").strip().lower()
    if chosen in PROTOCOLS:
        return chosen
    term = env.get("TERM", "").lower()
    program = env.get("TERM_PROGRAM", "").lower()
    if env.get("TMUX") or env.get("STY") or term.startswith(("screen", "tmux")):
        return "halfblock"
    if program in ("tmux", "screen"):
        return "halfblock"
    if term in ("dumb", "linux", ""):
        return "halfblock"
    if env.get("KITTY_WINDOW_ID") or term.startswith(_KITTY_TERMS) or program in _KITTY_PROGRAMS:
        return "kitty"
    if program in _SIXEL_PROGRAMS or term.startswith(_SIXEL_TERMS) or env.get("KONSOLE_VERSION"):
        return "sixel"
    return None


def da1_attributes(answer: bytes | str | None) -> set[int]:
    """The attributes of a Primary Device Attributes answer (``ESC [ ? 62 ; 4 ; 22 c``);
    empty when there is none or it does not parse. Attribute 4 is Sixel."""
    if not answer:
        return set()
    text = answer.decode("latin-1") if isinstance(answer, bytes) else answer
    match = re.search(r"\x1b\[\?([0-9;]*)c", text)
    if match is None:
        return set()
    return {int(x) for x in match.group(1).split(";") if x.isdigit()}


def choose_protocol(env: Mapping[str, str], da1_answer: bytes | str | None = None) -> str:
    """kitty, sixel or halfblock: what the environment decides, else Sixel when the
    terminal's device attributes include 4, else half blocks."""
    decided = protocol_from_env(env)
    if decided is not None:
        return decided
    return "sixel" if 4 in da1_attributes(da1_answer) else "halfblock"


# --- Kitty ------------------------------------------------------------------------------

PLACEHOLDER = "\U0010eeee"
# Row / column numbers as combining marks (kitty's rowcolumn-diacritics.txt, the first 64).
# fmt: off
DIACRITICS = [chr(c) for c in (
    0x0305, 0x030D, 0x030E, 0x0310, 0x0312, 0x033D, 0x033E, 0x033F, 0x0346, 0x034A, 0x034B,
    0x034C, 0x0350, 0x0351, 0x0352, 0x0357, 0x035B, 0x0363, 0x0364, 0x0365, 0x0366, 0x0367,
    0x0368, 0x0369, 0x036A, 0x036B, 0x036C, 0x036D, 0x036E, 0x036F, 0x0483, 0x0484, 0x0485,
    0x0486, 0x0487, 0x0592, 0x0593, 0x0594, 0x0595, 0x0597, 0x0598, 0x0599, 0x059C, 0x059D,
    0x059E, 0x059F, 0x05A0, 0x05A1, 0x05A8, 0x05A9, 0x05AB, 0x05AC, 0x05AF, 0x05C4, 0x0610,
    0x0611, 0x0612, 0x0613, 0x0614, 0x0615, 0x0616, 0x0617, 0x0657, 0x0658,
)]
# fmt: on
KITTY_CHUNK = 4096  # base64 bytes per escape sequence (the protocol's limit)


def _apc(keys: str, payload: str = "") -> str:
    return f"\x1b_G{keys};{payload}\x1b\\" if payload else f"\x1b_G{keys}\x1b\\"


def kitty_transmit(
    image_id: int, width: int, height: int, pixels: bytes, cols: int, rows: int, depth: int = 3
) -> str:
    """Escape sequences that send ``pixels`` (``width`` x ``height``, RGB or with
    ``depth`` 4 RGBA) as image ``image_id`` and make a virtual placement of ``cols``
    x ``rows`` cells for its Unicode placeholders; the terminal scales the image
    to those cells. Quiet (q=2): the terminal answers nothing that could reach the
    UI's input."""
    if depth not in (3, 4) or len(pixels) != width * height * depth:
        raise ValueError("pixels must hold width * height * depth bytes (depth 3 or 4)")
    data = base64.standard_b64encode(zlib.compress(pixels, 6)).decode("ascii")
    chunks = [data[i : i + KITTY_CHUNK] for i in range(0, len(data), KITTY_CHUNK)] or [""]
    fmt = 8 * depth
    first = f"a=T,U=1,f={fmt},o=z,s={width},v={height},i={image_id},c={cols},r={rows},q=2"
    out = []
    for n, chunk in enumerate(chunks):
        more = 1 if n < len(chunks) - 1 else 0
        out.append(_apc(f"{first},m={more}" if n == 0 else f"m={more},q=2", chunk))
    return "".join(out)


def pad_rgba(width: int, height: int, rgb: bytes, box_w: int, box_h: int) -> bytes:
    """``rgb`` centred in a transparent ``box_w`` x ``box_h`` RGBA image: the image
    then has the shape of its cells exactly, so a terminal that stretches an image
    to its placement's cells does not distort the cover."""
    import numpy as np

    box_w, box_h = max(box_w, width), max(box_h, height)
    out = np.zeros((box_h, box_w, 4), dtype=np.uint8)
    top, left = (box_h - height) // 2, (box_w - width) // 2
    out[top : top + height, left : left + width, :3] = np.frombuffer(rgb, np.uint8).reshape(
        height, width, 3
    )
    out[top : top + height, left : left + width, 3] = 255
    return out.tobytes()


def kitty_delete(image_id: int) -> str:
    """Delete image ``image_id`` and free its data in the terminal."""
    return _apc(f"a=d,d=I,i={image_id},q=2")


def kitty_placeholder_row(row: int, cols: int) -> str:
    """The text of one row of placeholders: each cell U+10EEEE with its row and
    column as combining marks (the colour that names the image is the caller's
    style). Every cell carries both marks, so a row redrawn in part still places."""
    if not 0 <= row < len(DIACRITICS) or cols > len(DIACRITICS):
        raise ValueError(f"at most {len(DIACRITICS)} rows and columns")
    mark = DIACRITICS[row]
    return "".join(PLACEHOLDER + mark + DIACRITICS[col] for col in range(cols))


def kitty_id_rgb(image_id: int) -> tuple[int, int, int]:
    """The foreground colour that names image ``image_id`` (ids below 2**24)."""
    return (image_id >> 16) & 255, (image_id >> 8) & 255, image_id & 255


# --- Sixel ------------------------------------------------------------------------------


def quantize(width: int, height: int, rgb: bytes, colours: int = 256):
    """(palette as an N x 3 uint8 array, indices as a height x width array): the
    ``colours`` most frequent colours at 4 bits a channel, every pixel mapped to
    the nearest of them. Fast enough for a cover (numpy, about 100k pixels)."""
    import numpy as np

    pixels = np.frombuffer(rgb, dtype=np.uint8).reshape(height * width, 3)
    coarse = pixels >> 4
    keys = (
        (coarse[:, 0].astype(np.int32) << 8) | (coarse[:, 1].astype(np.int32) << 4) | coarse[:, 2]
    )
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    # The mean colour of each 4-bit box, so plain colours come out exact.
    sums = np.zeros((len(unique), 3), dtype=np.int64)
    np.add.at(sums, inverse, pixels)
    means = (sums / counts[:, None]).round().astype(np.int64)
    if len(unique) <= colours:
        return means.astype(np.uint8), inverse.reshape(height, width).astype(np.int32)
    keep = np.argsort(-counts, kind="stable")[:colours]
    palette = means[keep]
    # Map each 4-bit box (not each pixel) to its nearest palette colour.
    dist = ((means[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    nearest = dist.argmin(axis=1)
    return palette.astype(np.uint8), nearest[inverse].reshape(height, width).astype(np.int32)


_RUN = re.compile(r"(.)\1{3,}")


def _rle(text: str) -> str:
    return _RUN.sub(lambda m: f"!{len(m.group(0))}{m.group(1)}", text)


def sixel_encode(width: int, height: int, rgb: bytes, colours: int = 256) -> str:
    """``rgb`` (``width`` x ``height`` pixels) as one Sixel sequence (DCS ... ST):
    raster attributes with the size, a palette of at most ``colours`` registers
    in percent, then bands of six pixel rows, one pass per colour in the band,
    runs of four or more repeated (``!n``)."""
    import numpy as np

    if len(rgb) != width * height * 3:
        raise ValueError("rgb must hold width * height * 3 bytes")
    palette, index = quantize(width, height, rgb, colours)
    out = [f'\x1bP0;1;0q"1;1;{width};{height}']
    for n, (r, g, b) in enumerate(palette.tolist()):
        out.append(f"#{n};2;{round(r * 100 / 255)};{round(g * 100 / 255)};{round(b * 100 / 255)}")
    weights = (1 << np.arange(6, dtype=np.int32))[:, None]
    for top in range(0, height, 6):
        band = index[top : top + 6]
        rows = band.shape[0]
        passes = []
        for colour in np.unique(band).tolist():
            bits = ((band == colour) * weights[:rows]).sum(axis=0) + 63
            text = bits.astype(np.uint8).tobytes().decode("ascii").rstrip("?")
            passes.append(f"#{colour}{_rle(text)}")
        out.append("$".join(passes) + "-")
    out.append("\x1b\\")
    return "".join(out)


# --- the terminal (I/O) -------------------------------------------------------------------


def cell_pixels(fd: int | None = None) -> tuple[int, int] | None:
    """A text cell's size in pixels (width, height) from the terminal's window size
    (TIOCGWINSZ), None when the terminal does not say (tmux, many SSH setups)."""
    try:
        import fcntl
        import struct
        import termios
    except ImportError:  # pragma: no cover - not POSIX
        return None
    if fd is None:
        fd = _tty_fd()
        if fd is None:
            return None
    try:
        rows, cols, xpix, ypix = struct.unpack(
            "HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
        )
    except OSError:
        return None
    if not (rows and cols and xpix and ypix):
        return None
    return max(1, xpix // cols), max(1, ypix // rows)


def _tty_fd() -> int | None:
    import sys

    for stream in (sys.__stdout__, sys.__stdin__):
        try:
            if stream is not None and stream.isatty():
                return stream.fileno()
        except (AttributeError, ValueError, OSError):
            continue
    return None


def query_da1(timeout: float = 0.25, fd_in: int = 0, fd_out: int = 1) -> bytes | None:
    """Ask the terminal for its Primary Device Attributes (``ESC [ c``) on the
    terminal the TUI will use (stdout, answer on stdin) and read the answer, before
    Textual owns it. None without a terminal or an answer. Every VT100-compatible
    terminal answers at once; the timeout bounds the rest. Input typed meanwhile
    is dropped with the answer (TCSAFLUSH)."""
    try:
        import select
        import termios
        import time
        import tty
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        if not (os.isatty(fd_in) and os.isatty(fd_out)):
            return None
        saved = termios.tcgetattr(fd_in)
    except (OSError, termios.error):
        return None
    answer = b""
    try:
        tty.setcbreak(fd_in, termios.TCSANOW)
        os.write(fd_out, b"\x1b[c")
        deadline = time.monotonic() + timeout
        while not re.search(rb"\x1b\[\?[0-9;]*c", answer):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd_in], [], [], left)[0]:
                break
            chunk = os.read(fd_in, 256)
            if not chunk:
                break
            answer += chunk
    except OSError:
        return None
    finally:
        try:
            termios.tcsetattr(fd_in, termios.TCSAFLUSH, saved)
        except termios.error:
            pass
    return answer or None
