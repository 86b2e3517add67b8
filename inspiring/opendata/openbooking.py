"""The OpenActive Open Booking API (1.0): other sites ("booking partners", Brokers in
the standard) book places at sessions here for the people who use them.

The simple flow: a quote without the customer (C1, PUT /order-quote-templates/{uuid})
and with them (C2, PUT /order-quotes/{uuid}) check each item and say what it costs,
changing nothing; the order (B, PUT /orders/{uuid}) books the places; a PATCH of the
order cancels items. The flow with approval, for groups that accept each booking made
through other sites first (Activity.approve_bookings): the partner proposes the order
(P, PUT /order-proposals/{uuid}), the group accepts or declines it (decide()), the
Orders feed says which, and an accepted proposal is booked by B with its
orderProposalVersion. The Orders feed (GET /orders-rpde) shows each partner every
change to its own orders, whoever made it (the group cancelling a session, say).

Only free offers are bookable this way (there is no payment here), of activities that
let anyone book, at sessions with places. Every place is booked through
bookings.actions.do_book, so the counts, the waiting list and never-overbooked hold
for these bookings as for every other; an order's places are booked in one
transaction, all or none.

Errors are the standard's OpenBookingError types with its status codes
(`OpenBookingError`); problems with one item of a quote are reported on that item
(409), as the standard asks, so the partner can show which."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.bookings.actions import SessionFull, bookable, do_book, do_cancel
from inspiring.bookings.models import Booking
from inspiring.directory.models import Activity, Organisation, Session
from lib.actions import ActionRefused

from . import openactive
from .models import BookingPartner, Order, OrderItem
from .oruk import absolute

CONTEXT = openactive.CONTEXT
OA = "https://openactive.io/"
BROKER_ROLES = {f"{OA}AgentBroker", f"{OA}ResellerBroker", f"{OA}NoBroker"}
CONFIRMED = f"{OA}OrderItemConfirmed"
PROPOSED = f"{OA}OrderItemProposed"
CUSTOMER_CANCELLED = f"{OA}CustomerCancelled"
SELLER_CANCELLED = f"{OA}SellerCancelled"
# The most items one order may hold: a family or a small group, not a block booking.
MOST_ITEMS = 10

# The standard's error types and their HTTP status codes (its "Error Model").
STATUS = {
    "IncompleteCustomerDetailsError": 400,
    "IncompleteBrokerDetailsError": 400,
    "UnnecessaryPaymentDetailsError": 400,
    "TotalPaymentDueMismatchError": 400,
    "CancellationNotPermittedError": 400,
    "PatchContainsExcessivePropertiesError": 400,
    "PatchNotAllowedOnPropertyError": 400,
    "OpenBookingError": 400,
    "InvalidAPITokenError": 401,
    "NoAPITokenError": 403,
    "UnknownOrderError": 404,
    "UnknownOrIncorrectEndpointError": 404,
    "MethodNotAllowedError": 405,
    "OpportunityHasInsufficientCapacityError": 409,
    "UnableToProcessOrderItemError": 409,
    "GoneError": 410,
    "TooManyRequestsError": 429,
    "OrderAlreadyExistsError": 500,
    "OrderProposalVersionOutdatedError": 500,
    "OrderCreationFailedError": 500,
    "UnexpectedOrderTypeError": 500,
    "SellerNotFoundError": 500,
    "SellerMismatchError": 500,
    "OrderItemNotWithinOrderError": 500,
    "OrderItemIdInvalidError": 500,
}


class OpenBookingError(Exception):
    """An error answer: the standard's @type, a description for people, its status."""

    def __init__(self, kind: str, description: str) -> None:
        super().__init__(description)
        self.kind = kind
        self.status = STATUS[kind]

    def as_json(self) -> dict[str, Any]:
        return {
            "@context": CONTEXT,
            "@type": self.kind,
            "description": str(self),
            "statusCode": self.status,
        }


# --- Ids ------------------------------------------------------------------------------

SESSION_ID = re.compile(r"^(?P<series>.+)#/subEvent/(?P<key>[0-9a-fA-F-]{36})$")
OFFER_ID = re.compile(r"^(?P<series>.+)#/offers/(?P<key>[a-z-]{1,40})$")
ITEM_ID = re.compile(r"^(?P<order>.+)#/orderedItem/(?P<key>\d{1,18})$")


def base_url() -> str:
    return absolute(reverse("opendata:openbooking_base"))


def order_url(kind: str, order_uuid: uuid.UUID) -> str:
    path = {"quote": "order-quotes", "proposal": "order-proposals"}.get(kind, "orders")
    return f"{base_url()}{path}/{order_uuid}"


def item_id(order: Order, item: OrderItem) -> str:
    kind = "proposal" if order.kind == Order.Kind.PROPOSAL else "order"
    return f"{order_url(kind, order.uuid)}#/orderedItem/{item.pk}"


