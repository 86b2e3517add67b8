"""Schedules entered on the staff pages: rules kept exactly, bad input refused, revisions."""

from __future__ import annotations

import re
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

from .builders import Directory, as_date_input, weekly
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
    return as_date_input(data)


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
    assert client.post(url, as_date_input(data)).status_code == 302
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


# --- In plain words ---------------------------------------------------------------

RFC_TERMS = ("RRULE", "RFC", "FREQ=", "BYDAY", "UNTIL=")


def without_advanced(html: str) -> str:
    """The page as a volunteer reads it: everything but the "Advanced" details."""
    return re.sub(r'<details class="nhsuk-details".*?</details>', "", html, flags=re.S)


def test_the_schedule_form_asks_in_plain_words(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    schedule = directory.knitting.schedules.get()
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    html = client.get(url).text
    assert "How often does it happen?" in html
    assert "Every other week" in html and "Once, on one date" in html
    assert "for example 24/12/2026" in html
    plain = without_advanced(html)
    assert not [term for term in RFC_TERMS if term in plain]
    assert "2026-12-24" not in plain
    # The rule is there for whoever needs it, under Advanced.
    assert "Advanced: the pattern in calendar code" in html
    assert "FREQ=WEEKLY;BYDAY=TU" in html


def test_weekly_with_no_day_gets_a_human_error_and_keeps_what_was_typed(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(days=[], excluded="24/12/2026", skip_bank_holidays="on"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"days": ["Choose the day it happens"]}
    html = response.text
    assert "has no value" not in html and "BYDAY" not in without_advanced(html)
    assert 'href="#id_days_0">Choose the day it happens' in html
    assert re.search(r'id="id_start_date" name="start_date_day"[^>]*value="03"', html)
    assert re.search(r'name="start_date_year"[^>]*value="2026"', html) and 'value="10:00"' in html
    assert "24/12/2026</textarea>" in html
    assert re.search(r'name="skip_bank_holidays"[^>]*checked', html)


def test_fields_that_do_not_apply_are_marked_for_hiding(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    html = client.get(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/"
    ).text
    # All in the page (for browsers without JavaScript), each marked with when it applies.
    assert '<div data-shows-when="frequency=weekly fortnightly">' in html
    assert '<div data-shows-when="frequency=monthly">' in html
    assert '<div data-shows-when="frequency=weekly fortnightly monthly custom">' in html
    assert 'data-opens-when="frequency=custom"' in html
    assert html.count('id="id_days_0"') == 1


def test_uk_dates_are_taken_and_shown_back_as_ranges(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(
            excluded="21/12/2026 to 3/1/2027\n7 April 2026\n14 4 2026",
            extra="2 December 2026",
        ),
    )
    assert response.status_code == 302
    schedule = Schedule.objects.filter(activity=directory.knitting).latest("pk")
    assert len(schedule.exdates) == 16
    assert {"2026-04-07", "2026-04-14", "2026-12-21", "2027-01-03"} <= set(schedule.exdates)
    assert schedule.rdates == ["2026-12-02"]
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    form = client.get(url).context["form"]
    assert form.initial["excluded"] == "7/4/2026\n14/4/2026\n21/12/2026 to 3/1/2027"
    assert form.initial["extra"] == "2/12/2026"


def test_not_on_bank_holidays_is_saved_shown_and_kept_on_edit(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(days=["MO"], start_date="2026-12-07", skip_bank_holidays="on"),
    )
    assert response.status_code == 302
    schedule = Schedule.objects.filter(activity=directory.knitting).latest("pk")
    assert schedule.skip_bank_holidays
    assert schedule.summary.endswith("from 7 December 2026, not on bank holidays")
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    assert client.get(url).context["form"].initial["skip_bank_holidays"] is True
    page = client.get(f"/ashfield/activities/{directory.knitting.public_id}/").text
    assert "not on bank holidays" in page


def test_a_one_off_does_not_keep_not_on_bank_holidays(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(frequency="once", days=[], skip_bank_holidays="on"),
    )
    schedule = Schedule.objects.filter(activity=directory.knitting).latest("pk")
    assert (schedule.rrule, schedule.skip_bank_holidays) == ("", False)


def test_a_partners_revision_keeps_not_on_bank_holidays(
    client: Client, personas: Personas, directory: Directory
) -> None:
    schedule = directory.knitting.schedules.get()
    sign_in(client, personas.partner_lead)
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    client.post(url, schedule_post(skip_bank_holidays="on"))
    revision = directory.knitting.revisions.get()
    assert revision.schedules.get().skip_bank_holidays
    client.logout()
    sign_in(client, personas.coordinator)
    client.post(f"/staff/curation/review/{revision.public_id}/", {"decision": "approve"})
    schedule.refresh_from_db()
    assert schedule.skip_bank_holidays


# --- The first and last dates: the NHS.UK date input ----------------------------------


def new_schedule_url(directory: Directory) -> str:
    return f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/"


def test_the_first_and_last_dates_are_typed_as_day_month_and_year(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    page = client.get(new_schedule_url(directory)).text
    # A fieldset named by its legend, with the hint, and three labelled boxes.
    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">First date' in page
    assert "For example, 24 12 2026" in page
    for name, label in (("start_date_day", "Day"), ("start_date_month", "Month")):
        assert f'name="{name}"' in page
        assert f">{label}</label>" in page
    assert 'name="start_date_year"' in page and 'name="until_year"' in page
    assert 'type="date"' not in page
    data = schedule_post()
    data.update(start_date_day="1", start_date_month="12", start_date_year="2026")
    data.update(until_day="30", until_month="jun", until_year="2027")
    response = client.post(new_schedule_url(directory), data)
    assert response.status_code == 302
    schedule = Schedule.objects.filter(activity=directory.knitting).latest("pk")
    assert schedule.start_date == date(2026, 12, 1)
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630"
    # Shown back in the same three boxes when changed.
    edit = client.get(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    ).text
    assert re.search(r'name="start_date_day"[^>]*value="1"', edit)
    assert re.search(r'name="start_date_month"[^>]*value="12"', edit)
    assert re.search(r'name="until_year"[^>]*value="2027"', edit)


@pytest.mark.parametrize(
    ("parts", "message", "link", "highlighted"),
    [
        (("31", "2", "2027"), "The first date must be a real date", "id_start_date", 3),
        (("", "", ""), "Enter the first date", "id_start_date", 3),
        (("3", "", "2027"), "The first date must include a month", "id_start_date_month", 1),
        (("", "", "2027"), "The first date must include a day and month", "id_start_date", 2),
        (("3", "3", "27"), "Year must include 4 numbers", "id_start_date_year", 1),
    ],
)
def test_a_first_date_that_is_not_a_real_date_gets_a_worded_error(
    client: Client,
    personas: Personas,
    directory: Directory,
    parts: tuple[str, str, str],
    message: str,
    link: str,
    highlighted: int,
) -> None:
    sign_in(client, personas.partner_lead)
    day, month, year = parts
    data = schedule_post()
    data.update(start_date_day=day, start_date_month=month, start_date_year=year)
    before = Schedule.objects.count()
    response = client.post(new_schedule_url(directory), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"start_date": [message]}
    html = response.text
    # The summary links to the box to change; the boxes it is about are marked.
    assert f'<a href="#{link}">{message}</a>' in html
    assert html.count("nhsuk-date-input__input nhsuk-input--width-") == 6
    assert html.count("nhsuk-input--error") == highlighted
    # What was typed is kept.
    if day:
        assert re.search(rf'name="start_date_day"[^>]*value="{day}"', html)
    assert Schedule.objects.count() == before
    assert not directory.knitting.revisions.exists()


def test_a_last_date_that_is_not_real_or_before_the_first_is_refused(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    data = schedule_post()
    data.update(until_day="31", until_month="2", until_year="2027")
    response = client.post(new_schedule_url(directory), data)
    assert response.context["form"].errors == {"until": ["The last date must be a real date"]}
    data.update(until_day="1", until_month="3", until_year="2026")  # before 3 March 2026
    response = client.post(new_schedule_url(directory), data)
    assert response.context["form"].errors == {
        "until": ["The last date must be the same as or after the first date"]
    }
    # An error about the whole date marks all three boxes.
    assert response.text.count("nhsuk-input--error") == 3
    data.update(until_day="", until_month="", until_year="")  # optional: empty is fine
    assert client.post(new_schedule_url(directory), data).status_code == 302


# --- Sessions lasting more than a day --------------------------------------------------------


def test_an_evening_past_midnight_is_two_days(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    url = f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/"
    refused = client.post(url, schedule_post(start_time="20:00", end_time="01:30"))
    assert refused.status_code == 200
    assert "If it goes on past midnight, say it goes on for 2 days" in refused.text
    response = client.post(url, schedule_post(start_time="20:00", end_time="01:30", lasts_days="2"))
    assert response.status_code == 302
    schedule = Schedule.objects.filter(activity=directory.knitting).latest("pk")
    assert (schedule.end_time, schedule.duration_days) == (time(1, 30), 1)
    assert schedule.summary.startswith("Every Tuesday, 20:00 to 01:30 the next day")
    # Shown back as asked.
    page = client.get(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/{schedule.pk}/edit/"
    )
    assert page.context["form"]["lasts_days"].value() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Enter 1 or more days"),
        ("15", "Enter at most 14 days"),
        ("two", "Enter the number of days as a number"),
    ],
)
def test_days_out_of_range_are_refused_in_words(
    client: Client, personas: Personas, directory: Directory, value: str, message: str
) -> None:
    sign_in(client, personas.coordinator)
    before = Schedule.objects.count()
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        schedule_post(lasts_days=value),
    )
    assert response.status_code == 200
    assert message in response.text
    assert Schedule.objects.count() == before
