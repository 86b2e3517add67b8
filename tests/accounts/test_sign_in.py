"""Signing in and out: email login, clear errors, lockout after repeated failures, audit."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from inspiring.accounts.models import AuditEntry, User
from tests.personas import Personas

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def priya(personas: Personas) -> User:
    # A partner lead with a password and no authenticator app yet.
    personas.partner_lead.set_password(PASSWORD)
    personas.partner_lead.save()
    return personas.partner_lead


def post_sign_in(client: Client, email: str, password: str, **extra: str) -> Any:
    return client.post("/accounts/sign-in/", {"username": email, "password": password, **extra})


def test_the_sign_in_page_is_public(client: Client) -> None:
    response = client.get("/accounts/sign-in/")
    assert response.status_code == 200
    assert '<label class="nhsuk-label" for="id_username">Email address</label>' in response.text
    assert 'autocomplete="current-password"' in response.text


def test_signing_in_with_email_and_password_goes_on_to_two_factor_sign_in(
    client: Client, priya: User
) -> None:
    response = post_sign_in(client, "PRIYA@Ashfield.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    # Partner leads see clients' first names and notes: an app is required too.
    home = client.get("/staff/")
    assert home["Location"] == "/accounts/two-factor/?next=%2Fstaff%2F"
    assert "_auth_user_id" in client.session
    entry = AuditEntry.objects.get(action="auth.signed_in")
    assert entry.actor == priya
    assert entry.ip_address == "127.0.0.1"


def test_a_wrong_password_says_what_to_do_and_is_audited(client: Client, priya: User) -> None:
    response = post_sign_in(client, priya.email, "wrong password")
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "The email address or password is not right" in response.text
    failed = AuditEntry.objects.get(action="auth.sign_in_failed")
    assert failed.detail == {"email": priya.email}
    assert failed.actor is None
    assert "wrong password" not in str(failed.detail)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", PASSWORD, "Enter your email address"),
        ("priya@ashfield.test", "", "Enter your password"),
        ("not-an-email", PASSWORD, "Enter an email address in the correct format"),
    ],
)
def test_missing_or_malformed_fields_get_field_errors(
    client: Client, priya: User, email: str, password: str, message: str
) -> None:
    response = post_sign_in(client, email, password)
    assert response.status_code == 200
    assert message in response.text
    assert "nhsuk-form-group--error" in response.text


def test_repeated_failures_lock_the_account_even_with_the_right_password(
    client: Client, priya: User, settings: object
) -> None:
    for _ in range(5):
        post_sign_in(client, priya.email, "wrong")
    response = post_sign_in(client, priya.email, PASSWORD)
    assert response.status_code == 429
    assert "Your account is locked for now" in response.text
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.locked_out").exists()
    # From another address too: the lock is on the account.
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert post_sign_in(other, priya.email, PASSWORD).status_code == 429


def test_the_lock_lifts_after_the_cool_off(client: Client, priya: User) -> None:
    for _ in range(5):
        post_sign_in(client, priya.email, "wrong")
    assert post_sign_in(client, priya.email, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = post_sign_in(client, priya.email, PASSWORD)
    assert response.status_code == 302


def test_failures_on_one_account_do_not_lock_another(client: Client, personas: Personas) -> None:
    for user in (personas.partner_lead, personas.commissioner):
        user.set_password(PASSWORD)
        user.save()
    for _ in range(5):
        post_sign_in(client, personas.partner_lead.email, "wrong")
    assert post_sign_in(client, personas.commissioner.email, PASSWORD).status_code == 302


def test_a_switched_off_account_cannot_sign_in(client: Client, priya: User) -> None:
    priya.is_active = False
    priya.save()
    response = post_sign_in(client, priya.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_next_is_followed_only_within_the_site(client: Client, priya: User) -> None:
    response = post_sign_in(client, priya.email, PASSWORD, next="https://evil.example/")
    assert response["Location"] == "/staff/"
    client.logout()
    response = post_sign_in(client, priya.email, PASSWORD, next="/staff/account/")
    assert response["Location"] == "/staff/account/"


def test_signing_out_needs_a_post_and_is_audited(client: Client, priya: User) -> None:
    client.force_login(priya)
    assert client.get("/accounts/sign-out/").status_code == 405
    response = client.post("/accounts/sign-out/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert AuditEntry.objects.filter(action="auth.signed_out", actor=priya).exists()
    assert client.get("/staff/").status_code == 302


def test_the_demo_sign_ins_are_listed_only_on_a_demo_site(client: Client, settings: object) -> None:
    assert "Demo sign-ins" not in client.get("/accounts/sign-in/").text
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    html = client.get("/accounts/sign-in/").text
    assert "Demo sign-ins" in html
    assert "coordinator.ashfield@example.org" in html


def test_a_password_reset_email_is_sent_without_saying_whether_the_account_exists(
    client: Client, priya: User, mailoutbox: list
) -> None:
    for email in (priya.email, "nobody@nowhere.test"):
        response = client.post("/accounts/password-reset/", {"email": email})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [priya.email]
    assert "/accounts/password-reset/" in mailoutbox[0].body


def test_a_password_reset_link_is_built_from_site_url_not_the_host_asked_for(
    client: Client, priya: User, mailoutbox: list, settings: Any
) -> None:
    # Whoever asks for a reset chooses the Host header; a link to their own site
    # would hand them the token when the victim clicks it.
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    settings.SITE_URL = "https://inspiring.example.org"
    response = client.post(
        "/accounts/password-reset/", {"email": priya.email}, HTTP_HOST="evil.example"
    )
    assert response.status_code == 302
    (message,) = mailoutbox
    links = re.findall(r"\S+/accounts/password-reset/\S+", message.body)
    assert len(links) == 1
    assert links[0].startswith("https://inspiring.example.org/accounts/password-reset/")
    assert "evil.example" not in message.body + message.subject
    # The link works.
    path = links[0].removeprefix("https://inspiring.example.org")
    assert 'name="new_password1"' in client.get(path, follow=True).text


def test_changing_the_case_of_the_email_does_not_get_more_guesses(
    client: Client, priya: User
) -> None:
    for email in ("priya@ashfield.test", "PRIYA@ashfield.test", "Priya@Ashfield.Test"):
        post_sign_in(client, email, "wrong")
        post_sign_in(client, email.swapcase(), "wrong")
    assert post_sign_in(client, priya.email, PASSWORD).status_code == 429
