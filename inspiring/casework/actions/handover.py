"""Handing a caseload to colleagues (leaving, leave, sickness): all or nothing, each
client's move audited against their record, their open tasks going with them."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.accounts.models import User

from ..models import Client, Task
from .clients import do_assign


def do_hand_over(
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
