"""On a demo site the shared demo accounts stay usable for the next visitor."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from inspiring.accounts.models import User
from inspiring.demo.data import DEMO_PASSWORD
from inspiring.demo.loading import load_demo
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Any) -> None:
    settings.DEMO_MODE = True
    settings.TWO_FACTOR_REQUIRED = False
    load_demo(directory=False)


def demo_user(email: str) -> User:
    return User.objects.get(email=email)


@pytest.mark.parametrize(
    "path", ["/accounts/password/", "/accounts/two-factor/", "/accounts/two-factor/recovery-codes/"]
)
def test_a_demo_account_cannot_change_its_password_or_sign_in_security(
    client: Client, demo: None, path: str
) -> None:
    sign_in(client, demo_user("coordinator.ashfield@example.org"))
    response = client.post(
        path, {"old_password": DEMO_PASSWORD, "new_password1": "x" * 20, "new_password2": "x" * 20}
    )
    assert response.status_code == 403
    assert "Demo accounts cannot change this" in response.text
    assert demo_user("coordinator.ashfield@example.org").check_password(DEMO_PASSWORD)


def test_the_demo_administrator_can_look_but_not_change(client: Client, demo: None) -> None:
    admin = demo_user("admin@example.org")
    sign_in(client, admin)
    assert client.get("/admin/accounts/user/").status_code == 200
    target = demo_user("linkworker.ashfield@example.org")
    response = client.post(f"/admin/accounts/user/{target.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=target.pk).exists()


def test_demo_accounts_are_never_locked_out(client: Client, demo: None) -> None:
    email = "linkworker.ashfield@example.org"
    for _ in range(8):
        client.post("/accounts/sign-in/", {"username": email, "password": "wrong"})
    response = client.post("/accounts/sign-in/", {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_outside_a_demo_site_the_same_accounts_are_ordinary(client: Client, settings: Any) -> None:
    settings.DEMO_MODE = True
    load_demo(directory=False)
    settings.DEMO_MODE = False
    user = demo_user("partner.ashfield@example.org")
    sign_in(client, user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "a new long passphrase",
            "new_password2": "a new long passphrase",
        },
    )
    assert response.status_code == 302
