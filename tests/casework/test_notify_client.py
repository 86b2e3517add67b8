"""GOV.UK Notify through its official client (issue 22, part 3): what the client sends,
the ids kept, errors mapped onto SendFailed; and Notify's delivery receipts (the
callback), shown where messages are listed.

Notify is a stand-in on loopback (http.server in a thread): nothing in the client is
mocked. It checks the client's token as Notify does (PyJWT, with the service's key),
checks the JSON it is sent, and answers with Notify's own response and error shapes
(docs.notifications.service.gov.uk/rest-api.html).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.bookings.models import Booking
from inspiring.bookings.reminders import send_booking_reminders
from inspiring.casework import choices
from inspiring.casework.actions.messages import do_send_plan, send_waiting_messages
from inspiring.casework.models import Client, SentMessage
from lib.senders import NotifySender, SendFailed, with_reference
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework
from .test_booking_reminders import booked, day_before
from .test_plan import agree

pytestmark = pytest.mark.django_db

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
KEY = f"inspiring_test-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS_TEMPLATE = "b5e5ea3c-6c3b-4ac4-9e4c-2d4e1f2b1a80"
CALLBACK_TOKEN = "a-long-callback-token-for-tests"

# Notify's error bodies, as its API documents them.
ERRORS: dict[int, dict[str, Any]] = {
    400: {
        "status_code": 400,
        "errors": [
            {
                "error": "BadRequestError",
                "message": "Can't send to this recipient using a team-only API key",
            }
        ],
    },
    403: {
        "status_code": 403,
        "errors": [{"error": "AuthError", "message": "Invalid token: API key not found"}],
    },
    429: {
        "status_code": 429,
        "errors": [
            {
                "error": "RateLimitError",
                "message": "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
            }
        ],
    },
    500: {
        "status_code": 500,
        "errors": [{"error": "Exception", "message": "Internal server error"}],
    },
    503: {"status_code": 503, "errors": [{"error": "Exception", "message": "Service unavailable"}]},
}


@dataclass
class FakeNotify:
    """Notify's /v2/notifications/email and /sms. Answers each recipient from its
    script in turn (a status code, "late": no answer until the client has given up, or
    "not json": a 201 that is not JSON), then 201 with a new notification id. Keeps
    what it was sent and the token's claims."""

    url: str = ""
    scripts: dict[str, list[int | str]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def _token_claims(authorization: str) -> dict[str, Any] | None:
    """The token's claims if Notify would take it: HS256, signed with the key's secret,
    issued by the service, within 30 seconds of now."""
    token = authorization.removeprefix("Bearer ")
    try:
        claims: dict[str, Any] = jwt.decode(
            token, SECRET, algorithms=["HS256"], options={"require": ["iss", "iat"]}
        )
    except jwt.PyJWTError:
        return None
    if claims["iss"] != SERVICE_ID or abs(time.time() - claims["iat"]) > 30:
        return None
    return claims


def _problem(path: str, body: Any) -> str:
    """What Notify's schema check would say of the body, or ""."""
    if not isinstance(body, dict) or "template_id" not in body:
        return "template_id is a required property"
    recipient = "email_address" if path.endswith("/email") else "phone_number"
    if path not in ("/v2/notifications/email", "/v2/notifications/sms"):
        return f"no such path {path}"
    if not isinstance(body.get(recipient), str):
        return f"{recipient} is a required property"
    allowed = {recipient, "template_id", "personalisation", "reference"}
    extra = set(body) - allowed
    return f"Additional properties are not allowed ({', '.join(sorted(extra))})" if extra else ""


@pytest.fixture
def notify() -> Iterator[FakeNotify]:
    with fake_notify() as state:
        yield state


@contextlib.contextmanager
def fake_notify() -> Iterator[FakeNotify]:
    """The stand-in, running on loopback on a port the system chose."""
    state = FakeNotify()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, payload: dict[str, Any] | bytes) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            claims = _token_claims(self.headers.get("Authorization", ""))
            if claims is None:
                self._answer(403, ERRORS[403])
                return
            body = json.loads(raw)
            problem = _problem(self.path, body)
            if problem:
                error = {"error": "ValidationError", "message": problem}
                self._answer(400, {"status_code": 400, "errors": [error]})
                return
            to = body.get("email_address") or body.get("phone_number")
            script = state.scripts.get(to, [])
            answer = script.pop(0) if script else 201
            state.received.append(
                {
                    "path": self.path,
                    "body": body,
                    "claims": claims,
                    "headers": dict(self.headers),
                    "answer": answer,
                }
            )
            if answer == "late":
                state.stop.wait(5)
                answer = 201
            if answer == "stalls":
                # The status and headers, then the body never comes.
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "500")
                self.end_headers()
                self.wfile.write(b'{"id": ')
                self.wfile.flush()
                state.stop.wait(5)
                return
            if answer == "not json":
                self._answer(201, b"<html>Created</html>")
                return
            if answer != 201:
                self._answer(int(answer), ERRORS[int(answer)])
                return
            notification_id = str(uuid.uuid4())
            state.ids.append(notification_id)
            base = "https://api.notifications.service.gov.uk/v2"
            content: dict[str, Any] = (
                {
                    "subject": body["personalisation"]["subject"],
                    "body": body["personalisation"]["body"],
                    "from_email": "inspiring@notifications.service.gov.uk",
                    "one_click_unsubscribe_url": None,
                }
                if self.path.endswith("/email")
                else {"body": body["personalisation"]["body"], "from_number": "Inspiring"}
            )
            template = body["template_id"]
            self._answer(
                201,
                {
                    "id": notification_id,
                    "reference": body.get("reference"),
                    "content": content,
                    "uri": f"{base}/notifications/{notification_id}",
                    "template": {
                        "id": template,
                        "version": 1,
                        "uri": f"{base}/template/{template}",
                    },
                },
            )

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


