"""A hostile MusicBrainz: the fake server of tests/musicbrainz with answers that
misbehave at the HTTP level (slow drips, truncated bodies, huge bodies, resets,
HTML pages with status 200, garbage, 429 with Retry-After).

Routes, request recording and the normal answers are those of
:class:`tests.musicbrainz.fakeserver.FakeMusicBrainz`; only the handler is
ours, so that a route can be given a :class:`Misbehave` instead of a reply.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.musicbrainz.fakeserver import NS, FakeMusicBrainz, Seen


@dataclass
class Misbehave:
    """How to answer one request. ``kind``: drip, truncate, huge, html200,
    garbage, reset, retry-after (a 429 with ``Retry-After: retry_after``, once,
    then the normal answer)."""

    kind: str
    drip_interval: float = 0.25
    huge_bytes: int = 50 * 1024 * 1024
    retry_after: str = "1"
    times: int | None = None  # misbehave this many times, then answer normally


class HostileMusicBrainz(FakeMusicBrainz):
    def __init__(self) -> None:
        super().__init__()
        self.hostile: dict[str, Misbehave] = {}
        self.stopping = threading.Event()

    def misbehave(self, key: str, how: Misbehave) -> None:
        self.hostile[key] = how

    def _take(self, key: str) -> Misbehave | None:
        with self._lock:
            how = self.hostile.get(key)
            if how is None:
                return None
            if how.times is not None:
                if how.times <= 0:
                    return None
                how.times -= 1
            return how

    def start(self, port: int = 0) -> HostileMusicBrainz:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                parsed = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parsed.query)
                seen = Seen(
                    parsed.path, query, time.monotonic(), self.headers.get("User-Agent", "")
                )
                with fake._lock:
                    fake.seen.append(seen)
                how = fake._take(seen.key)
                reply = fake.reply_for(seen.key)
                body = reply.body.encode("utf-8")
                try:
                    if how is None:
                        self._send(reply.status, body)
                    else:
                        getattr(self, "_" + how.kind.replace("-", "_"))(how, body)
                except OSError:
                    pass  # the client gave up

            def _send(self, status: int, body: bytes, ctype: str = "application/xml") -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{ctype}; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _drip(self, how: Misbehave, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for i in range(len(body)):
                    if fake.stopping.wait(how.drip_interval):
                        break
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                self.close_connection = True

            def _truncate(self, how: Misbehave, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True

            def _huge(self, how: Misbehave, body: bytes) -> None:
                # well-formed MMD XML with one enormous text node, streamed
                head = (
                    f'<?xml version="1.0" encoding="UTF-8"?><metadata xmlns="{NS}">'
                    '<release id="00000000-0000-4000-8000-000000000000"><title>'
                ).encode()
                tail = b"</title></release></metadata>"
                pad = how.huge_bytes - len(head) - len(tail)
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(head) + pad + len(tail)))
                self.end_headers()
                self.wfile.write(head)
                chunk = b"A" * (1 << 20)
                while pad > 0 and not fake.stopping.is_set():
                    self.wfile.write(chunk[: min(pad, len(chunk))])
                    pad -= len(chunk)
                self.wfile.write(tail)

            def _html200(self, how: Misbehave, body: bytes) -> None:
                page = (
                    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
                    b"<body><h1>Bad Gateway</h1><p>nginx</p></body></html>"
                )
                self._send(200, page, ctype="text/html")

            def _garbage(self, how: Misbehave, body: bytes) -> None:
                self._send(200, os.urandom(4096))

            def _reset(self, how: Misbehave, body: bytes) -> None:
                self.close_connection = True
                self.connection.shutdown(2)

            def _retry_after(self, how: Misbehave, body: bytes) -> None:
                page = b"<error><text>Rate limited</text></error>"
                self.send_response(429)
                self.send_header("Retry-After", how.retry_after)
                self.send_header("Content-Type", "application/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        super().stop()
