"""The pure parts of reviewing (ids, keys, ranking, words) and the catalog's
guarantees (enrich never replaces a user row; reset restores exactly)."""

from __future__ import annotations

import pytest

from archiver.catalog import musicbrainz as mbdb
from archiver.catalog import review as rdb
from archiver.errors import UsageError
from archiver.musicbrainz.review import needs_review, parse_mbid, penalty_words, ranked_candidates
from tests.musicbrainz.conftest import add_file

ID = "0383dadf-2a4e-4d10-a46a-e9e041da8eb3"


@pytest.mark.parametrize(
    "text",
    [
        ID,
        ID.upper(),
        f"  {ID} ",
        f"https://musicbrainz.org/release/{ID}",
        f"http://musicbrainz.org/release/{ID}/",
        f"https://beta.musicbrainz.org/release/{ID}/discids",
        f"https://musicbrainz.org/release/{ID}?tab=x",
        f"http://127.0.0.1:5000/release/{ID}",  # the --server given
    ],
)
def test_release_ids_and_urls(text):
    assert parse_mbid(text, "release", "http://127.0.0.1:5000") == ID


@pytest.mark.parametrize(
    "text",
    [
        "",
        "42",
        ID[:-1],
        ID + "0",
        ID.replace("-", ""),
        f"https://musicbrainz.org/recording/{ID}",
        f"https://musicbrainz.org/release/{ID[:-1]}",
        f"https://musicbrainz.org.evil.example/release/{ID}",
        f"https://example.com/release/{ID}",
        f"ftp://musicbrainz.org/release/{ID}",
        f"musicbrainz.org/release/{ID}",
        "https://musicbrainz.org/release/",
    ],
)
def test_bad_release_ids(text):
    with pytest.raises(UsageError):
        parse_mbid(text, "release")


def test_keys():
    assert rdb.parse_key("@42") == 42 and rdb.key_text(42) == "@42"
    assert rdb.is_key("@x") and not rdb.is_key("x@y")
    for bad in ("@", "@0", "@-1", "@4 2", "@４２", "@1.5", "@abc"):
        with pytest.raises(UsageError):
            rdb.parse_key(bad)


def test_formats_and_penalty_words():
    assert rdb.join_formats([]) is None
    assert rdb.join_formats(["CD"]) == "CD"
    assert rdb.join_formats(["CD", "CD"]) == "2×CD"
    assert rdb.join_formats(["CD", "CD", "DVD"]) == "2×CD + DVD"
    assert penalty_words({}) == penalty_words(None) == "none"
    assert penalty_words({"album": 0.0, "year": 1.0, "tracks": 0.25}) == "year 1.00, tracks 0.25"


def test_ranking_is_by_score_and_stable():
    row = {
        "candidates": [
            {"release_mbid": "a", "score": 0.7},
            {"release_mbid": "b", "score": 0.9},
            {"release_mbid": "c", "score": 0.9},
            {"release_mbid": "d", "score": None},
        ]
    }
    assert [c["release_mbid"] for c in ranked_candidates(row)] == ["b", "c", "a", "d"]
    assert ranked_candidates(None) == []


@pytest.mark.parametrize(
    "row, expected",
    [
        ({"source": "auto", "status": "ambiguous"}, True),
        ({"source": "auto", "status": "unmatched", "candidates": [{}]}, True),
        ({"source": "auto", "status": "unmatched", "candidates": []}, False),
        ({"source": "auto", "status": "matched", "score": 0.89}, True),
        ({"source": "auto", "status": "matched", "score": 0.90}, False),
        ({"source": "auto", "status": "error"}, False),
        ({"source": "user", "status": "ambiguous"}, False),
    ],
)
def test_needs_review_twins(catalog, row, expected):
    assert needs_review(row) is expected
    full = {"candidates": [], "score": None, **row}
    with catalog.write() as conn:
        mbdb.store_album_match(
            conn,
            album_key="k",
            albumartist=None,
            album=None,
            folder=None,
            status=full["status"],
            method=None,
            release_mbid=None,
            score=full["score"],
            candidates=full["candidates"],
            error=None,
            run_id=None,
        )
        conn.execute("UPDATE album_matches SET source = ?", (full["source"],))
    assert (len(rdb.albums(catalog.conn)) == 1) is expected
    assert rdb.review_counts(catalog.conn)["needs_review"] == int(expected)


def _auto(conn, file_id: int, album_key: str, release: str | None, status: str = "matched"):
    mbdb.store_album_match(
        conn,
        album_key=album_key,
        albumartist="A",
        album="B",
        folder="/m",
        status=status,
        method="search",
        release_mbid=release,
        score=0.85,
        candidates=[{"release_mbid": release, "score": 0.85, "penalties": {}}],
        error=None,
        run_id=7,
    )
    mbdb.store_file_match(
        conn,
        file_id=file_id,
        status=status,
        method="search",
        score=0.85,
        release_mbid=release,
        track_mbid=None,
        recording_mbid=None,
        album_key=album_key,
        error=None,
        run_id=7,
    )