def seller_id(organisation: Organisation) -> str:
    """The seller's @id: the organizer's in the opportunity feeds."""
    return f"{absolute(reverse('opendata:oruk_services'))}?organization_id={organisation.public_id}"


# --- Reading the request ---------------------------------------------------------------


def _object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def _ref(value: Any) -> str:
    """The @id a request names: a compact reference (the URL itself), or an object
    holding it (as the standard's own examples write them)."""
    if isinstance(value, dict):
        value = value.get("@id")
    return value if isinstance(value, str) else ""


def _text(value: Any, most: int = 200) -> str:
    return " ".join(value.split())[:most] if isinstance(value, str) else ""


def check_type(body: dict[str, Any], expected: str) -> None:
    if body.get("@type") != expected:
        raise OpenBookingError(
            "UnexpectedOrderTypeError", f"This endpoint takes an {expected} (its @type)."
        )


def _seller(body: dict[str, Any]) -> Organisation:
    seller_url = _ref(body.get("seller"))
    if not seller_url:
        raise OpenBookingError("SellerNotFoundError", "Give the seller's @id, as the feeds do.")
    ids = parse_qs(urlsplit(seller_url).query).get("organization_id", [""])
    try:
        public_id = uuid.UUID(ids[0])
    except ValueError:
        public_id = None
    seller = Organisation.objects.filter(public_id=public_id).first() if public_id else None
    if seller is None or seller_id(seller) != seller_url:
        raise OpenBookingError("SellerNotFoundError", "There is no seller with that @id here.")
    return seller


def _broker(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    role = body.get("brokerRole")
    if role not in BROKER_ROLES:
        raise OpenBookingError(
            "IncompleteBrokerDetailsError",
            "brokerRole must be https://openactive.io/AgentBroker, ResellerBroker or NoBroker.",
        )
    broker = _object(body, "broker")
    if role != f"{OA}NoBroker" and (
        broker.get("@type") != "Organization" or not _text(broker.get("name"))
    ):
        raise OpenBookingError(
            "IncompleteBrokerDetailsError", "Give the broker as an Organization with its name."
        )
    kept = {k: v for k, v in broker.items() if k in ("@type", "name", "url") and isinstance(v, str)}
    return kept, role


def _customer(body: dict[str, Any]) -> dict[str, str]:
    person = _object(body, "customer")
    email = _text(person.get("email"), 254)
    if person.get("@type") != "Person" or not email:
        raise OpenBookingError(
            "IncompleteCustomerDetailsError",
            "Give the customer as a Person with their email address.",
        )
    try:
        validate_email(email)
    except ValidationError:
        raise OpenBookingError(
            "IncompleteCustomerDetailsError", "The customer's email address is not valid."
        ) from None
    customer = {"@type": "Person", "email": email}
    for name, most in (("givenName", 50), ("familyName", 50), ("telephone", 30)):
        if value := _text(person.get(name), most):
            customer[name] = value
    return customer


def _no_payment(body: dict[str, Any]) -> None:
    if "payment" in body:
        raise OpenBookingError(
            "UnnecessaryPaymentDetailsError", "Nothing is paid here: leave out payment."
        )
    due = _object(body, "totalPaymentDue")
    try:
        price = float(due.get("price", 0))
    except (TypeError, ValueError):
        price = -1
    if price != 0:
        raise OpenBookingError(
            "TotalPaymentDueMismatchError", "The total due is 0: every place booked here is free."
        )


@dataclass
class Line:
    """One item asked for, and what it names here (or why it cannot be booked)."""

    position: int
    session_url: str
    offer_url: str
    session: Session | None = None
    series_url: str = ""
    offer_key: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, kind: str, description: str) -> None:
        self.errors.append((kind, description))


def _lines(body: dict[str, Any]) -> list[Line]:
    items = body.get("orderedItem")
    if not isinstance(items, list) or not items:
        raise OpenBookingError("OpenBookingError", "orderedItem must list at least one OrderItem.")
    if len(items) > MOST_ITEMS:
        raise OpenBookingError("OpenBookingError", f"An order holds {MOST_ITEMS} items at most.")
    lines = []
    for index, item in enumerate(items):
        item = item if isinstance(item, dict) else {}
        position = item.get("position")
        line = Line(
            position=position if isinstance(position, int) else index,
            session_url=_ref(item.get("orderedItem")),
            offer_url=_ref(item.get("acceptedOffer")),
        )
        if item.get("@type") != "OrderItem" or not line.session_url or not line.offer_url:
            line.refuse(
                "IncompleteOrderItemError",
                "Each OrderItem needs the @id of its orderedItem and acceptedOffer.",
            )
        lines.append(line)
    return lines


