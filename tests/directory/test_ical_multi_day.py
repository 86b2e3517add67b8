"""Sessions lasting days in the .ics files: the activity's series, a session's file and the
area's subscription feed end on the right day, read back by recurring-ical-events (the
expansion calendar apps in Python build on) as the same sessions What's on shows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import recurring_ical_events
from django.test import Client
from icalendar import Calendar, Event

from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.directory.recurrence import LONDON

from .builders import Directory, activity
from .conftest import TODAY

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 3, 13)  # TODAY is Monday 2 March 2026


@pytest.fixture(autouse=True)
def _today(frozen_today: None) -> None:
    """The feeds start from now: pin it to the directory's fixed today."""


@pytest.fixture
def festival(directory: Directory) -> Activity:
    """A walking festival, all day from Friday to Sunday, once."""
    item = activity(directory.knit, "Ashfield Walking Festival", at=directory.hall)
    Schedule.objects.create(
        activity=item,
        start_date=FRIDAY,
        start_time=time(0),
        end_time=time(23, 59),
        all_day=True,
        duration_days=2,
    )
    materialise_all(today=TODAY)
    return item


@pytest.fixture
def disco(directory: Directory) -> Activity:
    """A weekly disco on Fridays from 20:00 to 01:30 the next morning."""
    item = activity(directory.knit, "Friday Night Disco", at=directory.hall)
    Schedule.objects.create(
        activity=item,
        start_date=FRIDAY,
        start_time=time(20),
        end_time=time(1, 30),
        rrule="FREQ=WEEKLY;BYDAY=FR;COUNT=4",
        duration_days=1,
    )
    materialise_all(today=TODAY)
    return item


@pytest.fixture
def camp(directory: Directory) -> Activity:
    """A weekend camp from Friday 18:00 to Sunday 16:00, once."""
    item = activity(directory.knit, "Weekend Camp", at=directory.hall)
    Schedule.objects.create(
        activity=item,
        start_date=FRIDAY,
        start_time=time(18),
        end_time=time(16),
        duration_days=2,
    )
    materialise_all(today=TODAY)
    return item


def _calendar(client: Client, url: str) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return Calendar.from_ical(response.content)


def _expanded(calendar: Calendar, title: str) -> list[Event]:
    """Every instance calendar apps show for `title` in the next months, in order."""
    found = recurring_ical_events.of(calendar).between(
        datetime.combine(TODAY, time.min, tzinfo=LONDON),
        datetime.combine(TODAY + timedelta(days=120), time.min, tzinfo=LONDON),
    )
    chosen = [e for e in found if str(e["SUMMARY"]) == title]
    return sorted(chosen, key=lambda e: str(e.decoded("DTSTART")))


def _activity_url(item: Activity) -> str:
    return f"/ashfield/activities/{item.public_id}/calendar.ics"


def _session_url(session: Session) -> str:
    return f"/ashfield/sessions/{session.public_id}/calendar.ics"


def test_a_festival_weekend_is_one_three_day_event_in_the_activitys_file(
    client: Client, festival: Activity
) -> None:
    (event,) = _expanded(_calendar(client, _activity_url(festival)), festival.title)
    assert event.decoded("DTSTART") == FRIDAY
    # DTEND of an all-day event is the day after the last: Monday.
    assert event.decoded("DTEND") == FRIDAY + timedelta(days=3)
    assert event["DTEND"].params.get("VALUE") == "DATE"


def test_a_festival_weekends_own_file_and_the_area_feed_cover_three_days(
    client: Client, festival: Activity
) -> None:
    session = Session.objects.get(activity=festival)
    for calendar in (
        _calendar(client, _session_url(session)),
        _calendar(client, "/ashfield/calendar.ics"),
    ):
        (event,) = _expanded(calendar, festival.title)
        assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (
            FRIDAY,
            FRIDAY + timedelta(days=3),
        )


def test_an_overnight_weekly_disco_ends_the_next_morning(client: Client, disco: Activity) -> None:
    calendar = _calendar(client, _activity_url(disco))
    events = _expanded(calendar, disco.title)
    stored = list(Session.objects.filter(activity=disco).order_by("start"))
    assert len(events) == len(stored) == 4
    for event, session in zip(events, stored, strict=True):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert (start, end) == (session.start, session.end)
        assert start.astimezone(LONDON).time() == time(20)
        assert end.astimezone(LONDON).time() == time(1, 30)
        assert end.astimezone(LONDON).date() == start.astimezone(LONDON).date() + timedelta(days=1)
    # Written in the schedule's zone, as wall-clock times.
    (series,) = [e for e in calendar.walk("VEVENT") if "RRULE" in e]
    assert series["DTEND"].to_ical() == b"20260314T013000"
    assert series["DTEND"].params["TZID"] == "Europe/London"


def test_an_overnight_sessions_file_and_the_feed_end_the_next_morning(
    client: Client, disco: Activity
) -> None:
    session = Session.objects.filter(activity=disco).order_by("start").first()
    assert session is not None
    (event,) = _expanded(_calendar(client, _session_url(session)), disco.title)
    assert event.decoded("DTEND") == datetime(2026, 3, 14, 1, 30, tzinfo=LONDON)
    feed = _expanded(_calendar(client, "/ashfield/calendar.ics"), disco.title)
    assert [e.decoded("DTEND") for e in feed][:1] == [datetime(2026, 3, 14, 1, 30, tzinfo=LONDON)]


def test_a_weekend_camp_ends_on_sunday_afternoon(client: Client, camp: Activity) -> None:
    (event,) = _expanded(_calendar(client, _activity_url(camp)), camp.title)
    assert event.decoded("DTSTART") == datetime(2026, 3, 13, 18, tzinfo=LONDON)
    assert event.decoded("DTEND") == datetime(2026, 3, 15, 16, tzinfo=LONDON)


def test_a_moved_overnight_session_keeps_its_new_times(client: Client, disco: Activity) -> None:
    second = Session.objects.filter(activity=disco).order_by("start")[1]
    start = datetime(2026, 3, 21, 19, tzinfo=LONDON)
    second.set_times(start, start + timedelta(hours=7))
    second.moved = True
    second.save()
    events = _expanded(_calendar(client, _activity_url(disco)), disco.title)
    assert len(events) == 4
    assert (events[1].decoded("DTSTART"), events[1].decoded("DTEND")) == (
        start,
        datetime(2026, 3, 22, 2, tzinfo=LONDON),
    )


def test_a_moved_festival_stays_all_day_and_keeps_its_days(
    client: Client, directory: Directory
) -> None:
    item = activity(directory.knit, "Monthly Festival", at=directory.hall)
    Schedule.objects.create(
        activity=item,
        start_date=FRIDAY,
        start_time=time(0),
        end_time=time(23, 59),
        rrule="FREQ=MONTHLY;COUNT=2",
        all_day=True,
        duration_days=2,
    )
    materialise_all(today=TODAY)
    first = Session.objects.filter(activity=item).order_by("start").first()
    assert first is not None
    # Moved a week later, still Friday to Sunday.
    later = FRIDAY + timedelta(weeks=1)
    first.set_times(
        datetime.combine(later, time(0), tzinfo=LONDON),
        datetime.combine(later + timedelta(days=2), time(23, 59), tzinfo=LONDON),
    )
    first.moved = True
    first.save()
    events = _expanded(_calendar(client, _activity_url(item)), item.title)
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in events] == [
        (later, later + timedelta(days=3)),
        (date(2026, 4, 13), date(2026, 4, 16)),
    ]
