"""What's on: the public list of an area's activities, filtered from the query string.

Two views of the same filters: each activity once, with when it happens and its
next matching dates (the default), or the sessions day by day ("by date").
Every filter is in the address, so a search can be shared, bookmarked, and
restored by Back and Forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from inspiring.areas.models import Area
from inspiring.areas.views import near_query, remember_postcode, remembered_postcode
from lib.http import is_htmx

from ..models import Activity, Session
from ..search import (
    DAY_CHOICES,
    DISTANCE_CHOICES,
    TIME_CHOICES,
    Filters,
    WhatsOnForm,
    activity_miles_from,
    current_schedules,
    distance_label,
    first_day,
    listed_on,
    miles_from,
    next_sessions,
    search_activities,
    search_sessions,
    when_label,
    with_details,
)

PAGE_SIZE = 20


@dataclass(frozen=True)
class ActiveFilter:
    """One filter in use, with the address of the same search without it."""

    label: str
    remove_url: str


@dataclass(frozen=True)
class NextDate:
    """One of an activity's next dates on its card."""

    start: str  # ISO 8601, local time
    date_label: str
    time_label: str  # "" when the card's "When" already says the time
    is_cancelled: bool
    moved: bool
    note: str
    places: str  # "3 places left", "Fully booked", …; "" where places are not booked here
    full: bool


@dataclass(frozen=True)
class Card:
    """What one activity's card shows, worked out once here: the same lookups,
    filters and {% url %} in the template for each of a page's cards were a third
    of the page's rendering."""

    url: str
    title: str
    summary: str
    capacity_status: str
    staleness: str | None
    place: str
    distance: str
    cost: str
    organiser: str
    shared_from: str | None  # the home area's programme, for an activity shared from another
    features: list[str]


def _activity_urls(area: Area) -> Callable[[UUID], str]:
    """An activity's page in `area` from its public id, for a page of cards at once:
    one reverse() (as openactive.series_ids). The id is the only part that varies,
    and it goes into the address as it is."""
    sample = UUID(int=0)
    head, tail = reverse(
        "directory:activity", kwargs={"slug": area.slug, "public_id": sample}
    ).split(str(sample), 1)
    return lambda public_id: f"{head}{public_id}{tail}"


def _card(activity: Activity, miles: float | None, area: Area, url: Callable[[UUID], str]) -> Card:
    return Card(
        url=url(activity.public_id),
        title=activity.title,
        summary=activity.summary,
        capacity_status=activity.capacity_status,
        staleness=activity.public_staleness(),
        place=activity.place_label or "To be confirmed",
        distance=distance_label(miles) if miles is not None else "",
        cost=activity.cost_label,
        organiser=activity.organisation.name,
        shared_from=activity.home_area.programme_name if activity.home_area_id != area.pk else None,
        features=[feature.name for feature in activity.support_features.all()],
    )


def places_label(session: Session, *, waiting_list: bool) -> str:
    """What a card says of a session's places, from the session's own row (no query):
    "" where places are not booked here, or the session is cancelled."""
    left = session.places_left
    if left is None or session.is_cancelled:
        return ""
    if left:
        return f"{left} place left" if left == 1 else f"{left} places left"
    return "Full: join the waiting list" if waiting_list else "Fully booked"


def _next_date(session: Session, *, with_time: bool, waiting_list: bool) -> NextDate:
    return NextDate(
        start=timezone.localtime(session.start).isoformat(),
        date_label=session.date_label,
        time_label=session.time_label if with_time or session.moved else "",
        is_cancelled=session.is_cancelled,
        moved=session.moved,
        note=session.note,
        places=places_label(session, waiting_list=waiting_list),
        full=session.places_left == 0,
    )


def _activity_rows(
    activities: list[Activity], filters: Filters, area: Area
) -> list[dict[str, Any]]:
    dates = next_sessions([a.pk for a in activities], filters)
    today = timezone.localdate()
    url = _activity_urls(area)
    rows = []
    for activity in activities:
        miles = activity_miles_from(filters.place, activity)
        when = [when_label(s) for s in current_schedules(activity, today)]
        rows.append(
            {
                "activity": activity,
                "when": when,
                "dates": dates.get(activity.pk, []),
                "distance": distance_label(miles) if miles is not None else "",
                "shared_from": activity.home_area if activity.home_area_id != area.pk else None,
                # What the template shows.
                "card": _card(activity, miles, area, url),
                "next_dates": [
                    _next_date(s, with_time=not when, waiting_list=activity.waiting_list)
                    for s in dates.get(activity.pk, [])
                ],
            }
        )
    return rows


