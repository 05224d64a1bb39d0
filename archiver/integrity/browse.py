"""The Duplicates and Incomplete albums views of the TUI (and the counts beside the
preservation views): the groups and albums the integrity logic finds, shaped as
:class:`archiver.catalog.browse.Entry` rows. The Damaged view needs no logic and
lives with the catalog's other browse queries."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archiver.catalog import analysis, duplicates
from archiver.catalog.browse import Entry
from archiver.integrity.completeness import IncompleteAlbum, incomplete_albums
from archiver.integrity.counts import IntegrityCounts as IntegrityCounts  # re-exported
from archiver.integrity.counts import integrity_counts as integrity_counts
from archiver.integrity.duplicates import find_duplicates

DUPLICATE_LABELS = {
    "audio": "Same audio",
    "recording": "Same recording",  # the same MusicBrainz recording
    "tags": "Same artist/title",  # and durations within 2 s
    "acoustic": "Same recording (by ear)",  # acoustic fingerprints (archiver analyze)
}


def duplicate_kinds(conn: sqlite3.Connection) -> list[Entry]:
    """The ways of finding duplicates with their group counts (by ear only once
    `archiver analyze` stored fingerprints); ``extra`` holds the groups (each ranked
    best copy first)."""
    kinds = list(duplicates.DUPLICATE_KINDS)
    if analysis.fingerprint_count(conn):
        kinds.append("acoustic")
    result = []
    for by in kinds:
        groups = find_duplicates(conn, by)
        result.append(Entry((by,), DUPLICATE_LABELS.get(by, by), len(groups), 0.0, extra=groups))
    return result


def incomplete_album_entries(conn: sqlite3.Connection) -> list[Entry]:
    """Incomplete albums with how many tracks each misses; ``extra`` is the album."""
    result = []
    for album in incomplete_albums(conn):
        name = album.album if album.album else "(no album)"
        label = f"{name} — {album.albumartist or '(no artist)'}"
        key = (album.albumartist, album.album, album.folder)
        count = album.missing_count + len(album.missing_discs)
        result.append(Entry(key, label, count, 0.0, extra=album))
    return result


@dataclass(frozen=True)
class MissingRow:
    """One line of an incomplete album: a track, a disc or a file that is not there."""

    what: str  # "disc 1 track 4", "disc 2", "file gone"
    title: str | None
    length: float | None  # seconds
    source: str  # what says it is missing: tags, MusicBrainz, catalog

    def sentence(self) -> str:
        """``missing: disc 1 track 4 'Title' 3:45`` (for messages and tests)."""
        text = f"missing: {self.what}"
        if self.title:
            text += f" '{self.title}'"
        if self.length is not None:
            total = round(self.length)
            text += f" {total // 60}:{total % 60:02d}"
        return text


def missing_rows(album: IncompleteAlbum) -> list[MissingRow]:
    """What an :class:`IncompleteAlbum` misses, in disc and track order: whole discs,
    gaps against totaltracks (titled from the matched MusicBrainz release when it has
    that position), release tracks without a file, and catalogued files gone from disk
    (pure)."""
    release = {(t.disc, t.position): t for t in album.release_missing}
    lines: list[tuple[tuple[int, int], MissingRow]] = []
    for disc in album.missing_discs:
        lines.append(((disc, 0), MissingRow(f"disc {disc}", "(the whole disc)", None, "tags")))
    for disc, numbers in album.gaps.items():
        for n in numbers:
            mb = release.pop((disc, n), None)
            title = mb.title if mb else None
            length = mb.length if mb else None
            source = "tags, MusicBrainz" if mb else "tags"
            lines.append(((disc, n), MissingRow(f"disc {disc} track {n}", title, length, source)))
    for (disc, n), mb in release.items():
        lines.append(
            ((disc, n), MissingRow(f"disc {disc} track {n}", mb.title, mb.length, "MusicBrainz"))
        )
    lines.sort(key=lambda item: item[0])
    rows = [row for _, row in lines]
    for path in album.missing_files:
        rows.append(MissingRow("file gone", path.rsplit("/", 1)[-1], None, "catalog"))
    return rows
