"""Issue 18's "Done when" in a real browser: with the demo loaded, Gedling (started from
Ashfield by load_demo's start_area) is worked through its scoping stage by its own
coordinator. The playbook opens at Scoping with "Run the community survey" not done and
what the platform says of it; the task's evidence link leads to the draft survey made
from the template, which the coordinator opens to residents through the surveys pages
(the link, the confirmation, the button); back on the playbook the task has completed
itself from the platform's data, the stage's count and the percent at the top went up;
the gaps task's evidence link answers with a page for an area with nobody and nothing
on yet; the public home page and What's on answer, What's on saying nothing is listed.
Back and Forward once each. axe (WCAG 2.2 AA) on every page at a desktop's width and
at 390 px, where nothing may be wider than the screen.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from inspiring.areas.models import Area
from inspiring.playbook.models import Task
from inspiring.surveys.models import Survey

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator.gedling@example.org"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}
SURVEY_TASK = "Run the community survey"
GAPS_TASK = "See the gaps between what residents want and what is on"

# The elements that reach past a phone's right edge, named for the failure message.
OVERFLOWING = """
width => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > width + 0.5)
  .filter(el => !el.closest('.nhsuk-u-visually-hidden'))
  .slice(0, 5)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
       + ' (' + Math.round(el.getBoundingClientRect().right) + ' px)')
"""
# "Done  0%: 0 of 17 tasks" in the summary at the top of the playbook.
PERCENT = re.compile(r"(\d+)%: (\d+) of (\d+) tasks?")


def checked(page: Any) -> None:
    """axe at the desktop's width, then at 390 px: axe again, and nothing wider."""
    assert axe_violations(page) == [], f"{page.url} at {DESKTOP['width']} px"
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (
            f"{page.url} is {width} px wide on a phone: "
            f"{page.evaluate(OVERFLOWING, PHONE['width'])}"
        )
        assert axe_violations(page) == [], f"{page.url} at {PHONE['width']} px"
    finally:
        page.set_viewport_size(DESKTOP)


def percent_done(page: Any) -> tuple[int, int, int]:
    """The playbook's percent, tasks done and tasks in all, from the summary at the top."""
    done = page.locator(".nhsuk-summary-list__row", has_text="Done").first.inner_text()
    found = PERCENT.search(done)
    assert found is not None, done
    percent, tasks_done, total = (int(n) for n in found.groups())
    return percent, tasks_done, total


def current_stage(page: Any) -> str:
    row = page.locator(".nhsuk-summary-list__row", has_text="Current stage").first
    return str(row.locator("dd").inner_text())


def stage_count(page: Any, code: str) -> str:
    """The "1 of 3 tasks done" line under a stage's heading."""
    return str(page.locator(f"#stage-{code} .nhsuk-body-l").first.inner_text())


@pytest.fixture
def gedling(demo_ashfield: Area) -> Area:
    """The demo as load_demo leaves it: Gedling, the fourth area, started from Ashfield."""
    return Area.objects.get(slug="gedling")


