"""The album cover beside the track list and in the track detail.

Drawn the way the terminal can (``app.cover_protocol``, decided at start by
``archiver.tui.graphics.choose_protocol``): Kitty graphics with Unicode
placeholders, Sixel, or half blocks in 24-bit colour (``archiver.tui.cover_image``;
tmux and every other terminal). Reading, decoding, scaling and encoding run in
a thread worker; drawings are cached per album, size and protocol, so going
back to an album shows its cover at once. ``i`` toggles covers (all panes);
they are off when the terminal is narrower than ``MIN_WIDTH`` columns. The pane
keeps its width whether the album has a cover or not, so the layout does not
jump from album to album.

Kitty: the image is written to the terminal once (through Textual's driver, on
the UI thread) and the pane's text is placeholder cells naming it; an image
dropped from the cache is deleted from the terminal. Sixel: the image is drawn
at the pane's top left, after the pane's blank rows, each time the pane's last
image row is painted (saving and restoring the cursor around it).
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import weakref
from collections import OrderedDict
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from archiver.tui import graphics
from archiver.tui.cover_image import DEFAULT_CELL, CoverArt, CoverUnavailable, Drawing, draw

MIN_WIDTH = 100  # terminal columns below which covers are off
CACHE_SIZE = 64  # covers kept (a 32x32 cover is 3 KB of pixels plus its segments)

# (album artist, album, cols, rows, protocol, cell) -> (the cover, its drawing) or why there is none
_CACHE_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple, tuple[CoverArt, Drawing] | str] = OrderedDict()
# Kitty image ids: from a random start, so two archivers in one Kitty window rarely collide.
_IMAGE_IDS = itertools.count(random.randrange(1, 1 << 23))
_SENT: set[int] = set()  # Kitty images in the terminal now (UI thread only)
_DROPPED: list[int] = []  # Kitty images dropped from the cache, to delete (under _CACHE_LOCK)
_SHOWN: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()  # pane -> its image


def covers_enabled(app: Any) -> bool:
    return getattr(app, "covers_enabled", True)


def cover_protocol(app: Any) -> str:
    """halfblock, kitty or sixel: the app's choice, else what the environment says."""
    chosen = getattr(app, "cover_protocol", None)
    if chosen in graphics.PROTOCOLS:
        return chosen
    return graphics.protocol_from_env(os.environ) or "halfblock"


def _cache_put(key: tuple, value: Any) -> None:
    """Keep ``value``, dropping the oldest beyond CACHE_SIZE (call under _CACHE_LOCK)."""
    _CACHE[key] = value
    while len(_CACHE) > CACHE_SIZE:
        _, old = _CACHE.popitem(last=False)
        _forget(old)


def _forget(value: Any) -> None:
    if not isinstance(value, str) and value[1].image_id is not None:
        _DROPPED.append(value[1].image_id)


def clear_cache() -> None:
    """Drop every cached cover (their Kitty images are deleted at the next draw)."""
    with _CACHE_LOCK:
        for value in _CACHE.values():
            _forget(value)
        _CACHE.clear()


def terminal_write(app: Any, text: str) -> None:
    """Write escape sequences to the terminal through Textual's driver (its writer
    thread keeps them in order with the screen updates). UI thread only."""
    driver = getattr(app, "_driver", None)
    if driver is not None and text:
        driver.write(text)


