"""Walk the whole URL configuration: every page that is not public needs a signed-in user.

A view is public only if it says so (@login_not_required). The list below is
the complete set of public pages; a new public page must be added here on
purpose, so nothing becomes public by accident.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import sign_in
from tests.personas import Personas

PUBLIC = {
    "",
    "<slug:slug>/",
    "health/",
    "health/ready/",
    "accounts/sign-in/",
    "accounts/password-reset/",
    "accounts/password-reset/sent/",
    "accounts/password-reset/<uidb64>/<token>/",
    "accounts/password-reset/done/",
    "invitations/<str:token>/",
    "admin/login/",
    # The directory's public pages (everything in it is public data).
    "<slug:slug>/whats-on/",
    "<slug:slug>/whats-on/widget/",
    "<slug:slug>/whats-on/print/",
    "<slug:slug>/calendar.ics",
    "<slug:slug>/activities/<uuid:public_id>/",
    "<slug:slug>/activities/<uuid:public_id>/calendar.ics",
    "<slug:slug>/sessions/<uuid:public_id>/calendar.ics",
    "<slug:slug>/calendar/",
    "<slug:slug>/calendar/subscribe/",
    "<slug:slug>/calendar/<int:year>/<int:month>/",
    "<slug:slug>/calendar/booklet/",
    "<slug:slug>/calendar/booklet/<uuid:public_id>/",
    "<slug:slug>/calendar/booklet/<uuid:public_id>/pdf/",
    "listings/confirm/<str:token>/",
    # Open data: the public read APIs (Open Referral UK, OpenActive) and the dataset page.
    "api/openreferral/",
    "api/openreferral/services",
    "api/openreferral/services/<str:service_id>",
    "api/openreferral/service_at_locations",
    "api/openreferral/service_at_locations/<str:item_id>",
    "api/openreferral/taxonomies",
    "api/openreferral/taxonomies/<str:taxonomy_id>",
    "api/openreferral/taxonomy_terms",
    "api/openreferral/taxonomy_terms/<str:term_id>",
    "api/openactive/",
    # The Open Booking API: no sign-in, but every endpoint asks for a booking partner's
    # key (tests/opendata/test_open_booking.py).
    "api/openbooking/",
    "api/openbooking/order-quote-templates/<uuid:order_uuid>",
    "api/openbooking/order-quotes/<uuid:order_uuid>",
    "api/openbooking/order-proposals/<uuid:order_uuid>",
    "api/openbooking/orders/<uuid:order_uuid>",
    "api/openbooking/orders-rpde",
    "api/openactive/<slug:feed>",
    # Bookings: a resident books a place where the group allows it, and sees or cancels
    # it from the link they are sent (a signed token of the booking's random id).
    "<slug:slug>/sessions/<uuid:public_id>/book/",
    "bookings/<str:token>/",
    # Casework: GOV.UK Notify's delivery receipts (no sign-in: Notify's bearer token,
    # compared in constant time; 404 unless configured; tests/casework/test_notify_client.py).
    "api/notify/delivery-receipts/",
    # Casework: the public self-referral form of an area.
    "<slug:slug>/refer-yourself/",
    "<slug:slug>/refer-yourself/sent/",
    # Casework: a group's one-time emailed register (an unguessable, expiring token).
    "register/<uuid:token>/",
    # Casework: a client answers a wellbeing measure from a one-time link (a random token
    # stored only hashed, working once for 14 days; the page shows nothing about them).
    "wellbeing/<str:token>/",
    # Surveys: residents answer an open survey anonymously, by its public id.
    "<slug:slug>/survey/<uuid:public_id>/",
    "<slug:slug>/survey/<uuid:public_id>/<int:step>/",
    "<slug:slug>/survey/<uuid:public_id>/check/",
    "<slug:slug>/survey/<uuid:public_id>/thanks/",
}

SAMPLE = {"slug": "ashfield", "uidb64": "MQ", "token": "abc-def", "public_id": str(uuid.uuid4())}


def walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def concrete(route: str) -> str | None:
    """A URL for a route, with sample values; None for regex routes we cannot fill."""
    import re

    if route.startswith("^") or "(?P" in route:
        return None

    def fill(match: re.Match[str]) -> str:
        converter, _, name = match.group(1).rpartition(":")
        if converter == "int":
            return "1"
        if converter == "uuid":
            return SAMPLE["public_id"]
        return SAMPLE.get(name, "x")

    return "/" + re.sub(r"<([^>]+)>", fill, route)


ROUTES = sorted({route for route, _ in walk(get_resolver().url_patterns)})
# The admin site's catch-all and app-index routes are regular expressions; the
# admin's own permission checks guard them (and the concrete admin URLs are walked).
WALKABLE = [route for route in ROUTES if concrete(route) is not None]


def test_the_walk_finds_the_routes() -> None:
    assert len(ROUTES) > 30
    assert "staff/" in ROUTES and "<slug:slug>/" in ROUTES


def test_the_public_pages_are_exactly_the_ones_listed() -> None:
    public = {
        route
        for route, pattern in walk(get_resolver().url_patterns)
        if not getattr(pattern.callback, "login_required", True)
    }
    assert public == PUBLIC


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in WALKABLE if r not in PUBLIC and not r.startswith("admin/")]
)
def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, route: str) -> None:
    url = concrete(route)
    assert url is not None
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (route, response.status_code)
        assert response["Location"].startswith("/accounts/sign-in/?next="), route


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in WALKABLE if r.startswith("admin/") and r != "admin/login/"]
)
def test_the_admin_site_is_closed_to_anonymous_visitors(client: Client, route: str) -> None:
    url = concrete(route)
    assert url is not None
    response = client.get(url)
    assert response.status_code == 302, route
    assert response["Location"].startswith(("/accounts/sign-in/?next=", "/admin/login/?next=")), (
        route
    )


# Pages a signed-in user reaches before completing two-factor sign-in.
TWO_FACTOR_EXEMPT = {
    "accounts/sign-out/",
    "accounts/two-factor/",
    "accounts/two-factor/verify/",
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coordinator", "staff_user"])
def test_an_unverified_user_is_sent_to_two_factor_sign_in_from_every_staff_page(
    client: Client, personas: Personas, who: str
) -> None:
    if who == "staff_user":
        # Admin-site access alone (no role that sees personal data) needs 2FA too.
        user = personas.commissioner
        user.is_staff = True
        user.save()
    else:
        user = personas.coordinator
    sign_in(client, user, verified=False)
    checked = 0
    for route in WALKABLE:
        if route in PUBLIC or route in TWO_FACTOR_EXEMPT:
            continue
        url = concrete(route)
        assert url is not None
        response = client.get(url)
        assert response.status_code == 302, (route, response.status_code)
        assert response["Location"].startswith("/accounts/two-factor/"), route
        checked += 1
    assert checked > 20
