"""Issue 18's playbook in a real browser: the Ashfield coordinator opens the playbook
from the staff home (the empty state first: starting from the blueprint), at a desktop's
width and a phone's 390 px with axe (WCAG 2.2 AA) on every page; gives a task an owner
and a due date (a date that is not real first: the error summary, nothing typed lost);
marks a task done, then presses Back and Forward.

Screenshots go to /tmp/playbook-shots/ (not the repository), for a person to look at.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from inspiring.playbook import cards
from inspiring.playbook.models import Stage, Task

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator.ashfield@example.org"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path(tempfile.gettempdir()) / "playbook-shots"

# The elements that reach past a phone's right edge.
OVERFLOWING = """
width => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > width + 0.5)
  .filter(el => !el.closest('.nhsuk-u-visually-hidden'))
  .slice(0, 5)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
       + ' (' + Math.round(el.getBoundingClientRect().right) + ' px)')
"""


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def checked(page: Any, name: str) -> None:
    """axe at the desktop size, then at 390 px: axe again, and nothing wider."""
    assert axe_violations(page) == [], page.url
    shot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (
            f"{page.url} is {width} px wide on a phone: "
            f"{page.evaluate(OVERFLOWING, PHONE['width'])}"
        )
        assert axe_violations(page) == [], page.url
        shot(page, f"{name}-phone")
    finally:
        page.set_viewport_size(DESKTOP)


def test_a_coordinator_works_through_the_playbook(page: Any, demo_ashfield: Any) -> None:
    # PlaybookConfig.ready registers the card; registering twice changes nothing.
    cards.register()
    Stage.objects.filter(area=demo_ashfield).delete()
    page.set_viewport_size(DESKTOP)
    sign_in(page, COORDINATOR)
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Playbook", exact=True).click()
    page.wait_for_url("**/staff/playbook/")

    # No playbook yet: start from the blueprint.
    assert page.get_by_text("has no playbook yet").is_visible()
    checked(page, "empty")
    page.get_by_role("button", name="Start from the blueprint").click()
    page.wait_for_url("**/staff/playbook/")
    assert page.get_by_text("The playbook is ready").is_visible()
    for title in ("1. Scoping", "2. Informing", "3. Connecting", "4. Roll-out"):
        assert page.get_by_role("heading", name=title).is_visible()
    checked(page, "progress")

    # Give the survey task an owner and a due date: a date that is not real first.
    page.get_by_role("link", name="Run the community survey", exact=True).click()
    page.wait_for_url("**/staff/playbook/tasks/*/")
    checked(page, "task")
    page.get_by_label("Owner (optional)").select_option(label="Liam Walsh")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2031")
    page.get_by_role("button", name="Save the task").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "The due date must be a real date" in summary.inner_text()
    assert page.get_by_label("Day").input_value() == "31"
    assert page.get_by_label("Owner (optional)").locator("option:checked").inner_text() == (
        "Liam Walsh"
    )
    assert page.title().startswith("Error: ")
    checked(page, "task-error")
    page.get_by_label("Day").fill("28")
    page.get_by_role("button", name="Save the task").click()
    page.wait_for_url("**/staff/playbook/#task-*")
    assert page.get_by_text("is saved").is_visible()
    task = Task.objects.get(stage__area=demo_ashfield, title="Run the community survey")
    card = page.locator(f"#task-{task.public_id}")
    assert "Liam Walsh" in card.inner_text() and "28 February 2031" in card.inner_text()

    # Mark a task done by hand.
    page.get_by_role("link", name="Recruit partners", exact=True).click()
    page.wait_for_url("**/staff/playbook/tasks/*/")
    task_url = page.url
    page.get_by_role("button", name="Mark as done today").click()
    page.wait_for_url(task_url)
    today = timezone.localdate()
    assert page.get_by_text("is marked done").is_visible()
    assert page.get_by_text(f"Done by hand on {today:%-d %B %Y}").is_visible()
    assert page.get_by_role("button", name="Mark as not done").is_visible()
    checked(page, "task-done")

    # Back and Forward: each page as it is now (none is kept stale by the browser).
    page.go_back()
    assert page.url == task_url
    assert page.get_by_role("button", name="Mark as not done").is_visible()
    page.go_back()
    assert "/staff/playbook/#task-" in page.url
    recruit = Task.objects.get(stage__area=demo_ashfield, title="Recruit partners")
    assert "Done by hand" in page.locator(f"#task-{recruit.public_id}").inner_text()
    page.go_forward()
    assert page.url == task_url
    assert page.get_by_role("button", name="Mark as not done").is_visible()

    # And undo it.
    page.get_by_role("button", name="Mark as not done").click()
    assert page.get_by_text("is no longer marked done").is_visible()
    page.get_by_role("link", name="Back to the playbook").click()
    page.wait_for_url("**/staff/playbook/#task-*")
    assert "Not done" in page.locator(f"#task-{recruit.public_id}").inner_text()
