"""Every casework URL x every role x own area / other area.

Each staff route of the casework app is in ROUTES with how to fill its URL and
who may use it. The people who may get the page (200, or a redirect after a
POST-only action); everyone else signed in is refused (403); someone allowed in
their own area who asks for another area's record gets 404, the same as a record
that does not exist. A new casework URL fails test_every_casework_url_is_in_the_matrix
until it is added here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from inspiring.casework.models import (
    Client,
    Connection,
    ConnectionStep,
    GroupMembership,
    SentMessage,
    Task,
)
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db

CASE_WORKERS = frozenset({"coordinator", "link_worker"})
PARTNERS = frozenset({"partner_lead"})
COORDINATORS = frozenset({"coordinator"})
# Only for the person who raised it and the area's safeguarding lead (everyone else
# 404, as for a record that does not exist): test_safeguarding.py walks that matrix.
# A message received through MESH: the area's coordinators (403 for other roles, 404 for
# another area's coordinator, which test_mesh_channel.py walks, with a message to ask for).
NOT_IN_THIS_MATRIX = {"concern", "mesh_message", "mesh_message_download"}
EVERYONE = (
    "coordinator",
    "link_worker",
    "partner_lead",
    "researcher",
    "commissioner",
    "site_admin",
    "no_role",
)


@dataclass
class Records:
    """One of each record, for one area."""

    client: Client
    connection: Connection
    group: GroupMembership
    task: Task
    message: SentMessage


@dataclass(frozen=True)
class Route:
    kwargs: Callable[[Records, Casework], dict[str, Any]]
    allowed: frozenset[str] = CASE_WORKERS
    post_only: bool = False
    # False: no record of an area in the URL (each area gets its own page).
    scoped: bool = True


def _client(records: Records, _: Casework) -> dict[str, Any]:
    return {"public_id": records.client.public_id}


ROUTES: dict[str, Route] = {
    "caseload": Route(lambda r, c: {}, scoped=False),
    "triage": Route(lambda r, c: {}, scoped=False),
    "new_referral": Route(lambda r, c: {}, scoped=False),
    "client": Route(_client),
    "details": Route(_client),
    "take": Route(_client, post_only=True),
    "assessment": Route(_client),
    "add_group": Route(_client),
    "remove_group": Route(
        lambda r, c: {"public_id": r.client.public_id, "group_id": r.group.pk}, post_only=True
    ),
    "add_referral": Route(_client),
    "referral_status": Route(lambda r, c: {"public_id": r.client.referrals.get().public_id}),
    "add_contact": Route(_client),
    "add_task": Route(_client),
    "complete_task": Route(
        lambda r, c: {"public_id": r.client.public_id, "task_id": r.task.pk}, post_only=True
    ),
    "connect": Route(_client),
    "connect_to": Route(
        lambda r, c: {"public_id": r.client.public_id, "activity_id": c.walk.public_id}
    ),
    "connection": Route(lambda r, c: {"public_id": r.connection.public_id}),
    "connection_edit": Route(lambda r, c: {"public_id": r.connection.public_id}),
    "connection_withdraw": Route(lambda r, c: {"public_id": r.connection.public_id}),
    "connection_book": Route(lambda r, c: {"public_id": r.connection.public_id}),
    "connection_booking_cancel": Route(
        lambda r, c: {"public_id": r.connection.public_id}, post_only=True
    ),
    "plan": Route(_client),
    "plan_pdf": Route(_client),
    "plan_send": Route(_client),
    "message_back": Route(_client),
    "message_back_summary": Route(_client),
    "message_back_pdf": Route(_client),
    "message_back_json": Route(_client),
    "message_back_send": Route(_client, post_only=True),
    "message_back_send_mesh": Route(_client, post_only=True),
    "mesh_messages": Route(lambda r, c: {}, allowed=COORDINATORS, scoped=False),
    "stop_message": Route(
        lambda r, c: {"public_id": r.client.public_id, "message_id": r.message.pk}, post_only=True
    ),
    "send_register_link": Route(lambda r, c: {"public_id": r.connection.public_id}),
    # The partner lead's side: their own organisations' connections and sessions. Not
    # scoped to an area in this matrix (another area's partner gets 404: test_partner.py).
    "partner_connections": Route(lambda r, c: {}, allowed=PARTNERS, scoped=False),
    "partner_referral_received": Route(
        lambda r, c: {"public_id": r.connection.public_id},
        allowed=PARTNERS,
        post_only=True,
        scoped=False,
    ),
    "partner_sessions": Route(lambda r, c: {}, allowed=PARTNERS, scoped=False),
    # Outcomes: wellbeing and loneliness measures.
    "outcomes": Route(_client),
    "record_outcome": Route(_client),
    "record_outcome_for": Route(lambda r, c: {"public_id": r.client.public_id, "code": "ons4"}),
    "send_outcome_link": Route(_client),
    # Data protection, safeguarding and handover.
    "export": Route(_client, allowed=COORDINATORS),
    "erase": Route(_client, allowed=COORDINATORS),
    "raise_concern": Route(_client),
    "raise_concern_connection": Route(
        lambda r, c: {"public_id": r.connection.public_id}, allowed=PARTNERS, scoped=False
    ),
    "safeguarding": Route(lambda r, c: {}, scoped=False),
    "safeguarding_lead": Route(lambda r, c: {}, allowed=COORDINATORS, scoped=False),
    "safeguarding_partner": Route(lambda r, c: {}, allowed=PARTNERS, scoped=False),
    "handover": Route(lambda r, c: {}, allowed=COORDINATORS, scoped=False),
    "handover_from": Route(
        lambda r, c: {"public_id": r.client.worker.public_id},  # type: ignore[union-attr]
        allowed=COORDINATORS,
    ),
    "partner_register": Route(
        lambda r, c: {"public_id": c.walk.sessions.order_by("start").first().public_id},  # type: ignore[union-attr]
        allowed=PARTNERS,
        scoped=False,
    ),
}


def _records(client: Client, casework: Casework) -> Records:
    # One open connection per client and activity: each round gets a fresh one.
    Connection.objects.filter(
        client=client, activity=casework.walk, status__in=Connection.LIVE
    ).update(status=Connection.Status.DECLINED)
    connection = Connection.objects.create(
        client=client,
        activity=casework.walk,
        level="introduction",
        share_consent=True,
        shared_note="Coming with her daughter",
        status=Connection.Status.AGREED,
        status_changed_on=timezone.localdate(),
    )
    ConnectionStep.objects.create(connection=connection, status="agreed", on=timezone.localdate())
    group = GroupMembership.objects.create(
        client=client, name="Choir", kind="hobby", importance=4, positivity=5, contact="weekly"
    )
    task = Task.objects.create(client=client, title="Ring her", due_on=timezone.localdate())
    message = SentMessage.objects.create(
        client=client,
        kind=SentMessage.Kind.PLAN_EMAIL,
        to="her@example.org",
        body="Your plan",
        status=SentMessage.Status.FAILED,
    )
    return Records(client, connection, group, task, message)


def _casework_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif (
                isinstance(entry, URLPattern)
                and namespace == "casework"
                and str(entry.pattern).startswith("staff/")
            ):
                names.add(entry.name or "")

    walk(get_resolver().url_patterns)
    return names


def test_every_casework_url_is_in_the_matrix() -> None:
    assert _casework_routes() - NOT_IN_THIS_MATRIX == set(ROUTES)


def _get(browser: Browser, name: str, route: Route, kwargs: dict[str, Any]) -> int:
    url = reverse(f"casework:{name}", kwargs=kwargs)
    response = browser.post(url) if route.post_only else browser.get(url)
    return response.status_code


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_role_in_its_own_area(
    name: str, client: Browser, personas: Personas, casework: Casework
) -> None:
    route = ROUTES[name]
    for role in EVERYONE:
        records = _records(casework.mary, casework)
        user = getattr(personas, role)
        browser = Browser()
        sign_in(browser, user, area=personas.ashfield if role != "no_role" else None)
        status = _get(browser, name, route, route.kwargs(records, casework))
        if role in route.allowed:
            assert status in ((302,) if route.post_only else (200,)), (name, role, status)
        else:
            assert status == 403, (name, role, status)


@pytest.mark.parametrize("name", sorted(name for name, route in ROUTES.items() if route.scoped))
def test_another_areas_records_are_404(
    name: str, client: Browser, personas: Personas, casework: Casework
) -> None:
    route = ROUTES[name]
    records = _records(casework.mary, casework)
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    assert _get(client, name, route, route.kwargs(records, casework)) == 404


def test_another_areas_caseload_shows_none_of_this_areas_clients(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    for name in ("caseload", "triage"):
        page = client.get(reverse(f"casework:{name}"), {"whose": "all", "status": "any"})
        assert page.status_code == 200
        assert "Jones" not in page.content.decode()
    page = client.get(reverse("casework:caseload"), {"whose": "all", "status": "any"})
    assert "Khan" in page.content.decode()  # their own area's client


def test_a_link_worker_cannot_reach_another_areas_client(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    other = casework.other_area_client
    assert client.get(reverse("casework:client", args=[other.public_id])).status_code == 404
    assert (
        client.get(
            reverse("casework:referral_status", args=[other.referrals.get().public_id])
        ).status_code
        == 404
    )
