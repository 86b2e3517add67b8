"""Fixtures shared by the whole suite: personas, signing in, geography."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.accounts.access import SESSION_AREA_KEY
from inspiring.accounts.models import User
from inspiring.areas.models import Area

from . import geography
from .personas import Personas, build_personas

pytest_plugins = ["tests.dbonce", "tests.logscan", "tests.matchindex"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing is deliberately slow; tests check behaviour, not the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Throttles and cached pages count per test, not across the run.
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Load the geography the project ships into the test database, once per run (its
    rows kept, for tests that need it after a flush: tests/geography.py), and start
    counting writes to the tables matching's index is checked against
    (tests/matchindex.py)."""
    with django_db_blocker.unblock():
        call_command("load_geography", verbosity=0, stdout=_Null())
        geography.capture()
        from .matchindex import watch_tables  # here: pytest_plugins loads it first

        watch_tables()
    yield


class _Null:
    def write(self, *args: Any) -> None:
        return None

    def flush(self) -> None:
        return None


@pytest.fixture
def personas(db: None) -> Personas:
    return build_personas()


def sign_in(
    client: Client, user: User, *, area: Area | None = None, verified: bool = True
) -> Client:
    """Sign `user` in, with two-factor sign-in completed unless verified=False."""
    client.force_login(user)
    session = client.session
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Test app", defaults={"confirmed": True}
        )
        # What django_otp.login() stores: the session is verified with this device.
        session["otp_device_id"] = device.persistent_id
    if area is not None:
        session[SESSION_AREA_KEY] = area.pk
    session.save()
    return client


@pytest.fixture
def signed_in(client: Client) -> Any:
    def _sign_in(user: User, **kwargs: Any) -> Client:
        return sign_in(client, user, **kwargs)

    return _sign_in
