"""Changing and withdrawing a connection in a real browser, at a phone's size, with axe on
each page (issue 14, points 1 and 2).

A link worker on a call with Sam picks a walk among two of the same name (the picker says
who runs each, where, when and how far), finds Sam was suggested the wrong one, withdraws
it, and on the right one adds a first session and support; a first session outside Sam's
week is warned about, not refused. Nothing on the way scrolls sideways on a phone.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework.models import Assessment, Connection
from inspiring.directory.materialise import materialise_all
from tests.casework.conftest import make_client
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LINK_WORKER = "linkworker.ashfield@example.org"


@pytest.fixture
def walks(demo_ashfield: Area) -> dict[str, Any]:
    """Two "Health walk"s: Kirkby's on Tuesday and Saturday mornings near Sam, and
    Mansfield's on Saturday afternoons, further than Sam can travel."""
    today = timezone.localdate()
    kirkby = organisation(demo_ashfield, "Kirkby Walking Group")
    near = activity(
        kirkby,
        "Health walk",
        at=venue(kirkby, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield"),
    )
    weekly(near, "TU", time(10), time(11), from_date=today)
    weekly(near, "SA", time(10), time(11), from_date=today)
    mansfield = organisation(demo_ashfield, "Mansfield Ramblers")
    far = activity(
        mansfield,
        "Health walk",
        at=venue(mansfield, "Titchfield Park", "NG18 1AA", town="Mansfield"),
    )
    weekly(far, "SA", time(13), time(15), from_date=today)
    materialise_all()
    worker = User.objects.get(email=LINK_WORKER)
    sam = make_client(demo_ashfield, "Sam", "Hill", worker=worker)
    Assessment.objects.create(
        client=sam,
        what_matters="Getting out again.",
        availability={"TU": ["morning"]},
        max_travel_miles=2,
        assessed_on=today,
    )
    # Suggested in a hurry on the last call: the Mansfield walk, by mistake.
    mistake = Connection.objects.create(
        client=sam, activity=far, status="suggested", status_changed_on=today
    )
    return {"sam": sam, "near": near, "far": far, "mistake": mistake}


def _fits(page: Any) -> None:
    """No page on the way scrolls sideways on a phone, and axe finds nothing serious."""
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert axe_violations(page) == [], page.url


def test_a_connection_is_withdrawn_and_another_changed_on_a_phone(
    page: Any, walks: dict[str, Any]
) -> None:
    sam, near, mistake = walks["sam"], walks["near"], walks["mistake"]
    page.set_viewport_size(PHONE)
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto(sam.get_absolute_url())
    _fits(page)

    # The picker tells the two walks apart.
    page.get_by_role("link", name="Connect to an activity").click()
    page.get_by_label("Search activities").fill("walk")
    page.get_by_role("button", name="Search").click()
    _fits(page)
    choices = page.locator(".app-activity-choices > li")
    assert choices.count() == 2
    kirkby = choices.filter(has_text="Run by Kirkby Walking Group").inner_text()
    assert "Kirkby Community Hall, Kirkby-in-Ashfield" in kirkby
    assert "Every Tuesday, 10:00 to 11:00" in kirkby and "Next:" in kirkby
    assert "miles from their home" in kirkby
    mansfield = choices.filter(has_text="Run by Mansfield Ramblers")
    assert "Every Saturday, 13:00 to 15:00" in mansfield.inner_text()
    assert "Already connected" in mansfield.inner_text()  # the one suggested by mistake

    # It was the wrong walk: withdraw it.
    mansfield.get_by_role("link", name="Suggested").click()
    page.get_by_role("heading", name="Health walk").wait_for()
    assert "further than the 2 miles they said they can travel" in page.content()
    _fits(page)
    page.get_by_role("link", name="Withdraw it: made by mistake").click()
    _fits(page)
    page.get_by_role("button", name="Withdraw the connection").click()
    page.locator(".nhsuk-error-summary").get_by_text("Give the reason").wait_for()
    _fits(page)
    page.get_by_label("Why is it being withdrawn?").fill("Suggested the Mansfield walk by mistake.")
    page.get_by_role("button", name="Withdraw the connection").click()
    page.get_by_text("The connection to Health walk is withdrawn").wait_for()
    _fits(page)
    timeline = page.locator(".app-timeline").inner_text()
    assert "Health walk: withdrawn" in timeline and "by mistake" in timeline
    mistake.refresh_from_db()
    assert mistake.status == "withdrawn"

    # Connect the right one, then change it: a first session on Saturday is outside
    # Sam's week, which is said, and accepted.
    page.get_by_role("link", name="Connect to an activity").click()
    page.get_by_label("Search activities").fill("Kirkby walk")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="connect Sam Hill").click()
    _fits(page)
    page.get_by_role("button", name="Connect").click()
    page.get_by_text("Sam Hill is connected to Health walk.").wait_for()
    connection = Connection.objects.get(client=sam, activity=near)
    page.get_by_role("link", name="Change the connection to Health walk").click()
    page.get_by_role("heading", name="Change the connection to Health walk").wait_for()
    _fits(page)
    page.get_by_label("Introduction: the group is told the client is coming").check()
    saturday = page.locator("#id_first_session option", has_text="not in their week").first
    page.get_by_label("First session").select_option(saturday.get_attribute("value"))
    page.get_by_label("Accompany them on the first visit").check()
    page.get_by_label("the client agrees to share these details", exact=False).check()
    page.get_by_label("What the group may know").fill("Sam, a bit nervous; I'll come too.")
    page.get_by_role("button", name="Save the changes").click()
    page.get_by_text("The connection to Health walk is saved.").wait_for()
    assert page.get_by_text("is not in their week").first.is_visible()
    _fits(page)
    connection.refresh_from_db()
    assert connection.level == "introduction" and connection.support == ["accompany"]
    assert connection.first_session is not None and connection.first_session.weekday == 5
