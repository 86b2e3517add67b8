"""Open Referral UK read API: /api/openreferral/… (public, no key, CORS open)."""

from __future__ import annotations

import math
import uuid
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.http import HttpRequest, HttpResponse

from inspiring.areas.geography import Place, resolve_postcode
from inspiring.directory.models import Activity
from lib.geo import EARTH_RADIUS_MILES, box_around
from lib.postcodes import PostcodeError
from lib.sql import fenced, read_with

from . import oruk, service_ids
from .api import ApiError, Page, json_response, open_endpoint

METRES_PER_MILE = 1609.344
MAX_PROXIMITY_M = 100_000


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(f"No {what} has the id {value}", status=404) from None


def _filtered(request: HttpRequest) -> QuerySet[Activity]:
    try:
        return oruk.filter_services(oruk.published_activities(), request.GET)
    except oruk.FilterError as problem:
        raise ApiError(str(problem)) from None


@open_endpoint
def index(request: HttpRequest) -> HttpResponse:
    return json_response(
        {
            "version": "3.0",
            "profile": "https://openreferraluk.org/",
            "openapi_url": "https://raw.githubusercontent.com/openreferral/uk-profile/main/"
            "schema/openapi.json",
            "description": "Local activities for social prescribing: arts, sport, culture "
            "and community groups, published by Inspiring.",
        }
    )


@open_endpoint
def services(request: HttpRequest) -> HttpResponse:
    activities = _filtered(request)
    if any(request.GET.get(name, "").strip() for name in oruk.FILTERS):
        page, chosen = _filtered_page(request, activities)
    else:
        # Every published service: a page is a range of the (title, id) index of
        # published listings, and the count that index's length.
        ordered = activities.order_by("title", "pk")
        page = Page(request, ordered.count())
        chosen = list(ordered[page.start : page.end])
    return json_response(page.envelope([oruk.service_summary(a) for a in chosen]))


def _filtered_page(
    request: HttpRequest, activities: QuerySet[Activity]
) -> tuple[Page, list[Activity]]:
    """A page of filtered services by title and their count from one query: the
    matches are read first (a term's 14,000 of 250,000 by its index), then sorted by
    title. Asked for a page and a count apart, PostgreSQL walks the title index
    through every published service looking for a term's few (0.4 s at national scale)."""
    return _page_of(request, activities, "title, listed_id")


def _page_of(
    request: HttpRequest,
    activities: QuerySet[Activity],
    order: str,
    *,
    columns: dict[str, Any] | None = None,
    where: str = "",
    where_params: tuple[Any, ...] = (),
) -> tuple[Page, list[Activity]]:
    """The page of `activities` the request asks for, their count and the listings
    themselves (with what a service shows beside them, oruk.SHOWN_WITH), in one
    statement: a second only for a page past the end, to say how many there are.

    `activities` is read as written (lib.sql.fenced), with its id as listed_id, its
    title and `columns` (name: expression); `order` sorts its rows and `where` (with
    `where_params`) picks among them, both SQL over those names. They are fixed text
    from this module, never the request's: its values are parameters. The page (ids,
    count and places) is a WITH table the listings are read by (lib.sql.read_with):
    read apart, the listings were a third of the request's time in the database at
    national scale (a round trip and a statement's planning more).
    """
    page = Page(request, 0)
    if activities.query.is_empty():  # an unknown term or organisation: no statement to run
        return page, []
    extra = columns or {}
    inner, params = fenced(
        activities.annotate(listed_id=F("pk"), **extra)
        .order_by()
        .values_list("listed_id", "title", *extra)
    )
    within = f" WHERE {where}" if where else ""
    # Only fixed names are added to Django's statement (its values are parameters). The
    # count is of every row, the place of each of the page's in `order`.
    common = (
        "WITH listed_page AS (SELECT listed_id, listed_total, "  # noqa: S608
        f"row_number() OVER (ORDER BY {order}) AS listed_place FROM ("
        f"SELECT listed.*, count(*) OVER () AS listed_total FROM {inner} listed{within} "
        f"ORDER BY {order} LIMIT %s OFFSET %s) paged)"
    )
    listings = (
        Activity.objects.select_related(*oruk.SHOWN_WITH)
        .filter(pk__in=RawSQL("SELECT listed_id FROM listed_page", ()))
        .annotate(
            listed_total=RawSQL("SELECT listed_total FROM listed_page LIMIT 1", ()),
            listed_place=Func(
                F("pk"),
                template="(SELECT listed_place FROM listed_page WHERE listed_id = %(expressions)s)",
                output_field=IntegerField(),
            ),
        )
        .order_by("listed_place")
    )
    chosen = read_with(listings, common, (*params, *where_params, page.size, page.start))
    if chosen:
        page.total = chosen[0].listed_total  # type: ignore[attr-defined]
    elif page.start:  # past the last page: still say how many there are
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {inner} listed{within}",  # noqa: S608
                (*params, *where_params),
            )
            page.total = cursor.fetchone()[0]
    return page, chosen


@open_endpoint
def service(request: HttpRequest, service_id: str) -> HttpResponse:
    public_id = _uuid(service_id, "service")
    activity = oruk.full_service(oruk.published_activities().filter(public_id=public_id))
    if activity is None:
        raise ApiError(f"No service has the id {service_id}", status=404)
    return json_response(oruk.service(activity))


