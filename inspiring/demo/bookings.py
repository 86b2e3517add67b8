"""A first visit booked for tomorrow, so that the demo shows the reminder the day before.

Doreen, a client of Ashfield's link worker, is booked a place at a session tomorrow
of a group that takes bookings here. Her connection's page says the reminder is to go
the day before; `send_booking_reminders` (between 10:00 and 20:00) sends it by email,
and then it is on her timeline and the connection, as for any client.

Made as a link worker would make it, through the app's own actions (the client and
referral, contact and assessment, the connection, the booking), each recorded against
the demo link worker as if they had done it. Only once: a demo loaded again leaves it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.bookings.actions import bookable
from inspiring.bookings.models import Booking
from inspiring.casework import choices
from inspiring.casework.actions.bookings import do_book_first_visit
from inspiring.casework.actions.clients import (
    do_change_referral_status,
    do_create_client,
    do_save_assessment,
)
from inspiring.casework.actions.connections import do_connect
from inspiring.casework.models import Assessment, Client, Connection, Referral
from inspiring.directory.actions import do_save_schedule
from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.directory.recurrence import DAY_CODES

FIRST, LAST = "Doreen", "Whitworth"
NOTE = "Doreen, first time at a group since her hip operation; may be a few minutes late."


def as_user(user: User) -> HttpRequest:
    """A request from `user`, for the actions' audit entries (no address: the loader)."""
    request = HttpRequest()
    request.user = user
    request.path = "/demo/load"
    return request


def bookable_tomorrow(area: Area, today: date | None = None) -> Session | None:
    """The first session tomorrow, of an adults' group of `area`, that a link worker can
    book a place at now."""
    tomorrow = (today or timezone.localdate()) + timedelta(days=1)
    sessions = (
        Session.objects.filter(
            activity__home_area=area,
            activity__max_age__isnull=True,
            local_date=tomorrow,
            places__isnull=False,
        )
        .select_related("activity")
        .order_by("start", "pk")
    )
    for session in sessions:
        left = session.places_left
        if left and not bookable(session, channel=Booking.Channel.LINK_WORKER):
            return session
    return None


def extra_date_tomorrow(area: Area, editor: User) -> None:
    """No group of `area` takes bookings tomorrow (a Sunday, say): the first that does
    on other days adds tomorrow as an extra date, as `editor` would on its page."""
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    schedules = (
        Schedule.objects.filter(
            activity__home_area=area,
            activity__max_age__isnull=True,
            activity__status=Activity.Status.PUBLISHED,
            activity__revision_of__isnull=True,
            places__isnull=False,
            all_day=False,
        )
        .select_related("activity", "activity__organisation")
        .order_by("activity__title", "pk")
    )
    for schedule in schedules:
        if tomorrow in schedule.exdates:
            continue  # the group has said it does not meet then
        schedule.rdates = sorted({*schedule.rdates, tomorrow})
        do_save_schedule(as_user(editor), schedule, created=False)
        # At once, not as the background task the page queues: the booking needs it.
        materialise_activity(schedule.activity)
        return


def load_demo_booking(area: Area, worker: User, *, editor: User | None = None) -> int:
    """Book `worker`'s demo client a first visit tomorrow (once); if no group takes
    bookings tomorrow, `editor` (the area's coordinator) adds a date first. Returns 1
    if made."""
    if Client.objects.filter(area=area, first_name=FIRST, last_name=LAST).exists():
        return 0
    session = bookable_tomorrow(area)
    if session is None and editor is not None:
        extra_date_tomorrow(area, editor)
        session = bookable_tomorrow(area)
    if session is None:
        return 0  # nothing in the directory takes bookings
    request = as_user(worker)
    today = timezone.localdate()
    with transaction.atomic():
        client = do_create_client(
            request,
            Client(
                area=area,
                worker=worker,
                first_name=FIRST,
                last_name=LAST,
                date_of_birth=date(today.year - 71, 5, 1),
                nhs_number="9990000042",  # the 999 range: never a real person
                address_line_1="12 Mill Lane",
                phone="07700 900461",
                email="doreen.whitworth@example.org",
                preferred_contact=choices.ContactMethod.EMAIL,
                consent_to_hold=True,
                consent_to_contact=True,
            ),
            Referral(
                source="gp",
                referrer_organisation="Kirkby Health Centre",
                reasons=[choices.ReferralReason.LONELINESS],
                received_on=today - timedelta(days=9),
            ),
            recorded_by=worker,
        )
        do_change_referral_status(
            request,
            client.referrals.get(),
            Referral.Status.CONTACTED,
            on=today - timedelta(days=7),
        )
        do_save_assessment(
            request,
            client,
            Assessment(
                what_matters="Getting out and meeting people again, now my hip is mended.",
                barriers=[choices.Barrier.TIME],
                availability={day: ["morning", "afternoon"] for day in DAY_CODES},
                max_travel_miles=5,
                goals="Go to something every week.",
                assessed_on=today - timedelta(days=3),
            ),
            session.activity.categories.all(),
        )
        connection = do_connect(
            request,
            client,
            Connection(
                activity=session.activity,
                level=choices.ConnectionLevel.INTRODUCTION,
                status=Connection.Status.AGREED,
                share_consent=True,
                shared_note=NOTE,
            ),
        )
        do_book_first_visit(
            request,
            connection,
            session,
            name=FIRST,
            consent=True,
            seen_version=connection.version,
        )
    return 1
