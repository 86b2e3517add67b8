"""Matching in a real browser: suggestions with reasons during a call, one click to suggest
a week, and the coordinator's view of what the calendar lacks; when nothing fits, the
near misses and widening the search on the call (phone and desktop sizes); axe on each
page."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework.models import Assessment, Connection
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Category
from tests.casework.conftest import make_client
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}
MILES_PER_DEGREE_OF_LATITUDE = 69.09


@pytest.fixture
def ashfield(demo_ashfield: Area) -> Area:
    area: Area = demo_ashfield
    group = organisation(area, "Kirkby Community Centre")
    hall = venue(group, "Kirkby Community Centre", "NG17 7AE", town="Kirkby-in-Ashfield")
    for title, slug, day, features in (
        ("Health walk", "walking", "TU", ("come-alone-welcome",)),
        ("Community choir", "music", "TH", ("small-group",)),
        ("Digital drop-in", "digital-skills", "FR", ()),
    ):
        item = activity(group, title, at=hall, features=features)
        item.categories.set(Category.objects.filter(slug=slug))
        weekly(item, day, time(10), time(11), from_date=timezone.localdate())
    materialise_all()
    return area


def test_a_link_worker_suggests_a_week_and_a_coordinator_sees_the_gaps(
    page: Any, ashfield: Area
) -> None:
    worker = User.objects.get(email="linkworker.ashfield@example.org")
    joan = make_client(ashfield, "Joan", "Eyre", worker=worker)
    assessment = Assessment.objects.create(
        client=joan,
        what_matters="Company in the week",
        barriers=["anxiety"],
        availability={"TU": ["morning"], "TH": ["morning"], "FR": ["morning"]},
        max_travel_miles=2,
        assessed_on=timezone.localdate(),
    )
    assessment.interests.set(Category.objects.filter(slug="music"))

    sign_in(page, worker.email)
    page.wait_for_url("**/staff/")
    page.goto(joan.get_absolute_url())
    page.get_by_role("link", name="Suggested activities").click()
    first = page.locator(".app-suggestion").first
    assert "Community choir" in first.inner_text()
    assert "'small group' helps with anxiety or low confidence" in first.inner_text()
    assert axe_violations(page) == []
    page.get_by_text("Narrow the suggestions").click()
    page.get_by_label("Tuesday").check()
    page.get_by_role("button", name="Show").click()
    assert page.locator(".app-suggestion").count() == 1
    assert "Health walk" in page.locator(".app-suggestion").inner_text()
    page.goto(page.url.split("?")[0])
    page.get_by_role("button", name="Suggest these 3 to Joan Eyre").click()
    page.get_by_text("3 activities are suggested to Joan Eyre").wait_for()
    assert Connection.objects.filter(client=joan, status="suggested").count() == 3
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "coordinator.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="What the calendar lacks").click()
    page.get_by_role("heading", name="When they can go").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Which features answer which barriers").click()
    assert axe_violations(page) == []
    page.get_by_role("group", name="Anxiety or low confidence").get_by_label(
        "Small group"
    ).uncheck()
    page.get_by_role("button", name="Save the table").click()
    page.get_by_text("The table is saved").wait_for()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_when_nothing_fits_near_misses_show_and_the_search_widens_for_this_call(
    page: Any, ashfield: Area, size: str
) -> None:
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
    singers = organisation(ashfield, "Kirkby Singers")
    chapel = venue(singers, "Kirkby Methodist Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    chapel.latitude += 2.4 / MILES_PER_DEGREE_OF_LATITUDE  # 2.4 miles north of Joan
    chapel.save()
    choir = activity(singers, "Thursday singers", at=chapel)
    choir.categories.set(Category.objects.filter(slug="music"))
    weekly(choir, "TH", time(14), time(15), from_date=timezone.localdate())
    materialise_all()
    worker = User.objects.get(email="linkworker.ashfield@example.org")
    joan = make_client(ashfield, "Joan", "Eyre", worker=worker)
    Assessment.objects.create(
        client=joan,
        what_matters="Singing again",
        availability={"TH": ["afternoon"]},
        max_travel_miles=2,
        assessed_on=timezone.localdate(),
    )

    sign_in(page, worker.email)
    page.wait_for_url("**/staff/")
    page.goto(joan.get_absolute_url())
    page.get_by_role("link", name="Suggested activities").click()
    main = page.locator("main")
    assert "No activity fits every limit" in main.inner_text()
    page.get_by_role("heading", name="Near misses").wait_for()
    near = page.locator(".app-near-miss", has_text="Thursday singers")
    assert "2.4 miles away, further than 2 miles" in near.inner_text()
    assert "Run by Kirkby Singers, at Kirkby Methodist Hall" in near.inner_text()
    assert (
        "Tuesday mornings, not a time they can go"
        in page.locator(".app-near-miss", has_text="Health walk").inner_text()
    )
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # Joan agrees on the call to go as far as 3 miles: this search only.
    page.get_by_role("link", name="3 miles").click()
    assert "Widened to 3 miles for this search; their assessment says 2 miles." in (
        main.inner_text()
    )
    first = page.locator(".app-suggestion").first
    assert "Thursday singers" in first.inner_text()
    assert "Run by Kirkby Singers, at Kirkby Methodist Hall, Kirkby-in-Ashfield · 2.4 miles" in (
        first.inner_text()
    )
    assert "Every Thursday, 14:00 to 15:00" in first.inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert joan.assessments.get().max_travel_miles == 2  # the assessment is not changed
    first.get_by_role("link", name="Thursday singers").click()
    page.locator("h1", has_text="Thursday singers").wait_for()
