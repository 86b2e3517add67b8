"""Fixtures for the calendar-feed tests: partners with feeds, a frozen today, a real server.

- `frozen_today`: the clock reads 08:00 on TODAY (Monday 2 March 2026), so
  sessions fall inside the 13-month horizon and tests are deterministic.
- `trusted_org` / `untrusted_org`: partners in Ashfield led by Priya, whose
  imported activities are published at once / wait for the coordinator.
- `feed_server`: a real HTTP server on loopback, in a thread, serving whatever
  a test puts in its routes (status, headers, body, delay); it answers 304 to a
  matching If-None-Match and records every request's headers.
- `fake_dns`: made-up host names answer as a test says, in turn (DNS rebinding).
- `tls_feed_server`: the same over HTTPS, as https://calendar.test:PORT.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time as clock
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

import icalendar
import pytest
import recurring_ical_events

from inspiring.directory.models import Organisation
from inspiring.directory.recurrence import LONDON
from inspiring.feeds.models import FeedSource
from tests.directory.builders import organisation
from tests.personas import Personas

# A fixed "today" for feed tests: a Monday in spring, as in the directory tests.
TODAY = date(2026, 3, 2)

# Real calendars from icalendar's and recurring-ical-events' own test suites, read where
# their installed wheels keep them (icalendar is a dependency, recurring-ical-events a
# test-only one; both pinned in requirements*.txt). The tests read nothing outside the
# checkout and its virtualenv. Licences: icalendar BSD-2-Clause, recurring-ical-events
# LGPL-3.0-or-later (their files are read, not copied).
ICS_CORPORA = {
    "icalendar": Path(icalendar.__file__).parent / "tests",
    "recurring_ical_events": Path(recurring_ical_events.__file__).parent / "test" / "calendars",
}
ICS_FILES = sorted(path for root in ICS_CORPORA.values() for path in root.rglob("*.ics"))
# recurring-ical-events' calendars, mostly from real bug reports (moved, cancelled, zones).
RECURRING_CALENDARS = ICS_CORPORA["recurring_ical_events"]


def ics_id(path: Path) -> str:
    """A name such as icalendar/calendars/example.ics, wherever the virtualenv is."""
    for name, root in ICS_CORPORA.items():
        if path.is_relative_to(root):
            return f"{name}/{path.relative_to(root)}"
    raise ValueError(f"{path} is in neither test corpus")


def calendar(*events: str, header: str = "") -> bytes:
    """An iCalendar file around VEVENT blocks written as plain lines (CRLF added)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Inspiring tests//EN"]
    if header:
        lines += [line.strip() for line in header.strip().splitlines() if line.strip()]
    for event in events:
        lines += [line.strip() for line in event.strip().splitlines() if line.strip()]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def vevent(uid: str, summary: str, *lines: str) -> str:
    """A VEVENT with a UID, a SUMMARY and the given property lines."""
    body = "\n".join(lines)
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nSUMMARY:{summary}\nDTSTAMP:20260101T000000Z\n{body}\nEND:VEVENT"
    )


def weekly_feed(count: int, *, weeks: int = 4, title: str = "Walk") -> bytes:
    """`count` weekly events on Tuesdays (London), `weeks` sessions each, from 3 March 2026."""
    return calendar(
        *(
            vevent(
                f"walk-{n}@test",
                f"{title} {n}",
                "DTSTART;TZID=Europe/London:20260303T100000",
                "DTEND;TZID=Europe/London:20260303T110000",
                f"RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT={weeks}",
            )
            for n in range(count)
        )
    )


@pytest.fixture
def frozen_today() -> Iterator[None]:
    """Make the clock read 08:00 on TODAY."""
    now = datetime.combine(TODAY, time(8), tzinfo=LONDON)
    with (
        mock.patch("django.utils.timezone.now", return_value=now),
        mock.patch("django.utils.timezone.localdate", return_value=TODAY),
    ):
        yield


