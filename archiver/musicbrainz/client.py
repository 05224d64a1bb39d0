"""The one adapter over musicbrainzngs: polite, bounded, cached.

Nothing else in archiver imports musicbrainzngs. What this module adds:

- the user agent ``archiver/<version> ( <contact> )`` and the server, with
  ``use_https`` always passed explicitly (musicbrainzngs defaults it to False);
- our own throttle on a monotonic clock (musicbrainzngs' limiter is disabled:
  it sleeps the wrong amount, upstream issue #294);
- a socket timeout on every request: musicbrainzngs opens URLs without one,
  so we wrap the opener it builds and pass ``timeout=`` to ``opener.open``;
- one HTTP attempt per musicbrainzngs call: its ``_safe_read`` retries 5xx up
  to 8 times with growing sleeps (~56 s) and ignores ``Retry-After``. We
  replace the module attribute with a wrapper that calls the original with
  ``max_retries=1``; our own loop retries 5xx/429/timeouts/refused with
  exponential backoff (honouring ``Retry-After``) and a bounded attempt count;
- raw bodies: the parser is set to return the XML bytes untouched, so every
  response is cached verbatim in the catalog (``mb_cache``) and parsed by
  ``mbxml.parse_message`` here; a 404 is cached as "not found";
- errors mapped to :class:`ServiceError` (server unreachable, persistent 5xx,
  timeouts) and :class:`BadResponse` (400, malformed or non-MusicBrainz XML);
  a few attempts in a row that never reach the server (refused, DNS, timeouts)
  raise :class:`ServerUnreachable`, which stops a run instead of failing each album.
"""

from __future__ import annotations

import email.utils
import http.client
import io
import math
import re
import socket
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import musicbrainzngs
import musicbrainzngs.mbxml
import musicbrainzngs.musicbrainz as _mbz

from archiver import __version__
from archiver.catalog import musicbrainz as mbdb
from archiver.config import DEFAULT_CONTACT, DEFAULT_MUSICBRAINZ_URL
from archiver.errors import ArchiverError

MB_NAMESPACE = "http://musicbrainz.org/ns/mmd-2.0#"
OFFICIAL_HOST = "musicbrainz.org"
OFFICIAL_INTERVAL = 1.0  # seconds between requests: musicbrainz.org's published rule

# One release lookup carries everything we store (all accepted by 0.7.1's
# client-side include check for releases).
RELEASE_INCLUDES = (
    "recordings",
    "artist-credits",
    "isrcs",
    "labels",
    "release-groups",
    "recording-level-rels",
    "artist-rels",
    "work-rels",
    "work-level-rels",
)
# A recording lookup for a loose track: credits, ISRCs and its releases.
RECORDING_INCLUDES = (
    "artist-credits",
    "isrcs",
    "releases",
    "artist-rels",
    "work-rels",
    "work-level-rels",
)
# Finding the release of a tagged recording or ISRC: just its releases.
RECORDING_RELEASES_INCLUDES = ("releases",)
ISRC_INCLUDES = ("releases",)  # `artist-credits` is rejected client-side for ISRCs
# Every edition of a release group with its tracklist in one request (editions
# left close by clues and preferences); recording-level relations (credits) are
# not available on a browse, so the edition kept still gets one release lookup.
BROWSE_INCLUDES = ("recordings", "artist-credits", "labels", "release-groups", "isrcs")

# The largest body accepted. Real ws/2 answers are far smaller (a release lookup
# with every include we ask for, recording-level relations too, is under 2 MB even
# for big box sets); a larger one is a broken or hostile server, refused before it
# can fill memory. Read in chunks of READ_CHUNK.
MAX_RESPONSE_BYTES = 16 * 2**20
READ_CHUNK = 1 << 16

_TRANSIENT_HTTP = {429, 500, 502, 503, 504}
_LOCK = threading.RLock()  # musicbrainzngs keeps its settings in module globals
_STATE = threading.local()


class MusicBrainzError(ArchiverError):
    """A request failed; the message is one line, fit for a per-album error."""


class ServiceError(MusicBrainzError):
    """The server could not be reached or kept failing (5xx, timeouts, refused)."""


class ServerUnreachable(ServiceError):
    """Several requests in a row never reached the server (refused, DNS, timeouts,
    resets; not 5xx answers): the run should stop, not fail every album slowly.
    The message is one line naming the server."""


class BadResponse(MusicBrainzError):
    """The server answered something we cannot use (400, malformed or foreign XML)."""


class OfflineMiss(MusicBrainzError):
    """``--offline`` and the response is not in the cache."""


