"""A fake AcoustID web service (``/v2/lookup``) for tests.

stdlib ``ThreadingHTTPServer`` on 127.0.0.1, port 0, GET and POST (form)
alike. Answers are our own JSON, routed by the ``fingerprint`` parameter:
:meth:`FakeAcoustID.add` gives a fingerprint its results (or a list of
:class:`Reply` served in turn, the last one repeating); an unknown fingerprint
gets ``{"status": "ok", "results": []}``. A key outside ``keys`` gets AcoustID's
"invalid API key" error (code 4, HTTP 400). Every request is recorded with its
parameters and the server-side monotonic time, to count requests and measure
the throttle.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VALID_KEY = "test-key"


@dataclass
class Reply:
    status: int = 200
    body: str | bytes = ""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    method: str
    params: dict[str, str]
    at: float  # time.monotonic() when the request arrived

    @property
    def fingerprint(self) -> str:
        return self.params.get("fingerprint", "")


def ok(results: list[dict[str, Any]]) -> str:
    return json.dumps({"status": "ok", "results": results})


def error(code: int, message: str) -> str:
    return json.dumps({"status": "error", "error": {"code": code, "message": message}})


def result(
    acoustid: str, score: float, *recordings: tuple[str, str | None, float | None]
) -> dict[str, Any]:
    """One lookup result linking to recordings given as (mbid, title, duration)."""
    return {
        "id": acoustid,
        "score": score,
        "recordings": [
            {
                "id": mbid,
                **({"title": title} if title else {}),
                **({"duration": duration} if duration else {}),
                "artists": [{"id": "00000000-0000-4000-8000-0000000000aa", "name": "Someone"}],
            }
            for mbid, title, duration in recordings
        ],
    }


class FakeAcoustID:
    def __init__(self, keys: tuple[str, ...] = (VALID_KEY,)) -> None:
        self.keys = set(keys)
        self.routes: dict[str, list[Reply]] = {}
        self.default: list[Reply] | None = None  # set: every fingerprint gets these
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- setup -----------------------------------------------------------
    def add(self, fingerprint: str, *replies: Reply | list[dict[str, Any]]) -> None:
        """Route a fingerprint to replies (a list of result dicts is an ok answer)."""
        self.routes[fingerprint] = [
            r if isinstance(r, Reply) else Reply(body=ok(r)) for r in replies
        ]

    def answer_all(self, *replies: Reply) -> None:
        """Every request gets these replies in turn (e.g. a 503 outage)."""
        self.default = list(replies)

    # -- inspection ------------------------------------------------------
    @property
    def count(self) -> int:
        with self._lock:
            return len(self.seen)

    def times(self) -> list[float]:
        with self._lock:
            return [s.at for s in self.seen]

    def fingerprints(self) -> list[str]:
        with self._lock:
            return [s.fingerprint for s in self.seen]

    # -- serving ---------------------------------------------------------
    def reply_for(self, params: dict[str, str]) -> Reply:
        with self._lock:
            if params.get("client") not in self.keys:
                return Reply(status=400, body=error(4, "invalid API key"))
            if not params.get("fingerprint") or not params.get("duration", "").isdigit():
                return Reply(status=400, body=error(2, "missing required parameter"))
            queue = (
                self.default if self.default is not None else self.routes.get(params["fingerprint"])
            )
            if queue is None:
                return Reply(body=ok([]))
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def start(self) -> FakeAcoustID:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                self._answer("GET", urllib.parse.urlsplit(self.path).query)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._answer("POST", self.rfile.read(length).decode("ascii", "replace"))

            def _answer(self, method: str, form: str) -> None:
                params = {k: v[0] for k, v in urllib.parse.parse_qs(form).items()}
                seen = Seen(method, params, time.monotonic())
                with fake._lock:
                    fake.seen.append(seen)
                if urllib.parse.urlsplit(self.path).path != "/v2/lookup":
                    reply = Reply(status=404, body=error(1, "unknown path"))
                else:
                    reply = fake.reply_for(params)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body if isinstance(reply.body, bytes) else reply.body.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
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

    def __enter__(self) -> FakeAcoustID:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
