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
use (it is slow to load), under a lock.
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

__all__ = [
    "CoverArt",
    "CoverUnavailable",
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
    """PyAV, imported by one cover worker at a time (see the module's docstring)."""
    with _AV_LOCK:
        try:
            import av
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
    conn: sqlite3.Connection, albumartist: str | None, album: str | None, cols: int, rows: int
) -> CoverArt:
    """The album's cover read, decoded and scaled to fit ``cols`` x ``rows`` cells:
    its embedded cover (the one most files carry), else an image beside its files.
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
    cols, px_rows = fit(width, height, cols, rows)
    rgb = decode_scaled(data, cols, px_rows)
    original = (width, height) if width and height else None
    return CoverArt(cols, px_rows, rgb, source, original, mime)
