"""Connecting a client to an activity, changing the connection and moving it on:
suggested, agreed, referred, first visit, attending, stopped; or withdrawn, when it was
made by mistake. A first visit makes a follow-up task; missing it or stopping makes a
prompt to re-engage or try something else, on the date the link worker chose.

A connection's date to check in (`follow_up_on`) and its reminder are one thing: while
the date is set, the client's worker has one open task for the connection, due on it
(`keep_reminder`); changing the date moves that task, clearing it closes it.

A client has at most one open connection (Connection.LIVE) to an activity: a second is
refused (`AlreadyConnected`, naming the one there is), and the link worker changes that
one instead (`do_edit_connection`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.accounts.models import User
from inspiring.bookings import actions as bookings

from .. import choices
from ..models import Client, Connection, ConnectionStep, Referral, Task
from . import ActionRefused, StaleEdit
from .clients import do_change_referral_status

# A link worker checks in this long after a first visit.
FOLLOW_UP_AFTER_FIRST_VISIT = timedelta(days=14)
# When to try again, unless the link worker says ("Knee operation in January": not in
# three days): soon after a missed first visit, later once someone has stopped going.
# One rule for the status form, the group's register and the missed-sessions prompt.
TRY_AGAIN_AFTER = {
    Connection.Status.MISSED_FIRST: timedelta(days=3),
    Connection.Status.STOPPED: timedelta(weeks=4),
}


def try_again_on(status: str, on: date) -> date:
    """The default date to try again after `status` recorded `on`."""
    return on + TRY_AGAIN_AFTER.get(Connection.Status(status), timedelta(days=3))


def check_in_title(connection: Connection) -> str:
    return f"Check in with {connection.client.display_name} about {connection.activity.title}"


def keep_reminder(connection: Connection, *, title: str = "", by: User | None = None) -> str:
    """Keep the connection's one open reminder on its date to check in: made when the date
    is set, moved (and retitled, given a `title`) when it changes, removed when it is
    cleared (not marked done: nobody did it, and the timeline would say so). Call it
    under the connection's lock, after setting `follow_up_on`.
    Returns what happened ("added", "moved", "closed"), or "" when nothing changed."""
    client = connection.client
    due = connection.follow_up_on
    reminders = list(
        Task.objects.filter(connection=connection, done_at__isnull=True).order_by("due_on", "pk")
    )
    if due is None:
        if not reminders:
            return ""
        Task.objects.filter(pk__in=[t.pk for t in reminders]).delete()
        return "closed"
    if not reminders:
        Task.objects.create(
            client=client,
            connection=connection,
            title=(title or check_in_title(connection))[:200],
            due_on=due,
            assigned_to=client.worker,
            created_by=by,
        )
        return "added"
    task, *older = reminders
    # One reminder per connection: another left open from before is superseded by it.
    if older:
        Task.objects.filter(pk__in=[t.pk for t in older]).update(done_at=timezone.now())
    new_title = title[:200] if title else task.title
    if task.due_on == due and task.title == new_title and not older:
        return ""
    task.due_on, task.title = due, new_title
    if task.assigned_to_id is None:
        task.assigned_to = client.worker
    task.save(update_fields=["due_on", "title", "assigned_to"])
    return "moved"


audit.register_actions(
    {
        "connection.edited": "Changed a connection's level, first session or support",
        "connection.withdrawn": "Withdrew a connection made by mistake",
    }
)


def _give_up_booking(request: HttpRequest | None, connection: Connection) -> None:
    """Someone who declined, or a connection made by mistake, holds no place: a place
    booked for them goes back (to the first on the waiting list it fits)."""
    booking = connection.booking
    if booking is not None and booking.is_live:
        bookings.do_cancel(request, booking)


class AlreadyConnected(ActionRefused):
    """The client has an open connection to this activity already: change that one."""

    def __init__(self, existing: Connection) -> None:
        self.existing = existing
        super().__init__(
            f"{existing.client.display_name} is already connected to "
            f"{existing.activity.title} ({existing.get_status_display().lower()}): "
            "change that connection instead of making another."
        )


def _open_twin(connection: Connection) -> Connection | None:
    """Another open connection of the same client to the same activity, if there is one."""
    return (
        Connection.objects.filter(
            client_id=connection.client_id,
            activity_id=connection.activity_id,
            status__in=Connection.LIVE,
        )
        .exclude(pk=connection.pk)
        .select_related("client", "activity")
        .first()
    )


def do_connect(request: HttpRequest, client: Client, connection: Connection) -> Connection:
    """Connect a client to an activity: suggested, or agreed at once when they have agreed.
    Refused (`AlreadyConnected`) when they have an open connection to it already."""
    today = timezone.localdate()
    user = acting_user(request)
    with transaction.atomic():
        connection.client = client
        connection.created_by = user
        connection.status_changed_on = today
        if connection.level == choices.ConnectionLevel.SIGNPOST:
            connection.share_consent, connection.shared_note = False, ""
        existing = _open_twin(connection)
        if existing is not None:
            raise AlreadyConnected(existing)
        try:
            with transaction.atomic():
                connection.save()
        except IntegrityError:
            # Another link worker connected them in the same moment (the constraint).
            existing = _open_twin(connection)
            if existing is None:
                raise
            raise AlreadyConnected(existing) from None
        ConnectionStep.objects.create(
            connection=connection, status=connection.status, on=today, by=user
        )
        reminder = keep_reminder(connection, by=user) if connection.follow_up_on else ""
        referral = client.referrals.filter(status=Referral.Status.ASSESSED).first()
        if referral is not None and connection.status != Connection.Status.SUGGESTED:
            do_change_referral_status(request, referral, Referral.Status.ACTIVE, on=today)
        client.touch()
        audit.record(
            request,
            "connection.created",
            client,
            area=client.area,
            detail={
                "activity": str(connection.activity.public_id),
                "level": connection.level,
                **({"reminder": reminder} if reminder else {}),
            },
        )
    return connection


def do_advance_connection(
    request: HttpRequest | None,
    connection: Connection,
    status: str,
    *,
    on: date,
    reason: str = "",
    reason_code: str = "",
    by_name: str = "",
    try_again: date | None = None,
) -> Connection:
    """Move a connection on a step. A first visit makes a follow-up task; missing it or
    stopping makes a prompt to re-engage or try something else, on `try_again` (by
    default, `try_again_on`: the link worker's date to check in moves to it).
    `reason_code` (choices.StopReason), kept on the step when stopping or declining, is
    what monitoring counts; the status form asks for it, older callers may leave it."""
    user = acting_user(request) if request is not None and by_name == "" else None
    with transaction.atomic():
        connection = (
            # of=self: PostgreSQL will not lock the booking's outer join.
            Connection.objects.select_for_update(of=("self",))
            .select_related("client", "client__area", "activity", "booking")
            .get(pk=connection.pk)
        )
        if status == connection.status:
            return connection  # recorded already (a register and a link worker, say)
        if status not in connection.NEXT.get(connection.status, ()):
            raise ActionRefused(
                f"A connection that is {connection.get_status_display().lower()} cannot become "
                f"{Connection.Status(status).label.lower()}."
            )
        if status in Connection.NEEDS_REASON and not reason.strip():
            raise ActionRefused("Give the reason.")
        if reason_code and reason_code not in choices.StopReason.values:
            raise ActionRefused("Choose the main reason from the list.")
        if status in Connection.LIVE and connection.status not in Connection.LIVE:
            existing = _open_twin(connection)  # going again, since connected again
            if existing is not None:
                raise AlreadyConnected(existing)
        was = connection.status
        connection.status, connection.status_changed_on = status, on
        connection.version += 1
        connection.reason = reason.strip()
        client = connection.client
        reminder = ""
        if status == Connection.Status.ATTENDED_FIRST:
            connection.follow_up_on = on + FOLLOW_UP_AFTER_FIRST_VISIT
            reminder = keep_reminder(
                connection,
                title=f"Ask how the first visit to {connection.activity.title} went",
                by=user,
            )
        elif status in TRY_AGAIN_AFTER:
            connection.follow_up_on = try_again or try_again_on(status, on)
            reminder = keep_reminder(
                connection,
                title=(
                    f"{client.display_name} "
                    + ("stopped going to" if status == Connection.Status.STOPPED else "missed")
                    + f" {connection.activity.title}: re-engage, or try something else"
                ),
                by=user,
            )
        elif (status == Connection.Status.ATTENDING and was in TRY_AGAIN_AFTER) or (
            status == Connection.Status.DECLINED
        ):
            # Going again, or not going at all: no one to re-engage.
            connection.follow_up_on = None
            reminder = keep_reminder(connection, by=user)
        connection.save()
        if status == Connection.Status.DECLINED:
            _give_up_booking(request, connection)
        ConnectionStep.objects.create(
            connection=connection,
            status=status,
            on=on,
            reason=connection.reason,
            reason_code=reason_code if status in Connection.NEEDS_REASON else "",
            by=user,
            by_name=by_name,
        )
        if status in (Connection.Status.AGREED, Connection.Status.REFERRED):
            referral = client.referrals.filter(status=Referral.Status.ASSESSED).first()
            if referral is not None and request is not None:
                do_change_referral_status(request, referral, Referral.Status.ACTIVE, on=on)
        client.touch()
        audit.record(
            request,
            "connection.changed",
            client,
            area=client.area,
            detail={
                "connection": str(connection.public_id),
                "status": status,
                "by": by_name or None,
                **(
                    {"reminder": reminder, "due": connection.follow_up_on.isoformat()}
                    if reminder and connection.follow_up_on
                    else {}
                ),
            },
        )
    return connection


def do_edit_connection(
    request: HttpRequest, connection: Connection, fields: Iterable[str], *, seen_version: int
) -> list[str]:
    """Save changes to a connection's level, first session, support, what the group may
    know and the date to check in (`fields`: those the form changed), unless someone else
    changed the connection since the page was opened (`StaleEdit`: nothing is saved).
    Returns the fields changed, which the audit entry names (not their values)."""
    changed = sorted(set(fields) & set(Connection.EDITABLE))
    with transaction.atomic():
        current = (
            Connection.objects.select_for_update()
            .select_related("client", "client__area", "activity")
            .get(pk=connection.pk)
        )
        if current.withdrawn:
            raise ActionRefused("This connection was withdrawn: it cannot be changed.")
        if current.version != seen_version:
            raise StaleEdit(
                "Someone else changed this connection while you were changing it. Your "
                "changes have not been saved: what is saved now is shown first, and your "
                "changes are in the form below. Check them and save again."
            )
        if not changed:
            return []
        for name in Connection.EDITABLE:
            setattr(current, name, getattr(connection, name))
        if current.level == choices.ConnectionLevel.SIGNPOST:
            # Nothing about them goes to the group with a signpost.
            current.share_consent, current.shared_note = False, ""
        current.version += 1
        current.save()
        reminder = ""
        if "follow_up_on" in changed:
            reminder = keep_reminder(current, by=acting_user(request))
        client = current.client
        client.touch()
        audit.record(
            request,
            "connection.edited",
            client,
            area=client.area,
            detail={
                "connection": str(current.public_id),
                "fields": changed,
                **({"reminder": reminder} if reminder else {}),
            },
        )
    connection.version = current.version
    return changed


def do_withdraw_connection(
    request: HttpRequest, connection: Connection, *, reason: str
) -> Connection:
    """Withdraw a connection made by mistake (the wrong activity, or a second one to the
    same activity). It stays in the case's history with the reason, and leaves the plan,
    the message back to the GP and the group's view; the reminders made for it go."""
    reason = reason.strip()
    if not reason:
        raise ActionRefused("Give the reason for withdrawing it.")
    today = timezone.localdate()
    with transaction.atomic():
        connection = (
            Connection.objects.select_for_update(of=("self",))
            .select_related("client", "client__area", "activity", "booking")
            .get(pk=connection.pk)
        )
        if connection.withdrawn:
            return connection  # withdrawn already (twice pressed, or by a colleague)
        was = connection.status
        connection.status, connection.status_changed_on = Connection.Status.WITHDRAWN, today
        connection.reason = reason
        connection.version += 1
        connection.save()
        _give_up_booking(request, connection)
        ConnectionStep.objects.create(
            connection=connection,
            status=Connection.Status.WITHDRAWN,
            on=today,
            reason=reason,
            by=acting_user(request),
        )
        # The system's reminders about it (ask how the first visit went, re-engage):
        # about something that was never meant to be, so they go rather than "done".
        removed, _ = Task.objects.filter(connection=connection, done_at__isnull=True).delete()
        client = connection.client
        client.touch()
        audit.record(
            request,
            "connection.withdrawn",
            client,
            area=client.area,
            detail={"connection": str(connection.public_id), "was": was, "tasks": removed},
        )
    return connection
