"""The reminder the day before a session a link worker booked for a client goes through
casework's outbox, so the link worker sees on the connection and the client's timeline
whether it went; once per booking; the way the client prefers; never to someone who
did not agree to be contacted, whose case is closed, or whose booking was cancelled."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client as Browser
from django.utils import timezone

from inspiring.bookings import actions as bookings
from inspiring.bookings.reminders import send_booking_reminders
from inspiring.casework import choices
from inspiring.casework.actions.bookings import do_book_first_visit
from inspiring.casework.actions.messages import send_waiting_messages
from inspiring.casework.models import Client, Connection, SentMessage
from inspiring.directory.models import Activity, Session
from inspiring.directory.recurrence import LONDON
from lib.senders import Attachment, ConsoleSender, SendFailed

from .conftest import Casework
from .test_booking_first_visit import bookable
from .test_partner import connect

pytestmark = pytest.mark.django_db

K = SentMessage.Kind
GREETER = "Sam, one of the volunteers"


def day_before(session: Session) -> datetime:
    return datetime.combine(session.local_date - timedelta(days=1), time(12), tzinfo=LONDON)


class Capturing(ConsoleSender):
    def __init__(self) -> None:
        super().__init__(stream=io.StringIO())

    @property
    def said(self) -> str:
        assert isinstance(self.stream, io.StringIO)
        return self.stream.getvalue()


class Failing(ConsoleSender):
    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        raise SendFailed("The email could not be sent. Try again in a few minutes.")


def booked(casework: Casework, request: Any, **details: Any) -> tuple[Connection, Session]:
    """Mary booked by Liam at the walk's first upcoming session, with `details` on her
    record."""
    first, *_ = bookable(casework.walk)
    Activity.objects.filter(pk=casework.walk.pk).update(greeter=GREETER)
    Client.objects.filter(pk=casework.mary.pk).update(**details)
    casework.mary.refresh_from_db()
    connection = connect(casework.mary, casework.walk)
    do_book_first_visit(request, connection, first, consent=True, seen_version=connection.version)
    connection.refresh_from_db()
    return connection, first


def test_a_client_is_reminded_by_email_once_and_the_link_worker_sees_it(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    connection, session = booked(casework, request_as_liam, email="mary@example.org")
    page = signed_in.get(connection.get_absolute_url()).content.decode()
    assert "Reminder: " in page and "Not sent yet" in page

    sender = Capturing()
    now = day_before(session)
    assert send_booking_reminders(now, sender=sender)["sent"] == 1
    message = SentMessage.objects.get()
    assert message.kind == K.REMINDER_EMAIL and message.to == "mary@example.org"
    assert message.booking == connection.booking and message.by is None
    assert message.status == SentMessage.Status.SENT
    start = timezone.localtime(session.start)
    assert message.subject == f"Reminder: Health walk tomorrow at {start:%H:%M}"
    assert "Hello Mary Jones" in message.body
    assert f"Who will greet you: {GREETER}" in message.body
    assert "Kirkby Community Hall" in message.body
    assert "Cannot go?" in message.body
    assert "Email to: mary@example.org" in sender.said

    # Never twice.
    assert send_booking_reminders(now + timedelta(hours=1), sender=sender)["sent"] == 0
    assert SentMessage.objects.count() == 1 and sender.said.count("Email to:") == 1

    page = signed_in.get(connection.get_absolute_url()).content.decode()
    assert "Reminder sent by email on" in page and "mary@example.org" in page
    timeline = signed_in.get(casework.mary.get_absolute_url()).content.decode()
    assert "Booking reminder by email sent to mary@example.org" in timeline


def test_by_text_when_they_prefer_texts(casework: Casework, request_as_liam: Any) -> None:
    _, session = booked(
        casework,
        request_as_liam,
        email="mary@example.org",
        phone="07700 900982",
        preferred_contact=choices.ContactMethod.TEXT,
    )
    sender = Capturing()
    send_booking_reminders(day_before(session), sender=sender)
    message = SentMessage.objects.get()
    assert message.kind == K.REMINDER_TEXT and message.to == "+447700900982"
    assert sender.said.startswith("Text message to: +447700900982")
    assert "Reminder: Health walk, tomorrow" in message.body
    assert "Mary" not in message.body


@pytest.mark.parametrize(
    "details",
    [
        {"email": "mary@example.org", "consent_to_contact": False},
        {"email": "mary@example.org", "closed_at": datetime(2026, 1, 1, tzinfo=LONDON)},
        {"email": "mary@example.org", "preferred_contact": choices.ContactMethod.PHONE},
        {"email": ""},  # and her phone is a landline
    ],
    ids=["no-consent", "closed", "prefers-calls", "no-way"],
)
def test_no_reminder_for_those_it_must_not_or_cannot_reach(
    casework: Casework, request_as_liam: Any, details: dict[str, Any]
) -> None:
    _, session = booked(casework, request_as_liam, **details)
    sender = Capturing()
    assert send_booking_reminders(day_before(session), sender=sender)["sent"] == 0
    assert not SentMessage.objects.exists() and sender.said == ""


def test_a_cancelled_booking_gets_no_reminder(casework: Casework, request_as_liam: Any) -> None:
    connection, session = booked(casework, request_as_liam, email="mary@example.org")
    assert connection.booking is not None
    bookings.do_cancel(None, connection.booking)
    send_booking_reminders(day_before(session), sender=Capturing())
    assert not SentMessage.objects.exists()


def test_a_failure_shows_and_is_tried_again_by_the_outbox(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    connection, session = booked(casework, request_as_liam, email="mary@example.org")
    now = day_before(session)
    assert send_booking_reminders(now, sender=Failing())["failed"] == 1
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.FAILED
    page = signed_in.get(connection.get_absolute_url()).content.decode()
    assert "Not sent yet" in page and "tried again automatically" in page
    # The bookings run does not send it again; the outbox does, once.
    sender = Capturing()
    assert send_booking_reminders(now + timedelta(hours=1), sender=sender)["sent"] == 0
    assert send_waiting_messages(now + timedelta(minutes=6), sender=sender)["sent"] == 1
    message.refresh_from_db()
    assert message.status == SentMessage.Status.SENT and message.attempts == 2
    assert sender.said.count("Email to:") == 1
    assert "Reminder sent by email" in signed_in.get(connection.get_absolute_url()).content.decode()


def test_a_retry_is_given_up_once_the_booking_is_cancelled(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    connection, session = booked(casework, request_as_liam, email="mary@example.org")
    now = day_before(session)
    send_booking_reminders(now, sender=Failing())
    assert connection.booking is not None
    bookings.do_cancel(None, connection.booking)
    sender = Capturing()
    send_waiting_messages(now + timedelta(minutes=6), sender=sender)
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.GAVE_UP
    assert message.error == "The booking was cancelled."
    assert sender.said == ""


def test_interrupted_is_not_known_and_shown(
    signed_in: Browser, casework: Casework, request_as_liam: Any
) -> None:
    connection, session = booked(casework, request_as_liam, email="mary@example.org")
    now = day_before(session)
    SentMessage.objects.create(
        client=casework.mary,
        kind=K.REMINDER_EMAIL,
        to="mary@example.org",
        body="Reminder",
        booking=connection.booking,
        status=SentMessage.Status.SENDING,
        attempted_at=now,
    )
    sender = Capturing()
    send_waiting_messages(now + timedelta(hours=1), sender=sender)
    send_booking_reminders(now + timedelta(hours=1), sender=sender)
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.UNKNOWN and sender.said == ""
    page = signed_in.get(connection.get_absolute_url()).content.decode()
    assert "Not known" in page


def test_one_reminder_per_booking_in_the_database(casework: Casework, request_as_liam: Any) -> None:
    connection, _ = booked(casework, request_as_liam, email="mary@example.org")
    fields = {"client": casework.mary, "to": "mary@example.org", "body": "Reminder"}
    SentMessage.objects.create(kind=K.REMINDER_EMAIL, booking=connection.booking, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SentMessage.objects.create(kind=K.REMINDER_TEXT, booking=connection.booking, **fields)
