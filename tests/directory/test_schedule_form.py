"""Schedules entered on the staff pages: rules kept exactly, bad input refused, revisions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from inspiring.directory.models import Schedule
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory

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
