"""`archiver review` and `archiver match` end to end against the fake server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import open_catalog
from archiver.catalog.db import register_functions
from archiver.cli import cli
from tests.musicbrainz import review_scenario as sc
from tests.musicbrainz.fakeserver import Reply

ENV = {"ARCHIVER_CONTACT": "t@example.org"}


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=ENV)


def ok(db: Path, *args: str):
    result = run(db, *args)
    assert result.exit_code == 0, result.output
    return result


def js(db: Path, *args: str):
    return json.loads(ok(db, *args, "--json").stdout)


@pytest.fixture
def db(tmp_path: Path, fake) -> Path:
    """The scenario enriched once: Harvest Lanterns ambiguous, Stillwater matched
    (weakly) to the wrong edition by its tags, Static Bloom ambiguous."""
    path = tmp_path / "library.db"
    with open_catalog(path) as catalog:
        sc.populate(catalog)
    sc.serve(fake)
    summary = js(path, "enrich", "--server", fake.url)
    assert (summary["albums"], summary["matched"], summary["ambiguous"]) == (3, 1, 2)
    fake.reset()
    return path


def album_by_title(db: Path, title: str, *args: str) -> dict:
    found = [a for a in js(db, "review", "--all", *args) if a["title"] == title]
    assert len(found) == 1
    return found[0]


def state(db: Path) -> list[tuple]:
    """Every match row and album row: what a failed command must leave untouched."""
    conn = sqlite3.connect(db)
    try:
        return [
            *conn.execute("SELECT * FROM album_matches ORDER BY album_key"),
            *conn.execute("SELECT * FROM matches ORDER BY file_id"),
            *conn.execute("SELECT count(*) FROM match_decisions"),
        ]
    finally:
        conn.close()


def export_rows(db: Path, query: str) -> list[dict]:
    columns = "title,match_status,match_source,mb_release_id"
    return json.loads(ok(db, "export", query, "--format", "json", "--columns", columns).stdout)


# -- review -------------------------------------------------------------------


def test_review_lists_the_ambiguous_and_the_weak_with_ranked_candidates(db):
    albums = js(db, "review")
    titles = {a["title"] or a["files"][0]["title"]: a for a in albums}
    assert set(titles) == {"Harvest Lanterns", "Stillwater", "Static Bloom"}
    harvest = titles["Harvest Lanterns"]
    assert harvest["album"].startswith("@") and harvest["status"] == "ambiguous"
    assert [f["title"] for f in harvest["files"]] == [t for t, _ in sc.HARVEST]
    first, second = harvest["candidates"]
    assert {first["release_id"], second["release_id"]} == {sc.R_HARVEST_CD, sc.R_HARVEST_LP}
    cd = first if first["release_id"] == sc.R_HARVEST_CD else second
    assert (cd["country"], cd["label"], cd["catalog_number"], cd["format"]) == (
        "GB",
        "Wrenfield",
        "WR-101",
        "CD",
    )
    assert (
        cd["track_count"] == 3 and cd["date"] == "2021-04-02" and cd["title"] == "Harvest Lanterns"
    )
    assert first["n"] == 1 and first["score"] >= second["score"]
    assert isinstance(first["penalties"], dict) and "album" in first["penalties"]
    assert first["cached"] is False  # enrich never looked the editions up
    still = titles["Stillwater"]
    assert still["status"] == "matched" and still["score"] < 0.90
    assert still["release_id"] == sc.R_STILL_DELUXE
    assert still["candidates"][0]["penalties"]["track_count"] > 0
    assert still["candidates"][0]["cached"] is True
    loose = titles["Static Bloom"]
    assert loose["status"] == "ambiguous" and loose["candidates"][0]["recording_id"]


def test_review_text_shows_keys_candidates_and_penalty_words(db):
    text = ok(db, "review").stdout
    key = album_by_title(db, "Harvest Lanterns")["album"]
    assert f"{key}  ambiguous  Oriel Vance – Harvest Lanterns" in text
    assert sc.R_HARVEST_LP in text and "Wrenfield WR-101LP" in text and "Vinyl" in text
    assert "penalties: track_count" in text  # Stillwater's deluxe edition
    assert "Kite Theory – Static Bloom (loose track)" in text
    assert "3 albums, 3 to review" in text


def test_review_query_and_key_narrow_the_list(db):
    only = js(db, "review", "artist:oriel")
    assert [a["title"] for a in only] == ["Harvest Lanterns"]
    key = only[0]["album"]
    assert [a["album"] for a in js(db, "review", key)] == [key]
    assert js(db, "review", "album:nothing-like-this") == []


# -- match ------------------------------------------------------------------------


def test_match_by_candidate_costs_one_lookup_then_none_when_cached(db, fake):
    harvest = album_by_title(db, "Harvest Lanterns")
    key, second = harvest["album"], harvest["candidates"][1]["release_id"]
    result = js(db, "match", key, "--candidate", "2", "--server", fake.url)
    assert result["status"] == "matched" and result["source"] == "user"
    assert result["release_id"] == second and result["assigned"] == 3
    assert result["requests"] == 1 and fake.keys() == [f"release/{second}"]
    assert result["previous"] == {"status": "ambiguous", "source": "auto", "release_id": None}
    # settled: it leaves the review list; export shows the user's pick as matched
    assert "Harvest Lanterns" not in {a["title"] for a in js(db, "review")}
    rows = export_rows(db, "album:harvest")
    assert {(r["match_status"], r["match_source"], r["mb_release_id"]) for r in rows} == {
        ("matched", "user", second)
    }
    # the same candidate again: in the cache now, no request
    fake.reset()
    again = js(db, "match", key, "--candidate", "2", "--server", fake.url)
    assert again["requests"] == 0 and again["cache_hits"] == 1 and fake.count == 0


def test_match_by_id_and_by_url(db, fake):
    key = album_by_title(db, "Harvest Lanterns")["album"]
    by_id = js(db, "match", key, "--release", sc.R_HARVEST_CD.upper(), "--server", fake.url)
    assert by_id["release_id"] == sc.R_HARVEST_CD and by_id["requests"] == 1
    url = f"https://musicbrainz.org/release/{sc.R_HARVEST_LP}/discids"
    by_url = js(db, "match", key, "--release", url, "--server", fake.url)
    assert by_url["release_id"] == sc.R_HARVEST_LP
    assert by_url["previous"]["source"] == "user"  # the decision it replaced was yours
    text = ok(db, "match", "album:harvest", "--release", sc.R_HARVEST_CD, "--server", fake.url)
    assert f"matched to Harvest Lanterns ({sc.R_HARVEST_CD})" in text.stdout
    assert "0 requests" in text.stdout


def test_wrong_automatic_match_corrected_survives_refresh_and_reset_gives_it_back(db, fake):
    still = album_by_title(db, "Stillwater")
    key = still["album"]
    url = f"https://musicbrainz.org/release/{sc.R_STILL}"
    fixed = js(db, "match", key, "--release", url, "--server", fake.url)
    assert fixed["score"] > 0.95 and fixed["previous"]["release_id"] == sc.R_STILL_DELUXE
    settled = album_by_title(db, "Stillwater")
    assert (settled["status"], settled["source"], settled["release_id"]) == (
        "matched",
        "user",
        sc.R_STILL,
    )
    assert settled["decided_at"]
    # enrich and enrich --refresh leave it alone: no request about it at all
    fake.reset()
    for extra in ((), ("--refresh",)):
        ok(db, "enrich", "--server", fake.url, *extra)
    assert not any(k.startswith(f"release/{sc.R_STILL_DELUXE}") for k in fake.keys())
    assert album_by_title(db, "Stillwater")["release_id"] == sc.R_STILL
    assert {r["match_source"] for r in export_rows(db, "album:stillwater")} == {"user"}
    # the history keeps every state
    conn = sqlite3.connect(db)
    sources = [
        r[0]
        for r in conn.execute(
            "SELECT h.release_mbid FROM match_history h JOIN files f ON f.id = h.file_id "
            "WHERE f.path LIKE '%Undertow%' ORDER BY h.id"
        )
    ]
    conn.close()
    assert sources == [sc.R_STILL_DELUXE, sc.R_STILL]
    # reset: back to what enrich had decided, and back on the review list
    back = js(db, "match", key, "--reset")
    assert back["status"] == "matched" and back["release_id"] == sc.R_STILL_DELUXE
    assert back["changed"] is True
    assert "Stillwater" in {a["title"] for a in js(db, "review")}
    assert {r["match_source"] for r in export_rows(db, "album:stillwater")} == {"auto"}
    assert "no decision of yours" in ok(db, "match", key, "--reset").stdout


def test_none_stops_enrich_asking_and_reset_hands_it_back(db, fake):
    key = album_by_title(db, "Harvest Lanterns")["album"]
    none = js(db, "match", key, "--none")
    assert none["status"] == "unmatched" and none["release_id"] is None
    fake.reset()
    ok(db, "enrich", "--server", fake.url, "--refresh")
    assert not any("harvest" in k for k in fake.keys())
    assert album_by_title(db, "Harvest Lanterns")["status"] == "unmatched"
    ok(db, "match", key, "--reset")
    assert album_by_title(db, "Harvest Lanterns")["status"] == "ambiguous"
    fake.reset()
    ok(db, "enrich", "--server", fake.url, "--refresh")
    assert "search/release/harvest lanterns" in fake.keys()


def test_loose_track_by_candidate_and_by_recording(db, fake):
    loose = next(a for a in js(db, "review") if a["title"] is None)
    result = js(db, "match", loose["album"], "--candidate", "2", "--server", fake.url)
    assert result["recording_id"] == loose["candidates"][1]["recording_id"]
    rec = js(db, "match", "title:static", "--recording", sc.REC_STATIC, "--server", fake.url)
    assert rec["status"] == "matched" and rec["recording_id"] == sc.REC_STATIC
    rows = export_rows(db, "title:static")
    assert [(r["match_status"], r["match_source"]) for r in rows] == [("matched", "user")]
    ok(db, "match", loose["album"], "--reset")
    assert album_by_title(db, None)["status"] == "ambiguous"


def test_recording_for_a_track_of_an_album_keeps_its_release(db, fake):
    key = album_by_title(db, "Stillwater")["album"]
    ok(db, "match", key, "--release", sc.R_STILL, "--server", fake.url)
    conn = sqlite3.connect(db)
    rec = conn.execute(
        "SELECT recording_mbid FROM matches m JOIN files f ON f.id = m.file_id "
        "WHERE f.path LIKE '%Paper Moon%'"
    ).fetchone()[0]
    conn.close()
    fake.add(f"recording/{rec}", sc.recording_xml(rec, "Paper Moon", 198.0, "Corin Ash"))
    result = js(db, "match", "title:paper moon", "--recording", rec, "--server", fake.url)
    assert result["release_id"] == sc.R_STILL and result["album"] == key


def test_force_assigns_files_to_a_release_too_small(db, fake):
    key = album_by_title(db, "Stillwater")["album"]
    before = state(db)
    result = run(db, "match", key, "--release", sc.R_TIN_ROOF, "--server", fake.url)
    assert result.exit_code == 1
    assert "--force" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert state(db) == before
    forced = js(db, "match", key, "--release", sc.R_TIN_ROOF, "--force", "--server", fake.url)
    assert forced["assigned"] == 2 and forced["files"] == 3
    assert (
        "2 of 3 files assigned"
        in ok(db, "match", key, "--release", sc.R_TIN_ROOF, "--force", "--server", fake.url).stdout
    )


def test_moved_album_keeps_the_decision(db, fake):
    key = album_by_title(db, "Harvest Lanterns")["album"]
    ok(db, "match", key, "--release", sc.R_HARVEST_LP, "--server", fake.url)
    conn = sqlite3.connect(db)
    register_functions(conn)  # the search triggers fold text with archiver's fold()
    with conn:  # as the scanner's move detection leaves it: same file ids, new paths
        conn.execute(
            "UPDATE files SET path = replace(path, '/music/Oriel Vance/', '/music/moved/') "
            "WHERE path LIKE '/music/Oriel Vance/%'"
        )
    conn.close()
    fake.reset()
    ok(db, "enrich", "--server", fake.url, "--refresh")
    assert not any("harvest" in k for k in fake.keys())
    rows = export_rows(db, "album:harvest")
    assert {(r["match_source"], r["mb_release_id"]) for r in rows} == {("user", sc.R_HARVEST_LP)}


def test_stats_counts_settled_and_to_review(db, fake):
    assert js(db, "stats")["review"] == {"settled_by_user": 0, "needs_review": 3}
    ok(db, "match", album_by_title(db, "Harvest Lanterns")["album"], "--none")
    assert js(db, "stats")["review"] == {"settled_by_user": 1, "needs_review": 2}
    text = ok(db, "stats").stdout
    assert "Albums settled by you" in text and "Albums to review" in text


# -- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["@999", "--none"], "unknown album key @999"),
        (["@abc", "--none"], "not an album key"),
        (["@0", "--none"], "not an album key"),
        (["{key}", "--release", "not-an-id"], "not a MusicBrainz release id or URL"),
        (["{key}", "--release", "https://example.com/release/" + sc.R_STILL], "not a MusicBrainz release URL"),
        (["{key}", "--release", "https://musicbrainz.org/recording/" + sc.R_STILL], "not a MusicBrainz release URL"),
        (["{key}", "--recording", "12345"], "not a MusicBrainz recording id or URL"),
        (["{key}"], "give exactly one of"),
        (["{key}", "--none", "--reset"], "cannot be used together"),
        (["{key}", "--candidate", "9"], "no candidate 9"),
        (["artist:corin", "--recording", sc.REC_STATIC], "needs exactly one track"),
        (["album:nothing-like-this", "--none"], "selects no files"),
        (["{key}", "extra", "--none"], "one album key alone"),
        (["--none"], "give an album key"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2_and_change_nothing(db, fake, args, words):
    key = album_by_title(db, "Harvest Lanterns")["album"]
    before = state(db)
    args = [a.replace("{key}", key) for a in args]
    result = run(db, "match", *args, "--server", fake.url)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "Traceback" not in result.output
    assert fake.count == 0 and state(db) == before


def test_a_query_over_several_albums_names_them(db, fake):
    before = state(db)
    result = run(db, "match", "artist:corin OR artist:oriel", "--none")
    assert result.exit_code == 2
    assert "selects files of 2 albums" in result.stderr
    assert "Harvest Lanterns" in result.stderr and "Stillwater" in result.stderr
    assert state(db) == before


def test_failures_exit_1_and_keep_the_previous_decision(db, fake):
    key = album_by_title(db, "Stillwater")["album"]
    ok(db, "match", key, "--release", sc.R_STILL, "--server", fake.url)
    before = state(db)
    missing = run(db, "match", key, "--release", sc.R_MISSING, "--server", fake.url)
    assert missing.exit_code == 1 and "does not exist on MusicBrainz" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    fake.add_release(sc.R_HARVEST_LP, Reply(status=400, body="<error/>"))
    broken = run(db, "match", key, "--release", sc.R_HARVEST_LP, "--server", fake.url)
    assert broken.exit_code == 1 and "HTTP 400" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1
    assert state(db) == before


def test_review_bad_input(db):
    assert run(db, "review", "@77").exit_code == 2
    result = run(db, "review", "@1", "artist:x")
    assert result.exit_code == 2 and "one album key alone" in result.stderr
    assert run(db, "review", "length:abc").exit_code == 2


def test_real_files_rescan_tag_edit_and_move_keep_the_decision(tmp_path, fake):
    """Real tagged FLAC files and the real scanner: a decision survives a rescan after
    a tag edit, enrich --refresh, and the album's folder moving on disk."""
    audiogen = pytest.importorskip("tests.audiogen")
    lib = tmp_path / "lib"
    folder = lib / "Harvest Lanterns"
    for n, (title, _) in enumerate(sc.HARVEST, start=1):
        audiogen.make_file(
            folder / f"{n:02d}.flac",
            "flac",
            {
                "title": title,
                "artist": "Oriel Vance",
                "albumartist": "Oriel Vance",
                "album": "Harvest Lanterns",
                "tracknumber": str(n),
                "date": "2021",
            },
        )
    db = tmp_path / "scanned.db"
    scanned = run(db, "scan", "--jobs", "1", "--json", str(lib))
    if scanned.exit_code != 0:
        pytest.skip(f"scanner not usable here: {scanned.output[:200]}")
    sc.serve(fake)
    ok(db, "enrich", "--server", fake.url, "--quiet")
    harvest = album_by_title(db, "Harvest Lanterns")
    assert harvest["status"] == "ambiguous"
    chosen = js(db, "match", harvest["album"], "--candidate", "2", "--server", fake.url)
    assert chosen["assigned"] == 3

    def mine() -> set:
        return {(r["match_source"], r["mb_release_id"]) for r in export_rows(db, "album:harvest")}

    expected = {("user", chosen["release_id"])}
    import mutagen.flac

    edited = mutagen.flac.FLAC(folder / "02.flac")  # the user retags a file
    edited["title"] = ["Kestrel (edit)"]
    edited.save()
    ok(db, "scan", "--jobs", "1", str(lib))
    fake.reset()
    ok(db, "enrich", "--server", fake.url, "--refresh", "--quiet")
    assert mine() == expected and fake.count == 0
    (lib / "Moved").mkdir()
    folder.rename(lib / "Moved" / "Harvest Lanterns")
    moved = js(db, "scan", "--jobs", "1", str(lib))
    assert moved["moved"] == 3, moved
    ok(db, "enrich", "--server", fake.url, "--refresh", "--quiet")
    assert mine() == expected and fake.count == 0
    assert "Harvest Lanterns" not in {a["title"] for a in js(db, "review")}


def test_a_never_enriched_album_by_query_gets_a_key(db, fake):
    with open_catalog(db) as catalog:
        sc.add_file(
            catalog, "/music/New/01 Fresh.flac", 100.0, title="Fresh", album="New", artist="X"
        )
    result = js(db, "match", "album:new", "--none")
    assert result["album"].startswith("@") and result["status"] == "unmatched"
    summary = js(db, "enrich", "--server", fake.url)
    assert summary["settled"] == 1 and not any("new" in k for k in fake.keys())
    back = js(db, "match", result["album"], "--reset")
    assert back["changed"] is True and back["status"] == "not enriched"
    assert run(db, "match", result["album"], "--none").exit_code == 2  # the key went with it
