"""The reminder the day before a session a link worker booked for a client: sent through
the outbox (`messages`), so it is on the client's timeline and the connection's page
with how it went, and a failure is tried again by `send_waiting_messages`.

Bookings says which of its bookings are due (bookings.reminders.reminders_due, from
its `send_booking_reminders` command); this queues a message for each whose client
can have one, and sends it. One per booking, whichever way it goes: SentMessage.booking
is unique, so two runs at once record one and the other's insert fails (and it
sends nothing). Recorded "sending" and committed before it is sent, as every message.

Who gets one: a client who agreed to be contacted, whose case is open and not erased,
by the way they prefer (email or text; the other if that one is missing). Someone who
prefers a phone call or a letter gets no message: their link worker calls or writes.
The booking carries no contact details of a client (bookings knows nothing of them):
the address is the client's, as their plan is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from inspiring.bookings import reminders
from inspiring.bookings.models import Booking
from lib.senders import Sender

from .. import choices
from ..models import Client, Connection, SentMessage
from .messages import Outgoing, deliver, record_sending, text_number


def reminder_outgoing(
    client: Client, booking: Booking, *, day: str = "tomorrow"
) -> Outgoing | None:
    """The reminder to send `client` for `booking`, or None if they are not to get one;
    `day` "today" for one tried again on the session's own day."""
    if client.erased_at is not None or client.closed_at is not None:
        return None
    if not client.consent_to_contact:
        return None
    mobile = text_number(client.phone) if client.phone else None
    preferred = client.preferred_contact
    if preferred in (choices.ContactMethod.PHONE, choices.ContactMethod.LETTER):
        return None
    ways = ["text", "email"] if preferred == choices.ContactMethod.TEXT else ["email", "text"]
    phone = client.area.contact_phone
    cancel = (
        f"Cannot go? Call {phone} to tell us." if phone else "Cannot go? Tell your link worker."
    )
    for way in ways:
        if way == "email" and client.email:
            return Outgoing(
                SentMessage.Kind.REMINDER_EMAIL,
                to=client.email,
                subject=reminders.email_subject(booking, day=day),
                body=reminders.email_text(
                    booking, name=client.display_name, cancel=cancel, day=day
                ),
                booking_id=booking.pk,
            )
        if way == "text" and mobile:
            return Outgoing(
                SentMessage.Kind.REMINDER_TEXT,
                to=mobile,
                body=reminders.sms_text(booking, cancel=cancel, day=day),
                booking_id=booking.pk,
            )
    return None


def send_reminders(
    booking_ids: Sequence[int], *, now: datetime, sender: Sender | None = None
) -> dict[str, int]:
    """Queue and send the reminders for these bookings (all due, as bookings says) that
    have none yet. Returns counts: sent, failed (tried again later, or given up),
    unknown, and skipped (no way to remind them)."""
    counts = {"sent": 0, "failed": 0, "unknown": 0, "skipped": 0}
    connections = (
        Connection.objects.filter(
            booking_id__in=list(booking_ids),
            booking__status=Booking.Status.BOOKED,
            booking__client_reminder__isnull=True,
        )
        .select_related(
            "client",
            "client__area",
            "booking",
            "booking__session",
            "booking__activity",
            "booking__activity__venue",
            "booking__activity__organisation",
        )
        .order_by("pk")
    )
    for connection in connections:
        booking = connection.booking
        assert booking is not None
        outgoing = reminder_outgoing(connection.client, booking)
        if outgoing is None:
            counts["skipped"] += 1
            continue
        try:
            message = record_sending(None, connection.client, outgoing)
        except IntegrityError:
            continue  # another run recorded this booking's reminder first
        message = deliver(message, sender=sender, now=now)
        outcome = {
            SentMessage.Status.SENT: "sent",
            SentMessage.Status.UNKNOWN: "unknown",
        }.get(SentMessage.Status(message.status), "failed")
        counts[outcome] += 1
    return counts


def reworded_for_today(message: SentMessage, now: datetime) -> SentMessage:
    """A reminder tried again on the session's own day (a failure in the evening waits
    for the morning: bookings.reminders.next_in_hours) says "today", not "tomorrow", and
    what is kept is what goes. Unchanged otherwise, or if it would now go another way
    (the outbox gives that one up: their details changed)."""
    booking = message.booking
    if booking is None or booking.session is None:
        return message
    if timezone.localdate(now) != booking.session.local_date:
        return message
    outgoing = reminder_outgoing(message.client, booking, day="today")
    if outgoing is None or (outgoing.kind, outgoing.to) != (message.kind, message.to):
        return message
    SentMessage.objects.filter(pk=message.pk).update(subject=outgoing.subject, body=outgoing.body)
    message.subject, message.body = outgoing.subject, outgoing.body
    return message


def _reminders_due(
    sender: Any,
    booking_ids: Sequence[int] = (),
    now: datetime | None = None,
    through: Sender | None = None,
    **kwargs: Any,
) -> dict[str, int]:
    assert now is not None
    return send_reminders(booking_ids, now=now, sender=through)


def connect() -> None:
    reminders.reminders_due.connect(
        _reminders_due, sender=Booking, dispatch_uid="casework-booking-reminders"
    )
