"""The reminder the day before a session a link worker booked for a client goes through
casework's outbox, so the link worker sees on the connection and the client's timeline
whether it went; once per booking; the way the client prefers; never to someone who
did not agree to be contacted, whose case is closed, or whose booking was cancelled."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client as Browser
from django.utils import timezone

from inspiring.bookings import actions as bookings
from inspiring.bookings.reminders import send_booking_reminders
from inspiring.casework import choices
from inspiring.casework.actions.bookings import do_book_first_visit
from inspiring.casework.actions.messages import deliver, send_waiting_messages
from inspiring.casework.models import Client, Connection, SentMessage
from inspiring.directory.models import Activity, Session
from inspiring.directory.recurrence import LONDON
from lib.senders import Attachment, ConsoleSender, SendFailed

from .conftest import Casework
from .test_booking_first_visit import bookable
from .test_partner import connect, session_of

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


# Tried again only in the hours reminders go (bookings.reminders: 10:00 to 20:00).


class FailingBothWays(Failing):
    def send_text(self, to: str, body: str) -> None:
        raise SendFailed("The text message could not be sent. Try again in a few minutes.")


def booked_at_two(casework: Casework, request: Any, **details: Any) -> tuple[Connection, Session]:
    """Mary booked by Liam at the walk's session at 14:00 three days from today."""
    session = session_of(casework.walk, 3, hour=14)
    bookable(casework.walk)
    session.refresh_from_db()
    Client.objects.filter(pk=casework.mary.pk).update(**details)
    casework.mary.refresh_from_db()
    connection = connect(casework.mary, casework.walk)
    do_book_first_visit(request, connection, session, consent=True, seen_version=connection.version)
    connection.refresh_from_db()
    return connection, session


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.mark.parametrize(
    ("details", "today"),
    [
        ({"email": "mary@example.org"}, "Reminder: Health walk today at 14:00"),
        (
            {"phone": "07700 900982", "email": "", "preferred_contact": choices.ContactMethod.TEXT},
            "Reminder: Health walk, today (",
        ),
    ],
    ids=["email", "text"],
)
def test_a_failure_at_1955_is_tried_again_next_morning_not_in_the_night(
    signed_in: Browser,
    casework: Casework,
    request_as_liam: Any,
    details: dict[str, Any],
    today: str,
) -> None:
    connection, session = booked_at_two(casework, request_as_liam, **details)
    eve = session.local_date - timedelta(days=1)
    assert send_booking_reminders(at(eve, 19, 55), sender=FailingBothWays())["failed"] == 1
    message = SentMessage.objects.get()
    assert "tomorrow" in message.body
    # Five minutes later would be 20:00: the next try is the morning, in the hours.
    assert message.next_attempt_at == at(session.local_date, 10)
    page = signed_in.get(connection.get_absolute_url()).content.decode()
    when = session.local_date
    assert f"tried again automatically, at 10:00 on {when:%A} {when.day} {when:%B}" in page

    sender = Capturing()
    for night in (at(eve, 20, 0), at(eve, 22, 30), at(session.local_date, 3)):
        assert send_waiting_messages(night, sender=sender)["sent"] == 0
    assert sender.said == ""
    message.refresh_from_db()
    assert message.status == SentMessage.Status.FAILED and message.attempts == 1

    assert send_waiting_messages(at(session.local_date, 10, 2), sender=sender)["sent"] == 1
    message.refresh_from_db()
    assert message.status == SentMessage.Status.SENT and message.attempts == 2
    # It goes on the day itself, so it says so: what is kept is what went.
    assert today in (message.subject or message.body)
    assert "tomorrow" not in message.subject + message.body
    assert today in sender.said


def test_a_retry_due_in_the_hours_but_found_after_them_waits_for_the_morning(
    casework: Casework, request_as_liam: Any
) -> None:
    _, session = booked_at_two(casework, request_as_liam, email="mary@example.org")
    eve = session.local_date - timedelta(days=1)
    send_booking_reminders(at(eve, 19, 50), sender=Failing())
    message = SentMessage.objects.get()
    assert message.next_attempt_at == at(eve, 19, 55)  # in the hours: as the schedule says
    sender = Capturing()
    # The scheduler is late: 20:01 is after the hours.
    assert send_waiting_messages(at(eve, 20, 1), sender=sender)["sent"] == 0
    assert send_waiting_messages(at(session.local_date, 10), sender=sender)["sent"] == 1
    assert sender.said.count("Email to:") == 1


def test_a_retry_next_morning_after_the_session_started_is_given_up(
    casework: Casework, request_as_liam: Any
) -> None:
    _, session = booked_at_two(casework, request_as_liam, email="mary@example.org")
    Session.objects.filter(pk=session.pk).update(start=at(session.local_date, 9, 30))
    eve = session.local_date - timedelta(days=1)
    send_booking_reminders(at(eve, 19, 55), sender=Failing())
    sender = Capturing()
    send_waiting_messages(at(session.local_date, 10), sender=sender)
    message = SentMessage.objects.get()
    assert message.status == SentMessage.Status.GAVE_UP
    assert message.error == "The session has started." and sender.said == ""


def test_other_messages_are_tried_again_at_night_as_before(
    casework: Casework, request_as_liam: Any
) -> None:
    # The sending hours are the reminders' rule: a plan that failed goes when due.
    casework.mary.email = "mary@example.org"
    casework.mary.consent_to_contact = True
    casework.mary.save()
    night = datetime(2026, 3, 2, 22, 30, tzinfo=LONDON)
    message = SentMessage.objects.create(
        client=casework.mary,
        kind=K.PLAN_EMAIL,
        to="mary@example.org",
        subject="Your plan",
        body="Your plan",
        status=SentMessage.Status.SENDING,
        attempted_at=night,
    )
    deliver(message, sender=Failing(), now=night)
    message.refresh_from_db()
    assert message.next_attempt_at == night + timedelta(minutes=5)
    sender = Capturing()
    assert send_waiting_messages(night + timedelta(minutes=6), sender=sender)["sent"] == 1