def sender_for(notify: FakeNotify, *, timeout: float = 15, key: str = KEY) -> NotifySender:
    return NotifySender(
        key,
        email_template_id=EMAIL_TEMPLATE,
        sms_template_id=SMS_TEMPLATE,
        base_url=notify.url,
        timeout=timeout,
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- Sending ------------------------------------------------------------------------------


def test_a_text_and_an_email_go_through_the_official_client_with_our_reference(
    notify: FakeNotify,
) -> None:
    sender = with_reference(sender_for(notify), "casework-message-7")
    text_id = sender.send_text("+447700900123", "Mary, your plan: Health walk")
    email_id = sender.send_email("mary@example.org", "Your plan", "Hello Mary")
    assert [r["path"] for r in notify.received] == [
        "/v2/notifications/sms",
        "/v2/notifications/email",
    ]
    assert notify.received[0]["body"] == {
        "phone_number": "+447700900123",
        "template_id": SMS_TEMPLATE,
        "personalisation": {"body": "Mary, your plan: Health walk"},
        "reference": "casework-message-7",
    }
    # No reply-to address: none is configured (Notify uses the service's default).
    assert notify.received[1]["body"] == {
        "email_address": "mary@example.org",
        "template_id": EMAIL_TEMPLATE,
        "personalisation": {"subject": "Your plan", "body": "Hello Mary"},
        "reference": "casework-message-7",
    }
    # Signed by the official client (the stand-in refuses any other token).
    for request in notify.received:
        assert request["claims"]["iss"] == SERVICE_ID
        assert request["headers"]["User-agent"].startswith("NOTIFY-API-PYTHON-CLIENT/")
    # What sending returns is Notify's id for each.
    assert [text_id, email_id] == notify.ids


def test_a_sender_without_a_reference_sends_none(notify: FakeNotify) -> None:
    sender_for(notify).send_text("+447700900123", "Hello")
    assert "reference" not in notify.received[0]["body"]


@pytest.mark.parametrize(
    ("answer", "permanent"),
    [(400, True), (403, True), (429, False), (500, False), (503, False)],
)
def test_notifys_refusals_are_mapped_as_before(
    notify: FakeNotify, answer: int, permanent: bool
) -> None:
    notify.scripts = {"+447700900999": [answer]}
    with pytest.raises(SendFailed) as refused:
        sender_for(notify).send_text("+447700900999", "refused")
    # 400 and 403 are about this message or our key: never tried again unchanged.
    assert refused.value.permanent is permanent and refused.value.uncertain is False
    assert "did not accept the message" in str(refused.value)
    assert "team-only" not in str(refused.value)  # Notify's words go to the log only


def test_a_key_notify_does_not_know_is_refused_for_good(notify: FakeNotify) -> None:
    other = f"inspiring_test-{SERVICE_ID}-{uuid.uuid4()}"
    with pytest.raises(SendFailed) as refused:
        sender_for(notify, key=other).send_text("+447700900123", "Hello")
    assert refused.value.permanent and not notify.received


def test_notify_not_reached_is_tried_again() -> None:
    sender = NotifySender(
        KEY,
        email_template_id=EMAIL_TEMPLATE,
        sms_template_id=SMS_TEMPLATE,
        base_url=f"http://127.0.0.1:{closed_port()}",
    )
    with pytest.raises(SendFailed) as failed:
        sender.send_email("mary@example.org", "Subject", "Body")
    assert not failed.value.permanent and not failed.value.uncertain
    assert str(failed.value) == "The message could not be sent. Try again in a few minutes."


def test_no_answer_in_time_may_have_gone(notify: FakeNotify) -> None:
    notify.scripts = {"mary@example.org": ["late"]}
    with pytest.raises(SendFailed) as failed:
        sender_for(notify, timeout=0.5).send_email("mary@example.org", "Subject", "Body")
    assert failed.value.uncertain and not failed.value.permanent
    assert str(failed.value) == "GOV.UK Notify did not answer in time."


def test_an_answer_that_stops_halfway_may_have_gone(notify: FakeNotify) -> None:
    notify.scripts = {"mary@example.org": ["stalls"]}
    with pytest.raises(SendFailed) as failed:
        sender_for(notify, timeout=0.5).send_email("mary@example.org", "Subject", "Body")
    assert failed.value.uncertain and not failed.value.permanent


def test_a_201_that_is_not_json_went_without_an_id(notify: FakeNotify) -> None:
    notify.scripts = {"mary@example.org": ["not json"]}
    assert sender_for(notify).send_email("mary@example.org", "Subject", "Body") is None


def test_a_key_that_is_not_a_notify_key_fails_at_once() -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        NotifySender("not-a-key", email_template_id="e", sms_template_id="s")


@pytest.fixture
def mary_agreed(client: Browser, personas: Personas, casework: Casework) -> Client:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    agree(client, casework.mary, casework.walk, [])
    Client.objects.filter(pk=casework.mary.pk).update(
        email="mary@example.org", phone="07700 900982"
    )
    casework.mary.refresh_from_db()
    return casework.mary


def test_a_plan_sent_through_notify_keeps_notifys_id(
    rf: Any, personas: Personas, mary_agreed: Client, notify: FakeNotify
) -> None:
    request = rf.post("/")
    request.user = personas.link_worker
    message = do_send_plan(request, mary_agreed, "text", sender=sender_for(notify))
    assert message.status == SentMessage.Status.SENT
    assert message.provider_id == notify.ids[0]
    assert notify.received[0]["body"]["reference"] == f"casework-message-{message.pk}"
    assert notify.received[0]["body"]["phone_number"] == "+447700900982"


def test_a_retry_through_notify_keeps_the_id_of_the_try_that_went(
    rf: Any, personas: Personas, mary_agreed: Client, notify: FakeNotify
) -> None:
    notify.scripts = {"mary@example.org": [503]}
    request = rf.post("/")
    request.user = personas.link_worker
    sender = sender_for(notify)
    message = do_send_plan(request, mary_agreed, "email", sender=sender)
    assert message.status == SentMessage.Status.FAILED and message.provider_id == ""
    assert message.next_attempt_at is not None
    send_waiting_messages(message.next_attempt_at, sender=sender)
    message.refresh_from_db()
    assert message.status == SentMessage.Status.SENT and message.provider_id == notify.ids[0]
    assert [r["body"]["reference"] for r in notify.received] == [message.reference] * 2


# --- Delivery receipts (the callback) -------------------------------------------------------

RECEIPTS = "/api/notify/delivery-receipts/"


def receipt(notification_id: str, status: str = "delivered", **more: Any) -> dict[str, Any]:
    """A receipt as Notify posts it."""
    return {
        "id": notification_id,
        "reference": more.pop("reference", None),
        "to": more.pop("to", "+447700900982"),
        "status": status,
        "created_at": "2026-12-07T10:01:58.000000Z",
        "completed_at": "2026-12-07T10:02:07.000000Z",
        "sent_at": "2026-12-07T10:01:59.000000Z",
        "notification_type": "sms",
        "template_id": SMS_TEMPLATE,
        "template_version": 1,
        **more,
    }


def post_receipt(
    browser: Browser, body: Any, *, token: str | None = CALLBACK_TOKEN, raw: bytes | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = raw if raw is not None else json.dumps(body)
    return browser.post(RECEIPTS, data=data, content_type="application/json", headers=headers)


@pytest.fixture
def callbacks(settings: Any) -> Browser:
    """Receipts configured; a browser that checks CSRF tokens as a real one would."""
    settings.NOTIFY_CALLBACK_TOKEN = CALLBACK_TOKEN
    return Browser(enforce_csrf_checks=True)


@pytest.fixture
def sent_text(mary_agreed: Client) -> SentMessage:
    """Mary's plan by text, sent through Notify (its id kept)."""
    return SentMessage.objects.create(
        client=mary_agreed,
        kind=SentMessage.Kind.PLAN_TEXT,
        to="+447700900982",
        body="Mary, your plan: Health walk",
        status=SentMessage.Status.SENT,
        attempts=1,
        provider_id=str(uuid.uuid4()),
    )


def test_the_receipt_url_is_there_only_when_configured(
    settings: Any, sent_text: SentMessage
) -> None:
    settings.NOTIFY_CALLBACK_TOKEN = ""
    assert post_receipt(Browser(), receipt(sent_text.provider_id)).status_code == 404
    sent_text.refresh_from_db()
    assert sent_text.delivery_status == ""


@pytest.mark.parametrize("token", [None, "wrong-token-entirely", CALLBACK_TOKEN + "x", ""])
def test_a_receipt_without_the_token_is_refused(
    callbacks: Browser, sent_text: SentMessage, token: str | None
) -> None:
    response = post_receipt(callbacks, receipt(sent_text.provider_id), token=token)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    sent_text.refresh_from_db()
    assert sent_text.delivery_status == ""
    assert not AuditEntry.objects.filter(action="message.delivery_receipt").exists()


def test_receipts_are_posted(callbacks: Browser) -> None:
    response = callbacks.get(RECEIPTS, HTTP_AUTHORIZATION=f"Bearer {CALLBACK_TOKEN}")
    assert response.status_code == 405 and response["Allow"] == "POST"


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"\xff\xfe", b"[]", b'"delivered"', b'{"status": "delivered"}', b'{"id": 7}'],
)
def test_a_body_that_is_not_a_receipt_is_refused(
    callbacks: Browser, sent_text: SentMessage, raw: bytes
) -> None:
    assert post_receipt(callbacks, None, raw=raw).status_code == 400
    sent_text.refresh_from_db()
    assert sent_text.delivery_status == ""