def _timeout_opener_read(opener, req, body=None, max_retries=8, retry_delay_delta=2.0):
    """Replacement for musicbrainzngs' ``_safe_read``: one attempt, with a deadline
    and a size cap."""
    timeout = getattr(_STATE, "timeout", None)
    limit = getattr(_STATE, "max_response_bytes", MAX_RESPONSE_BYTES)
    return _ORIGINAL_SAFE_READ(
        _TimeoutOpener(opener, timeout, limit), req, body, max_retries=1, retry_delay_delta=0.0
    )


class ResponseTooLarge(Exception):
    """The body is over the size cap (not an OSError: ``_safe_read`` lets it through)."""


class _Deadline:
    """The instant a request must be done by (monotonic clock)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; TimeoutError (which ``_safe_read`` treats as a timeout) when none."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")
        return left


class _DeadlineIO(socket.SocketIO):
    """The socket reader of one response: every receive waits at most until the
    deadline, so a server dripping a byte at a time (headers or body) cannot hold
    the request past it, although no single read ever times out."""

    def __init__(self, sock: socket.socket, deadline: _Deadline, per_read: float) -> None:
        super().__init__(sock, "rb")
        self._deadline = deadline
        self._per_read = per_read

    def readinto(self, b: Any) -> int:
        self._sock.settimeout(min(self._per_read, self._deadline.remaining()))
        return super().readinto(b)


class _DeadlineSocket:
    """A connected socket whose ``makefile`` (what http.client reads responses
    through) gives a :class:`_DeadlineIO`; everything else goes to the socket."""

    def __init__(self, sock: socket.socket, deadline: _Deadline, per_read: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._per_read = per_read

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> Any:
        raw = _DeadlineIO(self._sock, self._deadline, self._per_read)
        self._sock._io_refs += 1  # as socket.makefile does: close() waits for the reader
        return io.BufferedReader(raw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _DeadlineConnection:
    """Mixin for http.client connections: connect within the deadline, then read
    through :class:`_DeadlineSocket`."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def connect(self) -> None:
        per_read = self.timeout if isinstance(self.timeout, int | float) else self._deadline.seconds
        self.timeout = min(per_read, self._deadline.remaining())
        super().connect()
        self.sock = _DeadlineSocket(self.sock, self._deadline, per_read)


class _DeadlineHTTPConnection(_DeadlineConnection, http.client.HTTPConnection):
    pass


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    handler_order = 499  # before the opener's own HTTPHandler (500)

    def __init__(self, owner: _TimeoutOpener) -> None:
        super().__init__()
        self._owner = owner

    def http_open(self, req: Any) -> Any:
        return self.do_open(_DeadlineHTTPConnection, req, deadline=self._owner.deadline)


_HANDLERS: list[type] = [_DeadlineHTTPHandler]

if hasattr(http.client, "HTTPSConnection") and hasattr(urllib.request, "HTTPSHandler"):

    class _DeadlineHTTPSConnection(_DeadlineConnection, http.client.HTTPSConnection):
        pass

    class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
        handler_order = 499

        def __init__(self, owner: _TimeoutOpener) -> None:
            super().__init__()
            self._owner = owner

        def https_open(self, req: Any) -> Any:
            extra: dict[str, Any] = {"context": getattr(self, "_context", None)}
            if getattr(self, "_check_hostname", None) is not None:
                extra["check_hostname"] = self._check_hostname
            return self.do_open(
                _DeadlineHTTPSConnection, req, deadline=self._owner.deadline, **extra
            )

    _HANDLERS.append(_DeadlineHTTPSHandler)


class _TimeoutOpener:
    """Wraps the urllib opener musicbrainzngs builds: ``open`` gets a timeout that is
    a deadline for the whole request (connect, headers, body), and the body is read
    under a size cap."""

    def __init__(self, opener: Any, timeout: float | None, limit: int | None = None) -> None:
        self._opener = opener
        self._timeout = timeout
        self._limit = limit
        self.deadline: _Deadline | None = None
        if timeout is not None:
            for handler in _HANDLERS:
                opener.add_handler(handler(self))

    def open(self, req: Any, data: Any = None) -> Any:
        if self._timeout is None:
            response = self._opener.open(req, data)
        else:
            self.deadline = _Deadline(self._timeout)
            response = self._opener.open(req, data, timeout=self._timeout)
        return _CappedResponse(response, self._limit)