def _resolve(lines: list[Line], seller: Organisation) -> None:
    """Find each line's session and offer, and say on the line why it cannot be booked;
    two lines at one session need two places."""
    keys = {}
    for line in lines:
        if line.errors:
            continue
        found = SESSION_ID.match(line.session_url)
        if not found:
            line.refuse(
                "InvalidOpportunityOrOfferIdError", "That is not a ScheduledSession @id from here."
            )
            continue
        try:
            keys[line.position] = uuid.UUID(found["key"])
        except ValueError:
            line.refuse("InvalidOpportunityOrOfferIdError", "That session @id is not valid.")
    sessions = {
        s.public_id: s
        for s in Session.objects.select_related(
            "activity", "activity__home_area", "activity__organisation"
        ).filter(public_id__in=set(keys.values()))
    }
    url_of = openactive.series_ids()
    now = timezone.now()
    published: dict[int, bool] = {}
    for line in lines:
        if line.errors:
            continue
        session = sessions.get(keys[line.position])
        if session is None or session.activity.revision_of_id is not None:
            line.refuse("UnknownOpportunityError", "There is no such session here.")
            continue
        activity = session.activity
        line.session, line.series_url = (
            session,
            url_of(activity.home_area.slug, activity.public_id),
        )
        if line.session_url != openactive.session_id(session, line.series_url):
            line.refuse("InvalidOpportunityOrOfferIdError", "That is not this session's @id.")
            continue
        offer = OFFER_ID.match(line.offer_url)
        if offer is None or offer["series"] != line.series_url:
            line.refuse("UnknownOfferError", "That offer is not one of this session's.")
            continue
        line.offer_key = offer["key"]
        offers = {o["identifier"]: o for o in _activity_offers(activity, line.series_url)}
        if line.offer_key not in offers:
            line.refuse("UnknownOfferError", "That offer is not one of this session's.")
            continue
        if activity.organisation_id != seller.pk:
            raise OpenBookingError(
                "SellerMismatchError", "Every item must be one of the seller's sessions."
            )
        problem = bookable(session, channel=Booking.Channel.OPEN_BOOKING, now=now)
        if not problem and not _published(activity, published):
            problem = "This activity is not published to OpenActive, so it is not booked this way."
        if problem or "openBookingInAdvance" not in offers[line.offer_key]:
            line.refuse(
                "OpportunityOfferPairNotBookableError",
                problem or "This offer cannot be booked through other sites.",
            )
    wanted: Counter[int] = Counter()
    for line in lines:
        if line.errors or line.session is None:
            continue
        session = line.session
        wanted[session.pk] += 1
        left = (session.places or 0) - session.booked
        if wanted[session.pk] > left:
            if left <= 0:
                line.refuse("OpportunityIsFullError", "There are no places left at this session.")
            else:
                line.refuse(
                    "OpportunityHasInsufficientCapacityError",
                    f"There are only {left} places left at this session.",
                )


def _published(activity: Activity, published: dict[int, bool]) -> bool:
    """Whether the activity is a SessionSeries in the OpenActive feeds (a physical
    activity on OpenActive's list), where booking partners find it."""
    if activity.pk not in published:
        published[activity.pk] = openactive.series_for(activity) is not None
    return published[activity.pk]


def _activity_offers(activity: Activity, series_url: str) -> list[dict[str, Any]]:
    return openactive._offers(activity, series_url)  # type: ignore[arg-type]


def _order_problem(lines: list[Line]) -> OpenBookingError | None:
    """The one error P and B answer with when items are wrong (C2 would list them)."""
    kinds = {kind for line in lines for kind, _ in line.errors}
    if not kinds:
        return None
    if kinds <= {"OpportunityIsFullError", "OpportunityHasInsufficientCapacityError"}:
        return OpenBookingError(
            "OpportunityHasInsufficientCapacityError",
            "There are not enough places left for this order.",
        )
    return OpenBookingError(
        "UnableToProcessOrderItemError",
        "Some items cannot be booked: ask for a quote (C2) to see which and why.",
    )


# --- Shapes ----------------------------------------------------------------------------


def _seller_json(seller: Organisation) -> dict[str, Any]:
    """The seller as answers show it (the standard asks for its legal name and address:
    the group's name, and the address of its first venue with one, never one a listing
    keeps private)."""
    data: dict[str, Any] = {
        "@type": "Organization",
        "@id": seller_id(seller),
        "name": seller.name,
        "legalName": seller.name,
        "taxMode": openactive.TAX_MODE,
    }
    venue = (
        seller.venues.exclude(postcode="")
        .exclude(activities__hide_address=True)
        .order_by("pk")
        .first()
    )
    if venue is not None:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": ", ".join(
                p for p in (venue.address_line_1, venue.address_line_2) if p
            ),
            "addressLocality": venue.town,
            "postalCode": venue.postcode,
            "addressCountry": "GB",
        }
    if seller.website:
        data["url"] = seller.website
    if seller.email:
        data["email"] = seller.email
    if seller.phone:
        data["telephone"] = seller.phone
    return data


