"""Two-factor authentication: required for roles that see personal data, outside demo mode."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.accounts.models import AuditEntry, User
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle(settings: object) -> None:
    # django-otp slows down repeated wrong codes (1 s, 2 s, 4 s, ...). Tests post
    # the right code straight after a wrong one, so the throttle is off unless a
    # test is about it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # type: ignore[attr-defined]


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:06d}"


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


@pytest.mark.parametrize("who", ["coordinator", "link_worker", "researcher", "site_admin"])
def test_roles_seeing_personal_data_must_set_up_two_factor_first(
    client: Client, personas: Personas, who: str
) -> None:
    user = getattr(personas, who)
    sign_in(client, user, verified=False)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/?next=")
    # Public pages stay open.
    assert client.get("/ashfield/").status_code == 200


@pytest.mark.parametrize("who", ["partner_lead", "commissioner", "no_role"])
def test_roles_without_personal_data_are_not_forced(
    client: Client, personas: Personas, who: str
) -> None:
    sign_in(client, getattr(personas, who), verified=False)
    assert client.get("/staff/account/").status_code == 200


def test_a_demo_site_does_not_force_two_factor(
    client: Client, personas: Personas, settings: object
) -> None:
    settings.TWO_FACTOR_REQUIRED = False  # type: ignore[attr-defined]
    sign_in(client, personas.coordinator, verified=False)
    assert client.get("/staff/").status_code == 200


def test_setting_up_pairs_an_app_and_shows_recovery_codes(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.link_worker, verified=False)
    page = client.get("/accounts/two-factor/?next=/staff/account/")
    assert page.status_code == 200
    assert "<svg" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)
    assert secret is not None
    device = TOTPDevice.objects.get(user=personas.link_worker, confirmed=False)

    wrong = client.post("/accounts/two-factor/", {"code": "000000", "next": "/staff/account/"})
    assert "The code is not right" in wrong.text
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    done = client.post(
        "/accounts/two-factor/", {"code": code_for(device), "next": "/staff/account/"}
    )
    assert done.status_code == 200
    assert "Two-factor authentication is set up" in done.text
    codes = re.findall(r'<code class="app-code">([a-z0-9]+)</code>', done.text)
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    # The session is now verified: staff pages open.
    assert client.get("/staff/account/").status_code == 200
    assert AuditEntry.objects.filter(
        action="auth.two_factor_set_up", actor=personas.link_worker
    ).exists()


def test_signing_in_with_a_device_asks_for_a_code(client: Client, personas: Personas) -> None:
    device = confirmed_device(personas.coordinator)
    sign_in(client, personas.coordinator, verified=False)
    response = client.get("/staff/team/")
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Fstaff%2Fteam%2F"

    wrong = client.post("/accounts/two-factor/verify/", {"code": "123456", "next": "/staff/team/"})
    assert wrong.status_code == 200
    assert "The code is not right" in wrong.text
    assert AuditEntry.objects.filter(action="auth.two_factor_failed").count() == 1

    right = client.post(
        "/accounts/two-factor/verify/", {"code": code_for(device), "next": "/staff/team/"}
    )
    assert right["Location"] == "/staff/team/"
    assert client.get("/staff/team/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.two_factor_verified").exists()


def test_a_partner_lead_who_chose_two_factor_must_use_it(
    client: Client, personas: Personas
) -> None:
    confirmed_device(personas.partner_lead)
    sign_in(client, personas.partner_lead, verified=False)
    assert client.get("/staff/")["Location"].startswith("/accounts/two-factor/verify/")


def test_a_recovery_code_works_once(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator, verified=False)
    device = TOTPDevice.objects.create(user=personas.coordinator, name="Phone", confirmed=False)
    done = client.post("/accounts/two-factor/", {"code": code_for(device)})
    code = re.findall(r'<code class="app-code">([a-z0-9]+)</code>', done.text)[0]
    client.logout()

    sign_in(client, personas.coordinator, verified=False)
    response = client.post("/accounts/two-factor/verify/", {"code": code})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="auth.recovery_code_used").exists()
    assert StaticToken.objects.filter(device__user=personas.coordinator).count() == 9
    client.logout()

    sign_in(client, personas.coordinator, verified=False)
    again = client.post("/accounts/two-factor/verify/", {"code": code})
    assert again.status_code == 200
    assert "The code is not right" in again.text


def test_repeated_wrong_codes_are_slowed_down(
    client: Client, personas: Personas, settings: object
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 1  # type: ignore[attr-defined]
    device = confirmed_device(personas.coordinator)
    sign_in(client, personas.coordinator, verified=False)
    for _ in range(3):
        client.post("/accounts/two-factor/verify/", {"code": "000000"})
    # django-otp's throttle now refuses even the right code for a while.
    response = client.post("/accounts/two-factor/verify/", {"code": code_for(device)})
    assert response.status_code == 200
    assert "Too many wrong codes in a row" in response.text


def test_a_blank_code_says_what_to_enter(client: Client, personas: Personas) -> None:
    confirmed_device(personas.coordinator)
    sign_in(client, personas.coordinator, verified=False)
    response = client.post("/accounts/two-factor/verify/", {"code": ""})
    assert "Enter the 6-digit code from your authenticator app" in response.text


def test_new_recovery_codes_replace_the_old_ones(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator)
    response = client.post("/accounts/two-factor/recovery-codes/")
    codes = re.findall(r'<code class="app-code">([a-z0-9]+)</code>', response.text)
    assert len(codes) == 10
    assert set(
        StaticToken.objects.filter(device__user=personas.coordinator).values_list(
            "token", flat=True
        )
    ) == set(codes)