def test_a_delivered_receipt_is_kept_once_without_its_content(
    callbacks: Browser, sent_text: SentMessage, client: Browser
) -> None:
    # The receipt names another recipient: it is never stored, nor anything but the status.
    body = receipt(sent_text.provider_id, to="+447700900000", reference="casework-message-0")
    response = post_receipt(callbacks, body)
    assert response.status_code == 200
    sent_text.refresh_from_db()
    assert sent_text.delivery_status == "delivered"
    assert sent_text.delivery_status_at == datetime(2026, 12, 7, 10, 2, 7, tzinfo=UTC)
    assert sent_text.to == "+447700900982" and sent_text.body == "Mary, your plan: Health walk"
    (entry,) = AuditEntry.objects.filter(action="message.delivery_receipt")
    assert entry.actor is None  # the system's change
    assert entry.detail == {"kind": "plan_text", "delivery_status": "delivered"}
    assert entry.object_id == str(sent_text.client.public_id)
    assert "+447700900000" not in json.dumps(
        list(SentMessage.objects.values("to", "subject", "body", "error", "provider_id"))
    )
    # Notify sends it again: nothing changes, nothing more is logged.
    assert post_receipt(callbacks, body).status_code == 200
    assert AuditEntry.objects.filter(action="message.delivery_receipt").count() == 1
    # Shown where the plan's messages are listed (7 December, 10:02 in London is UTC).
    page = client.get(reverse("casework:plan", args=[sent_text.client.public_id]))
    assert "Delivered on 7 December at 10:02" in page.content.decode()


