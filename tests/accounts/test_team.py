"""The coordinator's team: roles, removal, the last coordinator, concurrent edits, other areas."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from inspiring.accounts.actions import ActionRefused, do_change_role
from inspiring.accounts.models import AuditEntry, Invitation, Membership, User
from inspiring.accounts.roles import Role
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def membership(personas: Personas, who: str) -> Membership:
    user = getattr(personas, who)
    return Membership.objects.get(user=user, area=personas.ashfield)


def test_the_team_page_lists_the_area_members_only(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator)
    response = client.get("/staff/team/")
    assert response.status_code == 200
    for name in ("Chloe Carter", "Liam Walsh", "Priya Patel", "Rosa Bennett", "Colin Shaw"):
        assert name in response.text
    assert "Marcus Reid" not in response.text


def test_the_team_page_makes_a_fixed_number_of_queries(
    client: Client, personas: Personas, django_assert_max_num_queries: object
) -> None:
    sign_in(client, personas.coordinator)
    client.get("/staff/team/")  # warm the session
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        client.get("/staff/team/")


@pytest.mark.parametrize("who", ["link_worker", "partner_lead", "researcher", "commissioner"])
def test_other_roles_cannot_manage_the_team(client: Client, personas: Personas, who: str) -> None:
    sign_in(client, getattr(personas, who), area=personas.ashfield)
    response = client.get("/staff/team/")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.text


def test_a_coordinator_changes_a_role(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator)
    liam = membership(personas, "link_worker")
    page = client.get(f"/staff/team/{liam.public_id}/")
    assert page.status_code == 200
    response = client.post(
        f"/staff/team/{liam.public_id}/",
        {"role": Role.RESEARCHER, "seen": liam.updated_at.isoformat()},
    )
    assert response.status_code == 302
    liam.refresh_from_db()
    assert liam.role == Role.RESEARCHER
    entry = AuditEntry.objects.get(action="membership.role_changed")
    assert entry.area == personas.ashfield
    assert entry.actor == personas.coordinator
    assert entry.detail == {"user": "liam@ashfield.test", "from": "link_worker", "to": "researcher"}


def test_an_unknown_role_is_refused(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator)
    liam = membership(personas, "link_worker")
    response = client.post(
        f"/staff/team/{liam.public_id}/", {"role": "emperor", "seen": liam.updated_at.isoformat()}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    liam.refresh_from_db()
    assert liam.role == Role.LINK_WORKER


def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.coordinator)
    liam = membership(personas, "link_worker")
    seen = liam.updated_at.isoformat()
    # Another coordinator (or tab) changes the role after this page was shown...
    other = Client()
    sign_in(other, personas.site_admin, area=personas.ashfield)
    assert (
        other.post(
            f"/staff/team/{liam.public_id}/", {"role": Role.PARTNER_LEAD, "seen": seen}
        ).status_code
        == 302
    )
    # ...so this save, made from the old page, is refused with the current role.
    response = client.post(
        f"/staff/team/{liam.public_id}/", {"role": Role.RESEARCHER, "seen": seen}
    )
    assert response.status_code == 200
    assert "Someone else changed Liam Walsh&#x27;s role" in response.text
    assert "it is now Partner lead" in response.text
    liam.refresh_from_db()
    assert liam.role == Role.PARTNER_LEAD


def test_a_garbled_version_is_refused(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator)
    liam = membership(personas, "link_worker")
    response = client.post(f"/staff/team/{liam.public_id}/", {"role": Role.RESEARCHER, "seen": "x"})
    assert "The page was out of date" in response.text


def test_the_only_coordinator_cannot_step_down_or_be_removed(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.coordinator)
    chloe = membership(personas, "coordinator")
    response = client.post(
        f"/staff/team/{chloe.public_id}/",
        {"role": Role.LINK_WORKER, "seen": chloe.updated_at.isoformat()},
    )
    assert "is the only coordinator of Ashfield" in response.text
    response = client.post(
        f"/staff/team/{chloe.public_id}/remove/", {"seen": chloe.updated_at.isoformat()}
    )
    assert "is the only coordinator of Ashfield" in response.text
    chloe.refresh_from_db()
    assert chloe.role == Role.COORDINATOR


def test_with_a_second_coordinator_one_can_step_down(client: Client, personas: Personas) -> None:
    liam = membership(personas, "link_worker")
    Membership.objects.filter(pk=liam.pk).update(role=Role.COORDINATOR)
    sign_in(client, personas.coordinator)
    chloe = membership(personas, "coordinator")
    response = client.post(
        f"/staff/team/{chloe.public_id}/",
        {"role": Role.LINK_WORKER, "seen": chloe.updated_at.isoformat()},
    )
    assert response.status_code == 302
    # Chloe is no longer a coordinator: the team page is closed to her now.
    assert client.get("/staff/team/").status_code == 403


def test_removing_someone_from_the_team(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator)
    priya = membership(personas, "partner_lead")
    confirm = client.get(f"/staff/team/{priya.public_id}/remove/")
    assert "Remove Priya Patel from the Ashfield team?" in confirm.text
    response = client.post(
        f"/staff/team/{priya.public_id}/remove/", {"seen": priya.updated_at.isoformat()}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=priya.pk).exists()
    entry = AuditEntry.objects.get(action="membership.removed")
    assert entry.detail == {"user": "priya@ashfield.test", "role": "partner_lead"}
    # Her account stays.
    personas.partner_lead.refresh_from_db()
    assert personas.partner_lead.is_active


@pytest.mark.parametrize("suffix", ["", "remove/"])
def test_another_areas_member_is_404(client: Client, personas: Personas, suffix: str) -> None:
    sign_in(client, personas.mansfield_coordinator)
    liam = membership(personas, "link_worker")
    assert client.get(f"/staff/team/{liam.public_id}/{suffix}").status_code == 404
    response = client.post(
        f"/staff/team/{liam.public_id}/{suffix}",
        {"role": Role.COORDINATOR, "seen": liam.updated_at.isoformat()},
    )
    assert response.status_code == 404
    liam.refresh_from_db()
    assert liam.role == Role.LINK_WORKER


def test_an_unknown_member_is_404(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator)
    assert client.get("/staff/team/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_team_page_query_count_does_not_grow_with_the_team(
    client: Client, personas: Personas, django_assert_max_num_queries: Any
) -> None:
    sign_in(client, personas.coordinator)
    client.get("/staff/team/")
    with django_assert_max_num_queries(15) as small:
        client.get("/staff/team/")
    for n in range(25):
        user = User.objects.create_user(f"member{n}@ashfield.test", None, full_name=f"M {n}")
        Membership.objects.create(user=user, area=personas.ashfield, role=Role.PARTNER_LEAD)
        Invitation.objects.create(
            area=personas.ashfield,
            email=f"invitee{n}@x.test",
            role=Role.LINK_WORKER,
            invited_by=personas.coordinator,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "M 24" in client.get("/staff/team/").text


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_stepping_down_at_once_leave_one_coordinator(
    personas: Personas,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers by itself")
    liam = Membership.objects.get(user=personas.link_worker)
    Membership.objects.filter(pk=liam.pk).update(role=Role.COORDINATOR)
    chloe = Membership.objects.get(user=personas.coordinator)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def step_down(membership_id: int, actor: User) -> None:
        from django.db import connections

        try:
            membership = Membership.objects.get(pk=membership_id)
            request = RequestFactory().post("/")
            request.user = actor
            barrier.wait(timeout=10)
            do_change_role(request, membership, role=Role.LINK_WORKER, seen_updated_at=None)
            outcomes.append("changed")
        except ActionRefused:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(f"error: {exc}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=step_down, args=(chloe.pk, personas.coordinator)),
        threading.Thread(target=step_down, args=(liam.pk, personas.link_worker)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["changed", "refused"]
    assert Membership.objects.filter(area=personas.ashfield, role=Role.COORDINATOR).count() == 1
