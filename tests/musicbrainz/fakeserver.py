"""A fake MusicBrainz ws/2 server for tests and benchmarks.

stdlib ``ThreadingHTTPServer`` on 127.0.0.1, port 0. Routes map a request key
to a :class:`Reply` (or a list of replies served in turn, the last one
repeating). Keys:

- ``release/<mbid>``, ``recording/<mbid>``, ``isrc/<isrc>`` for lookups;
- ``search/release/<phrase>`` and ``search/recording/<phrase>`` for searches,
  where ``<phrase>`` is the normalized (lower-case, unescaped) text of the
  query's ``release:"..."`` / ``recording:"..."`` term;
- ``browse/release/<release-group mbid>`` for a browse of a group's releases.

Unknown lookups get a 404 with an MMD error body; unknown searches an empty
result list. Every request is recorded (path, query, server-side monotonic
time) so tests can count requests and check the throttle.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NS = "http://musicbrainz.org/ns/mmd-2.0#"
FIXTURES = Path(__file__).parent / "fixtures"
NOT_FOUND = '<?xml version="1.0" encoding="UTF-8"?><error><text>Not Found</text></error>'


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    delay: float = 0.0  # seconds to stall before answering
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, list[str]]
    at: float  # time.monotonic() when the request arrived
    user_agent: str

    @property
    def key(self) -> str:
        return route_key(self.path, self.query)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def xml(inner: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><metadata xmlns="{NS}">{inner}</metadata>'


_TERM = re.compile(r'(release|recording):"((?:[^"\\]|\\.)*)"')


def _phrase(text: str) -> str:
    return " ".join(re.sub(r"\\(.)", r"\1", text).lower().split())


def route_key(path: str, query: dict[str, list[str]]) -> str:
    parts = path.split("/")
    # /ws/2/<entity>/<id>
    entity = parts[3] if len(parts) > 3 else ""
    ident = parts[4] if len(parts) > 4 else ""
    if not ident and "query" in query:
        found = _TERM.search(query["query"][0])
        return f"search/{entity}/{_phrase(found.group(2)) if found else ''}"
    if not ident and "release-group" in query:
        return f"browse/{entity}/{query['release-group'][0]}"
    return f"{entity}/{ident}"


class FakeMusicBrainz:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- setup -----------------------------------------------------------
    def add(self, key: str, *replies: Reply | str) -> None:
        """Route ``key`` to replies (a str is a 200 body)."""
        self.routes[key] = [Reply(body=r) if isinstance(r, str) else r for r in replies]

    def add_release(self, mbid: str, body: str) -> None:
        self.add(f"release/{mbid}", body)

    def add_search(self, entity: str, phrase: str, body: str) -> None:
        self.add(f"search/{entity}/{_phrase(phrase)}", body)

    # -- inspection ------------------------------------------------------
    def keys(self) -> list[str]:
        with self._lock:
            return [s.key for s in self.seen]

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.seen)

    # -- serving ---------------------------------------------------------
    def reply_for(self, key: str) -> Reply:
        with self._lock:
            queue = self.routes.get(key)
            if queue is None:
                if key.startswith("search/"):
                    entity = key.split("/")[1]
                    return Reply(body=xml(f'<{entity}-list count="0" offset="0"/>'))
                return Reply(status=404, body=NOT_FOUND)
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def start(self, port: int = 0) -> FakeMusicBrainz:
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
                reply = fake.reply_for(seen.key)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/xml; charset=UTF-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeMusicBrainz:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
