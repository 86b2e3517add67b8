"""Faults at the network edges (issue 19, item 5, the network half).

A feed server that hangs, trickles, sends more than the limit or closes mid-body: the
import is bounded, the error recorded in words, nothing stored changed. A mail server
or GOV.UK Notify that is down, hangs or answers 5xx: the message is kept and tried
again, none lost, none sent twice. An invitation whose email could not go is shown on
the team page and can be sent again.

Every server here is real and on loopback, on a port the system chose (the suite runs
under pytest-xdist), each connection handled in a thread: nothing in the HTTP or SMTP
clients is mocked. The feed servers and the SMTP server are written at socket level,
so that they can misbehave where a library server would not (no answer at all, a
body that stops, a greeting that never comes). aiosmtpd is not installed, so the
mail server that "comes back" is a minimal SMTP responder below; GOV.UK Notify is a
stand-in on http.server that checks the token it is sent and counts each message.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import jwt
import pytest
from django.core.mail import EmailMessage
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import Invitation
from inspiring.accounts.roles import Role
from inspiring.casework.actions.messages import do_send_plan, send_waiting_messages
from inspiring.casework.models import Client, Referral, SentMessage
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Organisation, Session
from inspiring.directory.recurrence import LONDON
from inspiring.feeds.importing import run_import
from inspiring.feeds.models import FeedImport, FeedSource
from lib.senders import NotifySender
from tests.casework.conftest import Casework, make_client
from tests.casework.test_message_back import close_marys_case
from tests.casework.test_plan import agree
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation, venue, weekly
from tests.feeds.conftest import TODAY, calendar, make_source, snapshot, vevent
from tests.personas import Personas

pytestmark = pytest.mark.django_db

# How long any server thread here waits before giving up on its own (the tests stop
# them much sooner; this only keeps a broken test from leaving threads behind).
SERVER_PATIENCE = 30
# Time allowed, on top of a timeout, for the rest of an import or a request: a shared
# PostgreSQL under load can take seconds. Still far below what an unbounded wait (a
# default 15 s timeout, or SERVER_PATIENCE) would take.
SLACK = 4.0


# --- A TCP server on loopback that does what a test says with each connection -------------


Behaviour = Callable[[socket.socket, threading.Event], None]


class LoopbackServer:
    """Listens on 127.0.0.1 at a port the system chose; each connection is handed, in
    its own thread, to `behaviour(connection, stop)`. `stop` is set when the test ends
    (or when a test cuts a connection short): a behaviour that waits, waits on it."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stop = threading.Event()
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            worker = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            worker.start()
            self.threads.append(worker)

    def _handle(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(SERVER_PATIENCE)
            self.behaviour(conn, self.stop)

    def close(self) -> None:
        self.stop.set()
        self.listener.close()
        self.accepting.join(timeout=5)
        for worker in self.threads:
            worker.join(timeout=5)


@pytest.fixture
def loopback() -> Iterator[Callable[[Behaviour], LoopbackServer]]:
    """Start loopback servers; all are stopped when the test ends."""
    servers: list[LoopbackServer] = []

    def start(behaviour: Behaviour) -> LoopbackServer:
        server = LoopbackServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- Feeds ------------------------------------------------------------------------------------

FEED_TIMEOUT = 1  # seconds: FEEDS_TIMEOUT_SECONDS in these tests
FEED_LIMIT = 1_000_000  # bytes: FEEDS_MAX_BYTES in these tests

WALK = vevent(
    "walk@test",
    "Health walk",
    "DTSTART;TZID=Europe/London:20260303T100000",
    "DTEND;TZID=Europe/London:20260303T113000",
    "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4",
)
COFFEE = vevent(
    "coffee@test",
    "Coffee morning",
    "DTSTART;TZID=Europe/London:20260305T100000",
    "DTEND;TZID=Europe/London:20260305T120000",
    "RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3",
)
QUIZ = vevent(
    "quiz@test",
    "Quiz night",
    "DTSTART;TZID=Europe/London:20260306T190000",
    "DTEND;TZID=Europe/London:20260306T210000",
    "RRULE:FREQ=WEEKLY;BYDAY=FR;COUNT=5",
)
# What imported once, and a change to it that must not be stored when it arrives badly:
# the walk renamed, the coffee morning gone (it would be withdrawn), a quiz night new.
FIRST_FEED = calendar(WALK, COFFEE)
CHANGED_FEED = calendar(WALK.replace("Health walk", "Renamed walk"), QUIZ)


def read_request(conn: socket.socket) -> bytes:
    """Read an HTTP request's head (a GET has no body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: text/calendar", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def serves(body: bytes) -> Behaviour:
    """A well-behaved feed server."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(head(Content_Length=str(len(body))) + body)

    return behaviour


def never_answers(conn: socket.socket, stop: threading.Event) -> None:
    """Takes the connection and the request, and says nothing."""
    read_request(conn)
    stop.wait(SERVER_PATIENCE)


def stops_mid_body(conn: socket.socket, stop: threading.Event) -> None:
    """Answers, sends half the feed, then says nothing more (connection held open)."""
    read_request(conn)
    conn.sendall(head(Content_Length=str(len(CHANGED_FEED))) + CHANGED_FEED[:200])
    stop.wait(SERVER_PATIENCE)


def trickles(conn: socket.socket, stop: threading.Event) -> None:
    """Sends the feed a few bytes at a time, each well within the read timeout, so that
    no single read times out but the whole takes minutes; only `stop` ends it."""
    read_request(conn)
    conn.sendall(head(Content_Length=str(len(CHANGED_FEED))))
    for start in range(0, len(CHANGED_FEED), 4):
        if stop.wait(FEED_TIMEOUT * 0.4):
            return
        conn.sendall(CHANGED_FEED[start : start + 4])


def sends_without_end(framing: str) -> Behaviour:
    """A body that never ends: declared huge, undeclared (until the connection closes)
    or in chunks, until the client hangs up."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        block = b"X-FILLER:" + b"x" * 65_000 + b"\r\n"
        if framing == "content-length":
            conn.sendall(head(Content_Length=str(50 * FEED_LIMIT)) + CHANGED_FEED[:-15])
        elif framing == "chunked":
            conn.sendall(head(Transfer_Encoding="chunked"))
            block = f"{len(block):x}\r\n".encode() + block + b"\r\n"
        else:
            conn.sendall(head() + CHANGED_FEED[:-15])
        while not stop.is_set():
            conn.sendall(block)  # ends with an OSError once the client has hung up

    return behaviour


def closes_mid_body(framing: str) -> Behaviour:
    """Promises the whole feed, sends the first part of it and closes the connection."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        part = CHANGED_FEED[: len(CHANGED_FEED) // 2]
        if framing == "chunked":
            conn.sendall(head(Transfer_Encoding="chunked") + f"{len(CHANGED_FEED):x}\r\n".encode())
        else:
            conn.sendall(head(Content_Length=str(len(CHANGED_FEED))))
        conn.sendall(part)
        conn.shutdown(socket.SHUT_WR)

    return behaviour


@dataclass
class ImportedFeed:
    source: FeedSource
    server: LoopbackServer
    organisation: Organisation


@pytest.fixture
def imported_feed(
    personas: Personas, settings: Any, loopback: Callable[[Behaviour], LoopbackServer]
) -> Iterator[ImportedFeed]:
    """A partner's feed that imported once from a loopback server: two activities with
    their sessions. The clock reads 08:00 on the feed tests' TODAY."""
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    settings.FEEDS_TIMEOUT_SECONDS = FEED_TIMEOUT
    settings.FEEDS_MAX_BYTES = FEED_LIMIT
    now = datetime.combine(TODAY, clock_time(8), tzinfo=LONDON)
    with (
        mock.patch("django.utils.timezone.now", return_value=now),
        mock.patch("django.utils.timezone.localdate", return_value=TODAY),
    ):
        org = organisation(personas.ashfield, "Kirkby Walking Group", trusted=True)
        server = loopback(serves(FIRST_FEED))
        source = make_source(org, f"{server.url}/walks.ics")
        first = run_import(source)
        assert first.outcome == FeedImport.Outcome.IMPORTED and first.created == 2
        assert Session.objects.filter(activity__organisation=org).count() == 7
        yield ImportedFeed(source, server, org)


def stored(org: Organisation) -> dict[str, Any]:
    """What an import can change, as counts and a fingerprint of every row by value."""
    rows = snapshot()
    return {
        "activities": Activity.objects.filter(organisation=org).count(),
        "sessions": Session.objects.filter(activity__organisation=org).count(),
        "fingerprint": hashlib.sha256(repr(rows).encode()).hexdigest(),
        "rows": rows,
    }


def source_state(source: FeedSource) -> tuple[Any, ...]:
    source.refresh_from_db()
    return (source.etag, source.last_modified, source.content_hash, source.last_success_at)


def failed_import_changed_nothing(feed: ImportedFeed, within: float) -> FeedImport:
    """Import again from the misbehaving server: it must fail within `within` seconds,
    say why on the import and the feed, and leave every stored row as it was."""
    source, org = feed.source, feed.organisation
    before, kept = stored(org), source_state(source)
    started = time.monotonic()
    record = run_import(source)
    took = time.monotonic() - started
    assert took < within, f"the import took {took:.1f}s"
    assert record.outcome == FeedImport.Outcome.FAILED
    assert record.error.strip(), "the failure is recorded in words"
    assert (record.created, record.updated, record.withdrawn) == (0, 0, 0)
    assert stored(org) == before
    assert source_state(source) == kept
    assert source.health == FeedSource.Health.FAILING and source.last_error == record.error
    assert list(source.imports.values_list("outcome", flat=True)) == ["failed", "imported"]
    return record


def test_the_changed_feed_would_change_what_is_stored(imported_feed: ImportedFeed) -> None:
    # The control: served properly, the feed the faults below cut short does change the
    # stored rows, so "nothing changed" after them means something.
    feed = imported_feed
    before = stored(feed.organisation)
    feed.server.behaviour = serves(CHANGED_FEED)
    record = run_import(feed.source)
    assert record.outcome == FeedImport.Outcome.IMPORTED
    assert (record.created, record.updated, record.withdrawn) == (1, 1, 1)
    assert stored(feed.organisation)["fingerprint"] != before["fingerprint"]


def test_a_feed_server_that_never_answers(imported_feed: ImportedFeed) -> None:
    imported_feed.server.behaviour = never_answers
    record = failed_import_changed_nothing(imported_feed, within=FEED_TIMEOUT + SLACK)
    assert record.error == "The calendar's server took too long to answer"


def test_a_feed_server_that_stops_sending_mid_body(imported_feed: ImportedFeed) -> None:
    imported_feed.server.behaviour = stops_mid_body
    record = failed_import_changed_nothing(imported_feed, within=FEED_TIMEOUT + SLACK)
    assert record.error == "The calendar's server took too long to send the feed"


def test_a_feed_server_that_trickles_is_cut_off(imported_feed: ImportedFeed) -> None:
    # The feed would take over a minute at this pace. Whatever the import does, the
    # server hangs up after 2 x FEEDS_TIMEOUT_SECONDS + SLACK + 3 s (so this test ends
    # either way); the import must have given up by itself well before that: within
    # 2 x FEEDS_TIMEOUT_SECONDS, and the slack for the database.
    server = imported_feed.server
    server.behaviour = trickles
    watchdog = threading.Timer(2 * FEED_TIMEOUT + SLACK + 3, server.stop.set)
    watchdog.start()
    try:
        record = failed_import_changed_nothing(imported_feed, within=2 * FEED_TIMEOUT + SLACK)
    finally:
        watchdog.cancel()
    assert record.error == "The calendar's server took too long to send the feed"


@pytest.mark.parametrize("framing", ["content-length", "until-closed", "chunked"])
def test_a_feed_larger_than_the_limit_is_refused(imported_feed: ImportedFeed, framing: str) -> None:
    # An endless body: it is refused as soon as it passes the limit, however it is framed.
    imported_feed.server.behaviour = sends_without_end(framing)
    record = failed_import_changed_nothing(imported_feed, within=FEED_TIMEOUT + SLACK)
    assert record.error == "The feed is larger than 1 MB; ask for a shorter calendar"


def test_a_feed_server_that_closes_mid_body(imported_feed: ImportedFeed) -> None:
    # Content-Length says more than comes: http.client hands back what arrived without
    # complaint (read(amt) does not raise IncompleteRead), so the fetch compares the two
    # and blames the connection, not the calendar (the parser would refuse the half).
    imported_feed.server.behaviour = closes_mid_body("content-length")
    record = failed_import_changed_nothing(imported_feed, within=FEED_TIMEOUT + SLACK)
    assert record.error == (
        "The feed stopped arriving: the connection closed before the whole feed came"
    )


def test_a_feed_server_that_closes_mid_chunk(imported_feed: ImportedFeed) -> None:
    imported_feed.server.behaviour = closes_mid_body("chunked")
    record = failed_import_changed_nothing(imported_feed, within=FEED_TIMEOUT + SLACK)
    assert "unexpectedly" not in record.error
    assert record.error == (
        "The feed stopped arriving: the connection closed before the whole feed came"
    )


# --- A mail server: down, hanging, or taking a message and never answering -----------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpServer:
    """A minimal SMTP server at socket level (aiosmtpd is not installed).

    mode: "accept" takes every message; "silent" takes the connection and never greets;
    "no-reply-after-data" takes the message and never says whether it was accepted."""

    mode: str = "accept"
    received: list[Received] = field(default_factory=list)
    connections: int = 0

    def session(self, conn: socket.socket, stop: threading.Event) -> None:
        self.connections += 1
        if self.mode == "silent":
            stop.wait(SERVER_PATIENCE)
            return
        lines = conn.makefile("rb")

        def say(*replies: str) -> None:
            conn.sendall("".join(reply + "\r\n" for reply in replies).encode())

        say("220 sink.test ESMTP")
        sender = ""
        recipients: list[str] = []
        while line := lines.readline(2000):
            verb = line[:4].upper()
            if verb == b"EHLO":
                say("250-sink.test", "250 8BITMIME")
            elif verb == b"HELO":
                say("250 sink.test")
            elif verb == b"MAIL":
                sender, recipients = line.decode().strip(), []
                say("250 OK")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                say("250 OK")
            elif verb == b"DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (part := lines.readline()) not in (b".\r\n", b""):
                    data += part
                self.received.append(Received(sender, recipients, data))
                if self.mode == "no-reply-after-data":
                    stop.wait(SERVER_PATIENCE)
                    return
                say("250 OK queued")
            elif verb == b"QUIT":
                say("221 Bye")
                return
            elif verb in (b"RSET", b"NOOP"):
                say("250 OK")
            else:
                say("502 Not implemented")

    def to(self, address: str) -> list[Received]:
        return [message for message in self.received if address in message.recipients]


@pytest.fixture
def smtp(loopback: Callable[[Behaviour], LoopbackServer]) -> tuple[SmtpServer, int]:
    state = SmtpServer()
    server = loopback(state.session)
    return state, server.port


MAIL_TIMEOUT = 1  # seconds: EMAIL_TIMEOUT in these tests


def mail_to(settings: Any, port: int) -> None:
    """Email through Django's SMTP backend to loopback:`port`, waiting 1 s at most."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT = MAIL_TIMEOUT


def test_the_smtp_server_here_takes_mail_from_django(
    smtp: tuple[SmtpServer, int], settings: Any
) -> None:
    # The control: the stand-in speaks enough SMTP for Django's backend.
    server, port = smtp
    mail_to(settings, port)
    assert EmailMessage("Hello", "Body", to=["someone@example.org"]).send() == 1
    (message,) = server.received
    assert message.recipients == ["someone@example.org"] and b"Subject: Hello" in message.data


@pytest.fixture
def case(client: Browser, personas: Personas, settings: Any) -> Casework:
    """Mary, a client of Ashfield, her case closed (so a message back can go) with her
    consent to contact and to tell her GP, an email address, and the referrer's;
    Liam signed in. Casework messages go by email."""
    settings.CASEWORK_SENDER = "email"
    group = organisation(personas.ashfield, "Kirkby Walking Group", email="walks@example.org")
    hall = venue(group, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    walk = activity(group, "Health walk", at=hall)
    weekly(walk, "TU", clock_time(10), clock_time(11), from_date=timezone.localdate())
    materialise_all()
    mary = make_client(personas.ashfield, worker=personas.link_worker, nhs_number="9434765919")
    casework = Casework(mary=mary, walk=walk, other_area_client=mary)
    referral = close_marys_case(client, personas, casework)
    Referral.objects.filter(pk=referral.pk).update(referrer_email="gp@example.nhs.uk")
    Client.objects.filter(pk=mary.pk).update(email="mary@example.org", consent_to_inform_gp=True)
    mary.refresh_from_db()
    return casework


def send_plan(client: Browser, mary: Client, method: str = "email") -> str:
    url = reverse("casework:plan_send", args=[mary.public_id])
    return client.post(url, {"method": method}, follow=True).content.decode()


def send_message_back(client: Browser, mary: Client) -> str:
    referral = mary.referrals.get()
    url = reverse("casework:message_back_send", args=[mary.public_id])
    return client.post(url, {"referral": str(referral.public_id)}, follow=True).content.decode()


def due(*messages: SentMessage) -> datetime:
    """Just after the latest of the messages' next tries."""
    moments = []
    for message in messages:
        message.refresh_from_db()
        assert message.next_attempt_at is not None
        moments.append(message.next_attempt_at)
    return max(moments) + timedelta(seconds=1)


def test_mail_server_down_messages_kept_then_sent_once_when_it_is_back(
    client: Browser, case: Casework, smtp: tuple[SmtpServer, int], settings: Any
) -> None:
    server, port = smtp
    mail_to(settings, closed_port())
    mary = case.mary
    started = time.monotonic()
    page = send_plan(client, mary)
    assert "could not be sent just now" in page and "Not sent yet" in page
    page = send_message_back(client, mary)
    assert "could not be sent just now" in page
    assert time.monotonic() - started < SLACK  # refused at once, not waited on
    plan = SentMessage.objects.get(kind=SentMessage.Kind.PLAN_EMAIL)
    letter = SentMessage.objects.get(kind=SentMessage.Kind.MESSAGE_BACK)
    for message in (plan, letter):
        assert message.status == SentMessage.Status.FAILED and message.attempts == 1
        assert message.error == "The email could not be sent. Try again in a few minutes."

    # The server is back: nothing goes before the message is due, then each goes once.
    mail_to(settings, port)
    assert send_waiting_messages(timezone.now())["sent"] == 0
    assert server.connections == 0
    later = due(plan, letter)
    assert send_waiting_messages(later) == {"sent": 2, "failed": 0, "interrupted": 0}
    assert len(server.received) == 2
    (to_mary,) = server.to("mary@example.org")
    (to_gp,) = server.to("gp@example.nhs.uk")
    assert b"application/pdf" in to_gp.data and b"application/pdf" not in to_mary.data
    for message in (plan, letter):
        message.refresh_from_db()
        assert message.status == SentMessage.Status.SENT and message.attempts == 2
    # Running again, and again later, sends nothing more.
    assert send_waiting_messages(later)["sent"] == 0
    assert send_waiting_messages(later + timedelta(days=1))["sent"] == 0
    assert len(server.received) == 2


def test_a_mail_server_that_never_greets_holds_nobody_and_loses_nothing(
    client: Browser, case: Casework, smtp: tuple[SmtpServer, int], settings: Any
) -> None:
    server, port = smtp
    server.mode = "silent"
    mail_to(settings, port)
    started = time.monotonic()
    send_plan(client, case.mary)
    assert time.monotonic() - started < MAIL_TIMEOUT + SLACK
    message = SentMessage.objects.get()  # kept, with why
    assert message.attempts == 1 and message.error
    assert message.status in (SentMessage.Status.FAILED, SentMessage.Status.UNKNOWN)
    # The server comes back: whatever is tried again goes once at most.
    server.mode = "accept"
    moment = timezone.now()
    for _ in range(4):
        moment += timedelta(hours=4)
        send_waiting_messages(moment)
    assert len(server.received) <= 1


def test_a_mail_server_that_never_greeted_is_tried_again_when_back(
    client: Browser, case: Casework, smtp: tuple[SmtpServer, int], settings: Any
) -> None:
    server, port = smtp
    server.mode = "silent"
    mail_to(settings, port)
    send_plan(client, case.mary)
    message = SentMessage.objects.get()
    server.mode = "accept"
    assert message.status == SentMessage.Status.FAILED
    assert send_waiting_messages(due(message))["sent"] == 1
    assert len(server.to("mary@example.org")) == 1


def test_a_message_the_mail_server_took_without_answering_is_never_sent_again(
    client: Browser, case: Casework, smtp: tuple[SmtpServer, int], settings: Any
) -> None:
    server, port = smtp
    server.mode = "no-reply-after-data"
    mail_to(settings, port)
    started = time.monotonic()
    said = send_message_back(client, case.mary)
    assert time.monotonic() - started < MAIL_TIMEOUT + SLACK
    # The notice says it may have gone, not that it could not be sent.
    assert "may or may not have gone to gp@example.nhs.uk" in said
    assert "could not be sent:" not in said
    assert len(server.to("gp@example.nhs.uk")) == 1  # it did arrive
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.UNKNOWN and message.next_attempt_at is None
    page = client.get(
        reverse("casework:message_back", args=[case.mary.public_id])
        + f"?referral={case.mary.referrals.get().public_id}"
    ).content.decode()
    assert "Not known" in page and "may or may not have gone" in page
    server.mode = "accept"
    moment = timezone.now()
    for _ in range(4):
        moment += timedelta(hours=4)
        assert send_waiting_messages(moment)["sent"] == 0
    assert len(server.received) == 1


# --- GOV.UK Notify: unreachable, 5xx, or no answer in time ---------------------------------

NOTIFY_KEY = (
    "inspiring_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
)


@dataclass
class FakeNotify:
    """Answers each message from its recipient's script in turn (a status, or "late":
    take it and answer only after the client has given up), then 201. Checks the token
    as Notify does; counts every request each recipient's message made."""

    url: str = ""
    scripts: dict[str, list[int | str]] = field(default_factory=dict)
    requests: list[tuple[str, str, int | str]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # Notify's ids for the messages it took
    stop: threading.Event = field(default_factory=threading.Event)

    def answer_for(self, recipient: str) -> int | str:
        script = self.scripts.get(recipient, [])
        return script.pop(0) if script else 201

    def tries(self, recipient: str) -> list[int | str]:
        return [answer for _, to, answer in self.requests if to == recipient]


def _token_is_good(authorization: str) -> bool:
    """As Notify checks the official client's token: HS256 with the key's secret, issued
    by the service."""
    try:
        claims = jwt.decode(
            authorization.removeprefix("Bearer "),
            NOTIFY_KEY[-36:],
            algorithms=["HS256"],
            options={"require": ["iss", "iat"]},
        )
    except jwt.PyJWTError:
        return False
    return bool(claims["iss"] == NOTIFY_KEY[-73:-37])


@pytest.fixture
def notify() -> Iterator[FakeNotify]:
    state = FakeNotify()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if not _token_is_good(self.headers.get("Authorization", "")):
                self.send_response(403)
                self.end_headers()
                return
            to = payload.get("email_address") or payload.get("phone_number")
            answer = state.answer_for(to)
            state.requests.append((self.path, to, answer))
            if answer == "late":
                state.stop.wait(SERVER_PATIENCE)
                answer = 201
            notification_id = str(uuid.uuid4())
            if answer == 201:
                state.ids.append(notification_id)
            body = json.dumps(
                {"id": notification_id}
                if answer == 201
                else {"status_code": answer, "errors": [{"error": "Error", "message": "Error"}]}
            ).encode()
            with contextlib.suppress(OSError):
                self.send_response(int(answer))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    state.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def notify_at(settings: Any, url: str) -> None:
    settings.CASEWORK_SENDER = "notify"
    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_EMAIL_TEMPLATE_ID = "email-template"
    settings.NOTIFY_SMS_TEMPLATE_ID = "sms-template"
    settings.NOTIFY_API_URL = url


TOMS_MOBILE = "+447700900982"
NOTIFY_TIMEOUT = 1  # seconds, for the sender given in the test of a late answer


@pytest.fixture
def two_plans(client: Browser, personas: Personas) -> tuple[Client, Client]:
    """Mary (a plan to email) and Tom (a plan to text), both agreed to a walk; Liam
    signed in."""
    group = organisation(personas.ashfield, "Kirkby Walking Group", email="walks@example.org")
    hall = venue(group, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    walk = activity(group, "Health walk", at=hall)
    weekly(walk, "TU", clock_time(10), clock_time(11), from_date=timezone.localdate())
    materialise_all()
    sign_in(client, personas.link_worker, area=personas.ashfield)
    mary = make_client(personas.ashfield, worker=personas.link_worker)
    tom = make_client(personas.ashfield, "Tom", "Hill", worker=personas.link_worker)
    for someone in (mary, tom):
        agree(client, someone, walk, [])
    Client.objects.filter(pk=mary.pk).update(email="mary@example.org")
    Client.objects.filter(pk=tom.pk).update(phone="07700 900982")
    mary.refresh_from_db()
    tom.refresh_from_db()
    return mary, tom


def test_notify_down_then_failing_messages_kept_retried_and_sent_once(
    client: Browser, two_plans: tuple[Client, Client], notify: FakeNotify, settings: Any
) -> None:
    mary, tom = two_plans
    # First Notify cannot be reached; then it answers 500 and 503 (or 503 and 500).
    notify_at(settings, f"http://127.0.0.1:{closed_port()}")
    notify.scripts = {"mary@example.org": [500, 503], TOMS_MOBILE: [503, 500]}
    assert "could not be sent just now" in send_plan(client, mary, "email")
    assert "could not be sent just now" in send_plan(client, tom, "text")
    by_email = SentMessage.objects.get(kind=SentMessage.Kind.PLAN_EMAIL)
    by_text = SentMessage.objects.get(kind=SentMessage.Kind.PLAN_TEXT)
    assert not notify.requests

    notify_at(settings, notify.url)
    moment = timezone.now()
    for tries in (2, 3):
        moment = due(by_email, by_text)
        assert send_waiting_messages(moment) == {"sent": 0, "failed": 2, "interrupted": 0}
        for message in (by_email, by_text):
            message.refresh_from_db()
            assert message.status == SentMessage.Status.FAILED and message.attempts == tries
            assert "did not accept the message" in message.error
    # The fourth and last try: Notify takes each.
    assert send_waiting_messages(due(by_email, by_text))["sent"] == 2
    assert notify.tries("mary@example.org") == [500, 503, 201]
    assert notify.tries(TOMS_MOBILE) == [503, 500, 201]
    for message in (by_email, by_text):
        message.refresh_from_db()
        assert message.status == SentMessage.Status.SENT and message.attempts == 4
        # Notify's id for the try that went, for its delivery receipt.
        assert message.provider_id in notify.ids
    paths = sorted({path for path, _, _ in notify.requests})
    assert paths == ["/v2/notifications/email", "/v2/notifications/sms"]
    # Never again.
    assert send_waiting_messages(moment + timedelta(days=1))["sent"] == 0
    assert len(notify.requests) == 6


def test_a_message_notify_took_but_did_not_answer_in_time_is_never_sent_again(
    rf: Any, personas: Personas, two_plans: tuple[Client, Client], notify: FakeNotify
) -> None:
    # Notify receives the message and answers after the client has stopped waiting: it
    # may well have gone, so it must not be sent again. (The sender is given here, with
    # a 1 s timeout: the one get_sender builds waits 15 s, and that is not a setting.)
    mary, _ = two_plans
    sender = NotifySender(
        NOTIFY_KEY,
        email_template_id="email-template",
        sms_template_id="sms-template",
        base_url=notify.url,
        timeout=NOTIFY_TIMEOUT,
    )
    notify.scripts = {"mary@example.org": ["late"]}
    request = rf.post("/")
    request.user = personas.link_worker
    started = time.monotonic()
    message = do_send_plan(request, mary, "email", sender=sender)
    assert time.monotonic() - started < NOTIFY_TIMEOUT + SLACK
    assert message.status == SentMessage.Status.UNKNOWN and message.next_attempt_at is None
    assert message.error == "GOV.UK Notify did not answer in time."
    moment = timezone.now()
    for _ in range(4):
        moment += timedelta(hours=4)
        assert send_waiting_messages(moment, sender=sender)["sent"] == 0
    assert notify.tries("mary@example.org") == ["late"]


# --- Invitations by email ---------------------------------------------------------------------


@pytest.mark.parametrize("down", ["refused", "silent"])
def test_an_invitation_that_could_not_be_emailed_is_shown_and_sent_again(
    client: Browser,
    personas: Personas,
    smtp: tuple[SmtpServer, int],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    down: str,
) -> None:
    server, port = smtp
    if down == "refused":
        mail_to(settings, closed_port())
    else:
        server.mode = "silent"
        mail_to(settings, port)
    sign_in(client, personas.coordinator)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/team/invite/",
            {"email": "sam@practice.test", "full_name": "Sam Green", "role": Role.LINK_WORKER},
        )
    assert response.status_code == 302
    assert time.monotonic() - started < MAIL_TIMEOUT + SLACK
    invitation = Invitation.objects.get()
    assert invitation.is_pending and invitation.email_status == "failed"
    assert invitation.email_error
    team = client.get("/staff/team/").content.decode()
    assert "sam@practice.test" in team and "Email not sent" in team
    resend = f"/staff/team/invitations/{invitation.public_id}/resend/"
    assert resend in team
    assert not server.received

    # The mail server is back: sent again from the team page, it goes once.
    server.mode = "accept"
    mail_to(settings, port)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(resend).status_code == 302
    (sent,) = server.received
    assert sent.recipients == ["sam@practice.test"] and b"/invitations/" in sent.data
    invitation.refresh_from_db()
    assert invitation.email_status == "sent" and invitation.email_error == ""
    assert "Email not sent" not in client.get("/staff/team/").content.decode()
