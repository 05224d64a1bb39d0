"""The AcoustID client: parsing, the choice of recordings, and real HTTP against
our fake AcoustID server (cache, retries, errors, fail fast, size cap)."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator

import pytest

from archiver.catalog import acoustid as aciddb
from archiver.musicbrainz.acoustid import (
    SCORE_THRESHOLD,
    AcoustIDClient,
    AcoustIDError,
    AcoustIDKeyError,
    AcoustIDOfflineMiss,
    AcoustIDSettings,
    AcoustIDUnavailable,
    LookupResult,
    RecordingHint,
    best_recording,
    parse_acoustid_server,
    parse_lookup,
    select_recordings,
)
from tests.musicbrainz.fake_acoustid import VALID_KEY, FakeAcoustID, Reply, error, ok, result

REC_A = "aaaa0000-0000-4000-8000-000000000001"
REC_B = "bbbb0000-0000-4000-8000-000000000002"
REC_C = "cccc0000-0000-4000-8000-000000000003"


@pytest.fixture
def fake_acoustid() -> Iterator[FakeAcoustID]:
    with FakeAcoustID() as server:
        yield server


def make_acoustid(conn, server: str, **kw: object) -> AcoustIDClient:
    settings = dict(key=VALID_KEY, server=server, timeout=2.0, backoff=0.01, max_backoff=0.05)
    settings.update(kw)
    return AcoustIDClient(conn, AcoustIDSettings(**settings))


# -- parsing ----------------------------------------------------------------------


def test_parse_a_lookup_answer():
    body = json.dumps(
        {
            "status": "ok",
            "results": [
                {
                    "id": "9ff43b6a-4f16-427c-93c2-92307ca505e0",
                    "score": 0.97,
                    "recordings": [
                        {
                            "id": REC_A,
                            "title": "Harbor Lights",
                            "duration": 201,
                            "artists": [
                                {"id": "x", "name": "Ada Moon", "joinphrase": " feat. "},
                                {"id": "y", "name": "Kite Theory"},
                            ],
                            "releasegroups": [{"id": "g", "title": "Glass", "type": "Album"}],
                        },
                        {"id": REC_B},
                    ],
                },
                {"id": "no-recordings", "score": 0.5},
            ],
        }
    )
    first, second = parse_lookup(body)
    assert first.score == 0.97 and first.acoustid.startswith("9ff43b6a")
    assert first.recordings[0] == RecordingHint(
        REC_A, 0.97, "Harbor Lights", "Ada Moon feat. Kite Theory", 201.0
    )
    assert first.recordings[1] == RecordingHint(REC_B, 0.97)
    assert second == LookupResult("no-recordings", 0.5, ())


@pytest.mark.parametrize(
    "body",
    [
        '{"status": "ok", "results": []}',
        '{"status": "ok"}',
        '{"status": "ok", "results": [1, null, {"score": "high"}, {"score": 0.9, "recordings": [{"title": "no id"}, 3]}]}',
    ],
)
def test_parse_tolerates_empty_and_odd_results(body):
    assert all(not r.recordings for r in parse_lookup(body))


@pytest.mark.parametrize(
    ("body", "kind", "text"),
    [
        ("<html>busy</html>", AcoustIDError, "not JSON"),
        ("[1, 2]", AcoustIDError, "no status"),
        ('{"status": "ok", "results": {}}', AcoustIDError, "not a list"),
        (error(3, "invalid fingerprint"), AcoustIDError, "AcoustID error 3: invalid fingerprint"),
        (error(4, "invalid API key"), AcoustIDKeyError, "ARCHIVER_ACOUSTID_KEY"),
        ('{"status": "error"}', AcoustIDError, "error ?: no message"),
    ],
)
def test_parse_errors(body, kind, text):
    with pytest.raises(kind, match=None) as caught:
        parse_lookup(body)
    assert type(caught.value) is kind and text in str(caught.value)
    assert "\n" not in str(caught.value)


# -- choosing recordings ----------------------------------------------------------


def hint(mbid: str, score: float, duration: float | None = None, title: str | None = None):
    return RecordingHint(mbid, score, title, None, duration)


def test_threshold_keeps_results_at_or_above_it():
    results = [
        LookupResult("1", SCORE_THRESHOLD, (hint(REC_A, SCORE_THRESHOLD),)),
        LookupResult("2", SCORE_THRESHOLD - 0.01, (hint(REC_B, SCORE_THRESHOLD - 0.01),)),
    ]
    assert [r.mbid for r in select_recordings(results)] == [REC_A]
    assert [r.mbid for r in select_recordings(results, threshold=0.5)] == [REC_A, REC_B]
    assert select_recordings(results, threshold=0.99) == []


def test_each_recording_once_with_its_best_score_best_first():
    results = [
        LookupResult("1", 0.85, (hint(REC_B, 0.85), hint(REC_A, 0.85))),
        LookupResult("2", 0.95, (hint(REC_B, 0.95),)),
    ]
    assert [(r.mbid, r.score) for r in select_recordings(results)] == [
        (REC_B, 0.95),
        (REC_A, 0.85),
    ]


def test_best_recording_prefers_score_then_length_then_title_then_id():
    assert best_recording([], 200.0) is None
    ranked = [hint(REC_A, 0.95, 100.0), hint(REC_B, 0.90, 200.0)]
    assert best_recording(ranked, 200.0).mbid == REC_A  # a better fingerprint match wins
    tied = [hint(REC_A, 0.9, 260.0), hint(REC_B, 0.9, 201.0), hint(REC_C, 0.9)]
    assert best_recording(tied, 200.0).mbid == REC_B  # then the length that fits
    titled = [hint(REC_A, 0.9, 200.0, "Other"), hint(REC_B, 0.9, 200.0, "Fold")]
    assert best_recording(titled, 200.0, "Fold").mbid == REC_B
    same = [hint(REC_C, 0.9), hint(REC_A, 0.9)]
    assert best_recording(same, None).mbid == REC_A  # stable: by id


# -- settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.acoustid.org", ("api.acoustid.org", "api.acoustid.org", 443, True)),
        ("http://127.0.0.1:8080/", ("127.0.0.1:8080", "127.0.0.1", 8080, False)),
    ],
)
def test_parse_server(url, expected):
    assert parse_acoustid_server(url) == expected


@pytest.mark.parametrize("url", ["ftp://x", "http://h/v2", "api.acoustid.org", "http://h:99999"])
def test_parse_server_refuses(url):
    with pytest.raises(ValueError):
        parse_acoustid_server(url)


# -- the client over HTTP -----------------------------------------------------------


def test_lookup_posts_the_form_and_caches_the_answer(catalog, fake_acoustid):
    fake_acoustid.add("FP1", [result("a1", 0.97, (REC_A, "Harbor Lights", 201))])
    client = make_acoustid(catalog.conn, fake_acoustid.url)
    first = client.lookup("FP1", 200.6)
    assert first[0].recordings[0].mbid == REC_A
    (seen,) = fake_acoustid.seen
    assert seen.method == "POST"
    assert seen.params["client"] == VALID_KEY and seen.params["duration"] == "201"
    assert seen.params["meta"] == "recordings releasegroups compress"
    assert aciddb.cache_get(catalog.conn, "FP1", 201) is not None
    again = make_acoustid(catalog.conn, fake_acoustid.url)
    assert again.lookup("FP1", 201.0) == first
    assert (again.stats.requests, again.stats.cache_hits, fake_acoustid.count) == (0, 1, 1)
    # another duration is another question
    again.lookup("FP1", 150.0)
    assert fake_acoustid.count == 2 and fake_acoustid.seen[1].params["duration"] == "150"


def test_offline_and_refresh(catalog, fake_acoustid):
    offline = make_acoustid(catalog.conn, fake_acoustid.url, offline=True)
    with pytest.raises(AcoustIDOfflineMiss):
        offline.lookup("FP1", 100)
    assert fake_acoustid.count == 0
    make_acoustid(catalog.conn, fake_acoustid.url).lookup("FP1", 100)
    assert offline.lookup("FP1", 100) == []
    refresh = make_acoustid(catalog.conn, fake_acoustid.url, refresh=True)
    assert not refresh.is_cached("FP1", 100)
    refresh.lookup("FP1", 100)
    assert refresh.is_cached("FP1", 100)
    refresh.lookup("FP1", 100)  # asked once per run, even with --refresh
    assert fake_acoustid.count == 2


def test_invalid_key(catalog, fake_acoustid):
    client = make_acoustid(catalog.conn, fake_acoustid.url, key="wrong")
    with pytest.raises(AcoustIDKeyError, match="rejected the API key"):
        client.lookup("FP1", 100)
    assert fake_acoustid.count == 1  # not retried
    assert aciddb.cache_get(catalog.conn, "FP1", 100) is None  # errors are never cached


def test_error_answers_are_per_lookup_and_not_cached(catalog, fake_acoustid):
    fake_acoustid.add("BAD", Reply(status=400, body=error(3, "invalid fingerprint")))
    client = make_acoustid(catalog.conn, fake_acoustid.url)
    with pytest.raises(AcoustIDError, match="invalid fingerprint"):
        client.lookup("BAD", 100)
    assert fake_acoustid.count == 1 and aciddb.cache_get(catalog.conn, "BAD", 100) is None
    with pytest.raises(AcoustIDError, match="invalid fingerprint"):
        client.lookup("BAD", 100)  # the same run does not ask twice
    assert fake_acoustid.count == 1


def test_transient_answers_are_retried(catalog, fake_acoustid):
    fake_acoustid.add(
        "FP1",
        Reply(status=503, body="busy"),
        Reply(status=200, body=error(14, "rate limit exceeded")),
        Reply(status=429, body="", headers={"Retry-After": "0"}),
        Reply(body=ok([result("a1", 0.9, (REC_A, None, None))])),
    )
    client = make_acoustid(catalog.conn, fake_acoustid.url)
    assert client.lookup("FP1", 100)[0].recordings[0].mbid == REC_A
    assert (fake_acoustid.count, client.stats.retries) == (4, 3)


def test_persistent_503_gives_up_after_max_attempts(catalog, fake_acoustid):
    fake_acoustid.answer_all(Reply(status=503, body="down"))
    client = make_acoustid(catalog.conn, fake_acoustid.url, max_attempts=3)
    with pytest.raises(AcoustIDError, match="HTTP 503.*3 attempts") as caught:
        client.lookup("FP1", 100)
    assert not isinstance(caught.value, AcoustIDUnavailable)  # it answers: not unreachable
    assert fake_acoustid.count == 3


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_fails_fast(catalog):
    client = make_acoustid(
        catalog.conn,
        f"http://127.0.0.1:{closed_port()}",
        max_attempts=10,
        max_connection_failures=3,
    )
    with pytest.raises(AcoustIDUnavailable, match="unreachable .*connection refused.*3 times"):
        client.lookup("FP1", 100)
    assert client.stats.requests == 3


def test_a_stalled_server_times_out(catalog, fake_acoustid):
    fake_acoustid.add("SLOW", Reply(body=ok([]), delay=1.5))
    client = make_acoustid(
        catalog.conn, fake_acoustid.url, timeout=0.3, max_attempts=2, max_connection_failures=5
    )
    with pytest.raises(AcoustIDError, match="no answer within 0.3 s"):
        client.lookup("SLOW", 100)
    assert fake_acoustid.count == 2


def test_body_cap(catalog, fake_acoustid):
    fake_acoustid.add("BIG", Reply(body=ok([result("x" * 5000, 0.9)])))
    client = make_acoustid(catalog.conn, fake_acoustid.url, max_response_bytes=1000)
    with pytest.raises(AcoustIDError, match="larger than the"):
        client.lookup("BIG", 100)
    assert fake_acoustid.count == 1 and aciddb.cache_get(catalog.conn, "BIG", 100) is None


def test_gzip_answers_are_decompressed(catalog, fake_acoustid):
    body = gzip.compress(ok([result("a1", 0.9, (REC_A, None, None))]).encode())
    fake_acoustid.add("GZ", Reply(body=body, headers={"Content-Encoding": "gzip"}))
    client = make_acoustid(catalog.conn, fake_acoustid.url)
    assert client.lookup("GZ", 100)[0].recordings[0].mbid == REC_A


def test_throttle_three_per_second_measured_by_the_server(catalog, fake_acoustid):
    client = make_acoustid(catalog.conn, fake_acoustid.url)
    for i in range(5):
        client.lookup(f"FP{i}", 100)
    times = fake_acoustid.times()
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 5
    assert (len(times) - 1) / (times[-1] - times[0]) <= 3.0 * 1.1
    assert min(gaps) > 0.2
