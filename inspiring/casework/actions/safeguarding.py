"""Safeguarding concerns: raising one, recording its handling, naming the area's lead and
deputy.

The email to the lead and deputy carries a link, how soon to act and nothing about the
person, and goes after the concern is saved (never inside the transaction)."""

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

from ..access import safeguarding_lead, safeguarding_unnamed
from ..models import Client, Connection, SafeguardingConcern, SafeguardingLead
from ..models.safeguarding import HANDLING_LIMIT
from . import ActionRefused


@dataclass(frozen=True)
class RaisedConcern:
    """What happened: the concern saved, and who was told of it."""

    concern: SafeguardingConcern
    # The area's designated lead and deputy (those named and still in the team), all
    # told at once, each with their part ("the deputy"); empty when nobody is named (the
    # coordinators were then asked to name them).
    told: list[tuple[User, str]]
    # Whether the email to them went.
    sent: bool


# The email's subject says how soon, never who or what.
_SUBJECTS: dict[str, str] = {
    SafeguardingConcern.Urgency.TODAY: "A safeguarding concern to act on today",
    SafeguardingConcern.Urgency.DAY: "A safeguarding concern to act on within 24 hours",
}


def do_raise_concern(
    request: HttpRequest,
    client: Client,
    text: str,
    *,
    category: str,
    urgency: str,
    referral_consent: str,
    referral_consent_note: str = "",
    connection: Connection | None = None,
) -> RaisedConcern:
    """Record a concern and tell the lead and deputy (or, with neither named, the
    coordinators, asking them to name them)."""
    detail: dict[str, Any] = {}
    with transaction.atomic():
        concern = SafeguardingConcern.objects.create(
            client=client,
            concern=text,
            category=category,
            urgency=urgency,
            referral_consent=referral_consent,
            referral_consent_note=referral_consent_note,
            raised_by=acting_user(request),
        )
        # What kind and how soon are codes, not the concern: kept in the trail.
        detail["concern"] = str(concern.public_id)
        detail["urgency"] = urgency
        if connection is not None:
            detail["connection"] = str(connection.public_id)
        client.touch()
        audit.record(request, "safeguarding.raised", client, area=client.area, detail=detail)
    told = safeguarding_people(client.area)
    if not told:
        coordinators = Membership.objects.in_area(client.area).coordinators()
        send_notification(
            [m.user.email for m in coordinators],
            "Name a safeguarding lead and deputy: a concern is waiting "
            f"({client.area.programme_name})",
            "casework/safeguarding/email/no_lead.txt",
            {
                "area": client.area,
                "urgency": concern.get_urgency_display().lower(),
                "url": settings.SITE_URL + reverse("casework:safeguarding_lead"),
            },
        )
        return RaisedConcern(concern, told=[], sent=False)
    subject = _SUBJECTS.get(urgency, "A safeguarding concern has been raised")
    sent = send_notification(
        [user.email for user, _ in told],
        f"{subject} ({client.area.programme_name})",
        "casework/safeguarding/email/raised.txt",
        {
            "area": client.area,
            "urgency": concern.get_urgency_display().lower(),
            "url": settings.SITE_URL
            + reverse("casework:concern", kwargs={"public_id": concern.public_id}),
        },
    )
    return RaisedConcern(concern, told=told, sent=sent)


def safeguarding_people(area: Area) -> list[tuple[User, str]]:
    """Whom a concern goes to, with their part: the lead and the deputy, of those named
    who still hold the area's clients (someone who left the team could not open it)."""
    lead = safeguarding_lead(area)
    if lead is None:
        return []
    missing = safeguarding_unnamed(area, lead)
    parts = (
        ("lead", lead.user, "the safeguarding lead"),
        ("deputy", lead.deputy, "the deputy safeguarding lead"),
    )
    return [(user, part) for role, user, part in parts if user is not None and role not in missing]


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


def do_name_lead(request: HttpRequest, area: Area, user: User, *, deputy: User) -> SafeguardingLead:
    """Name the area's designated safeguarding lead and their deputy."""
    with transaction.atomic():
        lead, _ = SafeguardingLead.objects.update_or_create(
            area=area, defaults={"user": user, "deputy": deputy}
        )
        audit.record(
            request,
            "safeguarding.lead_named",
            lead,
            area=area,
            detail={"lead": user.email, "deputy": deputy.email},
        )
    return lead
