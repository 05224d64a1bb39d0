"""The client against the fake server: the real musicbrainzngs does the HTTP."""

from __future__ import annotations

import socket

import pytest

from archiver.catalog import musicbrainz as mbdb
from archiver.musicbrainz.client import (
    RELEASE_INCLUDES,
    BadResponse,
    Client,
    ClientSettings,
    OfflineMiss,
    ServiceError,
    Throttle,
    effective_interval,
    parse_server,
)
from tests.musicbrainz.conftest import R_GLASS, make_client
from tests.musicbrainz.fakeserver import Reply, fixture

GLASS = fixture("release-glass-harbor.xml")


def test_lookup_sends_user_agent_path_and_includes(catalog, fake):
    fake.add_release(R_GLASS, GLASS)
    client = make_client(catalog, fake, contact="me@example.org")
    message = client.lookup("release", R_GLASS, RELEASE_INCLUDES)
    assert message["release"]["title"] == "Glass Harbor"
    [seen] = fake.seen
    assert seen.path == f"/ws/2/release/{R_GLASS}"
    assert seen.query["inc"][0].split() == list(RELEASE_INCLUDES)
    assert seen.user_agent.startswith("archiver/")
    assert "( me@example.org )" in seen.user_agent


def test_response_is_cached_verbatim_and_reused(catalog, fake):
    fake.add_release(R_GLASS, GLASS)
    client = make_client(catalog, fake)
    first = client.lookup("release", R_GLASS, RELEASE_INCLUDES)
    second = client.lookup("release", R_GLASS, RELEASE_INCLUDES)
    assert first == second
    assert fake.count == 1 and client.stats.cache_hits == 1
    status, body = mbdb.cache_get(
        catalog.conn, f"release/{R_GLASS}?inc={'+'.join(RELEASE_INCLUDES)}"
    )
    assert status == 200 and body == GLASS


def test_refresh_bypasses_and_offline_only_reads_the_cache(catalog, fake):
    fake.add_release(R_GLASS, GLASS)
    make_client(catalog, fake).lookup("release", R_GLASS)
    make_client(catalog, fake, refresh=True).lookup("release", R_GLASS)
    assert fake.count == 2
    offline = make_client(catalog, fake, offline=True)
    assert offline.lookup("release", R_GLASS)["release"]["id"] == R_GLASS
    with pytest.raises(OfflineMiss):
        offline.lookup("release", "00000000-0000-4000-8000-000000000000")
    assert fake.count == 2


def test_404_is_not_found_and_cached(catalog, fake):
    client = make_client(catalog, fake)
    assert client.lookup("release", "00000000-0000-4000-8000-000000000000") is None
    assert client.lookup("release", "00000000-0000-4000-8000-000000000000") is None
    assert fake.count == 1
    assert mbdb.cache_get(catalog.conn, "release/00000000-0000-4000-8000-000000000000") == (
        404,
        None,
    )


def test_503_then_success_retries_once(catalog, fake):
    fake.add(f"release/{R_GLASS}", Reply(status=503, body="busy"), Reply(body=GLASS))
    client = make_client(catalog, fake)
    assert client.lookup("release", R_GLASS)["release"]["title"] == "Glass Harbor"
    assert fake.count == 2 and client.stats.retries == 1


def test_persistent_503_gives_up_after_our_attempts_not_musicbrainzngs_eight(catalog, fake):
    fake.add(f"release/{R_GLASS}", Reply(status=503, body="busy"))
    sleeps: list[float] = []
    # Default retry policy, but sleeps recorded instead of slept.
    client = Client(
        catalog.conn, ClientSettings(server=fake.url, rate_limit=0.0), sleep=sleeps.append
    )
    with pytest.raises(ServiceError, match="HTTP 503.*4 attempts"):
        client.lookup("release", R_GLASS)
    assert fake.count == 4  # musicbrainzngs' internal 8-retry loop is off
    assert sleeps == [1.0, 2.0, 4.0]  # bounded backoff: 7 s in all with the defaults
    assert mbdb.cache_get(catalog.conn, f"release/{R_GLASS}") is None


def test_retry_after_is_honoured(catalog, fake):
    fake.add(
        f"release/{R_GLASS}", Reply(status=503, headers={"Retry-After": "3"}), Reply(body=GLASS)
    )
    sleeps: list[float] = []
    client = Client(
        catalog.conn, ClientSettings(server=fake.url, rate_limit=0.0), sleep=sleeps.append
    )
    client.lookup("release", R_GLASS)
    assert sleeps == [3.0]


