"""Safeguarding concerns: raised by a link worker (from a client's page) or a partner lead
(about someone connected to their activity), read and handled by the area's designated
lead and deputy, whom a coordinator names (and is warned, on the staff home and these
pages, until both are named).

A concern is seen by the lead, the deputy and whoever raised it; anyone else gets 404
(through access.concerns_for). The raiser sees what they wrote and whether it has been
handled, not the lead's notes, which may hold what others told the lead in confidence.
The email to the lead and deputy carries a link and nothing about the person. The staff
home shows the lead, deputy and coordinators how many concerns wait, never what they
say. Every view, raise and handling is audited against the client's record.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.models import User
from inspiring.accounts.roles import Capability
from inspiring.areas.models import Area
from lib.http import posted

from ..access import (
    can_manage_cases,
    can_oversee,
    case_holders,
    concerns_for,
    get_client,
    get_concern,
    get_partner_connection,
    is_safeguarding_lead,
    partner_connections,
    safeguarding_lead,
    safeguarding_unnamed,
    waiting_concerns,
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
from ..models.safeguarding import SafeguardingLead

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
    is_lead = is_safeguarding_lead(request)
    return render(
        request,
        "casework/safeguarding/list.html",
        {
            "concerns": concerns,
            **_arrangement(request),
            "is_lead": is_lead,
            # A coordinator who is not the lead or deputy: how many wait, not what.
            "waiting": waiting_concerns(request) if not is_lead else None,
        },
    )


def _arrangement(request: HttpRequest) -> dict[str, object]:
    """The area's lead and deputy for a page, and who is still to be named (which the
    coordinators are warned of)."""
    area = working_area(request)
    lead = safeguarding_lead(area)
    return {
        "lead": lead,
        "unnamed": safeguarding_unnamed(area, lead),
        "oversee": can_oversee(request),
    }


def safeguarding_card_status(request: HttpRequest) -> str:
    """The staff home's line for the safeguarding card: for the lead, deputy and
    coordinators, how many concerns wait (never what they say or whom they are about)."""
    waiting = waiting_concerns(request)
    if waiting is None:
        return ""
    count = waiting["open"]
    if not count:
        return "No concern is waiting."
    text = f"{count} concern{pluralize(count)} waiting"
    if waiting["today"]:
        text += f", {waiting['today']} marked urgent"
    return text + "."


def safeguarding_warning(request: HttpRequest) -> str:
    """The coordinators' warning at the top of the staff home until a lead and a deputy
    are named (and still hold the area's clients)."""
    if not can_oversee(request):
        return ""
    area = working_area(request)
    unnamed = safeguarding_unnamed(area, safeguarding_lead(area))
    if not unnamed:
        return ""
    who = {
        ("lead", "deputy"): "the safeguarding lead and their deputy",
        ("lead",): "the safeguarding lead",
        ("deputy",): "a deputy safeguarding lead",
    }[tuple(unnamed)]
    return (
        f"Name {who}. Until both a lead and a deputy are named, a concern may wait with "
        "nobody to read it."
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
        raised = _raise(request, item, form)
        return _raised(request, raised)
    return render(
        request,
        "casework/safeguarding/raise.html",
        {
            "form": form,
            "client": item,
            "about": item.display_name,
            "back": item.get_absolute_url(),
            **_arrangement(request),
        },
    )


def _raise(
    request: HttpRequest, item: Client, form: ConcernForm, *, connection: Connection | None = None
) -> RaisedConcern:
    """Raise the concern the form holds."""
    data = form.cleaned_data
    return do_raise_concern(
        request,
        item,
        data["concern"],
        category=data["category"],
        urgency=data["urgency"],
        referral_consent=data["referral_consent"],
        referral_consent_note=data["referral_consent_note"],
        connection=connection,
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
        raised = _raise(request, item, form, connection=connection)
        return _raised(request, raised)
    return render(
        request,
        "casework/safeguarding/raise.html",
        {
            "form": form,
            "about": f"{_first_name(item)}, {connection.activity.title}",
            "back": reverse("casework:safeguarding_partner"),
            **_arrangement(request),
        },
    )


def _raised(request: HttpRequest, raised: RaisedConcern) -> HttpResponse:
    """Say who was told of the concern, and show it."""
    if not raised.told:
        text = (
            "Your concern is saved. Nobody is named as the safeguarding lead yet, so the "
            "coordinators have been emailed to name a lead and deputy, who will then see it."
        )
        if raised.concern.urgency == SafeguardingConcern.Urgency.TODAY:
            text += " It needs acting on today: phone a coordinator as well."
        messages.warning(request, text)
    else:
        names = _names(raised.told)
        if raised.sent:
            messages.success(request, f"Your concern is sent to {names}.")
        else:
            messages.warning(
                request,
                f"Your concern is saved, but the email to {names} could not be sent. "
                "Tell them about it yourself today.",
            )
    return redirect("casework:concern", public_id=raised.concern.public_id)


def _names(people: list[tuple[User, str]]) -> str:
    """ "Sam Lead, the safeguarding lead, and Dee Deputy, the deputy safeguarding lead"."""
    return ", and ".join(f"{user.full_name or user.email}, {part}" for user, part in people)


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
    """A coordinator names (or changes) the area's designated safeguarding lead and deputy."""
    area = working_area(request)
    current = safeguarding_lead(area)
    form = LeadForm(posted(request), area=area, initial=_current(area, current))
    if request.method == "POST" and form.is_valid():
        user, deputy = form.cleaned_data["lead"].user, form.cleaned_data["deputy"].user
        do_name_lead(request, area, user, deputy=deputy)
        messages.success(
            request,
            f"{user.full_name or user.email} is the designated safeguarding lead, and "
            f"{deputy.full_name or deputy.email} the deputy.",
        )
        return redirect("casework:safeguarding")
    return render(
        request,
        "casework/safeguarding/lead.html",
        {"form": form, "current": current, "unnamed": safeguarding_unnamed(area, current)},
    )


def _current(area: Area, current: SafeguardingLead | None) -> dict[str, object]:
    """The lead and deputy named now, as the form's choices (those still in the team)."""
    if current is None:
        return {}
    members = {m.user_id: m.public_id for m in case_holders(area).filter(user__in=current.people)}
    deputy = members.get(current.deputy_id) if current.deputy_id is not None else None
    return {"lead": members.get(current.user_id), "deputy": deputy}
