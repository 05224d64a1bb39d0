"""The AcoustID web service (v2 lookup): fingerprints -> MusicBrainz recording ids.

Used by ``archiver enrich --acoustid`` for files that their tags do not match.
What this module adds over a bare HTTP call:

- the request: ``POST {server}/v2/lookup`` with the form fields ``client`` (the
  API key), ``duration`` (whole seconds), ``fingerprint`` (the compressed base64
  text fpcalc prints) and ``meta=recordings releasegroups compress`` (AcoustID
  prefers POST: fingerprints are kilobytes long);
- our own throttle: at most 3 requests per second (AcoustID's published rule),
  shared by every client of the same server in the process;
- a deadline for the whole request (connect, headers, body): a watchdog shuts the
  socket down when it passes, so a server dripping bytes cannot hold a request;
- a cap on the body size, read in chunks;
- retries with backoff for 5xx, 429, AcoustID's own "too many requests" /
  "service unavailable" / "internal error" codes, timeouts and refused or reset
  connections (``Retry-After`` honoured), a bounded number of attempts;
- fail fast: after ``max_connection_failures`` connection failures in a row
  (refused, reset, timed out) the server is declared unreachable
  (:class:`AcoustIDUnavailable`), for the rest of the run;
- an invalid API key (AcoustID error code 4) is :class:`AcoustIDKeyError`;
- answers with ``"status": "ok"`` are cached in the catalog (``acoustid_cache``)
  by fingerprint hash and duration, so a re-run makes no request.

Parsing and the choice of recordings are pure functions (:func:`parse_lookup`,
:func:`select_recordings`, :func:`best_recording`).
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import io
import json
import math
import socket
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from archiver import __version__
from archiver.catalog import acoustid as aciddb
from archiver.errors import ArchiverError
from archiver.musicbrainz.client import shared_throttle

DEFAULT_ACOUSTID_URL = "https://api.acoustid.org"
KEY_ENV = "ARCHIVER_ACOUSTID_KEY"
INTERVAL = 1.0 / 3.0  # seconds between requests: acoustid.org allows 3 per second
META = "recordings releasegroups compress"
# A recording is taken from results scoring at least this much (AcoustID scores
# how well the fingerprint matches the one it stored, 0..1). Real matches of the
# same recording score above 0.9; below 0.8 lies the region where different
# recordings of a song, or songs sharing an intro, start to appear.
SCORE_THRESHOLD = 0.80
# Lookup answers are small (a few kB; a hit with every release group of a much
# re-released song stays well under 1 MB); anything larger is refused.
MAX_RESPONSE_BYTES = 8 * 2**20
READ_CHUNK = 1 << 16

# AcoustID's error codes (``{"status": "error", "error": {"code": N, ...}}``).
ERROR_INVALID_FINGERPRINT = 3
ERROR_INVALID_API_KEY = 4
ERROR_INTERNAL = 5
ERROR_SERVICE_UNAVAILABLE = 13
ERROR_TOO_MANY_REQUESTS = 14
_TRANSIENT_CODES = {ERROR_INTERNAL, ERROR_SERVICE_UNAVAILABLE, ERROR_TOO_MANY_REQUESTS}
_TRANSIENT_HTTP = {429, 500, 502, 503, 504}


class AcoustIDError(ArchiverError):
    """One lookup failed; the message is one line. The run goes on."""


class AcoustIDFatal(AcoustIDError):
    """No lookup can succeed (bad key, unreachable server): the run must stop."""


class AcoustIDKeyError(AcoustIDFatal):
    """AcoustID rejected the API key."""


class AcoustIDUnavailable(AcoustIDFatal):
    """The server could not be reached several times in a row."""


class AcoustIDOfflineMiss(AcoustIDError):
    """``--offline`` and the answer is not in the cache."""


# -- parsing and choosing (pure) ----------------------------------------------


@dataclass(frozen=True)
class RecordingHint:
    """A recording an AcoustID result links to, with what AcoustID says of it."""

    mbid: str
    score: float  # the score of the result (fingerprint match) it came from
    title: str | None = None
    artist: str | None = None
    duration: float | None = None  # seconds


@dataclass(frozen=True)
class LookupResult:
    acoustid: str
    score: float
    recordings: tuple[RecordingHint, ...] = ()


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _artist_phrase(artists: object) -> str | None:
    """AcoustID's ``artists`` list -> "A feat. B" (names joined with their joinphrase)."""
    if not isinstance(artists, list):
        return None
    parts: list[str] = []
    for artist in artists:
        if isinstance(artist, dict) and (name := _text(artist.get("name"))):
            parts.append(name)
            join = artist.get("joinphrase")
            if isinstance(join, str) and join:
                parts.append(join)
    return "".join(parts).strip() or None


