"""Schedules entered on the staff pages: rules kept exactly, bad input refused, revisions."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Schedule
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, weekly
from .conftest import TODAY

pytestmark = pytest.mark.django_db


def schedule_post(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "frequency": "weekly",
        "days": ["TU"],
        "start_date": "2026-03-03",
        "start_time": "10:00",
        "end_time": "12:00",
    }
    data.update(changes)
    return data


def test_a_calendar_apps_utc_until_is_kept_right(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(frequency="custom", rrule="FREQ=WEEKLY;BYDAY=TH;UNTIL=20260716T225959Z"),
    )
    assert response.status_code == 302
    schedule = Schedule.objects.filter(activity=directory.knitting).latest("pk")
    # 22:59:59 UTC is 23:59:59 in London in July (BST).
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=TH;UNTIL=20260716T235959"
    assert "until 16 July 2026" in schedule.summary


def test_resaving_a_schedule_unchanged_keeps_its_rule(
    client: Client, personas: Personas, directory: Directory
) -> None:
    schedule = directory.knitting.schedules.get()
    schedule.rrule = "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"
    schedule.save()
    sign_in(client, personas.coordinator)
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    form = client.get(url).context["form"]
    data = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in form.initial.items()
        if value not in (None, "")
    }
    data["start_time"], data["end_time"] = "10:00", "12:00"
    assert client.post(url, data).status_code == 302
    schedule.refresh_from_db()
    assert schedule.rrule == "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU"


def test_a_schedule_added_in_a_revision_can_be_changed_there(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    live = directory.knitting
    client.post(
        f"/staff/listings/activities/{live.public_id}/schedules/new/", schedule_post(days=["FR"])
    )
    revision = live.revisions.get()
    added = revision.schedules.get(copied_from__isnull=True)
    page = client.get(f"/staff/listings/activities/{revision.public_id}/")
    edit_url = f"/staff/listings/activities/{revision.public_id}/schedules/{added.pk}/edit/"
    assert edit_url in page.text
    response = client.post(edit_url, schedule_post(days=["SA"]))
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.rrule == "FREQ=WEEKLY;BYDAY=SA"
    assert live.schedules.count() == 1  # the live listing is untouched


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"extra": "2026-01-01"}, "Extra dates must be on or after the first date"),
        (
            {"frequency": "custom", "rrule": "FREQ=WEEKLY", "until": "2026-12-01"},
            "put the last date in it",
        ),
        (
            {"frequency": "custom", "rrule": "FREQ=WEEKLY;INTERVAL=0"},
            "INTERVAL must be a whole number",
        ),
        ({"frequency": "custom", "rrule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"}, "never happens"),
    ],
)
def test_schedule_input_that_would_be_ignored_or_hang_is_refused(
    client: Client, personas: Personas, directory: Directory, changes: dict, message: str
) -> None:
    sign_in(client, personas.coordinator)
    before = Schedule.objects.count()
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(**changes),
    )
    assert message in response.text
    assert Schedule.objects.count() == before


def test_a_schedule_of_another_activity_is_404(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    walk_schedule = directory.walk.schedules.get()
    knitting = directory.knitting.public_id
    url = f"/staff/listings/activities/{knitting}/schedules/{walk_schedule.pk}/edit/"
    assert client.get(url).status_code == 404


# --- Dates within a sensible window ---------------------------------------------------


def window_message(what: str) -> str:
    last = timezone.localdate() + relativedelta(years=10)
    return f"Enter {what} between 1 January 2000 and {last.day} {last:%B %Y}"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start_date": "9999-12-27"}, "start_date", window_message("a first date")),
        ({"start_date": "0001-01-01"}, "start_date", window_message("a first date")),
        ({"start_date": "1999-12-31"}, "start_date", window_message("a first date")),
        ({"until": "9999-12-31"}, "until", window_message("a last date")),
        (
            {"frequency": "custom", "rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=99991231"},
            "rrule",
            window_message("a last date (UNTIL)"),
        ),
        (
            {"excluded": "2026-12-22\n9999-12-31"},
            "excluded",
            "Line 2: " + window_message("a date")[0].lower() + window_message("a date")[1:],
        ),
        (
            {"extra": "0001-01-01"},
            "extra",
            "Line 1: " + window_message("a date")[0].lower() + window_message("a date")[1:],
        ),
    ],
)
def test_dates_off_the_end_of_the_calendar_are_refused(
    client: Client,
    personas: Personas,
    directory: Directory,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    sign_in(client, personas.partner_lead)
    before = Schedule.objects.count()
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(**changes),
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert Schedule.objects.count() == before
    assert not directory.knitting.revisions.exists()


def test_the_model_holds_a_schedule_to_the_same_dates(directory: Directory) -> None:
    schedule = directory.knitting.schedules.get()
    schedule.start_date = date(9999, 12, 27)
    schedule.rrule = "FREQ=WEEKLY;UNTIL=99991231"
    schedule.exdates = ["0001-01-01"]
    schedule.rdates = ["2026-13-01"]
    with pytest.raises(ValidationError) as refused:
        schedule.full_clean()
    errors = refused.value.message_dict
    assert errors["start_date"] == [window_message("a first date")]
    assert errors["rrule"] == [window_message("a last date")]
    assert errors["exdates"] == [window_message("dates it does not run")]
    assert errors["rdates"] == ["Enter the extra dates as dates, like 2026-12-24"]


@pytest.mark.parametrize("start", [date(9999, 12, 27), date(1, 1, 1)])
@pytest.mark.parametrize("until", ["", ";UNTIL=99991231"])
def test_a_bad_stored_schedule_is_left_out_not_a_server_error(
    client: Client, directory: Directory, start: date, until: str, caplog: Any
) -> None:
    # Saved before the forms refused such dates: the rest of the listing still works.
    knitting = directory.knitting
    weekly(knitting, "TH", time(14), time(15), from_date=start, rrule=f"FREQ=WEEKLY{until}")
    ics = client.get(f"/ashfield/activities/{knitting.public_id}/calendar.ics")
    assert ics.status_code == 200
    calendar = Calendar.from_ical(ics.content)
    rules = [str(e.get("rrule").to_ical(), "ascii") for e in calendar.walk("VEVENT")]
    assert "FREQ=WEEKLY;BYDAY=TU" in rules  # the good schedule is still there
    assert client.get(f"/ashfield/activities/{knitting.public_id}/").status_code == 200
    report = materialise_all(today=TODAY)
    assert report.schedules == 4


def test_a_stored_until_that_is_not_a_date_does_not_break_the_pages(
    client: Client, personas: Personas, directory: Directory
) -> None:
    schedule = directory.knitting.schedules.get()
    Schedule.objects.filter(pk=schedule.pk).update(rrule="FREQ=WEEKLY;UNTIL=99999999")
    sign_in(client, personas.coordinator)
    knitting = directory.knitting.public_id
    assert client.get(f"/staff/listings/activities/{knitting}/").status_code == 200
    edit = f"/staff/listings/activities/{knitting}/schedules/{schedule.pk}/edit/"
    assert client.get(edit).status_code == 200
    assert client.get(f"/ashfield/activities/{knitting}/").status_code == 200
    assert client.get(f"/ashfield/activities/{knitting}/calendar.ics").status_code == 200
