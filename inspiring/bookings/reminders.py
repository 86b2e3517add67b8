"""The reminder the day before a session: the time, the place, who will greet them and
how to cancel, by email, or by text to a UK mobile where no email was given.

Residents who booked online are reminded here, through the site's sender (GOV.UK
Notify in production). A link worker's booking is reminded by casework, through its
outbox, so that the link worker sees whether it went: this module only says which
bookings are due (the `reminders_due` signal), as bookings knows nothing of casework.

The reminder is kept on the booking (Booking.reminder_*), not in a table of its own:
one booking has at most one reminder, so "never twice" is one row's status, and the
claim before sending is one conditional UPDATE of that row that also checks the
booking is still booked (a cancellation committed first wins; one committed after
the claim is too late for this reminder, as it would be for a letter in the post).
The claim is committed before anything leaves; the send is outside any transaction;
the outcome is written after. A failure is tried again a few times, further apart
(lib.senders' schedule, the same as casework's outbox); a send interrupted (still
"sending" after lib.senders.SENDING_TIMEOUT) or one the service did not answer is
"not known" and never sent again blind.

Reminders go between REMIND_FROM and REMIND_UNTIL, UK time, on the day before: never
a text in the night. Safe to run any number of times (the scheduler runs it every
few minutes): what was claimed is never claimed again.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone

from inspiring.directory.models import Session
from lib.phones import uk_mobile
from lib.senders import (
    MAX_ATTEMPTS,
    RETRY_AFTER,
    SENDING_TIMEOUT,
    Sender,
    SendFailed,
    get_sender,
    with_reference,
)

from .messages import cancel_url
from .models import Booking

# The hours, UK time, in which reminders for tomorrow's sessions go.
REMIND_FROM = time(10)
REMIND_UNTIL = time(20)

R = Booking.Reminder

# Sent with the ids of link workers' bookings due a reminder now (booking_ids), the
# time (now) and the sender to use (through, None for the site's): casework's receiver
# queues and sends its messages, and returns a dict of counts to add to the command's.
reminders_due = Signal()


def tomorrow(now: datetime) -> date:
    return timezone.localdate(now) + timedelta(days=1)


def in_hours(now: datetime) -> bool:
    return REMIND_FROM <= timezone.localtime(now).time() < REMIND_UNTIL


def next_in_hours(at: datetime) -> datetime:
    """`at`, or the next time after it that reminders go: a retry due in the night waits
    for the morning (casework's outbox tries its reminders again on this)."""
    if in_hours(at):
        return at
    local = timezone.localtime(at)
    day = local.date() if local.time() < REMIND_FROM else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, REMIND_FROM))


def due(now: datetime) -> QuerySet[Booking]:
    """Bookings (not waiting, not cancelled) at a session tomorrow that is going ahead
    and has not started."""
    return Booking.objects.filter(
        status=Booking.Status.BOOKED,
        session__local_date=tomorrow(now),
        session__start__gt=now,
        session__status=Session.Status.SCHEDULED,
    )


def context(booking: Booking, *, name: str, cancel: str, day: str = "tomorrow") -> dict[str, Any]:
    """What a reminder's templates are given: `cancel` is the line that says how to
    cancel (a resident's link; a client's link worker to call); `day` is "today" for one
    tried again on the session's own day (casework's outbox)."""
    assert booking.session is not None
    return {
        "booking": booking,
        "activity": booking.activity,
        "name": name,
        "when": timezone.localtime(booking.session.start),
        "cancel": cancel,
        "day": day,
        "site_name": getattr(settings, "SITE_NAME", "Inspiring"),
    }


def email_subject(booking: Booking, *, day: str = "tomorrow") -> str:
    assert booking.session is not None
    start = timezone.localtime(booking.session.start)
    return f"Reminder: {booking.activity.title} {day} at {start:%H:%M}"


def email_text(booking: Booking, *, name: str, cancel: str, day: str = "tomorrow") -> str:
    return render_to_string(
        "bookings/email/reminder.txt", context(booking, name=name, cancel=cancel, day=day)
    )


def sms_text(booking: Booking, *, cancel: str, day: str = "tomorrow") -> str:
    """One line each of what, when, where and who, joined: no name (a phone's lock
    screen shows it)."""
    rendered = render_to_string(
        "bookings/sms/reminder.txt", context(booking, name="", cancel=cancel, day=day)
    )
    return "\n".join(line.strip() for line in rendered.splitlines() if line.strip())


def resident_cancel(booking: Booking, *, short: bool = False) -> str:
    """The link to cancel; `short` for a text message, where every character counts."""
    if short:
        return f"Cannot go? Cancel: {cancel_url(booking)}"
    return f"Cannot go? Cancel here so someone else can have the place: {cancel_url(booking)}"


