"""The OpenActive Open Booking API's endpoints (openbooking.py does the work), and the
page where a group answers the booking requests that wait for it.

A booking partner signs every request with its key (`Authorization: Bearer <key>`):
no key is 403 NoAPITokenError, a wrong or retired one 401 InvalidAPITokenError, and a
partner sees and changes only its own orders (another's Order UUID is 404, as if
unknown). Bodies are JSON-LD; answers are the standard's media type."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from inspiring.accounts.access import require_capability
from inspiring.accounts.roles import Capability
from inspiring.directory.access import editable_organisations
from lib import throttle
from lib.actions import ActionRefused
from lib.throttle import Limit

from . import openactive, openbooking
from .api import json_response
from .models import BookingPartner
from .openbooking import OpenBookingError

MEDIA_TYPE = "application/vnd.openactive.booking+json; version=1"
# Far more than any order of MOST_ITEMS items needs.
MOST_BODY = 64 * 1024


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _partner(request: HttpRequest) -> BookingPartner:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise OpenBookingError("NoAPITokenError", "Send your key: Authorization: Bearer <key>.")
    partner = BookingPartner.objects.filter(
        key_hash=key_hash(header[7:].strip()), active=True
    ).first()
    if partner is None:
        raise OpenBookingError("InvalidAPITokenError", "That key is not valid here.")
    if not throttle.hit(
        "openbooking", str(partner.pk), Limit(settings.OPEN_BOOKING_PER_PARTNER_MINUTE, 60)
    ):
        raise OpenBookingError(
            "TooManyRequestsError", "Too many requests from your key: wait a minute."
        )
    return partner


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MOST_BODY:
        raise OpenBookingError("OpenBookingError", "The request is too large.")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise OpenBookingError("OpenBookingError", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise OpenBookingError("OpenBookingError", "The request body must be a JSON object.")
    return body


def _answer(data: dict[str, Any] | None, status: int) -> HttpResponse:
    if data is None:
        return HttpResponse(status=status)
    return json_response(data, status=status, content_type=MEDIA_TYPE)


Handler = Callable[[HttpRequest, BookingPartner, uuid.UUID], tuple[int, dict[str, Any] | None]]


def booking_endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    """One resource of the API: its handler by HTTP method, the partner found from its
    key, and every OpenBookingError answered as the standard's error body."""

    @csrf_exempt
    @login_not_required
    def view(request: HttpRequest, order_uuid: uuid.UUID) -> HttpResponse:
        handler = handlers.get(request.method or "")
        try:
            if handler is None:
                error = OpenBookingError("MethodNotAllowedError", "That method is not used here.")
                response = _answer(error.as_json(), error.status)
                response["Allow"] = ", ".join(handlers)
                return response
            partner = _partner(request)
            status, data = handler(request, partner, order_uuid)
        except OpenBookingError as error:
            return _answer(error.as_json(), error.status)
        response = _answer(data, status)
        if status == 201:
            response["Location"] = data["@id"] if data else ""
        return response

    return view


def _c1(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    return openbooking.quote(partner, order_uuid, _body(request), with_customer=False)


def _c2(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    return openbooking.quote(partner, order_uuid, _body(request), with_customer=True)


def _delete_quote(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    # Quotes are never kept (and hold no places), so there is nothing to release.
    return 204, None


def _propose(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    return openbooking.propose(request, partner, order_uuid, _body(request))


def _withdraw(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    openbooking.withdraw_proposal(partner, order_uuid, _body(request))
    return 204, None


def _order(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    return openbooking.place_order(request, partner, order_uuid, _body(request))


def _cancel(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    openbooking.cancel_items(request, partner, order_uuid, _body(request))
    return 204, None


def _delete_order(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    openbooking.delete_order(request, partner, order_uuid)
    return 204, None


def _status(request: HttpRequest, partner: BookingPartner, order_uuid: uuid.UUID) -> Any:
    return 200, openbooking.status(partner, order_uuid)


order_quote_templates = booking_endpoint(PUT=_c1)
order_quotes = booking_endpoint(PUT=_c2, DELETE=_delete_quote)
order_proposals = booking_endpoint(PUT=_propose, PATCH=_withdraw)
orders = booking_endpoint(PUT=_order, PATCH=_cancel, DELETE=_delete_order, GET=_status)


@csrf_exempt
@login_not_required
def orders_feed(request: HttpRequest) -> HttpResponse:
    """The partner's Orders feed (RPDE): its orders and answered proposals as they change."""
    try:
        if request.method != "GET":
            raise OpenBookingError("MethodNotAllowedError", "The feed is read with GET.")
        partner = _partner(request)
        try:
            position = openactive.Position.parse(
                request.GET.get("afterTimestamp", "").strip(),
                request.GET.get("afterId", "").strip(),
            )
        except openactive.RpdeError as problem:
            raise OpenBookingError("OpenBookingError", str(problem)) from None
    except OpenBookingError as error:
        return _answer(error.as_json(), error.status)
    response = json_response(openbooking.feed_page(partner, position))
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@login_not_required
def base(request: HttpRequest) -> HttpResponse:
    """The API's base URL: what lives under it (the endpoints take an Order UUID)."""
    error = OpenBookingError(
        "UnknownOrIncorrectEndpointError",
        "This is the Open Booking API's base URL: PUT /order-quote-templates/{uuid}, "
        "/order-quotes/{uuid}, /order-proposals/{uuid} or /orders/{uuid}; GET /orders-rpde.",
    )
    return _answer(error.as_json(), error.status)


# --- The group's page -----------------------------------------------------------------


def _waiting(request: HttpRequest) -> Any:
    return openbooking.waiting_for(editable_organisations(request))


def requests_card_status(request: HttpRequest) -> str:
    """The staff home's line for the booking requests card."""
    waiting = _waiting(request).count()
    if not waiting:
        return "No booking request is waiting."
    return f"{waiting} booking request{'s' if waiting != 1 else ''} waiting for your answer."


@require_capability(Capability.EDIT_OWN_LISTINGS)
def booking_requests(request: HttpRequest) -> HttpResponse:
    waiting = list(_waiting(request)[:100])
    return render(request, "opendata/booking_requests.html", {"waiting": waiting})


@require_POST
@require_capability(Capability.EDIT_OWN_LISTINGS)
def answer_request(request: HttpRequest, order_uuid: uuid.UUID) -> HttpResponse:
    order = get_object_or_404(_waiting(request).select_related(None), uuid=order_uuid)
    choice = request.POST.get("answer", "")
    if choice not in ("accept", "decline"):
        raise Http404
    try:
        openbooking.decide(
            request, order, accept=choice == "accept", note=request.POST.get("note", "")[:500]
        )
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            "Accepted: the site that asked will book the place."
            if choice == "accept"
            else "Declined: the site that asked will tell them.",
        )
    return redirect(reverse("opendata:booking_requests"))
