"""Protections added after review: admin access, admin auditing, 2FA resets, races, demo sites."""

from __future__ import annotations

import smtplib
import threading
from typing import Any

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client, RequestFactory
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.accounts.actions import (
    ActionRefused,
    do_accept_invitation_as_new_user,
    do_change_role,
)
from inspiring.accounts.invitations import invitation_token
from inspiring.accounts.models import AuditEntry, Invitation, Membership, User
from inspiring.accounts.roles import Role
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_anyone_with_admin_site_access_must_use_two_factor(
    client: Client, personas: Personas
) -> None:
    priya = personas.partner_lead
    priya.is_staff = True
    priya.save()
    sign_in(client, priya, verified=False)
    response = client.get("/admin/accounts/auditentry/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


def test_the_admin_site_never_shows_authenticator_keys(client: Client, personas: Personas) -> None:
    device = TOTPDevice.objects.create(user=personas.link_worker, name="Phone", confirmed=True)
    sign_in(client, personas.site_admin)
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.text
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code in (403, 404)


def test_making_someone_a_site_administrator_in_the_admin_is_audited(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.site_admin)
    priya = personas.partner_lead
    membership = Membership.objects.get(user=priya)
    response = client.post(
        f"/admin/accounts/user/{priya.pk}/change/",
        {
            "email": priya.email,
            "full_name": priya.full_name,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-11-01",
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": str(membership.pk),
            "memberships-0-user": str(priya.pk),
            "memberships-0-area": str(personas.ashfield.pk),
            "memberships-0-role": Role.PARTNER_LEAD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    priya.refresh_from_db()
    assert priya.is_superuser
    entry = AuditEntry.objects.get(action="admin.changed", object_id=str(priya.public_id))
    assert entry.actor == personas.site_admin
    assert "Superuser status" in str(entry.detail["change"]) or "is_superuser" in str(
        entry.detail["change"]
    )


def test_resetting_someones_two_factor_in_the_admin_is_audited(
    client: Client, personas: Personas
) -> None:
    device = TOTPDevice.objects.create(user=personas.link_worker, name="Phone", confirmed=True)
    sign_in(client, personas.site_admin)
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = AuditEntry.objects.get(action="admin.deleted")
    assert entry.detail["user"] == personas.link_worker.email


def test_invitations_cannot_be_deleted_in_the_admin(client: Client, personas: Personas) -> None:
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="sam@practice.test",
        role=Role.LINK_WORKER,
        invited_by=personas.coordinator,
    )
    sign_in(client, personas.site_admin)
    response = client.post(f"/admin/accounts/invitation/{invitation.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_accepting_an_invitation_needs_two_factor_sign_in_first(
    client: Client, personas: Personas
) -> None:
    TOTPDevice.objects.create(user=personas.link_worker, name="Phone", confirmed=True)
    invitation = Invitation.objects.create(
        area=personas.newark,
        email=personas.link_worker.email,
        role=Role.COORDINATOR,
        invited_by=personas.site_admin,
    )
    sign_in(client, personas.link_worker, verified=False)
    url = f"/invitations/{invitation_token(invitation)}/"
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/verify/?next=%2Finvitations%2F")
    assert not Membership.objects.filter(user=personas.link_worker, area=personas.newark).exists()


def test_after_an_app_reset_a_recovery_code_lets_someone_pair_a_new_app(
    client: Client, personas: Personas
) -> None:
    liam = personas.link_worker
    static = StaticDevice.objects.create(user=liam, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    sign_in(client, liam, verified=False)
    # Only recovery codes left: signing in asks for one first...
    assert client.get("/accounts/two-factor/")["Location"].startswith(
        "/accounts/two-factor/verify/"
    )
    client.post("/accounts/two-factor/verify/", {"code": "abcd2345"})
    # ...then the app can be paired again, and the account page says it is off.
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    assert "Set up two-factor authentication" in page.text
    account = client.get("/staff/account/").text
    assert "Set up<span" in account


def test_two_factor_redirects_keep_the_whole_next_address(
    client: Client, personas: Personas
) -> None:
    TOTPDevice.objects.create(user=personas.coordinator, name="Phone", confirmed=True)
    sign_in(client, personas.coordinator, verified=False)
    response = client.get("/accounts/two-factor/", {"next": "/staff/audit/?action=x&page=2"})
    assert response["Location"] == (
        "/accounts/two-factor/verify/?next=%2Fstaff%2Faudit%2F%3Faction%3Dx%26page%3D2"
    )


def test_a_removed_area_choice_falls_back_to_the_remaining_area(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.researcher, area=personas.mansfield)
    personas.researcher.memberships.filter(area=personas.mansfield).delete()
    html = client.get("/staff/").text
    assert "You are signed in as <strong>researcher</strong> in Ashfield" in html


def test_a_double_submitted_new_account_is_created_once(personas: Personas) -> None:
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="sam@practice.test",
        role=Role.PARTNER_LEAD,
        invited_by=personas.coordinator,
    )
    request = RequestFactory().post("/")
    request.user = personas.no_role  # any; the action records the new user as the actor
    do_accept_invitation_as_new_user(request, invitation, full_name="Sam", password="long pass 1")
    with pytest.raises(ActionRefused, match="can no longer be used"):
        do_accept_invitation_as_new_user(
            request, invitation, full_name="Sam", password="long pass 1"
        )
    assert User.objects.filter(email="sam@practice.test").count() == 1


def test_an_existing_account_is_not_created_again(personas: Personas) -> None:
    invitation = Invitation.objects.create(
        area=personas.newark,
        email=personas.link_worker.email,
        role=Role.RESEARCHER,
        invited_by=personas.site_admin,
    )
    request = RequestFactory().post("/")
    request.user = personas.no_role
    with pytest.raises(ActionRefused, match="There is already an account"):
        do_accept_invitation_as_new_user(request, invitation, full_name="L", password="long pass 1")


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_an_invitation_email_that_fails_is_shown_on_the_team_page(
    client: Client,
    personas: Personas,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    sign_in(client, personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/staff/team/invite/",
            {"email": "sam@practice.test", "full_name": "Sam", "role": Role.LINK_WORKER},
        )
    invitation = Invitation.objects.get()
    assert invitation.email_status == "failed"
    team = client.get("/staff/team/").text
    assert "Email not sent" in team
    assert "Connection unexpectedly closed" in team


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
