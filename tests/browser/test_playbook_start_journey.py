"""A site administrator starts Inspiring Gedling from Ashfield on the "Start a new area"
page, on a phone (390 x 844) and on a desktop: a GSS code typed wrong is shown in the
error summary with everything typed kept, then the area starts and the page says what
was copied; its playbook opens at scoping, and its public pages answer with nothing
on yet. axe on every page."""

from __future__ import annotations

from typing import Any

import pytest

from inspiring.areas.models import Area
from inspiring.matching.models import BarrierRule
from inspiring.playbook.models import Task
from inspiring.surveys.models import Survey

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def before_gedling(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo as it was before Gedling was started (its coordinator has an account)."""
    monkeypatch.setattr("inspiring.demo.loading.DEMO_NEW_AREAS", ())


@pytest.fixture
def demo(before_gedling: None, demo_ashfield: Area) -> Area:
    return demo_ashfield


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def check(page: Any, what: str) -> None:
    assert axe_violations(page) == [], what
    assert fits_the_screen(page), what


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_site_administrator_starts_gedling_from_ashfield(
    page: Any, demo: Area, size: dict[str, int]
) -> None:
    assert not Area.objects.filter(slug="gedling").exists()
    BarrierRule.objects.create(area=demo, barrier="cost", feature="free")
    page.set_viewport_size(size)
    sign_in(page, "admin@example.org")
    page.wait_for_url("**/staff/**")

    page.goto("/staff/areas/new/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Start a new area")
    check(page, "the empty form")
    page.get_by_label("Area name").fill("Gedling")
    page.get_by_label("Programme name").fill("Inspiring Gedling")
    page.get_by_label("Web address").fill("gedling")
    page.get_by_label("Local authority district codes").fill("E0700017")
    page.get_by_label("Lead organisation").fill("Gedling Council for Voluntary Service")
    page.get_by_label("Inspiring Ashfield (/ashfield/)").check()
    page.get_by_role("button", name="Start the area").click()

    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Enter a GSS code: a letter and 8 digits" in summary.inner_text()
    assert page.title().startswith("Error: ")
    check(page, "the form with an error")
    # What was typed is kept; the link in the summary goes to the box.
    assert page.get_by_label("Programme name").input_value() == "Inspiring Gedling"
    assert page.get_by_label("Inspiring Ashfield (/ashfield/)").is_checked()
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_districts"
    page.get_by_label("Local authority district codes").fill("E07000173")
    page.get_by_role("button", name="Start the area").click()

    page.wait_for_url("**/staff/areas/gedling/started/")
    main = page.inner_text("main")
    assert "Started Inspiring Gedling (/gedling/) from Ashfield" in page.inner_text("body")
    assert "Copied from Ashfield" in main and "ready to open" in main
    assert "The barrier table for suggestions: 1 row" in main
    assert "postcodes of the district are loaded" in main
    check(page, "what was copied")
    gedling = Area.objects.get(slug="gedling")
    assert Survey.objects.get(area=gedling).status == Survey.Status.DRAFT
    assert Task.objects.filter(stage__area=gedling).exists()

    # Its playbook, working in Gedling: at scoping.
    page.get_by_role("button", name="Open Gedling's playbook").click()
    page.wait_for_url("**/staff/playbook/")
    assert "Scoping" in page.inner_text("main")

    # Its public pages answer, with nothing on yet.
    page.goto("/gedling/")
    assert page.get_by_role("heading", level=1).inner_text() == "Inspiring Gedling"
    check(page, "the public home page")
    page.goto("/gedling/whats-on/")
    assert page.get_by_role("heading", level=1).is_visible()
    check(page, "What's on, with nothing on")