def _session_rows(sessions: list[Session], filters: Filters, area: Area) -> list[dict[str, Any]]:
    url = _activity_urls(area)
    rows = []
    for session in sessions:
        miles = miles_from(filters.place, session)
        rows.append(
            {
                "session": session,
                "activity": session.activity,
                "distance": distance_label(miles) if miles is not None else "",
                "shared_from": session.activity.home_area
                if session.activity.home_area_id != area.pk
                else None,
                # What the template shows.
                "card": _card(session.activity, miles, area, url),
                "start": timezone.localtime(session.start).isoformat(),
                "time": session.when_label if session.spans_days else session.time_label,
                "places": places_label(session, waiting_list=session.activity.waiting_list),
                "full": session.places_left == 0,
            }
        )
    return rows


def _active_filters(form: WhatsOnForm, query: QueryDict, path: str) -> list[ActiveFilter]:
    """The filters in use, as people would say them, each with a link that removes it."""
    if not form.is_bound or not form.is_valid():
        return []
    data = form.cleaned_data

    def without(name: str, value: str | None = None) -> str:
        rest = query.copy()
        if value is None:
            rest.pop(name, None)
        else:
            rest.setlist(name, [v for v in rest.getlist(name) if v != value])
        if name == "postcode":
            # Distance needs a postcode: removing it removes them too, and says so.
            rest.pop("within", None)
            rest.pop("sort", None)
            rest["postcode"] = ""
        return f"{path}?{rest.urlencode()}" if rest else path

    found: list[ActiveFilter] = []
    if data.get("q"):
        found.append(ActiveFilter(f"Search: {data['q']}", without("q")))
    if data.get("postcode"):
        within = dict(DISTANCE_CHOICES).get(query.get("within", ""), "")
        # "Within half a mile of NG17 7AE", without the choice's "(a short walk)".
        within = within.split(" (")[0].lower()
        near = f"Within {within} of" if data.get("within") else "Near"
        found.append(ActiveFilter(f"{near} {data['postcode'].postcode}", without("postcode")))
    if data.get("free"):
        found.append(ActiveFilter("Free only", without("free")))
    names = {
        "day": dict(DAY_CHOICES),
        "time": dict(TIME_CHOICES),
        "category": dict(form.fields["category"].choices),  # type: ignore[attr-defined]
        "feature": dict(form.fields["feature"].choices),  # type: ignore[attr-defined]
    }
    for name, labels in names.items():
        for value in data.get(name) or []:
            found.append(ActiveFilter(str(labels.get(value, value)), without(name, value)))
    if data.get("date_from"):
        found.append(ActiveFilter(f"From {data['date_from']:%-d %B %Y}", without("date_from")))
    if data.get("date_to"):
        found.append(ActiveFilter(f"To {data['date_to']:%-d %B %Y}", without("date_to")))
    return found


def _page(request: HttpRequest, items: Any) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


@login_not_required
def whats_on(request: HttpRequest, slug: str) -> HttpResponse:
    area = get_object_or_404(Area, slug=slug)
    if not request.GET and remembered_postcode(request):
        # Back on What's on in the same visit: from the postcode they gave, nearest first.
        return _vary(redirect(f"{request.path}?{near_query(remembered_postcode(request))}"))
    form = WhatsOnForm(request.GET if request.GET else None)
    valid = not form.is_bound or form.is_valid()
    filters = form.filters()
    if valid and "postcode" in request.GET:
        remember_postcode(request, filters.place.postcode if filters.place else "")
    by_date = filters.view == "dates"
    if by_date:
        # Day by day is in time order, whatever the sort: each day's sessions under its heading.
        in_time_order = replace(filters, sort="date")
        page = _page(request, with_details(search_sessions(area, in_time_order)))
        rows = _session_rows(list(page.object_list), filters, area)
    else:
        page = _page(request, search_activities(area, filters))
        rows = _activity_rows(list(page.object_list), filters, area)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "area": area,
        "form": form,
        "valid": valid,
        "page_obj": page,
        "rows": rows,
        "by_date": by_date,
        "by_distance": filters.sort == "distance" and filters.place is not None and not by_date,
        "days": [
            (day, list(items))
            for day, items in groupby(
                rows, key=lambda r: listed_on(r["session"], first_day(filters))
            )
        ]
        if by_date
        else [],
        "active_filters": _active_filters(form, query, request.path),
        "query": query.urlencode(),
        "query_without_page": f"{query.urlencode()}&" if query else "",
    }
    # A history restore (Back or Forward to an address htmx pushed, when its
    # snapshot is gone) comes as an htmx request but needs the whole page.
    if is_htmx(request) and not request.htmx.history_restore_request:  # type: ignore[attr-defined]
        if not valid:
            # The error summary sits outside the swapped results: load the whole page.
            return _vary(HttpResponseClientRedirect(request.get_full_path()))
        return _vary(render(request, "directory/whats_on.html#results", context))
    return _vary(render(request, "directory/whats_on.html", context))


def _vary(response: HttpResponse) -> HttpResponse:
    """The same address answers htmx with the results and a browser with the page:
    caches (the browser's own, which Back reads) must keep them apart."""
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response
