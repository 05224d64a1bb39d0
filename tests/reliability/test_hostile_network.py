"""Hostile network: `archiver enrich` against a server that drips, truncates,
floods, lies with status 200, resets, rate-limits or talks garbage. The run
finishes within its time and memory bounds, records the failure on the album
concerned, matches the others, caches nothing bad, and a later run recovers."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.musicbrainz.demo_server import load_examples
from tests.reliability.conftest import (
    EXAMPLES,
    check_invariants,
    cli_cmd,
    query,
    run_cli,
    run_measured,
)
from tests.reliability.hostile_server import HostileMusicBrainz, Misbehave

TARGET = "release/b773b205-7510-44a5-88e9-7ce668680fe7"  # one album of examples/library
ALBUMS_MATCHED_NORMALLY = 4


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("scanned") / "catalog.db"
    assert run_cli(db, "scan", str(EXAMPLES), "--quiet").returncode == 0
    return db


@pytest.fixture
def server() -> Iterator[HostileMusicBrainz]:
    fake = HostileMusicBrainz()
    load_examples(fake)
    fake.start()
    yield fake
    fake.stop()


def _enrich(
    db: Path, url: str, *extra: str, limit: float = 90
) -> tuple[subprocess.CompletedProcess, int]:
    """`archiver enrich --json`: (result, peak RSS in MB). Exceeding ``limit`` fails."""
    cmd = cli_cmd(db, "enrich", "--server", url, "--rate-limit", "0", "--json", *extra)
    return run_measured(cmd, limit)


def _album_state(db: Path) -> dict[str, tuple[str, str | None]]:
    return {
        album: (status, error)
        for album, status, error in query(db, "SELECT album, status, error FROM album_matches")
    }


@pytest.mark.parametrize("kind", ["html200", "garbage", "reset"])
def test_one_hostile_answer_is_an_album_error_and_the_run_goes_on(scanned, server, tmp_path, kind):
    """A persistent failure (reset: after the bounded retries, ~7 s)."""
    db = tmp_path / "catalog.db"
    db.write_bytes(scanned.read_bytes())
    server.misbehave(TARGET, Misbehave(kind))
    result, _ = _enrich(db, server.url, "--timeout", "5")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["errors"] == 1, summary
    assert summary["matched"] == ALBUMS_MATCHED_NORMALLY - 1, summary
    errors = [(a, e) for a, (s, e) in _album_state(db).items() if s == "error"]
    assert len(errors) == 1
    album, message = errors[0]
    assert message and "\n" not in message and len(message) < 500, message
    # nothing bad was cached: the hostile answer is not in mb_cache
    assert query(db, "SELECT count(*) FROM mb_cache WHERE request LIKE ?", (TARGET + "%",)) == [
        (0,)
    ]
    check_invariants(db)
    # the server behaves again: the next run matches the album that failed
    server.hostile.clear()
    again, _ = _enrich(db, server.url, "--timeout", "5")
    assert again.returncode == 0, again.stderr
    assert _album_state(db)[album][0] == "matched"
    history = query(db, "SELECT count(*) FROM match_history")[0][0]
    assert history > query(db, "SELECT count(*) FROM matches")[0][0]  # the error is kept


@pytest.mark.parametrize("kind", ["truncate", "reset"])
def test_a_transient_failure_is_retried(scanned, server, tmp_path, kind):
    db = tmp_path / "catalog.db"
    db.write_bytes(scanned.read_bytes())
    server.misbehave(TARGET, Misbehave(kind, times=1))
    result, _ = _enrich(db, server.url, "--timeout", "5")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["errors"] == 0 and summary["matched"] == ALBUMS_MATCHED_NORMALLY, summary
    assert [s.key for s in server.seen].count(TARGET) == 2


def test_429_with_retry_after_is_honoured(scanned, server, tmp_path):
    db = tmp_path / "catalog.db"
    db.write_bytes(scanned.read_bytes())
    server.misbehave(TARGET, Misbehave("retry-after", retry_after="1", times=1))
    result, _ = _enrich(db, server.url, "--timeout", "5")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["errors"] == 0 and summary["matched"] == ALBUMS_MATCHED_NORMALLY
    times = [s.at for s in server.seen if s.key == TARGET]
    assert len(times) == 2
    assert times[1] - times[0] >= 0.95  # the client waited as told (a lower bound)


def test_retry_after_as_an_http_date(scanned, server, tmp_path):
    db = tmp_path / "catalog.db"
    db.write_bytes(scanned.read_bytes())
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 1))
    server.misbehave(TARGET, Misbehave("retry-after", retry_after=date, times=1))
    result, _ = _enrich(db, server.url, "--timeout", "5")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matched"] == ALBUMS_MATCHED_NORMALLY


def test_retry_after_nonsense_is_ignored_and_retried(scanned, server, tmp_path):
    db = tmp_path / "catalog.db"
    db.write_bytes(scanned.read_bytes())
    server.misbehave(
        "search/release/canciones de la marea",
        Misbehave("retry-after", retry_after="soon, maybe -1", times=1),
    )
    result, _ = _enrich(db, server.url, "--timeout", "5")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matched"] == ALBUMS_MATCHED_NORMALLY


HUGE = 20 * 1024 * 1024


def test_a_huge_answer_is_refused_within_memory_bounds(scanned, server, tmp_path):
    db = tmp_path / "catalog.db"
    db.write_bytes(scanned.read_bytes())
    server.misbehave(TARGET, Misbehave("huge", huge_bytes=HUGE))
    result, peak = _enrich(db, server.url, "--timeout", "5")
    assert result.returncode == 0, result.stderr
    assert peak < 256 + 3 * HUGE // 2**20, f"a {HUGE >> 20} MB answer took enrich to {peak} MB"
    assert query(db, "SELECT max(length(body)) FROM mb_cache")[0][0] < HUGE
    assert json.loads(result.stdout)["errors"] == 1


def test_a_slow_drip_is_cut_off_by_the_timeout(server):
    """A server that sends one byte every 0.25 s never trips a per-read socket
    timeout; a request must still end within (timeout x attempts + backoff)."""
    from archiver.musicbrainz.client import Client, ClientSettings, MusicBrainzError

    server.misbehave(TARGET, Misbehave("drip", drip_interval=0.25))
    client = Client(
        None,
        ClientSettings(
            server=server.url, rate_limit=0.0, timeout=1.0, max_attempts=2, backoff=0.01
        ),
    )
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(client.lookup("release", TARGET.split("/")[1], ("recordings",)))
        except MusicBrainzError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(8)  # a bound: 2 attempts x 1 s + backoff, with a wide margin
    alive = thread.is_alive()
    server.stopping.set()  # end the drip, so the thread ends either way
    thread.join(10)
    assert not alive, "a dripping server held one request for more than 8 s"
    assert isinstance(outcome[0], MusicBrainzError)
