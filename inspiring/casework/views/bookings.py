"""A link worker books a client's first visit from their connection, and cancels it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.bookings.actions import bookable
from inspiring.bookings.models import Booking
from inspiring.directory.models import Session
from lib.http import posted

from ..access import get_connection
from ..actions import ActionRefused, StaleEdit
from ..actions.bookings import BOOKS_FIRST_VISIT, do_book_first_visit, do_cancel_first_visit
from ..forms.base import session_label
from ..forms.bookings import FirstVisitBookingForm
from ..models import Connection
from ..registers import first_name, places_label

CASES = Capability.MANAGE_CASES
# As many as the first-session choice offers.
SESSIONS_OFFERED = 8


def bookable_sessions(connection: Connection) -> QuerySet[Session]:
    """The activity's next sessions going ahead whose places are booked on this site."""
    ids = (
        Session.objects.filter(
            activity_id=connection.activity_id, start__gt=timezone.now(), places__isnull=False
        )
        .going_ahead()
        .order_by("start", "pk")
        .values_list("pk", flat=True)[:SESSIONS_OFFERED]
    )
    return Session.objects.filter(pk__in=list(ids)).select_related("activity").order_by("start")


def _initial_session(connection: Connection, sessions: QuerySet[Session]) -> Session | None:
    """Their first session, when it is offered and has room."""
    first = next((s for s in sessions if s.pk == connection.first_session_id), None)
    if (
        first is None
        or bookable(first, channel=Booking.Channel.LINK_WORKER)
        or not first.places_left
    ):
        return None
    return first


def _booked_message(connection: Connection, booking: Booking) -> str:
    when = session_label(booking.session) if booking.session else "the session"
    who = first_name(connection)
    if booking.status == Booking.Status.WAITING:
        return (
            f"{who} is on the waiting list for {connection.activity.title} on {when}. "
            "If a place comes up it is booked for them: check back here."
        )
    return (
        f"{places_label(booking.places).capitalize()} booked for {who} at "
        f"{connection.activity.title} on {when}. Tell them: nothing is sent to them."
    )


@require_capability(CASES)
def book_first_visit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_connection(request, public_id)
    if item.withdrawn or item.status not in BOOKS_FIRST_VISIT:
        messages.info(request, "This connection has no first visit to book.")
        return redirect(item)
    if item.booking is not None and item.booking.is_live:
        messages.info(request, "They have a booking already: cancel it first to book another.")
        return redirect(item)
    sessions = bookable_sessions(item)
    initial = {}
    if (first := _initial_session(item, sessions)) is not None:
        initial["session"] = first.public_id
    form = FirstVisitBookingForm(
        posted(request), connection=item, sessions=sessions, initial=initial
    )
    stale = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = do_book_first_visit(
                request,
                item,
                data["session"],
                name=data.get("name", ""),
                places=data.get("places") or 1,
                wait=bool(data.get("wait")),
                consent=data["consent"],
                seen_version=data["version"],
            )
        except StaleEdit as problem:
            item.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(item.version)
            form = FirstVisitBookingForm(data, connection=item, sessions=sessions)
            stale = str(problem)
        except ActionRefused as problem:
            # Full, started, cancelled, not booked here: about the session chosen.
            form.add_error("session", str(problem))
        else:
            messages.success(request, _booked_message(item, booking))
            return redirect(item)
    return render(
        request,
        "casework/connection_book.html",
        {
            "connection": item,
            "client": item.client,
            "form": form,
            "stale": stale,
            "sessions": sessions,
        },
    )


@require_capability(CASES)
@require_POST
def cancel_booking(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_connection(request, public_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        do_cancel_first_visit(request, item, seen_version=version)
    except ActionRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request,
            f"The booking for {first_name(item)} at {item.activity.title} is cancelled: the "
            "place is free for someone else. Tell them it is cancelled.",
        )
    return redirect(item)
