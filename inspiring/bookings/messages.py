"""What a booked person is told, by email, once the change is committed (never from
inside a transaction: a slow mail server must not hold the session's row), with a link
to cancel that needs no account (a signed token of the booking's public id)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lib.mail import send_notification

from .models import Booking

SALT = "inspiring.bookings.cancel"
BOOKED = "booked"
CANCELLED = "cancelled"
PLACE_CAME_UP = "place_came_up"
SESSION_CANCELLED = "session_cancelled"
SUBJECTS = {
    BOOKED: "Your booking: {title}",
    CANCELLED: "Booking cancelled: {title}",
    PLACE_CAME_UP: "A place came up: you are booked for {title}",
    SESSION_CANCELLED: "Cancelled by the group: {title}",
}


def cancel_token(booking: Booking) -> str:
    return signing.dumps(str(booking.public_id), salt=SALT, compress=True)


def booking_from_token(token: str) -> Booking | None:
    """The booking a cancel link names, or None for a link that was altered."""
    try:
        public_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return (
        Booking.objects.select_related("activity", "session", "activity__venue")
        .filter(public_id=public_id)
        .first()
    )


def cancel_url(booking: Booking) -> str:
    path = reverse("bookings:booking", kwargs={"token": cancel_token(booking)})
    return f"{settings.SITE_URL}{path}"


def send(kind: str, booking: Booking) -> bool:
    # A booking made through another site is that site's to tell (the Orders feed
    # shows it every change).
    if not booking.email or booking.channel == Booking.Channel.OPEN_BOOKING:
        return False
    activity = booking.activity
    context = {
        "booking": booking,
        "activity": activity,
        "when": timezone.localtime(booking.starts_at),
        "cancel_url": cancel_url(booking) if kind in (BOOKED, PLACE_CAME_UP) else "",
        "site_name": getattr(settings, "SITE_NAME", "Inspiring"),
    }
    return send_notification(
        [booking.email],
        SUBJECTS[kind].format(title=activity.title),
        f"bookings/email/{kind}.txt",
        context,
    )


def after_commit(kind: str, bookings: Sequence[Booking]) -> None:
    for booking in bookings:
        transaction.on_commit(partial(send, kind, booking))
