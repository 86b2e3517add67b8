"""Fetching feeds from a real server on loopback: caching, limits, and no private addresses."""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from http.client import HTTPMessage
from io import BytesIO
from typing import Any

import pytest

from inspiring.feeds import fetch as fetching
from inspiring.feeds.fetch import USER_AGENT, FetchError, check_address, fetch

from .conftest import FakeDNS, FeedServer, calendar, vevent

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
    with pytest.raises(FetchError, match="larger than 2 KB;"):
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
        # IPv6 forms of private IPv4 addresses, which Python 3.11 calls global.
        "http://[::127.0.0.1]/feed.ics",
        "http://[::ffff:127.0.0.1]/feed.ics",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        "http://[2002:7f00:1::]/feed.ics",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/feed.ics",
    ],
)
def test_private_and_local_addresses_are_refused_before_connecting(
    url: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False

    def no_connection(*args: object, **kwargs: object) -> None:
        raise AssertionError("connected to a refused address")

    monkeypatch.setattr(socket.socket, "connect", no_connection)
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
    """The loopback server stands in for a public host: only its own address and port are
    allowed, as if public; where it redirects to is checked like any feed address."""
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    url = feed_server.serve("/walks.ics", status=302, headers={"Location": target})
    real_addresses_for = fetching.addresses_for

    def public_loopback(host: str, port: int) -> list[Any]:
        if (host, port) == ("127.0.0.1", feed_server.port):
            return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return real_addresses_for(host, port)

    monkeypatch.setattr(fetching, "addresses_for", public_loopback)
    with pytest.raises(FetchError, match=r"private or local|is not allowed"):
        fetch(url)
    assert len(feed_server.requests) == 1  # the redirect was asked for, its target never


def test_the_redirect_handler_refuses_other_schemes() -> None:
    handler = fetching._CheckedRedirects()
    request = urllib.request.Request("https://calendar.example.org/feed.ics")
    with pytest.raises(FetchError, match="http:// or https://"):
        handler.redirect_request(
            request, BytesIO(b""), 302, "Found", HTTPMessage(), "file:///etc/passwd"
        )


def test_a_redirect_to_a_host_that_answers_privately_is_refused(
    feed_server: FeedServer, fake_dns: FakeDNS, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every hop's host is looked up and checked as its connection is made."""
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    loopback_is_public(monkeypatch)
    fake_dns.answers["calendar.test"] = [["127.0.0.1"]]
    fake_dns.answers["moved.test"] = [["10.0.0.1"]]
    feed_server.serve("/walks.ics", status=301, headers={"Location": "http://moved.test/x.ics"})
    with pytest.raises(FetchError, match=r"moved\.test is a private or local network address"):
        fetch(f"http://calendar.test:{feed_server.port}/walks.ics")
    assert fake_dns.asked == ["calendar.test", "moved.test"]
    assert len(feed_server.requests) == 1


# --- Which addresses are public -----------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible loopback
        "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::c0a8:101",  # NAT64 of 192.168.1.1
        "64:ff9b:1::808:808",  # local-use NAT64: refused whatever it carries
        "64:ff9b:1:ffff::1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo: refused outright
        "2001:0:808:808::1",
        "::ffff:0:7f00:1",  # IPv4-translated (SIIT) 127.0.0.1
        "::ffff:0:a9fe:a9fe",  # IPv4-translated 169.254.169.254
        "fec0::1",  # site-local (deprecated, a private network)
        "::",
        "::1",
        "::2",  # IPv4-compatible 0.0.0.2
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "127.0.0.1",
        "10.0.0.1",
        "100.64.0.1",  # carrier-grade NAT
        "169.254.169.254",
        "192.168.1.1",
        "0.0.0.0",  # noqa: S104 - an address judged, not bound
        "224.0.0.1",
        "255.255.255.255",
    ],
)
def test_private_and_local_addresses_in_every_form_are_not_public(address: str) -> None:
    assert not fetching.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.215.14",
        "2001:4860:4860::8888",
        "2a00:1450:4009:81f::200e",
        "::ffff:8.8.8.8",
        # NAT64 and 6to4 of a public IPv4 address pass: behind DNS64 every IPv4-only
        # host answers in the NAT64 form; a 6to4 relay reaches only the address it carries.
        "64:ff9b::808:808",
        "2002:808:808::1",
        "::ffff:0:808:808",
    ],
)
def test_public_addresses_are_public(address: str) -> None:
    assert fetching.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("address", "carried"),
    [
        ("::127.0.0.1", "127.0.0.1"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
        ("2002:7f00:1::", "127.0.0.1"),
        ("::ffff:0:7f00:1", "127.0.0.1"),
        ("2001:4860:4860::8888", None),
        ("::1", None),
    ],
)
def test_the_ipv4_address_an_ipv6_address_carries(address: str, carried: str | None) -> None:
    found = fetching.embedded_ipv4(ipaddress.IPv6Address(address))
    assert (str(found) if found else None) == carried


