"""The admin site: two-factor sign-in for anyone who can reach it, no authenticator keys
shown, changes to people and their sign-in security audited, invitations kept."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.accounts.models import AuditEntry, Invitation, Membership
from inspiring.accounts.roles import Role
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_anyone_with_admin_site_access_must_use_two_factor(
    client: Client, personas: Personas
) -> None:
    # Colin's role (commissioner) needs no second factor: admin access alone does.
    colin = personas.commissioner
    colin.is_staff = True
    colin.save()
    sign_in(client, colin, verified=False)
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
