"""`archiver enrich --acoustid` end to end: a catalog whose untagged files have
fingerprints, our fake AcoustID server and the fake MusicBrainz server."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import open_catalog
from archiver.cli import cli
from tests.musicbrainz.conftest import (
    LIBRARY,
    R_GLASS,
    R_NORTH,
    REC_LONELY,
    REC_NORTH_1,
    REC_NORTH_2,
    add_file,
)
from tests.musicbrainz.fake_acoustid import VALID_KEY, FakeAcoustID, Reply, error, ok, result
from tests.musicbrainz.fakeserver import fixture

UNKNOWN_REC = "eeee0000-0000-4000-8000-000000000009"


def add_fingerprint(conn, file_id: int, fingerprint: str, seconds: float = 120.0) -> None:
    """Store a fingerprint as `archiver analyze` would: a current analysis row, made
    against the file's catalogued size and mtime."""
    conn.execute(
        "INSERT INTO analysis (file_id, size, mtime_ns, decode, fingerprint,"
        " fingerprint_seconds, analyzer_version, analyzed_at)"
        " SELECT id, size, mtime_ns, 'ok', ?, ?, 1, '2026-12-06T00:00:00+00:00'"
        " FROM files WHERE id = ?",
        (fingerprint, seconds, file_id),
    )


def build_library(path: Path) -> dict[str, int]:
    """A tagged album, an untagged rip of Northern Lights Suite (album tag only),
    and loose files without any tag, most with fingerprints."""
    ids: dict[str, int] = {}
    with open_catalog(path) as catalog:
        for i, (folder, duration, tags) in enumerate(LIBRARY[:3]):  # Glass Harbor, release id
            file_id = add_file(catalog, f"/music/{folder}/{i:02d}.flac", duration, **tags)
            ids[f"glass{i}"] = file_id
        ids["session1"] = add_file(
            catalog, "/music/rips/session/01.flac", 305.2, album="Untitled Session", tracknumber=1
        )
        ids["session2"] = add_file(
            catalog, "/music/rips/session/02.flac", 287.9, album="Untitled Session", tracknumber=2
        )
        for name in ("lonely", "unknown", "weak", "nofp", "badfp"):
            ids[name] = add_file(catalog, f"/music/unsorted/{name}.flac", 200.0)
        with catalog.write() as conn:
            for i in range(3):
                add_fingerprint(conn, ids[f"glass{i}"], f"FP_GLASS{i}")
            add_fingerprint(conn, ids["session1"], "FP_N1")
            add_fingerprint(conn, ids["session2"], "FP_N2")
            add_fingerprint(conn, ids["lonely"], "FP_LONELY")
            add_fingerprint(conn, ids["unknown"], "FP_UNKNOWN")
            add_fingerprint(conn, ids["weak"], "FP_WEAK")
            add_fingerprint(conn, ids["badfp"], "FP_BAD")
    return ids


def serve(fake, acoustid: FakeAcoustID) -> None:
    fake.add_release(R_GLASS, fixture("release-glass-harbor.xml"))
    fake.add(f"recording/{REC_NORTH_1}", fixture("recording-northern-1.xml"))
    fake.add_release(R_NORTH, fixture("release-northern-lights.xml"))
    fake.add(f"recording/{REC_LONELY}", fixture("recording-lonely-signal.xml"))
    acoustid.add("FP_N1", [result("a-n1", 0.97, (REC_NORTH_1, "Aurora, Part I", 305))])
    acoustid.add("FP_N2", [result("a-n2", 0.95, (REC_NORTH_2, "Aurora, Part II", 288))])
    acoustid.add(
        "FP_LONELY",
        [
            result("a-l", 0.92, (REC_LONELY, "Lonely Signal", 200)),
            result("a-x", 0.41, (UNKNOWN_REC, "Something Else", 200)),
        ],
    )
    acoustid.add("FP_WEAK", [result("a-w", 0.5, (UNKNOWN_REC, "Maybe", 200))])
    acoustid.add("FP_BAD", Reply(status=400, body=error(3, "invalid fingerprint")))
    # FP_UNKNOWN: the fake answers {"status": "ok", "results": []}


@pytest.fixture
def acoustid() -> Iterator[FakeAcoustID]:
    with FakeAcoustID() as server:
        yield server


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "library.db"


def run(db: Path, fake, acoustid_url: str | None, *args: str, key: str | None = VALID_KEY):
    argv = ["--db", str(db), "enrich", "--server", fake.url, "--acoustid", *args]
    if acoustid_url:
        argv += ["--acoustid-server", acoustid_url]
    return CliRunner().invoke(
        cli,
        argv,
        env={"ARCHIVER_CONTACT": "t@example.org", "ARCHIVER_ACOUSTID_KEY": key},
    )


