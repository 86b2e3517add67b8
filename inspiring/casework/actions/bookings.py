"""A link worker books a client's first visit: a place at a session of the activity
they are connected to, with their consent, and cancels it.

The booking itself is made and cancelled by the bookings app (bookings.actions:
places counted on the session, never overbooked, the waiting list); this keeps the
connection's side in the same transaction: the link to the booking, the first
session, the connection's version, and the audit entry against the client.

What the group sees is the booking's name: only what the client agreed to share
(`booking_name`). No email or phone goes on the booking: messages to a client go
through their link worker, never from the booking."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.bookings import actions as bookings
from inspiring.bookings.models import MAX_PARTY, Booking
from inspiring.directory.models import Session

from .. import choices
from ..models import Connection
from . import ActionRefused, StaleEdit
from .connections import do_advance_connection

# What the group sees when the client did not agree to share anything about them.
UNNAMED = "A person referred by a link worker"
# Support agreed that means someone goes with them, and so needs a place too.
COMPANIONS = frozenset({choices.Support.ACCOMPANY, choices.Support.BUDDY})
# A first visit still to be made: a place can be booked for it.
BOOKS_FIRST_VISIT = (
    Connection.Status.SUGGESTED,
    Connection.Status.AGREED,
    Connection.Status.REFERRED,
    Connection.Status.MISSED_FIRST,
)


def may_name(connection: Connection) -> bool:
    """Whether the booking may carry a name: the client agreed to share something with
    the group (never for a signpost)."""
    return connection.shares_with_group and bool(connection.shared_note.strip())


def booking_name(connection: Connection, name: str) -> str:
    """The name on the booking, as the group sees it on its register: what the link
    worker confirmed, where the client agreed to share; otherwise nothing about them."""
    name = " ".join(name.split())
    return name if may_name(connection) and name else UNNAMED


def most_places(connection: Connection) -> int:
    """2 when someone agreed to go with them (a buddy, or accompanying them), else 1."""
    return MAX_PARTY if COMPANIONS & set(connection.support) else 1


def live_booking(connection: Connection) -> Booking | None:
    booking = connection.booking
    return booking if booking is not None and booking.is_live else None


def _locked(connection: Connection, seen_version: int, *, doing: str) -> Connection:
    # of=self: the booking is an outer join, which PostgreSQL will not lock (FOR UPDATE
    # on the nullable side); the connection's row is what serialises changes to it.
    current = (
        Connection.objects.select_for_update(of=("self",))
        .select_related("client", "client__area", "activity", "booking")
        .get(pk=connection.pk)
    )
    if current.withdrawn:
        raise ActionRefused("This connection was withdrawn: it cannot be changed.")
    if current.version != seen_version:
        raise StaleEdit(
            f"Someone else changed this connection while you were {doing}. Nothing has been "
            "saved: check what is saved now and try again."
        )
    return current


def do_book_first_visit(
    request: HttpRequest,
    connection: Connection,
    session: Session,
    *,
    name: str = "",
    places: int = 1,
    wait: bool = False,
    consent: bool,
    seen_version: int,
) -> Booking:
    """Book the client a place at `session` (or, with `wait`, a place on its waiting
    list if it is full), with their consent. A suggested connection becomes agreed:
    they agreed to go. Booked (not waiting), the session becomes their first session,
    which puts them on the group's register for it.

    Raises ActionRefused (bookings.SessionFull when there is no room) with words for
    the link worker; StaleEdit if the connection changed since the page was opened.
    Nothing is saved then."""
    if not consent:
        raise ActionRefused("Confirm they agree to this booking.")
    with transaction.atomic():
        current = _locked(connection, seen_version, doing="booking")
        if current.status not in BOOKS_FIRST_VISIT:
            raise ActionRefused(
                f"A connection that is {current.get_status_display().lower()} has no first "
                "visit to book."
            )
        if session.activity_id != current.activity_id:
            raise ActionRefused(f"Choose a session of {current.activity.title}.")
        if live_booking(current) is not None:
            raise ActionRefused(
                "They have a booking already: cancel it first to book another session."
            )
        if not 1 <= places <= most_places(current):
            raise ActionRefused(
                "Book 1 place: 2 only when a buddy or someone accompanying them is agreed."
            )
        booking = bookings.do_book(
            request,
            session,
            name=booking_name(current, name),
            places=places,
            channel=Booking.Channel.LINK_WORKER,
            wait=wait,
            booked_by=acting_user(request),
        )
        if current.status == Connection.Status.SUGGESTED:
            current = do_advance_connection(
                request, current, Connection.Status.AGREED, on=timezone.localdate()
            )
        current.booking = booking
        fields = ["booking", "version", "updated_at"]
        if booking.status == Booking.Status.BOOKED:
            current.first_session = booking.session
            fields.append("first_session")
        current.version += 1
        current.save(update_fields=fields)
        client = current.client
        client.touch()
        audit.record(
            request,
            "connection.booked",
            client,
            area=client.area,
            detail={
                "connection": str(current.public_id),
                "booking": str(booking.public_id),
                "session": str(session.public_id),
                "places": booking.places,
                "status": booking.status,
                "named": may_name(current) and booking.name != UNNAMED,
                "consent": True,  # the form asks; the action refuses without it
            },
        )
    connection.version, connection.booking = current.version, booking
    return booking


def do_cancel_first_visit(
    request: HttpRequest, connection: Connection, *, seen_version: int
) -> Booking:
    """Cancel the client's booking: its place goes back (to the first on the waiting
    list it fits). A booked session stops being their first session, so the group no
    longer expects them at it."""
    with transaction.atomic():
        current = _locked(connection, seen_version, doing="looking at it")
        booking = live_booking(current)
        if booking is None:
            raise ActionRefused("They have no booking to cancel.")
        booking = bookings.do_cancel(request, booking)
        fields = ["version", "updated_at"]
        if booking.session_id is not None and current.first_session_id == booking.session_id:
            current.first_session = None
            fields.append("first_session")
        current.version += 1
        current.save(update_fields=fields)
        client = current.client
        client.touch()
        audit.record(
            request,
            "connection.booking_cancelled",
            client,
            area=client.area,
            detail={"connection": str(current.public_id), "booking": str(booking.public_id)},
        )
    connection.version, connection.booking = current.version, booking
    return booking