def _booking_service() -> dict[str, Any]:
    return {
        "@type": "BookingService",
        "name": getattr(settings, "SITE_NAME", "Inspiring"),
        "url": absolute("/"),
    }


def _opportunity(
    session: Session, series_url: str, memo: dict[int, Any] | None = None
) -> dict[str, Any]:
    """The session, with its series, as a response shows what was booked (`memo` keeps
    each activity's series for a page of the feed, read once however many orders)."""
    data = openactive.scheduled_session(session, series_url)
    del data["@context"]
    memo = {} if memo is None else memo
    if session.activity_id not in memo:
        memo[session.activity_id] = openactive.series_for(session.activity)
    series = memo[session.activity_id]
    if series is not None:
        # What the session is part of, not how to book it or who sells it (the
        # answer says those once, for the whole order).
        data["superEvent"] = {
            k: v
            for k, v in series.items()
            if k not in ("@context", "eventSchedule", "subEvent", "offers", "organizer")
        }
    return data


def _offer(line_activity: Activity, series_url: str, key: str) -> dict[str, Any]:
    for offer in _activity_offers(line_activity, series_url):
        if offer["identifier"] == key:
            return {
                k: v
                for k, v in offer.items()
                if k
                not in (
                    "openBookingInAdvance",
                    "openBookingPrepayment",
                    "openBookingFlowRequirement",
                )
            }
    return {"@type": "Offer", "@id": f"{series_url}#/offers/{key}"}


def _total() -> dict[str, Any]:
    return {"@type": "PriceSpecification", "price": 0, "priceCurrency": "GBP"}


def quote_json(
    kind: str,
    order_uuid: uuid.UUID,
    body: dict[str, Any],
    seller: Organisation,
    lines: list[Line],
    customer: dict[str, str] | None,
) -> dict[str, Any]:
    broker, role = _broker(body)
    items = []
    for line in lines:
        item: dict[str, Any] = {"@type": "OrderItem", "position": line.position}
        if line.session is not None and line.offer_key:
            item["acceptedOffer"] = _offer(line.session.activity, line.series_url, line.offer_key)
            item["orderedItem"] = _opportunity(line.session, line.series_url)
        else:
            item["acceptedOffer"] = {"@type": "Offer", "@id": line.offer_url}
            item["orderedItem"] = {"@type": "ScheduledSession", "@id": line.session_url}
        if line.errors:
            item["error"] = [
                {"@type": error, "description": description} for error, description in line.errors
            ]
        items.append(item)
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "OrderQuote",
        "@id": order_url("quote", order_uuid),
        "orderRequiresApproval": any(
            line.session is not None and line.session.activity.approve_bookings for line in lines
        ),
        "brokerRole": role,
        "seller": _seller_json(seller),
        "bookingService": _booking_service(),
        "orderedItem": items,
        "totalPaymentDue": _total(),
    }
    if broker:
        data["broker"] = broker
    if customer:
        data["customer"] = customer
    return data


def _item_status(order: Order, item: OrderItem) -> str:
    if item.booking is None:
        return PROPOSED
    if item.booking.status == Booking.Status.SESSION_CANCELLED:
        return SELLER_CANCELLED
    if item.booking.status == Booking.Status.CANCELLED:
        return CUSTOMER_CANCELLED
    return CONFIRMED


def order_json(
    order: Order,
    *,
    feed: bool = False,
    positions: bool = True,
    memo: dict[int, Any] | None = None,
) -> dict[str, Any]:
    """An order or proposal as B, P and the Order Status endpoint answer it, or (`feed`)
    as the Orders feed shows it (no customer, broker or seller; items by @id only)."""
    proposal = order.kind == Order.Kind.PROPOSAL
    url_of = openactive.series_ids()
    items = []
    for item in order.items.all():
        activity = item.activity
        series_url = url_of(activity.home_area.slug, activity.public_id)
        data: dict[str, Any] = {"@type": "OrderItem", "@id": item_id(order, item)}
        if positions and not feed:
            data["position"] = item.position
        if not proposal:  # a proposal's items have no state of their own yet
            data["orderItemStatus"] = _item_status(order, item)
        data["acceptedOffer"] = _offer(activity, series_url, item.offer)
        session_url = f"{series_url}#/subEvent/{item.session_key}"
        if item.session is None:  # removed from its schedule since
            data["orderedItem"] = {"@type": "ScheduledSession", "@id": session_url}
        else:
            item.session.activity = activity  # the same row, already read
            data["orderedItem"] = _opportunity(item.session, series_url, memo)
        items.append(data)
    data = {
        "@context": CONTEXT,
        "@type": "OrderProposal" if proposal else "Order",
        "@id": order_url("proposal" if proposal else "order", order.uuid),
    }
    if feed:
        data["identifier"] = str(order.uuid)
    else:
        data["brokerRole"] = order.broker_role
        if order.broker:
            data["broker"] = order.broker
        data["seller"] = _seller_json(order.seller)
        data["bookingService"] = _booking_service()
        if order.customer:
            data["customer"] = order.customer
    if proposal:
        data["orderProposalStatus"] = f"{OA}{order.proposal_status}"
        data["orderProposalVersion"] = proposal_version_url(order)
        if order.seller_note:
            data["orderSellerNote"] = order.seller_note
    data["orderedItem"] = items
    data["totalPaymentDue"] = _total()
    return data


