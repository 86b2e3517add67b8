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
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from inspiring.accounts import audit
from inspiring.accounts.access import require_capability
from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Capability
from lib.http import posted

from ..access import case_holders, clients_for, working_area
from ..actions import do_assign
from ..models import Client, ClientQuerySet, Task

OVERSEE = Capability.OVERSEE_CASES


class HandoverForm(forms.Form):
    clients = forms.ModelMultipleChoiceField(
        label="Clients to hand over",
        queryset=Client.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the clients to hand over",
            "invalid_choice": "Select only clients on this person's caseload",
        },
    )
    colleagues = forms.ModelMultipleChoiceField(
        label="Who to hand them to",
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose several to share the clients between them, in turn.",
        error_messages={
            "required": "Select who to hand the clients to",
            "invalid_choice": "Select people from this programme's team",
        },
    )

    def __init__(
        self,
        *args: Any,
        caseload: ClientQuerySet,
        colleagues: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        clients = self.fields["clients"]
        clients.queryset = caseload  # type: ignore[attr-defined]
        clients.label_from_instance = _client_label  # type: ignore[attr-defined]
        people = self.fields["colleagues"]
        people.queryset = colleagues  # type: ignore[attr-defined]
        people.label_from_instance = _member_label  # type: ignore[attr-defined]


def _client_label(client: Client) -> str:
    return client.display_name


def _member_label(membership: Membership) -> str:
    user = membership.user
    return f"{user.full_name or user.email} ({membership.get_role_display().lower()})"


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
        moved = hand_over(
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


def hand_over(
    request: HttpRequest, clients: list[Client], colleagues: list[User], *, previous: User
) -> Counter[User]:
    """Hand `clients` to `colleagues` in turn (each move audited by do_assign), with the
    previous worker's open tasks for them. All or nothing. Returns clients per colleague."""
    moved: Counter[User] = Counter()
    ordered = sorted(clients, key=lambda c: (c.last_name.lower(), c.first_name.lower(), c.pk))
    with transaction.atomic():
        for index, client in enumerate(ordered):
            colleague = colleagues[index % len(colleagues)]
            do_assign(request, client, colleague)
            tasks = Task.objects.filter(
                client=client, assigned_to=previous, done_at__isnull=True
            ).update(assigned_to=colleague)
            if tasks:
                audit.record(
                    request,
                    "task.changed",
                    client,
                    area=client.area,
                    detail={"reassigned": tasks, "to": colleague.email},
                )
            moved[colleague] += 1
    return moved


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