def parse_lookup(body: str) -> list[LookupResult]:
    """A lookup answer -> its results. Raises :class:`AcoustIDError` (or
    :class:`AcoustIDKeyError`) for an error answer or a body we cannot use."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise AcoustIDError(f"not an AcoustID answer (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("status") not in ("ok", "error"):
        raise AcoustIDError("not an AcoustID answer (no status)")
    if data["status"] == "error":
        raise answer_error(data)
    results = data.get("results", [])
    if not isinstance(results, list):
        raise AcoustIDError("not an AcoustID answer (results is not a list)")
    parsed: list[LookupResult] = []
    for item in results:
        if not isinstance(item, dict):
            continue
        score = _number(item.get("score"))
        if score is None:
            continue
        recordings = []
        for rec in item.get("recordings") or []:
            if not isinstance(rec, dict) or not (mbid := _text(rec.get("id"))):
                continue
            recordings.append(
                RecordingHint(
                    mbid=mbid,
                    score=score,
                    title=_text(rec.get("title")),
                    artist=_artist_phrase(rec.get("artists")),
                    duration=_number(rec.get("duration")),
                )
            )
        parsed.append(LookupResult(str(item.get("id") or ""), score, tuple(recordings)))
    return parsed


def answer_error(data: dict) -> AcoustIDError:
    """The exception for a ``"status": "error"`` answer."""
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    message = " ".join(str(error.get("message") or "no message").split())[:200]
    if code == ERROR_INVALID_API_KEY:
        return AcoustIDKeyError(
            f"AcoustID rejected the API key ({message}); check {KEY_ENV} or --acoustid-key "
            "(get a key at https://acoustid.org/new-application)"
        )
    return AcoustIDError(f"AcoustID error {code if code is not None else '?'}: {message}")


def select_recordings(
    results: Sequence[LookupResult], threshold: float = SCORE_THRESHOLD
) -> list[RecordingHint]:
    """The recordings of results scoring at least ``threshold``, each once (with its
    best score), best first; ties by id so the choice is the same on every run."""
    best: dict[str, RecordingHint] = {}
    for result in results:
        if result.score < threshold:
            continue
        for rec in result.recordings:
            kept = best.get(rec.mbid)
            if kept is None or rec.score > kept.score:
                best[rec.mbid] = rec
    return sorted(best.values(), key=lambda r: (-r.score, r.mbid))


def best_recording(
    candidates: Sequence[RecordingHint], duration: float | None, title: str | None = None
) -> RecordingHint | None:
    """The recording to use for a file: the best-scoring ones, then the one whose
    length (and title, when the file has one) fits the file best.

    One fingerprint often links to several MusicBrainz recordings of the same
    audio (album track, single, compilation); any of them leads to the right
    releases, and the length breaks the tie between edits.
    """
    if not candidates:
        return None
    from archiver.musicbrainz.match import length_penalty, similarity

    top = max(c.score for c in candidates)
    tied = [c for c in candidates if top - c.score < 1e-9]

    def fit(c: RecordingHint) -> tuple[float, float, str]:
        length = length_penalty(duration, c.duration)
        sim = similarity(title, c.title)
        return (
            length if length is not None else 0.5,
            1.0 - sim if sim is not None else 0.5,
            c.mbid,
        )

    return min(tied, key=fit)


# -- the client -----------------------------------------------------------------


@dataclass
class AcoustIDSettings:
    key: str
    server: str = DEFAULT_ACOUSTID_URL
    contact: str = ""
    timeout: float = 30.0  # a deadline per request: connect, headers and body
    max_response_bytes: int = MAX_RESPONSE_BYTES
    max_attempts: int = 4
    backoff: float = 1.0  # first retry delay; doubles each time
    max_backoff: float = 30.0
    max_connection_failures: int = 3  # in a row: then the server is unreachable
    offline: bool = False
    refresh: bool = False


@dataclass
class AcoustIDStats:
    requests: int = 0  # HTTP requests sent (retries included)
    cache_hits: int = 0
    retries: int = 0


def parse_acoustid_server(url: str) -> tuple[str, str, int, bool]:
    """``https://host:port`` -> (netloc, host, port, use_https). Raises ValueError."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r} (e.g. https://api.acoustid.org)")
    if parts.path not in ("", "/"):
        raise ValueError(f"give the server without a path: {url!r} (the client adds /v2/lookup)")
    https = parts.scheme == "https"
    try:
        port = parts.port or (443 if https else 80)
    except ValueError as exc:
        raise ValueError(f"bad port in {url!r}: {exc}") from None
    return parts.netloc, parts.hostname, port, https