# --- The connection goes to the address that was checked (DNS rebinding) ------------------------


def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 stands for a public host; every other address is judged as it would be."""
    real = fetching.is_public_address

    def public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return str(address) == "127.0.0.1" or real(address)

    monkeypatch.setattr(fetching, "is_public_address", public)


def test_a_host_that_answers_differently_the_second_time_is_connected_to_as_checked(
    feed_server: FeedServer, fake_dns: FakeDNS, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebinding DNS server answers a public address (the loopback server stands for
    it), then a private one. The fetch looks the host up once and connects to the
    address it checked; the second answer is never asked for, let alone used."""
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    settings.FEEDS_TIMEOUT_SECONDS = 2
    loopback_is_public(monkeypatch)
    fake_dns.answers["calendar.test"] = [["127.0.0.1"], ["10.0.0.1"]]
    feed_server.serve("/walks.ics", FEED)
    fetched = fetch(f"http://calendar.test:{feed_server.port}/walks.ics")
    assert fetched.content == FEED
    assert fake_dns.asked == ["calendar.test"]
    (request,) = feed_server.hits("/walks.ics")
    assert request["Host"] == f"calendar.test:{feed_server.port}"  # the host name, not the IP


def test_a_host_that_answers_a_private_address_is_refused_without_connecting(
    feed_server: FeedServer, fake_dns: FakeDNS, settings: Any
) -> None:
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    fake_dns.answers["calendar.test"] = [["127.0.0.1"], ["93.184.215.14"]]
    feed_server.serve("/walks.ics", FEED)
    with pytest.raises(FetchError, match=r"calendar\.test is a private or local network address"):
        fetch(f"http://calendar.test:{feed_server.port}/walks.ics")
    assert fake_dns.asked == ["calendar.test"]
    assert feed_server.requests == []


def test_with_private_addresses_allowed_the_checked_address_is_still_the_one_connected_to(
    feed_server: FeedServer, fake_dns: FakeDNS, settings: Any
) -> None:
    settings.FEEDS_TIMEOUT_SECONDS = 2
    # The second answer, if it were used, has no server (127.0.0.2 is not listened on).
    fake_dns.answers["calendar.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    feed_server.serve("/walks.ics", FEED)
    assert fetch(f"http://calendar.test:{feed_server.port}/walks.ics").content == FEED
    assert fake_dns.asked == ["calendar.test"]


def test_over_https_the_certificate_and_sni_are_for_the_host_name(
    tls_feed_server: FeedServer, fake_dns: FakeDNS
) -> None:
    url = tls_feed_server.serve("/walks.ics", FEED)
    assert url.startswith("https://calendar.test:")
    assert fetch(url).content == FEED
    assert tls_feed_server.sni == ["calendar.test"]
    assert fake_dns.asked == ["calendar.test"]
    (request,) = tls_feed_server.hits("/walks.ics")
    assert request["Host"] == f"calendar.test:{tls_feed_server.port}"


def test_over_https_a_certificate_for_another_host_is_refused(
    tls_feed_server: FeedServer, fake_dns: FakeDNS
) -> None:
    tls_feed_server.serve("/walks.ics", FEED)
    fake_dns.answers["other.test"] = [["127.0.0.1"]]  # same address, another name
    with pytest.raises(FetchError, match=r"could not be reached.*CERTIFICATE_VERIFY_FAILED"):
        fetch(f"https://other.test:{tls_feed_server.port}/walks.ics")
    assert tls_feed_server.requests == []
