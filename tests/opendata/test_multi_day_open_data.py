"""Sessions lasting days, and online activities, in OpenActive and Open Referral UK: a
festival weekend lasts three days, an overnight disco ends the next morning, and neither
says an end time that contradicts how long it lasts."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from django.test import Client

from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.directory.recurrence import LONDON
from inspiring.opendata.openactive import schedule_duration
from tests.directory.builders import Directory, activity
from tests.directory.conftest import TODAY

from .conftest import assert_valid, get_json

pytestmark = pytest.mark.django_db
SERIES = "/api/openactive/session-series"
SESSIONS = "/api/openactive/scheduled-sessions"
ORUK = "/api/openreferral"
FRIDAY = date(2026, 3, 13)  # TODAY is Monday 2 March 2026


def _schedule(item: Activity, start: time, end: time, **extra: Any) -> Schedule:
    schedule = Schedule.objects.create(
        activity=item, start_date=FRIDAY, start_time=start, end_time=end, **extra
    )
    materialise_activity(item, today=TODAY)
    return schedule


@pytest.fixture
def festival(directory: Directory) -> Activity:
    """A walking festival, all day from Friday 13 to Sunday 15 March, once."""
    item = activity(directory.knit, "Ashfield Walking Festival", at=directory.hall)
    _schedule(item, time(0), time(23, 59), all_day=True, duration_days=2)
    return item


@pytest.fixture
def disco(directory: Directory) -> Activity:
    """A dance every Friday from 20:00 to 01:30 the next morning."""
    item = activity(directory.knit, "Friday Night Dance", at=directory.hall)
    _schedule(item, time(20), time(1, 30), rrule="FREQ=WEEKLY;BYDAY=FR", duration_days=1)
    return item


@pytest.fixture
def camp(directory: Directory) -> Activity:
    """A walking weekend from Friday 18:00 to Sunday 16:00, every month."""
    item = activity(directory.knit, "Walking Weekend", at=directory.hall)
    _schedule(item, time(18), time(16), rrule="FREQ=MONTHLY;BYDAY=2FR", duration_days=2)
    return item


@pytest.fixture
def online_yoga(directory: Directory) -> Activity:
    """Chair yoga on a video call, Wednesdays 10:00 to 11:00: no venue."""
    item = activity(directory.knit, "Chair Yoga at Home", at=None, online=True)
    _schedule(item, time(10), time(11), rrule="FREQ=WEEKLY;BYDAY=WE")
    return item


def _items(api: Client, url: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    while True:
        page = get_json(api, url)
        if not page["items"]:
            return found
        found.update({item["id"]: item for item in page["items"]})
        url = page["next"].removeprefix("http://testserver")


def _series(api: Client, item: Activity) -> dict[str, Any]:
    data: dict[str, Any] = _items(api, SERIES)[str(item.public_id)]["data"]
    return data


def _sessions(api: Client, item: Activity) -> list[dict[str, Any]]:
    ids = {
        str(p) for p in Session.objects.filter(activity=item).values_list("public_id", flat=True)
    }
    found = [i["data"] for k, i in _items(api, SESSIONS).items() if k in ids]
    return sorted(found, key=lambda d: d["startDate"])


# --- OpenActive ----------------------------------------------------------------------


def test_a_schedules_duration_counts_its_days() -> None:
    def of(start: time, end: time, days: int, all_day: bool = False) -> str:
        return schedule_duration(
            Schedule(start_time=start, end_time=end, duration_days=days, all_day=all_day)
        )

    assert of(time(10), time(12), 0) == "PT2H"
    assert of(time(20), time(1, 30), 1) == "PT5H30M"
    assert of(time(18), time(16), 2) == "P1DT22H"
    assert of(time(18), time(18), 2) == "P2D"
    assert of(time(0), time(23, 59), 2, all_day=True) == "P3D"
    assert of(time(0), time(23, 59), 0, all_day=True) == "P1D"


def test_a_festival_weekend_is_one_session_lasting_three_days(
    api: Client, festival: Activity
) -> None:
    data = _series(api, festival)
    [sub_event] = data["subEvent"]
    [session] = _sessions(api, festival)
    for published in (sub_event, session):
        assert published["startDate"] == "2026-03-13T00:00:00+00:00"
        assert published["endDate"] == "2026-03-16T00:00:00+00:00"
        assert published["duration"] == "P3D"


def test_an_overnight_weekly_dance_ends_the_next_morning(api: Client, disco: Activity) -> None:
    [schedule] = _series(api, disco)["eventSchedule"]
    # Its end is a time of day before its start: only the duration says it right.
    assert schedule["@type"] == "PartialSchedule"
    assert schedule["startTime"] == "20:00" and "endTime" not in schedule
    assert schedule["duration"] == "PT5H30M"
    assert "scheduledEventType" not in schedule
    assert schedule["byDay"] == ["https://schema.org/Friday"]
    first = _sessions(api, disco)[0]
    assert first["startDate"] == "2026-03-13T20:00:00+00:00"
    assert first["endDate"] == "2026-03-14T01:30:00+00:00"
    assert first["duration"] == "PT5H30M"


def test_a_walking_weekend_lasts_from_friday_evening_to_sunday_afternoon(
    api: Client, camp: Activity
) -> None:
    [schedule] = _series(api, camp)["eventSchedule"]
    assert schedule["@type"] == "PartialSchedule" and "endTime" not in schedule
    assert (schedule["startTime"], schedule["duration"]) == ("18:00", "P1DT22H")
    first = _sessions(api, camp)[0]
    assert (first["startDate"], first["endDate"]) == (
        "2026-03-13T18:00:00+00:00",
        "2026-03-15T16:00:00+00:00",
    )
    assert first["duration"] == "P1DT22H"


def test_a_session_within_a_day_keeps_its_schedule(api: Client, directory: Directory) -> None:
    [schedule] = _series(api, directory.walk)["eventSchedule"]
    assert schedule["@type"] == "Schedule" and schedule["scheduledEventType"] == "ScheduledSession"
    assert (schedule["startTime"], schedule["endTime"], schedule["duration"]) == (
        "09:30",
        "11:00",
        "PT1H30M",
    )


def test_an_online_activity_says_how_to_join_and_has_no_location(
    api: Client, online_yoga: Activity
) -> None:
    data = _series(api, online_yoga)
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert "location" not in data
    assert data["@context"] == ["https://openactive.io/", "https://openactive.io/ns-beta"]
    place = data["beta:virtualLocation"]
    assert place["@type"] == "VirtualLocation" and place["name"] == "Online"
    assert "Kirkby Knit and Natter" in place["description"]
    assert data["url"] in place["description"]


def test_an_activity_at_a_venue_and_online_has_both(api: Client, directory: Directory) -> None:
    directory.walk.online = True
    directory.walk.save()
    data = _series(api, directory.walk)
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["location"]["@type"] == "Place"
    assert data["beta:virtualLocation"]["@type"] == "VirtualLocation"
    # An activity only at a venue is as before.
    choir = _series(api, directory.singing)
    assert choir["@context"] == "https://openactive.io/" and "beta:virtualLocation" not in choir


# --- Open Referral UK --------------------------------------------------------------------


def _oruk_schedule(api: Client, item: Activity) -> dict[str, Any]:
    service = get_json(api, f"{ORUK}/services/{item.public_id}")
    assert_valid(service, "service")
    [schedule] = service["schedules"]
    assert isinstance(schedule, dict)
    return schedule


def test_a_festival_weekend_applies_from_friday_to_sunday(api: Client, festival: Activity) -> None:
    schedule = _oruk_schedule(api, festival)
    assert (schedule["valid_from"], schedule["valid_to"]) == ("2026-03-13", "2026-03-15")
    assert schedule["description"] == "Once, Friday 13 to Sunday 15 March 2026, all day"
    assert "opens_at" not in schedule and "closes_at" not in schedule


def test_an_overnight_dance_says_it_ends_the_next_day(api: Client, disco: Activity) -> None:
    schedule = _oruk_schedule(api, disco)
    assert schedule["valid_from"] == "2026-03-13" and "valid_to" not in schedule
    assert (schedule["freq"], schedule["byday"]) == ("WEEKLY", "FR")
    assert schedule["description"].startswith("Every Friday, 20:00 to 01:30 the next day")
    # Opening hours close on the day they open: a time past midnight would read as earlier.
    assert schedule["opens_at"] == "20:00:00" and "closes_at" not in schedule


def test_a_weekend_until_a_date_applies_to_the_last_sessions_end(
    api: Client, directory: Directory
) -> None:
    item = activity(directory.knit, "Walking Weekends", at=directory.hall)
    _schedule(
        item,
        time(18),
        time(16),
        rrule="FREQ=MONTHLY;BYDAY=2FR;UNTIL=20260612",
        duration_days=2,
    )
    schedule = _oruk_schedule(api, item)
    # The last weekend starts on Friday 12 June and ends on Sunday 14 June.
    assert (schedule["valid_from"], schedule["valid_to"]) == ("2026-03-13", "2026-06-14")
    assert schedule["description"] == (
        "Second Friday of the month, 18:00 to 16:00, 2 days later, until 12 June 2026, "
        "from 13 March 2026"
    )


def test_extra_dates_of_a_one_off_extend_when_it_applies(api: Client, directory: Directory) -> None:
    item = activity(directory.knit, "Walking Festival", at=directory.hall)
    _schedule(item, time(0), time(23, 59), all_day=True, duration_days=2, rdates=["2026-04-10"])
    schedule = _oruk_schedule(api, item)
    assert (schedule["valid_from"], schedule["valid_to"]) == ("2026-03-13", "2026-04-12")


@pytest.mark.usefixtures("frozen_today")
def test_an_overnight_dance_does_not_end_by_noon(api: Client, disco: Activity) -> None:
    page = get_json(api, f"{ORUK}/service_at_locations?end_time=12:00")
    names = {item["service"]["name"] for item in page["contents"]}
    assert "Friday Night Dance" not in names and "Knit and Natter" in names
    page = get_json(api, f"{ORUK}/service_at_locations?day=FR&start_time=19:00")
    assert {item["service"]["name"] for item in page["contents"]} == {"Friday Night Dance"}


def test_an_online_activity_is_a_virtual_location(api: Client, online_yoga: Activity) -> None:
    service = get_json(api, f"{ORUK}/services/{online_yoga.public_id}")
    assert_valid(service, "service")
    assert service["schedules"][0]["attending_type"] == "online"
    assert service["service_at_locations"][0]["location"]["location_type"] == "virtual"


def test_times_of_a_moved_overnight_session_are_published(api: Client, disco: Activity) -> None:
    session = Session.objects.filter(activity=disco).order_by("start").first()
    assert session is not None
    start = datetime(2026, 3, 13, 21, tzinfo=LONDON)
    session.set_times(start, datetime(2026, 3, 14, 3, tzinfo=LONDON))
    session.moved = True
    session.save()
    first = _sessions(api, disco)[0]
    assert first["endDate"] == "2026-03-14T03:00:00+00:00" and first["duration"] == "PT6H"
    assert first["eventStatus"] == "https://schema.org/EventRescheduled"
