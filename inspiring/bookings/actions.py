"""Booking and cancelling places, the waiting list, and bookings of a session that is
cancelled or removed: every change to a booking goes through here.

Never overbooked: a place is taken by one conditional UPDATE of the session's count
(`booked <= places - n`), which the database runs one at a time for a row (PostgreSQL
locks the row and checks the condition again on the row as the other left it; SQLite
runs one writing transaction at a time): of two people racing for the last place,
exactly one is booked. Messages go after the transaction commits (messages.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.models import User
from inspiring.directory.models import Activity, Session
from lib.actions import ActionRefused

from . import messages
from .models import MAX_PARTY, Booking

# Sent inside the transaction with `booking_ids` whenever bookings are made or change
# status here (booked, cancelled, promoted from the waiting list, their session gone):
# the Open Booking API's Orders feed shows each change to the site that booked.
bookings_changed = Signal()


class SessionFull(ActionRefused):
    """No places left (the person may join the waiting list, where there is one)."""


def _take(session_id: int, places: int) -> bool:
    """Take `places` at the session if there is room: one statement, never past places."""
    return bool(
        Session.objects.filter(
            pk=session_id,
            status=Session.Status.SCHEDULED,
            places__isnull=False,
            booked__lte=F("places") - places,
        ).update(booked=F("booked") + places, updated_at=timezone.now())
    )


def _give_back(session_id: int, places: int) -> None:
    Session.objects.filter(pk=session_id, booked__gte=places).update(
        booked=F("booked") - places, updated_at=timezone.now()
    )


def bookable(session: Session, *, channel: str, now: datetime | None = None) -> str:
    """Why this session cannot be booked by this channel, or "" if it can."""
    activity = session.activity
    if session.places is None:
        return "Places at this session are not booked here."
    if session.is_cancelled:
        return "This session has been cancelled."
    if session.start <= (now or timezone.now()):
        return "This session has already started."
    if activity.status != Activity.Status.PUBLISHED or activity.revision_of_id is not None:
        return "This activity is not listed at the moment."
    if activity.capacity_status == Activity.CapacityStatus.PAUSED:
        return "This activity is paused and not taking bookings."
    if channel in Booking.BY_RESIDENTS and not activity.public_booking:
        return "This group takes bookings through link workers only."
    return ""


def do_book(
    request: HttpRequest | None,
    session: Session,
    *,
    name: str,
    email: str = "",
    phone: str = "",
    places: int = 1,
    channel: str,
    wait: bool = False,
    booked_by: User | None = None,
) -> Booking:
    """Book `places` at `session`; with `wait`, join its waiting list if it is full.

    Raises SessionFull if there is no room (and `wait` was not asked for, or the group
    keeps no waiting list): the person chose a place, and is told rather than put on a
    list they did not ask for."""
    name = " ".join(name.split())
    if not name:
        raise ActionRefused("Enter a name for the booking.")
    if not 1 <= places <= MAX_PARTY:
        raise ActionRefused(f"Book 1 or {MAX_PARTY} places: yourself, and someone with you.")
    with transaction.atomic():
        session = Session.objects.select_related("activity", "activity__home_area").get(
            pk=session.pk
        )
        problem = bookable(session, channel=channel)
        if problem:
            raise ActionRefused(problem)
        activity = session.activity
        if _take(session.pk, places):
            status = Booking.Status.BOOKED
        elif wait and activity.waiting_list:
            status = Booking.Status.WAITING
        elif activity.waiting_list:
            raise SessionFull(
                "There are not enough places left at this session. You can join its waiting "
                "list instead."
            )
        else:
            raise SessionFull("There are not enough places left at this session.")
        booking = Booking.objects.create(
            session=session,
            session_key=session.public_id,
            activity=activity,
            starts_at=session.start,
            places=places,
            name=name[:100],
            email=email.strip(),
            phone=phone.strip(),
            channel=channel,
            status=status,
            booked_by=booked_by,
        )
        audit.record(
            request,
            "booking.made",
            booking,
            area=activity.home_area,
            detail={"activity": activity.title, "session": session.when_label},
        )
        bookings_changed.send(Booking, booking_ids=[booking.pk])
        messages.after_commit(messages.BOOKED, [booking])
    return booking


def do_cancel(request: HttpRequest | None, booking: Booking) -> Booking:
    """Cancel a booking or a place on the waiting list; a place given up goes to the
    first on the waiting list it fits, who is told."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("activity").get(pk=booking.pk)
        if not booking.is_live:
            raise ActionRefused("This booking has already been cancelled.")
        was = booking.status
        booking.status = Booking.Status.CANCELLED
        booking.save(update_fields=["status", "changed_at"])
        promoted: list[Booking] = []
        if was == Booking.Status.BOOKED and booking.session_id is not None:
            _give_back(booking.session_id, booking.places)
            promoted = _offer_places(booking.session_id)
        audit.record(
            request,
            "booking.cancelled",
            booking,
            area=booking.activity.home_area,
            detail={"activity": booking.activity.title, "places offered": len(promoted)},
        )
        bookings_changed.send(Booking, booking_ids=[booking.pk, *(b.pk for b in promoted)])
        messages.after_commit(messages.CANCELLED, [booking])
        messages.after_commit(messages.PLACE_CAME_UP, promoted)
    return booking


