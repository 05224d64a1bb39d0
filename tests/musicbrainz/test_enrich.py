"""Whole runs: strategies, budget, storage, errors per album, resume."""

from __future__ import annotations

import pytest

from archiver.catalog import musicbrainz as mbdb
from archiver.catalog.query import compile_query
from archiver.musicbrainz.client import RELEASE_INCLUDES
from archiver.musicbrainz.enrich import Progress, enrich
from tests.musicbrainz.conftest import (
    R_FALSE,
    R_GLASS,
    R_NORTH,
    R_PAPER,
    R_QUIET,
    REC_LONELY,
    REC_NORTH_1,
    add_file,
    make_client,
    populate,
    serve_library,
)
from tests.musicbrainz.fakeserver import Reply, fixture

EXPECTED = {
    # album -> (status, method, release, requests it may cost)
    "Glass Harbor": ("matched", "tag-id", R_GLASS, [f"release/{R_GLASS}"]),
    "Northern Lights Suite": (
        "matched",
        "recording-id",
        R_NORTH,
        [f"recording/{REC_NORTH_1}", f"release/{R_NORTH}"],
    ),
    "Paper Boats": ("matched", "isrc", R_PAPER, ["isrc/USPB11800001", f"release/{R_PAPER}"]),
    "Quiet Engines": (
        "matched",
        "search",
        R_QUIET,
        ["search/release/quiet engines", f"release/{R_QUIET}"],
    ),
    "Twin Rivers": ("ambiguous", "search", None, ["search/release/twin rivers"]),
    "False Dawn": (
        "unmatched",
        "search",
        None,
        ["search/release/false dawn", f"release/{R_FALSE}"],
    ),
}


def albums(catalog) -> dict[str, tuple]:
    rows = catalog.conn.execute(
        "SELECT album, status, method, release_mbid FROM album_matches WHERE album IS NOT NULL"
    )
    return {r[0]: r[1:] for r in rows}


def test_each_strategy_and_the_request_budget(catalog, fake):
    populate(catalog)
    serve_library(fake)
    stats = enrich(catalog, make_client(catalog, fake))
    assert (stats.albums, stats.matched, stats.ambiguous, stats.unmatched, stats.errors) == (
        7,
        5,
        1,
        1,
        0,
    )
    got = albums(catalog)
    for album, (status, method, release, _) in EXPECTED.items():
        assert got[album] == (status, method, release), album
    expected_keys = sorted(k for *_, keys in EXPECTED.values() for k in keys)
    expected_keys += ["search/recording/lonely signal", f"recording/{REC_LONELY}"]
    assert sorted(fake.keys()) == sorted(expected_keys)  # nothing else was asked
    assert stats.requests == len(expected_keys) == 12
    assert stats.cache_hits == 0


def test_second_run_makes_zero_requests_and_keeps_history_quiet(catalog, fake):
    populate(catalog)
    serve_library(fake)
    first = enrich(catalog, make_client(catalog, fake))
    history = catalog.conn.execute("SELECT count(*) FROM match_history").fetchone()[0]
    before = catalog.conn.execute(
        "SELECT file_id, status, track_mbid FROM matches ORDER BY file_id"
    ).fetchall()
    fake.reset()
    second = enrich(catalog, make_client(catalog, fake))
    assert fake.count == 0 and second.requests == 0
    assert second.cache_hits == first.requests
    assert (second.matched, second.ambiguous, second.unmatched) == (
        first.matched,
        first.ambiguous,
        first.unmatched,
    )
    assert (
        catalog.conn.execute(
            "SELECT file_id, status, track_mbid FROM matches ORDER BY file_id"
        ).fetchall()
        == before
    )
    # Unchanged decisions are not rewritten, so match_history did not grow.
    assert catalog.conn.execute("SELECT count(*) FROM match_history").fetchone()[0] == history
    runs = catalog.conn.execute(
        "SELECT status, requests, cache_hits FROM enrich_runs ORDER BY id"
    ).fetchall()
    assert runs == [("finished", 12, 0), ("finished", 0, 12)]


def test_refresh_asks_again(catalog, fake):
    populate(catalog)
    serve_library(fake)
    enrich(catalog, make_client(catalog, fake))
    fake.reset()
    stats = enrich(catalog, make_client(catalog, fake, refresh=True))
    assert stats.requests == 12 and fake.count == 12


def test_offline_uses_only_the_cache(catalog, fake):
    ids = populate(catalog)
    serve_library(fake)
    stats = enrich(catalog, make_client(catalog, fake, offline=True))
    assert fake.count == 0
    assert stats.skipped == 7 and stats.unmatched == 7 and stats.matched == 0
    assert catalog.conn.execute("SELECT count(*) FROM matches").fetchone()[0] == 0
    enrich(catalog, make_client(catalog, fake))  # fills the cache
    fake.reset()
    stats = enrich(catalog, make_client(catalog, fake, offline=True))
    assert fake.count == 0 and stats.matched == 5 and stats.skipped == 0
    assert mbdb.mb_data_for_file(catalog.conn, ids["Harbor Lights"])["match"]["status"] == "matched"


