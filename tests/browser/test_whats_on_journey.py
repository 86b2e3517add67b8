"""What's on as a resident uses it, at phone and desktop sizes: from a postcode to
the nearest activities, filtering, opening an activity and coming Back (and Forward)
to the whole page, with accessibility checks (axe-core, WCAG 2.2 AA) on the way."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from inspiring.areas.models import Area
from inspiring.directory.materialise import materialise_all
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA"]


@pytest.fixture
def programme(demo_ashfield: Area) -> Area:
    """Two halls in Ashfield and enough activities for two pages."""
    near = organisation(demo_ashfield, "Kirkby Friends", email="friends@example.org")
    hall = venue(near, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    far = organisation(demo_ashfield, "Sutton Friends", email="sutton@example.org")
    centre = venue(far, "Sutton Centre", "NG17 1AA", town="Sutton-in-Ashfield")
    for n in range(24):
        at = hall if n % 2 else centre
        item = activity(at.organisation, f"Club {n:02d}", at=at, features=("come-alone-welcome",))
        weekly(item, DAYS[n % len(DAYS)], time(10), time(11, 30), from_date=date.today())
    materialise_all()
    return demo_ashfield


def _full_page(page: Any, expected_count: str) -> None:
    """The whole What's on page, not a fragment: header, heading, filters, count, styles."""
    page.locator("h1", has_text="What's on").wait_for()
    assert page.locator(".nhsuk-header").is_visible()
    assert page.locator("form.app-filters").count() == 1
    assert expected_count in page.locator("#whats-on-count").inner_text()
    # Styled: NHS.UK frontend's stylesheet applies (the header is blue).
    header_colour = page.evaluate(
        "getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor"
    )
    assert header_colour == "rgb(0, 94, 184)"


def _open_filters_on_a_phone(page: Any, phone: bool) -> None:
    if phone:
        toggle = page.get_by_role("button", name="Filter", exact=True)
        assert toggle.get_attribute("aria-expanded") == "false"
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_label("Search").is_visible()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_back_and_forward_always_restore_the_whole_page(
    page: Any, programme: Area, size: str
) -> None:
    phone = size == "phone"
    page.set_viewport_size(PHONE if phone else DESKTOP)
    page.goto("/ashfield/whats-on/")
    _full_page(page, "24 activities found, page 1 of 2")
    _open_filters_on_a_phone(page, phone)
    page.get_by_label("Tuesday").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**day=1**")
    page.locator("#whats-on-count", has_text="4 activities found").wait_for()
    assert page.locator(".app-active-filter", has_text="Tuesday").is_visible()
    if phone:
        # The panel closes so the new results are in view; focus is on the Filter button.
        toggle = page.get_by_role("button", name="Filter", exact=True)
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not page.get_by_label("Search").is_visible()
        assert page.evaluate("document.activeElement.dataset.filterToggle === ''")
    assert axe_violations(page) == []

    # Filter, open an activity, Back.
    page.locator(".app-session .nhsuk-card__link").first.click()
    page.wait_for_url("**/activities/**")
    page.go_back()
    page.wait_for_url("**/whats-on/?**day=1**")
    _full_page(page, "4 activities found")
    assert page.get_by_label("Tuesday").is_checked()
    assert axe_violations(page) == []
    # Forward to the activity, and Back again.
    page.go_forward()
    page.wait_for_url("**/activities/**")
    assert page.locator(".nhsuk-header").is_visible()
    page.go_back()
    page.wait_for_url("**/whats-on/?**day=1**")
    _full_page(page, "4 activities found")

    # Clear the filter (htmx), then page 2, an activity, Back.
    page.locator(".app-active-filter", has_text="Tuesday").click()
    page.locator("#whats-on-count", has_text="24 activities found").wait_for()
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**page=2**")
    _full_page(page, "page 2 of 2")
    page.locator(".app-session .nhsuk-card__link").first.click()
    page.wait_for_url("**/activities/**")
    page.go_back()
    page.wait_for_url("**page=2**")
    _full_page(page, "page 2 of 2")
    page.go_back()
    page.wait_for_url("**/whats-on/**")
    _full_page(page, "activities found")
    assert axe_violations(page) == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_postcode_from_the_site_root_leads_to_the_nearest_activities(
    page: Any, programme: Area, size: str
) -> None:
    phone = size == "phone"
    page.set_viewport_size(PHONE if phone else DESKTOP)
    page.goto("/")
    page.get_by_label("Your postcode").fill("ng17 7ae")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url("**/ashfield/")
    help_link = page.get_by_role(
        "link", name="Get help from a link worker to find something and go along"
    )
    assert help_link.get_attribute("href") == "/ashfield/refer-yourself/"
    assert axe_violations(page) == []
    page.get_by_role("link", name="See what's on near NG17 7AE").click()
    page.wait_for_url("**/whats-on/?postcode=NG17+7AE&sort=distance")
    _full_page(page, "24 activities found, page 1 of 2, nearest first")
    first = page.locator(".app-session").first
    assert "Kirkby Community Hall" in first.inner_text()
    assert "miles away" in first.inner_text() and " km" not in page.content()
    assert "Every " in first.inner_text()  # when it happens
    assert page.locator(".app-active-filter", has_text="Near NG17 7AE").is_visible()
    if phone:
        # Results first: the first activity is on the first screen; the filters wait.
        assert first.bounding_box()["y"] < PHONE["height"]
        assert not page.get_by_label("Search").is_visible()
    assert axe_violations(page) == []
    _open_filters_on_a_phone(page, phone)
    assert page.get_by_label("Near postcode").input_value() == "NG17 7AE"
    assert axe_violations(page) == []
    # Remembered for the visit: What's on from the area's header link is still nearest first.
    page.goto("/ashfield/whats-on/")
    page.wait_for_url("**/whats-on/?postcode=NG17+7AE&sort=distance")
    # By date, a day's sessions under each day.
    page.goto("/ashfield/whats-on/?postcode=NG17+7AE&view=dates")
    _full_page(page, "sessions found")
    assert page.locator(".app-day-heading").first.inner_text().startswith("On ")
    assert axe_violations(page) == []


def test_nothing_found_offers_a_link_worker(page: Any, programme: Area) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/ashfield/whats-on/?q=underwater+basket+weaving")
    assert "No activities found" in page.locator("#whats-on-count").inner_text()
    help_link = page.get_by_role(
        "link", name="Get help from a link worker to find something and go along"
    )
    assert help_link.is_visible()
    assert axe_violations(page) == []


def test_without_javascript_the_filters_are_shown_and_work(
    browser: Any, live_server: Any, programme: Area
) -> None:
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    tab = context.new_page()
    try:
        tab.goto("/ashfield/whats-on/")
        assert not tab.get_by_role("button", name="Filter", exact=True).is_visible()
        assert tab.get_by_role("link", name="Skip the filters to the results").is_visible()
        tab.get_by_label("Saturday").check()
        tab.get_by_role("button", name="Apply filters").click()
        tab.wait_for_url("**day=5**")
        assert "4 activities found" in tab.locator("#whats-on-count").inner_text()
    finally:
        context.close()