def _offer_places(session_id: int) -> list[Booking]:
    """Book, in the order they joined, those waiting whose party fits in the places
    left (a pair is passed over for one person behind them if only one place is left)."""
    promoted = []
    waiting = Booking.objects.select_for_update().filter(
        session_id=session_id, status=Booking.Status.WAITING
    )
    for booking in waiting.order_by("created_at", "pk"):
        if _take(session_id, booking.places):
            booking.status = Booking.Status.BOOKED
            booking.save(update_fields=["status", "changed_at"])
            promoted.append(booking)
    return promoted


def offer_places(session_ids: Iterable[int]) -> None:
    """A session's places went up (the group changed them): those waiting are booked
    into them, in order, and told."""
    with transaction.atomic():
        for session_id in session_ids:
            promoted = _offer_places(session_id)
            if promoted:
                bookings_changed.send(Booking, booking_ids=[b.pk for b in promoted])
            messages.after_commit(messages.PLACE_CAME_UP, promoted)


def session_gone(session_ids: Iterable[int] = (), session_keys: Iterable[object] = ()) -> int:
    """Sessions cancelled by their group (by id) or removed by a change to their
    schedule (by public id): everyone booked or waiting is told, and their places are
    freed. Returns how many bookings that was."""
    ids, keys = list(session_ids), list(session_keys)
    if not ids and not keys:
        return 0
    with transaction.atomic():
        live = Booking.objects.select_for_update().filter(status__in=Booking.LIVE)
        found = list(
            live.filter(Q(session_id__in=ids) | Q(session_key__in=keys)).select_related("activity")
        )
        if not found:
            return 0
        Booking.objects.filter(pk__in=[b.pk for b in found]).update(
            status=Booking.Status.SESSION_CANCELLED, changed_at=timezone.now()
        )
        if ids:
            Session.objects.filter(pk__in=ids).update(booked=0, updated_at=timezone.now())
        bookings_changed.send(Booking, booking_ids=[b.pk for b in found])
        messages.after_commit(messages.SESSION_CANCELLED, found)
    return len(found)


def forget_past_bookings(now: datetime | None = None) -> int:
    """Blank the name and contact details residents gave when they booked online (here
    or through another site), once
    their session is settings.BOOKINGS_RETENTION_DAYS past (nobody needs them then: the
    booking, its places and status stay for the session's history). Link workers'
    bookings carry only what a client agreed to share, kept and erased with the case.
    Returns how many bookings were blanked."""
    before = (now or timezone.now()) - timedelta(days=settings.BOOKINGS_RETENTION_DAYS)
    return (
        Booking.objects.filter(channel__in=Booking.BY_RESIDENTS, starts_at__lt=before)
        .exclude(name="", email="", phone="")
        .update(name="", email="", phone="", changed_at=timezone.now())
    )
