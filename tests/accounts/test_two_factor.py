"""Two-factor authentication: required for roles that see personal data, outside demo mode."""

from __future__ import annotations

import re
from base64 import b32decode, b32encode

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
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


@pytest.mark.parametrize(
    "who", ["coordinator", "link_worker", "partner_lead", "researcher", "site_admin"]
)
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


@pytest.mark.parametrize("who", ["commissioner", "no_role"])
def test_roles_without_personal_data_are_not_forced(
    client: Client, personas: Personas, who: str
) -> None:
    sign_in(client, getattr(personas, who), verified=False)
    assert client.get("/staff/account/").status_code == 200


@pytest.mark.parametrize("who", ["coordinator", "partner_lead"])
def test_a_demo_site_does_not_ask_for_two_factor(
    client: Client, personas: Personas, settings: object, who: str
) -> None:
    # What DEMO_MODE=1 sets at start-up (TWO_FACTOR_REQUIRED defaults to off with it).
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    settings.TWO_FACTOR_REQUIRED = False  # type: ignore[attr-defined]
    user = getattr(personas, who)
    sign_in(client, user, verified=False)
    home = client.get("/staff/")
    # The staff home itself, for their role, not a detour to set up an app.
    assert home.status_code == 200
    assert "Set up two-factor authentication" not in home.text
    assert f"Hello, {user.get_short_name()}" in home.text
    role = user.memberships.get().get_role_display().lower()
    assert f"You are signed in as <strong>{role}</strong>" in home.text
    assert "This is a demonstration site." in home.text
    # Every staff page opens the same way; the account page says two-factor is off.
    account = client.get("/staff/account/")
    assert account.status_code == 200
    assert "Set up<span" in account.text
    assert not TOTPDevice.objects.filter(user=user).exists()


def secret_on(page: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert found is not None, page
    return found.group(1).replace(" ", "")


def code_for_secret(secret: str) -> str:
    """The code an authenticator app that was given `secret` shows now."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def test_setting_up_pairs_an_app_and_shows_recovery_codes(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.link_worker, verified=False)
    page = client.get("/accounts/two-factor/?next=/staff/account/")
    assert page.status_code == 200
    assert "<svg" in page.text
    secret = secret_on(page.text)
    # Opening the page again shows the same key: the app may have scanned the first.
    assert secret_on(client.get("/accounts/two-factor/").text) == secret

    done = client.post(
        "/accounts/two-factor/", {"code": code_for_secret(secret), "next": "/staff/account/"}
    )
    assert done.status_code == 200
    assert "Two-factor authentication is set up" in done.text
    codes = re.findall(r'<code class="app-code">([a-z0-9]+)</code>', done.text)
    assert len(codes) == 10
    device = TOTPDevice.objects.get(user=personas.link_worker)
    assert device.confirmed
    assert b32encode(device.bin_key).decode().rstrip("=") == secret
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


def test_opening_the_pairing_page_saves_nothing(client: Client, personas: Personas) -> None:
    sign_in(client, personas.link_worker, verified=False)
    before = TOTPDevice.objects.count()
    for _ in range(2):
        assert client.get("/accounts/two-factor/").status_code == 200
    assert TOTPDevice.objects.count() == before


def test_a_wrong_pairing_code_keeps_nothing_and_the_right_one_still_works(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.link_worker, verified=False)
    before = TOTPDevice.objects.count()
    secret = secret_on(client.get("/accounts/two-factor/").text)
    for code in ("000000", "12345x"):
        wrong = client.post("/accounts/two-factor/", {"code": code})
        assert wrong.status_code == 200
        assert "The code is not right" in wrong.text
        # The same key again, to check the app against.
        assert secret_on(wrong.text) == secret
    assert TOTPDevice.objects.count() == before
    assert not StaticToken.objects.filter(device__user=personas.link_worker).exists()
    assert not AuditEntry.objects.filter(action="auth.two_factor_set_up").exists()
    assert client.get("/staff/")["Location"].startswith("/accounts/two-factor/")

    client.post("/accounts/two-factor/", {"code": code_for_secret(secret)})
    assert TOTPDevice.objects.get(user=personas.link_worker).confirmed
    assert client.get("/staff/").status_code == 200


def test_pairing_clears_a_half_paired_device_left_by_the_old_page(
    client: Client, personas: Personas
) -> None:
    # Before pairing kept its key in the session, opening the page saved a device.
    TOTPDevice.objects.create(user=personas.link_worker, name="Old", confirmed=False)
    sign_in(client, personas.link_worker, verified=False)
    secret = secret_on(client.get("/accounts/two-factor/").text)
    client.post("/accounts/two-factor/", {"code": code_for_secret(secret)})
    assert list(
        TOTPDevice.objects.filter(user=personas.link_worker).values_list("confirmed", flat=True)
    ) == [True]


def test_a_recovery_code_works_once(client: Client, personas: Personas) -> None:
    sign_in(client, personas.coordinator, verified=False)
    secret = secret_on(client.get("/accounts/two-factor/").text)
    done = client.post("/accounts/two-factor/", {"code": code_for_secret(secret)})
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