def test_enrich_never_replaces_a_user_row_and_reset_restores_exactly(catalog):
    file_id = add_file(catalog, "/m/a.flac", 100.0, title="a", album="B")
    with catalog.write() as conn:
        _auto(conn, file_id, "k", "auto-release")
    before = rdb.snapshot(catalog.conn, "k", [file_id])
    with catalog.write() as conn:
        previous = rdb.snapshot(conn, "k", [file_id])
        kwargs = dict(albumartist="A", album="B", folder="/m", status="matched", score=1.0)
        rdb.write_album(conn, album_key="k", release_mbid="mine", at="t", **kwargs)
        rdb.write_file(
            conn,
            file_id=file_id,
            status="matched",
            score=1.0,
            release_mbid="mine",
            track_mbid=None,
            recording_mbid=None,
            album_key="k",
            at="t",
        )
        rdb.record_decision(conn, action="release", previous=previous, album_key="k", mbid="mine")
    with catalog.write() as conn:  # a later enrich run
        _auto(conn, file_id, "k", "other-release")
        mbdb.note_album_error(conn, "k", "boom", 8)
    row = rdb.album_row(catalog.conn, "k")
    assert (row["release_mbid"], row["source"], row["error"]) == ("mine", "user", None)
    assert rdb.user_settled(catalog.conn, "k", [file_id])
    assert rdb.user_settled(catalog.conn, "moved-key", [file_id])  # its files are the user's
    with catalog.write() as conn:
        assert rdb.reset_album(conn, "k", [file_id]) is True
    assert rdb.snapshot(catalog.conn, "k", [file_id]) == before
    history = catalog.conn.execute(
        "SELECT release_mbid, source FROM match_history WHERE file_id = ? ORDER BY id", (file_id,)
    ).fetchall()
    assert history == [("auto-release", "auto"), ("mine", "user"), ("auto-release", "auto")]
    with catalog.write() as conn:
        assert rdb.reset_album(conn, "k", [file_id]) is False


def test_album_numbers_are_stable_and_never_reused(catalog):
    ids = {key: add_file(catalog, f"/m/{key}.flac", 1.0, title=key) for key in "xyz"}
    with catalog.write() as conn:
        for key in ("x", "y"):
            _auto(conn, ids[key], key, None)
    x, y = rdb.number_for(catalog.conn, "x"), rdb.number_for(catalog.conn, "y")
    assert y == x + 1 and rdb.album_key_for(catalog.conn, f"@{y}") == "y"
    with catalog.write() as conn:
        conn.execute("DELETE FROM album_matches WHERE album_key = 'y'")
        _auto(conn, ids["z"], "z", None)
    assert rdb.number_for(catalog.conn, "z") == y + 1
    with pytest.raises(UsageError, match="unknown album key"):
        rdb.album_key_for(catalog.conn, f"@{y}")


def _file(file_id: int, title: str, number: int, seconds: float, track: str | None = None) -> dict:
    return {
        "file_id": file_id,
        "path": f"/m/{number:02d}.flac",
        "title": title,
        "tracknumber": number,
        "discnumber": None,
        "duration": seconds,
        "track_mbid": track,
    }


def _track(mbid: str, position: int, title: str, seconds: float) -> dict:
    return {
        "mbid": mbid,
        "disc_number": 1,
        "position": position,
        "number": str(position),
        "title": title,
        "length": seconds,
        "recording_mbid": "r" + mbid,
    }


def test_compare_tracks_pairs_and_names_differences():
    from archiver.musicbrainz.review import compare_tracks, differences

    files = [_file(1, "Undertow", 1, 222.0), _file(2, "Paper Moon", 2, 198.0)]
    tracks = [
        _track("t1", 1, "Undertow", 222.5),
        _track("t2", 2, "Paper Moon (Remastered)", 230.0),
        _track("t3", 3, "Bonus", 100.0),
    ]
    pairs = compare_tracks(files, tracks)
    assert [(p.file and p.file["file_id"], p.track and p.track["mbid"]) for p in pairs] == [
        (1, "t1"),
        (2, "t2"),
        (None, "t3"),
    ]
    assert [p.differences for p in pairs] == [(), ("title", "length"), ()]
    # the stored pairing wins for the chosen release, even a crossed one
    crossed = [_file(1, "Undertow", 1, 222.0, "t2"), _file(2, "Paper Moon", 2, 198.0, None)]
    stored = compare_tracks(crossed, tracks, stored=True)
    assert [(p.file and p.file["file_id"], p.track and p.track["mbid"]) for p in stored] == [
        (None, "t1"),
        (1, "t2"),
        (None, "t3"),
        (2, None),  # a file without a track comes last
    ]
    assert stored[1].differences == ("title", "length", "position")
    assert compare_tracks(files, []) == [type(pairs[0])(f, None, ()) for f in files]
    assert differences(None, tracks[0]) == ()
