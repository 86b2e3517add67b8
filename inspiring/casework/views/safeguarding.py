"""Safeguarding concerns: raised by a link worker (from a client's page) or a partner lead
(about someone connected to their activity), read and handled by the area's designated
lead, whom a coordinator names.

A concern is seen by the lead and by whoever raised it; anyone else gets 404 (through
access.concerns_for). The raiser sees what they wrote and whether it has been handled,
not the lead's notes, which may hold what others told the lead in confidence. The
email to the lead carries a link and nothing about the person. Every view, raise and
handling is audited against the client's record.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.mail import BadHeaderError, send_mail
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user, require_capability
from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Capability
from inspiring.areas.models import Area
from lib.http import posted

from ..access import (
    can_manage_cases,
    case_holders,
    concerns_for,
    get_client,
    get_concern,
    get_partner_connection,
    is_safeguarding_lead,
    partner_connections,
    safeguarding_lead,
    working_area,
)
from ..models import Client, Connection, SafeguardingConcern, SafeguardingLead

logger = logging.getLogger(__name__)

CASES = Capability.MANAGE_CASES
PARTNER = Capability.EDIT_OWN_LISTINGS


class ConcernForm(forms.ModelForm[SafeguardingConcern]):
    class Meta:
        model = SafeguardingConcern
        fields = ["concern"]
        widgets = {"concern": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "concern": "What you saw or heard, when, what the person said in their own words, "
            "and anything you have already done. Only the safeguarding lead will read it."
        }
        error_messages = {"concern": {"required": "Describe what you are worried about"}}

    def clean_concern(self) -> str:
        text: str = self.cleaned_data["concern"].strip()
        if not text:
            raise forms.ValidationError("Describe what you are worried about")
        return text


class HandlingForm(forms.Form):
    status = forms.ChoiceField(
        label="Is it handled?",
        choices=[
            (SafeguardingConcern.Status.OPEN, "Not yet: record what has been done so far"),
            (SafeguardingConcern.Status.HANDLED, "Yes: nothing more needs doing"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the concern is handled"},
    )
    handling = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, who you spoke to, any referral to the council's adult "
        "safeguarding team, and what was decided.",
        error_messages={"required": "Enter what was done"},
    )

    def clean_handling(self) -> str:
        text: str = self.cleaned_data["handling"].strip()
        if not text:
            raise forms.ValidationError("Enter what was done")
        return text


class LeadForm(forms.Form):
    lead = forms.ModelChoiceField(
        label="Designated safeguarding lead",
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        help_text="A link worker or coordinator of the programme, trained in safeguarding.",
        error_messages={
            "required": "Select who is the safeguarding lead",
            "invalid_choice": "Select a link worker or coordinator of this programme",
        },
    )

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lead"]
        field.queryset = case_holders(area)  # type: ignore[attr-defined]
        field.label_from_instance = _member_label  # type: ignore[attr-defined]


def _member_label(membership: Membership) -> str:
    user = membership.user
    return f"{user.full_name or user.email} ({membership.get_role_display().lower()})"


# --- Pages -------------------------------------------------------------------------


@require_capability(CASES)
def safeguarding(request: HttpRequest) -> HttpResponse:
    """The lead's list of the area's concerns, open first; anyone else's, those they raised."""
    area = working_area(request)
    concerns = list(
        concerns_for(request)
        .select_related("client", "raised_by", "handled_by")
        .annotate(
            open_first=Case(
                When(status=SafeguardingConcern.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-raised_at", "-pk")
    )
    audit.record(request, "safeguarding.viewed", area=area, detail={"listed": len(concerns)})
    return render(
        request,
        "casework/safeguarding/list.html",
        {
            "concerns": concerns,
            "lead": safeguarding_lead(area),
            "is_lead": is_safeguarding_lead(request),
        },
    )


@require_capability(PARTNER)
def safeguarding_partner(request: HttpRequest) -> HttpResponse:
    """A partner lead's start: the people connected to their activities (as much of them
    as they may see) to raise a concern about, and the concerns they raised."""
    area = working_area(request)
    connections = list(
        partner_connections(request)
        .filter(status__in=Connection.LIVE)
        .select_related("client", "activity")
        .order_by("activity__title", "-created_at", "-pk")
    )
    concerns = list(concerns_for(request).order_by("-raised_at", "-pk"))
    audit.record(
        request,
        "client.listed",
        area=area,
        detail={"safeguarding": len(connections), "concerns": len(concerns)},
    )
    return render(
        request,
        "casework/safeguarding/partner.html",
        {
            "rows": [(c, _first_name(c.client)) for c in connections],
            "concerns": concerns,
            "lead": safeguarding_lead(area),
        },
    )


def _first_name(client: Client) -> str:
    """All of a client's name a partner lead sees (as on their connections page)."""
    return client.preferred_name or client.first_name


@require_capability(CASES)
def raise_concern(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A link worker (or coordinator) raises a concern from the client's page."""
    item = get_client(request, public_id)
    form = ConcernForm(posted(request))
    if request.method == "POST" and form.is_valid():
        concern = do_raise_concern(request, item, form.cleaned_data["concern"])
        return redirect("casework:concern", public_id=concern.public_id)
    return render(
        request,
        "casework/safeguarding/raise.html",
        {
            "form": form,
            "client": item,
            "about": item.display_name,
            "back": item.get_absolute_url(),
            "lead": safeguarding_lead(item.area),
        },
    )


@require_capability(PARTNER)
def raise_concern_connection(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A partner lead raises a concern about someone connected to their activity."""
    connection = get_partner_connection(request, public_id)
    item = connection.client
    audit.record(
        request,
        "client.viewed",
        item,
        area=item.area,
        detail={"connection": str(connection.public_id)},
    )
    form = ConcernForm(posted(request))
    if request.method == "POST" and form.is_valid():
        concern = do_raise_concern(
            request, item, form.cleaned_data["concern"], connection=connection
        )
        return redirect("casework:concern", public_id=concern.public_id)
    return render(
        request,
        "casework/safeguarding/raise.html",
        {
            "form": form,
            "about": f"{_first_name(item)}, {connection.activity.title}",
            "back": reverse("casework:safeguarding_partner"),
            "lead": safeguarding_lead(working_area(request)),
        },
    )


@require_capability(CASES, PARTNER)
def concern(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One concern: the lead reads it and records its handling; its raiser follows it."""
    item = get_concern(request, public_id)
    is_lead = is_safeguarding_lead(request)
    form = HandlingForm(posted(request)) if is_lead else None
    if request.method == "POST" and form is not None and form.is_valid():
        do_record_handling(
            request, item, status=form.cleaned_data["status"], text=form.cleaned_data["handling"]
        )
        messages.success(request, "What was done is recorded.")
        return redirect("casework:concern", public_id=item.public_id)
    return render(
        request,
        "casework/safeguarding/concern.html",
        {
            "concern": item,
            "form": form,
            "is_lead": is_lead,
            "is_raiser": item.raised_by_id == request.user.pk,
            # Only staff who hold the area's clients may open the client's record.
            "client_link": can_manage_cases(request),
        },
    )


@require_capability(Capability.OVERSEE_CASES)
def name_lead(request: HttpRequest) -> HttpResponse:
    """A coordinator names (or changes) the area's designated safeguarding lead."""
    area = working_area(request)
    current = safeguarding_lead(area)
    initial = {}
    if current is not None:
        membership = case_holders(area).filter(user=current.user).first()
        initial = {"lead": membership.public_id if membership else None}
    form = LeadForm(posted(request), area=area, initial=initial)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["lead"].user
        do_name_lead(request, area, user)
        messages.success(
            request, f"{user.full_name or user.email} is the designated safeguarding lead."
        )
        return redirect("casework:safeguarding")
    return render(request, "casework/safeguarding/lead.html", {"form": form, "current": current})


# --- Changes -------------------------------------------------------------------------


def _touch(client: Client) -> None:
    # Something recorded about them: the retention period counts from now.
    now = timezone.now()
    Client.objects.filter(pk=client.pk).update(last_activity_at=now, updated_at=now)


def do_raise_concern(
    request: HttpRequest, client: Client, text: str, *, connection: Connection | None = None
) -> SafeguardingConcern:
    """Record a concern and tell the lead (or, with no lead named, the coordinators)."""
    detail: dict[str, Any] = {}
    with transaction.atomic():
        concern = SafeguardingConcern.objects.create(
            client=client, concern=text, raised_by=acting_user(request)
        )
        detail["concern"] = str(concern.public_id)
        if connection is not None:
            detail["connection"] = str(connection.public_id)
        _touch(client)
        audit.record(request, "safeguarding.raised", client, area=client.area, detail=detail)
    lead = safeguarding_lead(client.area)
    if lead is not None:
        sent = _email(
            [lead.user.email],
            f"A safeguarding concern has been raised ({client.area.programme_name})",
            "casework/safeguarding/email/raised.txt",
            {
                "area": client.area,
                "url": settings.SITE_URL
                + reverse("casework:concern", kwargs={"public_id": concern.public_id}),
            },
        )
        name = lead.user.full_name or lead.user.email
        if sent:
            messages.success(request, f"Your concern is sent to {name}, the safeguarding lead.")
        else:
            messages.warning(
                request,
                f"Your concern is saved, but the email to {name}, the safeguarding lead, "
                "could not be sent. Tell them about it yourself today.",
            )
    else:
        coordinators = Membership.objects.in_area(client.area).coordinators()
        _email(
            [m.user.email for m in coordinators],
            f"Name a safeguarding lead: a concern is waiting ({client.area.programme_name})",
            "casework/safeguarding/email/no_lead.txt",
            {
                "area": client.area,
                "url": settings.SITE_URL + reverse("casework:safeguarding_lead"),
            },
        )
        messages.warning(
            request,
            "Your concern is saved, but nobody is named as the safeguarding lead yet. The "
            "coordinators have been asked to name one. Tell a coordinator about it yourself "
            "today.",
        )
    return concern


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
        concern.handling = f"{concern.handling}\n\n{entry}" if concern.handling else entry
        concern.status = status
        if status == SafeguardingConcern.Status.HANDLED:
            concern.handled_by, concern.handled_at = user, now
        else:
            concern.handled_by, concern.handled_at = None, None
        concern.save(update_fields=["handling", "status", "handled_by", "handled_at"])
        client = concern.client
        _touch(client)
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


def _email(to: list[str], subject: str, template: str, context: dict[str, Any]) -> bool:
    """Send a notification; a failure is logged and reported, never lost silently."""
    to = [address for address in to if address]
    if not to:
        return False
    try:
        send_mail(
            subject=" ".join(subject.split()),
            message=render_to_string(template, context),
            from_email=None,
            recipient_list=to,
        )
    except (smtplib.SMTPException, OSError, BadHeaderError) as exc:
        logger.warning("Safeguarding email not sent: %s", exc)
        return False
    return True