def test_release_lookup_stores_everything(catalog, fake):
    ids = populate(catalog)
    serve_library(fake)
    enrich(catalog, make_client(catalog, fake))
    data = mbdb.mb_data_for_file(catalog.conn, ids["Harbor Lights"])
    assert data["match"]["method"] == "tag-id" and data["match"]["score"] == 1.0
    release = data["release"]
    assert (release["title"], release["artist_credit"], release["date"], release["barcode"]) == (
        "Glass Harbor",
        "The Lanterns",
        "2019-05-03",
        "5012345678900",
    )
    assert release["release_group_type"] == "Album"
    assert data["labels"] == [
        {
            "label_name": "Tidewater Records",
            "catalog_number": "TW-001",
            "label_mbid": "a1c00000-0000-4000-8000-000000000001",
        }
    ]
    assert data["track"]["position"] == 1 and data["track"]["length"] == 201.0
    assert data["recording"]["title"] == "Harbor Lights"
    assert data["isrcs"] == ["GBTWR1900001"]
    credits = {
        (c["role"], c["artist_name"], c["attributes"], c["work_title"]) for c in data["credits"]
    }
    assert credits == {
        ("producer", "Nora Quill", "", None),
        ("mixer", "Sam Okafor", "", None),
        ("engineer", "Sam Okafor", "", None),
        ("performer", "Eli Marsh", "electric guitar", None),
        ("performer", "Ines M.", "lead vocals", None),
        ("composer", "Eli Marsh", "", "Harbor Lights"),
        ("lyricist", "Ines Moreau", "", "Harbor Lights"),
    }
    # Track 3: the track title differs from its recording's, the credit has a join phrase.
    low = mbdb.mb_data_for_file(catalog.conn, ids["Low Tide (Reprise)"])
    assert low["track"]["title"] == "Low Tide (Reprise)" and low["recording"]["title"] == "Low Tide"
    assert low["recording"]["artist_credit"] == "The Lanterns feat. Ines Moreau"
    counts = {
        t: catalog.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("mb_releases", "mb_tracks", "mb_release_groups", "mb_labels", "mb_artists")
    }
    assert counts["mb_releases"] == 4 and counts["mb_tracks"] == 3 + 2 + 2 + 4
    # The loose track: matched to a recording, with its credits, no release.
    lonely = mbdb.mb_data_for_file(catalog.conn, ids["Lonely Signal"])
    assert lonely["match"]["method"] == "recording-search" and lonely["release"] is None
    assert lonely["isrcs"] == ["DEKT12000001"]
    assert [(c["role"], c["artist_name"]) for c in lonely["credits"]] == [("producer", "Olu Reyes")]
    assert mbdb.mb_data_for_file(catalog.conn, 10_000) is None


def test_ambiguous_and_rejected_albums_keep_their_candidates(catalog, fake):
    ids = populate(catalog)
    serve_library(fake)
    enrich(catalog, make_client(catalog, fake))
    key = catalog.conn.execute(
        "SELECT album_key FROM album_matches WHERE album = 'Twin Rivers'"
    ).fetchone()[0]
    twin = mbdb.album_match(catalog.conn, key)
    assert twin["status"] == "ambiguous"
    assert {c["release_mbid"] for c in twin["candidates"]} == {
        "e5000000-0000-4000-8000-000000000005",
        "e5000000-0000-4000-8000-000000000006",
    }
    assert mbdb.mb_data_for_file(catalog.conn, ids["East Fork"])["match"]["status"] == "ambiguous"
    key = catalog.conn.execute(
        "SELECT album_key FROM album_matches WHERE album = 'False Dawn'"
    ).fetchone()[0]
    false = mbdb.album_match(catalog.conn, key)
    assert false["status"] == "unmatched" and false["score"] < 0.8
    assert (
        false["candidates"][0]["stage"] == "full"
        and false["candidates"][0]["penalties"]["tracks"] > 0.5
    )
    dusk = mbdb.mb_data_for_file(catalog.conn, ids["Dusk Song"])
    assert dusk["match"]["status"] == "unmatched" and dusk["track"] is None


