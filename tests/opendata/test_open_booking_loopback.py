"""The Open Booking flows end to end over real HTTP: a scripted booking partner (as
OpenActive's test suite drives a booking system) against the site on a loopback live
server, every request and answer checked by OpenActive's data-model validator."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from inspiring.bookings.models import Booking
from inspiring.directory.models import Session
from inspiring.opendata import openbooking
from inspiring.opendata.models import Order
from tests.geography import ensure_geography
from tests.opendata import booking_partner
from tests.opendata.booking_partner import Partner, http_transport
from tests.opendata.test_open_booking import KEY, World, world  # noqa: F401


@pytest.fixture
def geography(transactional_db: None) -> None:
    # A live server's tests commit, so the geography the suite loads once is not here.
    ensure_geography()


@pytest.fixture
def over_http(
    geography: None,
    world: World,  # noqa: F811
    live_server: Any,
    settings: Any,
) -> Partner:
    settings.SITE_URL = live_server.url
    return Partner(http_transport(live_server.url, KEY))


@pytest.mark.django_db(transaction=True)
def test_both_flows_run_end_to_end_against_a_loopback_server(
    over_http: Partner,
    world: World,  # noqa: F811
) -> None:
    partner = over_http
    # The simple flow: quote, quote with the customer, book, read, cancel.
    order = uuid.uuid4()
    assert partner.c1(order, [world.walk])[0] == 200
    assert partner.c2(order, [world.walk])[0] == 200
    status, placed = partner.b(order, [world.walk])
    assert status == 201, placed
    assert Session.objects.get(pk=world.walk.pk).booked == 1
    assert partner.status(order)[0] == 200
    assert partner.latest()[str(order)]["state"] == "updated"
    assert partner.cancel(order, [placed["orderedItem"][0]["@id"]])[0] == 204
    assert Session.objects.get(pk=world.walk.pk).booked == 0

    # With approval: propose, the group accepts, the feed says so, book.
    proposed = uuid.uuid4()
    status, proposal = partner.p(proposed, [world.yoga])
    assert status == 201, proposal
    openbooking.decide(None, Order.objects.get(uuid=proposed), accept=True)
    entry = partner.latest()[str(proposed)]
    assert entry["data"]["orderProposalStatus"].endswith("SellerAccepted")
    status, booked = partner.b_from_proposal(proposed, entry["data"]["orderProposalVersion"])
    assert status == 201, booked
    assert Booking.objects.filter(session=world.yoga, status=Booking.Status.BOOKED).count() == 1

    assert booking_partner.validate(partner.seen) == []
