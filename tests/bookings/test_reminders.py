"""The reminder the day before a session, to residents who booked online: by email, or
by text to a UK mobile; with the time, place, who will greet them and the cancel link;
once, however many times it runs; never for a cancelled booking or session; a failure
tried again then given up; an interrupted one never sent again; never inside a
transaction."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection as db
from django.utils import timezone

from inspiring.bookings import actions
from inspiring.bookings.messages import booking_from_token
from inspiring.bookings.models import Booking
from inspiring.bookings.reminders import send_booking_reminders
from inspiring.directory.models import Activity, Session
from inspiring.directory.recurrence import LONDON
from lib.senders import MAX_ATTEMPTS, Attachment, ConsoleSender, SendFailed
from tests.casework.test_notify_client import FakeNotify, fake_notify
from tests.casework.test_notify_client import sender_for as notify_sender
from tests.geography import ensure_geography

from .conftest import Bookable

pytestmark = pytest.mark.django_db

GREETER = "Jean, at the door in a red scarf"
R = Booking.Reminder


def day_before(session: Session, at: time = time(12)) -> datetime:
    """Midday the day before the session, UK time: when reminders for it go."""
    return datetime.combine(session.local_date - timedelta(days=1), at, tzinfo=LONDON)


def cancels(text: str, booking: Booking) -> bool:
    """Whether `text` carries a working link to cancel `booking` (signed: the token
    carries its time, so it differs from one made now)."""
    found = re.search(r"/bookings/([^/\s]+)/", text)
    return found is not None and booking_from_token(found.group(1)) == booking


def book(session: Session, *, email: str = "", phone: str = "") -> Booking:
    return actions.do_book(
        None,
        session,
        name="Ann Example",
        email=email,
        phone=phone,
        places=1,
        channel=Booking.Channel.ONLINE,
    )


@pytest.fixture
def greeted(bookable: Bookable) -> Bookable:
    Activity.objects.filter(pk=bookable.activity.pk).update(greeter=GREETER)
    return bookable


class Capturing(ConsoleSender):
    """The console sender, into a string, noting whether a transaction was open."""

    def __init__(self) -> None:
        super().__init__(stream=io.StringIO())
        self.in_transaction: list[bool] = []

    @property
    def said(self) -> str:
        assert isinstance(self.stream, io.StringIO)
        return self.stream.getvalue()

    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        self.in_transaction.append(db.in_atomic_block)
        super().send_email(to, subject, body, attachments=attachments)

    def send_text(self, to: str, body: str) -> None:
        self.in_transaction.append(db.in_atomic_block)
        super().send_text(to, body)


class Failing(ConsoleSender):
    def __init__(self, *, uncertain: bool = False) -> None:
        super().__init__(stream=io.StringIO())
        self.uncertain = uncertain
        self.tries = 0

    def send_email(
        self, to: str, subject: str, body: str, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        self.tries += 1
        raise SendFailed("The email could not be sent.", uncertain=self.uncertain)


def test_an_email_reminder_says_when_where_who_and_how_to_cancel_once(
    greeted: Bookable, settings: Any
) -> None:
    settings.CASEWORK_SENDER = "email"
    booking = book(greeted.session, email="ann@example.org")
    mail.outbox.clear()
    now = day_before(greeted.session)
    assert send_booking_reminders(now)["sent"] == 1
    (sent,) = mail.outbox
    assert sent.to == ["ann@example.org"]
    body = str(sent.body)
    venue = greeted.activity.venue
    assert venue is not None
    start = timezone.localtime(greeted.session.start)
    assert sent.subject == f"Reminder: Knit and Natter tomorrow at {start:%H:%M}"
    assert "Hello Ann Example" in body
    assert f"When: {start:%A} {start.day} {start:%B %Y}, {start:%H:%M}" in body
    assert f"Where: {venue.name}, {venue.address_line_1}" in body
    assert f"Who will greet you: {GREETER}" in body
    assert cancels(body, booking)
    booking.refresh_from_db()
    assert booking.reminder_status == R.SENT and booking.reminder_sent_at == now
    # Never twice: again at once, later that day, by the command.
    assert send_booking_reminders(now)["sent"] == 0
    assert send_booking_reminders(now + timedelta(hours=5))["sent"] == 0
    call_command("send_booking_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 1


def test_a_text_reminder_goes_to_a_uk_mobile_when_there_is_no_email(greeted: Bookable) -> None:
    booking = book(greeted.session, phone="07700 900123")
    sender = Capturing()
    assert send_booking_reminders(day_before(greeted.session), sender=sender)["sent"] == 1
    said = sender.said
    assert said.startswith("Text message to: +447700900123")
    start = timezone.localtime(greeted.session.start)
    assert f"Reminder: Knit and Natter, tomorrow ({start:%A} {start.day} {start:%B}) at " in said
    assert f"Who will greet you: {GREETER}." in said
    assert cancels(said, booking)
    assert "Ann" not in said  # no name on a phone's lock screen
    assert send_booking_reminders(day_before(greeted.session), sender=sender)["sent"] == 0
    assert said.count("Text message to:") == 1


def test_a_landline_gets_no_text(bookable: Bookable) -> None:
    booking = book(bookable.session, phone="01632 960001")
    sender = Capturing()
    assert send_booking_reminders(day_before(bookable.session), sender=sender)["failed"] == 1
    assert sender.said == ""
    booking.refresh_from_db()
    assert booking.reminder_status == R.GAVE_UP
    assert "UK mobile" in booking.reminder_error


def test_only_the_day_before_and_in_the_day(bookable: Bookable) -> None:
    book(bookable.session, email="ann@example.org")
    sender = Capturing()
    two_days = day_before(bookable.session) - timedelta(days=1)
    assert send_booking_reminders(two_days, sender=sender)["sent"] == 0
    night = day_before(bookable.session, time(6))
    assert send_booking_reminders(night, sender=sender)["sent"] == 0
    assert sender.said == ""
    assert send_booking_reminders(day_before(bookable.session), sender=sender)["sent"] == 1


def test_a_cancelled_booking_or_session_gets_no_reminder(bookable: Bookable) -> None:
    cancelled = book(bookable.session, email="ann@example.org")
    actions.do_cancel(None, cancelled)
    at_later = book(bookable.later, email="bob@example.org")
    bookable.later.status = Session.Status.CANCELLED
    bookable.later.save()
    at_later.refresh_from_db()
    assert at_later.status == Booking.Status.SESSION_CANCELLED
    waiting = Booking.objects.create(
        session=bookable.session,
        session_key=bookable.session.public_id,
        activity=bookable.activity,
        starts_at=bookable.session.start,
        name="Cy Waiting",
        email="cy@example.org",
        channel=Booking.Channel.ONLINE,
        status=Booking.Status.WAITING,
    )
    sender = Capturing()
    for session in (bookable.session, bookable.later):
        assert send_booking_reminders(day_before(session), sender=sender)["sent"] == 0
    assert sender.said == ""
    for booking in (cancelled, at_later, waiting):
        booking.refresh_from_db()
        assert booking.reminder_status == R.NONE


def test_a_failure_is_tried_again_further_apart_then_given_up(bookable: Bookable) -> None:
    booking = book(bookable.session, email="ann@example.org")
    sender = Failing()
    now = day_before(bookable.session, time(10))
    assert send_booking_reminders(now, sender=sender)["failed"] == 1
    booking.refresh_from_db()
    assert booking.reminder_status == R.FAILED and booking.reminder_attempts == 1
    assert booking.reminder_next_at == now + timedelta(minutes=5)
    # Not due yet: not tried.
    send_booking_reminders(now + timedelta(minutes=1), sender=sender)
    assert sender.tries == 1
    gaps = []
    while booking.reminder_status == R.FAILED:
        assert booking.reminder_next_at is not None
        gaps.append(booking.reminder_next_at - now)
        now = booking.reminder_next_at
        send_booking_reminders(now, sender=sender)
        booking.refresh_from_db()
    assert gaps == [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=3)]
    assert booking.reminder_status == R.GAVE_UP and booking.reminder_attempts == MAX_ATTEMPTS
    assert sender.tries == MAX_ATTEMPTS
    send_booking_reminders(now + timedelta(hours=1), sender=sender)
    assert sender.tries == MAX_ATTEMPTS


def test_a_failure_then_success_sends_one(bookable: Bookable) -> None:
    booking = book(bookable.session, email="ann@example.org")
    now = day_before(bookable.session)
    send_booking_reminders(now, sender=Failing())
    sender = Capturing()
    assert send_booking_reminders(now + timedelta(minutes=5), sender=sender)["sent"] == 1
    booking.refresh_from_db()
    assert booking.reminder_status == R.SENT and booking.reminder_attempts == 2
    assert send_booking_reminders(now + timedelta(hours=4), sender=sender)["sent"] == 0
    assert sender.said.count("Email to:") == 1


def test_no_answer_in_time_is_not_known_and_never_sent_again(bookable: Bookable) -> None:
    booking = book(bookable.session, email="ann@example.org")
    now = day_before(bookable.session)
    sender = Failing(uncertain=True)
    assert send_booking_reminders(now, sender=sender)["unknown"] == 1
    booking.refresh_from_db()
    assert booking.reminder_status == R.UNKNOWN and booking.reminder_next_at is None
    send_booking_reminders(now + timedelta(hours=1), sender=sender)
    assert sender.tries == 1


def test_an_interrupted_send_is_not_known_and_never_sent_again(bookable: Bookable) -> None:
    booking = book(bookable.session, email="ann@example.org")
    now = day_before(bookable.session)
    # A worker claimed it and stopped before saying how it went.
    Booking.objects.filter(pk=booking.pk).update(
        reminder_status=R.SENDING, reminder_attempted_at=now
    )
    sender = Capturing()
    # Recently: left alone (a worker may be sending it now).
    assert send_booking_reminders(now + timedelta(minutes=1), sender=sender)["interrupted"] == 0
    booking.refresh_from_db()
    assert booking.reminder_status == R.SENDING
    assert send_booking_reminders(now + timedelta(hours=1), sender=sender)["interrupted"] == 1
    booking.refresh_from_db()
    assert booking.reminder_status == R.UNKNOWN
    send_booking_reminders(now + timedelta(hours=2), sender=sender)
    assert sender.said == ""


@pytest.fixture
def geography(transactional_db: None) -> None:
    # Transactional tests run after the others, with the database flushed between
    # them: the geography loaded once for the run may be gone.
    ensure_geography()


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_inside_a_transaction(geography: None, bookable: Bookable) -> None:
    # A real transaction boundary (no test transaction around it).
    book(bookable.session, email="ann@example.org")
    book(bookable.session, phone="07700 900123")
    sender = Capturing()
    assert send_booking_reminders(day_before(bookable.session), sender=sender)["sent"] == 2
    assert sender.in_transaction == [False, False]


def test_a_failure_in_the_evening_is_tried_again_next_morning_as_today(
    bookable: Bookable,
) -> None:
    # An afternoon session: a reminder that fails at 19:55 the day before waits for
    # 10:00 (not 20:00, outside the hours), and then says "today".
    session = bookable.session
    start = timezone.localtime(session.start).replace(hour=14)
    Session.objects.filter(pk=session.pk).update(start=start, end=start + timedelta(hours=1))
    session.refresh_from_db()
    booking = book(session, email="ann@example.org")
    evening = day_before(session, time(19, 55))
    assert send_booking_reminders(evening, sender=Failing())["failed"] == 1
    booking.refresh_from_db()
    morning = datetime.combine(session.local_date, time(10), tzinfo=LONDON)
    assert booking.reminder_next_at == morning
    sender = Capturing()
    night = [day_before(session, time(20)), day_before(session, time(22, 30))]
    night.append(datetime.combine(session.local_date, time(3), tzinfo=LONDON))
    for moment in night:
        assert send_booking_reminders(moment, sender=sender)["sent"] == 0
    assert send_booking_reminders(morning, sender=sender)["sent"] == 1
    assert f"Reminder: {session.activity.title} today at 14:00" in sender.said
    booking.refresh_from_db()
    assert booking.reminder_status == R.SENT and booking.reminder_attempts == 2


@pytest.fixture
def notify() -> Iterator[FakeNotify]:
    with fake_notify() as state:
        yield state


def test_a_reminder_through_notify_keeps_notifys_id_for_its_receipt(
    greeted: Bookable, notify: FakeNotify
) -> None:
    # GOV.UK Notify's official client, against the stand-in: our reference goes with it
    # and Notify's id is kept on the booking (its delivery receipt names both).
    booking = book(greeted.session, phone="07700 900123")
    sender = notify_sender(notify)
    assert send_booking_reminders(day_before(greeted.session), sender=sender)["sent"] == 1
    (request,) = notify.received
    assert request["path"] == "/v2/notifications/sms"
    assert request["body"]["phone_number"] == "+447700900123"
    assert request["body"]["reference"] == f"bookings-reminder-{booking.pk}"
    booking.refresh_from_db()
    assert booking.reminder_status == R.SENT
    assert booking.reminder_provider_id == notify.ids[0]
    assert booking.reminder_delivery_status == ""  # until the receipt comes