def test_400_is_a_bad_response_without_retry(catalog, fake):
    fake.add(f"release/{R_GLASS}", Reply(status=400, body="bad"))
    client = make_client(catalog, fake)
    with pytest.raises(BadResponse, match="HTTP 400"):
        client.lookup("release", R_GLASS)
    assert fake.count == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (fixture("malformed.xml"), "malformed MusicBrainz XML"),
        (fixture("not-musicbrainz.xml"), "without the MusicBrainz namespace"),
        ("<html><body>Gateway</body></html>", "without the MusicBrainz namespace"),
        ("plain text", "not XML"),
        (
            '<metadata xmlns="http://musicbrainz.org/ns/mmd-2.0#"><artist id="x"><name>A</name></artist></metadata>',
            "without <release>",
        ),
    ],
)
def test_unusable_bodies_are_clear_errors_and_not_cached(catalog, fake, body, message):
    fake.add(f"release/{R_GLASS}", body)
    client = make_client(catalog, fake)
    with pytest.raises(BadResponse, match=message):
        client.lookup("release", R_GLASS)
    assert mbdb.cache_get(catalog.conn, f"release/{R_GLASS}") is None


def test_bare_valueerror_from_musicbrainzngs_is_mapped(catalog, fake):
    # No namespace declaration in the root but the MB namespace text present later:
    # musicbrainzngs' fixtag raises a bare ValueError on un-namespaced tags.
    body = '<metadata><!-- http://musicbrainz.org/ns/mmd-2.0# --><release id="x"/></metadata>'
    fake.add(f"release/{R_GLASS}", body)
    with pytest.raises(BadResponse, match="malformed MusicBrainz XML"):
        make_client(catalog, fake).lookup("release", R_GLASS)


def test_stalled_server_times_out(catalog, fake):
    fake.add(f"release/{R_GLASS}", Reply(body=GLASS, delay=2.0))
    client = make_client(catalog, fake, timeout=0.3, max_attempts=2)
    with pytest.raises(ServiceError, match="timed out"):
        client.lookup("release", R_GLASS)
    assert fake.count == 2


def test_connection_refused(catalog):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = Client(
        catalog.conn,
        ClientSettings(
            server=f"http://127.0.0.1:{port}", rate_limit=0.0, max_attempts=2, backoff=0.01
        ),
    )
    with pytest.raises(ServiceError, match="connection refused"):
        client.lookup("release", R_GLASS)
    assert client.stats.requests == 2


def test_throttle_spaces_requests_server_side(catalog, fake):
    interval = 0.2
    client = make_client(catalog, fake, rate_limit=interval)
    for n in range(6):
        client.lookup("release", f"00000000-0000-4000-8000-00000000000{n}")
    times = [s.at for s in fake.seen]
    assert len(times) == 6
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Receipt times carry the server thread's scheduling jitter on a loaded machine (a late
    # arrival makes the next gap look short), so check each gap loosely and the average tightly;
    # without the throttle every gap is a millisecond or two.
    assert min(gaps) >= interval / 2, gaps
    assert (times[-1] - times[0]) / len(gaps) >= interval - 0.02, gaps


def test_throttle_applies_to_retries_too(catalog, fake):
    fake.add(f"release/{R_GLASS}", Reply(status=503), Reply(status=503), Reply(body=GLASS))
    client = make_client(catalog, fake, rate_limit=0.2, backoff=0.0)
    client.lookup("release", R_GLASS)
    times = [s.at for s in fake.seen]
    assert all(b - a >= 0.18 for a, b in zip(times, times[1:], strict=False))


def test_throttle_with_a_fake_clock():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(1.0, clock=lambda: now[0])
    throttle.wait(sleep)  # first request: no wait
    now[0] += 0.25
    throttle.wait(sleep)
    assert slept == [pytest.approx(0.75)]
    now[0] += 5
    throttle.wait(sleep)
    assert len(slept) == 1
    Throttle(0, clock=lambda: now[0]).wait(sleep)


def test_server_settings():
    assert parse_server("https://musicbrainz.org") == ("musicbrainz.org", True)
    assert parse_server("http://127.0.0.1:5000/") == ("127.0.0.1:5000", False)
    for bad in ("ftp://x", "musicbrainz.org", "http://host/ws/2"):
        with pytest.raises(ValueError):
            parse_server(bad)
    assert effective_interval("musicbrainz.org", None) == 1.0
    assert effective_interval("musicbrainz.org", 0) == 1.0  # never faster than the rule
    assert effective_interval("beta.musicbrainz.org:443", 3) == 3
    assert effective_interval("127.0.0.1:5000", None) == 0.0
    assert effective_interval("mirror.local", 0.5) == 0.5


def test_search_is_sent_raw(catalog, fake):
    client = make_client(catalog, fake)
    query = 'recording:"a \\- b" AND dur:[1000 TO 2000]'
    assert client.search("recording", query)["recording-list"] == []
    [seen] = fake.seen
    assert seen.path == "/ws/2/recording/"
    assert seen.query["query"] == [query]
    assert seen.query["limit"] == ["10"]


def test_giving_up_after_one_attempt_says_attempt(catalog, fake):
    """--no-retry settings (max_attempts=1): "gave up after 1 attempt", not "1 attempts"."""
    fake.add(f"release/{R_GLASS}", Reply(status=503, body="busy"))
    client = make_client(catalog, fake, max_attempts=1)
    with pytest.raises(ServiceError, match=r"gave up after 1 attempt\)"):
        client.lookup("release", R_GLASS)
