"""`archiver enrich` end to end: real audio files, the scanner, the fake server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import musicbrainz as mbdb
from archiver.catalog import open_catalog
from archiver.cli import cli
from tests.musicbrainz.conftest import R_GLASS, R_QUIET, populate, serve_library
from tests.musicbrainz.fakeserver import fixture

KEYS = {
    "albums",
    "matched",
    "ambiguous",
    "unmatched",
    "errors",
    "requests",
    "cache_hits",
    "seconds",
}


def run(db: Path, *args: str, **env: str):
    return CliRunner().invoke(
        cli, ["--db", str(db), "enrich", *args], env={"ARCHIVER_CONTACT": "t@example.org", **env}
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "library.db"
    with open_catalog(path) as catalog:
        populate(catalog)
    return path


def test_json_summary_and_rerun(db, fake):
    serve_library(fake)
    first = run(db, "--server", fake.url, "--json")
    assert first.exit_code == 0, first.output
    result = json.loads(first.stdout)
    assert KEYS <= set(result)
    assert (
        result["albums"],
        result["matched"],
        result["ambiguous"],
        result["unmatched"],
        result["errors"],
    ) == (7, 5, 1, 1, 0)
    assert result["requests"] == 12 and result["cache_hits"] == 0
    second = json.loads(run(db, "--server", fake.url, "--json").stdout)
    assert second["requests"] == 0 and second["cache_hits"] == 12 and fake.count == 12


def test_server_from_environment_and_summary_table(db, fake):
    serve_library(fake)
    result = run(db, "--limit", "1", ARCHIVER_MUSICBRAINZ_URL=fake.url)
    assert result.exit_code == 0, result.output
    assert "MusicBrainz enrichment" in result.stdout and "matched" in result.stdout
    assert len(fake.seen) >= 1 and "( t@example.org )" in fake.seen[0].user_agent


def test_query_selects_albums(db, fake):
    serve_library(fake)
    result = run(db, "--server", fake.url, "--json", "album:Glass Harbor")
    assert json.loads(result.stdout)["albums"] == 1
    assert fake.keys() == [f"release/{R_GLASS}"]


def test_offline_and_refresh(db, fake):
    serve_library(fake)
    offline = json.loads(run(db, "--server", fake.url, "--offline", "--json").stdout)
    assert offline["requests"] == 0 and offline["unmatched"] == 7 and offline["skipped"] == 7
    run(db, "--server", fake.url, "--json")
    refreshed = json.loads(run(db, "--server", fake.url, "--refresh", "--json").stdout)
    assert refreshed["requests"] == 12


def test_errors_are_listed_and_do_not_fail_the_run(db, fake):
    serve_library(fake)
    fake.add(f"release/{R_GLASS}", fixture("not-musicbrainz.xml"))
    result = run(db, "--server", fake.url)
    assert result.exit_code == 0
    assert "Glass Harbor" in result.stderr and "not a MusicBrainz response" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--server", "ftp://example.org"], "not an http(s) URL"),
        (["--server", "http://h/ws/2"], "without a path"),
        (["--offline", "--refresh"], "cannot be used together"),
        (["--rate-limit", "-1"], "-1"),
        (["--limit", "x"], "x"),
        (['album:"unterminated'], "bad query"),
    ],
)
def test_usage_errors(db, args, message):
    result = run(db, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_bad_query_is_one_line_like_the_other_commands(db):
    """Not click's Usage:/Try/Invalid value block: the one line ls, export, stats and
    verify print, exit 2."""
    result = run(db, 'album:"unterminated')
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Error: bad query at character 7 ('\"unterminated'): unclosed quote"
    ]
    verify = CliRunner().invoke(cli, ["--db", str(db), "verify", 'album:"unterminated'])
    assert (verify.exit_code, verify.output) == (2, result.output)


def test_scanned_real_files(tmp_path, fake):
    """Real tagged audio (tests/audiogen.py), the real scanner, then enrich."""
    audiogen = pytest.importorskip("tests.audiogen")
    lib = tmp_path / "lib"
    glass = [("Harbor Lights", 1), ("Salt & Iron", 2), ("Low Tide (Reprise)", 3)]
    for title, n in glass:
        audiogen.make_file(
            lib / "Glass Harbor" / f"{n:02d}.flac",
            "flac",
            {
                "title": title,
                "artist": "The Lanterns",
                "albumartist": "The Lanterns",
                "album": "Glass Harbor",
                "tracknumber": str(n),
                "musicbrainz_albumid": R_GLASS,
            },
        )
    for n, title in enumerate(["Ignition", "Idle", "Torque", "Coasting Home"], start=1):
        audiogen.make_file(
            lib / "Quiet Engines" / f"{n:02d}.mp3",
            "mp3",
            {
                "title": title,
                "artist": "Halcyon Drive",
                "album": "Quiet Engines",
                "tracknumber": f"{n}/4",
            },
        )
    db = tmp_path / "scanned.db"
    scanned = CliRunner().invoke(cli, ["--db", str(db), "scan", "--jobs", "1", "--json", str(lib)])
    if scanned.exit_code != 0:
        pytest.skip(f"scanner not usable here: {scanned.output[:200]}")
    serve_library(fake)
    result = json.loads(run(db, "--server", fake.url, "--json").stdout)
    assert (result["albums"], result["matched"], result["requests"]) == (2, 2, 3)
    with open_catalog(db) as catalog:
        rows = catalog.conn.execute(
            "SELECT t.title, m.status, m.release_mbid, k.position FROM matches m JOIN tags t ON t.file_id = m.file_id "
            "JOIN mb_tracks k ON k.mbid = m.track_mbid ORDER BY t.title"
        ).fetchall()
        assert {(r[0], r[1], r[2]) for r in rows} >= {
            ("Harbor Lights", "matched", R_GLASS),
            ("Torque", "matched", R_QUIET),
        }
        assert dict((r[0], r[3]) for r in rows)["Coasting Home"] == 4
        some = catalog.conn.execute(
            "SELECT file_id FROM tags WHERE title = 'Harbor Lights'"
        ).fetchone()[0]
        assert mbdb.mb_data_for_file(catalog.conn, some)["labels"][0]["catalog_number"] == "TW-001"


def test_sample_library_demo(tmp_path, fake):
    """examples/library scanned, then enriched from the invented answers in fixtures/examples."""
    from tests.musicbrainz.demo_server import load_examples

    library = Path(__file__).resolve().parents[2] / "examples" / "library"
    if not library.is_dir():
        pytest.skip("examples/library not present")
    db = tmp_path / "demo.db"
    scanned = CliRunner().invoke(
        cli, ["--db", str(db), "scan", "--jobs", "1", "--json", str(library)]
    )
    if scanned.exit_code != 0:
        pytest.skip(f"scanner not usable here: {scanned.output[:200]}")
    load_examples(fake)
    result = json.loads(run(db, "--server", fake.url, "--json").stdout)
    # Nørðurljós (release id: 1 request), Harbour Lights (recording id: 2), Canciones de la
    # Marea and Cartes du ciel (search + lookup: 2 each), the untagged loose file (0).
    assert (result["albums"], result["matched"], result["unmatched"], result["errors"]) == (
        5,
        4,
        1,
        0,
    )
    assert result["requests"] == 7
    with open_catalog(db) as catalog:
        rows = dict(
            catalog.conn.execute("SELECT album, method FROM album_matches WHERE album IS NOT NULL")
        )
        assert rows == {
            "Nørðurljós": "tag-id",
            "Harbour Lights": "recording-id",
            "Canciones de la Marea": "search",
            "Cartes du ciel": "search",
        }
        bonus = catalog.conn.execute(
            "SELECT m.status FROM matches m JOIN tags t ON t.file_id = m.file_id WHERE t.title = 'Épilogue (bonus)'"
        ).fetchone()
        assert bonus == ("unmatched",)  # the release has no bonus track
        disc2 = catalog.conn.execute(
            "SELECT k.disc_number, k.position FROM matches m JOIN tags t ON t.file_id = m.file_id "
            "JOIN mb_tracks k ON k.mbid = m.track_mbid WHERE t.title = 'Mañana, quizás'"
        ).fetchone()
        assert disc2 == (2, 2)
    second = json.loads(run(db, "--server", fake.url, "--json").stdout)
    assert second["requests"] == 0


def test_progress_renderer_takes_events():
    from archiver.commands.enrich import _ProgressRenderer
    from archiver.musicbrainz import Progress

    with _ProgressRenderer() as renderer:
        renderer.update(Progress(0, 3, 0, 0))
        renderer.update(Progress(3, 3, 4, 1, "Glass Harbor", "matched"))
        task = renderer._progress.tasks[0]
        assert (task.completed, task.total, task.fields["requests"], task.fields["hits"]) == (
            3,
            3,
            4,
            1,
        )


def test_no_catalog_is_a_one_line_error(tmp_path):
    result = run(tmp_path / "nothing.db", "--json")
    assert result.exit_code == 1
    assert "no catalog here" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "nothing.db").exists()


def test_query_with_non_utf8_bytes_is_stored_and_still_matches(tmp_path):
    """A query byte that is not UTF-8 arrives as a surrogate escape: the run stores it
    as ``\\xNN`` (no internal error) and it still selects the Latin-1 folder's files."""
    import os

    from tests.audiogen import make_file

    lib = tmp_path / "lib"
    make_file(lib / os.fsdecode(b"d\xe9j\xe0") / "01.mp3", "mp3", {"title": "a", "album": "A"})
    make_file(lib / "other" / "01.mp3", "mp3", {"title": "b", "album": "B"})
    db = tmp_path / "scanned.db"
    scanned = CliRunner().invoke(cli, ["--db", str(db), "scan", "--jobs", "1", "-q", str(lib)])
    assert scanned.exit_code == 0, scanned.output
    result = run(db, "--offline", "--json", os.fsdecode(b"path:d\xe9j"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["albums"] == 1
    with open_catalog(db) as catalog:
        stored = catalog.conn.execute("SELECT query FROM enrich_runs").fetchall()
    assert stored == [("path:d\\xe9j",)]


def test_json_names_the_albums_that_failed(db, fake):
    """--json used to say only "errors": 1; the failures now come with album and reason.
    Without --json they are on stderr, one line each, --quiet included."""
    serve_library(fake)
    fake.add(f"release/{R_GLASS}", fixture("not-musicbrainz.xml"))
    result = run(db, "--server", fake.url, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["errors"] == 1
    [failure] = data["failures"]
    assert failure["album"] == "Glass Harbor" and failure["folder"]
    assert "not a MusicBrainz response" in failure["error"] and "\n" not in failure["error"]
    quiet = run(db, "--server", fake.url, "--quiet", "--refresh")
    assert quiet.stdout == ""
    [line] = quiet.stderr.splitlines()
    assert line.startswith("error Glass Harbor: ") and "not a MusicBrainz response" in line
