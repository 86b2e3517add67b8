"""A group that accepts each booking made through other sites first: a booking partner
proposes two bookings over the Open Booking API (real HTTP to the live server), and the
group's lead finds them from the staff home, declines one with a note and accepts the
other, on a phone and on a desktop, Back and Forward included; each page checked with
axe (issue 21)."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.opendata.models import BookingPartner, Order
from inspiring.opendata.views_openbooking import key_hash
from tests.directory.builders import activity, organisation, venue, weekly
from tests.opendata.booking_partner import CUSTOMER, Partner, http_transport

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PARTNER = "partner.ashfield@example.org"
KEY = "finder-key-for-the-journey"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1100, "height": 900}}


@pytest.fixture
def yoga(demo_ashfield: Area, live_server: Any, settings: Any) -> Session:
    """Chair yoga, 6 places a session, bookable through other sites once accepted."""
    settings.SITE_URL = live_server.url
    group = organisation(demo_ashfield, "Kirkby Chair Yoga")
    group.leads.add(User.objects.get(email=PARTNER))
    hall = venue(group, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    item = activity(group, "Chair Yoga", at=hall, categories=("walking",))
    Activity.objects.filter(pk=item.pk).update(public_booking=True, approve_bookings=True)
    weekly(item, "", time(10), time(11), from_date=timezone.localdate(), rrule="FREQ=WEEKLY")
    Schedule.objects.filter(activity=item).update(places=6)
    materialise_all()
    BookingPartner.objects.create(name="Move More Finder", key_hash=key_hash(KEY), key_hint="f")
    return (
        Session.objects.filter(activity=item, start__gt=timezone.now())
        .select_related("activity__home_area", "activity__organisation")
        .order_by("start")[:1]
        .get()
    )


@pytest.mark.parametrize("size", SIZES)
def test_the_group_answers_booking_requests(
    page: Any, yoga: Session, live_server: Any, size: str, tmp_path: Any
) -> None:
    partner = Partner(http_transport(live_server.url, KEY))
    first, second = uuid.uuid4(), uuid.uuid4()
    assert partner.p(first, [yoga])[0] == 201
    rita = {
        **CUSTOMER,
        "givenName": "Rita",
        "familyName": "Ora",
        "email": "rita@example.org",
    }
    body = partner.order_body("OrderProposal", [yoga])
    body["customer"] = rita
    assert partner.call("PUT", f"order-proposals/{second}", body)[0] == 201

    page.set_viewport_size(SIZES[size])
    sign_in(page, PARTNER)
    page.wait_for_url("**/staff/")
    card = page.get_by_role("link", name="Booking requests")
    assert "2 booking requests waiting" in page.locator("main").inner_text()
    card.click()
    page.get_by_role("heading", name="Booking requests", level=1).wait_for()
    text = page.locator("main").inner_text()
    assert "Geoff Capes" in text and "Rita Ora" in text and "Move More Finder" in text
    assert "6 of 6 places left" in text
    assert axe_violations(page) == []
    page.screenshot(path=str(tmp_path / f"booking-requests-{size}.png"), full_page=True)

    # Decline Geoff's with a note; the page says so and lists Rita's alone.
    geoff = page.locator(".nhsuk-card", has_text="Geoff Capes")
    geoff.get_by_label("A note for them (optional)").fill("We are full this term, sorry")
    geoff.get_by_role("button", name="Decline this request").click()
    page.get_by_text("Declined: the site that asked will tell them.").wait_for()
    assert "Geoff Capes" not in page.locator("main").inner_text()
    assert axe_violations(page) == []

    # Back to the page as it was, and Forward: the answer stands, once.
    page.go_back()
    page.go_forward()
    assert "Geoff Capes" not in page.locator("main").inner_text()
    page.locator(".nhsuk-card", has_text="Rita Ora").get_by_role(
        "button", name="Accept this request"
    ).click()
    page.get_by_text("Accepted: the site that asked will book the place.").wait_for()
    assert "No booking request is waiting for you" in page.locator("main").inner_text()
    assert axe_violations(page) == []

    statuses = dict(Order.objects.values_list("uuid", "proposal_status"))
    assert statuses == {first: "SellerRejected", second: "SellerAccepted"}
    feed = partner.latest()
    assert feed[str(first)]["data"]["orderSellerNote"] == "We are full this term, sorry"
    version = feed[str(second)]["data"]["orderProposalVersion"]
    assert partner.b_from_proposal(second, version)[0] == 201
    assert Session.objects.get(pk=yoga.pk).booked == 1