def test_a_failure_receipt_says_why_on_the_page(
    callbacks: Browser, sent_text: SentMessage, client: Browser
) -> None:
    post_receipt(callbacks, receipt(sent_text.provider_id, "permanent-failure"))
    sent_text.refresh_from_db()
    assert sent_text.delivery_status == "permanent-failure"
    page = client.get(reverse("casework:plan", args=[sent_text.client.public_id]))
    assert (
        "Not delivered: the phone number does not exist, or their network refused the "
        "message (permanent failure)." in page.content.decode()
    )


def test_a_receipt_for_no_message_of_ours_changes_nothing(
    callbacks: Browser, sent_text: SentMessage
) -> None:
    unknown = receipt(str(uuid.uuid4()), reference="someone-elses-reference")
    assert post_receipt(callbacks, unknown).status_code == 200
    # Nor does one whose reference names a message with another id.
    other = receipt(str(uuid.uuid4()), reference=sent_text.reference)
    assert post_receipt(callbacks, other).status_code == 200
    # Nor a status Notify's receipts do not end on.
    pending = receipt(sent_text.provider_id, "pending")
    assert post_receipt(callbacks, pending).status_code == 200
    sent_text.refresh_from_db()
    assert sent_text.delivery_status == ""
    assert not AuditEntry.objects.filter(action="message.delivery_receipt").exists()