class _CappedResponse:
    """The response as ``_safe_read`` sees it: ``read()`` returns the whole body, or
    raises :class:`ResponseTooLarge` past ``limit`` bytes (reading in chunks, so an
    endless answer never sits in memory)."""

    def __init__(self, response: Any, limit: int | None) -> None:
        self._response = response
        self._limit = limit

    def read(self, amt: int | None = None) -> bytes:
        limit = self._limit
        if amt is not None or limit is None:
            return self._response.read(amt)
        try:
            declared = int(self._response.headers.get("Content-Length") or -1)
        except (AttributeError, TypeError, ValueError):
            declared = -1
        if declared > limit:
            self._response.close()
            raise ResponseTooLarge(_too_large(limit, f"{declared} bytes announced"))
        chunks, total = [], 0
        while True:
            chunk = self._response.read(min(READ_CHUNK, limit + 1 - total))
            if not chunk:
                body = b"".join(chunks)
                short = getattr(self._response, "length", None)
                if isinstance(short, int) and short > 0:
                    # read(n) returns b"" at a premature end, where read() raises:
                    # a truncated answer stays an error (retried, never cached)
                    raise http.client.IncompleteRead(body, short)
                return body
            total += len(chunk)
            if total > limit:
                self._response.close()
                raise ResponseTooLarge(_too_large(limit, "more was sent"))
            chunks.append(chunk)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)


def _too_large(limit: int, what: str) -> str:
    return f"response larger than the {limit / 2**20:g} MiB cap ({what}); not used, not cached"


_ORIGINAL_SAFE_READ = _mbz._safe_read
if getattr(_mbz._safe_read, "__name__", "") != "_timeout_opener_read":
    _mbz._safe_read = _timeout_opener_read


class Throttle:
    """At most one request per ``interval`` seconds (monotonic clock); 0 disables."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = max(0.0, interval)
        self._clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None] = time.sleep) -> None:
        with self._lock:
            if self.interval > 0 and self._last is not None:
                delay = self._last + self.interval - self._clock()
                while delay > 0:
                    sleep(delay)
                    delay = self._last + self.interval - self._clock()
            self._last = self._clock()


_THROTTLES: dict[str, Throttle] = {}


def shared_throttle(host: str, interval: float) -> Throttle:
    """One throttle per server per process, so several clients (CLI, TUI
    workers) together stay within the interval; the newest interval wins."""
    with _LOCK:
        throttle = _THROTTLES.get(host)
        if throttle is None:
            throttle = _THROTTLES[host] = Throttle(interval)
        throttle.interval = max(0.0, interval)
        return throttle


@dataclass
class ClientSettings:
    """How to talk to MusicBrainz. ``rate_limit`` None means the default:
    1 s for musicbrainz.org (never less there), none for other servers."""

    server: str = DEFAULT_MUSICBRAINZ_URL
    contact: str = DEFAULT_CONTACT
    rate_limit: float | None = None
    timeout: float = 30.0  # a deadline per HTTP request: connect, headers and body
    max_response_bytes: int = MAX_RESPONSE_BYTES
    max_attempts: int = 4
    # Attempts in a row, across requests, that never reached the server before
    # ServerUnreachable: refused connections fail in about 3 s (1 + 2 s backoff).
    max_connection_failures: int = 3
    backoff: float = 1.0  # first retry delay; doubles each time
    max_backoff: float = 30.0
    offline: bool = False
    refresh: bool = False


def parse_server(url: str) -> tuple[str, bool]:
    """``https://host:port`` -> (``host:port``, use_https). Raises ValueError."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r} (e.g. https://musicbrainz.org)")
    if parts.path not in ("", "/"):
        raise ValueError(f"give the server without a path: {url!r} (the client adds /ws/2)")
    return parts.netloc, parts.scheme == "https"


def is_official(host: str) -> bool:
    name = host.rsplit(":", 1)[0].lower()
    return name == OFFICIAL_HOST or name.endswith("." + OFFICIAL_HOST)


def effective_interval(host: str, rate_limit: float | None) -> float:
    """The throttle interval: musicbrainz.org never gets more than 1 request/s."""
    if is_official(host):
        return max(OFFICIAL_INTERVAL, rate_limit or 0.0)
    return 0.0 if rate_limit is None else max(0.0, rate_limit)


@dataclass
class ClientStats:
    requests: int = 0  # HTTP requests sent (retries included)
    cache_hits: int = 0
    retries: int = 0


