"""The casework journey in a real browser, with axe on every page on the way.

A resident refers themselves; the link worker takes the referral from triage,
assesses what matters and connects them to a walk with support; the partner
lead records the first visit on the session register; the link worker sees it
on the case timeline and prints the client's plan. The test counts the screens
and the fields filled from the new referral to its first connection, and
prints them (`pytest -s`): the everyday path must stay short.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework.models import Attendance, Client, Connection
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Category, Session
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

LINK_WORKER = "linkworker.ashfield@example.org"
PARTNER = "partner.ashfield@example.org"
# The everyday path, from taking a new referral to its first connection, must stay short.
MOST_SCREENS, MOST_FIELDS = 8, 16


@pytest.fixture
def ashfield(demo_ashfield: Area) -> Area:
    area: Area = demo_ashfield
    walkers = organisation(area, "Kirkby Walking Group", email="walks@example.org")
    walkers.leads.add(User.objects.get(email=PARTNER))
    hall = venue(
        walkers, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield", step_free=True
    )
    walk = activity(walkers, "Health walk", at=hall, features=("come-alone-welcome",))
    walk.categories.add(Category.objects.get(slug="walking"))
    weekly(walk, "TU", time(10), time(11), from_date=timezone.localdate())
    materialise_all()
    return area


class Counter:
    """Screens reached and fields filled on the everyday path."""

    def __init__(self, page: Any) -> None:
        self.page, self.screens, self.fields = page, 0, 0

    def screen(self) -> None:
        self.page.wait_for_load_state()
        self.screens += 1
        assert axe_violations(self.page) == [], self.page.url

    def fill(self, locator: Any, value: str) -> None:
        locator.fill(value)
        self.fields += 1

    def check(self, locator: Any) -> None:
        locator.check()
        self.fields += 1


def test_a_self_referral_to_a_first_visit_and_the_clients_plan(
    page: Any, ashfield: Area, capsys: Any
) -> None:
    # A resident refers themselves.
    page.goto("/ashfield/refer-yourself/")
    assert axe_violations(page) == []
    page.get_by_label("Your first name").fill("Sam")
    page.get_by_label("Your last name").fill("Hill")
    page.get_by_label("Your postcode").fill("NG17 7AE")
    page.get_by_label("Your phone number").fill("07700 900123")
    page.get_by_label("Phone call").check()
    page.get_by_label("Loneliness or isolation").check()
    page.get_by_label("I agree to the programme keeping these details").check()
    page.get_by_label("I agree to the programme contacting me").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you: we have your details").wait_for()
    assert axe_violations(page) == []

    # The link worker takes it from triage and works through to a connection.
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    path = Counter(page)
    page.get_by_role("link", name="Caseload").click()
    path.screen()
    page.get_by_role("link", name="1 new referral waiting").click()
    path.screen()
    page.get_by_role("button", name="Take Sam Hill").click()
    page.get_by_text("Sam Hill is now on your caseload.").wait_for()
    path.screen()
    page.get_by_role("link", name="Record the assessment").first.click()
    path.screen()
    path.fill(page.get_by_label("What matters to them, in their words"), "Getting out again.")
    path.check(page.get_by_label("Anxiety or low confidence"))
    path.check(page.get_by_label("Tuesday morning"))
    path.fill(page.get_by_label("How far they can travel (miles)"), "2")
    page.get_by_role("button", name="Save the assessment").click()
    page.get_by_text("The assessment is saved.").wait_for()
    path.screen()
    page.get_by_role("link", name="Connect to an activity").click()
    path.screen()
    path.fill(page.get_by_label("Search activities"), "walk")
    page.get_by_role("button", name="Search").click()
    path.screen()
    page.get_by_role("link", name="Health walk").filter(has_text="connect Sam Hill").click()
    path.screen()
    path.check(page.get_by_label("Introduction: the group is told the client is coming"))
    page.get_by_label("First session").select_option(index=1)
    path.fields += 1
    path.check(page.get_by_label("Accompany them on the first visit"))
    path.check(page.get_by_label("the client agrees to share these details", exact=False))
    path.fill(page.get_by_label("What the group may know"), "Sam, a bit nervous; I'll come too.")
    path.check(page.get_by_label("They have agreed to go"))
    page.get_by_role("button", name="Connect").click()
    page.get_by_text("Sam Hill is connected to Health walk.").wait_for()
    assert axe_violations(page) == []
    with capsys.disabled():
        print(
            f"\nEveryday path, new referral to first connection: {path.screens} screens, "
            f"{path.fields} fields filled"
        )
    assert path.screens <= MOST_SCREENS and path.fields <= MOST_FIELDS

    sam = Client.objects.get(first_name="Sam")
    connection = Connection.objects.get(client=sam)
    assert (connection.status, connection.level) == ("agreed", "introduction")
    page.get_by_role("button", name="Sign out").click()

    # The walk takes place (moved into the past here: the test cannot wait for Tuesday).
    session = connection.first_session
    assert session is not None
    now = timezone.now()
    session.set_times(now - timedelta(hours=2), now - timedelta(hours=1))
    Session.objects.filter(pk=session.pk).update(
        start=session.start,
        end=session.end,
        local_date=session.local_date,
        weekday=session.weekday,
        start_minute=session.start_minute,
    )

    # The partner lead records the first visit on the session's register.
    sign_in(page, PARTNER)
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="People coming to your activities").first.click()
    # The click starts the navigation and returns: wait for the page, not its empty shell.
    page.get_by_text("Sam, a bit nervous").first.wait_for()
    assert "Hill" not in page.locator("main").inner_text()  # the first name only
    assert axe_violations(page) == []
    page.get_by_role("link", name="Session registers").click()
    page.get_by_role("link", name="Health walk").first.click()
    assert axe_violations(page) == []
    page.get_by_role("group", name="Sam").get_by_label("Came").check()
    page.get_by_role("button", name="Save the register").click()
    page.wait_for_load_state()
    assert Attendance.objects.get(connection=connection).attended
    page.get_by_role("button", name="Sign out").click()

    # The link worker sees it on the timeline, and prints the plan.
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto(sam.get_absolute_url())
    timeline = page.locator(".app-timeline").inner_text()
    assert "Health walk: went to the first visit" in timeline
    assert "Ask how the first visit to Health walk went" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("link", name="The client's plan").click()
    assert "Health walk" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    pdf = page.request.get(
        page.get_by_role("link", name="Download the large-print plan (PDF)").get_attribute("href")
    )
    assert pdf.ok and pdf.body().startswith(b"%PDF")
