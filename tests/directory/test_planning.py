"""Programme planning: coverage by category, month, day, time and place, with the gaps."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.test import Client

from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Category, Session
from inspiring.directory.planning import supply
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, activity, weekly
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


# --- One definition of supply and of a gap (directory.planning), worked out by hand ----------


def quiz_night(directory: Directory) -> Activity:
    """Ashfield's Tuesday-evening quiz, weekly from TODAY, beside the fixture's Tuesday-morning
    knitting (Ashfield) and Saturday-morning walk (Mansfield, shared with Ashfield)."""
    quiz = activity(directory.knit, "Quiz Night", at=directory.hall)
    weekly(quiz, "TU", time(19), time(21), from_date=TODAY)
    materialise_all(today=TODAY)
    return quiz


def test_supply_and_gaps_of_a_small_calendar_match_the_hand_count(
    personas: Personas, directory: Directory
) -> None:
    quiz_night(directory)
    # One knitting session cancelled: not going ahead, so not supply.
    Session.objects.filter(activity=directory.knitting, local_date=date(2026, 3, 10)).update(
        status=Session.Status.CANCELLED
    )
    offered = supply(personas.ashfield)
    # The window: 1 March 2026 to 1 March 2027, 365 days.
    assert (offered.start, offered.end) == (date(2026, 3, 1), date(2027, 3, 1))
    # Tuesdays 3 March 2026 to 23 February 2027 are 52; Saturdays 7 March to 27 February, 52.
    assert offered.slot(1, "morning") == 51  # knitting, less the cancelled one
    assert offered.slot(1, "evening") == 52  # the quiz
    assert offered.slot(5, "morning") == 52  # Mansfield's shared walk
    assert offered.slot(3, "evening") == 0  # Newark's choir: Newark does not share with Ashfield
    assert sum(offered.by_slot.values()) == 155
    assert offered.per_week(52) == 1.0  # 52 / (365 / 7) = 0.997
    assert offered.per_week(51) == 1.0
    # March: knitting 3, 17, 24, 31 (4), quiz 3, 10, 17, 24, 31 (5), walk 7, 14, 21, 28 (4).
    assert offered.by_month[date(2026, 3, 1)] == 13
    assert offered.by_category_month["social-and-friendship"][date(2026, 3, 1)] == 9
    assert offered.by_category_month["arts-and-crafts"][date(2026, 3, 1)] == 4
    # Gaps: 21 day-and-time slots less the 3 with sessions; five whole days with nothing on.
    assert len(offered.day_time_gaps) == 18
    assert offered.empty_days == ["Monday", "Wednesday", "Thursday", "Friday", "Sunday"]
    # Three categories on every month; every other category is a gap every month.
    categories = Category.objects.count()
    assert offered.category_month_gaps == 12 * (categories - 3)
    # Activities with sessions going ahead: knitting, quiz, walk.
    assert offered.activities_by_category["social-and-friendship"] == 2
    assert len(offered.activity_ids) == 3


def test_the_planning_page_shows_the_same_supply_and_names_the_empty_days(
    client: Client, personas: Personas, directory: Directory
) -> None:
    quiz_night(directory)
    sign_in(client, personas.coordinator)
    response = client.get("/staff/planning/")
    days = dict(response.context["day_rows"])
    assert days["Tuesday"] == [52, 0, 52] and days["Sunday"] == [0, 0, 0]
    assert "18 of 21 day and time-of-day slots with nothing on" in response.text
    assert "nothing at all on Monday, Wednesday, Thursday, Friday, Sunday" in response.text
    assert "(1.0 a week)" in response.text
