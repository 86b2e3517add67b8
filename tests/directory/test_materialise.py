"""Sessions follow schedules 13 months ahead, keep hand edits, and scale with schedules."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar
from recurring_ical_events import of as ical_occurrences

from inspiring.directory.actions import do_delete_schedule
from inspiring.directory.ical import activity_calendar
from inspiring.directory.materialise import materialise_activity, materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.directory.recurrence import bank_holidays

from .builders import Directory, weekly
from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_thirteen_months_of_weekly_sessions(directory: Directory) -> None:
    sessions = Session.objects.filter(activity=directory.knitting)
    dates = list(sessions.values_list("local_date", flat=True))
    assert dates[0] == date(2026, 3, 3)
    assert dates[-1] <= date(2027, 4, 2)
    assert len(dates) == 57  # every Tuesday from 3 March 2026 to 30 March 2027
    assert all(d.weekday() == 1 for d in dates)
    first = sessions.first()
    assert first is not None
    assert timezone.localtime(first.start).hour == 10
    assert first.start_minute == 600 and first.weekday == 1


def test_running_again_changes_nothing(directory: Directory) -> None:
    before = list(Session.objects.order_by("pk").values_list("pk", "start", "end"))
    report = materialise_all(today=TODAY)
    assert (report.created, report.updated, report.deleted) == (0, 0, 0)
    assert list(Session.objects.order_by("pk").values_list("pk", "start", "end")) == before


def test_rolling_forward_adds_the_new_days_and_leaves_history(directory: Directory) -> None:
    report = materialise_all(today=TODAY + timedelta(days=7))
    assert report.created == 3  # one more week for each of the three weekly activities
    assert report.deleted == 0
    assert Session.objects.filter(local_date__lt=TODAY + timedelta(days=7)).exists()


def test_a_changed_time_moves_the_sessions_but_keeps_a_cancellation(directory: Directory) -> None:
    session = Session.objects.filter(activity=directory.knitting).order_by("start")[2]
    session.status = Session.Status.CANCELLED
    session.note = "Hall closed for repairs"
    session.save()
    schedule = Schedule.objects.get(activity=directory.knitting)
    schedule.start_time, schedule.end_time = time(13), time(15)
    schedule.save()
    report = materialise_activity(directory.knitting, today=TODAY)
    assert report.created == 0 and report.deleted == 0 and report.updated == 57
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert session.note == "Hall closed for repairs"
    assert timezone.localtime(session.start).hour == 13


def test_a_hand_moved_session_stays_where_it_was_put(directory: Directory) -> None:
    session = Session.objects.filter(activity=directory.knitting).order_by("start")[1]
    moved_start = session.start + timedelta(days=1)
    session.set_times(moved_start, moved_start + timedelta(hours=2))
    session.moved = True
    session.save()
    materialise_activity(directory.knitting, today=TODAY)
    session.refresh_from_db()
    assert session.start == moved_start


def test_a_changed_rule_removes_sessions_no_longer_on_it(directory: Directory) -> None:
    schedule = Schedule.objects.get(activity=directory.knitting)
    schedule.rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    schedule.save()
    report = materialise_activity(directory.knitting, today=TODAY)
    assert report.deleted == 28
    assert Session.objects.filter(activity=directory.knitting).count() == 29


def test_withdrawing_removes_future_sessions(directory: Directory) -> None:
    Activity.objects.filter(pk=directory.walk.pk).update(status=Activity.Status.WITHDRAWN)
    directory.walk.refresh_from_db()
    materialise_activity(directory.walk, today=TODAY)
    assert not Session.objects.filter(activity=directory.walk).exists()


def test_a_deleted_schedule_takes_its_future_sessions_and_leaves_history(
    directory: Directory, rf: Any, personas: Any
) -> None:
    extra = weekly(directory.knitting, "TH", time(14), time(15), from_date=TODAY)
    materialise_activity(directory.knitting, today=TODAY)
    sessions = Session.objects.filter(schedule=extra)
    assert sessions.count() == 57
    today = timezone.localdate()  # the real today: March 2026 is history by now
    past = sessions.filter(local_date__lt=today).count()
    assert past > 0
    request = rf.post("/")
    request.user = personas.coordinator
    do_delete_schedule(request, extra)
    left = Session.objects.filter(activity=directory.knitting, schedule__isnull=True)
    assert left.count() == past
    assert not left.filter(local_date__gte=today).exists()


def test_the_write_path_scales_with_schedules_not_sessions(directory: Directory) -> None:
    for n in range(20):
        weekly(directory.knitting, "MO,WE,FR", time(8 + n % 10), time(9 + n % 10), from_date=TODAY)
    with CaptureQueriesContext(connection) as queries:
        report = materialise_all(today=TODAY + timedelta(days=1))
    assert report.created > 20 * 150
    # A few reads for the whole batch of schedules, then bulk INSERTs (as many
    # rows each as the database allows): no query per session or per schedule. Six
    # more for matching's index (its activities' rows worked out again, once a batch).
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements.count("SELECT") <= 12
    assert len(statements) < report.created / 50


def test_a_stored_rule_that_cannot_be_expanded_does_not_stop_the_rest(
    directory: Directory,
) -> None:
    Schedule.objects.filter(activity=directory.walk).update(rrule="FREQ=WEEKLY;INTERVAL=-1")
    report = materialise_all(today=TODAY)
    assert report.failed == 1
    knitting = materialise_activity(directory.knitting, today=TODAY)
    assert knitting.failed == 0


def test_a_schedule_that_skips_bank_holidays_has_no_sessions_on_them(
    directory: Directory,
) -> None:
    mondays = weekly(directory.knitting, "MO", time(10), time(12), from_date=date(2026, 12, 7))
    materialise_activity(directory.knitting, today=date(2026, 12, 1))
    on = set(Session.objects.filter(schedule=mondays).values_list("local_date", flat=True))
    assert {date(2026, 12, 28), date(2027, 3, 29)} <= on

    mondays.skip_bank_holidays = True
    mondays.save()
    report = materialise_activity(directory.knitting, today=date(2026, 12, 1))
    after = set(Session.objects.filter(schedule=mondays).values_list("local_date", flat=True))
    gone = {date(2026, 12, 28), date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31)}
    assert gone <= on - after
    assert on - after <= bank_holidays(date(2026, 12, 1), date(2028, 1, 1))
    assert report.deleted == len(on - after)
    assert date(2027, 1, 4) in after
    assert mondays.summary.endswith("not on bank holidays")


def test_the_ics_file_leaves_out_the_bank_holidays_the_sessions_skip(
    directory: Directory,
) -> None:
    Schedule.objects.filter(activity=directory.knitting).delete()
    mondays = weekly(
        directory.knitting,
        "MO",
        time(10),
        time(12),
        from_date=date(2026, 12, 7),
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20270630",
        skip_bank_holidays=True,
        exdates=["2027-01-11"],
    )
    materialise_activity(directory.knitting, today=date(2026, 12, 1))
    # EXDATE lists the bank holidays the rule falls on, and the listed date; no others.
    assert mondays.excluded_dates == [
        date(2026, 12, 28),
        date(2027, 1, 11),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
    ]
    ics = activity_calendar(directory.knitting, "example.org").to_ical()
    events = ical_occurrences(Calendar.from_ical(ics)).between(date(2026, 12, 1), date(2027, 7, 1))
    sessions = Session.objects.filter(schedule=mondays).order_by("start")
    assert sorted(e.start for e in events) == [s.start for s in sessions]
