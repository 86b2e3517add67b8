"""Messages to and about clients go out after the record is committed, never inside a
transaction; a failure is kept and tried again, never lost and never sent twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection as db
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.actions.messages import do_send_plan, send_waiting_messages
from inspiring.casework.models import Client, Connection, RegisterLink, SentMessage
from inspiring.casework.models.messages import MAX_ATTEMPTS
from lib.senders import Attachment, ConsoleSender, NotifySender
from tests.conftest import sign_in
from tests.geography import ensure_geography
from tests.personas import Personas

from .conftest import Casework
from .test_partner import connect, session_of
from .test_plan import agree

pytestmark = pytest.mark.django_db

# Nothing listens here: connecting is refused at once, as when a mail server is down.
CLOSED_PORT = 9


@pytest.fixture
def mary_agreed(client: Browser, personas: Personas, casework: Casework) -> Client:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    agree(client, casework.mary, casework.walk, [])
    Client.objects.filter(pk=casework.mary.pk).update(email="mary@example.org")
    casework.mary.refresh_from_db()
    return casework.mary


@pytest.fixture
def mail_server_down(settings: Any) -> None:
    settings.CASEWORK_SENDER = "email"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", CLOSED_PORT, 2


def _mail_server_back(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_message_that_could_not_go_is_kept_and_tried_again_later(
    client: Browser, mary_agreed: Client, mail_server_down: None, settings: Any
) -> None:
    url = reverse("casework:plan_send", args=[mary_agreed.public_id])
    response = client.post(url, {"method": "email"}, follow=True)
    page = response.content.decode()
    assert "could not be sent just now" in page and "tried again automatically" in page
    assert "Not sent yet" in page  # its progress, on the plan page
    message = SentMessage.objects.get(client=mary_agreed)
    assert message.status == SentMessage.Status.FAILED and message.attempts == 1
    assert message.next_attempt_at is not None
    assert message.error == "The email could not be sent. Try again in a few minutes."
    # Sending again now would send two: it is refused, and says why.
    again = client.post(url, {"method": "email"})
    assert "still waiting to be sent" in again.content.decode()
    assert SentMessage.objects.count() == 1

    _mail_server_back(settings)
    assert send_waiting_messages(timezone.now()) == {"sent": 0, "failed": 0, "interrupted": 0}
    assert not mail.outbox  # not due yet
    assert message.next_attempt_at is not None
    later = message.next_attempt_at + timedelta(seconds=1)
    assert send_waiting_messages(later) == {"sent": 1, "failed": 0, "interrupted": 0}
    (sent,) = mail.outbox
    assert sent.to == ["mary@example.org"] and sent.body == message.body
    message.refresh_from_db()
    assert message.status == SentMessage.Status.SENT and message.attempts == 2
    assert message.sent_at == later and message.error == ""
    # Sent once: running again sends nothing more.
    assert send_waiting_messages(later + timedelta(days=1))["sent"] == 0
    assert len(mail.outbox) == 1
    timeline = client.get(mary_agreed.get_absolute_url()).content.decode()
    assert "Plan by email sent to mary@example.org" in timeline


def test_after_four_tries_it_is_given_up_and_says_so(
    client: Browser, mary_agreed: Client, mail_server_down: None
) -> None:
    client.post(reverse("casework:plan_send", args=[mary_agreed.public_id]), {"method": "email"})
    message = SentMessage.objects.get()
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS - 1):
        message.refresh_from_db()
        assert message.next_attempt_at is not None
        moment = message.next_attempt_at + timedelta(seconds=1)
        send_waiting_messages(moment)
    message.refresh_from_db()
    assert message.status == SentMessage.Status.GAVE_UP and message.attempts == MAX_ATTEMPTS
    assert message.next_attempt_at is None
    assert send_waiting_messages(moment + timedelta(days=1))["failed"] == 0
    page = client.get(reverse("casework:plan", args=[mary_agreed.public_id])).content.decode()
    assert "Could not be sent" in page and "Send it another way, or print it." in page
    timeline = client.get(mary_agreed.get_absolute_url()).content.decode()
    assert "Plan by email could not be sent to mary@example.org" in timeline


@pytest.fixture
def notify_refuses() -> Iterator[str]:
    """A stand-in for GOV.UK Notify that refuses every message as a bad request (400)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            # Notify's error shape (its API documentation).
            error = {"error": "BadRequestError", "message": "phone_number Not a UK mobile number"}
            self.wfile.write(json.dumps({"status_code": 400, "errors": [error]}).encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_message_the_service_refuses_is_not_tried_again(
    rf: Any, personas: Personas, mary_agreed: Client, notify_refuses: str
) -> None:
    sender = NotifySender(
        "inspiring_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
        email_template_id="email",
        sms_template_id="sms",
        base_url=notify_refuses,
    )
    request = rf.post("/")
    request.user = personas.link_worker
    message = do_send_plan(request, mary_agreed, "email", sender=sender)
    assert message.status == SentMessage.Status.GAVE_UP and message.attempts == 1
    assert "did not accept the message" in message.error
    assert message.provider_id == ""  # Notify made no notification of it


def test_an_interrupted_message_is_never_sent_again_blind(
    mary_agreed: Client, personas: Personas
) -> None:
    long_ago = timezone.now() - timedelta(hours=1)
    message = SentMessage.objects.create(
        client=mary_agreed,
        kind=SentMessage.Kind.PLAN_EMAIL,
        to="mary@example.org",
        subject="Your plan",
        body="Hello Mary",
        status=SentMessage.Status.SENDING,
        attempted_at=long_ago,
        by=personas.link_worker,
    )
    # Still sending, recently: left alone (a worker may be sending it now).
    recent = SentMessage.objects.create(
        client=mary_agreed,
        kind=SentMessage.Kind.PLAN_TEXT,
        to="+447700900123",
        body="Your plan",
        status=SentMessage.Status.SENDING,
        attempted_at=timezone.now(),
    )
    assert send_waiting_messages() == {"sent": 0, "failed": 0, "interrupted": 1}
    message.refresh_from_db()
    recent.refresh_from_db()
    assert message.status == SentMessage.Status.UNKNOWN
    assert recent.status == SentMessage.Status.SENDING
    assert not mail.outbox


def test_the_waiting_messages_command(mary_agreed: Client) -> None:
    out = []

    class Out:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    call_command("send_waiting_messages", stdout=Out())
    assert "0 sent, 0 still failing, 0 interrupted" in "".join(out)


class WatchingSender(ConsoleSender):
    """The development sender, noting whether a transaction was open as it sent."""

    def __init__(self) -> None:
        super().__init__(stream=None)
        self.in_transaction: list[bool] = []

    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        self.in_transaction.append(db.in_atomic_block)
        super().send_email(to, subject, body, attachments=attachments)


@pytest.fixture
def geography(transactional_db: None) -> None:
    # Transactional tests run after the others, with the database flushed between
    # them: the geography loaded once for the run may be gone.
    ensure_geography()


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_inside_a_transaction(
    geography: None,
    rf: Any,
    personas: Personas,
    casework: Casework,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A real transaction boundary (no test transaction around it), so that an open
    # transaction while sending shows, as it would hold every writer on SQLite.
    walk = casework.walk
    session = walk.sessions.filter(start__gte=timezone.now()).order_by("start").first()
    Connection.objects.create(
        client=casework.mary,
        activity=walk,
        level="signpost",
        status=Connection.Status.AGREED,
        status_changed_on=timezone.localdate(),
        first_session=session,
    )
    Client.objects.filter(pk=casework.mary.pk).update(email="mary@example.org")
    casework.mary.refresh_from_db()
    request = rf.post("/")
    request.user = personas.link_worker
    sender = WatchingSender()
    message = do_send_plan(request, casework.mary, "email", sender=sender)
    assert sender.in_transaction == [False]
    assert message.status == SentMessage.Status.SENT
    assert "Email to: mary@example.org" in capsys.readouterr().out


def test_a_register_link_that_could_not_be_emailed_does_not_work(
    personas: Personas, casework: Casework, mail_server_down: None
) -> None:
    yesterday = session_of(casework.walk, -1)
    mary = connect(casework.mary, casework.walk, first=yesterday)
    worker = sign_in(Browser(), personas.link_worker, area=personas.ashfield)
    response = worker.post(
        reverse("casework:send_register_link", args=[mary.public_id]),
        {"session": str(yesterday.public_id)},
    )
    assert "The email could not be sent. Try again in a few minutes." in response.content.decode()
    assert not RegisterLink.objects.exists()


@pytest.fixture
def notify_never_answers() -> Iterator[str]:
    """A stand-in for GOV.UK Notify that takes the message and does not answer in time."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            release.wait(5)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    release.set()
    server.shutdown()
    server.server_close()


def test_no_answer_in_time_is_not_known_and_never_tried_again(
    rf: Any, personas: Personas, mary_agreed: Client, notify_never_answers: str
) -> None:
    # Notify may have taken it: trying again could send it twice.
    sender = NotifySender(
        "inspiring_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
        email_template_id="email",
        sms_template_id="sms",
        base_url=notify_never_answers,
        timeout=0.5,
    )
    request = rf.post("/")
    request.user = personas.link_worker
    message = do_send_plan(request, mary_agreed, "email", sender=sender)
    assert message.status == SentMessage.Status.UNKNOWN and message.next_attempt_at is None
    assert send_waiting_messages(timezone.now() + timedelta(days=1))["sent"] == 0


def test_a_retry_does_not_go_against_a_change_of_mind_or_address(
    client: Browser, mary_agreed: Client, mail_server_down: None, settings: Any
) -> None:
    url = reverse("casework:plan_send", args=[mary_agreed.public_id])
    client.post(url, {"method": "email"})
    message = SentMessage.objects.get()
    Client.objects.filter(pk=mary_agreed.pk).update(email="mary.new@example.org")
    _mail_server_back(settings)
    assert message.next_attempt_at is not None
    send_waiting_messages(message.next_attempt_at + timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == SentMessage.Status.GAVE_UP and not mail.outbox
    assert message.error == "Their contact details have changed since: send it again."
    # Given up, it no longer holds a new one back.
    assert client.post(url, {"method": "email"}).status_code == 302
    assert mail.outbox[0].to == ["mary.new@example.org"]

    SentMessage.objects.all().delete()
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    client.post(url, {"method": "email"})
    Client.objects.filter(pk=mary_agreed.pk).update(consent_to_contact=False)
    _mail_server_back(settings)
    message = SentMessage.objects.get()
    assert message.next_attempt_at is not None
    send_waiting_messages(message.next_attempt_at + timedelta(seconds=1))
    message.refresh_from_db()
    assert message.error == "They no longer agree to be contacted." and not mail.outbox


def test_staff_can_stop_a_message_waiting_to_be_tried_again(
    client: Browser, personas: Personas, mary_agreed: Client, mail_server_down: None
) -> None:
    client.post(reverse("casework:plan_send", args=[mary_agreed.public_id]), {"method": "email"})
    message = SentMessage.objects.get()
    page = client.get(reverse("casework:plan", args=[mary_agreed.public_id])).content.decode()
    stop = reverse("casework:stop_message", args=[mary_agreed.public_id, message.pk])
    assert stop in page and "Stop trying" in page
    response = client.post(stop, follow=True)
    assert "It will not be tried again" in response.content.decode()
    message.refresh_from_db()
    assert message.status == SentMessage.Status.GAVE_UP
    assert message.error == "Stopped by Liam Walsh."
    assert AuditEntry.objects.filter(action="message.stopped").exists()
    # Stopping twice says so; another area's link worker gets 404.
    assert "not waiting to be sent" in client.post(stop, follow=True).content.decode()
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    assert client.post(stop).status_code == 404
