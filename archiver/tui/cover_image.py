"""Album covers as coloured text: decode, scale and draw an image with half blocks.

Each text cell shows two pixels stacked: "▀" with the upper pixel as its
foreground colour and the lower one as its background, in 24-bit colour.
That works in every terminal that has true colour, tmux included, with no
graphics protocol. Decoding and scaling use PyAV (FFmpeg: JPEG, PNG, GIF,
WebP, BMP); without PyAV covers are off with one line saying why.

Everything here runs off the UI thread (a worker) except :func:`halfblock_lines`
on cached results; no textual import (rich only, for segments and styles).

What the workers call is imported at the top (on the main thread, when the TUI
loads), never for the first time inside a worker: the scanner package imports
modules that import each other back, and when two threads import it first at
once (a cover worker and the status bar's scan-lock probe, say) CPython breaks
the lock cycle by handing one thread a partly initialised module, an
ImportError that then leaves the other with ``KeyError: 'archiver.scan'``
("cover unavailable (KeyError)" under tmux). PyAV is still imported on first
use (it is slow to load), under a lock, with numpy.
"""

from __future__ import annotations

import io
import sqlite3
import threading
from dataclasses import dataclass

from rich.color import Color
from rich.segment import Segment
from rich.style import Style

from archiver.art import cover_bytes, folder_image_bytes
from archiver.catalog.covers import AlbumCover, album_covers
from archiver.catalog.query import CompiledQuery
from archiver.scan.mapping import image_info
from archiver.tui import graphics

__all__ = [
    "CoverArt",
    "CoverUnavailable",
    "Drawing",
    "draw",
    "pixel_box",
    "album_cover",
    "decode_scaled",
    "fit",
    "halfblock_lines",
    "load_cover",
    "track_album",
]

HALF_BLOCK = "▀"


class CoverUnavailable(Exception):
    """No cover can be shown; the message says why in a few words."""


@dataclass(frozen=True)
class CoverArt:
    """A cover scaled to ``width`` x ``height`` pixels (height even), RGB rows."""

    width: int
    height: int
    rgb: bytes  # width * height * 3 bytes, rows top to bottom
    source: str  # "embedded" or the folder image's file name
    original: tuple[int, int] | None  # the image's own size in pixels
    mime: str | None


def fit(width: int | None, height: int | None, max_cols: int, max_rows: int) -> tuple[int, int]:
    """The pixel size (columns, even pixel rows) an image takes in at most
    ``max_cols`` x ``max_rows`` cells, keeping its shape (a cell is one pixel
    wide, two high, and about twice as high as wide: pixels come out square)."""
    max_cols, max_rows = max(1, max_cols), max(1, max_rows)
    if not width or not height or width <= 0 or height <= 0:
        width = height = 1
    cols = max_cols
    px_rows = round(cols * height / width)
    if px_rows > 2 * max_rows:
        px_rows = 2 * max_rows
        cols = max(1, min(max_cols, round(px_rows * width / height)))
    px_rows = max(2, px_rows + (px_rows % 2))
    return cols, min(px_rows, 2 * max_rows)


DEFAULT_CELL = (10, 20)  # a text cell in pixels when the terminal does not say
MAX_PIXELS = 640  # the longest side sent to a graphics protocol


