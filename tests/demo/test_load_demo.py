"""The demo data: one sign-in per role, loaded twice without change, only on a demo site."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inspiring.accounts.models import Membership, User
from inspiring.areas.models import Area
from inspiring.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_data_is_refused_outside_a_demo_site() -> None:
    with pytest.raises(CommandError, match="only loaded on a demo site"):
        load()
    assert not User.objects.exists()


def test_demo_data_has_the_three_areas_and_a_sign_in_per_role(settings: object) -> None:
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    output = load()
    assert {a.local_authority_code for a in Area.objects.all()} == {
        "E07000170",
        "E07000174",
        "E07000175",
    }
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"coordinator", "link_worker", "partner_lead", "researcher", "commissioner"}
    assert User.objects.get(email="admin@example.org").is_superuser
    for account in DEMO_ACCOUNTS:
        assert account.email in output
        assert User.objects.get(email=account.email).check_password(DEMO_PASSWORD)
    mansfield = Area.objects.get(slug="mansfield")
    assert set(mansfield.shares_with.values_list("slug", flat=True)) == {
        "ashfield",
        "newark-and-sherwood",
    }


def test_loading_twice_changes_nothing(settings: object) -> None:
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    load()
    snapshot = (
        list(Area.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
    )
    output = load()
    assert "(all already there)" in output
    assert snapshot == (
        list(Area.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
    )
