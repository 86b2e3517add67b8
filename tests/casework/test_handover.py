"""Handing a link worker's caseload to colleagues: only their open clients move, each move
is audited against the client's record, their open tasks go with them, and only the
area's own people are offered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry, Membership, User
from inspiring.accounts.roles import Role
from inspiring.casework.models import Client, Task
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db


def _member(email: str, name: str, personas: Personas) -> User:
    user = User.objects.create_user(email, None, full_name=name)
    Membership.objects.create(user=user, area=personas.ashfield, role=Role.LINK_WORKER)
    return user


@pytest.fixture
def colleagues(personas: Personas) -> tuple[User, User]:
    return _member("sam@ashfield.test", "Sam Able", personas), _member(
        "olga@ashfield.test", "Olga Baker", personas
    )


def _url(user: User) -> str:
    return reverse("casework:handover_from", args=[user.public_id])


def _membership(user: User) -> str:
    return str(Membership.objects.get(user=user).public_id)


def test_a_caseload_is_shared_between_colleagues_in_turn(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, olga = colleagues
    liam = personas.link_worker
    mary = casework.mary
    alan = make_client(personas.ashfield, "Alan", "Adams", worker=liam)
    bea = make_client(personas.ashfield, "Bea", "Brown", worker=liam)
    closed = make_client(personas.ashfield, "Cal", "Closed", worker=liam)
    Client.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    sams_own = make_client(personas.ashfield, "Dee", "Davies", worker=sam)
    task = Task.objects.create(
        client=mary, title="Ring her", due_on=timezone.localdate(), assigned_to=liam
    )
    done = Task.objects.create(
        client=mary,
        title="Sent the plan",
        due_on=timezone.localdate() - timedelta(days=3),
        assigned_to=liam,
        done_at=timezone.now(),
    )

    sign_in(client, personas.coordinator, area=personas.ashfield)
    choose = client.get(reverse("casework:handover")).content.decode()
    assert _url(liam) in choose
    assert "Marcus Reid" not in choose and "Priya Patel" not in choose

    page = client.get(_url(liam)).content.decode()
    for name in ("Mary Jones", "Alan Adams", "Bea Brown"):
        assert name in page
    assert "Cal Closed" not in page and "Dee Davies" not in page
    assert "Marcus Reid" not in page and "Priya Patel" not in page
    assert "Liam Walsh (link worker)" not in page  # not offered their own clients back

    response = client.post(
        _url(liam),
        {
            "clients": [str(c.public_id) for c in (mary, alan, bea)],
            "colleagues": [_membership(sam), _membership(olga)],
        },
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 clients are handed over: 2 to Olga Baker and 1 to Sam Able." in body

    # In turn (colleagues by name, clients by surname): Adams to Olga, Brown to Sam, Jones
    # to Olga.
    chosen = Client.objects.filter(pk__in=[mary.pk, alan.pk, bea.pk])
    assert {c.first_name: c.worker for c in chosen} == {"Alan": olga, "Bea": sam, "Mary": olga}
    assert Client.objects.get(pk=closed.pk).worker == liam
    assert Client.objects.get(pk=sams_own.pk).worker == sam
    task.refresh_from_db()
    done.refresh_from_db()
    assert task.assigned_to == olga and done.assigned_to == liam
    # Each move is in the audit log, against the client's record; their history stays.
    for moved, to in ((mary, olga), (alan, olga), (bea, sam)):
        entry = AuditEntry.objects.get(action="client.handed_over", object_id=str(moved.public_id))
        assert entry.actor == personas.coordinator and entry.detail["to"] == to.email
    assert mary.referrals.count() == 1
    assert "has no open clients" in client.get(_url(liam)).content.decode()


def test_only_the_chosen_clients_move(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    alan = make_client(personas.ashfield, "Alan", "Adams", worker=personas.link_worker)
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.post(
        _url(personas.link_worker),
        {"clients": [str(casework.mary.public_id)], "colleagues": [_membership(sam)]},
    )
    assert response.status_code == 302
    assert Client.objects.get(pk=casework.mary.pk).worker == sam
    assert Client.objects.get(pk=alan.pk).worker == personas.link_worker
    assert AuditEntry.objects.filter(action="client.handed_over").count() == 1


def test_bad_input_moves_nothing(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    sign_in(client, personas.coordinator, area=personas.ashfield)
    url = _url(personas.link_worker)
    mary = str(casework.mary.public_id)
    other_area = Membership.objects.get(user=personas.mansfield_coordinator)
    someone_elses = make_client(personas.ashfield, "Dee", "Davies", worker=sam)
    cases = [
        ({"clients": [mary]}, "Select who to hand the clients to"),
        ({"colleagues": [_membership(sam)]}, "Select the clients to hand over"),
        ({"clients": [mary], "colleagues": [str(other_area.public_id)]}, "Select people from"),
        (
            {"clients": [str(someone_elses.public_id)], "colleagues": [_membership(sam)]},
            "Select only clients on this person",
        ),
        (
            {
                "clients": [str(casework.other_area_client.public_id)],
                "colleagues": [_membership(sam)],
            },
            "Select only clients on this person",
        ),
    ]
    for data, message in cases:
        page = client.post(url, data)
        assert page.status_code == 200, data
        body = page.content.decode()
        assert message in body and "nhsuk-error-message" in body, data
    assert Client.objects.get(pk=casework.mary.pk).worker == personas.link_worker
    assert Client.objects.get(pk=someone_elses.pk).worker == sam
    assert not AuditEntry.objects.filter(action="client.handed_over").exists()


def test_another_areas_people_and_roles_without_oversight(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    assert client.get(_url(personas.mansfield_coordinator)).status_code == 404
    assert client.get(_url(personas.partner_lead)).status_code == 404
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    assert client.get(_url(personas.link_worker)).status_code == 404
    sign_in(client, personas.link_worker, area=personas.ashfield)
    assert client.get(reverse("casework:handover")).status_code == 403
    assert client.get(_url(personas.link_worker)).status_code == 403


def test_someone_who_left_the_team_can_still_have_their_clients_handed_over(
    client: Browser, personas: Personas, casework: Casework, colleagues: tuple[User, User]
) -> None:
    sam, _ = colleagues
    Membership.objects.filter(user=personas.link_worker).delete()
    sign_in(client, personas.coordinator, area=personas.ashfield)
    choose = client.get(reverse("casework:handover")).content.decode()
    assert "No longer in the team" in choose and _url(personas.link_worker) in choose
    client.post(
        _url(personas.link_worker),
        {"clients": [str(casework.mary.public_id)], "colleagues": [_membership(sam)]},
    )
    assert Client.objects.get(pk=casework.mary.pk).worker == sam
