"""The OpenActive Open Booking API: a scripted booking partner books, cancels, proposes
and reads its Orders feed; every request and answer passes OpenActive's own validator;
bad requests get the standard's error and change nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inspiring.bookings.models import Booking
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.opendata import openactive, openbooking
from inspiring.opendata.models import BookingPartner, Order
from inspiring.opendata.views_openbooking import key_hash
from tests.conftest import sign_in
from tests.directory.builders import Directory, activity, weekly
from tests.directory.conftest import TODAY, directory  # noqa: F401
from tests.opendata import booking_partner
from tests.opendata.booking_partner import Partner, client_transport, item
from tests.personas import Personas

KEY = "partner-key-0123456789"
OTHER_KEY = "another-partner-key-9876"
PLACES = 2


@dataclass
class World:
    walk: Session  # Saturday Health Walk (Mansfield Walkers): 2 places, anyone may book
    walk_later: Session
    yoga: Session  # Chair Yoga (Kirkby Knit and Natter): 2 places, accepted by the group first
    partner: Partner
    other: Partner  # another booking partner, with its own key


@pytest.fixture
def world(directory: Directory, client: Client, settings: Any) -> World:  # noqa: F811
    # OpenActive's validator takes a named host, not 127.0.0.1, for an absolute URL.
    settings.SITE_URL = "http://localhost:8000"
    yoga = activity(directory.knit, "Chair Yoga", at=directory.hall, categories=("walking",))
    weekly(yoga, "WE", time(11), time(12), from_date=TODAY)
    for listing, approve in ((directory.walk, False), (yoga, True)):
        Schedule.objects.filter(activity=listing).update(places=PLACES)
        listing.public_booking = True
        listing.approve_bookings = approve
        listing.save()
    materialise_all(today=TODAY)
    BookingPartner.objects.create(name="Move More Finder", key_hash=key_hash(KEY), key_hint="p")
    BookingPartner.objects.create(name="Other", key_hash=key_hash(OTHER_KEY), key_hint="a")

    def upcoming(listing: Activity) -> list[Session]:
        return list(
            Session.objects.filter(activity=listing, start__gt=timezone.now())
            .select_related("activity__home_area", "activity__organisation")
            .order_by("start")[:2]
        )

    walks, yogas = upcoming(directory.walk), upcoming(yoga)
    return World(
        walks[0],
        walks[1],
        yogas[0],
        Partner(client_transport(client, KEY)),
        Partner(client_transport(Client(), OTHER_KEY)),
    )


def booked(session: Session) -> int:
    return Session.objects.get(pk=session.pk).booked


def errors(answer: dict[str, Any]) -> list[str]:
    return [e["@type"] for i in answer["orderedItem"] for e in i.get("error", [])]


def test_the_simple_flow_books_cancels_and_shows_each_change_in_the_orders_feed(
    world: World,
) -> None:
    partner, order = world.partner, uuid.uuid4()
    status, c1 = partner.c1(order, [world.walk])
    assert status == 200 and not errors(c1)
    assert c1["orderRequiresApproval"] is False
    assert c1["orderedItem"][0]["orderedItem"]["remainingAttendeeCapacity"] == PLACES
    status, c2 = partner.c2(order, [world.walk])
    assert status == 200 and c2["customer"]["email"] == "geoff@example.org"
    assert booked(world.walk) == 0, "quotes change nothing"

    status, placed = partner.b(order, [world.walk])
    assert status == 201, placed
    assert placed["orderedItem"][0]["orderItemStatus"] == "https://openactive.io/OrderItemConfirmed"
    assert booked(world.walk) == 1
    booking = Booking.objects.get()
    assert booking.channel == Booking.Channel.OPEN_BOOKING
    assert booking.name == "Geoff Capes" and booking.email == "geoff@example.org"
    assert mail.outbox == [], "the partner tells its customer, not this site"

    # Sent again (the partner lost the answer): the same order, nothing booked twice.
    status, again = partner.b(order, [world.walk])
    assert status == 200 and again["@id"] == placed["@id"] and booked(world.walk) == 1
    status, shown = partner.status(order)
    assert status == 200 and shown["@id"] == placed["@id"]

    feed = partner.latest()
    assert feed[str(order)]["data"]["orderedItem"][0]["orderItemStatus"].endswith("Confirmed")
    first_modified = feed[str(order)]["modified"]

    status, _ = partner.cancel(order, [placed["orderedItem"][0]["@id"]])
    assert status == 204
    assert booked(world.walk) == 0
    feed = partner.latest()
    assert feed[str(order)]["data"]["orderedItem"][0]["orderItemStatus"].endswith(
        "CustomerCancelled"
    )
    assert feed[str(order)]["modified"] > first_modified
    # Cancelling again is harmless.
    assert partner.cancel(order, [placed["orderedItem"][0]["@id"]])[0] == 204

    assert booking_partner.validate(partner.seen) == []


def test_a_session_the_group_cancels_shows_as_seller_cancelled_and_frees_the_place(
    world: World,
) -> None:
    order = uuid.uuid4()
    assert world.partner.b(order, [world.walk, world.walk_later])[0] == 201
    session = Session.objects.get(pk=world.walk.pk)
    session.status = Session.Status.CANCELLED
    session.save()
    items = world.partner.latest()[str(order)]["data"]["orderedItem"]
    assert sorted(i["orderItemStatus"].rsplit("/", 1)[1] for i in items) == [
        "OrderItemConfirmed",
        "SellerCancelled",
    ]
    assert booked(world.walk_later) == 1


def test_the_flow_with_approval_waits_for_the_group(
    world: World, client: Client, personas: Personas
) -> None:
    partner, order = world.partner, uuid.uuid4()
    status, c2 = partner.c2(order, [world.yoga])
    assert status == 200 and c2["orderRequiresApproval"] is True
    status, refused = partner.b(order, [world.yoga])
    assert (status, refused["@type"]) == (500, "OrderCreationFailedError")

    status, proposal = partner.p(order, [world.yoga])
    assert status == 201, proposal
    assert proposal["orderProposalStatus"] == "https://openactive.io/AwaitingSellerConfirmation"
    assert booked(world.yoga) == 0, "a proposal books nothing"
    assert partner.feed() == [], "a proposal is in the feed only once it changes"
    # Too early: the group has not answered.
    status, early = partner.b_from_proposal(order, proposal["orderProposalVersion"])
    assert (status, early["@type"]) == (500, "OrderCreationFailedError")

    # The group's lead sees the request on their page and accepts it.
    lead = sign_in(Client(), personas.partner_lead, area=personas.ashfield)
    page = lead.get("/booking-requests/").content.decode()
    assert "Geoff Capes" in page and "geoff@example.org" in page and "Move More Finder" in page
    answered = lead.post(
        f"/booking-requests/{order}/answer", {"answer": "accept", "note": "See you!"}
    )
    assert answered.status_code == 302
    assert "No booking request is waiting" in lead.get("/booking-requests/").content.decode()

    entry = partner.latest()[str(order)]
    assert entry["kind"] == "OrderProposal"
    assert entry["data"]["orderProposalStatus"] == "https://openactive.io/SellerAccepted"
    assert entry["data"]["orderSellerNote"] == "See you!"
    version = entry["data"]["orderProposalVersion"]
    assert version == proposal["orderProposalVersion"]

    status, outdated = partner.b_from_proposal(
        order, version.rsplit("/", 1)[0] + f"/{uuid.uuid4()}"
    )
    assert (status, outdated["@type"]) == (500, "OrderProposalVersionOutdatedError")
    status, placed = partner.b_from_proposal(order, version)
    assert status == 201, placed
    assert placed["@type"] == "Order" and booked(world.yoga) == 1
    assert partner.latest()[str(order)]["kind"] == "Order"
    # On the group's register, by name and places (no contact details).
    register = lead.get(reverse("casework:partner_register", args=[world.yoga.public_id]))
    text = register.content.decode()
    assert "Geoff Capes, 1 place (booked through another website)" in text
    assert "geoff@example.org" not in text
    assert booking_partner.validate(partner.seen) == []


def test_a_declined_or_withdrawn_proposal_is_in_the_feed_and_forgets_the_customer(
    world: World, personas: Personas
) -> None:
    partner, declined, withdrawn = world.partner, uuid.uuid4(), uuid.uuid4()
    assert partner.p(declined, [world.yoga])[0] == 201
    assert partner.p(withdrawn, [world.yoga])[0] == 201
    lead = sign_in(Client(), personas.partner_lead, area=personas.ashfield)
    lead.post(f"/booking-requests/{declined}/answer", {"answer": "decline", "note": "Full up"})
    assert partner.withdraw(withdrawn)[0] == 204
    feed = partner.latest()
    assert feed[str(declined)]["data"]["orderProposalStatus"].endswith("SellerRejected")
    assert feed[str(declined)]["data"]["orderSellerNote"] == "Full up"
    assert feed[str(withdrawn)]["data"]["orderProposalStatus"].endswith("CustomerRejected")
    assert list(Order.objects.values_list("customer", flat=True)) == [{}, {}]
    # Answered once: a second answer is refused, not applied.
    lead.post(f"/booking-requests/{declined}/answer", {"answer": "accept"})
    assert Order.objects.get(uuid=declined).proposal_status == Order.ProposalStatus.REJECTED
    assert booking_partner.validate(partner.seen) == []


def test_quotes_say_which_item_cannot_be_booked_and_why(world: World, directory: Directory) -> None:  # noqa: F811
    partner = world.partner
    # Two places left at the walk: three items at it, the third is refused.
    status, answer = partner.c2(uuid.uuid4(), [world.walk, world.walk, world.walk])
    assert status == 409
    assert [e["@type"] for e in answer["orderedItem"][2]["error"]] == [
        "OpportunityHasInsufficientCapacityError"
    ]
    assert not answer["orderedItem"][0].get("error")

    body = partner.order_body("OrderQuote", [world.walk])
    body["orderedItem"].append(
        {
            "@type": "OrderItem",
            "position": 1,
            "acceptedOffer": {"@type": "Offer", "@id": "https://elsewhere.example/offer"},
            "orderedItem": {
                "@type": "ScheduledSession",
                "@id": item(world.walk)["orderedItem"].replace(
                    str(world.walk.public_id), str(uuid.uuid4())
                ),
            },
        }
    )
    status, answer = partner.call("PUT", f"order-quotes/{uuid.uuid4()}", body)
    assert status == 409 and errors(answer) == ["UnknownOpportunityError"]

    Activity.objects.filter(pk=directory.walk.pk).update(public_booking=False)
    status, answer = partner.c1(uuid.uuid4(), [world.walk])
    assert status == 409 and errors(answer) == ["OpportunityOfferPairNotBookableError"]


def test_an_order_that_cannot_be_met_books_nothing(world: World) -> None:
    partner = world.partner
    Session.objects.filter(pk=world.walk.pk).update(booked=PLACES - 1)
    # Two places asked for, one left: neither is booked, and no order is kept.
    status, answer = partner.b(uuid.uuid4(), [world.walk, world.walk])
    assert (status, answer["@type"]) == (409, "OpportunityHasInsufficientCapacityError")
    assert booked(world.walk) == PLACES - 1
    assert not Order.objects.exists() and not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "kind"),
    [
        (lambda b: b.pop("customer"), 400, "IncompleteCustomerDetailsError"),
        (
            lambda b: b["customer"].update(email="not an email"),
            400,
            "IncompleteCustomerDetailsError",
        ),
        (lambda b: b.update(broker={"@type": "Organization"}), 400, "IncompleteBrokerDetailsError"),
        (lambda b: b.update(brokerRole="boss"), 400, "IncompleteBrokerDetailsError"),
        (
            lambda b: b.update(payment={"@type": "Payment", "identifier": "1"}),
            400,
            "UnnecessaryPaymentDetailsError",
        ),
        (lambda b: b["totalPaymentDue"].update(price=5), 400, "TotalPaymentDueMismatchError"),
        (lambda b: b.update({"@type": "OrderQuote"}), 500, "UnexpectedOrderTypeError"),
        (
            lambda b: b.update(seller="https://elsewhere.example/org"),
            500,
            "SellerNotFoundError",
        ),
        (lambda b: b.update(orderedItem="lots"), 400, "OpenBookingError"),
    ],
)
def test_a_bad_order_gets_the_standards_error_and_changes_nothing(
    world: World, change: Any, status: int, kind: str
) -> None:
    body = world.partner.order_body("Order", [world.walk])
    change(body)
    got, answer = world.partner.call("PUT", f"orders/{uuid.uuid4()}", body)
    assert (got, answer["@type"]) == (status, kind), answer
    assert answer["description"]
    assert not Order.objects.exists() and booked(world.walk) == 0


def test_a_seller_who_does_not_run_the_session_is_refused(
    world: World,
    directory: Directory,  # noqa: F811
) -> None:
    body = world.partner.order_body("Order", [world.walk])
    body["seller"] = openbooking.seller_id(directory.knit)
    status, answer = world.partner.call("PUT", f"orders/{uuid.uuid4()}", body)
    assert (status, answer["@type"]) == (500, "SellerMismatchError")


def test_keys_and_other_partners_orders(world: World, client: Client) -> None:
    order = uuid.uuid4()
    assert world.partner.b(order, [world.walk])[0] == 201
    no_key = client.get(f"/api/openbooking/orders/{order}")
    assert (no_key.status_code, no_key.json()["@type"]) == (403, "NoAPITokenError")
    wrong = client.get(f"/api/openbooking/orders/{order}", HTTP_AUTHORIZATION="Bearer nope")
    assert (wrong.status_code, wrong.json()["@type"]) == (401, "InvalidAPITokenError")
    BookingPartner.objects.filter(name="Other").update(active=False)
    retired = client.get(
        f"/api/openbooking/orders/{order}", HTTP_AUTHORIZATION=f"Bearer {OTHER_KEY}"
    )
    assert retired.status_code == 401
    BookingPartner.objects.filter(name="Other").update(active=True)
    # Another partner cannot see, cancel or reuse it: to them it does not exist...
    status, answer = world.other.status(order)
    assert (status, answer["@type"]) == (404, "UnknownOrderError")
    assert world.other.cancel(order, ["x#/orderedItem/1"])[0] == 404
    assert world.other.feed() == []
    # ...and its UUID is taken.
    status, answer = world.other.c1(order, [world.walk])
    assert (status, answer["@type"]) == (500, "OrderAlreadyExistsError")
    assert booked(world.walk) == 1


def test_bad_patches_and_methods(world: World, client: Client) -> None:
    partner, order, other = world.partner, uuid.uuid4(), uuid.uuid4()
    item_id = partner.b(order, [world.walk])[1]["orderedItem"][0]["@id"]
    other_item = partner.b(other, [world.walk_later])[1]["orderedItem"][0]["@id"]

    def patch(body: dict[str, Any]) -> tuple[int, str]:
        status, answer = partner.call("PATCH", f"orders/{order}", body)
        return status, answer["@type"]

    base = {"@context": "https://openactive.io/", "@type": "Order"}
    confirmed = "https://openactive.io/OrderItemConfirmed"
    cancelled = "https://openactive.io/CustomerCancelled"
    assert patch({**base, "customer": {}, "orderedItem": []}) == (
        400,
        "PatchContainsExcessivePropertiesError",
    )
    assert patch(
        {
            **base,
            "orderedItem": [{"@type": "OrderItem", "@id": item_id, "orderItemStatus": confirmed}],
        }
    ) == (400, "PatchNotAllowedOnPropertyError")
    assert patch(
        {
            **base,
            "orderedItem": [
                {"@type": "OrderItem", "@id": other_item, "orderItemStatus": cancelled}
            ],
        }
    ) == (500, "OrderItemNotWithinOrderError")
    assert patch(
        {
            **base,
            "orderedItem": [
                {"@type": "OrderItem", "@id": "nonsense", "orderItemStatus": cancelled}
            ],
        }
    ) == (500, "OrderItemIdInvalidError")
    assert booked(world.walk) == 1

    # A session that has started can no longer be cancelled.
    Booking.objects.filter(session=world.walk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    assert patch(
        {
            **base,
            "orderedItem": [{"@type": "OrderItem", "@id": item_id, "orderItemStatus": cancelled}],
        }
    ) == (400, "CancellationNotPermittedError")

    status, answer = partner.call("POST", f"orders/{order}", base)
    assert (status, answer["@type"]) == (405, "MethodNotAllowedError")
    bad_json = client.put(
        f"/api/openbooking/orders/{uuid.uuid4()}",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {KEY}",
    )
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.json()["description"]
    assert client.get("/api/openbooking/orders/not-a-uuid").status_code == 404
    feed = client.get(
        "/api/openbooking/orders-rpde?afterTimestamp=x&afterId=y",
        HTTP_AUTHORIZATION=f"Bearer {KEY}",
    )
    assert feed.status_code == 400
    # Deleting a quote always succeeds (nothing is kept).
    assert partner.call("DELETE", f"order-quotes/{uuid.uuid4()}")[0] == 204


def test_deleting_an_order_frees_its_places_and_leaves_a_stub(world: World) -> None:
    partner, order = world.partner, uuid.uuid4()
    assert partner.b(order, [world.walk])[0] == 201
    assert partner.call("DELETE", f"orders/{order}")[0] == 204
    assert booked(world.walk) == 0
    assert partner.latest()[str(order)]["state"] == "deleted"
    status, answer = partner.status(order)
    assert (status, answer["@type"]) == (410, "GoneError")
    status, answer = partner.b(order, [world.walk])
    assert (status, answer["@type"]) == (500, "OrderAlreadyExistsError")


def test_the_feeds_offer_open_booking_and_places_left(world: World, directory: Directory) -> None:  # noqa: F811
    series = openactive.series_for(directory.walk)
    assert series is not None
    (offer,) = series["offers"]
    assert offer["openBookingInAdvance"] == "https://openactive.io/Optional"  # a drop-in
    assert offer["openBookingPrepayment"] == "https://openactive.io/Unavailable"
    assert "openBookingFlowRequirement" not in offer
    assert series["organizer"]["taxMode"] == "https://openactive.io/TaxGross"
    page = openactive.page("scheduled-sessions", openactive.Position())
    walk = next(i for i in page["items"] if i["id"] == str(world.walk.public_id))
    assert walk["data"]["remainingAttendeeCapacity"] == PLACES
    world.partner.b(uuid.uuid4(), [world.walk])
    page = openactive.page("scheduled-sessions", openactive.Position())
    walk = next(i for i in page["items"] if i["id"] == str(world.walk.public_id))
    assert walk["data"]["remainingAttendeeCapacity"] == PLACES - 1


def test_customers_are_forgotten_after_the_sessions(world: World) -> None:
    order = uuid.uuid4()
    world.partner.b(order, [world.walk])
    call_command("forget_past_orders", stdout=StringIO())
    assert Order.objects.get().customer["email"] == "geoff@example.org"
    Booking.objects.update(starts_at=timezone.now() - timedelta(days=40))
    assert openbooking.forget_past_orders() == 1
    assert Order.objects.get().customer == {}


def test_add_booking_partner_prints_a_key_that_works(world: World, client: Client) -> None:
    from io import StringIO

    out = StringIO()
    call_command("add_booking_partner", "Good Gym Finder", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert BookingPartner.objects.get(name="Good Gym Finder").key_hash == key_hash(key)
    answer = client.get("/api/openbooking/orders-rpde", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 200 and answer.json()["items"] == []
    call_command("add_booking_partner", "Good Gym Finder", "--retire", stdout=out)
    answer = client.get("/api/openbooking/orders-rpde", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 401


def test_proposals_for_a_session_the_group_cancels_are_declined(world: World) -> None:
    order = uuid.uuid4()
    assert world.partner.p(order, [world.yoga])[0] == 201
    session = Session.objects.get(pk=world.yoga.pk)
    session.status = Session.Status.CANCELLED
    session.save()
    entry = world.partner.latest()[str(order)]
    assert entry["data"]["orderProposalStatus"].endswith("SellerRejected")
    assert entry["data"]["orderSellerNote"] == "The session was cancelled."
    assert Order.objects.get().customer == {}


def test_a_partner_past_its_rate_is_told_to_wait(world: World, settings: Any) -> None:
    settings.OPEN_BOOKING_PER_PARTNER_MINUTE = 2
    assert world.partner.c1(uuid.uuid4(), [world.walk])[0] == 200
    assert world.partner.c1(uuid.uuid4(), [world.walk])[0] == 200
    status, answer = world.partner.c1(uuid.uuid4(), [world.walk])
    assert (status, answer["@type"]) == (429, "TooManyRequestsError")
    # Another partner's key has its own count.
    assert world.other.c1(uuid.uuid4(), [world.walk])[0] == 200


def test_a_feed_page_reads_each_series_once_whatever_the_number_of_orders(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for _ in range(2):
        world.partner.b(uuid.uuid4(), [world.walk])
    world.partner.b(uuid.uuid4(), [world.walk_later])
    partner = BookingPartner.objects.get(name="Move More Finder")
    with django_assert_max_num_queries(20) as captured:
        page = openbooking.feed_page(partner, openactive.Position())
    few = len(captured.captured_queries)
    assert len(page["items"]) == 3
    Session.objects.filter(pk=world.walk_later.pk).update(places=20)
    for _ in range(6):
        assert world.partner.b(uuid.uuid4(), [world.walk_later])[0] == 201
    # Three times the orders, of the same two sessions: no more queries.
    with django_assert_max_num_queries(few):
        page = openbooking.feed_page(partner, openactive.Position())
    assert len(page["items"]) == 3 + 6