def proposal_version_url(order: Order) -> str:
    return f"{order_url('proposal', order.uuid)}/versions/{order.proposal_version}"


# --- The flows -------------------------------------------------------------------------


def _existing(order_uuid: uuid.UUID) -> Order | None:
    return Order.objects.filter(uuid=order_uuid).first()


def quote(
    partner: BookingPartner, order_uuid: uuid.UUID, body: dict[str, Any], *, with_customer: bool
) -> tuple[int, dict[str, Any]]:
    """C1 (without the customer) or C2 (with them): what booking these items would
    give, changing nothing. 409 if any item cannot be booked, with its error on it."""
    check_type(body, "OrderQuote")
    if _existing(order_uuid) is not None:
        raise OpenBookingError("OrderAlreadyExistsError", "That Order UUID is already used.")
    _broker(body)
    seller = _seller(body)
    customer = _customer(body) if with_customer else None
    lines = _lines(body)
    _resolve(lines, seller)
    data = quote_json("quote", order_uuid, body, seller, lines, customer)
    return (409 if any(line.errors for line in lines) else 200), data


def _same_order(order: Order, lines: list[Line]) -> bool:
    asked = sorted((line.session_url, line.offer_url) for line in lines)
    url_of = openactive.series_ids()
    have = []
    for item in order.items.select_related("activity__home_area"):
        series = url_of(item.activity.home_area.slug, item.activity.public_id)
        have.append(
            (f"{series}#/subEvent/{item.session_key}", openactive.offer_id(series, item.offer))
        )
    return asked == sorted(have)


def _add_items(order: Order, lines: list[Line], bookings: list[Booking | None]) -> None:
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            position=line.position,
            session=line.session,
            session_key=line.session.public_id,
            activity=line.session.activity,
            offer=line.offer_key,
            booking=booking,
        )
        for line, booking in zip(lines, bookings, strict=True)
        if line.session is not None
    )


def _book(
    request: HttpRequest | None, sessions: list[Session], customer: dict[str, str], broker: str
) -> list[Booking]:
    """One place per item, all or none (the caller's transaction)."""
    name = " ".join(
        part for part in (customer.get("givenName", ""), customer.get("familyName", "")) if part
    )
    booked = []
    for session in sessions:
        try:
            booked.append(
                do_book(
                    request,
                    session,
                    name=name or f"Booked through {broker or 'another site'}",
                    email=customer.get("email", ""),
                    phone=customer.get("telephone", ""),
                    places=1,
                    channel=Booking.Channel.OPEN_BOOKING,
                )
            )
        except SessionFull:
            raise OpenBookingError(
                "OpportunityHasInsufficientCapacityError",
                "There are not enough places left for this order.",
            ) from None
        except ActionRefused as refused:
            raise OpenBookingError("UnableToProcessOrderItemError", str(refused)) from None
    return booked


def _audit(request: HttpRequest | None, action: str, order: Order, **detail: Any) -> None:
    audit.record(
        request,
        action,
        order,
        detail={"partner": order.partner.name, "items": order.items.count(), **detail},
    )


@dataclass
class Asked:
    """What P or B asks for, each part checked."""

    broker: dict[str, Any]
    role: str
    seller: Organisation
    customer: dict[str, str]
    lines: list[Line]


def _asked(
    partner: BookingPartner, existing: Order | None, body: dict[str, Any], kind: str
) -> tuple[Asked, Order | None]:
    """The order P or B asks for, checked (the standard's error for the first problem),
    and the order of this kind it repeats if the partner sent the same again."""
    broker, role = _broker(body)
    seller = _seller(body)
    asked = Asked(broker, role, seller, _customer(body), _lines(body))
    _no_payment(body)
    _resolve(asked.lines, seller)
    if existing is not None:
        if (
            existing.partner_id == partner.pk
            and existing.kind == kind
            and _same_order(existing, asked.lines)
        ):
            return asked, existing
        raise OpenBookingError("OrderAlreadyExistsError", "That Order UUID is already used.")
    problem = _order_problem(asked.lines)
    if problem:
        raise problem
    return asked, None