class _Transient(Exception):
    """A failure worth retrying; ``connection`` when no HTTP answer came at all."""

    def __init__(
        self, reason: str, *, connection: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.connection = connection
        self.retry_after = retry_after


class AcoustIDClient:
    """Fingerprint lookups, each answered from the cache or one polite request.

    ``conn`` is the catalog connection holding ``acoustid_cache`` (autocommit:
    answers are kept as they arrive).
    """

    def __init__(
        self,
        conn: sqlite3.Connection | None,
        settings: AcoustIDSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.netloc, self.host, self.port, self.use_https = parse_acoustid_server(settings.server)
        self.conn = conn
        self.throttle = shared_throttle("acoustid:" + self.netloc, INTERVAL)
        self.stats = AcoustIDStats()
        self._sleep = sleep
        self._connection_failures = 0
        # Lookups that failed in this run (not cached, asked again by the next run).
        self._failed: dict[tuple[str, int], AcoustIDError] = {}
        self._fetched: set[tuple[str, int]] = set()  # answered in this run

    def is_cached(self, fingerprint: str, duration: float) -> bool:
        """True when :meth:`lookup` would answer without a request."""
        key = (fingerprint, _seconds(duration))
        if key in self._failed or key in self._fetched:
            return True
        return (
            self.conn is not None
            and not self.settings.refresh
            and aciddb.cache_get(self.conn, fingerprint, key[1]) is not None
        )

    def lookup(self, fingerprint: str, duration: float) -> list[LookupResult]:
        """The results for one fingerprint of a file lasting ``duration`` seconds."""
        seconds = _seconds(duration)
        s = self.settings
        fresh = (fingerprint, seconds) in self._fetched  # --refresh: asked in this run
        if (not s.refresh or fresh) and self.conn is not None:
            cached = aciddb.cache_get(self.conn, fingerprint, seconds)
            if cached is not None:
                self.stats.cache_hits += 1
                return parse_lookup(cached)
        if s.offline:
            raise AcoustIDOfflineMiss("AcoustID answer not in the cache (offline)")
        failed = self._failed.get((fingerprint, seconds))
        if failed is not None:  # asked in this run already: the same answer, no request
            raise failed
        try:
            body = self._fetch(fingerprint, seconds)
            results = parse_lookup(body)  # raises for error answers: those are never cached
        except AcoustIDFatal:
            raise
        except AcoustIDError as exc:
            self._failed[(fingerprint, seconds)] = exc
            raise
        if self.conn is not None:
            aciddb.cache_put(self.conn, fingerprint, seconds, body)
            self._fetched.add((fingerprint, seconds))
        return results

    # -- internals --------------------------------------------------------

    def _fetch(self, fingerprint: str, seconds: int) -> str:
        """The body of an ``ok`` (or non-transient error) answer, retrying the rest."""
        s = self.settings
        form = urllib.parse.urlencode(
            {
                "client": s.key,
                "duration": str(seconds),
                "fingerprint": fingerprint,
                "meta": META,
                "format": "json",
            }
        ).encode("ascii")
        attempt = 0
        while True:
            attempt += 1
            self.throttle.wait(self._sleep)
            self.stats.requests += 1
            try:
                status, body = self._post(form)
                self._connection_failures = 0
                return self._accept(status, body)
            except _Transient as exc:
                if exc.connection:
                    self._connection_failures += 1
                    if self._connection_failures >= s.max_connection_failures:
                        raise AcoustIDUnavailable(
                            f"AcoustID server {s.server} unreachable ({exc}, "
                            f"{self._connection_failures} times in a row)"
                        ) from None
                else:
                    self._connection_failures = 0
                if attempt >= s.max_attempts:
                    raise AcoustIDError(
                        f"AcoustID: {exc} (gave up after {attempt} attempt"
                        f"{'s' if attempt != 1 else ''})"
                    ) from None
                delay = min(s.max_backoff, s.backoff * (2 ** (attempt - 1)))
                if exc.retry_after is not None:
                    delay = min(s.max_backoff, max(delay, exc.retry_after))
                self.stats.retries += 1
                if delay > 0:
                    self._sleep(delay)

    def _accept(self, status: int, body: str) -> str:
        """Sort an HTTP answer: the body to parse, a retry, or an error."""
        data = None
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            pass
        if isinstance(data, dict) and data.get("status") == "error":
            error = answer_error(data)
            code = data["error"].get("code") if isinstance(data.get("error"), dict) else None
            if isinstance(error, AcoustIDKeyError):
                raise error
            if code in _TRANSIENT_CODES or status in _TRANSIENT_HTTP:
                raise _Transient(str(error))
            raise error
        if status in _TRANSIENT_HTTP:
            raise _Transient(f"HTTP {status}")
        if status != 200:
            raise AcoustIDError(f"AcoustID: HTTP {status}")
        return body

    def _post(self, form: bytes) -> tuple[int, str]:
        """One HTTP request within the deadline: (status, body text)."""
        s = self.settings
        cls = http.client.HTTPSConnection if self.use_https else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=s.timeout)
        expired = threading.Event()

        def watchdog() -> None:
            expired.set()
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        timer = threading.Timer(s.timeout, watchdog)
        timer.daemon = True
        timer.start()
        try:
            conn.request(
                "POST",
                "/v2/lookup",
                body=form,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": _user_agent(s.contact),
                    "Accept-Encoding": "gzip",
                },
            )
            response = conn.getresponse()
            raw = self._read_capped(response)
            if (response.getheader("Content-Encoding") or "").lower() == "gzip":
                raw = _gunzip(raw, s.max_response_bytes)
            if expired.is_set():
                raise TimeoutError
            status = response.status
            if status in _TRANSIENT_HTTP and not _is_error_json(raw):
                raise _Transient(
                    f"HTTP {status}", retry_after=_retry_after(response.getheader("Retry-After"))
                )
            return status, raw.decode("utf-8", errors="replace")
        except _Transient:
            raise
        except AcoustIDError:
            raise
        except TimeoutError:
            raise _Transient(f"no answer within {s.timeout:g} s", connection=True) from None
        except ConnectionRefusedError:
            raise _Transient("connection refused", connection=True) from None
        except (http.client.HTTPException, OSError) as exc:
            if expired.is_set():
                raise _Transient(f"no answer within {s.timeout:g} s", connection=True) from None
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise _Transient(f"network error ({reason})", connection=True) from None
        finally:
            timer.cancel()
            conn.close()

    def _read_capped(self, response: http.client.HTTPResponse) -> bytes:
        limit = self.settings.max_response_bytes
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise AcoustIDError(_too_large(limit, f"{declared} bytes announced"))
        chunks, total = [], 0
        while True:
            chunk = response.read(min(READ_CHUNK, limit + 1 - total))
            if not chunk:
                if isinstance(response.length, int) and response.length > 0:
                    raise http.client.IncompleteRead(b"".join(chunks), response.length)
                return b"".join(chunks)
            total += len(chunk)
            if total > limit:
                raise AcoustIDError(_too_large(limit, "more was sent"))
            chunks.append(chunk)


def _seconds(duration: float) -> int:
    """AcoustID takes whole seconds."""
    return max(1, int(round(duration)))


def _user_agent(contact: str) -> str:
    return f"archiver/{__version__}" + (f" ( {contact} )" if contact else "")


def _is_error_json(raw: bytes) -> bool:
    return raw.lstrip().startswith(b"{") and b'"status"' in raw[:4096]


def _gunzip(raw: bytes, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
            out = f.read(limit + 1)
    except (OSError, EOFError) as exc:
        raise AcoustIDError(f"AcoustID: bad gzip body ({exc})") from None
    if len(out) > limit:
        raise AcoustIDError(_too_large(limit, "after decompression"))
    return out


def _too_large(limit: int, what: str) -> str:
    return (
        f"AcoustID: response larger than the {limit / 2**20:g} MiB cap ({what}); "
        "not used, not cached"
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds the server asked us to wait; None when absent or unparseable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None
