"""The casework list pages cost the same number of queries for a few rows or many: no
query per row (N+1) as a caseload grows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection as db
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspiring.accounts.models import User
from inspiring.casework.models import SafeguardingConcern, SafeguardingLead
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client
from .test_partner import connect, online, session_of

pytestmark = pytest.mark.django_db


def _queries(browser: Browser, url: str) -> int:
    with CaptureQueriesContext(db) as queries:
        response = browser.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _same_for_few_and_many(
    browser: Browser, url: str, add: Callable[[int], object], *, few: int = 2, many: int = 10
) -> None:
    for n in range(few):
        add(n)
    before = _queries(browser, url)
    for n in range(few, many):
        add(n)
    assert _queries(browser, url) == before, url


def test_partner_connections_and_sessions(personas: Personas, casework: Casework) -> None:
    partner = sign_in(Browser(), personas.partner_lead, area=personas.ashfield)
    yesterday = session_of(casework.walk, -1)

    def add(n: int) -> None:
        person = make_client(personas.ashfield, f"Person{n}", "Test", worker=personas.link_worker)
        connect(person, casework.walk, first=yesterday)

    _same_for_few_and_many(partner, reverse("casework:partner_connections"), add)
    for url in (reverse("casework:partner_sessions"), reverse("casework:safeguarding_partner")):
        before = _queries(partner, url)
        add(100)
        add(101)
        assert _queries(partner, url) == before, url


def test_partner_sessions_with_online_bookings(personas: Personas, casework: Casework) -> None:
    """More sessions, each with people expected and bookings, cost no more queries."""
    partner = sign_in(Browser(), personas.partner_lead, area=personas.ashfield)
    url = reverse("casework:partner_sessions")

    def add(n: int) -> None:
        upcoming = session_of(casework.walk, 1 + n % 12, hour=8 + n // 12)
        online(upcoming, f"Resident{n}")
        person = make_client(personas.ashfield, f"Person{n}", "Test", worker=personas.link_worker)
        connect(
            person, casework.walk, first=session_of(casework.walk, -1 - n % 12, hour=8 + n // 12)
        )

    _same_for_few_and_many(partner, url, add)
    page = partner.get(url).content.decode()
    assert page.count("1 place booked") == 10 and page.count("1 expected") == 10


def test_safeguarding_lists(personas: Personas, casework: Casework) -> None:
    SafeguardingLead.objects.create(area=personas.ashfield, user=personas.link_worker)
    lead = sign_in(Browser(), personas.link_worker, area=personas.ashfield)

    def add(n: int) -> None:
        person = make_client(personas.ashfield, f"Person{n}", "Test", worker=personas.link_worker)
        SafeguardingConcern.objects.create(
            client=person, concern=f"Concern {n}", raised_by=personas.coordinator
        )

    _same_for_few_and_many(lead, reverse("casework:safeguarding"), add)


def test_handover_pages(personas: Personas, casework: Casework) -> None:
    coordinator = sign_in(Browser(), personas.coordinator, area=personas.ashfield)
    leaver: User = personas.link_worker

    def add(n: int) -> None:
        make_client(personas.ashfield, f"Person{n}", "Test", worker=leaver)

    _same_for_few_and_many(coordinator, reverse("casework:handover"), add)
    _same_for_few_and_many(
        coordinator,
        reverse("casework:handover_from", args=[leaver.public_id]),
        lambda n: add(n + 100),
    )
    _same_for_few_and_many(
        coordinator,
        reverse("casework:triage"),
        lambda n: make_client(personas.ashfield, f"New{n}", "Referral"),
    )
