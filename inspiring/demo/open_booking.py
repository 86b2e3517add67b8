"""Booking through other sites in the demo: a booking partner with a known key, and one
request waiting for Ashfield's demo group lead to accept or decline.

The lead's Tuesday health walk takes 15 places a session, anyone may book it online,
and the walk leader accepts each booking made through other sites first (they like to
meet new walkers). "Move More Finder (demo)" has proposed a place for Pat Evans, made
through the Open Booking API's own code, as a partner's request would be. The key is
DEMO_PARTNER_KEY, so that anyone trying the demo can call the API
(`Authorization: Bearer inspiring-demo-open-booking`): demo data only, never loaded on
a real site (load_demo refuses without DEMO_MODE). Only once."""

from __future__ import annotations

import uuid

from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.opendata import openactive, openbooking
from inspiring.opendata.models import BookingPartner, Order
from inspiring.opendata.views_openbooking import key_hash

DEMO_PARTNER_KEY = "inspiring-demo-open-booking"
PARTNER_NAME = "Move More Finder (demo)"
WALK = "Tuesday health walk"
PLACES = 15
# The same order every time the demo is loaded.
ORDER = uuid.UUID("5b0c7a3e-2f4d-4c1e-9a8b-6d7e8f901234")


def load_demo_open_booking(lead: User | None) -> int:
    """The partner and its waiting request; returns 1 if made, 0 if already there (or
    the demo has no such walk)."""
    partner, _ = BookingPartner.objects.get_or_create(
        name=PARTNER_NAME,
        defaults={"key_hash": key_hash(DEMO_PARTNER_KEY), "key_hint": DEMO_PARTNER_KEY[:6]},
    )
    if lead is None or Order.objects.filter(uuid=ORDER).exists():
        return 0
    walk = (
        Activity.objects.published()
        .filter(organisation__leads=lead, title=WALK)
        .select_related("home_area", "organisation")
        .first()
    )
    if walk is None:
        return 0
    Activity.objects.filter(pk=walk.pk).update(
        public_booking=True, approve_bookings=True, updated_at=timezone.now()
    )
    Schedule.objects.filter(activity=walk).update(places=PLACES)
    walk.refresh_from_db()
    materialise_activity(walk)
    session = (
        Session.objects.filter(activity=walk, start__gt=timezone.now(), places__isnull=False)
        .order_by("start")
        .first()
    )
    if session is None:
        return 0
    series = openactive.series_ids()(walk.home_area.slug, walk.public_id)
    offer = openbooking._activity_offers(walk, series)[0]["identifier"]
    body = {
        "@context": openactive.CONTEXT,
        "@type": "OrderProposal",
        "brokerRole": "https://openactive.io/AgentBroker",
        "broker": {"@type": "Organization", "name": PARTNER_NAME},
        "seller": openbooking.seller_id(walk.organisation),
        "customer": {
            "@type": "Person",
            "email": "pat.evans@example.org",
            "givenName": "Pat",
            "familyName": "Evans",
        },
        "orderedItem": [
            {
                "@type": "OrderItem",
                "position": 0,
                "acceptedOffer": openactive.offer_id(series, offer),
                "orderedItem": openactive.session_id(session, series),
            }
        ],
        "totalPaymentDue": {"@type": "PriceSpecification", "price": 0, "priceCurrency": "GBP"},
    }
    openbooking.propose(None, partner, ORDER, body)
    return 1
