"""A link worker books a client's first visit, for them and their buddy, on a phone;
a resident books a place online at the same session; the partner lead sees both on the
session's register, the client's by what they agreed to share and the resident's by
name, with no contact details. Each page checked with axe (issue 21)."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.bookings.actions import do_book
from inspiring.bookings.models import Booking
from inspiring.casework.models import Connection
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from tests.casework.conftest import make_client
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LINK_WORKER = "linkworker.ashfield@example.org"
PARTNER = "partner.ashfield@example.org"


@pytest.fixture
def sam(demo_ashfield: Area) -> Connection:
    """Sam, agreed to go to a walk that takes 4 places a session, with a buddy."""
    walkers = organisation(demo_ashfield, "Kirkby Walking Group")
    walkers.leads.add(User.objects.get(email=PARTNER))
    hall = venue(walkers, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    walk = activity(walkers, "Health walk", at=hall)
    Activity.objects.filter(pk=walk.pk).update(public_booking=True)
    weekly(walk, "", time(10), time(11), from_date=timezone.localdate(), rrule="FREQ=WEEKLY")
    Schedule.objects.filter(activity=walk).update(places=4)
    materialise_all()
    worker = User.objects.get(email=LINK_WORKER)
    client = make_client(demo_ashfield, "Sam", "Hill", worker=worker)
    return Connection.objects.create(
        client=client,
        activity=walk,
        status=Connection.Status.AGREED,
        status_changed_on=timezone.localdate(),
        level="introduction",
        support=["buddy"],
        share_consent=True,
        shared_note="Sam, a bit nervous, coming with a buddy",
    )


def test_a_first_visit_booked_for_a_client_and_their_buddy(page: Any, sam: Connection) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, LINK_WORKER)
    page.wait_for_url("**/staff/")
    page.goto(sam.get_absolute_url())
    page.get_by_role("link", name=re.compile("^Book a place")).click()
    page.get_by_role("heading", name=re.compile("Book a place at Health walk")).wait_for()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Without their agreement nothing is booked.
    page.get_by_role("button", name="Book").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Confirm they agree to this booking" in summary.inner_text()
    assert axe_violations(page) == []
    page.get_by_role("group", name="Which session").get_by_role("radio").first.check()
    page.get_by_role("group", name="How many places").get_by_label(re.compile("^2")).check()
    page.get_by_label(re.compile("agree", re.IGNORECASE)).last.check()
    page.get_by_role("button", name="Book").click()
    page.wait_for_url(f"**{sam.get_absolute_url()}")
    text = page.locator("main").inner_text()
    assert "Booked for" in text and "2 places" in text
    assert axe_violations(page) == []
    booking = Booking.objects.get(connection=sam)
    assert (booking.status, booking.places, booking.channel) == ("booked", 2, "link_worker")
    session = booking.session
    assert session is not None and Session.objects.get(pk=session.pk).booked == 2
    page.get_by_role("button", name="Sign out").click()

    # A resident books a place online at the same session.
    do_book(
        None,
        session,
        name="Ann Example",
        email="ann@example.org",
        places=1,
        channel=Booking.Channel.ONLINE,
    )

    # The partner lead sees both on the session's register: no contact details.
    sign_in(page, PARTNER)
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="People coming to your activities").first.click()
    page.get_by_role("link", name="Session registers").click()
    page.get_by_role("link", name="Health walk").first.click()
    register = page.locator("main").inner_text()
    assert "Sam" in register and "Hill" not in register
    assert "Ann Example, 1 place" in register and "ann@example.org" not in register
    assert axe_violations(page) == []
