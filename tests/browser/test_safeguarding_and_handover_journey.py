"""Safeguarding and caseload handover in a real browser, at phone size (390 px), with axe
on every page.

A coordinator is warned on the staff home until a safeguarding lead and deputy are
named, and names them; a link worker raises a concern (kind, how soon, consent to a
referral) from a client's page, which is then flagged; the lead sees on their home that
one waits, and opens it. A coordinator hands one client of a 34-client caseload to a
colleague in three clicks, using "Select all" on the way, and the handover is on the
client's timeline.
"""

from __future__ import annotations

from typing import Any

import pytest

from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area
from inspiring.casework.models import Client, Handover, SafeguardingConcern, SafeguardingLead
from inspiring.demo.data import DEMO_PASSWORD
from tests.casework.conftest import make_client

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator.ashfield@example.org"
LINK_WORKER = "linkworker.ashfield@example.org"
LEAD = "sam.lead@example.org"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def team(demo_ashfield: Area) -> dict[str, Any]:
    sam = User.objects.create_user(LEAD, DEMO_PASSWORD, full_name="Sam Lead")
    Membership.objects.create(user=sam, area=demo_ashfield, role=Role.LINK_WORKER)
    liam = User.objects.get(email=LINK_WORKER)
    mary = make_client(demo_ashfield, "Mary", "Jones", worker=liam)
    return {"area": demo_ashfield, "sam": sam, "liam": liam, "mary": mary}


def _checked(page: Any) -> None:
    """The page passes axe and fits the phone's width."""
    page.wait_for_load_state()
    assert axe_violations(page) == [], page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a phone"


def _sign_in_as(page: Any, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, email)
    page.wait_for_url("**/staff/")


def test_raising_a_safeguarding_concern_on_a_phone(page: Any, team: dict[str, Any]) -> None:
    page.set_viewport_size(PHONE)
    mary: Client = team["mary"]

    # The coordinator is warned until a lead and deputy are named, and names them.
    _sign_in_as(page, COORDINATOR)
    warning = page.locator(".nhsuk-warning-callout")
    assert "Name the safeguarding lead and their deputy." in warning.inner_text()
    _checked(page)
    page.get_by_role("link", name="Safeguarding").first.click()
    _checked(page)
    page.get_by_role("link", name="Name the safeguarding lead and deputy").click()
    _checked(page)
    page.get_by_role("group", name="Designated safeguarding lead").get_by_label(
        "Sam Lead (link worker)"
    ).check()
    page.get_by_role("group", name="Deputy safeguarding lead").get_by_label(
        "Chloe Carter (coordinator)"
    ).check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Sam Lead is the designated safeguarding lead").wait_for()
    _checked(page)
    named = SafeguardingLead.objects.get(area=team["area"])
    assert named.user == team["sam"]
    assert named.deputy is not None and named.deputy.email == COORDINATOR

    # The link worker raises a concern from the client's page.
    _sign_in_as(page, LINK_WORKER)
    page.goto(mary.get_absolute_url())
    page.get_by_role("link", name="Raise a safeguarding concern").click()
    _checked(page)
    assert "Sam Lead" in page.inner_text("main")
    page.get_by_role("button", name="Raise the concern").click()
    page.locator(".nhsuk-error-summary").wait_for()
    assert "Select what kind of harm you are worried about" in page.inner_text("main")
    _checked(page)
    page.get_by_label("Financial or material abuse").check()
    page.get_by_label("What you are worried about").fill(
        "Mary said her nephew takes her pension and she is frightened of him."
    )
    page.get_by_label("Within 24 hours").check()
    page.get_by_role(
        "group", name="Did the person consent to a referral", exact=False
    ).get_by_label("No", exact=True).check()
    page.get_by_label("If no, or not asked: why?").fill("She is afraid of what he will do.")
    page.get_by_role("button", name="Raise the concern").click()
    page.get_by_text("Your concern is sent to Sam Lead").wait_for()
    _checked(page)
    concern = SafeguardingConcern.objects.get()
    assert (concern.category, concern.urgency, concern.referral_consent) == (
        "financial",
        "24_hours",
        "no",
    )

    # The case page flags it for them, without what it says.
    page.goto(mary.get_absolute_url())
    flag = page.locator("#safeguarding-flag")
    assert "Safeguarding concern open" in flag.inner_text()
    assert "pension" not in page.inner_text("main")
    _checked(page)

    # The lead sees on their home that one waits, and opens it.
    _sign_in_as(page, LEAD)
    assert "1 concern waiting." in page.inner_text("main")
    assert "Mary" not in page.inner_text("main")
    page.get_by_role("link", name="Safeguarding").first.click()
    _checked(page)
    page.get_by_role("link", name="the concern about Mary Jones", exact=False).click()
    assert "pension" in page.inner_text("main")
    assert "Financial or material abuse" in page.inner_text("main")
    _checked(page)


def test_handing_over_one_client_on_a_phone(page: Any, team: dict[str, Any]) -> None:
    page.set_viewport_size(PHONE)
    liam: User = team["liam"]
    for n in range(33):
        make_client(team["area"], f"Person{n:02d}", "Test", worker=liam)
    mary: Client = team["mary"]

    _sign_in_as(page, COORDINATOR)
    page.get_by_role("link", name="Hand over a caseload").click()
    _checked(page)
    page.get_by_role("link", name="Liam Walsh").click()
    _checked(page)
    boxes = page.locator('input[name="clients"]')
    assert boxes.count() == 34
    assert page.locator('input[name="clients"]:checked').count() == 0
    assert "Referral: received" in page.inner_text("main")

    # "Select all" ticks every client (a submit button: no JavaScript needed)...
    page.get_by_role("button", name="Select all 34").click()
    page.wait_for_load_state()
    assert page.locator('input[name="clients"]:checked').count() == 34
    _checked(page)
    # ...and "Untick all" takes them off again.
    page.get_by_role("button", name="Untick all").click()
    page.wait_for_load_state()
    assert page.locator('input[name="clients"]:checked').count() == 0

    # One client, to one colleague: three clicks.
    clicks = 0
    page.get_by_label("Mary Jones").check()
    clicks += 1
    page.get_by_role("group", name="Who to hand them to").get_by_label(
        "Sam Lead (link worker)"
    ).check()
    clicks += 1
    page.get_by_role("button", name="Hand them over").click()
    clicks += 1
    page.get_by_text("1 client is handed over: 1 to Sam Lead.").wait_for()
    _checked(page)
    assert clicks == 3
    assert Client.objects.get(pk=mary.pk).worker == team["sam"]
    assert Client.objects.filter(worker=liam).count() == 33
    assert Handover.objects.get().to_worker == team["sam"]

    # The handover is on the client's timeline.
    page.goto(mary.get_absolute_url())
    assert "Handed over from Liam Walsh to Sam Lead" in page.locator(".app-timeline").inner_text()
    _checked(page)
