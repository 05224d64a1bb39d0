"""The browser's views: one object per entry of the left column.

A view says how deep it goes (1 to 3 columns), what each column lists (its
columns, how the rows of a level are loaded and the cells of a row), what an
empty column says, what Enter opens and what `e` and `x` act on. The screen
(``archiver.tui.screens.main``) knows none of this: it asks ``VIEWS``.

To add a view:

1. Write a subclass of :class:`~archiver.tui.views.base.View` in a module of
   this package (one file per view; see ``damaged.py`` for a two-column view,
   ``duplicates.py`` for three). Set ``key``, ``label`` and ``depth``;
   implement ``load_entries`` (worker thread: it gets a connection) and
   ``show_rows``; ``load_rows``/``rows_of`` and ``open_row`` as needed.
2. Add one instance to ``VIEWS`` below, where it should appear in the left
   column. Nothing else changes: layout, keys, filter and loading are generic.

Example, a two-column view listing files of a (hypothetical) analysis table::

    class QualityView(View):
        key, label = "quality", "Quality"
        follows_filter = False
        def load_entries(self, conn, scope):  # worker thread
            return quality_kinds(conn)  # [Entry(("transcode",), "Transcodes", 12, 0.0)]
        def load_rows(self, conn, scope, entry):  # worker thread
            return quality_files(conn, entry.key[0])
        def show_rows(self, entry, rows, sel):
            source = ListSource(COLUMNS, rows, lambda r: (r.path, r.finding))
            return Shown(source, 0, "No files.", fmt.count(len(rows), "file"))
"""

from __future__ import annotations

from archiver.tui.views.base import Selection, Shown, View
from archiver.tui.views.damaged import DamagedView
from archiver.tui.views.duplicates import DuplicatesView
from archiver.tui.views.errors import ScanErrorsView
from archiver.tui.views.incomplete import IncompleteView
from archiver.tui.views.library import AllTracksView, LibraryView
from archiver.tui.views.quality import QualityView
from archiver.tui.views.review import ReviewView

# In the order of the left column.
VIEWS: tuple[View, ...] = (
    AllTracksView(),
    LibraryView("albumartist"),
    LibraryView("artist"),
    LibraryView("album"),
    LibraryView("genre"),
    LibraryView("year"),
    LibraryView("format"),
    ReviewView(),
    LibraryView("missing"),
    DamagedView(),
    QualityView(),
    DuplicatesView(),
    IncompleteView(),
    ScanErrorsView(),
)
VIEW_BY_KEY: dict[str, View] = {v.key: v for v in VIEWS}

__all__ = ["VIEWS", "VIEW_BY_KEY", "Selection", "Shown", "View"]
