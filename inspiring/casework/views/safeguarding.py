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

import uuid

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
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
from ..actions import ActionRefused
from ..actions.safeguarding import (
    RaisedConcern,
    do_name_lead,
    do_raise_concern,
    do_record_handling,
)
from ..forms.safeguarding import ConcernForm, HandlingForm, LeadForm
from ..models import Client, Connection, SafeguardingConcern

CASES = Capability.MANAGE_CASES
PARTNER = Capability.EDIT_OWN_LISTINGS


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
        raised = do_raise_concern(request, item, form.cleaned_data["concern"])
        return _raised(request, raised)
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
        raised = do_raise_concern(
            request, item, form.cleaned_data["concern"], connection=connection
        )
        return _raised(request, raised)
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


def _raised(request: HttpRequest, raised: RaisedConcern) -> HttpResponse:
    """Say who was told of the concern, and show it."""
    if raised.lead is None:
        messages.warning(
            request,
            "Your concern is saved, but nobody is named as the safeguarding lead yet. The "
            "coordinators have been asked to name one. Tell a coordinator about it yourself "
            "today.",
        )
    else:
        name = raised.lead.full_name or raised.lead.email
        if raised.lead_told:
            messages.success(request, f"Your concern is sent to {name}, the safeguarding lead.")
        else:
            messages.warning(
                request,
                f"Your concern is saved, but the email to {name}, the safeguarding lead, "
                "could not be sent. Tell them about it yourself today.",
            )
    return redirect("casework:concern", public_id=raised.concern.public_id)


@require_capability(CASES, PARTNER)
def concern(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One concern: the lead reads it and records its handling; its raiser follows it."""
    item = get_concern(request, public_id)
    is_lead = is_safeguarding_lead(request)
    form = HandlingForm(posted(request)) if is_lead else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            do_record_handling(
                request,
                item,
                status=form.cleaned_data["status"],
                text=form.cleaned_data["handling"],
            )
        except ActionRefused as problem:
            form.add_error("handling", str(problem))
        else:
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
