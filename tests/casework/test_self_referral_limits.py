"""The public self-referral form: throttled per address and per area, and a person who
sends it twice is flagged as a likely duplicate for triage."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse

from inspiring.casework.models import Client
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db

URL = reverse("casework:self_referral", args=["ashfield"])


def _form(first: str = "Sam", last: str = "Hill", **more: Any) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": last,
        "postcode": "NG17 7AE",
        "email": f"{first.lower()}@example.org",
        "preferred_contact": "email",
        "reasons": ["loneliness"],
        "consent_to_hold": "on",
        "consent_to_contact": "on",
        **more,
    }


def test_one_address_is_throttled_and_what_was_typed_is_kept(
    client: Browser, casework: Casework, settings: Any
) -> None:
    settings.SELF_REFERRALS_PER_ADDRESS_HOURLY = 3
    for name in ("Ann", "Bea", "Cal"):
        assert client.post(URL, _form(name), REMOTE_ADDR="203.0.113.7").status_code == 302
    response = client.post(
        URL, _form("Dee", reason_detail="I moved here in May"), REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "Several referrals have been sent from here in the last hour" in page
    # Nothing typed is lost: the form comes back filled in.
    assert 'value="Dee"' in page and "I moved here in May" in page
    assert not Client.objects.filter(first_name="Dee").exists()
    # Someone else, from another address, is not held up.
    assert client.post(URL, _form("Eve"), REMOTE_ADDR="198.51.100.20").status_code == 302
    # The address itself is not kept anywhere in the cache.
    keys = list(cache._cache.keys())  # type: ignore[attr-defined]
    assert keys and not any("203.0.113.7" in str(key) for key in keys)


def test_an_ipv6_sender_counts_as_one_across_their_64(
    client: Browser, casework: Casework, settings: Any
) -> None:
    # A /64 is one household or one device: rotating addresses inside it does not help.
    settings.SELF_REFERRALS_PER_ADDRESS_HOURLY = 2
    for n, name in enumerate(("Ann", "Bea")):
        response = client.post(URL, _form(name), REMOTE_ADDR=f"2001:db8:1:2::{n + 1}")
        assert response.status_code == 302
    assert client.post(URL, _form("Cal"), REMOTE_ADDR="2001:db8:1:2::99").status_code == 429
    assert client.post(URL, _form("Dee"), REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


def test_an_area_is_throttled_whoever_sends(
    client: Browser, casework: Casework, settings: Any
) -> None:
    settings.SELF_REFERRALS_PER_ADDRESS_HOURLY = 10
    settings.SELF_REFERRALS_PER_AREA_HOURLY = 2
    for number, name in enumerate(("Ann", "Bea")):
        response = client.post(URL, _form(name), REMOTE_ADDR=f"198.51.100.{number + 1}")
        assert response.status_code == 302
    assert client.post(URL, _form("Cal"), REMOTE_ADDR="198.51.100.9").status_code == 429
    # Another area's form is not affected.
    other = reverse("casework:self_referral", args=["mansfield"])
    assert (
        client.post(
            other, _form("Dee", postcode="NG18 1AA"), REMOTE_ADDR="198.51.100.9"
        ).status_code
        == 302
    )


def test_the_same_person_sending_twice_is_flagged_in_triage(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    by_phone = {"email": "", "preferred_contact": "phone"}
    client.post(URL, _form("Sam", "Hill", phone="07700 900123", **by_phone))
    # The same number typed another way is the same number: phones are stored one way.
    client.post(URL, _form("sam", "HILL", phone="+44 (0)7700900123", **by_phone))
    first, second = Client.objects.filter(last_name__iexact="hill").order_by("pk")
    assert first.possible_duplicate_of is None and second.possible_duplicate_of == first
    # Same name, nothing else in common: a different person, not flagged.
    client.post(URL, _form("Sam", "Hill", postcode="NG18 1AA", email="other@example.org"))
    third = Client.objects.filter(last_name__iexact="hill").order_by("pk").last()
    assert third is not None and third.possible_duplicate_of is None
    sign_in(client, personas.link_worker, area=personas.ashfield)
    triage = client.get(reverse("casework:triage")).content.decode()
    assert triage.count("Possible duplicate") == 1