def matches(db: Path) -> dict[int, tuple]:
    with open_catalog(db) as catalog:
        rows = catalog.conn.execute(
            "SELECT file_id, status, method, release_mbid, recording_mbid FROM matches"
        )
        return {r[0]: tuple(r[1:]) for r in rows}


def test_untagged_files_are_matched_by_fingerprint_and_rerun_is_free(db, fake, acoustid):
    ids = build_library(db)
    serve(fake, acoustid)
    first = run(db, fake, acoustid.url, "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    # Glass Harbor (tags), the session rip and the lonely file (fingerprints)
    assert (summary["albums"], summary["matched"], summary["errors"]) == (7, 3, 1)
    assert summary["acoustid"] == {"matched": 2, "requests": 6, "cache_hits": 0}
    # the key is checked first with a file its tags cannot match (a loose untitled
    # one; its failure is remembered, not asked again when its turn comes)
    assert acoustid.fingerprints()[0] == "FP_BAD"
    # a file matched by its tags, and one without fingerprint, are never sent
    assert sorted(acoustid.fingerprints()) == sorted(
        ["FP_N1", "FP_N2", "FP_LONELY", "FP_UNKNOWN", "FP_WEAK", "FP_BAD"]
    )
    found = matches(db)
    assert found[ids["glass0"]][:2] == ("matched", "tag-id")
    assert found[ids["session1"]] == ("matched", "acoustid", R_NORTH, REC_NORTH_1)
    assert found[ids["session2"]] == ("matched", "acoustid", R_NORTH, REC_NORTH_2)
    assert found[ids["lonely"]] == ("matched", "acoustid", None, REC_LONELY)
    assert found[ids["unknown"]][0] == "unmatched"
    assert found[ids["weak"]][0] == "unmatched"  # 0.5 is under the threshold
    assert found[ids["nofp"]][0] == "unmatched"
    assert found[ids["badfp"]][0] == "error"
    assert "invalid fingerprint" in " ".join(summary["failures"][0]["error"].split())
    with open_catalog(db) as catalog:
        score = catalog.conn.execute(
            "SELECT score FROM matches WHERE file_id = ?", (ids["lonely"],)
        ).fetchone()[0]
    assert score == 0.92  # AcoustID's score for a loose track

    # the re-run asks AcoustID nothing it was answered (the error is asked again)
    acoustid.seen.clear()
    second = json.loads(run(db, fake, acoustid.url, "--json").stdout)
    assert second["acoustid"] == {"matched": 2, "requests": 1, "cache_hits": 5}
    assert acoustid.fingerprints() == ["FP_BAD"]
    assert matches(db) == found


def test_rerun_without_errors_makes_no_request(db, fake, acoustid):
    build_library(db)
    serve(fake, acoustid)
    acoustid.add("FP_BAD", [])
    assert run(db, fake, acoustid.url, "--json").exit_code == 0
    count = acoustid.count
    second = json.loads(run(db, fake, acoustid.url, "--json").stdout)
    assert second["acoustid"]["requests"] == 0 and second["requests"] == 0
    assert acoustid.count == count
    # the table summary names the AcoustID figures
    table = run(db, fake, acoustid.url)
    assert table.exit_code == 0 and "matched by AcoustID" in table.stdout


def test_at_most_three_requests_per_second_server_side(db, fake, acoustid):
    build_library(db)
    serve(fake, acoustid)
    assert run(db, fake, acoustid.url, "--json").exit_code == 0
    times = acoustid.times()
    assert len(times) == 6
    assert (len(times) - 1) / (times[-1] - times[0]) <= 3.0 * 1.1
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) > 0.2


def test_invalid_key_stops_before_anything_else(db, fake, acoustid):
    build_library(db)
    serve(fake, acoustid)
    outcome = run(db, fake, acoustid.url, key="not-a-key")
    assert outcome.exit_code == 1
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and "rejected the API key" in lines[0], outcome.output
    assert fake.count == 0 and acoustid.count == 1  # one probe, no MusicBrainz request
    with open_catalog(db) as catalog:
        assert catalog.conn.execute("SELECT count(*) FROM enrich_runs").fetchone()[0] == 0
        assert catalog.conn.execute("SELECT count(*) FROM matches").fetchone()[0] == 0


def test_key_from_the_option(db, fake, acoustid):
    build_library(db)
    serve(fake, acoustid)
    outcome = run(db, fake, acoustid.url, "--acoustid-key", VALID_KEY, "--json", key="bad")
    assert outcome.exit_code == 0, outcome.output