def test_one_failing_album_never_stops_the_run(catalog, fake):
    ids = populate(catalog)
    serve_library(fake)
    fake.add(f"release/{R_GLASS}", Reply(status=503))
    fake.add("search/release/quiet engines", fixture("malformed.xml"))
    fake.add("isrc/USPB11800001", fixture("not-musicbrainz.xml"))
    stats = enrich(catalog, make_client(catalog, fake, max_attempts=2))
    assert stats.errors == 3 and stats.matched == 2 and stats.albums == 7
    got = albums(catalog)
    assert got["Glass Harbor"][0] == got["Quiet Engines"][0] == got["Paper Boats"][0] == "error"
    assert got["Northern Lights Suite"][0] == "matched"
    harbor = mbdb.mb_data_for_file(catalog.conn, ids["Harbor Lights"])["match"]
    assert harbor["status"] == "error" and "HTTP 503" in harbor["error"]
    quiet = mbdb.mb_data_for_file(catalog.conn, ids["Idle"])["match"]
    assert "malformed" in quiet["error"]
    # Fixed server, next run: the errors are retried and now match.
    serve_library(fake)
    stats = enrich(catalog, make_client(catalog, fake))
    assert stats.errors == 0 and stats.matched == 5


def test_interrupted_run_is_resumed(catalog, fake):
    populate(catalog)
    serve_library(fake)
    seen: list[Progress] = []

    def stop_after_three(progress: Progress) -> None:
        seen.append(progress)
        if progress.done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        enrich(catalog, make_client(catalog, fake), on_progress=stop_after_three)
    first_requests = fake.count
    assert catalog.conn.execute("SELECT count(*) FROM album_matches").fetchone()[0] == 3
    run = catalog.conn.execute("SELECT status, albums, requests FROM enrich_runs").fetchone()
    assert run == ("interrupted", 3, first_requests)
    assert [p.done for p in seen] == [0, 1, 2, 3] and seen[0].total == 7
    fake.reset()
    stats = enrich(catalog, make_client(catalog, fake))
    assert stats.albums == 7 and stats.matched == 5
    # The three albums done before cost nothing; only the rest was asked.
    assert stats.requests == 12 - first_requests and stats.cache_hits == first_requests


def test_should_stop_ends_the_run_cleanly(catalog, fake):
    populate(catalog)
    serve_library(fake)
    calls = []
    stats = enrich(
        catalog, make_client(catalog, fake), should_stop=lambda: len(calls.append(1) or calls) > 2
    )
    assert stats.albums == 2 and stats.status == "interrupted"


def test_query_and_limit_select_albums(catalog, fake):
    populate(catalog)
    serve_library(fake)
    q = compile_query('album:"Glass Harbor"')
    stats = enrich(
        catalog, make_client(catalog, fake), where=q.where, params=q.params, query_text="x"
    )
    assert stats.albums == 1 and fake.keys() == [f"release/{R_GLASS}"]
    stats = enrich(catalog, make_client(catalog, fake), limit=2)
    assert stats.albums == 2


def test_missing_and_unreadable_files_are_left_out(catalog, fake):
    ids = populate(catalog)
    serve_library(fake)
    with catalog.write() as conn:
        conn.execute("UPDATE files SET missing = 1 WHERE id = ?", (ids["Lonely Signal"],))
    stats = enrich(catalog, make_client(catalog, fake))
    assert stats.albums == 6


def test_a_release_id_that_is_gone_falls_back_to_search(catalog, fake):
    populate(catalog)
    serve_library(fake)
    del fake.routes[f"release/{R_GLASS}"]  # 404 now
    q = compile_query('album:"Glass Harbor"')
    stats = enrich(catalog, make_client(catalog, fake), where=q.where, params=q.params)
    assert fake.keys() == [f"release/{R_GLASS}", "search/release/glass harbor"]
    assert stats.unmatched == 1 and stats.errors == 0
    assert mbdb.cache_get(catalog.conn, f"release/{R_GLASS}?inc=" + "+".join(RELEASE_INCLUDES)) == (
        404,
        None,
    )
    fake.reset()
    enrich(catalog, make_client(catalog, fake), where=q.where, params=q.params)
    assert fake.count == 0


def test_loose_tracks_with_recording_id_or_isrc(catalog, fake):
    serve_library(fake)
    by_id = add_file(
        catalog,
        "/m/s/a.flac",
        200.0,
        title="Lonely Signal",
        artist="Kite Theory",
        musicbrainz_recordingid=REC_LONELY,
    )
    by_isrc = add_file(
        catalog, "/m/s/b.flac", 174.0, title="Fold", artist="June Okoro", isrc="USPB11800001"
    )
    stats = enrich(catalog, make_client(catalog, fake))
    assert stats.matched == 2
    # One lookup for the id; the ISRC lookup, then the recording (404 here: the ISRC answer is kept).
    assert sorted(fake.keys()) == sorted(
        [
            f"recording/{REC_LONELY}",
            "isrc/USPB11800001",
            "recording/c3e00000-0000-4000-8000-000000000001",
        ]
    )
    one = mbdb.mb_data_for_file(catalog.conn, by_id)
    assert one["match"]["method"] == "recording-id" and one["recording"]["title"] == "Lonely Signal"
    two = mbdb.mb_data_for_file(catalog.conn, by_isrc)
    assert (
        two["match"]["method"] == "isrc"
        and two["recording"]["mbid"] == "c3e00000-0000-4000-8000-000000000001"
    )


