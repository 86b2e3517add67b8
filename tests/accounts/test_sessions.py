"""Sessions: an absolute lifetime besides the idle timeout, and flashed messages kept in
the session rather than in a cookie."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from inspiring.accounts.middleware import SESSION_STARTED_KEY
from inspiring.accounts.models import AuditEntry
from tests.casework.conftest import make_client
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

HOUR = 3600


def started(client: Client, seconds_ago: int | None) -> None:
    """Pretend the signed-in session began `seconds_ago` (None: before this was recorded)."""
    session = client.session
    if seconds_ago is None:
        session.pop(SESSION_STARTED_KEY, None)
    else:
        session[SESSION_STARTED_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_signing_in_records_when(client: Client, personas: Personas) -> None:
    before = int(time.time())
    sign_in(client, personas.link_worker)
    assert before <= client.session[SESSION_STARTED_KEY] <= time.time()


def test_a_session_ends_12_hours_after_signing_in_however_busy(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.link_worker)
    started(client, 11 * HOUR)
    assert client.get("/staff/").status_code == 200

    started(client, 12 * HOUR + 60)
    response = client.get("/staff/account/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/staff/account/"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "You were signed out after 12 hours. Sign in again." in page.text
    assert AuditEntry.objects.filter(action="auth.signed_out", actor=personas.link_worker).exists()
    # Signed out for good: the next page asks for a sign-in too.
    assert client.get("/staff/")["Location"].startswith("/accounts/sign-in/")


def test_the_absolute_lifetime_is_a_setting(
    client: Client, personas: Personas, settings: Any
) -> None:
    settings.SESSION_ABSOLUTE_AGE = 1 * HOUR
    sign_in(client, personas.link_worker)
    started(client, HOUR + 60)
    response = client.get("/staff/", follow=True)
    assert "You were signed out after 1 hour. Sign in again." in response.text


def test_a_session_from_before_the_limit_existed_starts_counting_now(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.link_worker)
    started(client, None)
    assert client.get("/staff/").status_code == 200
    assert time.time() - client.session[SESSION_STARTED_KEY] < 60


def test_a_clients_name_in_a_message_never_travels_in_a_cookie(
    client: Client, personas: Personas
) -> None:
    dylan = make_client(personas.ashfield, "Dylan", "Allsop")
    sign_in(client, personas.link_worker, area=personas.ashfield)
    response = client.post(reverse("casework:take", args=[dylan.public_id]))
    assert response.status_code == 302
    assert "messages" not in response.cookies
    for cookie in response.cookies.values():
        assert "Dylan" not in cookie.OutputString()
        assert "Allsop" not in cookie.OutputString()
    # The message is still shown, on the next page.
    page = client.get(response["Location"])
    assert "Dylan Allsop is now on your caseload." in page.text
    assert "messages" not in page.cookies