def pixel_box(
    width: int | None, height: int | None, cols: int, rows: int, cell: tuple[int, int]
) -> tuple[int, int, int, int]:
    """(pixel width, pixel height, cells wide, text rows) for an image drawn with a
    graphics protocol in at most ``cols`` x ``rows`` cells of ``cell`` pixels: its
    shape kept, scaled up or down to fill the box, at most MAX_PIXELS a side; the
    cells are those the pixels cover."""
    cell_w, cell_h = max(1, cell[0]), max(1, cell[1])
    box_w, box_h = max(1, cols) * cell_w, max(1, rows) * cell_h
    if not width or not height or width <= 0 or height <= 0:
        width = height = 1
    scale = min(box_w / width, box_h / height, MAX_PIXELS / max(width, height))
    px_w = max(1, min(box_w, round(width * scale)))
    px_h = max(1, min(box_h, round(height * scale)))
    cells_w = max(1, min(cols, -(-px_w // cell_w)))
    cells_h = max(1, min(rows, -(-px_h // cell_h)))
    return px_w, px_h, cells_w, cells_h


def decode_scaled(data: bytes, cols: int, px_rows: int) -> bytes:
    """``data`` (any image FFmpeg reads) decoded and scaled to ``cols`` x ``px_rows``,
    as RGB bytes. Raises CoverUnavailable for an image that does not decode."""
    av = _import_av()
    try:
        with av.open(io.BytesIO(data)) as container:
            frame = next(container.decode(video=0))
            scaled = frame.reformat(
                width=cols, height=px_rows, format="rgb24", interpolation="AREA"
            )
            array = scaled.to_ndarray()
    except (av.FFmpegError, StopIteration, ValueError, IndexError) as exc:
        raise CoverUnavailable("the cover image does not decode") from exc
    return array[:, :cols, :].tobytes()


_AV_LOCK = threading.Lock()


def _import_av():
    """PyAV (and numpy, which its frames and the Sixel encoder use), imported by one
    cover worker at a time (see the module's docstring)."""
    with _AV_LOCK:
        try:
            import av
            import numpy  # noqa: F401
        except ImportError as exc:
            raise CoverUnavailable("covers need PyAV (pip install av)") from exc
    return av


def image_size(data: bytes) -> tuple[int | None, int | None]:
    _mime, width, height = image_info(data[:65536])
    return width, height


def halfblock_lines(width: int, height: int, rgb: bytes) -> list[list[Segment]]:
    """One list of segments per text row: two pixel rows per row, runs of the same
    colours joined. Pure; ``rgb`` holds ``width * height * 3`` bytes."""
    lines: list[list[Segment]] = []
    stride = width * 3
    for y in range(0, height - 1, 2):
        top_row = rgb[y * stride : (y + 1) * stride]
        bottom_row = rgb[(y + 1) * stride : (y + 2) * stride]
        segments: list[Segment] = []
        run_style: Style | None = None
        run = 0
        for x in range(0, stride, 3):
            top = tuple(top_row[x : x + 3])
            bottom = tuple(bottom_row[x : x + 3])
            style = _style(top, bottom)
            if style == run_style:
                run += 1
                continue
            if run_style is not None:
                segments.append(Segment(HALF_BLOCK * run, run_style))
            run_style, run = style, 1
        if run_style is not None:
            segments.append(Segment(HALF_BLOCK * run, run_style))
        lines.append(segments)
    return lines


_STYLES: dict[tuple, Style] = {}


def _style(top: tuple, bottom: tuple) -> Style:
    key = (top, bottom)
    style = _STYLES.get(key)
    if style is None:
        if len(_STYLES) > 65536:
            _STYLES.clear()
        style = _STYLES[key] = Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
    return style


# --- the catalog side (worker thread) ------------------------------------------------


def album_cover(
    conn: sqlite3.Connection, albumartist: str | None, album: str | None
) -> AlbumCover | None:
    """The album (album artist, falling back to the artist; album) with its covers."""
    query = CompiledQuery(
        "coalesce(t.albumartist, t.artist) IS ? AND t.album IS ?", [albumartist, album]
    )
    found = album_covers(conn, query)
    return found[0] if found else None


def track_album(conn: sqlite3.Connection, file_id: int) -> tuple[str | None, str | None] | None:
    """(album artist, album) of a track, None when it is not in the catalog."""
    row = conn.execute(
        "SELECT coalesce(albumartist, artist), album FROM tags WHERE file_id = ?", (file_id,)
    ).fetchone()
    return (row[0], row[1]) if row else None


def load_cover(
    conn: sqlite3.Connection,
    albumartist: str | None,
    album: str | None,
    cols: int,
    rows: int,
    cell: tuple[int, int] | None = None,
) -> CoverArt:
    """The album's cover read, decoded and scaled to fit ``cols`` x ``rows`` cells:
    its embedded cover (the one most files carry), else an image beside its files.
    ``cell``: the pixel size of a cell for a graphics protocol (see
    :func:`pixel_box`); None: one pixel by two a cell, for half blocks.
    Raises CoverUnavailable saying why there is none to show."""
    entry = album_cover(conn, albumartist, album)
    if entry is None:
        raise CoverUnavailable("not in the catalog")
    cover, image = entry.cover, entry.folder_image
    data = None
    if cover is not None:
        data, source, mime = cover_bytes(cover), "embedded", cover.mime
    if data is None and image is not None:
        data, source, mime = (
            folder_image_bytes(image),
            image.path_bytes.rsplit(b"/", 1)[-1].decode("utf-8", "replace"),
            image.mime,
        )
    if data is None:
        if cover is None and image is None:
            raise CoverUnavailable("no cover")
        raise CoverUnavailable("cover not in its files now")
    width, height = image_size(data)
    if cell is None:
        px_w, px_h = fit(width, height, cols, rows)
    else:
        px_w, px_h, _, _ = pixel_box(width, height, cols, rows, cell)
    rgb = decode_scaled(data, px_w, px_h)
    original = (width, height) if width and height else None
    return CoverArt(px_w, px_h, rgb, source, original, mime)


@dataclass(frozen=True)
class Drawing:
    """A cover ready for the screen, made in the worker: ``cols`` x ``rows`` cells,
    as text rows (half blocks, Kitty placeholders) and/or an escape sequence for
    the terminal (Kitty: the image and its placement, sent once; Sixel: the image,
    drawn at the pane's top left each time the pane is painted)."""

    kind: str  # halfblock, kitty or sixel
    cols: int
    rows: int
    lines: list[list[Segment]]
    escape: str = ""
    image_id: int | None = None


def draw(
    art: CoverArt,
    kind: str,
    cols: int,
    rows: int,
    cell: tuple[int, int] | None = None,
    image_id: int | None = None,
) -> Drawing:
    """``art`` (from :func:`load_cover` with the same ``cols``, ``rows``, ``cell``)
    drawn the ``kind`` way. Pure; slow for Sixel (quantising): call it in the worker."""
    if kind == "halfblock" or cell is None:
        lines = halfblock_lines(art.width, art.height, art.rgb)
        return Drawing("halfblock", art.width, len(lines), lines)
    _, _, cells_w, cells_h = pixel_box(art.width, art.height, cols, rows, cell)
    if kind == "kitty":
        if image_id is None:
            raise ValueError("a Kitty drawing needs an image id")
        style = Style(color=Color.from_rgb(*graphics.kitty_id_rgb(image_id)))
        lines = [
            [Segment(graphics.kitty_placeholder_row(row, cells_w), style)] for row in range(cells_h)
        ]
        box_w, box_h = cells_w * cell[0], cells_h * cell[1]
        rgba = graphics.pad_rgba(art.width, art.height, art.rgb, box_w, box_h)
        box_w, box_h = max(box_w, art.width), max(box_h, art.height)
        escape = graphics.kitty_transmit(image_id, box_w, box_h, rgba, cells_w, cells_h, 4)
        return Drawing("kitty", cells_w, cells_h, lines, escape, image_id)
    if kind == "sixel":
        escape = graphics.sixel_encode(art.width, art.height, art.rgb)
        return Drawing("sixel", cells_w, cells_h, [], escape)
    raise ValueError(f"unknown cover drawing: {kind}")
