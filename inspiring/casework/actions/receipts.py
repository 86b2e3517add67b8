"""GOV.UK Notify's delivery receipts: what became of a message it took.

Notify posts one receipt per message once it is delivered or has failed (its
callback: casework.views.notify). The receipt names Notify's id for the message
(what sending returned, kept as `provider_id`) and our own reference for it: the
id finds it; the reference finds one whose id was never stored (Notify took it and
did not answer in time, or its receipt came before the answer was written).

Only the status and its time are kept: never the recipient or anything else the
receipt carries. A receipt about a client's message is written to the audit log as
the system's change (no one signed in), without content. Receipts are idempotent
(Notify sends again on anything but a 2xx, and may send twice): the same status
again changes nothing and is not logged again; a receipt for no message we know is
answered the same and changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from inspiring.accounts import audit
from inspiring.bookings.models import REMINDER_REFERENCE_PREFIX, Booking
from lib.senders import DeliveryStatus

from ..models import SentMessage
from ..models.messages import REFERENCE_PREFIX

logger = logging.getLogger(__name__)

# Registered here, with the one action that writes it (the casework app's list is in
# apps.py).
audit.register_actions(
    {"message.delivery_receipt": "GOV.UK Notify said whether a message about a client arrived"}
)


# A receipt proves Notify took the message: one "not known" (no answer in time) or
# waiting to be tried again (an error answer, though Notify had taken it) is sent, and
# never sent again. One still "sending" is left to the sender, which writes next.
SETTLED_BY_A_RECEIPT = (
    SentMessage.Status.UNKNOWN,
    SentMessage.Status.FAILED,
    SentMessage.Status.GAVE_UP,
)
REMINDER_SETTLED_BY_A_RECEIPT = (
    Booking.Reminder.UNKNOWN,
    Booking.Reminder.FAILED,
    Booking.Reminder.GAVE_UP,
)


class MalformedReceipt(ValueError):
    """Not a receipt Notify would send: no id, or not an object."""


@dataclass(frozen=True)
class Receipt:
    """What is read from a receipt: Notify's id, our reference, the status and when
    Notify reached it. Nothing else (the recipient is in the receipt; it stays out)."""

    notification_id: str
    reference: str
    status: str
    at: datetime

    @classmethod
    def parse(cls, data: object, *, now: datetime | None = None) -> Receipt:
        if not isinstance(data, dict):
            raise MalformedReceipt("A receipt is a JSON object.")
        try:
            notification_id = str(uuid.UUID(str(data.get("id", ""))))
        except ValueError:
            raise MalformedReceipt("A receipt names the notification's id.") from None
        status = data.get("status")
        if not isinstance(status, str):
            raise MalformedReceipt("A receipt gives the notification's status.")
        reference = data.get("reference")
        at = None
        for key in ("completed_at", "sent_at", "created_at"):
            value = data.get(key)
            at = _moment(value) if isinstance(value, str) else None
            if at is not None:
                break
        return cls(
            notification_id,
            reference if isinstance(reference, str) else "",
            status,
            at or now or timezone.now(),
        )


def _moment(text: str) -> datetime | None:
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)  # Notify's times are UTC
    return moment


def do_record_receipt(request: HttpRequest | None, receipt: Receipt) -> str:
    """Keep what a receipt says on the message it is about. Returns "message" (a
    client's message changed), "reminder" (a resident's booking reminder changed),
    "unchanged" (already known) or "unknown" (no message of ours, or a status
    Notify's receipts do not end on)."""
    if receipt.status not in DeliveryStatus.values:
        logger.warning("A GOV.UK Notify receipt had a status we do not keep: %s", receipt.status)
        return "unknown"
    outcome = _for_message(request, receipt)
    if outcome == "unknown":
        outcome = _for_reminder(receipt)
    if outcome == "unknown":
        # Nothing to change; Notify is answered 200 all the same, or it would send again.
        logger.info("A GOV.UK Notify receipt for no message of ours: %s", receipt.notification_id)
    return outcome


def _pk(reference: str, prefix: str) -> int | None:
    number = reference.removeprefix(prefix)
    if number == reference or not number.isdigit():
        return None
    return int(number)


def _for_message(request: HttpRequest | None, receipt: Receipt) -> str:
    found = SentMessage.objects.filter(provider_id=receipt.notification_id)
    pk = _pk(receipt.reference, REFERENCE_PREFIX)
    with transaction.atomic():
        message = found.select_for_update().first()
        if message is None and pk is not None:
            # Its id never written (or not yet): the reference, if it has no other id.
            message = SentMessage.objects.select_for_update().filter(pk=pk, provider_id="").first()
        if message is None:
            return "unknown"
        if (
            message.provider_id == receipt.notification_id
            and message.delivery_status == receipt.status
        ):
            return "unchanged"
        changes: dict[str, object] = {
            "provider_id": receipt.notification_id,
            "delivery_status": receipt.status,
            "delivery_status_at": receipt.at,
        }
        if message.status in SETTLED_BY_A_RECEIPT:
            # Notify did take it, whatever its answer said (none in time, or an error
            # after all): not "not known", and never sent again.
            changes.update(
                status=SentMessage.Status.SENT,
                sent_at=message.sent_at or message.attempted_at,
                next_attempt_at=None,
                error="",
            )
        SentMessage.objects.filter(pk=message.pk).update(**changes)
        client = message.client
        # The system's change, not the client's: their retention period does not move
        # (no Client.touch), and the log has the kind and status only.
        audit.record(
            request,
            "message.delivery_receipt",
            client,
            area=client.area,
            detail={"kind": message.kind, "delivery_status": receipt.status},
        )
    return "message"


def _for_reminder(receipt: Receipt) -> str:
    found = Booking.objects.filter(reminder_provider_id=receipt.notification_id)
    pk = _pk(receipt.reference, REMINDER_REFERENCE_PREFIX)
    with transaction.atomic():
        booking = found.select_for_update().first()
        if booking is None and pk is not None:
            booking = (
                Booking.objects.select_for_update().filter(pk=pk, reminder_provider_id="").first()
            )
        if booking is None or booking.reminder_status == Booking.Reminder.NONE:
            return "unknown"
        if (
            booking.reminder_provider_id == receipt.notification_id
            and booking.reminder_delivery_status == receipt.status
        ):
            return "unchanged"
        changes: dict[str, object] = {
            "reminder_provider_id": receipt.notification_id,
            "reminder_delivery_status": receipt.status,
            "reminder_delivery_status_at": receipt.at,
        }
        if booking.reminder_status in REMINDER_SETTLED_BY_A_RECEIPT:
            changes.update(
                reminder_status=Booking.Reminder.SENT,
                reminder_sent_at=booking.reminder_sent_at or booking.reminder_attempted_at,
                reminder_next_at=None,
                reminder_error="",
            )
        # .update(): a receipt is not a change to the booking (changed_at stays).
        Booking.objects.filter(pk=booking.pk).update(**changes)
    return "reminder"
