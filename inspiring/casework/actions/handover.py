"""Handing a caseload to colleagues (leaving, leave, sickness): all or nothing, each
client's move audited against their record and kept on their timeline (a Handover:
from whom, to whom, when, by whom), their open tasks going with them."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.access import acting_user
from inspiring.accounts.models import User

from ..models import Client, Handover, Task
from .clients import do_assign


def do_hand_over(
    request: HttpRequest, clients: list[Client], colleagues: list[User], *, previous: User
) -> Counter[User]:
    """Hand `clients` to `colleagues` in turn (each move audited by do_assign), with the
    previous worker's open tasks for them. All or nothing. Returns clients per colleague."""
    moved: Counter[User] = Counter()
    ordered = sorted(clients, key=lambda c: (c.last_name.lower(), c.first_name.lower(), c.pk))
    by, now = acting_user(request), timezone.now()
    with transaction.atomic():
        for index, client in enumerate(ordered):
            colleague = colleagues[index % len(colleagues)]
            do_assign(request, client, colleague)
            Handover.objects.create(
                client=client, from_worker=previous, to_worker=colleague, by=by, at=now
            )
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
