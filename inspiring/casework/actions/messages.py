"""Sending a client their plan, their GP and referrer the message back, and someone who
referred themselves the confirmation by text.

Never over the network inside a transaction (a 15-second timeout would hold every
writer on SQLite): each message is recorded as "sending" and committed, then sent,
then marked sent or failed. A failure is tried again by `send_waiting_messages`
(cron, or the task in `tasks.py`) a few times, further apart each time; a message
whose sending was interrupted (it may have gone) is never sent again blind.

A message is sent by the signed-in person, or by nobody (`by` is None): the
confirmation of a self-referral goes from the public form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.accounts.models import User
from inspiring.bookings import reminders
from lib.senders import Attachment, Sender, SendFailed, get_sender, with_reference

from ..message_back import TITLE, build_message_back, filename, letter_pdf, letter_text
from ..models import Client, Referral, SentMessage
from ..models.messages import MAX_ATTEMPTS, RETRY_AFTER, SENDING_TIMEOUT
from ..plan import (
    build_plan,
    email_subject,
    email_text,
    mobile_number,
    sms_text,
)
from . import ActionRefused

# A plan by email and by text are the same plan: one waits for the other.
PLANS = (SentMessage.Kind.PLAN_EMAIL, SentMessage.Kind.PLAN_TEXT)
# The day before a booked session (booking_reminders): pointless once it has started.
REMINDERS = (SentMessage.Kind.REMINDER_EMAIL, SentMessage.Kind.REMINDER_TEXT)


@dataclass(frozen=True)
class Outgoing:
    """A message to record and send."""

    kind: str
    to: str
    body: str
    subject: str = ""
    attachment: Attachment | None = None
    # The booking a reminder is for (one per booking: SentMessage.booking is unique).
    booking_id: int | None = None


def do_send(
    request: HttpRequest | None,
    client: Client,
    outgoing: Outgoing,
    *,
    sender: Sender | None = None,
    not_while_waiting: tuple[str, ...] = (),
) -> SentMessage:
    """Record the message on the client's timeline (audited), commit, then send it.

    Refused while a message of a kind in `not_while_waiting` is still to be tried again
    (checked with the client's row locked, so a double click sends one). Returns the
    message, whose status says what happened: sent, failed (to be tried again: `error`
    says why), given up (the service refused it) or not known (no answer in time)."""
    message = record_sending(request, client, outgoing, not_while_waiting=not_while_waiting)
    return deliver(message, sender=sender)


def record_sending(
    request: HttpRequest | None,
    client: Client,
    outgoing: Outgoing,
    *,
    not_while_waiting: tuple[str, ...] = (),
) -> SentMessage:
    """Record the message as "sending" (audited), committed with the caller's transaction
    if there is one: send it with `deliver` once that has committed. Sent by the
    signed-in person; by the system (`by` None) when `request` is None or nobody is."""
    attachment = outgoing.attachment
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()
        if not_while_waiting and _waiting(client, *not_while_waiting):
            raise ActionRefused(WAITING)
        message = SentMessage.objects.create(
            client=client,
            kind=outgoing.kind,
            to=outgoing.to,
            subject=outgoing.subject,
            body=outgoing.body,
            attachment=attachment.content if attachment else None,
            attachment_name=attachment.filename if attachment else "",
            booking_id=outgoing.booking_id,
            status=SentMessage.Status.SENDING,
            attempted_at=timezone.now(),
            by=_signed_in(request),
        )
        client.touch()
        audit.record(
            request, "message.sent", client, area=client.area, detail={"kind": outgoing.kind}
        )
    return message


def _signed_in(request: HttpRequest | None) -> User | None:
    """Who is sending: the signed-in person, or None for the system (a public form)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return acting_user(request)  # type: ignore[arg-type]


def text_number(phone: str) -> str | None:
    """The number a text message can go to, as sent ("+447700900982"), or None.

    A number the numbering plan knows must be a mobile by its type (not a landline,
    freephone, pager or personal number). A UK 07 number of full length that the plan
    has not allocated (Ofcom's drama range, 07700 900 xxx, which the forms accept and
    the examples use) is taken as the mobile it looks like."""
    mobile = mobile_number(phone)
    if mobile is None:
        return None
    number = phonenumbers.parse(mobile)
    if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return mobile


def deliver(
    message: SentMessage, *, sender: Sender | None = None, now: datetime | None = None
) -> SentMessage:
    """Send a message already recorded as "sending", and record the outcome."""
    # Our id goes with it where the service keeps one: Notify's receipt names it.
    sender = with_reference(sender or get_sender(), message.reference)
    attempts = message.attempts + 1
    try:
        if message.kind == SentMessage.Kind.MESSAGE_BACK_MESH:
            from .mesh import send_by_mesh

            provider_id: str | None = send_by_mesh(message)
        elif message.is_email:
            files = []
            if message.attachment is not None:
                files = [Attachment(message.attachment_name, bytes(message.attachment))]
            provider_id = sender.send_email(
                message.to, message.subject, message.body, attachments=files
            )
        else:
            provider_id = sender.send_text(message.to, message.body)
    except SendFailed as failure:
        now = now or timezone.now()
        again = attempts < MAX_ATTEMPTS and not failure.permanent and not failure.uncertain
        if failure.uncertain:
            status = SentMessage.Status.UNKNOWN
        else:
            status = SentMessage.Status.FAILED if again else SentMessage.Status.GAVE_UP
        SentMessage.objects.filter(pk=message.pk).update(
            status=status,
            attempts=attempts,
            next_attempt_at=_retry_at(message, now + RETRY_AFTER[attempts - 1]) if again else None,
            error=str(failure)[:300],
        )
    else:
        SentMessage.objects.filter(pk=message.pk).update(
            status=SentMessage.Status.SENT,
            attempts=attempts,
            sent_at=now or timezone.now(),
            next_attempt_at=None,
            error="",
            # Notify's id, for its receipt; the receipt itself may have come first.
            provider_id=provider_id or "",
        )
    message.refresh_from_db()
    return message


def send_waiting_messages(
    now: datetime | None = None, *, sender: Sender | None = None
) -> dict[str, int]:
    """Try again the messages that failed and are due; mark interrupted ones.

    Each message is claimed (failed → sending, one UPDATE) before it is sent, so two
    workers running at once never send the same message twice."""
    now = now or timezone.now()
    interrupted = SentMessage.objects.filter(
        status=SentMessage.Status.SENDING, attempted_at__lt=now - SENDING_TIMEOUT
    ).update(status=SentMessage.Status.UNKNOWN, next_attempt_at=None)
    counts = {"sent": 0, "failed": 0, "interrupted": interrupted}
    due = SentMessage.objects.due_for_retry(now)
    if not reminders.in_hours(now):
        # Reminders go in the same hours whether first sent or tried again: never a
        # text in the night (one due at 19:58, found at 20:01, waits for the morning).
        due = due.exclude(kind__in=REMINDERS)
    for pk in due.order_by("next_attempt_at", "pk").values_list("pk", flat=True):
        claimed = SentMessage.objects.filter(pk=pk, status=SentMessage.Status.FAILED).update(
            status=SentMessage.Status.SENDING, attempted_at=now
        )
        if not claimed:
            continue  # another worker has it
        message = SentMessage.objects.select_related("client").get(pk=pk)
        changed = _no_longer_right(message, now)
        if changed:
            # Sent as it was written, it would go against their wishes or to an old address.
            SentMessage.objects.filter(pk=pk).update(
                status=SentMessage.Status.GAVE_UP, next_attempt_at=None, error=changed
            )
            counts["failed"] += 1
            continue
        if message.kind in REMINDERS:
            # Imported here: booking_reminders builds on this module.
            from .booking_reminders import reworded_for_today

            message = reworded_for_today(message, now)
        message = deliver(message, sender=sender, now=now)
        counts["sent" if message.status == SentMessage.Status.SENT else "failed"] += 1
    return counts


def _retry_at(message: SentMessage, at: datetime) -> datetime:
    """When to try `message` again, due `at`: a reminder only in the hours reminders go
    (bookings.reminders: 10:00 to 20:00), so a failure at 19:55 is tried the next
    morning, not at 22:55."""
    if message.kind in REMINDERS:
        return reminders.next_in_hours(at)
    return at


WAITING = (
    "An earlier message is still waiting to be sent: it will be tried again "
    "automatically, or you can stop it. Its progress is shown on this page."
)


def _waiting(client: Client, *kinds: str) -> bool:
    """Whether a message of these kinds is still to be tried (another would send two)."""
    return client.messages.filter(
        kind__in=kinds, status__in=(SentMessage.Status.FAILED, SentMessage.Status.SENDING)
    ).exists()


def _no_longer_right(message: SentMessage, now: datetime) -> str:
    """Why a message waiting to be tried again must not go as written, or ""."""
    client = message.client
    if client.erased_at is not None:
        return "Their data was erased."
    if message.kind in (SentMessage.Kind.MESSAGE_BACK, SentMessage.Kind.MESSAGE_BACK_MESH):
        if not client.consent_to_inform_gp:
            return "They no longer agree to their GP and referrer being told."
        return ""
    if not client.consent_to_contact:
        return "They no longer agree to be contacted."
    if message.kind in REMINDERS:
        if client.closed_at is not None:
            return "Their case was closed."
        booking = message.booking
        if booking is None or booking.status != booking.Status.BOOKED:
            return "The booking was cancelled."
        if booking.session is None or booking.session.start <= now:
            return "The session has started."
    # An email (a plan, or a link to answer a measure) went to their address; a text
    # to their mobile.
    current = client.email if message.is_email else (text_number(client.phone) or "")
    if current != message.to:
        return "Their contact details have changed since: send it again."
    return ""


def do_stop_message(request: HttpRequest, message: SentMessage) -> SentMessage:
    """Stop trying to send a message that failed (to send it another way, or again)."""
    with transaction.atomic():
        stopped = SentMessage.objects.filter(
            pk=message.pk, status=SentMessage.Status.FAILED
        ).update(
            status=SentMessage.Status.GAVE_UP,
            next_attempt_at=None,
            error=f"Stopped by {acting_user(request).full_name or acting_user(request).email}.",
        )
        if not stopped:
            raise ActionRefused("This message is not waiting to be sent any more.")
        client = message.client
        client.touch()
        audit.record(
            request, "message.stopped", client, area=client.area, detail={"kind": message.kind}
        )
    message.refresh_from_db()
    return message


def do_send_plan(
    request: HttpRequest, client: Client, method: str, *, sender: Sender | None = None
) -> SentMessage:
    """Send the plan as they chose, if they agreed to be contacted; keep what was sent."""
    name = client.display_name
    if not client.consent_to_contact:
        raise ActionRefused(
            f"{name} has not agreed to be contacted. Record their consent in their details "
            "first, or print the plan and give it to them."
        )
    plan = build_plan(client)
    if not plan.activities:
        raise ActionRefused("There are no agreed activities in the plan to send.")
    if method == "email":
        if not client.email:
            raise ActionRefused(
                f"There is no email address for {name}. Add it to their details, or print the plan."
            )
        outgoing = Outgoing(
            SentMessage.Kind.PLAN_EMAIL,
            to=client.email,
            subject=email_subject(plan),
            body=email_text(plan),
        )
        return do_send(request, client, outgoing, sender=sender, not_while_waiting=PLANS)
    if not client.phone:
        raise ActionRefused(
            f"There is no phone number for {name}. Add their mobile number to their details, "
            "or send the plan by email."
        )
    mobile = text_number(client.phone)
    if mobile is None:
        raise ActionRefused(
            f"{name}'s phone number is not a mobile number, so it cannot take a text message. "
            "Send the plan by email, or print it."
        )
    text = sms_text(plan, short=method == "short_text")
    if not text.fits:
        raise ActionRefused(text.problem)
    outgoing = Outgoing(SentMessage.Kind.PLAN_TEXT, to=mobile, body=text.text)
    return do_send(request, client, outgoing, sender=sender, not_while_waiting=PLANS)


def do_send_message_back(
    request: HttpRequest, client: Client, referral: Referral, *, sender: Sender | None = None
) -> SentMessage:
    """Email the letter to the referrer, only with the client's consent; keep what was sent."""
    if not client.consent_to_inform_gp:
        raise ActionRefused(
            f"{client.display_name} has not agreed to their GP and referrer being told. "
            "Record their consent in their details first."
        )
    to = referral.referrer_email
    if not to:
        raise ActionRefused(
            "There is no email address for the referrer. Download the letter and send it "
            "to them securely."
        )
    doc = build_message_back(client, referral)
    outgoing = Outgoing(
        SentMessage.Kind.MESSAGE_BACK,
        to=to,
        # No name or NHS number in the subject: mail systems show it where the body is not.
        subject=f"{TITLE} from {doc['document']['programme']}",
        body=letter_text(doc),
        attachment=Attachment(filename(doc, "pdf"), letter_pdf(doc)),
    )
    return do_send(
        request, client, outgoing, sender=sender, not_while_waiting=(SentMessage.Kind.MESSAGE_BACK,)
    )
