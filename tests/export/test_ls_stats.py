"""`archiver ls` templates and `archiver stats` figures."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

from archiver.catalog.db import utc_now
from tests.export.conftest import run_cli


def test_ls_default_template_in_album_order(cli):
    result = cli("ls", "beatles")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "The Beatles - Help! - Ticket to Ride",
        "The Beatles - Abbey Road - Come Together",
        "The Beatles - Abbey Road - Something",
    ]


def test_ls_template_with_specs_nulls_and_booleans(cli):
    result = cli(
        "ls",
        "--format",
        "{tracknumber:02d}|{title}|{length:.0f}|{lossless}|{genre}|{bitrate}",
        "year:1965..1997",
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "01|Hunter|255|false|Electronic; Art Pop|192",
        "|Epic|1800|false||96",  # no album artist: sorted by artist, "Long Player"
        "07|Ticket to Ride|190|false|Rock|320",
        "01|Come Together|260|true|Rock|1000",
        "02|Something|183|true|Rock|990",
    ]
    empty = cli("ls", "--format", "[{title}] {tracknumber:02d}", "untagged")
    assert empty.stdout == "[] \n"


def test_ls_one_line_per_track_even_with_newlines_in_values(cli):
    result = cli("ls", "--format", "{album}", "title:pure")
    assert result.stdout == "Line Break\n"


def test_ls_unknown_field_in_template_is_a_usage_error(cli):
    for template in ("{nope}", "{}", "{0}", "{title.upper}", "{title"):
        result = cli("ls", "--format", template)
        assert result.exit_code == 2, template
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1


def test_ls_default_template_shows_the_path_of_an_untagged_track(cli):
    path = cli("ls", "--format", "{path}", "untagged").stdout
    assert path.strip() and cli("ls", "untagged").stdout == path
    assert all(line.strip(" -") for line in cli("ls").stdout.splitlines())


def test_ls_template_without_fields_prints_it_per_track(cli):
    count = len(cli("ls").stdout.splitlines())
    assert cli("ls", "--format", "plain").stdout == "plain\n" * count
    assert cli("ls", "--format", "").stdout == "\n" * count


def test_ls_format_spec_that_cannot_fit_the_column_is_a_usage_error(cli):
    for template in ("{tracknumber:>5s}", "{title:02d}", "{length:d}", "{size:%}x{title:q}"):
        result = cli("ls", "--format", template)
        assert result.exit_code == 2, template
        assert result.stdout == ""
        assert "--format" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    ok = cli("ls", "--format", "{tracknumber:>3}|{title!r:.6}|{length:.1f}", "title:hunter")
    assert ok.exit_code == 0 and ok.stdout == "  1|'Hunte|255.0\n"


def test_ls_into_a_closed_pipe_exits_0_quietly(catalog_path, sample):
    # 200 KB lines: far more than a pipe holds, so the write after the close fails
    for args in (["ls", "--format", "{title:>200000}"],):
        proc = subprocess.Popen(
            [sys.executable, "-m", "archiver", "--db", str(catalog_path), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        proc.stdout.read(1)
        proc.stdout.close()  # like `| head -c 1`
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, (args, err)
        assert b"Traceback" not in err and b"Error" not in err


def test_ls_bad_query(cli):
    result = cli("ls", "year:19x")
    assert result.exit_code == 2 and "not a number" in result.stderr


def test_stats_json(cli, catalog_path):
    conn = sqlite3.connect(catalog_path)
    conn.execute(
        "INSERT INTO scan_runs (id, started_at, finished_at, status, files_found, errors) VALUES (7, ?, ?, 'finished', 11, 2)",
        ("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"),
    )
    conn.executemany(
        "INSERT INTO scan_errors (scan_id, path, path_bytes, kind, message, occurred_at) VALUES (7, ?, ?, 'corrupt', 'bad', ?)",
        [("/music/a", b"/music/a", utc_now()), ("/music/b", b"/music/b", utc_now())],
    )
    conn.execute(
        "INSERT INTO verify_runs (started_at, finished_at, status, checked, ok, changed) VALUES ('2026-02-01T00:00:00Z', '2026-02-01T00:00:09Z', 'finished', 5, 4, 1)"
    )
    conn.commit()
    conn.close()
    result = cli("stats", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    s = json.loads(result.stdout)
    assert s["tracks"] == 11
    # Abbey Road, Help!, Homogenic, Line\nBreak, -minus, Vanished, Very Long, and the
    # untagged track's "(no album)": the entries of the TUI's Albums view
    assert s["albums"] == 8
    assert s["artists"] == 6  # the Beatles, Björk, O'Brien & Sons, +cmd, Ghost, Long Player
    assert s["album_artists"] == 3
    assert s["duration_seconds"] == round(
        259.5 + 182.9 + 190.2 + 255.0 + 60.0 + 30.0 + 100.0 + 1800.25, 3
    )
    assert (
        s["size_bytes"] == 30_000_000 + 21_000_000 + 7_600_000 + 6_100_000 + 21_600_000 + 6 * 1000
    )
    assert s["formats"] == {"mp3": 4, "flac": 3, "asf": 1, "ogg": 1, "opus": 1, "wav": 1}
    assert s["codecs"]["mp3"] == 4 and s["codecs"]["pcm"] == 1
    assert s["lossless"] == {"tracks": 4, "share": round(4 / 11, 4), "unknown": 2}
    assert s["tag_completeness"]["title"] == {"tracks": 10, "share": round(10 / 11, 4)}
    assert s["tag_completeness"]["isrc"] == {"tracks": 1, "share": round(1 / 11, 4)}
    assert s["tag_completeness"]["mb_recording_id"] == {"tracks": 2, "share": round(2 / 11, 4)}
    assert s["enrichment"] == {"matched": 2, "ambiguous": 1, "unmatched": 0, "error": 1, "none": 7}
    assert s["missing_files"] == 1
    assert s["scan_errors"] == 2
    assert s["last_scan"]["id"] == 7 and s["last_scan"]["status"] == "finished"
    assert s["last_verified"]["checked"] == 5 and s["last_verified"]["changed"] == 1
    assert s["never_verified"] == 11
    assert s["query"] == ""


def test_stats_follow_the_query(cli):
    s = json.loads(cli("stats", "--json", "beatles").stdout)
    assert s["query"] == "beatles"
    assert (s["tracks"], s["albums"], s["artists"]) == (3, 2, 1)
    assert s["lossless"]["share"] == round(2 / 3, 4)
    assert s["last_scan"] is None and s["last_verified"] is None
    empty = json.loads(cli("stats", "--json", "year:3000").stdout)
    assert empty["tracks"] == 0 and empty["lossless"]["share"] == 0.0 and empty["formats"] == {}


def test_stats_table_renders(cli):
    result = cli("stats")
    assert result.exit_code == 0
    for label in (
        "Tracks",
        "Albums",
        "Lossless",
        "Formats",
        "Tag completeness",
        "MusicBrainz enrichment",
    ):
        assert label in result.stdout
    assert "flac" in result.stdout


def test_stats_shows_times_for_people(tmp_path):
    from pathlib import Path

    from archiver.scan import scan

    db = tmp_path / "c.db"
    scan(db, [Path(__file__).resolve().parents[2] / "examples" / "library"], jobs=1)
    out = run_cli(db, "stats").stdout
    last_scan = next(line for line in out.splitlines() if "Last scan" in line)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC \(finished\)", last_scan), last_scan


def test_stats_bad_query(cli):
    result = cli("stats", "--json", "status:nope")
    assert result.exit_code == 2 and result.stdout == ""


def test_every_command_has_an_example(catalog_path):
    for command in ("export", "ls", "stats"):
        result = run_cli(catalog_path, command, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout


def test_negated_first_term_after_double_dash(cli):
    everything = cli("ls", "--format", "{title}").stdout.splitlines()
    rock = cli("ls", "--format", "{title}", "genre:rock").stdout.splitlines()
    result = cli("ls", "--format", "{title}", "--", "-genre:rock")
    assert result.exit_code == 0
    assert sorted(result.stdout.splitlines()) == sorted(set(everything) - set(rock))
    assert cli("ls", "--format", "{title}", "NOT", "genre:rock").stdout == result.stdout
