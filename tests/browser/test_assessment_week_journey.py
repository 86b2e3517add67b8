"""The assessment's week as a link worker fills it in on a call: a compact grid of days by
morning, afternoon and evening that fits a phone, works from the keyboard, reads in full
to a screen reader ("Tuesday evening"), and keeps what was ticked."""

from __future__ import annotations

from typing import Any

import pytest

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework.models import Assessment, Client
from tests.casework.conftest import make_client

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

LINK_WORKER = "linkworker.ashfield@example.org"


@pytest.fixture
def mary(demo_ashfield: Area) -> Client:
    return make_client(demo_ashfield, worker=User.objects.get(email=LINK_WORKER))


@pytest.mark.parametrize("size", [{"width": 390, "height": 844}, {"width": 1100, "height": 900}])
def test_the_week_is_a_grid_that_fits_and_works_from_the_keyboard(
    page: Any, mary: Client, size: dict[str, int]
) -> None:
    page.set_viewport_size(size)
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto(f"/staff/clients/{mary.public_id}/assessment/")
    grid = page.locator("table.app-checkbox-grid")
    assert grid.locator("th[scope=col]").all_inner_texts() == ["Morning", "Afternoon", "Evening"]
    assert grid.locator("th[scope=row]").count() == 7
    # Fits the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    # From the keyboard: focus a box by its full name and press Space.
    page.get_by_label("Tuesday evening").focus()
    page.keyboard.press("Space")
    page.get_by_label("Saturday morning").check()
    assert axe_violations(page) == []
    page.get_by_label("What matters to them").fill("Getting out of the house; singing")
    page.get_by_role("button", name="Save the assessment").click()
    page.wait_for_load_state()
    saved = Assessment.objects.filter(client=mary).latest("pk")
    assert saved.availability == {"TU": ["evening"], "SA": ["morning"]}
    # Shown ticked when the assessment is opened again.
    page.goto(f"/staff/clients/{mary.public_id}/assessment/")
    assert page.get_by_label("Tuesday evening").is_checked()
    assert not page.get_by_label("Tuesday morning").is_checked()
