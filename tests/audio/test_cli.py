"""`archiver analyze` end to end: real files, a real scan, the real CLI."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def analyze(db: Path, *args: str, env: dict | None = None) -> dict:
    done = run_cli("--db", str(db), "analyze", "--json", *args, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def scanned(music_dir, tmp_path) -> Path:
    db = tmp_path / "catalog.db"
    done = run_cli("--db", str(db), "scan", str(music_dir), "-q")
    assert done.returncode == 0, done.stderr
    return db


def test_analyze_then_skip_force_and_touch(scanned, music_dir):
    first = analyze(scanned)
    files = rows(scanned, "SELECT count(*) FROM files")[0][0]
    assert first["analyzed"] == files and first["skipped"] == 0
    assert first["errors"] == 0
    assert first["decode_errors"] == 3  # damaged + truncated FLAC + truncated MP3
    for key in ("analyzed", "skipped", "decode_errors", "errors", "seconds", "quality"):
        assert key in first
    assert first["quality"]["transcode"] >= 1 and first["quality"]["lossless"] >= 1
    assert first["quality"]["upsampled"] == 1 and first["quality"]["padded-bits"] == 1

    by_name = {
        Path(p).name: (d, q)
        for p, d, q in rows(
            scanned,
            "SELECT f.path, a.decode, a.quality FROM analysis a JOIN files f ON f.id = a.file_id",
        )
    }
    assert by_name["genuine.flac"] == ("ok", "lossless")
    assert by_name["transcode128.flac"] == ("ok", "transcode")
    assert by_name["song.mp3"] == ("ok", "lossy")
    assert by_name["damaged.flac"] == ("error", None)

    again = analyze(scanned)
    assert (again["analyzed"], again["skipped"]) == (0, files)

    forced = analyze(scanned, "--force")
    assert (forced["analyzed"], forced["skipped"]) == (files, 0)

    os.utime(music_dir / "genuine.flac")  # touched: new mtime
    touched = analyze(scanned)
    assert (touched["analyzed"], touched["skipped"]) == (1, files - 1)
    assert rows(scanned, "SELECT count(*) FROM analysis")[0][0] == files


def test_query_limits_the_files(scanned):
    result = analyze(scanned, "format:mp3")
    assert result["analyzed"] == 2  # song.mp3, truncated.mp3
    assert rows(scanned, "SELECT count(*) FROM analysis")[0][0] == 2


def test_human_output_and_exit_status(scanned):
    done = run_cli("--db", str(scanned), "analyze")
    assert done.returncode == 0, done.stderr  # finished, whatever it found
    assert "damaged.flac" in done.stdout and "decode error" in done.stdout
    assert "truncated" in done.stdout and "Traceback" not in done.stderr


def test_empty_or_absent_catalog_says_what_to_run(tmp_path):
    done = run_cli("--db", str(tmp_path / "none.db"), "analyze")
    assert done.returncode == 1 and "archiver scan PATH" in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    run_cli("--db", str(tmp_path / "c.db"), "scan", str(empty), "-q")
    done = run_cli("--db", str(tmp_path / "c.db"), "analyze")
    assert done.returncode == 1 and "archiver scan PATH" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_bad_query_is_a_usage_error(scanned):
    done = run_cli("--db", str(scanned), "analyze", "nosuchfield:x")
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_sigkill_mid_run_then_rerun_finishes_without_duplicates(scanned):
    files = rows(scanned, "SELECT count(*) FROM files")[0][0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "--db", str(scanned), "analyze", "--jobs", "1"],
        cwd=REPO,
        env={**os.environ, "ARCHIVER_ANALYZE_FAULT": "slow:/"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = rows(scanned, "SELECT count(*) FROM analysis")[0][0]
            except sqlite3.OperationalError:
                done = 0
            if done:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the main process only: workers must follow
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    kept = rows(scanned, "SELECT count(*) FROM analysis")[0][0]
    assert 0 < kept < files
    after = analyze(scanned)
    assert after["analyzed"] == files - kept and after["skipped"] == kept
    assert rows(scanned, "SELECT count(*), count(DISTINCT file_id) FROM analysis")[0] == (
        files,
        files,
    )


def test_sigint_exits_130_and_keeps_work(scanned):
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "--db", str(scanned), "analyze", "--jobs", "1"],
        cwd=REPO,
        env={**os.environ, "ARCHIVER_ANALYZE_FAULT": "slow:/"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if rows(scanned, "SELECT count(*) FROM analysis")[0][0]:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "run `archiver analyze` again" in err
    assert "Traceback" not in err


def test_every_corpus_file_gets_a_verdict_or_an_error(tmp_path):
    corpus = Path("/work/shared/corpus/real")
    if not corpus.is_dir():
        pytest.skip("corpus absent")
    db = tmp_path / "c.db"
    assert run_cli("--db", str(db), "scan", str(corpus), "-q").returncode == 0
    result = analyze(db)
    files = rows(db, "SELECT count(*) FROM files WHERE missing = 0")[0][0]
    assert result["analyzed"] == files
    assert (
        rows(
            db,
            "SELECT count(*) FROM analysis WHERE decode IS NOT NULL OR error IS NOT NULL",
        )[0][0]
        == files
    )