def propose(
    request: HttpRequest | None,
    partner: BookingPartner,
    order_uuid: uuid.UUID,
    body: dict[str, Any],
) -> tuple[int, dict[str, Any]]:
    """P: an order the group is asked to accept. Nothing is booked until B."""
    check_type(body, "OrderProposal")
    asked, repeated = _asked(partner, _existing(order_uuid), body, Order.Kind.PROPOSAL)
    if repeated is not None:
        return 201, order_json(repeated)
    with transaction.atomic():
        order = Order.objects.create(
            uuid=order_uuid,
            partner=partner,
            kind=Order.Kind.PROPOSAL,
            proposal_status=Order.ProposalStatus.AWAITING,
            proposal_version=uuid.uuid4(),
            seller=asked.seller,
            broker=asked.broker,
            broker_role=asked.role,
            customer=asked.customer,
        )
        _add_items(order, asked.lines, [None] * len(asked.lines))
        _audit(request, "openbooking.proposed", order)
    return 201, order_json(order)


def place_order(
    request: HttpRequest | None,
    partner: BookingPartner,
    order_uuid: uuid.UUID,
    body: dict[str, Any],
) -> tuple[int, dict[str, Any]]:
    """B: book the items (from the request, or from an accepted proposal)."""
    check_type(body, "Order")
    existing = _existing(order_uuid)
    if "orderProposalVersion" in body:
        return _order_from_proposal(request, partner, order_uuid, existing, body)
    # B again with the same items (the partner lost the answer): the same order.
    asked, repeated = _asked(partner, existing, body, Order.Kind.ORDER)
    if repeated is not None:
        return 200, order_json(repeated)
    lines = asked.lines
    if any(line.session is not None and line.session.activity.approve_bookings for line in lines):
        raise OpenBookingError(
            "OrderCreationFailedError",
            "This group accepts each booking first: propose the order (P) instead.",
        )
    with transaction.atomic():
        booked = _book(
            request,
            [line.session for line in lines if line.session],
            asked.customer,
            asked.broker.get("name", ""),
        )
        order = Order.objects.create(
            uuid=order_uuid,
            partner=partner,
            kind=Order.Kind.ORDER,
            seller=asked.seller,
            broker=asked.broker,
            broker_role=asked.role,
            customer=asked.customer,
            listed=True,
        )
        _add_items(order, lines, list(booked))
        _audit(request, "openbooking.ordered", order)
    return 201, order_json(order)


def _order_from_proposal(
    request: HttpRequest | None,
    partner: BookingPartner,
    order_uuid: uuid.UUID,
    existing: Order | None,
    body: dict[str, Any],
) -> tuple[int, dict[str, Any]]:
    if existing is None or existing.partner_id != partner.pk or existing.kind == Order.Kind.DELETED:
        raise OpenBookingError("UnknownOrderError", "There is no proposal with that Order UUID.")
    if existing.kind == Order.Kind.ORDER:
        return 200, order_json(existing)
    if body.get("orderProposalVersion") != proposal_version_url(existing):
        raise OpenBookingError(
            "OrderProposalVersionOutdatedError", "That is not the proposal's latest version."
        )
    if existing.proposal_status != Order.ProposalStatus.ACCEPTED:
        raise OpenBookingError(
            "OrderCreationFailedError",
            f"The proposal is {existing.get_proposal_status_display().lower()}, not accepted.",
        )
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=existing.pk)
        if order.kind != Order.Kind.PROPOSAL:
            return 200, order_json(order)
        items = list(order.items.select_related("session"))
        if any(item.session is None for item in items):
            raise OpenBookingError("UnableToProcessOrderItemError", "A session has gone.")
        booked = _book(
            request,
            [item.session for item in items if item.session],
            order.customer,
            order.broker.get("name", ""),
        )
        for item, booking in zip(items, booked, strict=True):
            item.booking = booking
        OrderItem.objects.bulk_update(items, ["booking"])
        order.kind = Order.Kind.ORDER
        order.proposal_status = Order.ProposalStatus.NONE
        order.changed_at = timezone.now()
        order.listed = True
        order.save(update_fields=["kind", "proposal_status", "changed_at", "listed"])
        _audit(request, "openbooking.ordered", order, proposal="accepted")
    return 201, order_json(order)


PATCH_KEYS = {"@context", "@type", "orderedItem"}
PROPOSAL_PATCH_KEYS = {"@context", "@type", "orderProposalStatus", "orderCustomerNote"}


