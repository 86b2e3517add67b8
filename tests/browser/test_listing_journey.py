"""The directory's main journey in a real browser.

A partner lead adds a weekly activity; the coordinator approves it; it then
appears in What's on, in the area's iCalendar feed and in the PDF booklet.
What's on and the activity page have no serious accessibility problems.
"""

from __future__ import annotations

import io
from datetime import date, time, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.demo.loading import load_demo
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Category, SupportFeature
from inspiring.directory.taxonomy_data import seed_taxonomy
from tests.directory.builders import activity, organisation, venue, weekly
from tests.geography import ensure_geography

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def listings(settings: Any) -> dict[str, Any]:
    """Demo sign-ins, the geography, and one partner with a hall and an activity."""
    settings.DEMO_MODE = True
    settings.TWO_FACTOR_REQUIRED = False
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    load_demo(directory=False)
    ensure_geography()
    seed_taxonomy(Category, SupportFeature)
    ashfield = Area.objects.get(slug="ashfield")
    knit = organisation(ashfield, "Kirkby Knit and Natter", email="knit@example.org")
    knit.leads.add(User.objects.get(email="partner.ashfield@example.org"))
    hall = venue(
        knit, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield", step_free=True
    )
    knitting = activity(knit, "Knit and Natter", at=hall, features=("come-alone-welcome",))
    weekly(knitting, "TU", time(10), time(12), from_date=date.today())
    materialise_all()
    return {"organisation": knit, "activity": knitting}


def test_a_partner_adds_a_weekly_activity_and_the_coordinator_publishes_it(
    page: Any, listings: dict[str, Any], live_server: Any
) -> None:
    first_friday = date.today() + timedelta(days=(4 - date.today().weekday()) % 7 or 7)

    # The partner lead adds the activity and when it happens.
    sign_in(page, "partner.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Your listings").click()
    page.get_by_role("link", name="Kirkby Knit and Natter").click()
    page.get_by_role("link", name="Add an activity").click()
    page.get_by_label("Title").fill("Friday Film Club")
    page.get_by_label("Summary").fill("Watch a classic film, then talk about it over tea.")
    page.get_by_label("Culture and heritage").check()
    page.get_by_label("Venue").select_option(label="Kirkby Community Hall, Kirkby-in-Ashfield")
    page.get_by_label("Refreshments").check()
    page.get_by_role("button", name="Send for approval").click()
    page.get_by_role("heading", name="When does it happen?").wait_for()
    page.get_by_label("Friday").check()
    first_date = page.get_by_role("group", name="First date")
    first_date.get_by_label("Day").fill(str(first_friday.day))
    first_date.get_by_label("Month").fill(str(first_friday.month))
    first_date.get_by_label("Year").fill(str(first_friday.year))
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("End time").fill("16:00")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: Every Friday, 14:00 to 16:00").wait_for()
    assert "Waiting for approval" in page.content()
    page.get_by_role("button", name="Sign out").click()

    # Not public until approved.
    page.goto("/ashfield/whats-on/?q=film")
    assert "No sessions match these filters" in page.content()

    # The coordinator approves it from the queue.
    sign_in(page, "coordinator.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Partners and calendar").click()
    page.get_by_role("link", name="Friday Film Club").click()
    page.get_by_role("button", name="Approve and publish").click()
    page.get_by_text("Friday Film Club is published.").wait_for()
    page.get_by_role("button", name="Sign out").click()

    # It is in What's on, with its page, in the feed and in the booklet.
    page.goto("/ashfield/whats-on/?q=film")
    page.get_by_role("link", name="Friday Film Club").first.wait_for()
    assert f"{first_friday:%A} {first_friday.day} {first_friday:%B}" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Friday Film Club").first.click()
    page.get_by_role("heading", level=1, name="Friday Film Club").wait_for()
    assert "Every Friday, 14:00 to 16:00" in page.content()
    assert axe_violations(page) == []

    feed = page.request.get(f"{live_server.url}/ashfield/calendar.ics")
    titles = {str(e["SUMMARY"]) for e in Calendar.from_ical(feed.body()).walk("VEVENT")}
    assert "Friday Film Club" in titles

    page.goto("/ashfield/calendar/booklet/")
    page.get_by_role("button", name="Make the booklet").click()
    page.get_by_role("heading", name="Your booklet is ready").wait_for()
    pdf = page.request.get(
        page.get_by_role("link", name="Download the booklet (PDF)").get_attribute("href") or ""
    )
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Friday Film Club" in " ".join(text.split())
    assert Activity.objects.get(title="Friday Film Club").status == "published"


@pytest.mark.parametrize("path", ["/ashfield/whats-on/", "/ashfield/calendar/"])
def test_directory_pages_have_no_serious_accessibility_problems(
    page: Any, listings: dict[str, Any], path: str
) -> None:
    page.goto(path)
    assert axe_violations(page) == []


def test_filters_work_without_a_page_reload(page: Any, listings: dict[str, Any]) -> None:
    page.goto("/ashfield/whats-on/")
    page.get_by_label("Search").fill("knit")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**q=knit**")
    assert page.get_by_role("link", name="Knit and Natter").first.is_visible()
    assert axe_violations(page) == []
