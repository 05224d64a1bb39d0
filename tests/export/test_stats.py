"""`archiver stats`: tag completeness as a collector checks it, album counts that
are the TUI's, and --json keys that docs/stats.md documents, all of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from archiver.catalog import browse
from archiver.catalog.query import compile_query
from archiver.catalog.stats import collect_stats
from tests.export.conftest import add_track

DOC = Path(__file__).resolve().parents[2] / "docs" / "stats.md"

COLLECTOR_FIELDS = [
    "title",
    "artist",
    "album",
    "albumartist",
    "tracknumber",
    "date",
    "genre",
    "isrc",
    "musicbrainz_recordingid",
    "musicbrainz_trackid",
    "musicbrainz_albumid",
    "musicbrainz_artistid",
    "musicbrainz_albumartistid",
    "musicbrainz_releasegroupid",
    "embedded_cover",
    "mb_recording_id",
]


def _picture(conn, file_id: int, position: int, picture_type: str | None) -> None:
    conn.execute(
        "INSERT INTO pictures (file_id, position, picture_type, mime, size, sha256) "
        "VALUES (?, ?, ?, 'image/jpeg', 1000, 'ab')",
        (file_id, position, picture_type),
    )


def test_tag_completeness_counts_and_shares_every_collector_field(catalog, sample):
    conn = catalog.conn
    _picture(conn, sample["abbey1"], 0, "front cover")
    _picture(conn, sample["abbey1"], 1, "back cover")  # one track, counted once
    _picture(conn, sample["help"], 0, "other")  # how many taggers store a cover
    _picture(conn, sample["bjork"], 0, "back cover")  # a back cover alone is no cover
    _picture(conn, sample["long"], 0, None)  # no type known
    conn.execute(
        "UPDATE tags SET musicbrainz_trackid = 'trk', musicbrainz_artistid = 'art', "
        "musicbrainz_albumartistid = 'aart', musicbrainz_releasegroupid = '' WHERE file_id = ?",
        (sample["abbey1"],),
    )
    conn.commit()
    done = collect_stats(conn, compile_query(""))["tag_completeness"]
    assert list(done) == COLLECTOR_FIELDS
    counts = {name: value["tracks"] for name, value in done.items()}
    assert counts == {
        "title": 10,
        "artist": 8,
        "album": 8,
        "albumartist": 5,
        "tracknumber": 5,
        "date": 6,
        "genre": 5,
        "isrc": 1,
        "musicbrainz_recordingid": 0,
        "musicbrainz_trackid": 1,
        "musicbrainz_albumid": 0,
        "musicbrainz_artistid": 1,
        "musicbrainz_albumartistid": 1,
        "musicbrainz_releasegroupid": 0,  # "" is not set
        "embedded_cover": 3,
        "mb_recording_id": 2,
    }
    assert all(v["share"] == round(v["tracks"] / 11, 4) for v in done.values())
    beatles = collect_stats(conn, compile_query("beatles"))["tag_completeness"]
    assert beatles["embedded_cover"] == {"tracks": 2, "share": round(2 / 3, 4)}
    nothing = collect_stats(conn, compile_query("title:nosuchthing"))["tag_completeness"]
    assert nothing["title"] == {"tracks": 0, "share": 0.0}


def test_stats_text_shows_completeness_counts_and_percentages(cli):
    out = cli("stats").stdout
    row = next(line for line in out.splitlines() if " albumartist " in line)
    assert "5" in row and "45.5%" in row
    assert "embedded_cover" in out and "musicbrainz_releasegroupid" in out


@pytest.mark.parametrize("text", ["", "beatles", "year:1965..1997", "-format:mp3", "title:none"])
def test_album_count_is_the_number_of_entries_in_the_tuis_albums_view(catalog, sample, text):
    conn = catalog.conn
    # the same album under albumartist and under artist only: one entry, as in the TUI
    add_track(conn, "/music/x/1.mp3", title="One", artist="Solo", album="Split", format="mp3")
    add_track(conn, "/music/x/2.mp3", title="Two", albumartist="Solo", album="Split", format="mp3")
    # no album: one "(no album)" entry per artist
    add_track(conn, "/music/x/3.mp3", title="Three", artist="Solo", format="mp3")
    add_track(conn, "/music/x/4.mp3", title="Four", artist="Other", format="mp3")
    add_track(conn, "/music/x/5.mp3", title="Five", artist="Solo", album="", format="mp3")
    conn.commit()
    compiled = compile_query(text)
    scope = browse.Scope(
        category="album", where=compiled.where, params=tuple(compiled.params), include_missing=True
    )
    tui_albums = len(browse.entries(conn, scope))
    figures = collect_stats(conn, compiled, text)
    assert figures["albums"] == tui_albums
    assert browse.view_stats(conn, scope).albums == tui_albums  # the status bar's count
    if text == "":
        assert tui_albums == 8 + 4  # Split, (no album) by Solo and Other, "" by Solo


def _documented() -> dict[str, str]:
    """{key: its row's 'meaning' text} from the JSON keys table of docs/stats.md."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([a-z_]+)` \| ([^|]+) \| (.+) \|$", line)
        if match:
            rows[match.group(1)] = match.group(3)
    return rows


def _emitted(cli) -> dict:
    result = cli("stats", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_documented_json_keys_equal_the_emitted_keys(cli, catalog_path):
    import sqlite3

    conn = sqlite3.connect(catalog_path)  # a scan and a verify run: their objects are not null
    conn.execute(
        "INSERT INTO scan_runs (started_at, finished_at, status) VALUES ('2026-01-01', '2026-01-01', 'finished')"
    )
    conn.execute(
        "INSERT INTO verify_runs (started_at, finished_at, status) VALUES ('2026-01-01', '2026-01-01', 'finished')"
    )
    conn.commit()
    conn.close()
    emitted = _emitted(cli)
    documented = _documented()
    assert set(documented) == set(emitted)
    # objects with fixed keys: every key is named in its row, and every named key exists
    for key, value in emitted.items():
        if not isinstance(value, dict) or key in ("formats", "codecs"):
            continue
        named = set(re.findall(r"`([a-z_0-9-]+)`", documented[key]))
        for sub, inner in value.items():
            assert sub in named, (key, sub)
            if isinstance(inner, dict) and (key, sub) != ("skipped_files", "kinds"):
                for leaf in inner:  # (the kinds present are data, not keys)
                    assert leaf in named, (key, sub, leaf)