class CoverPane(Widget):
    """Shows one album's cover: ``show_album(artist, album)``, ``show_track(id)``,
    ``follow(main_screen)`` (whatever the browser has highlighted)."""

    DEFAULT_CSS = """
    CoverPane {
        width: 34;
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
    }
    CoverPane.-off { display: none; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Cover"
        self._album: tuple | None = None  # (album artist, album) shown or loading
        self._file_id: int | None = None
        self._lines: list[list[Segment]] = []
        self._drawing: Drawing | None = None
        self._art: CoverArt | None = None
        self._message = ""
        self.caption = ""  # under the cover: its size, type and where it comes from
        self._generation = 0

    # ------------------------------------------------------------ what to show

    def follow(self, screen: Any) -> None:
        """Show the cover of what the main screen has highlighted: the album of
        the second column, else the highlighted track's album (All tracks)."""
        view = screen.view
        if view.all_tracks:
            key = screen.table("alltracks").current_key
            if isinstance(key, int):
                self.show_track(key)
            else:
                self.show_album(None)
            return
        row = screen.row
        if hasattr(row, "albumartist") and hasattr(row, "album"):
            self.show_album((row.albumartist, row.album))
            return
        track = screen.table("tracks").current_key if screen.level >= 3 else None
        if hasattr(track, "id") and hasattr(track, "album"):
            self.show_track(int(track.id))
            return
        self.show_album(None)

    def show_track(self, file_id: int) -> None:
        """Show the cover of the album of the track ``file_id`` (looked up in the worker)."""
        if file_id == self._file_id and self._album is not None:
            return
        self._file_id = file_id
        self._load(None, file_id)

    def show_album(self, album: tuple | None) -> None:
        """Show the cover of ``album`` = (album artist, album); None: nothing to show."""
        self._file_id = None
        if album == self._album and (self._art is not None or self._message):
            return
        self._album = album
        if album is None:
            self._set(None, "")
            return
        self._load(album, None)

    def toggle(self) -> None:
        """``i``: covers on or off, in every pane of the app."""
        self.app.covers_enabled = not covers_enabled(self.app)  # type: ignore[attr-defined]
        clear_cache()
        self._apply_visibility()
        self._reload()

    def _reload(self) -> None:
        """Ask again for what was last asked (after covers come back on)."""
        if not self._on():
            return
        if self._file_id is not None:
            file_id, self._file_id = self._file_id, None
            self._album = None
            self.show_track(file_id)
        elif self._album is not None:
            album, self._album = self._album, None
            self.show_album(album)

    # ------------------------------------------------------------ loading

    def _cells(self) -> tuple[int, int]:
        width = max(1, self.size.width or 32)
        height = max(2, (self.size.height or 18) - 2)  # a caption below
        return width, min(height, width)

    def _how(self) -> tuple[str, tuple[int, int] | None]:
        """The protocol, and for a graphics protocol the pixel size of a cell."""
        kind = cover_protocol(self.app)
        if kind == "halfblock":
            return kind, None
        return kind, graphics.cell_pixels() or DEFAULT_CELL

    def _load(self, album: tuple | None, file_id: int | None) -> None:
        if not self._on():
            return
        cols, rows = self._cells()
        kind, cell = self._how()
        if album is not None:
            with _CACHE_LOCK:  # workers write it from their threads
                cached = _CACHE.get((*album, cols, rows, kind, cell))
                if cached is not None:
                    _CACHE.move_to_end((*album, cols, rows, kind, cell))
            if cached is not None:
                self._show_cached(cached)
                return
        self._generation += 1
        generation = self._generation
        self._message = "…"
        self.refresh()
        app = self.app

        def work() -> None:
            from archiver.tui.cover_image import load_cover, track_album

            conn = app.open_connection()  # type: ignore[attr-defined]
            try:
                key = album if album is not None else track_album(conn, file_id)
                if key is None:
                    result: Any = "not in the catalog"
                else:
                    with _CACHE_LOCK:
                        cached = _CACHE.get((*key, cols, rows, kind, cell))
                    if cached is not None:
                        result = cached
                    else:
                        try:
                            art = load_cover(conn, key[0], key[1], cols, rows, cell)
                            image_id = next(_IMAGE_IDS) if kind == "kitty" else None
                            result = (art, draw(art, kind, cols, rows, cell, image_id))
                        except CoverUnavailable as exc:
                            result = str(exc)
                        with _CACHE_LOCK:
                            _cache_put((*key, cols, rows, kind, cell), result)
            except Exception as exc:  # noqa: BLE001 - a cover never breaks the browser
                key, result = album, f"cover unavailable ({type(exc).__name__})"
            finally:
                conn.close()
            app.call_from_thread(self._deliver, generation, key, result)

        self.run_worker(work, thread=True, exclusive=True, group="cover", exit_on_error=False)

    def _deliver(self, generation: int, key: tuple | None, result: Any) -> None:
        if generation != self._generation:
            return  # a newer album was asked for meanwhile
        if self._file_id is not None:
            self._album = key
        self._show_cached(result)

    def _show_cached(self, cached: Any) -> None:
        if isinstance(cached, str):
            self._set(None, cached)
        else:
            art, drawing = cached
            self._set(art, "", drawing)

    def _set(self, art: CoverArt | None, message: str, drawing: Drawing | None = None) -> None:
        self._sync_terminal(drawing)
        self._art = art
        self._drawing = drawing
        self._lines = drawing.lines if drawing else []
        self._message = message
        self.caption = _caption(art) if art else ""
        self.refresh()

    def _sync_terminal(self, drawing: Drawing | None) -> None:
        """Kitty: delete the images dropped from the cache that no pane shows (a
        pane of the screen underneath may), send this one if the terminal does
        not have it yet."""
        if drawing is not None and drawing.image_id is not None:
            _SHOWN[self] = drawing.image_id
        else:
            _SHOWN.pop(self, None)
        shown = set(_SHOWN.values())
        with _CACHE_LOCK:
            dropped = [i for i in _DROPPED if i not in shown]
            _DROPPED[:] = [i for i in _DROPPED if i in shown]
        out = [graphics.kitty_delete(i) for i in dropped if i in _SENT]
        _SENT.difference_update(dropped)
        if drawing is not None and drawing.kind == "kitty" and drawing.image_id not in _SENT:
            _SENT.add(drawing.image_id)
            out.append(drawing.escape)
        terminal_write(self.app, "".join(out))

    # ------------------------------------------------------------ visibility and drawing

    def _on(self) -> bool:
        return covers_enabled(self.app) and self.app.size.width >= MIN_WIDTH

    def _apply_visibility(self) -> None:
        """Hidden when covers are off or the terminal is narrow; back (and loading
        what was last asked) when it widens again."""
        off = not self._on()
        if off != self.has_class("-off"):
            self.set_class(off, "-off")
            if not off:
                self.call_after_refresh(self._reload)

    def on_mount(self) -> None:
        self._apply_visibility()
        # A hidden widget gets no resize events: look at the terminal's width now and then.
        self.set_interval(0.25, self._apply_visibility)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        blank = self.rich_style
        drawing = self._drawing
        rows = drawing.rows if drawing else 0
        if y < rows:
            pad = max(0, (width - drawing.cols) // 2)
            if drawing.kind == "sixel":
                strip = Strip.blank(width, blank)
                if y == rows - 1 and self._sixel_here():
                    # After the blank rows above are drawn: the image over them.
                    region = self.content_region
                    move = f"\x1b7\x1b[{region.y + 1};{region.x + pad + 1}H"
                    escape = Segment(move + drawing.escape + "\x1b8", None, [(1,)])
                    strip = Strip([*strip, escape], width)
                return strip
            segments = [Segment(" " * pad, blank), *self._lines[y]]
            return Strip(segments).adjust_cell_length(width, blank)
        below = self._message if not drawing else self.caption
        if below and y == (1 if not drawing else rows):
            text = below[:width].center(width)
            return Strip([Segment(text, blank + Style(dim=True, italic=not drawing))], width)
        return Strip.blank(width, blank)

    def _sixel_here(self) -> bool:
        """Draw the Sixel image only while the pane is on the active screen and
        whole (a dialog on top, or a pane cut short, would be painted over)."""
        try:
            if not self.screen.is_active:
                return False
        except Exception:  # noqa: BLE001 - no screen yet
            return False
        drawing = self._drawing
        return drawing is not None and self.content_region.height >= drawing.rows


def delete_sent_images(app: Any) -> None:
    """Kitty keeps images until told: delete ours when the app ends."""
    if _SENT:
        try:
            terminal_write(app, "".join(graphics.kitty_delete(i) for i in sorted(_SENT)))
        except Exception:  # noqa: BLE001 - the terminal may be gone already
            pass
        _SENT.clear()


def _caption(art: CoverArt) -> str:
    size = f"{art.original[0]}×{art.original[1]}" if art.original else "size unknown"
    kind = (art.mime or "").removeprefix("image/")
    return " · ".join(x for x in (size, kind, art.source) if x)
