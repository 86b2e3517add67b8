"""Recording a session's register (moving each connection on), and emailing a group the
one-time link to record it without an account. The email goes after the link is saved,
outside the transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.models import User
from inspiring.directory.models import Session
from lib.mail import send_notification

from ..access import group_connections
from ..models import Attendance, Client, Connection, RegisterLink, Task
from ..registers import (
    AWAITING_FIRST,
    LINK_VALID_AFTER_SESSION,
    MISSES_BEFORE_PROMPT,
    STOPPED_COMING,
    Status,
    expected,
    group_email,
)
from . import ActionRefused
from .connections import do_advance_connection, keep_reminder, try_again_on


def _next_status(connection: Connection, session: Session, attended: bool) -> str | None:
    status = connection.status
    if attended and status in (*AWAITING_FIRST, Status.MISSED_FIRST):
        return Status.ATTENDED_FIRST
    # A later session than the first visit (saving the first visit's register
    # again, or the link worker having recorded it that day, changes nothing).
    if attended and status == Status.ATTENDED_FIRST:
        return Status.ATTENDING if session.local_date > connection.status_changed_on else None
    if not attended and status in AWAITING_FIRST:
        return Status.MISSED_FIRST
    return None


def _prompt_if_stopped_coming(request: HttpRequest | None, connection: Connection) -> None:
    """Someone who was going has missed the last few recorded sessions: ask their link
    worker to check in (once, until that task is done)."""
    if connection.status not in (Status.ATTENDED_FIRST, Status.ATTENDING):
        return
    latest = list(
        connection.attendances.order_by("-session__start").values_list("attended", flat=True)[
            :MISSES_BEFORE_PROMPT
        ]
    )
    if len(latest) < MISSES_BEFORE_PROMPT or any(latest):
        return
    if Task.objects.filter(
        connection=connection, done_at__isnull=True, title__endswith=STOPPED_COMING
    ).exists():
        return
    client = connection.client
    title = f"{client.display_name} has missed {connection.activity.title}"
    suffix = f" {MISSES_BEFORE_PROMPT} times {STOPPED_COMING}"
    # The same rule as a missed first visit, and the connection's one reminder: its date
    # to check in moves to it (the connection is locked by do_record_register).
    connection.follow_up_on = try_again_on(Status.MISSED_FIRST, timezone.localdate())
    connection.version += 1
    connection.save(update_fields=["follow_up_on", "version", "updated_at"])
    title = title[: 200 - len(suffix)] + suffix
    keep_reminder(connection, title=title)
    audit.record(request, "task.changed", client, area=client.area, detail={"added": title})


def do_record_register(
    request: HttpRequest,
    session: Session,
    marks: dict[Connection, bool],
    *,
    recorded_by: User | None,
    by_name: str = "",
    link: RegisterLink | None = None,
) -> int:
    """Record who came to `session` and move each connection on, all or nothing.

    From a group's emailed link, `by_name` is who they said they are and the link is
    used up in the same transaction (a second submission is refused).
    Returns how many people were recorded.
    """
    if session.is_cancelled:
        raise ActionRefused("This session was cancelled, so there is no register to record.")
    if session.start > timezone.now():
        raise ActionRefused("You can record who came once the session has started.")
    if not marks:
        raise ActionRefused("Nobody connected by a link worker is expected at this session.")
    now = timezone.now()
    by_name = by_name.strip()
    if link is not None and not by_name:
        raise ActionRefused("Enter your name.")
    with transaction.atomic():
        if link is not None:
            claimed = RegisterLink.objects.filter(
                pk=link.pk, used_at__isnull=True, expires_at__gt=now
            ).update(used_at=now)
            if not claimed:
                raise ActionRefused("This register has been recorded already, or has expired.")
        current = {
            c.pk: c
            for c in Connection.objects.select_for_update()
            .select_related("client", "client__area", "activity")
            .filter(pk__in=[c.pk for c in marks])
        }
        for connection, attended in marks.items():
            item = current.get(connection.pk)
            if item is None:  # gone since the register was opened
                continue
            Attendance.objects.update_or_create(
                connection=item,
                session=session,
                defaults={
                    "attended": attended,
                    "recorded_by": recorded_by,
                    "recorded_by_name": by_name,
                },
            )
            status = _next_status(item, session, attended)
            if status is not None:
                item = do_advance_connection(
                    request, item, status, on=session.local_date, by_name=by_name
                )
            elif not attended:
                _prompt_if_stopped_coming(request, item)
            audit.record(
                request,
                "attendance.recorded",
                item.client,
                area=item.client.area,
                detail={
                    "session": str(session.public_id),
                    "attended": attended,
                    "by": by_name or None,
                },
            )
    return len(marks)


# The one-time emailed register, for groups with no account.


def do_send_register_link(
    request: HttpRequest, session: Session, *, client: Client
) -> RegisterLink:
    """Email the group a one-time register for `session` (sent from `client`'s connection)."""
    activity = session.activity
    recipient = group_email(activity)
    if not recipient:
        raise ActionRefused(
            "The group has no email address. Ask your coordinator to add one to its listing."
        )
    if not expected(group_connections(session), session):
        raise ActionRefused(
            "Nobody who agreed to share their details with the group is expected at this "
            "session, so there is no register to send."
        )
    # Saved (and committed) first, sent after: never while holding the database.
    link = RegisterLink.objects.create(
        session=session, email=recipient, expires_at=session.end + LINK_VALID_AFTER_SESSION
    )
    path = reverse("casework:group_register", kwargs={"token": link.token})
    sent = send_notification(
        [recipient],
        f"Who came to {activity.title}? A register to record",
        "casework/partner/register_email.txt",
        {
            "activity": activity,
            "session": session,
            "url": f"{settings.SITE_URL}{path}",
            "expires_at": link.expires_at,
            "programme": activity.home_area.programme_name,
        },
    )
    if not sent:
        link.delete()  # a link nobody received must not work
        raise ActionRefused("The email could not be sent. Try again in a few minutes.")
    audit.record(
        request,
        "register.sent",
        client,
        area=client.area,
        detail={"session": str(session.public_id), "to": recipient},
    )
    return link
