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
  timeouts) and :class:`BadResponse` (400, malformed or non-MusicBrainz XML).
"""

from __future__ import annotations

import email.utils
import re
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import musicbrainzngs
import musicbrainzngs.mbxml
import musicbrainzngs.musicbrainz as _mbz

from archiver import __version__
from archiver.catalog import musicbrainz as mbdb
from archiver.config import DEFAULT_CONTACT, DEFAULT_MUSICBRAINZ_URL

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

_TRANSIENT_HTTP = {429, 500, 502, 503, 504}
_LOCK = threading.RLock()  # musicbrainzngs keeps its settings in module globals
_STATE = threading.local()


class MusicBrainzError(Exception):
    """A request failed; the message is one line, fit for a per-album error."""


class ServiceError(MusicBrainzError):
    """The server could not be reached or kept failing (5xx, timeouts, refused)."""


class BadResponse(MusicBrainzError):
    """The server answered something we cannot use (400, malformed or foreign XML)."""


class OfflineMiss(MusicBrainzError):
    """``--offline`` and the response is not in the cache."""


def _timeout_opener_read(opener, req, body=None, max_retries=8, retry_delay_delta=2.0):
    """Replacement for musicbrainzngs' ``_safe_read``: one attempt, with a timeout."""
    timeout = getattr(_STATE, "timeout", None)
    return _ORIGINAL_SAFE_READ(
        _TimeoutOpener(opener, timeout), req, body, max_retries=1, retry_delay_delta=0.0
    )


class _TimeoutOpener:
    """Wraps the urllib opener musicbrainzngs builds so ``open`` gets a timeout."""

    def __init__(self, opener: Any, timeout: float | None) -> None:
        self._opener = opener
        self._timeout = timeout

    def open(self, req: Any, data: Any = None) -> Any:
        if self._timeout is None:
            return self._opener.open(req, data)
        return self._opener.open(req, data, timeout=self._timeout)


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
    timeout: float = 30.0
    max_attempts: int = 4
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
                return 200, _decode(raw)
            except musicbrainzngs.ResponseError as exc:
                code = _http_code(exc)
                if code == 404:
                    return 404, ""
                if code is None:
                    raise BadResponse(f"{key}: unreadable response ({_cause_text(exc)})") from exc
                raise BadResponse(f"{key}: HTTP {code} ({_cause_text(exc)})") from exc
            except musicbrainzngs.AuthenticationError as exc:
                raise BadResponse(f"{key}: HTTP 401 (authentication required)") from exc
            except musicbrainzngs.NetworkError as exc:
                reason = _network_reason(exc)
                code = _http_code(exc)
                if code is not None and code not in _TRANSIENT_HTTP:
                    raise BadResponse(f"{key}: HTTP {code}") from exc
                if attempt >= s.max_attempts:
                    raise ServiceError(
                        f"{key}: {reason} (gave up after {attempt} attempts)"
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

    def _configure(self) -> None:
        """Set musicbrainzngs' module globals for this client (under _LOCK)."""
        musicbrainzngs.set_useragent("archiver", __version__, self.settings.contact)
        musicbrainzngs.set_hostname(self.host, use_https=self.use_https)
        musicbrainzngs.set_rate_limit(False)
        if _mbz.ws_format != "xml":
            musicbrainzngs.set_format("xml")
        musicbrainzngs.set_parser(_mbz.mb_parser_null)
        _STATE.timeout = self.settings.timeout


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
    headers = getattr(exc.cause, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None
