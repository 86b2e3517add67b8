"""Programme planning: coverage by category, month, day, time and place, with the gaps."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from inspiring.directory.models import Session
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory
from .conftest import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def test_the_coordinator_sees_coverage_and_gaps(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    response = client.get("/staff/planning/")
    assert response.status_code == 200
    context = response.context
    rows = dict(context["category_rows"])
    # Ashfield's knitting (arts and crafts) and Mansfield's shared walk, every month ahead.
    assert all(n > 0 for n in rows["Arts and crafts"][:11])
    assert all(n == 0 for n in rows["Music"])  # a gap: nothing musical
    days = dict(context["day_rows"])
    assert days["Tuesday"][0] > 0 and days["Saturday"][0] > 0
    assert days["Wednesday"] == [0, 0, 0]
    assert context["gaps"] > 100
    assert "app-gap" in response.text
    assert "<svg" in response.text and "Sessions by place" in response.text


def test_partner_leads_cannot_see_planning(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    assert client.get("/staff/planning/").status_code == 403


def test_the_planning_totals_count_each_session_once(
    client: Client, personas: Personas, directory: Directory, frozen_today: None
) -> None:
    # Knitting has two categories: its sessions must not count twice in the monthly totals.
    sign_in(client, personas.coordinator)
    context = client.get("/staff/planning/").context
    march = context["month_chart"][0]
    expected = Session.objects.filter(
        activity__in=(directory.knitting, directory.walk),  # what Ashfield sees
        local_date__gte=TODAY,
        local_date__lt=date(2026, 4, 1),
        status="scheduled",
    ).count()
    assert march["n"] == expected