def send_booking_reminders(
    now: datetime | None = None, *, sender: Sender | None = None
) -> dict[str, int]:
    """Remind everyone booked at a session tomorrow, once: residents here, clients of
    link workers through `reminders_due`. Returns counts of what happened."""
    now = now or timezone.now()
    interrupted = Booking.objects.filter(
        reminder_status=R.SENDING, reminder_attempted_at__lt=now - SENDING_TIMEOUT
    ).update(reminder_status=R.UNKNOWN, reminder_next_at=None)
    counts = {"sent": 0, "failed": 0, "interrupted": interrupted}
    if not in_hours(now):
        return counts
    # New reminders for tomorrow's sessions; and those that failed, whenever their
    # retry is due, while their session has not started (one that failed in the evening
    # is tried again next morning, on the session's own day).
    retries = Booking.objects.filter(
        status=Booking.Status.BOOKED,
        session__start__gt=now,
        session__status=Session.Status.SCHEDULED,
        reminder_status=R.FAILED,
        reminder_attempts__lt=MAX_ATTEMPTS,
        reminder_next_at__lte=now,
    )
    waiting = Booking.objects.filter(channel=Booking.Channel.ONLINE).filter(
        Q(pk__in=due(now).filter(reminder_status=R.NONE).values("pk"))
        | Q(pk__in=retries.values("pk"))
    )
    for pk, seen in waiting.order_by("pk").values_list("pk", "reminder_status"):
        # The claim: this row's own columns only, so that PostgreSQL checks them again
        # on the row it locks (two workers: one claims, the other updates nothing).
        claimed = Booking.objects.filter(
            pk=pk, status=Booking.Status.BOOKED, reminder_status=seen
        ).update(reminder_status=R.SENDING, reminder_attempted_at=now)
        if not claimed:
            continue  # cancelled since, or another worker has it
        outcome = _deliver(pk, now=now, sender=sender)
        counts[outcome] = counts.get(outcome, 0) + 1
    others = list(
        due(now)
        .filter(channel=Booking.Channel.LINK_WORKER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if others:
        for _receiver, answer in reminders_due.send(
            sender=Booking, booking_ids=others, now=now, through=sender
        ):
            if isinstance(answer, dict):
                for key, value in answer.items():
                    counts[key] = counts.get(key, 0) + value
    return counts


def _deliver(pk: int, *, now: datetime, sender: Sender | None) -> str:
    """Send a claimed reminder and record how it went: "sent", "failed" (tried again
    later, or given up) or "unknown"."""
    booking = Booking.objects.select_related(
        "session", "activity", "activity__venue", "activity__organisation"
    ).get(pk=pk)
    attempts = booking.reminder_attempts + 1
    mobile = uk_mobile(booking.phone) if not booking.email else None
    if not booking.email and mobile is None:
        Booking.objects.filter(pk=pk).update(
            reminder_status=R.GAVE_UP,
            reminder_next_at=None,
            reminder_error="No email address or UK mobile number to send it to.",
        )
        return "failed"
    # Our id goes with it where the service keeps one: Notify's receipt names it.
    sender = with_reference(sender or get_sender(), booking.reminder_reference)
    assert booking.session is not None
    # "today" for one tried again on the session's own day.
    day = "today" if booking.session.local_date == timezone.localdate(now) else "tomorrow"
    try:
        if booking.email:
            provider_id = sender.send_email(
                booking.email,
                email_subject(booking, day=day),
                email_text(booking, name=booking.name, cancel=resident_cancel(booking), day=day),
            )
        else:
            assert mobile is not None
            provider_id = sender.send_text(
                mobile, sms_text(booking, cancel=resident_cancel(booking, short=True), day=day)
            )
    except SendFailed as failure:
        again = attempts < MAX_ATTEMPTS and not failure.permanent and not failure.uncertain
        status = R.UNKNOWN if failure.uncertain else R.FAILED if again else R.GAVE_UP
        Booking.objects.filter(pk=pk).update(
            reminder_status=status,
            reminder_attempts=attempts,
            # In the hours reminders go: one due in the night waits for the morning.
            reminder_next_at=next_in_hours(now + RETRY_AFTER[attempts - 1]) if again else None,
            reminder_error=str(failure)[:300],
        )
        return "unknown" if failure.uncertain else "failed"
    Booking.objects.filter(pk=pk).update(
        reminder_status=R.SENT,
        reminder_attempts=attempts,
        reminder_sent_at=now,
        reminder_next_at=None,
        reminder_error="",
        reminder_provider_id=provider_id or "",
    )
    return "sent"