def _own(partner: BookingPartner, order_uuid: uuid.UUID) -> Order:
    order = (
        Order.objects.select_related("seller", "partner")
        .filter(uuid=order_uuid, partner=partner)
        .first()
    )
    if order is None:
        raise OpenBookingError("UnknownOrderError", "There is no order with that Order UUID.")
    if order.kind == Order.Kind.DELETED:
        raise OpenBookingError("GoneError", "That order was deleted.")
    return order


def _excess(body: dict[str, Any], allowed: set[str]) -> None:
    # Properties in a namespace of the partner's own ("acme:note") are always allowed.
    if any(key not in allowed and ":" not in key for key in body):
        raise OpenBookingError(
            "PatchContainsExcessivePropertiesError", "The PATCH holds properties it cannot change."
        )


def cancel_items(
    request: HttpRequest | None,
    partner: BookingPartner,
    order_uuid: uuid.UUID,
    body: dict[str, Any],
) -> None:
    """PATCH /orders/{uuid}: the customer cancels items (all or none of those named)."""
    order = _own(partner, order_uuid)
    if order.kind != Order.Kind.ORDER:
        raise OpenBookingError("UnknownOrderError", "There is no order with that Order UUID.")
    check_type(body, "Order")
    _excess(body, PATCH_KEYS)
    asked = body.get("orderedItem")
    if not isinstance(asked, list) or not asked:
        raise OpenBookingError("OrderItemIdInvalidError", "Name the items to cancel by @id.")
    items = {item.pk: item for item in order.items.select_related("booking", "session")}
    mine = order_url("order", order.uuid)
    chosen = []
    for entry in asked:
        entry = entry if isinstance(entry, dict) else {}
        found = ITEM_ID.match(str(entry.get("@id") or ""))
        if found is None:
            raise OpenBookingError("OrderItemIdInvalidError", "That is not an OrderItem @id.")
        if found["order"] != mine:
            raise OpenBookingError(
                "OrderItemNotWithinOrderError", "That item is not part of this order."
            )
        item = items.get(int(found["key"]))
        if item is None:
            raise OpenBookingError("OrderItemIdInvalidError", "This order has no such item.")
        if entry.get("orderItemStatus") != CUSTOMER_CANCELLED:
            raise OpenBookingError(
                "PatchNotAllowedOnPropertyError",
                f"orderItemStatus can only be set to {CUSTOMER_CANCELLED}.",
            )
        _excess(entry, {"@type", "@id", "orderItemStatus"})
        chosen.append(item)
    now = timezone.now()
    for item in chosen:
        if item.booking is not None and item.booking.is_live and item.booking.starts_at <= now:
            raise OpenBookingError(
                "CancellationNotPermittedError",
                "The session has already started, so the booking can no longer be cancelled.",
            )
    with transaction.atomic():
        for item in chosen:
            if item.booking is not None and item.booking.is_live:
                do_cancel(request, item.booking)
        Order.objects.filter(pk=order.pk).update(changed_at=timezone.now())


def withdraw_proposal(partner: BookingPartner, order_uuid: uuid.UUID, body: dict[str, Any]) -> None:
    """PATCH /order-proposals/{uuid}: the customer withdraws the proposal."""
    order = _own(partner, order_uuid)
    if order.kind != Order.Kind.PROPOSAL:
        raise OpenBookingError("UnknownOrderError", "There is no proposal with that Order UUID.")
    check_type(body, "OrderProposal")
    _excess(body, PROPOSAL_PATCH_KEYS)
    if body.get("orderProposalStatus") != f"{OA}{Order.ProposalStatus.WITHDRAWN}":
        raise OpenBookingError(
            "PatchNotAllowedOnPropertyError",
            f"orderProposalStatus can only be set to {OA}{Order.ProposalStatus.WITHDRAWN}.",
        )
    Order.objects.filter(pk=order.pk).update(
        proposal_status=Order.ProposalStatus.WITHDRAWN,
        customer_note=_text(body.get("orderCustomerNote"), 500),
        customer={},
        listed=True,
        changed_at=timezone.now(),
    )


def delete_order(
    request: HttpRequest | None, partner: BookingPartner, order_uuid: uuid.UUID
) -> None:
    """DELETE /orders/{uuid} (a fatal error at the partner, or testing): its places are
    freed and only a stub is kept, so the feed can say so and the UUID is never reused."""
    order = _own(partner, order_uuid)
    with transaction.atomic():
        for item in order.items.select_related("booking"):
            if item.booking is not None and item.booking.is_live:
                do_cancel(request, item.booking)
        Order.objects.filter(pk=order.pk).update(
            kind=Order.Kind.DELETED,
            proposal_status=Order.ProposalStatus.NONE,
            customer={},
            changed_at=timezone.now(),
        )
        _audit(request, "openbooking.deleted", order)


