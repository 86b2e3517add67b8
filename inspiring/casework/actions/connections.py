"""Connecting a client to an activity, and moving the connection on: suggested, agreed,
referred, first visit, attending, stopped. A first visit makes a follow-up task;
missing it or stopping makes a prompt to re-engage or try something else."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user

from .. import choices
from ..models import Client, Connection, ConnectionStep, Referral, Task
from . import ActionRefused
from .clients import do_change_referral_status

# A link worker checks in this long after a first visit.
FOLLOW_UP_AFTER_FIRST_VISIT = timedelta(days=14)


def do_connect(request: HttpRequest, client: Client, connection: Connection) -> Connection:
    """Connect a client to an activity: suggested, or agreed at once when they have agreed."""
    today = timezone.localdate()
    user = acting_user(request)
    with transaction.atomic():
        connection.client = client
        connection.created_by = user
        connection.status_changed_on = today
        if connection.level == choices.ConnectionLevel.SIGNPOST:
            connection.share_consent, connection.shared_note = False, ""
        connection.save()
        ConnectionStep.objects.create(
            connection=connection, status=connection.status, on=today, by=user
        )
        referral = client.referrals.filter(status=Referral.Status.ASSESSED).first()
        if referral is not None and connection.status != Connection.Status.SUGGESTED:
            do_change_referral_status(request, referral, Referral.Status.ACTIVE, on=today)
        client.touch()
        audit.record(
            request,
            "connection.created",
            client,
            area=client.area,
            detail={"activity": str(connection.activity.public_id), "level": connection.level},
        )
    return connection


def do_advance_connection(
    request: HttpRequest | None,
    connection: Connection,
    status: str,
    *,
    on: date,
    reason: str = "",
    by_name: str = "",
) -> Connection:
    """Move a connection on a step. A first visit makes a follow-up task; stopping makes
    a prompt to re-engage or try something else."""
    user = acting_user(request) if request is not None and by_name == "" else None
    with transaction.atomic():
        connection = (
            Connection.objects.select_for_update()
            .select_related("client", "client__area", "activity")
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
        connection.status, connection.status_changed_on = status, on
        connection.reason = reason.strip()
        client = connection.client
        worker = client.worker
        if status == Connection.Status.ATTENDED_FIRST:
            connection.follow_up_on = on + FOLLOW_UP_AFTER_FIRST_VISIT
            Task.objects.create(
                client=client,
                connection=connection,
                title=f"Ask how the first visit to {connection.activity.title} went",
                due_on=connection.follow_up_on,
                assigned_to=worker,
            )
        elif status in (Connection.Status.STOPPED, Connection.Status.MISSED_FIRST):
            Task.objects.create(
                client=client,
                connection=connection,
                title=(
                    f"{client.display_name} "
                    + ("stopped going to" if status == Connection.Status.STOPPED else "missed")
                    + f" {connection.activity.title}: re-engage, or try something else"
                ),
                due_on=on + timedelta(days=3),
                assigned_to=worker,
            )
        connection.save()
        ConnectionStep.objects.create(
            connection=connection,
            status=status,
            on=on,
            reason=connection.reason,
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
            },
        )
    return connection
