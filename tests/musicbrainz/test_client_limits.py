"""The client's bounds against servers that misbehave at the HTTP level: a
nonsense Retry-After, answers over the size cap (announced or not), a server
dripping bytes, a truncated body. Real musicbrainzngs, real sockets."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archiver.catalog import musicbrainz as mbdb
from archiver.musicbrainz.client import (
    MAX_RESPONSE_BYTES,
    BadResponse,
    Client,
    ClientSettings,
    ServiceError,
)
from archiver.musicbrainz.enrich import enrich
from tests.musicbrainz.conftest import R_GLASS, make_client
from tests.musicbrainz.fakeserver import Reply, fixture

GLASS = fixture("release-glass-harbor.xml")
REPO = Path(__file__).resolve().parents[2]


class RawServer:
    """One-connection-at-a-time HTTP server on 127.0.0.1 whose answer is written by
    ``answer(conn)`` after the request head is read; ``stopping`` ends drips."""

    def __init__(self, answer: Callable[[socket.socket, threading.Event], None]) -> None:
        self.answer = answer
        self.stopping = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.requests = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            self.requests += 1
            try:
                self.answer(conn, self.stopping)
            except OSError:
                pass  # the client gave up

    def close(self) -> None:
        self.stopping.set()
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def raw() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(answer) -> RawServer:
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _client(conn: sqlite3.Connection | None, url: str, **kw) -> Client:
    return Client(conn, ClientSettings(server=url, rate_limit=0.0, backoff=0.01, **kw))


def _bounded(func: Callable[[], object], stop: threading.Event) -> object:
    """Run ``func`` in a thread; fail (after ending the server's drip) if it has not
    finished within a bound far above what the deadline allows."""
    out: list[object] = []

    def body() -> None:
        try:
            out.append(func())
        except Exception as exc:  # noqa: BLE001 - handed to the test
            out.append(exc)

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(20)
    alive = thread.is_alive()
    stop.set()
    thread.join(10)
    assert not alive, "the request outlived its deadline"
    return out[0]


# --- Retry-After ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["soon, maybe -1", "Mon, 99 Foo 2026 99:99:99 GMT", "nan", "-5"])
def test_unusable_retry_after_falls_back_to_the_backoff(catalog, fake, value):
    fake.add(
        f"release/{R_GLASS}", Reply(status=503, headers={"Retry-After": value}), Reply(body=GLASS)
    )
    sleeps: list[float] = []
    client = Client(
        catalog.conn, ClientSettings(server=fake.url, rate_limit=0.0), sleep=sleeps.append
    )
    assert client.lookup("release", R_GLASS) is not None
    assert sleeps == [1.0]  # the usual first backoff (a Retry-After only lengthens it)


# --- the size cap ------------------------------------------------------------------------


def test_an_announced_oversized_answer_is_refused_not_retried_not_cached(catalog, fake):
    fake.add(f"release/{R_GLASS}", GLASS)
    client = make_client(catalog, fake, max_response_bytes=len(GLASS.encode()) - 1)
    with pytest.raises(BadResponse, match="larger than the .* MiB cap"):
        client.lookup("release", R_GLASS)
    assert fake.count == 1
    assert mbdb.cache_get(catalog.conn, f"release/{R_GLASS}") is None
    # exactly at the cap is fine
    client = make_client(catalog, fake, max_response_bytes=len(GLASS.encode()))
    assert client.lookup("release", R_GLASS) is not None


def test_an_unannounced_endless_answer_is_cut_at_the_cap(raw):
    def endless(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n"
        )
        chunk = b"<a>" + b"x" * 65536
        while not stop.is_set():
            conn.sendall(chunk)

    server = raw(endless)
    client = _client(None, server.url, max_response_bytes=1 << 20, timeout=10)
    outcome = _bounded(lambda: client.lookup("release", R_GLASS), server.stopping)
    assert isinstance(outcome, BadResponse) and "more was sent" in str(outcome)
    assert server.requests == 1


def test_the_default_cap_is_documented_size():
    assert MAX_RESPONSE_BYTES == 16 * 2**20
    assert ClientSettings().max_response_bytes == MAX_RESPONSE_BYTES


# --- the deadline --------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_dripping_server_is_cut_off_by_the_deadline(raw, where):
    body = GLASS.encode()
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )

    def drip(conn: socket.socket, stop: threading.Event) -> None:
        data = head + body
        if where == "body":
            conn.sendall(head)
            data = body
        for i in range(len(data)):  # one byte every 50 ms: never a read timeout
            if stop.wait(0.05):
                return
            conn.sendall(data[i : i + 1])

    server = raw(drip)
    client = _client(None, server.url, timeout=0.5, max_attempts=2)
    outcome = _bounded(lambda: client.lookup("release", R_GLASS), server.stopping)
    assert isinstance(outcome, ServiceError), outcome
    assert "timed out" in str(outcome) and "2 attempts" in str(outcome)
    assert server.requests == 2


def test_a_truncated_body_is_retried_and_never_cached(catalog, raw):
    body = GLASS.encode()

    def truncated(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body[: len(body) // 2]
        )

    server = raw(truncated)
    client = _client(catalog.conn, server.url, timeout=5, max_attempts=2)
    with pytest.raises(ServiceError, match="gave up after 2 attempts"):
        client.lookup("release", R_GLASS)
    assert server.requests == 2
    assert mbdb.cache_get(catalog.conn, f"release/{R_GLASS}") is None


def test_a_normal_answer_without_content_length_is_read_whole(raw):
    body = GLASS.encode()

    def until_close(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n" + body
        )

    server = raw(until_close)
    message = _client(None, server.url, timeout=5).lookup("release", R_GLASS)
    assert message["release"]["id"] == R_GLASS


# --- enrich runs whose process died -----------------------------------------------------------

HOLD_ENRICH_RUN = """
import sys
from archiver.catalog import musicbrainz as mbdb, open_catalog
from archiver.integrity import runlock
catalog = open_catalog(sys.argv[1])
with catalog.write() as conn:
    run_id = mbdb.start_run(conn, None)
    runlock.claim(catalog.path, "enrich", run_id)
print(run_id, flush=True)
sys.stdin.read()
"""


def test_a_killed_enrich_run_is_marked_interrupted_a_live_one_is_not(catalog, fake):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD_ENRICH_RUN, str(catalog.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(2)
    ]
    live, killed = procs
    try:
        live_id, killed_id = (int(p.stdout.readline()) for p in procs)
        killed.kill()
        killed.wait(30)
        stats = enrich(catalog, make_client(catalog, fake, offline=True))
        runs = dict(catalog.conn.execute("SELECT id, status FROM enrich_runs"))
        assert runs == {live_id: "running", killed_id: "interrupted", stats.run_id: "finished"}
    finally:
        live.stdin.close()
        live.wait(30)
    enrich(catalog, make_client(catalog, fake, offline=True))
    assert catalog.conn.execute(
        "SELECT status FROM enrich_runs WHERE id = ?", (live_id,)
    ).fetchone() == ("interrupted",)
