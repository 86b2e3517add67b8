"""A resident answers the demo community survey on a phone (390 x 844), as the public
does: the start page, one section a page (the kinds of activity as a grid of boxes
that fits the screen), Back and Forward in the browser once each with nothing lost,
a change from the check-your-answers page, then Send; axe on every page. The response
is there afterwards, beside the demo's 400 synthetic ones."""

from __future__ import annotations

from typing import Any

import pytest

from inspiring.accounts.models import Membership
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area, Postcode
from inspiring.demo.surveys import RESPONSES_PER_AREA, load_demo_surveys
from inspiring.surveys.choices import BARRIER_BITS, Mode
from inspiring.surveys.models import Response, Survey

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def survey(demo_ashfield: Area, settings: Any) -> Survey:
    settings.SURVEY_MIN_SECONDS = 0  # the minimum time has its own tests
    coordinator = Membership.objects.get(area=demo_ashfield, role=Role.COORDINATOR).user
    load_demo_surveys({"ashfield": demo_ashfield}, lambda area: coordinator)
    return Survey.objects.get(area=demo_ashfield)


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def continue_(page: Any) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def test_a_resident_completes_the_survey_on_a_phone(page: Any, survey: Survey) -> None:
    page.set_viewport_size(PHONE)
    kinds = [s.instrument_code or s.kind for s in survey.sections.all()]
    postcode = (
        Postcode.objects.filter(district_code="E07000170", lsoa__isnull=False)
        .order_by("postcode")
        .values_list("postcode", flat=True)
        .first()
    )
    assert postcode is not None
    page.goto(f"/ashfield/survey/{survey.public_id}/")
    assert "Synthetic demo data" in page.inner_text("main")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start now").click()

    for number, kind in enumerate(kinds, start=1):
        page.locator("h1").wait_for()
        assert f"Section {number} of {len(kinds)}" in page.locator("h1").inner_text()
        assert axe_violations(page) == [], kind
        assert fits_the_screen(page), kind
        if kind == "categories":
            page.get_by_label("Music would like").check()
            page.get_by_label("Walking know of").check()
        elif kind == "barriers":
            page.get_by_label("Cost").check()
        elif kind == "ons4":
            page.locator('input[name="life_satisfaction"][value="7"]').check()
        elif kind == "postcode":
            page.get_by_label("What is your postcode?").fill("ZZ99 9ZZ")
            continue_(page)
            summary = page.locator(".nhsuk-error-summary")
            summary.wait_for()
            assert "We do not know that postcode" in summary.inner_text()
            assert axe_violations(page) == []
            page.get_by_label("What is your postcode?").fill(postcode)
        continue_(page)
        if kind == "ons4":
            # Back in the browser: the page as answered; Forward: on where they were.
            page.go_back()
            assert page.locator('input[name="life_satisfaction"][value="7"]').is_checked()
            page.go_forward()
            page.locator("h1").wait_for()
            assert f"Section {number + 1} of" in page.locator("h1").inner_text()

    page.get_by_role("heading", name="Check your answers before sending").wait_for()
    assert axe_violations(page) == []
    main = page.inner_text("main")
    assert "Music" in main and "Cost" in main and postcode not in main
    # Change one answer from the check page and come back to it.
    barriers = kinds.index("barriers") + 1
    page.locator(f'a[href$="/{barriers}/?change=1"]').first.click()
    page.get_by_label("Getting there (travel or transport)").check()
    page.get_by_role("button", name="Save and return to your answers").click()
    page.get_by_role("heading", name="Check your answers before sending").wait_for()
    assert "Getting there" in page.inner_text("main")
    assert Response.objects.filter(survey=survey).count() == RESPONSES_PER_AREA
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    assert axe_violations(page) == []
    assert page.get_by_role("link", name="See what's on in Ashfield").is_visible()

    assert Response.objects.filter(survey=survey).count() == RESPONSES_PER_AREA + 1
    response = Response.objects.filter(survey=survey).latest("pk")
    music = survey.categories.get(label="Music")
    walking = survey.categories.get(label="Walking")
    assert response.mode == Mode.ONLINE
    assert response.wants_mask == music.bit and response.knows_mask == walking.bit
    assert response.barriers_mask == (1 << BARRIER_BITS["cost"]) | (1 << BARRIER_BITS["travel"])
    assert response.measures["ons4"]["answers"] == {"life_satisfaction": 7}
    assert response.lsoa_code

    # The coordinator sees it in the summary: one more response, and one more resident
    # wanting music than the demo's synthetic ones.
    wanting_music = sum(
        1
        for mask in Response.objects.filter(survey=survey).values_list("wants_mask", flat=True)
        if mask & music.bit
    )
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in(page, "coordinator.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Community survey results").click()
    page.get_by_role("link", name=survey.title).first.click()
    page.get_by_role("heading", name=survey.title).wait_for()
    main = page.inner_text("main")
    assert f"{RESPONSES_PER_AREA + 1} responses" in main
    music_row = page.locator("table tr", has=page.locator("th", has_text="Music")).first
    assert str(wanting_music) in music_row.inner_text()
    assert axe_violations(page) == []


def test_the_coordinator_runs_the_survey_and_enters_a_paper_return(
    page: Any, survey: Survey
) -> None:
    """From the staff home to a new draft's sections, the open survey's page, its preview
    and a paper return: axe on every page, at desktop width."""
    sign_in(page, "coordinator.ashfield@example.org")
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Community survey", exact=True).click()
    page.get_by_role("heading", name="Community survey").wait_for()
    assert "Synthetic demo data" in page.inner_text("main")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start a survey from the template").click()
    page.get_by_role("link", name="Change the sections").click()
    page.get_by_role("heading", name="Change the sections").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Move down Kinds of activity").click()
    page.get_by_text("Sections saved.").wait_for()
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Change the title and introduction").click()
    assert axe_violations(page) == []

    page.goto(f"/staff/surveys/{survey.public_id}/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Preview the survey").click()
    page.get_by_role("heading", name="Preview").wait_for()
    assert axe_violations(page) == []
    page.goto(f"/staff/surveys/{survey.public_id}/")
    page.get_by_role("link", name="Enter a paper return").click()
    page.get_by_label("Cost").check()
    page.get_by_role("button", name="Save this return").click()
    page.get_by_text("Saved. Enter another paper return below.").wait_for()
    assert axe_violations(page) == []
    assert Response.objects.filter(survey=survey, mode=Mode.PAPER).count() == 1
