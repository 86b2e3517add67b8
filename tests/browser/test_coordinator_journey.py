"""Keeping listings current and feeds healthy, in a real browser.

A partner lead confirms a due listing with one click from their listings page; a
coordinator confirms a stale one for its group with a note and pauses another; the
feeds page lists the failing feed first and "Try again" says how that attempt went.
Every page is checked with axe, at phone and desktop sizes.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Organisation
from inspiring.feeds.models import FeedSource
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}


def aged(item: Activity, days: int) -> None:
    Activity.objects.filter(pk=item.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def listings(demo_ashfield: Any) -> dict[str, Any]:
    knit = organisation(demo_ashfield, "Kirkby Knit and Natter", email="knit@example.org")
    knit.leads.add(User.objects.get(email="partner.ashfield@example.org"))
    hall = venue(knit, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    knitting = activity(knit, "Knit and Natter", at=hall)
    weekly(knitting, "TU", time(10), time(12), from_date=date.today())
    bowls = organisation(demo_ashfield, "Sutton Bowls Club")
    green = venue(bowls, "Sutton Green", "NG17 1AA")
    bowling = activity(bowls, "Friday Bowls", at=green)
    weekly(bowling, "FR", time(14), time(16), from_date=date.today())
    choir = activity(bowls, "Bowls Club Choir", at=green)
    materialise_all()
    aged(knitting, 80)  # due
    aged(bowling, 200)  # stale
    aged(choir, 250)  # stale
    return {"knit": knit, "knitting": knitting, "bowling": bowling, "choir": choir}


def test_the_partner_confirms_a_due_listing_in_one_click(
    page: Any, listings: dict[str, Any]
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "partner.ashfield@example.org")
    page.goto("/staff/listings/")
    assert page.get_by_role("heading", name="Are these listings still right?").is_visible()
    assert axe_violations(page) == []
    page.get_by_text("Something has changed: Knit and Natter").click()
    page.get_by_role("button", name="Send to the coordinator").click()
    assert page.locator(".nhsuk-error-summary").is_visible()  # nothing typed: say so
    assert "Tell us what has changed" in page.locator(".nhsuk-error-summary").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile(r"^Still right\s*: Knit and Natter")).click()
    page.get_by_text("Knit and Natter is confirmed as right").wait_for()
    assert page.get_by_role("heading", name="Are these listings still right?").count() == 0
    page.go_back()  # Back after the post-redirect: the page, not a resubmission
    page.go_forward()
    assert "/staff/listings/" in page.url
    assert page.get_by_role("heading", name="Are these listings still right?").count() == 0
    knitting = Activity.objects.get(pk=listings["knitting"].pk)
    assert knitting.last_confirmed_by.endswith(", Kirkby Knit and Natter")
    assert timezone.now() - knitting.last_confirmed_at < timedelta(minutes=5)


def test_the_coordinator_confirms_for_a_group_and_pauses_a_stale_listing(
    page: Any, listings: dict[str, Any]
) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, "coordinator.ashfield@example.org")
    page.goto("/staff/curation/")
    assert page.get_by_role("heading", name="Stale listings", exact=True).is_visible()
    assert axe_violations(page) == []
    page.get_by_text("Confirm for them: Friday Bowls").click()
    page.get_by_role("button", name="Confirm for the group").click()
    assert "Say how you know" in page.locator(".nhsuk-error-summary").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("How do you know it is still right?").fill("Phoned the club today")
    page.get_by_role("button", name="Confirm for the group").click()
    page.get_by_text("Friday Bowls is confirmed on behalf of the group").wait_for()
    page.get_by_role("button", name=re.compile(r"^Pause the listing\s*: Bowls Club Choir")).click()
    page.get_by_text("Bowls Club Choir is paused").wait_for()
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    bowling = Activity.objects.get(pk=listings["bowling"].pk)
    assert bowling.last_confirmed_by.endswith("for Sutton Bowls Club")
    choir = Activity.objects.get(pk=listings["choir"].pk)
    assert choir.capacity_status == Activity.CapacityStatus.PAUSED


def test_the_feeds_page_lists_failing_feeds_first_and_try_again_says_how_it_went(
    page: Any, listings: dict[str, Any]
) -> None:
    knit: Organisation = listings["knit"]
    FeedSource.objects.create(
        organisation=knit,
        url="https://calendar.example.org/a.ics",
        name="Knit calendar",
        health=FeedSource.Health.OK,
    )
    FeedSource.objects.create(
        organisation=knit,
        url="http://127.0.0.1:9/broken.ics",  # nothing listens: the import fails
        name="Broken calendar",
        health=FeedSource.Health.FAILING,
        last_error="The calendar could not be fetched",
    )
    page.set_viewport_size(PHONE)
    sign_in(page, "coordinator.ashfield@example.org")
    page.goto("/staff/feeds/")
    names = page.locator("tbody tr td:first-child a").all_inner_texts()
    assert names == ["Broken calendar", "Knit calendar"]
    assert axe_violations(page) == []
    page.get_by_role("link", name="Broken calendar").click()
    page.get_by_role("button", name="Try again now").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "still could not be imported" in text or "Trying again" in text
    assert "Success" not in text
    page.set_viewport_size(DESKTOP)
    assert axe_violations(page) == []
