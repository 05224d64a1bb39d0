"""Editions end to end (issue 19): the fake server holds a release group of many
editions, a compilation and a live album of the same title; each scenario is a
folder of files a user might have, enriched in a catalog of its own so the
requests it costs can be counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import musicbrainz as mbdb
from archiver.catalog import open_catalog
from archiver.catalog.db import utc_now
from archiver.cli import cli
from archiver.musicbrainz import match as m
from archiver.musicbrainz.enrich import MAX_EDITION_LOOKUPS, enrich
from tests.musicbrainz.conftest import make_client
from tests.musicbrainz.editions import (
    PREFERENCE,
    SCENARIOS,
    Family,
    Scenario,
    insert_rows,
    scenario_rows,
)

FAMILY = Family()


def load(catalog, scenario: Scenario) -> list[int]:
    with catalog.write() as conn:
        return insert_rows(conn, scenario_rows(FAMILY, scenario), utc_now())


def album_row(catalog) -> dict:
    row = catalog.conn.execute(
        "SELECT status, method, release_mbid, release_group_mbid, candidates FROM album_matches"
    ).fetchone()
    return {
        "status": row[0],
        "method": row[1],
        "edition": FAMILY.edition_of(row[2]),
        "group": row[3],
        "candidates": json.loads(row[4]),
    }


@pytest.fixture
def served(fake):
    FAMILY.serve(fake)
    return fake


@pytest.mark.parametrize("name", [s for s in SCENARIOS if SCENARIOS[s].status == "matched"])
def test_decided_by_a_clue(catalog, served, name):
    scenario = SCENARIOS[name]
    load(catalog, scenario)
    stats = enrich(catalog, make_client(catalog, served))
    got = album_row(catalog)
    assert (got["status"], got["edition"]) == ("matched", scenario.expect)
    assert got["group"] == FAMILY.group_id(FAMILY.editions[scenario.expect].group)
    reason = got["candidates"][0].get("reason")
    if name != "live":  # the live album's rivals are other groups: no edition question
        assert reason.startswith("clue: "), reason
    # Search + the winner's lookup; the lengths need the close editions'
    # tracklists: one browse of the group between the two.
    budget = 3 if name == "lengths" else 2
    assert stats.requests == budget, served.keys()
    assert stats.matched == 1


def test_the_clue_named_is_the_one_that_decided(catalog, served):
    reasons = {}
    for name in ("date", "barcode", "catalog", "lengths", "track_count", "media", "bootleg"):
        catalog.conn.execute("DELETE FROM album_matches")
        catalog.conn.execute("DELETE FROM matches")
        catalog.conn.execute("DELETE FROM tags")
        catalog.conn.execute("DELETE FROM files")
        load(catalog, SCENARIOS[name])
        enrich(catalog, make_client(catalog, served))
        reasons[name] = album_row(catalog)["candidates"][0]["reason"]
    assert reasons == {
        "date": "clue: date",
        "barcode": "clue: barcode",
        "catalog": "clue: catalognumber",
        "lengths": "clue: lengths",
        "track_count": "clue: track_count",
        "media": "clue: media",
        "bootleg": "clue: status",
    }


def test_decided_by_preference(catalog, served):
    load(catalog, PREFERENCE)
    prefs = m.Preferences(countries=("US", "GB"))
    stats = enrich(catalog, make_client(catalog, served), preferences=prefs)
    got = album_row(catalog)
    assert (got["status"], got["edition"]) == ("matched", "us")
    assert got["candidates"][0]["reason"] == "preference: country US"
    assert stats.requests == 2


def test_a_preference_never_beats_a_clue(catalog, served):
    load(catalog, SCENARIOS["barcode"])  # the GB barcode
    prefs = m.Preferences(countries=("US",), formats=("Vinyl",), original=True)
    enrich(catalog, make_client(catalog, served), preferences=prefs)
    assert album_row(catalog)["edition"] == "gb"


def test_left_open_with_the_recordings_stored(catalog, served):
    ids = load(catalog, SCENARIOS["open"])
    client = make_client(catalog, served)
    stats = enrich(catalog, client)
    got = album_row(catalog)
    assert (got["status"], got["edition"]) == ("ambiguous", None)
    assert got["group"] == FAMILY.group_id("studio")
    assert got["candidates"][0]["reason"] == "edition open: same recordings"
    assert stats.ambiguous == 1
    # Search, one browse of the group (every edition's tracklist), one lookup
    # of the preferred edition for the recordings' credits.
    assert served.keys() == [
        "search/release/paper moon",
        f"browse/release/{FAMILY.group_id('studio')}",
        f"release/{FAMILY.release_id('gb')}",
    ]
    for n, file_id in enumerate(ids):
        data = mbdb.mb_data_for_file(catalog.conn, file_id)
        assert data["match"]["status"] == "ambiguous" and data["release"] is None
        assert data["match"]["release_mbid"] is None and data["match"]["track_mbid"] is None
        assert data["match"]["recording_mbid"] == FAMILY.recording_id(f"r{n}")
        assert data["isrcs"] == [f"GBVSP98000{n:02d}"]
        roles = {(c["role"], c["artist_name"]) for c in data["credits"]}
        assert roles == {("producer", "Ruth Calder"), ("composer", "Tom Varga")}
    group = catalog.conn.execute(
        "SELECT title, primary_type FROM mb_release_groups WHERE mbid = ?",
        (FAMILY.group_id("studio"),),
    ).fetchone()
    assert tuple(group) == ("Paper Moon", "Album")
    # No release was stored for an open edition.
    assert catalog.conn.execute("SELECT count(*) FROM mb_releases").fetchone()[0] == 0
    # A re-run costs nothing and changes nothing.
    served.reset()
    again = enrich(catalog, client)
    assert again.requests == 0 and served.count == 0 and again.ambiguous == 1
    assert catalog.conn.execute("SELECT count(*) FROM match_history").fetchone()[0] == len(ids)


def test_open_edition_in_the_export(tmp_path, catalog, served):
    from archiver.catalog.query import TRACKS_FROM

    load(catalog, SCENARIOS["open"])
    enrich(catalog, make_client(catalog, served))
    rows = catalog.conn.execute(
        f"SELECT m.recording_mbid, m.release_mbid, mbrec.title FROM {TRACKS_FROM} ORDER BY f.path"
    ).fetchall()
    assert [r[1] for r in rows] == [None] * 4
    assert [r[0] for r in rows] == [FAMILY.recording_id(f"r{n}") for n in range(4)]
    assert rows[0][2] == "Lamplight"


def test_never_the_live_album(catalog, served):
    """Studio files never end on the live album (nor the compilation); live takes
    the tags do not call live end on no studio edition either."""
    names = [n for n in SCENARIOS if n not in ("live",)]
    for name in names:
        load(catalog, SCENARIOS[name])
    enrich(catalog, make_client(catalog, served))
    live = FAMILY.release_id("live")
    comp = FAMILY.release_id("compilation")
    rows = catalog.conn.execute("SELECT folder, status, release_mbid FROM album_matches").fetchall()
    assert len(rows) == len(names)
    for folder, status, release in rows:
        name = folder.rsplit("[", 1)[1].rstrip("]")
        assert release not in (live, comp), name
        scenario = SCENARIOS[name]
        want = "ambiguous" if scenario.status in ("open", "ambiguous") else "matched"
        assert (status, FAMILY.edition_of(release)) == (want, scenario.expect), name
    untagged = catalog.conn.execute(
        "SELECT count(*) FROM matches m JOIN files f ON f.id = m.file_id "
        "WHERE f.path LIKE '%[live_untagged]%' AND m.recording_mbid IS NOT NULL"
    ).fetchone()[0]
    assert untagged == 0  # no studio recording was given to a live take


def test_cli_prefer_options_and_config_file(tmp_path: Path, served):
    db = tmp_path / "library.db"
    with open_catalog(db) as catalog, catalog.write() as conn:
        insert_rows(conn, scenario_rows(FAMILY, PREFERENCE), utc_now())
    config = tmp_path / "config.toml"
    config.write_text(
        f'[musicbrainz]\nserver = "{served.url}"\ncontact = "t@example.org"\n\n'
        '[match]\npreferred_countries = ["GB"]\n',
        encoding="utf-8",
    )
    env = {"ARCHIVER_CONFIG": str(config), "ARCHIVER_MUSICBRAINZ_URL": None}

    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db), "enrich", "--json", *args], env=env)

    first = run("--rate-limit", "0")
    assert first.exit_code == 0, first.output
    with open_catalog(db) as catalog:
        assert album_row(catalog)["edition"] == "gb"  # from the file
    second = run("--rate-limit", "0", "--prefer-country", "US,GB")
    assert second.exit_code == 0, second.output
    with open_catalog(db) as catalog:
        got = album_row(catalog)
        assert got["edition"] == "us"  # the option wins over the file
        assert got["candidates"][0]["reason"] == "preference: country US"
    assert json.loads(second.stdout)["requests"] == 1  # the US lookup; the search is cached


def test_cli_malformed_config_is_one_line(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('[match]\npreferred_countries = ["GB"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.db"), "enrich"], env={"ARCHIVER_CONFIG": str(config)}
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "config.toml: line 3" in lines[0], result.output


def test_lengths_overrule_a_preference(catalog, served):
    """The preferred US CD is looked up, its lengths fit badly: the close editions
    are looked up (one per year first) and the remaster wins on lengths."""
    load(catalog, SCENARIOS["lengths"])
    prefs = m.Preferences(countries=("US",))
    stats = enrich(catalog, make_client(catalog, served), preferences=prefs)
    got = album_row(catalog)
    assert (got["status"], got["edition"]) == ("matched", "remaster")
    assert got["candidates"][0]["reason"] == "clue: lengths"
    assert stats.requests <= 1 + MAX_EDITION_LOOKUPS


def test_without_a_browse_at_most_three_lookups(catalog, fake):
    """A server that answers no browse: the close editions are looked up, one per
    year first, at most MAX_EDITION_LOOKUPS, and the edition still stays open."""
    family = Family(7, browse=False)
    family.serve(fake)
    with catalog.write() as conn:
        insert_rows(conn, scenario_rows(family, SCENARIOS["open"]), utc_now())
    stats = enrich(catalog, make_client(catalog, fake))
    keys = fake.keys()
    assert keys[:2] == [
        "search/release/paper moon 7",
        f"browse/release/{family.group_id('studio')}",
    ]
    lookups = [k for k in keys if k.startswith("release/")]
    assert len(lookups) == MAX_EDITION_LOOKUPS == 3
    assert [family.edition_of(k.split("/")[1]) for k in lookups] == ["gb", "digital", "remaster"]
    assert stats.ambiguous == 1 and stats.requests == 2 + MAX_EDITION_LOOKUPS
    stored = catalog.conn.execute(
        "SELECT count(*) FROM matches WHERE recording_mbid IS NOT NULL AND release_mbid IS NULL"
    ).fetchone()[0]
    assert stored == 4