class Client:
    """Lookups and searches, each answered from the cache or one polite request.

    ``conn`` is the catalog connection used for ``mb_cache`` (the caller's
    writer connection; cache rows are written at once, outside album
    transactions when autocommit, so an interrupted run keeps them).
    """

    def __init__(
        self,
        conn: sqlite3.Connection | None,
        settings: ClientSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or ClientSettings()
        self.host, self.use_https = parse_server(self.settings.server)
        self.conn = conn
        self.throttle = shared_throttle(
            self.host, effective_interval(self.host, self.settings.rate_limit)
        )
        self.stats = ClientStats()
        self._sleep = sleep
        self._connection_failures = 0  # consecutive attempts that never reached the server

    # -- public API -------------------------------------------------------

    def lookup(self, entity: str, mbid: str, includes: tuple[str, ...] = ()) -> dict | None:
        """``/ws/2/<entity>/<mbid>?inc=...`` parsed; None when MusicBrainz says 404."""
        key = f"{entity}/{mbid}" + (f"?inc={'+'.join(includes)}" if includes else "")
        if entity == "release":
            call = lambda: musicbrainzngs.get_release_by_id(mbid, includes=list(includes))  # noqa: E731
        elif entity == "recording":
            call = lambda: musicbrainzngs.get_recording_by_id(mbid, includes=list(includes))  # noqa: E731
        else:
            raise ValueError(f"unsupported entity {entity!r}")
        return self._get(key, call, expect=entity)

    def isrc(self, isrc: str, includes: tuple[str, ...] = ISRC_INCLUDES) -> dict | None:
        """``/ws/2/isrc/<isrc>``: the recordings carrying this ISRC; None on 404."""
        key = f"isrc/{isrc}" + (f"?inc={'+'.join(includes)}" if includes else "")
        call = lambda: musicbrainzngs.get_recordings_by_isrc(isrc, includes=list(includes))  # noqa: E731
        return self._get(key, call, expect="isrc")

    def search(self, entity: str, query: str, limit: int = 10) -> dict:
        """A raw Lucene search (no keyword mangling); an empty list on 404."""
        key = f"{entity}?query={query}&limit={limit}"
        if entity == "release":
            call = lambda: musicbrainzngs.search_releases(query, limit=limit)  # noqa: E731
        elif entity == "recording":
            call = lambda: musicbrainzngs.search_recordings(query, limit=limit)  # noqa: E731
        else:
            raise ValueError(f"unsupported entity {entity!r}")
        return self._get(key, call, expect=f"{entity}-list") or {f"{entity}-list": []}

    def browse_releases(
        self, release_group: str, includes: tuple[str, ...] = BROWSE_INCLUDES, limit: int = 25
    ) -> dict | None:
        """``/ws/2/release?release-group=<mbid>&inc=...``: the group's releases
        (one page); None on 404."""
        key = f"release?release-group={release_group}&inc={'+'.join(includes)}&limit={limit}"
        call = lambda: musicbrainzngs.browse_releases(  # noqa: E731
            release_group=release_group, includes=list(includes), limit=limit
        )
        return self._get(key, call, expect="release-list")

    # -- internals --------------------------------------------------------

    def _get(self, key: str, call: Callable[[], Any], *, expect: str) -> dict | None:
        s = self.settings
        if not s.refresh and self.conn is not None:
            cached = mbdb.cache_get(self.conn, key)
            if cached is not None:
                self.stats.cache_hits += 1
                status, body = cached
                return None if status == 404 else parse_body(body or "", expect)
        if s.offline:
            raise OfflineMiss(f"not in the cache (offline): {key}")
        status, body = self._fetch(key, call)
        parsed = None if status == 404 else parse_body(body, expect)
        if self.conn is not None:
            mbdb.cache_put(self.conn, key, status, body if status != 404 else None)
        return parsed

    def _fetch(self, key: str, call: Callable[[], Any]) -> tuple[int, str]:
        """(status, body) for one logical request, retrying transient failures."""
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            self.throttle.wait(self._sleep)
            self.stats.requests += 1
            try:
                with _LOCK:
                    self._configure()
                    raw = call()
                self._connection_failures = 0
                return 200, _decode(raw)
            except musicbrainzngs.ResponseError as exc:
                self._connection_failures = 0
                code = _http_code(exc)
                if code == 404:
                    return 404, ""
                if code is None:
                    raise BadResponse(f"{key}: unreadable response ({_cause_text(exc)})") from exc
                raise BadResponse(f"{key}: HTTP {code} ({_cause_text(exc)})") from exc
            except ResponseTooLarge as exc:  # not retried: the server would say it again
                raise BadResponse(f"{key}: {exc}") from exc
            except musicbrainzngs.AuthenticationError as exc:
                raise BadResponse(f"{key}: HTTP 401 (authentication required)") from exc
            except musicbrainzngs.NetworkError as exc:
                reason = _network_reason(exc)
                code = _http_code(exc)
                self._count_connection_failure(exc, reason)
                if code is not None and code not in _TRANSIENT_HTTP:
                    raise BadResponse(f"{key}: HTTP {code}") from exc
                if attempt >= s.max_attempts:
                    raise ServiceError(
                        f"{key}: {reason} (gave up after {attempt} attempt{'s' if attempt != 1 else ''})"
                    ) from exc
                delay = min(s.max_backoff, s.backoff * (2 ** (attempt - 1)))
                retry_after = _retry_after(exc)
                if retry_after is not None:
                    delay = min(s.max_backoff, max(delay, retry_after))
                self.stats.retries += 1
                if delay > 0:
                    self._sleep(delay)
            except musicbrainzngs.MusicBrainzError as exc:  # UsageError and friends: a bug
                raise BadResponse(f"{key}: {exc}") from exc

    def _count_connection_failure(self, exc: musicbrainzngs.NetworkError, reason: str) -> None:
        """Count an attempt that never got an HTTP answer; any answer (a 503 too)
        resets the count. Raises ServerUnreachable at ``max_connection_failures``."""
        if _http_code(exc) is not None or isinstance(exc.cause, http.client.HTTPException):
            self._connection_failures = 0  # the server answered, if badly
            return
        self._connection_failures += 1
        limit = self.settings.max_connection_failures
        if limit and self._connection_failures >= limit:
            raise ServerUnreachable(
                f"cannot reach the MusicBrainz server {self.settings.server} ({reason}, "
                f"{self._connection_failures} attempts in a row)"
            ) from exc

    def _configure(self) -> None:
        """Set musicbrainzngs' module globals for this client (under _LOCK)."""
        musicbrainzngs.set_useragent("archiver", __version__, self.settings.contact)
        musicbrainzngs.set_hostname(self.host, use_https=self.use_https)
        musicbrainzngs.set_rate_limit(False)
        if _mbz.ws_format != "xml":
            musicbrainzngs.set_format("xml")
        musicbrainzngs.set_parser(_mbz.mb_parser_null)
        _STATE.timeout = self.settings.timeout
        _STATE.max_response_bytes = self.settings.max_response_bytes


def parse_body(body: str, expect: str) -> dict:
    """Raw ws/2 XML -> musicbrainzngs dict; BadResponse unless it is MMD-2.0
    and carries the element we asked for."""
    head = body[:2000]
    if MB_NAMESPACE not in head:
        what = (
            "not XML"
            if not head.lstrip().startswith("<")
            else "XML without the MusicBrainz namespace"
        )
        raise BadResponse(f"not a MusicBrainz response ({what})")
    try:
        parsed = musicbrainzngs.mbxml.parse_message(body.encode("utf-8"))
    except Exception as exc:  # ParseError, ValueError: musicbrainzngs raises bare ones
        raise BadResponse(f"malformed MusicBrainz XML ({type(exc).__name__}: {exc})") from exc
    if expect not in parsed:
        raise BadResponse(f"MusicBrainz response without <{expect}>")
    return parsed


def _decode(raw: Any) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return str(raw)


def _http_code(exc: musicbrainzngs.WebServiceError) -> int | None:
    cause = exc.cause
    code = getattr(cause, "code", None)
    return code if isinstance(code, int) else None


def _cause_text(exc: musicbrainzngs.WebServiceError) -> str:
    cause = exc.cause
    text = str(cause) if cause is not None else str(exc.message or exc)
    return re.sub(r"\s+", " ", text).strip()[:200]


def _network_reason(exc: musicbrainzngs.NetworkError) -> str:
    cause = exc.cause
    code = _http_code(exc)
    if code is not None:
        return f"HTTP {code}"
    reason = getattr(cause, "reason", cause)  # URLError wraps the socket error
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError):
        return f"network error ({reason.strerror or reason})"
    if cause is None:
        return "connection reset"
    return f"network error ({_cause_text(exc)})"


def _retry_after(exc: musicbrainzngs.NetworkError) -> float | None:
    """Seconds the server asked us to wait (delta-seconds or an HTTP date); None when
    absent or unparseable (then the usual backoff applies). Never raises: the header
    comes from the server, whatever it says."""
    headers = getattr(exc.cause, "headers", None)
    try:
        value = headers.get("Retry-After") if headers is not None else None
    except Exception:
        return None
    if not value or not isinstance(value, str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            seconds = when.timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError, OSError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None