def _near(
    request: HttpRequest, activities: QuerySet[Activity]
) -> tuple[Page, list[Activity]] | None:
    """With `postcode`: a page of the services nearest first (within `proximity` metres
    if given; without one, those with no public place after the rest) and their count;
    else None. The database measures, sorts and counts (one query, `metres_from`), after
    a proximity's box on the venues' indexed position: reading every candidate's
    position into Python was most of the time at national scale."""
    postcode = request.GET.get("postcode", "").strip()
    raw_proximity = request.GET.get("proximity", "").strip()
    if not postcode:
        if raw_proximity:
            raise ApiError("proximity needs a postcode to measure from")
        return None
    try:
        place = resolve_postcode(postcode)
    except PostcodeError as problem:
        raise ApiError(str(problem)) from None
    limit: float | None = None
    if raw_proximity:
        try:
            limit = float(raw_proximity)
        except ValueError:
            raise ApiError("proximity must be a distance in metres, like 1600") from None
        if not 0 < limit <= MAX_PROXIMITY_M or math.isnan(limit):
            raise ApiError(f"proximity must be more than 0 and at most {MAX_PROXIMITY_M} metres")
        south, north, west, east = box_around(
            place.latitude, place.longitude, limit / METRES_PER_MILE
        )
        activities = activities.filter(
            hide_address=False,
            venue__latitude__range=(south, north),
            venue__longitude__range=(west, east),
        )
    return _page_of(
        request,
        activities,
        "metres IS NULL, metres, title, listed_id",
        columns={"metres": metres_from(place)},
        where="metres <= %s" if limit is not None else "",
        where_params=(limit,) if limit is not None else (),
    )


def metres_from(place: Place) -> Case:
    """The great-circle distance in metres from `place` to an activity's venue, as
    lib.geo.miles_between works it out (haversine), in the database; None without a
    venue or with a private address (no distance may be told about it)."""
    phi = math.radians(place.latitude)
    latitude = Radians(F("venue__latitude"))
    across = Power(Sin((latitude - phi) / 2), 2) + math.cos(phi) * Cos(latitude) * Power(
        Sin(Radians(F("venue__longitude") - place.longitude) / 2), 2
    )
    miles = 2 * EARTH_RADIUS_MILES * ASin(Sqrt(Least(across, Value(1.0))))
    return Case(
        # Without a venue, None: PostgreSQL's LEAST skips a NULL (LEAST(NULL, 1) is 1).
        When(Q(hide_address=True) | Q(venue__isnull=True), then=Value(None)),
        default=ExpressionWrapper(miles * METRES_PER_MILE, output_field=FloatField()),
        output_field=FloatField(),
    )


@open_endpoint
def service_at_locations(request: HttpRequest) -> HttpResponse:
    activities = _filtered(request)
    near = _near(request, activities)
    if near is None:
        ordered = activities.order_by("title", "pk")
        page = Page(request, ordered.count())
        chosen: list[Activity] = list(ordered[page.start : page.end])
    else:
        page, chosen = near
    return json_response(page.envelope([oruk.service_at_location(a) for a in chosen]))


@open_endpoint
def service_at_location(request: HttpRequest, item_id: str) -> HttpResponse:
    wanted = _uuid(item_id, "service at location")
    # Found by its stored id in the statement that reads it, then checked against its
    # own columns: a stale row answers nothing.
    activity = oruk.full_service(oruk.published_activities().filter(service_ids.stored_as(wanted)))
    if activity is None or oruk.service_at_location_id(activity) != str(wanted):
        raise ApiError(f"No service at location has the id {item_id}", status=404)
    data: dict[str, Any] = oruk.service(activity)
    return json_response(
        {
            "id": item_id,
            "service_id": data["id"],
            "location_id": data["service_at_locations"][0]["location_id"],
            "location": data["service_at_locations"][0]["location"],
            "service": {k: v for k, v in data.items() if k != "service_at_locations"},
        }
    )


@open_endpoint
def taxonomies(request: HttpRequest) -> HttpResponse:
    items = oruk.taxonomies()
    page = Page(request, len(items))
    return json_response(page.envelope(items[page.start : page.end]))


@open_endpoint
def taxonomy(request: HttpRequest, taxonomy_id: str) -> HttpResponse:
    for item in oruk.taxonomies():
        if item["id"] == taxonomy_id:
            return json_response({**item, "taxonomy_terms": oruk.taxonomy_terms(taxonomy_id)})
    raise ApiError(f"No taxonomy has the id {taxonomy_id}", status=404)


@open_endpoint
def taxonomy_terms(request: HttpRequest) -> HttpResponse:
    terms = oruk.taxonomy_terms(request.GET.get("taxonomy_id", "").strip())
    search = request.GET.get("search", "").strip().lower()
    if search:
        terms = [t for t in terms if search in t["name"].lower()]
    page = Page(request, len(terms))
    return json_response(page.envelope(terms[page.start : page.end]))


@open_endpoint
def taxonomy_term(request: HttpRequest, term_id: str) -> HttpResponse:
    for term in oruk.taxonomy_terms():
        if term["id"] == term_id:
            return json_response(term)
    raise ApiError(f"No taxonomy term has the id {term_id}", status=404)
