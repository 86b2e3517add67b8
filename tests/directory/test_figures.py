"""directory.figures: the calendar's supply for monitoring, counted by hand.

Sessions are made one by one (no schedules, no materialising) so every count below can
be checked against the list that makes it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from inspiring.directory import figures
from inspiring.directory.models import Activity, Category, Organisation, Session
from inspiring.directory.recurrence import LONDON
from lib.tallies import Period
from tests.personas import Personas

from .builders import activity, organisation

pytestmark = pytest.mark.django_db

# Spring 2026 and a little either side: Friday 16 January to Friday 10 April.
PERIOD = Period(date(2026, 1, 16), date(2026, 4, 10))


def session(
    item: Activity,
    day: date,
    at: time = time(10),
    *,
    all_day: bool = False,
    status: str = Session.Status.SCHEDULED,
) -> Session:
    start = datetime.combine(day, time(0) if all_day else at, tzinfo=LONDON)
    end = start + (timedelta(hours=23, minutes=59) if all_day else timedelta(hours=1))
    made = Session(activity=item, occurrence_date=day, status=status, all_day=all_day)
    made.set_times(start, end)
    made.save()
    return made


@pytest.fixture
def knit(personas: Personas) -> Organisation:
    return organisation(personas.ashfield, "Kirkby Knit and Natter")


@pytest.fixture
def knitting(knit: Organisation) -> Activity:
    # Two categories: each of its sessions counts under both.
    return activity(knit, "Knit and Natter", at=None, categories=("arts-and-crafts", "music"))


def ashfield(personas: Personas) -> list[int]:
    return [personas.ashfield.pk]


def test_the_periods_first_and_last_days_count_and_the_days_beside_them_do_not(
    personas: Personas, knitting: Activity
) -> None:
    for day in (date(2026, 1, 15), date(2026, 1, 16), date(2026, 4, 10), date(2026, 4, 11)):
        session(knitting, day)
    by_month = figures.sessions_by_month(ashfield(personas), PERIOD)
    assert by_month.total == 2
    assert by_month.counts == {"2026-01": 1, "2026-02": 0, "2026-03": 0, "2026-04": 1}


def test_months_run_in_order_with_empty_ones_and_across_a_new_year(
    personas: Personas, knitting: Activity
) -> None:
    session(knitting, date(2026, 2, 3))
    for _ in range(2):
        session(knitting, date(2025, 11, 30))
    winter = figures.sessions_by_month(
        ashfield(personas), Period(date(2025, 11, 1), date(2026, 2, 28))
    )
    assert list(winter.counts.items()) == [
        ("2025-11", 2),
        ("2025-12", 0),
        ("2026-01", 0),
        ("2026-02", 1),
    ]
    assert winter.labels["2025-12"] == "December 2025"
    assert winter.exclusive and winter.total == 3
    # A period within one month has that month alone.
    assert list(
        figures.sessions_by_month(
            ashfield(personas), Period(date(2026, 2, 3), date(2026, 2, 3))
        ).counts.items()
    ) == [("2026-02", 1)]


def test_a_session_counts_on_its_london_date(personas: Personas, knitting: Activity) -> None:
    # 00:30 on 1 April in London (summer time) is 23:30 on 31 March in UTC: April's.
    session(knitting, date(2026, 4, 1), time(0, 30))
    by_month = figures.sessions_by_month(ashfield(personas), PERIOD)
    assert by_month.counts["2026-03"] == 0 and by_month.counts["2026-04"] == 1
    assert figures.sessions_by_weekday(ashfield(personas), PERIOD).counts["2"] == 1  # Wednesday


def test_cancelled_sessions_are_left_out(personas: Personas, knitting: Activity) -> None:
    session(knitting, date(2026, 2, 3))
    session(knitting, date(2026, 2, 10), status=Session.Status.CANCELLED)
    area = ashfield(personas)
    assert figures.sessions_by_month(area, PERIOD).total == 1
    assert figures.sessions_by_weekday(area, PERIOD).total == 1
    assert figures.sessions_by_time_of_day(area, PERIOD).total == 1
    assert figures.sessions_by_category(area, PERIOD).total == 1


def test_only_the_areas_own_published_activities_count(
    personas: Personas, knit: Organisation, knitting: Activity
) -> None:
    session(knitting, date(2026, 2, 3))
    for status in (
        Activity.Status.PENDING,
        Activity.Status.RETURNED,
        Activity.Status.WITHDRAWN,
    ):
        other = activity(knit, f"Quiz ({status})", at=None, status=status)
        session(other, date(2026, 2, 3))
    # A partner's proposed change to the listing is not a listing of its own.
    revision = activity(knit, "Knit and Natter", at=None, revision_of=knitting)
    session(revision, date(2026, 2, 3))
    # Mansfield's walk: Mansfield shares with Ashfield, but it is Mansfield's supply.
    walkers = organisation(personas.mansfield, "Mansfield Walkers")
    walk = activity(walkers, "Saturday Health Walk", at=None, categories=("walking",))
    session(walk, date(2026, 2, 7))
    assert figures.sessions_by_month(ashfield(personas), PERIOD).total == 1
    assert figures.sessions_by_month([personas.mansfield.pk], PERIOD).total == 1
    both = [personas.ashfield.pk, personas.mansfield.pk]
    assert figures.sessions_by_weekday(both, PERIOD).counts == {
        "0": 0,
        "1": 1,
        "2": 0,
        "3": 0,
        "4": 0,
        "5": 1,
        "6": 0,
    }


def test_a_session_of_an_activity_in_two_categories_counts_under_each(
    personas: Personas, knit: Organisation, knitting: Activity
) -> None:
    session(knitting, date(2026, 2, 3))
    session(knitting, date(2026, 2, 10))
    walk = activity(knit, "Kirkby Walk", at=None, categories=("walking",))
    session(walk, date(2026, 2, 4))
    # An activity in no category is still a session.
    loose = activity(knit, "Drop-in", at=None, categories=())
    session(loose, date(2026, 2, 5))
    tally = figures.sessions_by_category(ashfield(personas), PERIOD)
    assert not tally.exclusive
    assert tally.total == 4  # each session once
    assert tally.get("arts-and-crafts") == 2
    assert tally.get("music") == 2
    assert tally.get("walking") == 1
    assert tally.get("faith") == 0
    # Every category, in the directory's order, with its name.
    ordered = list(Category.objects.order_by("order", "name").values_list("slug", "name"))
    assert list(tally.labels.items()) == ordered
    assert list(tally.counts) == [slug for slug, _ in ordered]


def test_weekdays_are_coded_from_nought_for_monday(personas: Personas, knitting: Activity) -> None:
    # Monday 2 February to Sunday 8 February, and a second Sunday.
    for offset in range(7):
        session(knitting, date(2026, 2, 2) + timedelta(days=offset))
    session(knitting, date(2026, 2, 15))
    tally = figures.sessions_by_weekday(ashfield(personas), PERIOD)
    assert list(tally.counts.items()) == [
        ("0", 1),
        ("1", 1),
        ("2", 1),
        ("3", 1),
        ("4", 1),
        ("5", 1),
        ("6", 2),
    ]
    assert tally.labels["0"] == "Monday" and tally.labels["6"] == "Sunday"
    assert tally.exclusive and tally.total == 8


def test_times_of_day_split_at_noon_and_five_and_all_day_sessions_apart(
    personas: Personas, knitting: Activity
) -> None:
    day = date(2026, 2, 3)
    for at in (time(0), time(11, 59), time(12), time(16, 59), time(17), time(23, 30)):
        session(knitting, day, at)
    # All day: its start is midnight, but it is not a morning session.
    session(knitting, day, all_day=True)
    session(knitting, day + timedelta(days=1), all_day=True)
    tally = figures.sessions_by_time_of_day(ashfield(personas), PERIOD)
    assert list(tally.counts.items()) == [
        ("morning", 2),
        ("afternoon", 2),
        ("evening", 2),
        ("all_day", 2),
    ]
    assert tally.labels == dict(figures.TIMES_OF_DAY)
    assert tally.exclusive and tally.total == 8


def test_nothing_on_is_every_group_at_nought(personas: Personas, knitting: Activity) -> None:
    area = [personas.newark.pk]
    assert figures.sessions_by_month(area, PERIOD).counts == {
        "2026-01": 0,
        "2026-02": 0,
        "2026-03": 0,
        "2026-04": 0,
    }
    assert set(figures.sessions_by_weekday(area, PERIOD).counts.values()) == {0}
    assert figures.sessions_by_time_of_day(area, PERIOD).total == 0
    assert figures.sessions_by_category(area, PERIOD).total == 0


def test_each_figure_is_a_fixed_few_queries(
    personas: Personas, knitting: Activity, django_assert_num_queries: Any
) -> None:
    for offset in range(20):
        session(knitting, date(2026, 1, 20) + timedelta(days=offset * 3))
    area = ashfield(personas)
    with django_assert_num_queries(3):  # the sessions by category, their count, the labels
        figures.sessions_by_category(area, PERIOD)
    with django_assert_num_queries(1):
        figures.sessions_by_month(area, PERIOD)
    with django_assert_num_queries(1):
        figures.sessions_by_weekday(area, PERIOD)
    with django_assert_num_queries(1):
        figures.sessions_by_time_of_day(area, PERIOD)


def test_an_organisations_activities_by_title(
    personas: Personas, knit: Organisation, knitting: Activity
) -> None:
    withdrawn = activity(knit, "Art Club", at=None, status=Activity.Status.WITHDRAWN)
    activity(knit, "Knit and Natter", at=None, revision_of=knitting)  # a proposed change
    other = organisation(personas.ashfield, "Someone Else")
    activity(other, "Bowls", at=None)
    assert figures.organisation_activities(knit.pk) == [
        (withdrawn.pk, "Art Club"),
        (knitting.pk, "Knit and Natter"),
    ]
