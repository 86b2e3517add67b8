"""The demo's first visit booked for tomorrow, whose reminder the day before is to be
seen: made through the app's actions, on a session tomorrow that takes bookings (one
added as an extra date where no group meets tomorrow), once."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client as Browser
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.bookings.models import Booking
from inspiring.bookings.reminders import send_booking_reminders
from inspiring.casework.models import Connection, SentMessage
from inspiring.demo.bookings import FIRST, load_demo_booking
from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Schedule, Session
from inspiring.directory.recurrence import DAY_CODES, LONDON
from lib.senders import ConsoleSender
from tests.conftest import sign_in
from tests.directory.builders import activity, organisation, venue, weekly
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def the_booking() -> Connection:
    return Connection.objects.select_related("booking", "booking__session", "client").get(
        client__first_name=FIRST, booking__isnull=False
    )


def assert_booked_tomorrow_and_reminded() -> Connection:
    connection = the_booking()
    booking = connection.booking
    assert booking is not None and booking.session is not None
    assert (booking.status, booking.channel) == (Booking.Status.BOOKED, Booking.Channel.LINK_WORKER)
    assert booking.session.local_date == tomorrow() and booking.session.start > timezone.now()
    assert connection.first_session == booking.session and connection.status == "agreed"
    assert booking.booked_by == connection.client.worker
    assert AuditEntry.objects.filter(
        action="connection.booked", actor=connection.client.worker
    ).exists()
    # The reminder goes the day before, by email as Doreen prefers, once.
    noon = datetime.combine(timezone.localdate(), time(12), tzinfo=LONDON)
    sender = ConsoleSender(stream=io.StringIO())
    assert send_booking_reminders(noon, sender=sender)["sent"] >= 1
    message = SentMessage.objects.get(booking=booking)
    assert message.status == SentMessage.Status.SENT and message.to == connection.client.email
    assert message.subject.startswith(f"Reminder: {booking.activity.title} tomorrow at")
    return connection


def test_a_client_is_booked_at_a_session_tomorrow_that_takes_bookings(
    personas: Personas,
) -> None:
    group = organisation(personas.ashfield, "Kirkby Walkers")
    hall = venue(group, "Kirkby Community Hall", "NG17 7LB")
    walk = activity(group, "Health walk", at=hall, public_booking=True)
    day = DAY_CODES[tomorrow().weekday()]
    weekly(walk, day, time(10), time(11), from_date=timezone.localdate(), places=12)
    materialise_activity(walk)

    assert load_demo_booking(personas.ashfield, personas.link_worker) == 1
    connection = the_booking()
    assert connection.client.worker == personas.link_worker
    assert connection.activity == walk and connection.booking is not None
    session = connection.booking.session
    assert session is not None
    assert (session.places, session.booked) == (12, 1)
    # Liam sees it on the connection, with the reminder still to go.
    page = sign_in(Browser(), personas.link_worker, area=personas.ashfield).get(
        connection.get_absolute_url()
    )
    assert "Reminder: " in page.text and "Not sent yet" in page.text
    assert_booked_tomorrow_and_reminded()
    # Once: loading again leaves it.
    assert load_demo_booking(personas.ashfield, personas.link_worker) == 0
    assert Booking.objects.count() == 1


def test_where_no_group_meets_tomorrow_one_adds_the_date(personas: Personas) -> None:
    group = organisation(personas.ashfield, "Kirkby Walkers")
    hall = venue(group, "Kirkby Community Hall", "NG17 7LB")
    walk = activity(group, "Health walk", at=hall)
    other_day = DAY_CODES[(tomorrow().weekday() + 3) % 7]
    schedule = weekly(walk, other_day, time(10), time(11), from_date=timezone.localdate(), places=8)
    materialise_activity(walk)
    assert not Session.objects.filter(local_date=tomorrow()).exists()

    # Without someone to add a date, nothing is booked.
    assert load_demo_booking(personas.ashfield, personas.link_worker) == 0
    assert (
        load_demo_booking(personas.ashfield, personas.link_worker, editor=personas.coordinator) == 1
    )
    schedule.refresh_from_db()
    assert schedule.rdates == [tomorrow().isoformat()]
    assert AuditEntry.objects.filter(action="schedule.changed", actor=personas.coordinator).exists()
    assert_booked_tomorrow_and_reminded()


def test_a_full_session_or_a_childrens_group_is_not_booked(personas: Personas) -> None:
    group = organisation(personas.ashfield, "Kirkby Walkers")
    hall = venue(group, "Kirkby Community Hall", "NG17 7LB")
    day = DAY_CODES[tomorrow().weekday()]
    rhymes = activity(group, "Rhyme time", at=hall, max_age=4)
    weekly(rhymes, day, time(10), time(11), from_date=timezone.localdate(), places=10)
    walk = activity(group, "Health walk", at=hall)
    weekly(walk, day, time(14), time(15), from_date=timezone.localdate(), places=1)
    materialise_activity(rhymes)
    materialise_activity(walk)
    Session.objects.filter(activity=walk).update(booked=1)
    assert load_demo_booking(personas.ashfield, personas.link_worker) == 0
    assert not Booking.objects.exists()
    assert Schedule.objects.filter(rdates=[]).count() == 2  # nobody to add a date