def status(partner: BookingPartner, order_uuid: uuid.UUID) -> dict[str, Any]:
    return order_json(_own(partner, order_uuid), positions=False)


# --- The group's approval ----------------------------------------------------------------


def waiting_for(organisations: Any) -> Any:
    """Proposals waiting for these organisations' answer, oldest first."""
    return (
        Order.objects.filter(
            kind=Order.Kind.PROPOSAL,
            proposal_status=Order.ProposalStatus.AWAITING,
            seller__in=organisations,
        )
        .select_related("partner", "seller")
        .prefetch_related("items__session", "items__activity")
        .order_by("created_at", "pk")
    )


def decide(request: HttpRequest | None, order: Order, *, accept: bool, note: str = "") -> Order:
    """The group accepts or declines a proposal; the partner reads which in its feed."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if (
            order.kind != Order.Kind.PROPOSAL
            or order.proposal_status != Order.ProposalStatus.AWAITING
        ):
            raise ActionRefused("This request has already been answered.")
        order.proposal_status = (
            Order.ProposalStatus.ACCEPTED if accept else Order.ProposalStatus.REJECTED
        )
        order.seller_note = " ".join(note.split())[:500]
        order.listed = True
        order.changed_at = timezone.now()
        if not accept:
            order.customer = {}
        order.save(
            update_fields=["proposal_status", "seller_note", "listed", "changed_at", "customer"]
        )
        _audit(request, "openbooking.accepted" if accept else "openbooking.declined", order)
    return order


# --- The Orders feed ---------------------------------------------------------------------


def feed_page(partner: BookingPartner, position: openactive.Position) -> dict[str, Any]:
    """One RPDE page of the partner's orders and proposals, by (modified, id)."""
    limit: int = settings.OPENACTIVE_PAGE_SIZE
    orders = list(
        Order.objects.filter(partner=partner, listed=True)
        .filter(position.after("changed_at", "uuid"))
        .select_related("seller")
        .prefetch_related("items__activity__home_area", "items__booking", "items__session")
        .order_by("changed_at", "uuid")[:limit]
    )
    items = []
    memo: dict[int, Any] = {}
    for order in orders:
        kind = "OrderProposal" if order.kind == Order.Kind.PROPOSAL else "Order"
        data = None if order.kind == Order.Kind.DELETED else order_json(order, feed=True, memo=memo)
        items.append(openactive._row(kind, order.uuid, order.changed_at, data)[2])
    path = reverse("opendata:openbooking_orders_feed")
    if items:
        after = f"?afterTimestamp={items[-1]['modified']}&afterId={items[-1]['id']}"
    elif position.timestamp is not None:
        after = f"?afterTimestamp={position.timestamp}&afterId={position.item_id}"
    else:
        after = ""
    return {"next": absolute(path + after), "items": items, "license": openactive.LICENSE}


def bookings_changed(booking_ids: list[int]) -> None:
    """Orders whose bookings changed (cancelled here, their session cancelled by the
    group) come up again in their partner's feed."""
    Order.objects.filter(kind=Order.Kind.ORDER, items__booking_id__in=booking_ids).update(
        changed_at=timezone.now()
    )


def sessions_gone(session_ids: Sequence[int] = (), session_keys: Sequence[uuid.UUID] = ()) -> int:
    """Sessions cancelled by their group or removed from their schedule: proposals for
    them can no longer be booked, so they are declined (the standard asks the booking
    system to), with a note saying why. Returns how many."""
    ids, keys = list(session_ids), list(session_keys)
    if not ids and not keys:
        return 0
    open_proposals = Order.objects.filter(
        kind=Order.Kind.PROPOSAL,
        proposal_status__in=[Order.ProposalStatus.AWAITING, Order.ProposalStatus.ACCEPTED],
    )
    return open_proposals.filter(
        Q(items__session_id__in=ids) | Q(items__session_key__in=keys)
    ).update(
        proposal_status=Order.ProposalStatus.REJECTED,
        seller_note="The session was cancelled.",
        customer={},
        listed=True,
        changed_at=timezone.now(),
    )


def forget_past_orders(now: datetime | None = None) -> int:
    """Blank the customer the partner sent, once every session of the order is
    settings.BOOKINGS_RETENTION_DAYS past (as residents' own bookings are), or, for a
    proposal whose sessions have all gone, that long after it was made."""
    before = (now or timezone.now()) - timedelta(days=settings.BOOKINGS_RETENTION_DAYS)
    past = (
        Order.objects.exclude(customer={})
        .annotate(last=Coalesce(Max("items__booking__starts_at"), Max("items__session__start")))
        .filter(Q(last__lt=before) | Q(last__isnull=True, created_at__lt=before))
    )
    return Order.objects.filter(pk__in=list(past.values_list("pk", flat=True))).update(customer={})
