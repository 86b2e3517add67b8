"""Session registers: who came, as the group records it, moving each connection on.

A partner lead records a session's register signed in; a group with no account
is emailed a one-time link (RegisterLink) instead. Either way each person
expected has one Attendance per session (saving again corrects it), and their
connection moves on through actions.do_advance_connection, which makes the link
worker's follow-up tasks: two weeks after a first visit, and a prompt to
re-engage when someone misses their first visit or stops coming.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone

from inspiring.bookings.models import Booking
from inspiring.directory.models import Activity, Session

from .models import Connection, RegisterLink

logger = logging.getLogger(__name__)
Status = Connection.Status

# Waiting for their first visit at a named session.
AWAITING_FIRST = (Status.AGREED, Status.REFERRED)
# Expected at every session from their first one on (missing the first visit
# does not stop someone turning up to the next).
GOING = (Status.MISSED_FIRST, Status.ATTENDED_FIRST, Status.ATTENDING)
# The partner lead's sessions page: registers to record, and who is coming.
WINDOW = timedelta(days=14)
# A group's emailed register works until this long after the session.
LINK_VALID_AFTER_SESSION = timedelta(days=7)
# Missing this many recorded sessions in a row prompts the link worker.
MISSES_BEFORE_PROMPT = 2
STOPPED_COMING = "in a row: re-engage, or try something else"

CAME, MISSED = "came", "missed"


def first_name(connection: Connection) -> str:
    """All of a client's name a group sees: what they like to be called, or their first name."""
    return connection.client.preferred_name or connection.client.first_name


def expected_at(session: Session) -> Q:
    """The connections expected at `session` (a filter on Connection)."""
    return _expected(session.pk, session.activity_id, session.start)


def expected_at_each() -> Q:
    """The same filter for a subquery of a query on Session: those expected at its row."""
    return _expected(OuterRef("pk"), OuterRef("activity_id"), OuterRef("start"))


def _expected(session: Any, activity: Any, start: Any) -> Q:
    from_their_first = Q(first_session__isnull=True) | Q(first_session__start__lte=start)
    return Q(activity_id=activity) & (
        Q(status__in=AWAITING_FIRST, first_session_id=session)
        # A place booked for them there (their first session may since have been changed).
        | Q(
            status__in=(*AWAITING_FIRST, Status.MISSED_FIRST),
            booking__session_id=session,
            booking__status=Booking.Status.BOOKED,
        )
        | (Q(status__in=GOING) & from_their_first)
        # Recorded already (they stay on the register to be corrected).
        | Q(status__in=AWAITING_FIRST + GOING, attendances__session_id=session)
    )


def expected(connections: QuerySet[Connection], session: Session) -> list[Connection]:
    """Of `connections` (what the viewer may see), those expected at `session`."""
    people = connections.filter(expected_at(session)).distinct().select_related("client", "booking")
    return sorted(people.order_by("pk"), key=lambda c: first_name(c).casefold())


def booked_places(connection: Connection, session: Session) -> int:
    """The places booked for them at `session` (0 when none are)."""
    booking = connection.booking
    if booking is None or booking.session_id != session.pk:
        return 0
    return booking.places if booking.status == Booking.Status.BOOKED else 0


def places_label(places: int) -> str:
    return "1 place" if places == 1 else f"{places} places"


def other_bookings(session: Session, people: list[Connection]) -> list[Booking]:
    """The session's bookings that are not of `people` (already on the register as
    connections): residents who booked online, by the name they gave, and people a link
    worker booked who shared nothing with the group (under the booking's name, which says
    nothing about them). The name and places only: never contact details."""
    return list(
        Booking.objects.filter(session=session, status=Booking.Status.BOOKED)
        .exclude(connection__in=[c.pk for c in people])
        .order_by("created_at", "pk")
        .only("pk", "name", "places", "channel")
    )


def is_open(session: Session) -> bool:
    """Whether who came can be recorded: the session has started and was not cancelled."""
    return not session.is_cancelled and session.start <= timezone.now()


def support_note(connection: Connection) -> str:
    parts = [connection.shared_note.strip()]
    if connection.support_labels:
        parts.append("Support agreed: " + ", ".join(connection.support_labels).lower() + ".")
    return " ".join(part for part in parts if part)


def link_sessions(activity: Activity) -> QuerySet[Session]:
    """Sessions a register link can be sent for: a week back (while a link would still
    work) to two weeks ahead, going ahead."""
    now = timezone.now()
    return (
        Session.objects.filter(
            activity=activity,
            end__gte=now - LINK_VALID_AFTER_SESSION,
            start__lte=now + WINDOW,
        )
        .going_ahead()
        .order_by("start")
    )


def group_email(activity: Activity) -> str:
    return activity.contact_email or activity.organisation.email


def link_problem(link: RegisterLink) -> str:
    """Why a register link cannot be used, or "" when it can."""
    if link.used_at is not None:
        return (
            "This register has already been recorded. Each link works once: if something "
            "needs correcting, contact the link worker who sent it."
        )
    if link.expires_at <= timezone.now():
        return (
            "This link has expired: registers can be recorded for a week after the session. "
            "Contact the link worker who sent it if you still need to record who came."
        )
    return ""
