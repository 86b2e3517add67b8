"""A partner lead lists an activity and says when it happens, on a phone, in plain words.

The activity form is in sections; the schedule form asks "How often does it
happen?" and shows only what applies (everything without JavaScript); weekly
with no day chosen gets "Choose the day it happens" and keeps what was typed;
the RRULE stays under "Advanced". Every page is checked with axe.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from inspiring.accounts.models import User
from inspiring.directory.models import Activity, Schedule
from tests.directory.builders import organisation, venue

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def hall(demo_ashfield: Any) -> Any:
    """The demo partner lead's group, with its hall."""
    knit = organisation(demo_ashfield, "Kirkby Knit and Natter", email="knit@example.org")
    knit.leads.add(User.objects.get(email="partner.ashfield@example.org"))
    return venue(knit, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")


def next_monday() -> date:
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) or 7)


def test_a_partner_lists_an_activity_and_a_weekly_schedule_on_a_phone(page: Any, hall: Any) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "partner.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.goto("/staff/listings/")
    page.get_by_role("link", name="Kirkby Knit and Natter").click()
    page.get_by_role("link", name="Add an activity").click()
    page.go_back()
    page.get_by_role("link", name="Add an activity").wait_for()
    page.go_forward()

    # The activity: questions in sections, the price only once it has one.
    for heading in ("What it is", "Who it is for", "What helps people come", "The first visit"):
        assert page.get_by_role("heading", level=2, name=heading).is_visible()
    assert "Markdown" not in page.content()
    page.get_by_label("Title").fill("Monday Craft Club")
    page.get_by_label("Summary").fill("Bring a project or start one; tea and biscuits.")
    page.get_by_label("Arts and crafts").check()
    page.get_by_label("Venue").select_option(label="Kirkby Community Hall, Kirkby-in-Ashfield")
    price = page.get_by_label("Price in pounds", exact=True)
    assert not price.is_visible()
    page.get_by_label("Priced").check()
    assert price.is_visible()
    price.fill("2.50")
    assert page.get_by_label("Booking link (optional)").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send for approval").click()

    # When it happens: plain questions, only what applies.
    page.get_by_role("heading", name="When does it happen?").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Once, on one date").check()
    assert not page.get_by_label("Monday", exact=True).is_visible()
    assert not page.get_by_label("Not on bank holidays").is_visible()
    page.get_by_label("Every week").check()
    assert page.get_by_label("Monday", exact=True).is_visible()
    assert not page.get_by_label("Which week of the month?").is_visible()
    assert not page.get_by_label("Pattern in calendar code (RRULE, RFC 5545)").is_visible()
    monday = next_monday()
    first_date = page.get_by_role("group", name="First date")
    first_date.get_by_label("Day").fill(str(monday.day))
    first_date.get_by_label("Month").fill(str(monday.month))
    first_date.get_by_label("Year").fill(str(monday.year))
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("End time").fill("16:00")
    page.get_by_label("Not on bank holidays").check()
    page.get_by_label("Dates it does not run (optional)").fill("24/12/2026")

    # No day chosen: a message that says what to do, and nothing lost.
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert summary.inner_text().splitlines()[-1] == "Choose the day it happens"
    assert "BYDAY" not in page.locator("main").inner_text()
    assert page.get_by_label("Every week").is_checked()
    assert first_date.get_by_label("Day").input_value() == str(monday.day)
    assert first_date.get_by_label("Year").input_value() == str(monday.year)
    assert page.get_by_label("Start time").input_value() == "14:00"
    assert page.get_by_label("Not on bank holidays").is_checked()
    assert page.get_by_label("Dates it does not run (optional)").input_value() == "24/12/2026"
    assert axe_violations(page) == []
    summary.get_by_role("link", name="Choose the day it happens").click()
    assert page.evaluate("document.activeElement.id") == "id_days_0"

    page.get_by_label("Monday", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: Every Monday, 14:00 to 16:00").wait_for()
    assert "not on bank holidays" in page.locator(".nhsuk-alert, main").first.inner_text()
    item = Activity.objects.get(title="Monday Craft Club")
    schedule = Schedule.objects.get(activity=item)
    assert (schedule.rrule, schedule.skip_bank_holidays) == ("FREQ=WEEKLY;BYDAY=MO", True)
    assert schedule.exdates == ["2026-12-24"]
    assert axe_violations(page) == []


def test_without_javascript_every_question_shows(browser: Any, live_server: Any, hall: Any) -> None:
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE
    )
    tab = context.new_page()
    try:
        sign_in(tab, "partner.ashfield@example.org")
        tab.wait_for_url("**/staff/")
        tab.goto("/staff/listings/")
        tab.get_by_role("link", name="Kirkby Knit and Natter").click()
        tab.get_by_role("link", name="Add an activity").click()
        assert tab.get_by_label("Price in pounds", exact=True).is_visible()
        tab.get_by_label("Title").fill("Monday Craft Club")
        tab.get_by_label("Summary").fill("Bring a project or start one.")
        tab.get_by_label("Arts and crafts").check()
        tab.get_by_label("Venue").select_option(label="Kirkby Community Hall, Kirkby-in-Ashfield")
        tab.get_by_role("button", name="Send for approval").click()
        tab.get_by_role("heading", name="When does it happen?").wait_for()
        for label in ("Monday", "Which week of the month?", "Not on bank holidays"):
            assert tab.get_by_label(label, exact=True).is_visible(), label
    finally:
        context.close()
