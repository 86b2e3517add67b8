"""Fetching feeds from a real server on loopback: caching, limits, and no private addresses."""

from __future__ import annotations

import urllib.request
from http.client import HTTPMessage
from io import BytesIO
from typing import Any

import pytest

from inspiring.feeds import fetch as fetching
from inspiring.feeds.fetch import USER_AGENT, FetchError, check_address, fetch

from .conftest import FeedServer, calendar, vevent

FEED = calendar(vevent("walk@test", "Health walk", "DTSTART:20260303T100000Z"))


def test_a_feed_is_fetched_with_its_caching_headers(feed_server: FeedServer) -> None:
    url = feed_server.serve(
        "/walks.ics",
        FEED,
        headers={
            "Content-Type": "text/calendar",
            "ETag": '"v1"',
            "Last-Modified": "Mon, 02 Mar 2026 07:00:00 GMT",
        },
    )
    fetched = fetch(url)
    assert not fetched.not_modified
    assert fetched.content == FEED
    assert (fetched.etag, fetched.last_modified) == ('"v1"', "Mon, 02 Mar 2026 07:00:00 GMT")
    (request,) = feed_server.hits("/walks.ics")
    assert request["User-Agent"] == USER_AGENT
    assert "text/calendar" in request["Accept"]
    assert "If-None-Match" not in request and "If-Modified-Since" not in request


def test_an_unchanged_feed_answers_304(feed_server: FeedServer) -> None:
    url = feed_server.serve("/walks.ics", FEED, headers={"ETag": '"v1"'})
    first = fetch(url)
    second = fetch(url, etag=first.etag, last_modified="Mon, 02 Mar 2026 07:00:00 GMT")
    assert second.not_modified
    assert second.content == b""
    assert second.etag == '"v1"'
    request = feed_server.hits("/walks.ics")[-1]
    assert request["If-None-Match"] == '"v1"'
    assert request["If-Modified-Since"] == "Mon, 02 Mar 2026 07:00:00 GMT"
    # A changed feed (new ETag) is sent in full.
    feed_server.serve("/walks.ics", FEED + b"\r\n", headers={"ETag": '"v2"'})
    third = fetch(url, etag='"v1"')
    assert not third.not_modified and third.etag == '"v2"'


def test_a_feed_over_the_size_limit_is_refused(feed_server: FeedServer, settings: Any) -> None:
    settings.FEEDS_MAX_BYTES = 2000
    url = feed_server.serve("/big.ics", b"BEGIN:VCALENDAR\r\n" + b"X" * 5000)
    with pytest.raises(FetchError, match="larger than"):
        fetch(url)
    exactly = feed_server.serve("/exact.ics", b"B" * 2000)
    assert len(fetch(exactly).content) == 2000


def test_a_slow_server_times_out(feed_server: FeedServer, settings: Any) -> None:
    settings.FEEDS_TIMEOUT_SECONDS = 0.2
    url = feed_server.serve("/slow.ics", FEED, delay=1.0)
    with pytest.raises(FetchError, match="took too long to answer"):
        fetch(url)


@pytest.mark.parametrize(("status", "says"), [(404, "404"), (500, "500"), (403, "403")])
def test_an_error_status_is_refused_with_the_status(
    feed_server: FeedServer, status: int, says: str
) -> None:
    url = feed_server.serve("/walks.ics", b"Nope", status=status)
    with pytest.raises(FetchError, match=says) as refused:
        fetch(url)
    assert "answered" in str(refused.value)


def test_a_missing_path_is_a_404(feed_server: FeedServer) -> None:
    with pytest.raises(FetchError, match="404 Not Found"):
        fetch(feed_server.url("/nothing-here.ics"))


def test_a_redirect_within_allowed_addresses_is_followed(feed_server: FeedServer) -> None:
    feed_server.serve("/new.ics", FEED)
    url = feed_server.serve("/old.ics", status=301, headers={"Location": "/new.ics"})
    assert fetch(url).content == FEED


# --- Addresses feeds may not use -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed.ics",
        "http://localhost/feed.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed.ics",
        "http://10.0.0.1/feed.ics",
        "http://192.168.1.1/feed.ics",
        "http://172.16.0.1/feed.ics",
        "http://0.0.0.0/feed.ics",
        "http://[fe80::1]/feed.ics",
        "http://224.0.0.1/feed.ics",
        "https://127.0.0.1:8443/feed.ics",
        "http://2130706433/feed.ics",  # 127.0.0.1 as one number
    ],
)
def test_private_and_local_addresses_are_refused_before_connecting(
    url: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False

    def no_connection(*args: object, **kwargs: object) -> None:
        raise AssertionError("connected to a refused address")

    monkeypatch.setattr(fetching._opener, "open", no_connection)
    with pytest.raises(FetchError, match="private or local network address"):
        fetch(url)


def test_the_loopback_server_itself_is_refused_when_private_addresses_are_not_allowed(
    feed_server: FeedServer, settings: Any
) -> None:
    url = feed_server.serve("/walks.ics", FEED)
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(FetchError, match="private or local"):
        fetch(url)
    assert feed_server.requests == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("file:///etc/passwd", "http:// or https://"),
        ("ftp://example.org/feed.ics", "http:// or https://"),
        ("gopher://example.org/", "http:// or https://"),
        ("webcal://example.org/feed.ics", "http:// or https://"),
        ("not a url", "http:// or https://"),
        ("http:///feed.ics", "no host name"),
    ],
)
def test_other_schemes_are_refused(url: str, says: str, settings: Any) -> None:
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True  # refused whatever the setting
    with pytest.raises(FetchError, match=says):
        fetch(url)


def test_a_host_that_does_not_resolve_is_refused(settings: Any) -> None:
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(FetchError, match="could not be found"):
        check_address("http://no-such-host.invalid/feed.ics")


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/internal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:1/feed.ics",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    feed_server: FeedServer, settings: Any, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    """The loopback server stands in for a public host: only its own address is allowed,
    as if it were public; where it redirects to is checked like any feed address."""
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    url = feed_server.serve("/walks.ics", status=302, headers={"Location": target})
    real_check = fetching.check_address

    def public_loopback(address: str) -> None:
        if address.startswith(feed_server.base):
            return None  # the first hop: treated as the public host it stands for
        return real_check(address)

    monkeypatch.setattr(fetching, "check_address", public_loopback)
    with pytest.raises(FetchError, match=r"private or local|is not allowed"):
        fetch(url)
    assert len(feed_server.requests) == 1  # the redirect was asked for, its target never


def test_the_redirect_handler_checks_every_hop(settings: Any) -> None:
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    handler = fetching._CheckedRedirects()
    request = urllib.request.Request("https://calendar.example.org/feed.ics")
    with pytest.raises(FetchError, match="private or local"):
        handler.redirect_request(
            request, BytesIO(b""), 302, "Found", HTTPMessage(), "http://127.0.0.1/admin"
        )
