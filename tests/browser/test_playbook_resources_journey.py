"""Issue 18's training and resources and sharing across areas, in a real browser, with
the demo's accounts: Ashfield's coordinator adds a resource page (a training), filters
the list by audience (Back and Forward show the right one), records that a link worker
completed it, and asks Newark and Sherwood to share; Newark and Sherwood's coordinator
accepts. axe (WCAG 2.2 AA) on every page, at a desktop's width and at a phone's 390 px,
where no page may be wider than the screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.areas.models import Area
from inspiring.demo.playbook import load_demo_playbook
from inspiring.playbook.models import Resource, ShareProposal, TrainingRecord

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator.ashfield@example.org"
NEWARK_COORDINATOR = "coordinator.newark@example.org"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def checked(page: Any) -> None:
    """axe at the desktop's width, then at a phone's: axe again, and not wider."""
    page.set_viewport_size(DESKTOP)
    assert axe_violations(page) == [], page.url
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide on a phone"
        assert axe_violations(page) == [], page.url
    finally:
        page.set_viewport_size(DESKTOP)


def test_a_coordinator_adds_a_resource_records_training_and_proposes_sharing(
    page: Any, demo_ashfield: Area
) -> None:
    load_demo_playbook({area.slug: area for area in Area.objects.all()})
    newark = Area.objects.get(slug="newark-and-sherwood")
    sign_in(page, COORDINATOR)
    page.wait_for_url("**/staff/**")

    # The resources: the demo's shared ones, by audience.
    page.goto("/staff/playbook/resources/")
    assert page.get_by_role("link", name="Coordinator's handbook").is_visible()
    checked(page)
    page.get_by_role("link", name="Coordinator's handbook").click()
    page.wait_for_url("**/staff/playbook/resources/*/")
    assert page.get_by_role("heading", name="Each week").is_visible()
    checked(page)
    page.get_by_role("link", name="Back to training and resources").click()

    # Add a page, first with nothing in it (the error, nothing typed lost).
    page.get_by_role("link", name="Add a resource").click()
    page.wait_for_url("**/resources/add/")
    checked(page)
    page.get_by_label("Title").fill("Meeting someone at the door")
    page.get_by_label("Partner groups").check()
    page.get_by_label("Training", exact=True).check()
    page.get_by_label("People complete it: record who has (training)").check()
    page.get_by_role("button", name="Save the resource").click()
    assert (
        page.locator(".nhsuk-error-summary")
        .get_by_text("Write a page, give a link or choose a file")
        .is_visible()
    )
    assert page.get_by_label("Title").input_value() == "Meeting someone at the door"
    checked(page)
    page.get_by_label("Page (optional)").fill(
        "# Before they come\n\nAgree where you will meet, and describe yourself."
    )
    page.get_by_role("button", name="Save the resource").click()
    page.wait_for_url("**/staff/playbook/resources/*/")
    assert page.get_by_role("heading", name="Before they come").is_visible()
    checked(page)
    resource = Resource.objects.get(title="Meeting someone at the door")
    assert resource.area_id == demo_ashfield.pk and resource.is_training

    # The filter by audience, with Back and Forward.
    page.goto("/staff/playbook/resources/")
    page.get_by_label("Show resources for").select_option("partners")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/resources/?audience=partners")
    assert page.get_by_role("link", name="Meeting someone at the door").is_visible()
    assert page.get_by_role("link", name="Coordinator's handbook").count() == 0
    checked(page)
    page.go_back()
    page.wait_for_url("**/staff/playbook/resources/")
    assert page.get_by_role("link", name="Coordinator's handbook").is_visible()
    page.go_forward()
    page.wait_for_url("**/resources/?audience=partners")
    assert page.get_by_role("link", name="Coordinator's handbook").count() == 0
    assert page.get_by_label("Show resources for").input_value() == "partners"

    # Record that Liam completed it yesterday (a date in the future refused first).
    page.goto("/staff/playbook/training/")
    checked(page)
    page.get_by_role("link", name="Record a training completed").click()
    page.wait_for_url("**/training/add/")
    page.get_by_label("Which training?").select_option(label="Meeting someone at the door")
    page.get_by_label("A member of the team").select_option(label="Liam Walsh")
    page.get_by_label("Link workers").check()
    future = timezone.localdate() + timedelta(days=3)
    page.get_by_label("Day").fill(str(future.day))
    page.get_by_label("Month").fill(str(future.month))
    page.get_by_label("Year").fill(str(future.year))
    page.get_by_role("button", name="Save the record").click()
    assert (
        page.locator(".nhsuk-error-summary")
        .get_by_text("The date completed must be today or in the past")
        .is_visible()
    )
    checked(page)
    yesterday = timezone.localdate() - timedelta(days=1)
    page.get_by_label("Day").fill(str(yesterday.day))
    page.get_by_label("Month").fill(str(yesterday.month))
    page.get_by_label("Year").fill(str(yesterday.year))
    page.get_by_role("button", name="Save the record").click()
    page.wait_for_url("**/staff/playbook/training/")
    assert page.get_by_text("Completed by 1 person in Ashfield").is_visible()
    checked(page)
    assert TrainingRecord.objects.filter(area=demo_ashfield, resource=resource).count() == 1

    # Ask Newark and Sherwood to share.
    page.goto("/staff/playbook/sharing/")
    assert page.get_by_text("Already shared").first.is_visible()
    checked(page)
    page.get_by_role("link", name="Propose sharing with Newark and Sherwood").click()
    page.wait_for_url("**/sharing/propose/newark-and-sherwood/")
    checked(page)
    page.get_by_label("Message to their coordinator (optional)").fill(
        "Some of our residents would travel to your groups."
    )
    page.get_by_role("button", name="Send the proposal").click()
    page.wait_for_url("**/staff/playbook/sharing/*/")
    assert page.get_by_text("Waiting for an answer", exact=True).first.is_visible()
    checked(page)
    proposal = ShareProposal.objects.get(asking=demo_ashfield, offering=newark)

    # Newark and Sherwood's coordinator accepts.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, NEWARK_COORDINATOR)
    page.wait_for_url("**/staff/**")
    page.goto("/staff/playbook/sharing/")
    assert page.get_by_role("heading", name="Asked of Newark and Sherwood").is_visible()
    checked(page)
    page.get_by_role("link", name=f"Ashfield asked on {proposal.proposed_at:%-d %B %Y}").click()
    page.wait_for_url(f"**/staff/playbook/sharing/{proposal.public_id}/")
    assert page.get_by_text("Some of our residents would travel to your groups.").is_visible()
    checked(page)
    page.get_by_label("Accept: share our activities with them").check()
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_url(f"**/staff/playbook/sharing/{proposal.public_id}/")
    assert page.get_by_text("now show in Ashfield's calendar").is_visible()
    checked(page)
    proposal.refresh_from_db()
    assert proposal.status == ShareProposal.Status.ACCEPTED
    assert newark.shares_with.filter(pk=demo_ashfield.pk).exists()
