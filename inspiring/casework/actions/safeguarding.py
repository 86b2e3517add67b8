"""Safeguarding concerns: raising one, recording its handling, naming the area's lead.

The email to the lead carries a link and nothing about the person, and goes after
the concern is saved (never inside the transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.accounts.models import Membership, User
from inspiring.areas.models import Area
from lib.mail import send_notification

from ..access import safeguarding_lead
from ..models import Client, Connection, SafeguardingConcern, SafeguardingLead
from ..models.safeguarding import HANDLING_LIMIT
from . import ActionRefused


@dataclass(frozen=True)
class RaisedConcern:
    """What happened: the concern saved, and who was told of it."""

    concern: SafeguardingConcern
    # The area's designated lead, or None when nobody is named yet (the
    # coordinators were then asked to name one).
    lead: User | None
    # Whether the email to the lead went.
    lead_told: bool


def do_raise_concern(
    request: HttpRequest, client: Client, text: str, *, connection: Connection | None = None
) -> RaisedConcern:
    """Record a concern and tell the lead (or, with no lead named, the coordinators)."""
    detail: dict[str, Any] = {}
    with transaction.atomic():
        concern = SafeguardingConcern.objects.create(
            client=client, concern=text, raised_by=acting_user(request)
        )
        detail["concern"] = str(concern.public_id)
        if connection is not None:
            detail["connection"] = str(connection.public_id)
        client.touch()
        audit.record(request, "safeguarding.raised", client, area=client.area, detail=detail)
    lead = safeguarding_lead(client.area)
    if lead is None:
        coordinators = Membership.objects.in_area(client.area).coordinators()
        send_notification(
            [m.user.email for m in coordinators],
            f"Name a safeguarding lead: a concern is waiting ({client.area.programme_name})",
            "casework/safeguarding/email/no_lead.txt",
            {"area": client.area, "url": settings.SITE_URL + reverse("casework:safeguarding_lead")},
        )
        return RaisedConcern(concern, lead=None, lead_told=False)
    told = send_notification(
        [lead.user.email],
        f"A safeguarding concern has been raised ({client.area.programme_name})",
        "casework/safeguarding/email/raised.txt",
        {
            "area": client.area,
            "url": settings.SITE_URL
            + reverse("casework:concern", kwargs={"public_id": concern.public_id}),
        },
    )
    return RaisedConcern(concern, lead=lead.user, lead_told=told)


def do_record_handling(
    request: HttpRequest, concern: SafeguardingConcern, *, status: str, text: str
) -> SafeguardingConcern:
    """Add to the concern's handling (each entry dated and signed: none is overwritten)."""
    user = acting_user(request)
    now = timezone.now()
    with transaction.atomic():
        concern = SafeguardingConcern.objects.select_for_update().get(pk=concern.pk)
        entry = (
            f"{timezone.localtime(now):%-d %B %Y, %H:%M}, {user.full_name or user.email}:\n{text}"
        )
        handling = f"{concern.handling}\n\n{entry}" if concern.handling else entry
        if len(handling) > HANDLING_LIMIT:
            raise ActionRefused(
                "The handling of this concern is as long as it can be. Record what was done "
                "in the client's contacts, and mark the concern handled."
            )
        concern.handling = handling
        concern.status = status
        if status == SafeguardingConcern.Status.HANDLED:
            concern.handled_by, concern.handled_at = user, now
        else:
            concern.handled_by, concern.handled_at = None, None
        concern.save(update_fields=["handling", "status", "handled_by", "handled_at"])
        client = concern.client
        client.touch()
        audit.record(
            request,
            "safeguarding.handled",
            client,
            area=client.area,
            detail={"concern": str(concern.public_id), "status": status},
        )
    return concern


def do_name_lead(request: HttpRequest, area: Area, user: User) -> SafeguardingLead:
    with transaction.atomic():
        lead, _ = SafeguardingLead.objects.update_or_create(area=area, defaults={"user": user})
        audit.record(
            request, "safeguarding.lead_named", lead, area=area, detail={"lead": user.email}
        )
    return lead