def an_hour_later() -> Any:
    """Move the frozen clock on an hour, so that rewritten rows show a new updated_at."""
    later = datetime.combine(TODAY, time(9), tzinfo=LONDON)
    return mock.patch("django.utils.timezone.now", return_value=later)


@pytest.fixture
def trusted_org(personas: Personas) -> Organisation:
    org = organisation(personas.ashfield, "Kirkby Walking Group", trusted=True)
    org.leads.add(personas.partner_lead)
    return org


@pytest.fixture
def untrusted_org(personas: Personas) -> Organisation:
    org = organisation(personas.ashfield, "Hucknall Road Allotments", trusted=False)
    org.leads.add(personas.partner_lead)
    return org


@pytest.fixture
def other_org(personas: Personas) -> Organisation:
    """An Ashfield partner Priya does not lead."""
    return organisation(personas.ashfield, "Sutton Bowls Club", trusted=True)


def make_source(
    org: Organisation, url: str = "https://calendar.example.org/walks.ics"
) -> FeedSource:
    return FeedSource.objects.create(organisation=org, url=url)


# --- A real HTTP server on loopback ---------------------------------------------------


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


@dataclass
class FeedServer:
    base: str
    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sni: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body: bytes = b"", **kwargs: Any) -> str:
        self.routes[path] = Route(body=body, **kwargs)
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for requested, headers in self.requests if requested == path]


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append((self.path, dict(self.headers.items())))
            route = server.routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            if route.delay:
                clock.sleep(route.delay)
            etag = route.headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag and route.status == 200:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            # The client may stop reading (size limit, timeout).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(route.body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@contextlib.contextmanager
def _serving(state: FeedServer, tls: ssl.SSLContext | None = None) -> Iterator[FeedServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    state.base = state.base or f"http://127.0.0.1:{state.port}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def feed_server(settings: Any) -> Iterator[FeedServer]:
    """A loopback HTTP server in a thread; feeds may use private addresses for it."""
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    with _serving(FeedServer(base="")) as server:
        yield server


# --- Host names that resolve as a test says ---------------------------------------------------


@dataclass
class FakeDNS:
    """Answers for made-up host names (.test, RFC 2606), one list of addresses per lookup:
    a name given several answers gives them in turn (the last one from then on), as a
    rebinding DNS server would. Every other name is looked up for real."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.answers:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        self.asked.append(name)
        queue = self.answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))
            for address in addresses
        ]


_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    dns = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


# A test authority and a certificate for calendar.test it signed (see data/tls/README.md).
TLS = Path(__file__).parent / "data" / "tls"


@pytest.fixture
def tls_feed_server(
    settings: Any, fake_dns: FakeDNS, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FeedServer]:
    """An HTTPS server on loopback with a certificate for calendar.test, which resolves to
    127.0.0.1; the fetcher trusts the test authority (and only it). `sni` records the
    host name each TLS client asked for."""
    from inspiring.feeds import fetch as fetching

    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    fake_dns.answers["calendar.test"] = [["127.0.0.1"]]
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(TLS / "calendar.test.pem", TLS / "calendar.test.key")
    state = FeedServer(base="")

    def record_sni(sock: Any, server_name: str | None, context: Any) -> None:
        state.sni.append(server_name or "")

    server_tls.sni_callback = record_sni

    def trusting_the_test_authority() -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(TLS / "ca.pem"))

    monkeypatch.setattr(fetching, "tls_context", trusting_the_test_authority)
    with _serving(state, server_tls) as server:
        server.base = f"https://calendar.test:{server.port}"
        yield server


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every stored row an import can touch, by value, to prove a failed import changed nothing."""
    from inspiring.directory.models import Activity, Schedule, Session
    from inspiring.feeds.models import FeedItem

    return {
        model.__name__: [dict(row) for row in model.objects.order_by("pk").values()]
        for model in (Activity, Schedule, Session, FeedItem, Activity.categories.through)
    }
