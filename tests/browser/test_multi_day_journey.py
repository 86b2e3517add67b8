"""A festival weekend as a resident finds it, at phone and desktop sizes: on What's on
with the days it covers, on each of its days in the month, listed under today while it
is on, and on its own page; with accessibility checks (axe-core, WCAG 2.2 AA)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from inspiring.areas.models import Area
from inspiring.directory.materialise import materialise_all
from lib.dates import day_span
from tests.directory.builders import activity, organisation, over_days, venue

from .conftest import axe_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}


@pytest.fixture
def festivals(demo_ashfield: Area) -> tuple[date, date]:
    """A craft week that began yesterday, and a festival weekend next month (10th to 12th)."""
    group = organisation(demo_ashfield, "Kirkby Arts", email="arts@example.org")
    hall = venue(group, "Kirkby Festival Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    yesterday = date.today() - timedelta(days=1)
    over_days(activity(group, "Craft Week", at=hall), yesterday, 5)
    weekend = (date.today() + relativedelta(months=1)).replace(day=10)
    over_days(activity(group, "Kirkby Festival", at=hall), weekend, 3)
    materialise_all()
    return yesterday, weekend


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_event_over_several_days_is_found_on_each_of_them(
    page: Any, festivals: tuple[date, date], size: str
) -> None:
    yesterday, weekend = festivals
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
    # Begun yesterday, still on: listed, with the days it covers.
    page.goto("/ashfield/whats-on/?q=Craft+Week")
    card = page.locator(".nhsuk-card", has_text="Craft Week")
    assert day_span(yesterday, yesterday + timedelta(days=4)) in card.inner_text()
    assert axe_violations(page) == []
    # Day by day: under today, not yesterday.
    page.goto("/ashfield/whats-on/?q=Craft+Week&view=dates")
    heading = page.locator("h2.app-day-heading").first.inner_text()
    assert heading == f"On {date.today():%A} {date.today().day} {date.today():%B}"
    # Its page says when, in one line.
    page.goto("/ashfield/whats-on/?q=Kirkby+Festival")
    page.get_by_role("link", name="Kirkby Festival", exact=True).click()
    page.locator("h1", has_text="Kirkby Festival").wait_for()
    span = day_span(weekend, weekend + timedelta(days=2))
    assert f"{span}, all day" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.go_back()
    page.locator("h1", has_text="What's on").wait_for()
    # The month shows it on each of its three days.
    page.goto(f"/ashfield/calendar/{weekend.year}/{weekend.month}/?q=Kirkby+Festival")
    text = page.locator("main").inner_text()
    assert text.count(f"{span}, all day") == 3
    assert axe_violations(page) == []
