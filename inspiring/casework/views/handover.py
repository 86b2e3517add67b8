"""Handing a link worker's caseload to colleagues (leaving, leave, sickness).

A coordinator picks someone of the area who holds clients, sees their open clients,
and hands all or some of them to one or more colleagues, in turn when there are
several. Each client moves through actions.do_assign, so each move is in the audit
log against the client's record; the client's history stays as it was, and their open
tasks go to the new link worker with them.
"""

from __future__ import annotations

import uuid
from collections import Counter

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.models import User
from inspiring.accounts.roles import Capability
from lib.http import posted

from ..access import case_holders, clients_for, working_area
from ..actions.handover import do_hand_over
from ..forms.handover import HandoverForm

OVERSEE = Capability.OVERSEE_CASES


def _holders(request: HttpRequest) -> QuerySet[User]:
    """Whose caseload may be handed over: the area's link workers and coordinators, and
    anyone who has left the team with the area's clients still on their caseload."""
    area = working_area(request)
    return User.objects.filter(
        Q(pk__in=case_holders(area).values("user"))
        | Q(pk__in=clients_for(request).open().values("worker"))
    ).annotate(
        open_clients=Count(
            "caseload",
            filter=Q(
                caseload__area=area,
                caseload__erased_at__isnull=True,
                caseload__closed_at__isnull=True,
            ),
        )
    )


@require_capability(OVERSEE)
def handover(request: HttpRequest) -> HttpResponse:
    """Whose caseload to hand over, with how many open clients each holds."""
    area = working_area(request)
    members = {m.user_id: m for m in case_holders(area)}
    people = [
        (user, members.get(user.pk)) for user in _holders(request).order_by("full_name", "pk")
    ]
    return render(request, "casework/handover/choose.html", {"people": people})


@require_capability(OVERSEE)
def handover_from(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One person's open clients, to hand to colleagues."""
    area = working_area(request)
    person = get_object_or_404(_holders(request), public_id=public_id)
    caseload = clients_for(request).open().filter(worker=person)
    colleagues = case_holders(area).exclude(user=person)
    form = HandoverForm(
        posted(request),
        caseload=caseload,
        colleagues=colleagues,
        initial={"clients": list(caseload)},
    )
    if request.method == "POST" and form.is_valid():
        moved = do_hand_over(
            request,
            list(form.cleaned_data["clients"]),
            [m.user for m in form.cleaned_data["colleagues"]],
            previous=person,
        )
        messages.success(request, _summary(moved))
        return redirect("casework:handover_from", public_id=person.public_id)
    count = caseload.count()
    audit.record(
        request, "client.listed", area=area, detail={"caseload_of": person.email, "shown": count}
    )
    return render(
        request,
        "casework/handover/caseload.html",
        {
            "person": person,
            "in_team": case_holders(area).filter(user=person).exists(),
            "form": form,
            "count": count,
            "others": colleagues.exists(),
        },
    )


def _summary(moved: Counter[User]) -> str:
    """ "3 clients are handed over: 2 to Anna Smith and 1 to Ben Cole." (no client names:
    messages may be kept in a cookie)."""
    total = sum(moved.values())
    parts = [
        f"{count} to {user.full_name or user.email}"
        for user, count in sorted(moved.items(), key=lambda item: item[0].full_name)
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    noun = "client is" if total == 1 else "clients are"
    return f"{total} {noun} handed over: {listed}."
