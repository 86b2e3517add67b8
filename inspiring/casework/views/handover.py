"""Handing a link worker's caseload to colleagues (leaving, leave, sickness).

A coordinator picks someone of the area who holds clients, sees their open clients
(none ticked: handing over one takes a tick, a colleague and the button; "Select all"
is a submit button, so it works without JavaScript), each with what tells them apart
(age, where their referral is, the next task due), and hands all or some of them to
one or more colleagues, in turn when there are several. Each client moves through
actions.do_assign, so each move is in the audit log against the client's record and on
their timeline; the client's history stays as it was, and their open tasks go to the
new link worker with them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.models import User
from inspiring.accounts.roles import Capability
from lib.http import posted

from ..access import case_holders, clients_for, working_area
from ..actions.handover import do_hand_over
from ..forms.handover import HandoverForm
from ..models import Client, ClientQuerySet, Referral, Task

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


@dataclass(frozen=True)
class Row:
    """One client to choose, with what tells them apart."""

    client: Client
    chosen: bool
    age: int | None
    status: str  # where their latest referral is: "Active"
    next_task: str
    next_due: date | None
    overdue: bool


def _caseload(request: HttpRequest, person: User) -> ClientQuerySet:
    """The person's open clients, each with their latest referral's status and their next
    open task (two subqueries: one query however many there are)."""
    latest = Referral.objects.filter(client=OuterRef("pk")).order_by("-received_on", "-pk")
    next_task = Task.objects.filter(client=OuterRef("pk"), done_at__isnull=True).order_by(
        "due_on", "pk"
    )
    return (
        clients_for(request)
        .open()
        .filter(worker=person)
        .annotate(
            referral_status=Subquery(latest.values("status")[:1]),
            next_task=Subquery(next_task.values("title")[:1]),
            next_due=Subquery(next_task.values("due_on")[:1]),
        )
    )


@require_capability(OVERSEE)
def handover_from(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One person's open clients, to hand to colleagues."""
    area = working_area(request)
    person = get_object_or_404(_holders(request), public_id=public_id)
    caseload = _caseload(request, person)
    colleagues = case_holders(area).exclude(user=person)
    clients = list(caseload)
    # "Select all" (or "Untick all") shows the page again with the clients ticked or not,
    # keeping the colleagues chosen: nothing is handed over.
    select = request.POST.get("select") if request.method == "POST" else None
    if select in ("all", "none"):
        form = HandoverForm(
            caseload=caseload,
            colleagues=colleagues,
            initial={
                "clients": [str(c.public_id) for c in clients] if select == "all" else [],
                "colleagues": request.POST.getlist("colleagues"),
            },
        )
    else:
        form = HandoverForm(posted(request), caseload=caseload, colleagues=colleagues)
    if request.method == "POST" and form.is_bound and form.is_valid():
        moved = do_hand_over(
            request,
            list(form.cleaned_data["clients"]),
            [m.user for m in form.cleaned_data["colleagues"]],
            previous=person,
        )
        messages.success(request, _summary(moved))
        return redirect("casework:handover_from", public_id=person.public_id)
    audit.record(
        request,
        "client.listed",
        area=area,
        detail={"caseload_of": person.email, "shown": len(clients)},
    )
    rows = _rows(clients, {str(v) for v in form["clients"].value() or []})
    return render(
        request,
        "casework/handover/caseload.html",
        {
            "person": person,
            "in_team": case_holders(area).filter(user=person).exists(),
            "form": form,
            "rows": rows,
            "count": len(clients),
            "all_chosen": bool(rows) and all(row.chosen for row in rows),
            "others": colleagues.exists(),
        },
    )


def _rows(clients: list[Client], chosen: set[str]) -> list[Row]:
    today = timezone.localdate()
    labels = dict(Referral.Status.choices)
    rows = []
    for client in clients:
        # Annotated by _caseload.
        status, task, due = (
            getattr(client, name, None) for name in ("referral_status", "next_task", "next_due")
        )
        rows.append(
            Row(
                client=client,
                chosen=str(client.public_id) in chosen,
                age=client.age_on(today),
                status=labels.get(status or "", "No referral"),
                next_task=task or "",
                next_due=due,
                overdue=due is not None and due < today,
            )
        )
    return rows


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
