"""Keeping one listing current from its staff page, in a real browser.

A coordinator opens a stale listing, sees when it was last confirmed, confirms it for
the group with a note (told what to write when they leave it empty), reminds the group,
pauses it and sets it running again in one click; a partner lead sets their own paused
listing running again from their listings page. Every page is checked with axe, at
desktop and phone sizes.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from inspiring.accounts.models import AuditEntry, User
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}


@pytest.fixture
def bowls(demo_ashfield: Any) -> Activity:
    """A stale listing of a group the demo partner lead leads."""
    club = organisation(demo_ashfield, "Sutton Bowls Club", email="bowls@example.org")
    club.leads.add(User.objects.get(email="partner.ashfield@example.org"))
    green = venue(club, "Sutton Green", "NG17 1AA")
    item = activity(club, "Friday Bowls", at=green)
    weekly(item, "FR", time(14), time(16), from_date=date.today())
    materialise_all()
    Activity.objects.filter(pk=item.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=200)
    )
    return item


def test_the_coordinator_keeps_a_listing_current_from_its_page(page: Any, bowls: Activity) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, "coordinator.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.goto(f"/staff/listings/activities/{bowls.public_id}/")
    section = page.locator("#keeping-it-current")
    assert section.get_by_text("Not confirmed", exact=True).is_visible()
    assert "Last confirmed by Sutton Bowls Club on" in section.inner_text()
    assert axe_violations(page) == []

    # Confirm for the group: a note is needed, and the page says so.
    page.get_by_role("link", name=re.compile(r"^Confirm for them\s*: Friday Bowls")).click()
    page.get_by_role("button", name="Confirm for the group").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Say how you know" in summary.inner_text()
    assert axe_violations(page) == []
    summary.get_by_role("link", name="Say how you know the listing is still right").click()
    assert page.evaluate("document.activeElement.id") == "id_note"
    page.get_by_label("How do you know it is still right?").fill("Phoned the club today")
    page.get_by_role("button", name="Confirm for the group").click()
    page.get_by_text("Friday Bowls is confirmed on behalf of the group").wait_for()
    assert section.get_by_text("Confirmed", exact=True).is_visible()

    # Remind the group: one email, and the page says when they were asked.
    page.get_by_role("button", name=re.compile(r"^Remind the group\s*: Friday Bowls")).click()
    page.get_by_text("Sutton Bowls Club has been emailed a reminder").wait_for()
    assert "the group was last asked on" in section.inner_text()
    assert len(mail.outbox) == 1

    # Pause it, then set it running again in one click.
    page.get_by_role("button", name=re.compile(r"^Pause the listing\s*: Friday Bowls")).click()
    page.get_by_text("Friday Bowls is paused").wait_for()
    assert section.get_by_text("Paused", exact=True).is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name=re.compile(r"^Set running again\s*: Friday Bowls")).click()
    page.get_by_text("Friday Bowls is running again").wait_for()
    assert page.get_by_role("button", name=re.compile("^Set running again")).count() == 0
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []

    item = Activity.objects.get(pk=bowls.pk)
    assert item.capacity_status == Activity.CapacityStatus.WELCOMING
    assert item.last_confirmed_by.endswith("for Sutton Bowls Club")
    actions = list(
        AuditEntry.objects.filter(action__startswith="activity.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "activity.confirmed",
        "activity.reminded",
        "activity.paused",
        "activity.resumed",
    ]


def test_the_partner_sets_a_paused_listing_running_again_from_their_listings(
    page: Any, bowls: Activity
) -> None:
    Activity.objects.filter(pk=bowls.pk).update(capacity_status=Activity.CapacityStatus.PAUSED)
    page.set_viewport_size(PHONE)
    sign_in(page, "partner.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.goto("/staff/listings/")
    item = page.locator(f"#confirm-{bowls.public_id}")
    assert item.get_by_text("Paused", exact=True).is_visible()
    assert axe_violations(page) == []
    item.get_by_role("button", name=re.compile(r"^Set running again\s*: Friday Bowls")).click()
    page.get_by_text("Friday Bowls is running again").wait_for()
    assert "/staff/listings/" in page.url
    assert "say it is still right" in page.content()  # stale still: what to do next
    assert axe_violations(page) == []
    page.get_by_role("button", name=re.compile(r"^Still right\s*: Friday Bowls")).click()
    page.get_by_text("Friday Bowls is confirmed as right").wait_for()
    item = Activity.objects.get(pk=bowls.pk)
    assert item.capacity_status == Activity.CapacityStatus.WELCOMING
    assert timezone.now() - item.last_confirmed_at < timedelta(minutes=5)
