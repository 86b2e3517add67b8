"""The case timeline and closing a case in a real browser, at phone size (390 px), with
axe on every page (issue 14, points 7 and 10).

Mary's story was typed in today although it happened over three months: her referral
was received 95 days ago, her link worker rang her 85 days ago, assessed her the day
after and connected her to a walk. On a phone the caseload shows her next contact due;
her timeline reads in the order things happened, with the dates the other pages show
(the call above the referral); the link worker closes her case from the visible "Close
this case" action, and the timeline says how it closed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.casework.actions.clients import do_record_contact, do_save_assessment
from inspiring.casework.actions.connections import do_connect, do_edit_connection
from inspiring.casework.models import Assessment, Client, Connection, Contact, Referral
from tests.casework.conftest import make_client
from tests.directory.builders import activity, organisation, venue

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

LINK_WORKER = "linkworker.ashfield@example.org"
PHONE = {"width": 390, "height": 844}


def _checked(page: Any) -> None:
    """The page passes axe and fits the phone's width."""
    page.wait_for_load_state()
    assert axe_violations(page) == [], page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a phone"


def _days_ago(days: int) -> Any:
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def mary(demo_ashfield: Area) -> Client:
    liam = User.objects.get(email=LINK_WORKER)
    request = RequestFactory().post("/")
    request.user = liam
    client = make_client(demo_ashfield, "Mary", "Jones", worker=liam)
    referral = client.referrals.get()
    received = _days_ago(95)
    Referral.objects.filter(pk=referral.pk).update(received_on=received, status_changed_on=received)
    referral.changes.update(on=received)
    call = timezone.make_aware(datetime.combine(_days_ago(85), time(11, 30)))
    do_record_contact(request, client, Contact(kind="phone", on=call, minutes=20))
    do_save_assessment(
        request, client, Assessment(what_matters="Getting out more", assessed_on=_days_ago(84)), []
    )
    group = organisation(demo_ashfield, "Kirkby Walking Group")
    walk = activity(group, "Health walk", at=venue(group, "Kirkby Hall", "NG17 7AE"))
    connection = do_connect(
        request, client, Connection(activity=walk, status=Connection.Status.AGREED)
    )
    connection.follow_up_on = timezone.localdate() + timedelta(days=2)
    do_edit_connection(request, connection, ["follow_up_on"], seen_version=connection.version)
    return client


def test_the_timeline_and_closing_a_case_on_a_phone(page: Any, mary: Client) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")

    # The caseload: her next contact due, and what it is.
    page.goto("/staff/clients/?q=Mary+Jones")
    _checked(page)
    row = page.locator("tr", has_text="Mary Jones")
    due = timezone.localdate() + timedelta(days=2)
    assert f"{due:%-d %b %Y}" in row.inner_text()
    assert "Check in with Mary Jones about" in row.inner_text()
    row.get_by_role("link", name="Mary Jones").click()

    # The timeline, in the order things happened, with the dates other pages show.
    page.wait_for_url(f"**/staff/clients/{mary.public_id}/")
    _checked(page)
    timeline = page.locator(".app-timeline").inner_text()
    received = _days_ago(95)
    assert f"{received:%-d %B %Y}" in timeline
    assert timeline.index("Phone, 20 minutes") < timeline.index("Referral received")
    assert timeline.index("Assessed") < timeline.index("Phone, 20 minutes")
    assert timeline.rstrip().endswith("(SNOMED CT 871731000000106)")  # received, first of all

    # Closing is a visible action, to the form with "Closed" already chosen.
    page.get_by_role("link", name="Close this case").click()
    _checked(page)
    assert page.get_by_label("Closed").is_checked()
    page.get_by_label("Outcome (when closing)").select_option("goals_met")
    page.get_by_label("Reason").fill("Walking every week with new friends")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The referral is updated.").wait_for()
    _checked(page)
    timeline = page.locator(".app-timeline").inner_text()
    assert timeline.lstrip().startswith(f"{timezone.localdate():%-d %B %Y}")
    assert "Case closed: Goals met: connected and attending" in timeline
    assert "Walking every week with new friends" in timeline
    assert page.get_by_role("link", name="Close this case").count() == 0
