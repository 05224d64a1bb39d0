"""The TUI's read-only queries (archiver.catalog.browse) on a real catalog file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.catalog import browse, open_catalog
from archiver.catalog.browse import Scope, album_mb_status
from archiver.catalog.query import compile_query
from archiver.integrity import browse as integrity_browse


@pytest.fixture
def conn(catalog_path: Path) -> Iterator[sqlite3.Connection]:
    with open_catalog(catalog_path, create=False) as catalog:
        yield catalog.conn


def _filtered(category: str, text: str, **kw) -> Scope:
    q = compile_query(text)
    return Scope(category, where=q.where, params=tuple(q.params), **kw)


def test_album_artist_entries_count_present_tracks_only(conn: sqlite3.Connection) -> None:
    rows = browse.entries(conn, Scope("albumartist"))
    counts = {e.label: e.tracks for e in rows}
    # "Yesterday" is missing: Help! counts 2 of its 3 tracks; the unreadable file has no artist.
    assert counts == {
        "Björk": 3,
        "Miles Davis": 4,
        "The Beatles": 6,
        "Various Artists": 2,
        "(no artist)": 1,
    }
    assert [e.label for e in rows][-1] == "(no artist)"  # unknowns last


def test_artist_entries_use_track_artist(conn: sqlite3.Connection) -> None:
    labels = [e.label for e in browse.entries(conn, Scope("artist"))]
    assert "Dave Brubeck" in labels and "Various Artists" not in labels


def test_album_entries_key_on_album_and_artist(conn: sqlite3.Connection) -> None:
    rows = browse.entries(conn, Scope("album"))
    abbey = next(e for e in rows if e.key == ("Abbey Road", "The Beatles"))
    assert abbey.label == "Abbey Road — The Beatles" and abbey.tracks == 4


def test_year_entries_sorted_numerically(conn: sqlite3.Connection) -> None:
    years = [e.key[0] for e in browse.entries(conn, Scope("year"))]
    assert years == [1959, 1965, 1969, 1997, 2001, None]


def test_needs_review_entries_are_statuses(conn: sqlite3.Connection) -> None:
    rows = {e.label: e.tracks for e in browse.entries(conn, Scope("review"))}
    assert rows == {"ambiguous": 3, "unmatched": 1}


def test_missing_category_shows_only_missing(conn: sqlite3.Connection) -> None:
    entry = browse.entries(conn, Scope("missing"))
    assert [(e.label, e.tracks) for e in entry] == [("The Beatles", 1)]
    tracks = browse.album_tracks(conn, Scope("missing", entry=entry[0].key))
    assert [t.title for t in tracks] == ["Yesterday"] and tracks[0].missing


def test_albums_of_an_entry_with_mb_status(conn: sqlite3.Connection) -> None:
    albums = browse.albums(conn, Scope("albumartist", entry=("The Beatles",)))
    assert [(a.album, a.year, a.tracks, a.mb_status) for a in albums] == [
        ("Help!", 1965, 2, "unmatched"),
        ("Abbey Road", 1969, 4, "matched"),
    ]
    assert albums[1].formats == "flac"
    assert albums[1].duration == pytest.approx(259.9 + 182.3 + 207.0 + 206.2)


def test_album_tracks_in_disc_order(conn: sqlite3.Connection) -> None:
    scope = Scope("albumartist", entry=("Miles Davis",), album=("Miles Davis", "Kind of Blue"))
    tracks = browse.album_tracks(conn, scope)
    assert [(t.disc, t.track) for t in tracks] == [(1, 1), (1, 2), (2, 1), (2, 2)]


def test_filter_narrows_entries(conn: sqlite3.Connection) -> None:
    rows = browse.entries(conn, _filtered("albumartist", "year:1960..1970"))
    assert [e.label for e in rows] == ["The Beatles"]
    rows = browse.entries(conn, _filtered("genre", "jazz"))
    assert [(e.label, e.tracks) for e in rows] == [("Jazz", 6)]


def test_filter_on_missing_includes_missing_files(conn: sqlite3.Connection) -> None:
    scope = _filtered("all", "missing:yes", include_missing=True)
    ids = browse.track_ids(conn, scope)
    assert [r.title for r in browse.tracks_by_ids(conn, ids)] == ["Yesterday"]


def test_track_ids_sort_and_reverse(conn: sqlite3.Connection) -> None:
    asc = browse.track_ids(conn, Scope("all"), "duration")
    desc = browse.track_ids(conn, Scope("all"), "duration", descending=True)
    rows = browse.tracks_by_ids(conn, asc)
    durations = [r.duration for r in rows if r.duration is not None]
    assert durations == sorted(durations)
    assert rows[-1].duration is None  # unknown length sorts last either way
    rev = browse.tracks_by_ids(conn, desc)
    assert [r.duration for r in rev if r.duration is not None] == sorted(durations, reverse=True)
    assert rev[-1].duration is None
    for key in browse.SORTS:
        assert len(browse.track_ids(conn, Scope("all"), key)) == len(asc)


def test_tracks_by_ids_keeps_order_and_skips_unknown(conn: sqlite3.Connection) -> None:
    rows = browse.tracks_by_ids(conn, [3, 999, 1])
    assert [r.id for r in rows] == [3, 1]


def test_view_stats(conn: sqlite3.Connection) -> None:
    stats = browse.view_stats(conn, Scope("albumartist", entry=("The Beatles",)))
    assert (stats.tracks, stats.albums, stats.artists) == (6, 2, 1)
    everything = browse.view_stats(conn, Scope("all"))
    assert everything.tracks == 16 and everything.albums == 6  # 5 albums + the unreadable file


def test_catalog_status(conn: sqlite3.Connection) -> None:
    status = browse.catalog_status(conn)
    assert status.tracks == 17  # 16 tagged (one missing) + 1 unreadable
    assert status.last_scan_at == "2026-01-02T03:04:05.000000Z"
    assert status.scan_running_since is None
    assert (status.needs_review, status.missing, status.scan_errors) == (4, 1, 1)
    assert status.roots == ["/music"]


def test_scan_errors_hide_files_read_fine_later(conn: sqlite3.Connection) -> None:
    assert [(e.label, e.tracks) for e in browse.scan_error_kinds(conn)] == [("corrupt", 1)]
    conn.execute(
        "UPDATE files SET read_error = NULL, last_read_at = '2026-02-01T00:00:00Z' WHERE path LIKE '%broken%'"
    )
    assert browse.scan_error_kinds(conn) == []


def test_track_detail_compares_with_musicbrainz(conn: sqlite3.Connection) -> None:
    detail = browse.track_detail(conn, 4)  # "Oh! Darling" vs MB "Oh! Darling!"
    assert detail is not None
    by_field = {d.field: d for d in detail.comparison}
    assert by_field["title"].differs and by_field["title"].mb_value == "Oh! Darling!"
    assert not by_field["album"].differs and not by_field["tracknumber"].differs
    assert by_field["label"].differs  # the file has no label tag
    assert detail.labels[0]["catalog_number"] == "PCS 7088"
    assert detail.raw["TITLE"] == ["Oh! Darling"]


def test_typographic_quotes_do_not_count_as_differences(conn: sqlite3.Connection) -> None:
    detail = browse.track_detail(conn, 3)  # Maxwell's vs Maxwell’s
    assert detail is not None
    assert not {d.field: d for d in detail.comparison}["title"].differs


def test_track_detail_credits_and_candidates(conn: sqlite3.Connection) -> None:
    detail = browse.track_detail(conn, 1)
    assert detail is not None
    assert {(c["role"], c["artist_name"]) for c in detail.credits} == {
        ("producer", "George Martin"),
        ("performer", "Ringo Starr"),
    }
    assert detail.isrcs == ["GBAYE0601690"]
    ambiguous = browse.track_detail(conn, 8)
    assert ambiguous is not None and ambiguous.comparison == []
    assert ambiguous.album_match is not None and len(ambiguous.album_match["candidates"]) == 2


def test_track_detail_unknown_id(conn: sqlite3.Connection) -> None:
    assert browse.track_detail(conn, 12345) is None


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((4, 4, 0, 0, 0), "matched"),
        ((4, 2, 0, 0, 0), "partial 2/4"),
        ((4, 3, 1, 0, 0), "ambiguous"),
        ((4, 3, 0, 0, 1), "error"),
        ((4, 0, 0, 4, 0), "unmatched"),
        ((4, 0, 0, 0, 0), "—"),
    ],
)
def test_album_mb_status(counts: tuple[int, int, int, int, int], expected: str) -> None:
    assert album_mb_status(*counts) == expected


def test_preservation_views_of_the_test_catalog(conn: sqlite3.Connection) -> None:
    # Nothing fingerprinted or verified; Help! lacks its missing "Yesterday" (track 3 of 3)
    # and Kind of Blue's tags say 4 tracks per disc while each disc has 2.
    assert integrity_browse.integrity_counts(conn) == integrity_browse.IntegrityCounts(0, 0, 2)
    assert browse.damaged_entries(conn) == []
    assert [(e.label, e.tracks) for e in integrity_browse.duplicate_kinds(conn)] == [
        ("Same audio", 0),
        ("Same recording", 0),
        ("Same artist/title", 0),
    ]
    albums = {e.label: e for e in integrity_browse.incomplete_album_entries(conn)}
    assert set(albums) == {"Help! — The Beatles", "Kind of Blue — Miles Davis"}
    help_rows = integrity_browse.missing_rows(albums["Help! — The Beatles"].extra)
    assert [r.sentence() for r in help_rows] == [
        "missing: disc 1 track 3",
        "missing: file gone '1-03 Yesterday.mp3'",
    ]
    assert albums["Kind of Blue — Miles Davis"].tracks == 4
    assert browse.catalog_status(conn).last_verify is None


def test_missing_rows_merge_tags_and_musicbrainz() -> None:
    from archiver.integrity.completeness import IncompleteAlbum, MissingTrack

    album = IncompleteAlbum(
        albumartist="The Beatles",
        album="Abbey Road",
        folder="/music/Abbey Road",
        present=14,
        expected=17,
        missing_discs=[2],
        gaps={1: [4]},
        missing_files=["/music/Abbey Road/09 Her Majesty.flac"],
        release_mbid="r",
        release_title="Abbey Road",
        release_missing=[
            MissingTrack(1, 7, "7", "Here Comes the Sun", 185.0),
            MissingTrack(1, 4, "4", "Oh! Darling", 206.4),
        ],
    )
    rows = integrity_browse.missing_rows(album)
    assert [(r.sentence(), r.source) for r in rows] == [
        ("missing: disc 1 track 4 'Oh! Darling' 3:26", "tags, MusicBrainz"),
        ("missing: disc 1 track 7 'Here Comes the Sun' 3:05", "MusicBrainz"),
        ("missing: disc 2 '(the whole disc)'", "tags"),
        ("missing: file gone '09 Her Majesty.flac'", "catalog"),
    ]


@pytest.mark.parametrize("text", ["beatles", "miles", "a", "nothing-at-all", "björk"])
@pytest.mark.parametrize("sort", ["artist", "album", "title", "duration"])
@pytest.mark.parametrize("descending", [False, True])
def test_free_text_narrows_ordered_ids_as_a_fresh_query_orders_them(
    conn: sqlite3.Connection, text: str, sort: str, descending: bool
) -> None:
    """The TUI narrows All tracks' ids already in display order instead of sorting
    the matches again (issue 17): same ids, same order as the filtered query."""
    base = Scope("all")
    ordered = browse.track_ids(conn, base, sort, descending)
    scope = _filtered("all", text)
    assert scope.where == browse.FREE_TEXT
    narrowed = browse.narrowed_ids(conn, ordered, scope.where, scope.params)
    assert list(narrowed) == list(browse.track_ids(conn, scope, sort, descending))


def test_narrowed_ids_refuses_other_filters(conn: sqlite3.Connection) -> None:
    scope = _filtered("all", "artist:beatles")
    with pytest.raises(ValueError):
        browse.narrowed_ids(conn, [], scope.where, scope.params)


def test_narrowed_ids_of_a_kept_order_and_of_sparse_ids(conn: sqlite3.Connection) -> None:
    """The order kept on disk (4-byte ids) narrows alike; ids far apart (no mask)
    and ids the index does not hold are handled too."""
    from array import array

    scope = _filtered("all", "a")
    ordered = browse.track_ids(conn, Scope("all"), "title")
    want = list(browse.track_ids(conn, scope, "title"))
    assert want
    assert list(browse.narrowed_ids(conn, array("i", ordered), scope.where, scope.params)) == want
    sparse = [10**12, *ordered, 10**12 + 1]
    assert list(browse.narrowed_ids(conn, sparse, scope.where, scope.params)) == want