def test_a_failed_refresh_keeps_the_earlier_match(catalog, fake):
    ids = populate(catalog)
    serve_library(fake)
    q = compile_query('album:"Glass Harbor"')
    enrich(catalog, make_client(catalog, fake), where=q.where, params=q.params)
    fake.add(f"release/{R_GLASS}", Reply(status=503))
    stats = enrich(
        catalog,
        make_client(catalog, fake, refresh=True, max_attempts=1),
        where=q.where,
        params=q.params,
    )
    assert stats.errors == 1
    data = mbdb.mb_data_for_file(catalog.conn, ids["Harbor Lights"])
    assert data["match"]["status"] == "matched" and data["release"]["title"] == "Glass Harbor"
    [(album, error)] = mbdb.run_errors(catalog.conn, stats.run_id)
    assert album == "Glass Harbor" and "HTTP 503" in error
    assert mbdb.album_match(catalog.conn, data["match"]["album_key"])["error"] == error
    # A later success clears the note.
    serve_library(fake)
    enrich(catalog, make_client(catalog, fake, refresh=True), where=q.where, params=q.params)
    assert mbdb.album_match(catalog.conn, data["match"]["album_key"])["error"] is None


def test_clients_share_one_throttle_per_server(fake):
    from archiver.musicbrainz.client import Client, ClientSettings

    a = Client(None, ClientSettings(server=fake.url, rate_limit=0.2))
    b = Client(None, ClientSettings(server=fake.url, rate_limit=0.2))
    a.lookup("release", R_GLASS)
    b.lookup("release", R_GLASS)
    first, second = (s.at for s in fake.seen)
    assert second - first >= 0.18


def test_match_status_query_after_a_run(catalog, fake):
    populate(catalog)
    serve_library(fake)
    enrich(catalog, make_client(catalog, fake))
    fake.reset()
    q = compile_query("status:ambiguous")
    stats = enrich(catalog, make_client(catalog, fake), where=q.where, params=q.params)
    assert (stats.albums, stats.ambiguous, stats.requests) == (1, 1, 0)
    q = compile_query("status:none")
    assert enrich(catalog, make_client(catalog, fake), where=q.where, params=q.params).albums == 0


def test_recording_ids_narrow_down_the_release(catalog, fake):
    """First id unknown (404), second names two equally good releases, third decides."""
    from tests.musicbrainz.fakeserver import xml

    def rec(mbid: str, releases: list[str]) -> str:
        refs = "".join(
            f'<release id="{r}"><title>Same Title</title><status>Official</status></release>'
            for r in releases
        )
        return xml(
            f'<recording id="{mbid}"><title>x</title><release-list>{refs}</release-list></recording>'
        )

    ra, rb = "aa000000-0000-4000-8000-000000000001", "bb000000-0000-4000-8000-000000000002"
    fake.add(
        "recording/00000000-0000-4000-8000-0000000000e2",
        rec("00000000-0000-4000-8000-0000000000e2", [ra, rb]),
    )
    fake.add(
        "recording/00000000-0000-4000-8000-0000000000e3",
        rec("00000000-0000-4000-8000-0000000000e3", [rb]),
    )
    fake.add_release(rb, fixture("release-northern-lights.xml").replace(R_NORTH, rb))
    for n in (1, 2, 3):
        add_file(
            catalog,
            f"/m/x/{n}.flac",
            300.0,
            title=f"T{n}",
            album="Same Title",
            tracknumber=n,
            musicbrainz_recordingid=f"00000000-0000-4000-8000-0000000000e{n}",
        )
    stats = enrich(catalog, make_client(catalog, fake))
    assert stats.matched == 1
    assert fake.keys() == [
        "recording/00000000-0000-4000-8000-0000000000e1",
        "recording/00000000-0000-4000-8000-0000000000e2",
        "recording/00000000-0000-4000-8000-0000000000e3",
        f"release/{rb}",
    ]
    assert albums(catalog)["Same Title"] == ("matched", "recording-id", rb)


def test_a_whole_run_respects_the_throttle(catalog, fake):
    populate(catalog)
    serve_library(fake)
    interval = 0.2
    enrich(catalog, make_client(catalog, fake, rate_limit=interval))
    times = [s.at for s in fake.seen]
    assert len(times) == 12
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Receipt times carry the server thread's scheduling jitter on a loaded machine (a late
    # arrival makes the next gap look short), so check each gap loosely and the average tightly;
    # without the throttle every gap is a millisecond or two.
    assert min(gaps) >= interval / 2, gaps
    assert (times[-1] - times[0]) / len(gaps) >= interval - 0.02, gaps
