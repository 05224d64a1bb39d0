"""The album cover beside the track list and in the track detail.

Drawn with half blocks in 24-bit colour (``archiver.tui.cover_image``): the
same in every terminal, tmux included. Reading, decoding and scaling run in a
thread worker; rendered covers are cached per album and size, so going back
to an album shows its cover at once. ``i`` toggles covers (all panes); they
are off when the terminal is narrower than ``MIN_WIDTH`` columns. The pane
keeps its width whether the album has a cover or not, so the layout does not
jump from album to album.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from archiver.tui.cover_image import CoverArt, CoverUnavailable, halfblock_lines

MIN_WIDTH = 100  # terminal columns below which covers are off
CACHE_SIZE = 64  # covers kept (a 32x32 cover is 3 KB of pixels plus its segments)

# (album artist, album, cols, rows) -> (the cover, its text rows) or the reason there is none
_CACHE_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple, tuple[CoverArt, list[list[Segment]]] | str] = OrderedDict()


def covers_enabled(app: Any) -> bool:
    return getattr(app, "covers_enabled", True)


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
        with _CACHE_LOCK:
            _CACHE.clear()
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

    def _load(self, album: tuple | None, file_id: int | None) -> None:
        if not self._on():
            return
        cols, rows = self._cells()
        if album is not None:
            with _CACHE_LOCK:  # workers write it from their threads
                cached = _CACHE.get((*album, cols, rows))
                if cached is not None:
                    _CACHE.move_to_end((*album, cols, rows))
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
                        cached = _CACHE.get((*key, cols, rows))
                    if cached is not None:
                        result = cached
                    else:
                        try:
                            art = load_cover(conn, key[0], key[1], cols, rows)
                            result = (art, halfblock_lines(art.width, art.height, art.rgb))
                        except CoverUnavailable as exc:
                            result = str(exc)
                        with _CACHE_LOCK:
                            _CACHE[(*key, cols, rows)] = result
                            while len(_CACHE) > CACHE_SIZE:
                                _CACHE.popitem(last=False)
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
            art, lines = cached
            self._set(art, "", lines)

    def _set(self, art: CoverArt | None, message: str, lines: list | None = None) -> None:
        self._art = art
        self._lines = lines or []
        self._message = message
        self.caption = _caption(art) if art else ""
        self.refresh()

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
        if y < len(self._lines):
            art_width = self._art.width if self._art else 0
            pad = max(0, (width - art_width) // 2)
            segments = [Segment(" " * pad, blank), *self._lines[y]]
            return Strip(segments).adjust_cell_length(width, blank)
        below = self._message if not self._lines else self.caption
        if below and y == (1 if not self._lines else len(self._lines)):
            text = below[:width].center(width)
            return Strip([Segment(text, blank + Style(dim=True, italic=not self._lines))], width)
        return Strip.blank(width, blank)


def _caption(art: CoverArt) -> str:
    size = f"{art.original[0]}×{art.original[1]}" if art.original else "size unknown"
    kind = (art.mime or "").removeprefix("image/")
    return " · ".join(x for x in (size, kind, art.source) if x)
