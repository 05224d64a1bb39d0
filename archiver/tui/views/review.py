"""Needs review: the albums whose MusicBrainz match wants a human decision
(ambiguous, unmatched with candidates, weakly matched), and those you settled;
Enter opens the review screen, where a candidate, a release id, "not on
MusicBrainz" or an undo is one key (see docs/review.md)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archiver.catalog import browse
from archiver.catalog import review as rdb
from archiver.catalog.browse import Entry, Scope
from archiver.integrity import browse as integrity_browse
from archiver.tui import format as fmt
from archiver.tui.sources import ListSource
from archiver.tui.views.base import Selection, Shown, View
from archiver.tui.widgets.paged_table import Column

ENTRY_COLUMNS = [Column("Why", flex=1), Column("Albums", width=6, align="right", hide_below=22)]
COLUMNS = [
    Column("Key", width=6),
    Column("Album", flex=3),
    Column("Artist", flex=2, hide_below=56),
    Column("Files", width=5, align="right"),
    Column("Score", width=5, align="right", hide_below=40),
    Column("Cand.", width=5, align="right", hide_below=46),
]
# (entry key, label) in the order shown; an entry appears when it has albums.
GROUPS = (
    ("ambiguous", "Ambiguous"),
    ("unmatched", "Unmatched, with candidates"),
    ("weak", "Weak matches (score < 0.90)"),
    ("settled", "Settled by you"),
)


@dataclass(frozen=True)
class ReviewAlbum:
    """One album of the list (its key is what the review screen opens)."""

    number: int
    album_key: str
    album: str | None
    artist: str | None
    status: str
    source: str
    score: float | None
    files: int
    candidates: int

    @property
    def key(self) -> str:
        return rdb.key_text(self.number)


def group_of(row: dict) -> str | None:
    """Which entry an album row belongs to (None: not listed) (pure)."""
    if row["source"] == "user":
        return "settled"
    from archiver.musicbrainz.review import needs_review  # the MusicBrainz stack: not at start

    if not needs_review(row):
        return None
    return "weak" if row["status"] == "matched" else row["status"]


def review_entries(conn: sqlite3.Connection) -> list[Entry]:
    counts = rdb.file_counts(conn)
    groups: dict[str, list[ReviewAlbum]] = {key: [] for key, _ in GROUPS}
    for row in rdb.albums(conn, everything=True):
        group = group_of(row)
        if group is None:
            continue
        groups[group].append(
            ReviewAlbum(
                number=row["number"],
                album_key=row["album_key"],
                album=row["album"],
                artist=row["albumartist"],
                status=row["status"],
                source=row["source"],
                score=row["score"],
                files=counts.get(row["album_key"], 0),
                candidates=len(row["candidates"]),
            )
        )
    return [
        Entry((key,), label, len(groups[key]), 0.0, extra=groups[key])
        for key, label in GROUPS
        if groups[key]
    ]


def album_cells(a: ReviewAlbum) -> tuple[str, ...]:
    return (
        a.key,
        a.album or "(loose track)",
        a.artist or "",
        str(a.files),
        "" if a.score is None else f"{a.score:.2f}",
        str(a.candidates),
    )


class ReviewView(View):
    key = "review"
    label = "Needs review"
    follows_filter = False  # the whole catalog's albums (see docs/tui.md)
    rows_in_entry = True
    entry_columns = ENTRY_COLUMNS

    def badge(
        self, status: browse.CatalogStatus | None, counts: integrity_browse.IntegrityCounts | None
    ) -> int:
        return status.needs_review if status is not None else 0

    def load_entries(self, conn: sqlite3.Connection, scope: Scope) -> list[Entry]:
        return review_entries(conn)

    def empty_text(self, sel: Selection) -> str:
        return "Nothing needs review."

    def rows_title(self, entry_label: str) -> str:
        return entry_label or "Albums"

    def show_rows(self, entry: Entry, rows: list[ReviewAlbum], sel: Selection) -> Shown:
        old = sel.row.album_key if isinstance(sel.row, ReviewAlbum) else None
        index = next((i for i, a in enumerate(rows) if a.album_key == old), 0)
        source = ListSource(COLUMNS, rows, album_cells)
        return Shown(source, index, "No albums.", fmt.count(len(rows), "album"))

    def open_row(self, entry: Entry, row: ReviewAlbum):  # -> ReviewScreen
        from archiver.tui.screens.review import ReviewScreen

        return ReviewScreen(row.album_key)
