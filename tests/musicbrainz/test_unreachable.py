"""An unreachable server stops enrich early with one line and exit 1 (issue 14):
refused connections are not retried album after album, 503s still are."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import open_catalog
from archiver.cli import cli
from archiver.musicbrainz import ServerUnreachable, enrich_catalog
from tests.musicbrainz.conftest import make_client, populate, serve_library


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _runs(db: Path) -> list[tuple]:
    with open_catalog(db, create=False) as catalog:
        return catalog.execute("SELECT status, requests, albums FROM enrich_runs").fetchall()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "library.db"
    with open_catalog(path) as catalog:
        populate(catalog)
    return path


def test_refused_connections_stop_the_run_with_one_line_and_exit_1(db):
    server = f"http://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(
        cli,
        ["--db", str(db), "enrich", "--server", server],
        env={"ARCHIVER_CONTACT": "t@example.org"},
    )
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert server in lines[0] and "connection refused" in lines[0]
    assert "3 attempts in a row" in lines[0] and "no album was done" in lines[0]
    assert "Traceback" not in result.output
    # 3 requests in all (not 4 attempts for each of 7 albums); the run is marked failed
    assert _runs(db) == [("failed", 3, 0)]


def test_albums_done_before_the_server_went_away_are_kept(tmp_path, fake):
    catalog = open_catalog(tmp_path / "library.db")
    populate(catalog)
    serve_library(fake)
    client = make_client(catalog, fake, backoff=0.01)

    def progress(event) -> None:
        if event.done == 2:
            fake.stop()  # from now on: connection refused

    with pytest.raises(ServerUnreachable, match="the 2 albums done are kept") as info:
        enrich_catalog(catalog, client, on_progress=progress)
    assert "\n" not in str(info.value)
    stored = catalog.execute("SELECT count(*) FROM album_matches").fetchone()[0]
    assert stored == 2
    assert catalog.execute("SELECT status FROM enrich_runs").fetchall() == [("failed",)]
    catalog.close()


class _Busy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(503)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"busy")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def busy() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_503_answers_are_retried_per_album_and_do_not_stop_the_run(tmp_path, busy):
    catalog = open_catalog(tmp_path / "library.db")
    populate(catalog)

    class Settings:  # make_client wants something with .url
        url = busy

    client = make_client(catalog, Settings, backoff=0.0, max_attempts=3)  # type: ignore[arg-type]
    stats = enrich_catalog(catalog, client)
    assert stats.status == "finished"
    assert stats.albums == stats.errors == 7
    assert stats.requests == 7 * 3
    catalog.close()