def test_missing_key_is_a_usage_error(db, fake):
    build_library(db)
    outcome = run(db, fake, None, key=None)
    assert outcome.exit_code == 2
    assert len(outcome.output.splitlines()) == 1
    assert "ARCHIVER_ACOUSTID_KEY" in outcome.output and "--acoustid-key" in outcome.output
    assert "Traceback" not in outcome.output and fake.count == 0


def test_bad_acoustid_server_is_a_usage_error(db, fake):
    build_library(db)
    outcome = run(db, fake, "ftp://example.org")
    assert outcome.exit_code == 2 and "--acoustid-server" in outcome.output
    assert len(outcome.output.splitlines()) == 1


def test_server_down_is_one_line_and_exit_1(db, fake):
    build_library(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    outcome = run(db, fake, f"http://127.0.0.1:{port}")
    assert outcome.exit_code == 1
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0], outcome.output
    assert fake.count == 0


def test_no_fingerprints_says_to_run_analyze_and_enriches_by_tags(db, fake, acoustid):
    with open_catalog(db) as catalog:
        add_file(catalog, "/music/a/01.flac", 200.0, **LIBRARY[0][2])
    fake.add_release(R_GLASS, fixture("release-glass-harbor.xml"))
    outcome = run(db, fake, acoustid.url, "--json")
    assert outcome.exit_code == 0, outcome.output
    assert "archiver analyze" in outcome.stderr and len(outcome.stderr.splitlines()) == 1
    assert json.loads(outcome.stdout)["matched"] == 1 and acoustid.count == 0


def test_offline_uses_only_cached_fingerprint_answers(db, fake, acoustid):
    build_library(db)
    serve(fake, acoustid)
    offline = json.loads(run(db, fake, acoustid.url, "--offline", "--json").stdout)
    assert offline["acoustid"]["requests"] == 0 and acoustid.count == 0
    run(db, fake, acoustid.url, "--json")
    count = acoustid.count
    again = json.loads(run(db, fake, acoustid.url, "--offline", "--json").stdout)
    assert again["acoustid"]["matched"] == 2 and acoustid.count == count


def test_server_lost_mid_run_stops_it_and_keeps_what_was_done(db, fake, acoustid):
    ids = build_library(db)
    serve(fake, acoustid)
    # the key check is answered; then the server stalls past --timeout every time
    acoustid.answer_all(Reply(body=ok([])), Reply(body=ok([]), delay=1.0))
    outcome = run(db, fake, acoustid.url, "--timeout", "0.3")
    assert outcome.exit_code == 1
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0] and "0.3 s" in lines[0], outcome.output
    assert acoustid.count == 4  # the key check, then 3 timeouts in a row
    with open_catalog(db) as catalog:
        status = catalog.conn.execute("SELECT status FROM enrich_runs").fetchone()[0]
    assert status == "failed"
    assert matches(db)[ids["glass0"]][:2] == ("matched", "tag-id")  # done before: kept


@pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("fpcalc")), reason="needs ffmpeg and fpcalc"
)
def test_a_real_file_and_its_real_fingerprint(tmp_path, db, fake, acoustid):
    """A generated FLAC, scanned by the real scanner; its fingerprint computed by
    fpcalc (what `archiver analyze` stores) travels intact to the server."""
    music = tmp_path / "music"
    music.mkdir()
    song = music / "untitled.flac"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=30",
         "-f", "lavfi", "-i", "anoisesrc=d=30:a=0.1:seed=7", "-filter_complex",
         "amix=inputs=2", str(song)],
        check=True,
    )  # fmt: skip
    scanned = CliRunner().invoke(cli, ["--db", str(db), "scan", str(music)])
    assert scanned.exit_code == 0, scanned.output
    # fpcalc exits 3 at the "End of file" it meets after the last frame, output complete
    printed = subprocess.run(["fpcalc", "-json", str(song)], capture_output=True, text=True)
    fingerprint = json.loads(printed.stdout)["fingerprint"]
    with open_catalog(db) as catalog:
        (file_id,) = catalog.conn.execute("SELECT id FROM files").fetchone()
        with catalog.write() as conn:
            add_fingerprint(conn, file_id, fingerprint, 30.0)
    fake.add(f"recording/{REC_LONELY}", fixture("recording-lonely-signal.xml"))
    acoustid.add(fingerprint, [result("a-real", 0.99, (REC_LONELY, None, 30))])
    outcome = run(db, fake, acoustid.url, "--json")
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.stdout)["acoustid"]["matched"] == 1
    (seen,) = acoustid.seen
    assert seen.fingerprint == fingerprint and seen.params["duration"] == "30"
    assert matches(db)[file_id][:2] == ("matched", "acoustid")
