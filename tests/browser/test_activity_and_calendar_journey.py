"""The public activity page, calendar subscriptions, the month calendar and the widget, in a
real browser at phone and desktop sizes, each page checked with axe (issue 13)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1100, "height": 900}}


@pytest.fixture
def knitting(demo_ashfield: Any) -> Activity:
    """A group that asks people to book, with its phone and email only on the organisation,
    and a weekly session that skips three dates."""
    knit = organisation(
        demo_ashfield,
        "Kirkby Knit and Natter",
        phone="01623 555 123",
        email="hello@kirkbyknit.example.org",
    )
    hall = venue(knit, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    item = activity(
        knit,
        "Knit and Natter",
        at=hall,
        categories=("arts-and-crafts",),
        booking=Activity.Booking.BOOK_FIRST,
    )
    today = date.today()
    skipped = [today + timedelta(weeks=n) for n in (2, 3, 4)]
    weekly(
        item,
        "",
        time(10),
        time(12),
        from_date=today,
        rrule="FREQ=WEEKLY",
        exdates=[d.isoformat() for d in skipped],
    )
    materialise_all()
    return item


@pytest.mark.parametrize("size", SIZES)
def test_the_activity_page_says_how_to_book_and_where_to_get_help(
    page: Any, knitting: Activity, size: str
) -> None:
    page.set_viewport_size(SIZES[size])
    page.goto(knitting.get_absolute_url())
    assert page.get_by_role("link", name="how to book").is_visible()
    phone = page.get_by_role("link", name="01623 555 123").first
    assert phone.get_attribute("href") == "tel:+441623555123"
    email = page.get_by_role("link", name="hello@kirkbyknit.example.org").first
    assert email.get_attribute("href") == "mailto:hello@kirkbyknit.example.org"
    assert "No need to book" not in page.content()
    page.get_by_text("The 3 dates to come it does not happen").click()
    skipped = date.today() + timedelta(weeks=2)
    assert page.get_by_text(f"{skipped:%A} {skipped.day} {skipped:%B %Y}").is_visible()
    assert axe_violations(page) == []

    page.get_by_role(
        "link", name="Get help from a link worker to find something and go along"
    ).click()
    page.wait_for_url("**/ashfield/refer-yourself/")
    page.go_back()
    page.wait_for_url(f"**{knitting.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Knit and Natter")


@pytest.mark.parametrize("size", SIZES)
def test_following_an_activity_and_a_filtered_calendar(
    page: Any, knitting: Activity, size: str, live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    page.set_viewport_size(SIZES[size])
    page.goto(knitting.get_absolute_url())
    page.get_by_role("link", name="Follow this activity in your calendar app").click()
    page.wait_for_url("**/ashfield/calendar/subscribe/?activity=*")
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .endswith("Follow Knit and Natter in your calendar")
    )
    apple = page.get_by_role("link", name="Add to Apple Calendar (iPhone, iPad or Mac)")
    assert apple.get_attribute("href").startswith("webcal://")
    google = page.get_by_role("link", name="Add to Google Calendar")
    assert google.get_attribute("href").startswith("https://calendar.google.com/calendar/")
    address = page.get_by_label("Calendar address").input_value()
    assert address.endswith(f"/activities/{knitting.public_id}/calendar.ics")
    assert axe_violations(page) == []
    # The address is a real feed, and a second request with its ETag is a 304.
    first = page.request.get(address)
    assert first.status == 200 and first.headers["content-type"].startswith("text/calendar")
    again = page.request.get(address, headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304
    page.go_back()
    page.wait_for_url(f"**{knitting.get_absolute_url()}")

    # The month calendar, filtered, offers to follow just that.
    today = date.today()
    page.goto(f"/ashfield/calendar/{today.year}/{today.month}/")
    page.get_by_text("Filter the calendar").click()
    page.get_by_label("Arts and crafts").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**category=arts-and-crafts*")
    assert page.get_by_text("this month: Arts and crafts.").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Follow these activities in your calendar app").click()
    assert page.get_by_text("You are following activities that match:").is_visible()
    assert "category=arts-and-crafts" in page.get_by_label("Calendar address").input_value()
    assert axe_violations(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_a_coordinator_copies_the_widget_code_and_it_sizes_itself(
    page: Any, knitting: Activity, size: str
) -> None:
    page.set_viewport_size(SIZES[size])
    sign_in(page, "coordinator.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Add What's on to your website").click()
    page.get_by_label("How many sessions to show").select_option("3")
    page.get_by_role("button", name="Update the code").click()
    page.wait_for_url("**limit=3*")
    code = page.get_by_label("Code for your website").input_value()
    assert code.startswith("<iframe src=") and "limit=3" in code and "whats-on-widget.js" in code
    # The preview has grown from its 400 pixels to fit what it shows, or shrunk to it.
    preview = page.locator("iframe[data-inspiring-widget]")
    page.wait_for_function(
        "() => document.querySelector('iframe[data-inspiring-widget]').style.height !== ''"
    )
    frame = page.frame_locator("iframe[data-inspiring-widget]")
    see_all = frame.get_by_role("link", name="See everything that's on").bounding_box()
    box = preview.bounding_box()
    assert see_all["y"] + see_all["height"] <= box["y"] + box["height"]
    assert axe_violations(page) == []
