"""Suggestions on the case page, one-click proposals, the barrier table and the gaps view."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.casework.access import get_client, get_client_for_change, working_area
from inspiring.casework.models import Connection
from lib.http import posted

from .actions import do_propose, do_set_barrier_rules
from .engine import miles_label
from .forms import BarrierRulesForm, RefineForm, wider_than
from .gaps import gaps
from .models import BarrierRule
from .service import suggestions_for

CASES = Capability.MANAGE_CASES


@require_capability(CASES)
def suggestions(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    client = get_client(request, public_id, action="suggestions.viewed")
    form = RefineForm(request.GET or None)
    result = suggestions_for(client, form.refine())
    form.say_assessed(result.limits["assessed_max_miles"])
    live = set(
        client.connections.filter(status__in=Connection.LIVE).values_list(
            "activity__public_id", flat=True
        )
    )
    return render(
        request,
        "matching/suggestions.html",
        {
            "client": client,
            "form": form,
            "result": result,
            "connected": {str(public_id) for public_id in live},
            "wider": _wider(request, result.limits["max_miles"]),
            "now": timezone.now(),
        },
    )


def _wider(request: HttpRequest, miles: float | None) -> list[tuple[str, str]]:
    """This search at each longer distance offered, as (label, address): one click when
    the person agrees on the call to travel further."""
    if miles is None:
        return []
    found = []
    for value in wider_than(miles):
        query = request.GET.copy()
        query["miles"] = value
        found.append((miles_label(float(value)), f"?{query.urlencode()}"))
    return found


@require_POST
@require_capability(CASES)
def propose(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    client = get_client_for_change(request, public_id)
    agreed = request.POST.get("agreed") == "1"
    made = do_propose(request, client, request.POST.getlist("activity"), agreed=agreed)
    # Each one links to its page for changing it: support, a first session, the level.
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        ((c.get_edit_url(), c.activity.title) for c in made.connections),
    )
    if made and agreed:
        messages.success(
            request,
            format_html(
                "{} activit{} on {}'s plan. Add support or a first session: {}.",
                int(made),
                "y is" if made == 1 else "ies are",
                client.display_name,
                links,
            ),
        )
    elif made:
        messages.success(
            request,
            format_html(
                "{} activit{} suggested to {}. Agree the details with them: {}.",
                int(made),
                "y is" if made == 1 else "ies are",
                client.display_name,
                links,
            ),
        )
    else:
        messages.info(request, "Nothing new was suggested: already connected, or not found.")
    url = reverse("matching:suggestions", kwargs={"public_id": client.public_id})
    query = request.POST.get("query", "")
    return redirect(f"{url}?{query}" if query and "://" not in query else url)


@require_capability(Capability.OVERSEE_CASES)
def gaps_view(request: HttpRequest) -> HttpResponse:
    return render(request, "matching/gaps.html", {"gaps": gaps(working_area(request))})


@require_capability(Capability.OVERSEE_CASES)
def barrier_rules(request: HttpRequest) -> HttpResponse:
    area = working_area(request)
    form = BarrierRulesForm(posted(request), table=BarrierRule.objects.table_for(area.pk))
    if request.method == "POST" and form.is_valid():
        do_set_barrier_rules(request, area, form.table())
        messages.success(request, "The table is saved: suggestions use it from now on.")
        return redirect("matching:barrier_rules")
    return render(request, "matching/barrier_rules.html", {"form": form})