@pytest.mark.parametrize("status", [SentMessage.Status.UNKNOWN, SentMessage.Status.FAILED])
def test_a_receipt_settles_a_message_notify_took_without_saying_so(
    callbacks: Browser, mary_agreed: Client, status: str
) -> None:
    # No answer in time ("not known"), or an error answer though Notify had taken it
    # (waiting to be tried again): no id kept. The receipt's reference finds it.
    now = timezone.now()
    message = SentMessage.objects.create(
        client=mary_agreed,
        kind=SentMessage.Kind.PLAN_EMAIL,
        to="mary@example.org",
        subject="Your plan",
        body="Hello Mary",
        status=status,
        attempts=1,
        attempted_at=now,
        next_attempt_at=now if status == SentMessage.Status.FAILED else None,
    )
    notification_id = str(uuid.uuid4())
    body = receipt(notification_id, reference=message.reference, notification_type="email")
    assert post_receipt(callbacks, body).status_code == 200
    message.refresh_from_db()
    assert message.status == SentMessage.Status.SENT and message.provider_id == notification_id
    assert message.delivery_status == "delivered" and message.sent_at == now
    # Never sent again.
    assert message.next_attempt_at is None
    assert send_waiting_messages(now + timedelta(days=1))["sent"] == 0


def test_a_residents_reminder_keeps_its_receipt(
    callbacks: Browser, casework: Casework, personas: Personas
) -> None:
    session = casework.walk.sessions.order_by("start").first()
    assert session is not None
    booking = Booking.objects.create(
        session=session,
        session_key=session.public_id,
        activity=casework.walk,
        starts_at=session.start,
        name="Ann",
        phone="07700 900555",
        channel=Booking.Channel.ONLINE,
        status=Booking.Status.BOOKED,
        reminder_status=Booking.Reminder.SENT,
        reminder_provider_id=str(uuid.uuid4()),
    )
    body = receipt(booking.reminder_provider_id, "temporary-failure", to="+447700900555")
    assert post_receipt(callbacks, body).status_code == 200
    booking.refresh_from_db()
    assert booking.reminder_delivery_status == "temporary-failure"
    assert booking.phone == "07700 900555"  # as it was: the receipt's "to" is not kept
    # Not a client's record: nothing in casework's audit trail.
    assert not AuditEntry.objects.filter(action="message.delivery_receipt").exists()


def test_a_clients_reminder_through_notify_shows_its_receipt_on_the_connection_page(
    callbacks: Browser,
    signed_in: Browser,
    casework: Casework,
    request_as_liam: Any,
    notify: FakeNotify,
) -> None:
    connection, session = booked(
        casework,
        request_as_liam,
        phone="07700 900982",
        preferred_contact=choices.ContactMethod.TEXT,
    )
    send_booking_reminders(day_before(session), sender=sender_for(notify))
    reminder = SentMessage.objects.get(kind=SentMessage.Kind.REMINDER_TEXT)
    assert reminder.provider_id == notify.ids[0]
    assert notify.received[0]["body"]["reference"] == reminder.reference
    page = signed_in.get(connection.get_absolute_url()).content.decode()
    assert "Reminder sent by text on" in page and "Delivered on" not in page

    assert post_receipt(callbacks, receipt(reminder.provider_id)).status_code == 200
    page = signed_in.get(connection.get_absolute_url()).content.decode()
    assert "Reminder sent by text on" in page and "Delivered on 7 December at 10:02." in page

    failed = receipt(reminder.provider_id, "permanent-failure")
    assert post_receipt(callbacks, failed).status_code == 200
    page = signed_in.get(connection.get_absolute_url()).content.decode()
    assert "Not delivered: the phone number does not exist" in page
    assert "(permanent failure). Call them to remind them." in page