def test_the_gedling_coordinator_works_through_scoping(page: Any, gedling: Area) -> None:
    survey_task = Task.objects.get(stage__area=gedling, title=SURVEY_TASK)
    gaps_task = Task.objects.get(stage__area=gedling, title=GAPS_TASK)
    # The draft made from the template, and the only survey the area has.
    survey = Survey.objects.get(area=gedling)
    assert survey.status == Survey.Status.DRAFT
    assert not survey.synthetic

    page.set_viewport_size(DESKTOP)
    sign_in(page, COORDINATOR)
    page.wait_for_url("**/staff/")
    assert page.locator(".nhsuk-header__service-name").inner_text() == "Inspiring Gedling"
    checked(page)

    # (1) The playbook, at Scoping: the survey task not done, and what the platform says.
    page.get_by_role("link", name="Playbook", exact=True).click()
    page.wait_for_url("**/staff/playbook/")
    playbook_url = page.url
    assert page.get_by_role("heading", level=1).inner_text().endswith("Playbook")
    for title in ("1. Scoping", "2. Informing", "3. Connecting", "4. Roll-out"):
        assert page.get_by_role("heading", name=title).is_visible()
    assert current_stage(page).startswith("Scoping: ")
    percent_before, done_before, total = percent_done(page)
    scoping_before = stage_count(page, "scoping")
    scoping_done = int(scoping_before.split(" of ")[0])
    card = page.locator(f"#task-{survey_task.public_id}")
    assert "Not done" in card.inner_text()
    assert "1 needed: 0 community surveys published so far" in card.inner_text()
    checked(page)

    # (2) The task's evidence link: the area's surveys, with the draft from the template.
    card.get_by_role("link", name=re.compile(r"^The survey summary")).click()
    page.wait_for_url("**/staff/surveys/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Community survey")
    row = page.locator("tr", has=page.get_by_role("link", name=survey.title))
    assert "Draft" in row.inner_text()
    checked(page)
    row.get_by_role("link", name=survey.title).click()
    page.wait_for_url(f"**/staff/surveys/{survey.public_id}/")
    survey_url = page.url
    assert "A draft: change anything" in page.inner_text("main")
    checked(page)

    # Open it as a coordinator does: the link, the confirmation page, its button.
    page.get_by_role("link", name="Open the survey to residents").click()
    page.wait_for_url(f"**/staff/surveys/{survey.public_id}/open/")
    assert (
        page.get_by_role("heading", level=1).inner_text().endswith("Open the survey to residents")
    )
    checked(page)
    page.get_by_role("button", name="Open the survey").click()
    page.wait_for_url(survey_url)
    assert page.get_by_text("The survey is open: residents can answer it").is_visible()
    public_address = f"/gedling/survey/{survey.public_id}/"
    assert page.locator(f'a[href$="{public_address}"]').is_visible()
    checked(page)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN

    # (3) Back on the playbook: the task completed itself, the stage and percent moved.
    page.goto("/staff/playbook/")
    card = page.locator(f"#task-{survey_task.public_id}")
    assert "Done: 1 community survey published" in card.inner_text()
    assert "Completed by the platform's data" in card.inner_text()
    assert stage_count(page, "scoping").startswith(f"{scoping_done + 1} of ")
    percent_after, done_after, total_after = percent_done(page)
    assert (done_after, total_after) == (done_before + 1, total)
    assert percent_after == round(100 * done_after / total) != percent_before
    checked(page)

    # Back and Forward once: each page as it is now, not as the browser last saw it.
    page.go_back()
    assert page.url == survey_url
    assert "Residents answer it at this address" in page.inner_text("main")
    page.go_forward()
    assert page.url == playbook_url
    card = page.locator(f"#task-{survey_task.public_id}")
    assert "Done: 1 community survey published" in card.inner_text()

    # The survey task's evidence is now the published survey's summary.
    card.get_by_role("link", name=re.compile(r"^The survey summary")).click()
    page.wait_for_url(f"**/staff/surveys/{survey.public_id}/summary/")
    assert page.get_by_role("heading", level=1).inner_text().endswith(survey.title)
    # Its tables scroll sideways on a phone: each is a named region a keyboard can
    # scroll (axe's scrollable-region-focusable).
    checked(page)
    page.goto("/staff/playbook/")

    # (4) The gaps task's evidence: a page that answers for an area with nothing yet.
    gaps_card = page.locator(f"#task-{gaps_task.public_id}")
    with page.expect_navigation() as navigation:
        gaps_card.get_by_role("link", name=re.compile(r"^The gaps between")).click()
    assert navigation.value.status == 200
    # With the survey open: what residents want beside what the calendar offers.
    page.wait_for_url(f"**/staff/surveys/{survey.public_id}/summary/#calendar")
    assert page.get_by_role(
        "heading", name="What residents want beside what the calendar offers"
    ).is_visible()
    checked(page)

    # (5) The public pages answer; What's on says nothing is listed yet.
    home = page.goto("/gedling/")
    assert home is not None and home.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Inspiring Gedling"
    checked(page)
    whats_on = page.goto("/gedling/whats-on/")
    assert whats_on is not None and whats_on.status == 200
    assert page.get_by_text("Inspiring Gedling has no activities listed yet.").is_visible()
    checked(page)
