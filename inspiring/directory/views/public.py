"""Public pages: What's on, activity pages, calendar files, the widget and the printed sheet."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, urlencode
from django.views.decorators.clickjacking import xframe_options_exempt
from phonenumbers import NumberParseException, PhoneNumberFormat, format_number, parse
from weasyprint import HTML

from inspiring.areas.models import Area
from lib.sql import prepared
from lib.text import plain_text

from ..ical import (
    SUBSCRIPTION_DAYS,
    Version,
    activity_calendar,
    cached_feed,
    sessions_calendar,
    uid_host,
    version_of,
)
from ..models import Activity, Schedule, Session
from ..recurrence import LONDON
from ..search import (
    Filters,
    WhatsOnForm,
    activity_item,
    distance_label,
    listed_on,
    miles_from,
    search_sessions,
    with_details,
)


def _area(slug: str) -> Area:
    return get_object_or_404(Area, slug=slug)


def _form(request: HttpRequest) -> WhatsOnForm:
    return WhatsOnForm(request.GET if request.GET else None)


def _rows(sessions: list[Session], filters: Filters, area: Area) -> list[dict[str, Any]]:
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
            }
        )
    return rows


def _by_day(rows: list[dict[str, Any]], first: date) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Rows under the day each is listed on (a festival begun before `first`: on `first`)."""
    return [
        (day, list(items))
        for day, items in groupby(rows, key=lambda r: listed_on(r["session"], first))
    ]


# The next sessions an activity's page lists.
NEXT_SESSIONS = 10


def _visible_activity(area: Area, public_id: uuid.UUID, *, running: bool = False) -> Activity:
    """A published activity people in `area` see; with running=True, not paused either."""
    activities = Activity.objects.visible_in(area)
    if running:
        activities = activities.running()
    return get_object_or_404(
        activities.select_related("organisation", "venue", "home_area"), public_id=public_id
    )


def _json_ld(activity: Activity, sessions: list[Session], request: HttpRequest) -> str:
    """schema.org Events for the next sessions, as search engines and apps read them."""
    url = request.build_absolute_uri(activity.get_absolute_url())
    location: dict[str, Any]
    if activity.online and activity.venue is None:
        location = {"@type": "VirtualLocation", "url": url}
    else:
        address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": "GB"}
        if activity.shows_venue and activity.venue is not None:
            address.update(
                streetAddress=activity.venue.address_line_1,
                addressLocality=activity.venue.town,
                postalCode=activity.venue.postcode,
            )
        else:
            address["addressLocality"] = activity.place_label
        location = {"@type": "Place", "name": activity.place_label, "address": address}
    offers: dict[str, Any] = {"@type": "Offer", "priceCurrency": "GBP", "url": url}
    offers["price"] = f"{activity.price:.2f}" if activity.price is not None else "0"
    events = [
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": activity.title,
            "description": activity.summary,
            "url": url,
            "startDate": timezone.localtime(s.start).isoformat(),
            "endDate": timezone.localtime(s.end).isoformat(),
            "eventStatus": "https://schema.org/EventCancelled"
            if s.is_cancelled
            else (
                "https://schema.org/EventRescheduled"
                if s.moved
                else "https://schema.org/EventScheduled"
            ),
            "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode"
            if activity.online and activity.venue is None
            else "https://schema.org/OfflineEventAttendanceMode",
            "isAccessibleForFree": activity.is_free,
            "location": location,
            "organizer": {"@type": "Organization", "name": activity.organisation.name},
            "offers": offers,
        }
        for s in sessions
    ]
    # Escaped for a <script> element as Django's json_script does: no "<", ">" or
    # "&" from a partner's text can end the element or change how it is parsed.
    return (
        json.dumps(events, ensure_ascii=False)
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
        .replace("&", "\\u0026")
    )


def tel_href(phone: str) -> str:
    """A `tel:` address for a number as a group typed it ("01623 555 123" → +441623555123)."""
    try:
        number = parse(phone, "GB")
    except NumberParseException:
        number = None
    if number is not None:
        return f"tel:{format_number(number, PhoneNumberFormat.E164)}"
    return "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")


@dataclass(frozen=True)
class Contact:
    """Who to ask about an activity: its own contact, else its organisation's."""

    name: str
    phone: str
    email: str
    # Whether the phone and email are the organisation's (the activity gave none).
    from_organisation: bool

    @property
    def phone_href(self) -> str:
        return tel_href(self.phone) if self.phone else ""

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email)


def contact_for(activity: Activity) -> Contact:
    own = bool(activity.contact_phone or activity.contact_email)
    organisation = activity.organisation
    return Contact(
        name=activity.contact_name or organisation.name,
        phone=activity.contact_phone if own else organisation.phone,
        email=activity.contact_email if own else organisation.email,
        from_organisation=not own,
    )


def _skipped_dates(schedule: Schedule) -> list[date]:
    """The dates still to come that a repeating schedule leaves out (its bank holidays
    too), as people need them listed: past ones help nobody plan."""
    today = timezone.localdate()
    return sorted(day for day in schedule.excluded_dates if day >= today)


@login_not_required
def activity_page(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    # The site's most read page: both its statements are planned once a connection, and
    # not again for each id (their best plan is the same for any).
    with prepared(generic=True):
        area = _area(slug)
        # One statement: the activity, its lists and its next sessions (activity_item).
        item = activity_item(
            Activity.objects.visible_in(area).filter(public_id=public_id), sessions=NEXT_SESSIONS
        )
    if item is None:
        raise Http404("No activity here has that id")
    activity = item.activity
    paused = activity.capacity_status == Activity.CapacityStatus.PAUSED
    upcoming = [] if paused else item.sessions
    return render(
        request,
        "directory/activity.html",
        {
            "area": area,
            "activity": activity,
            "sessions": upcoming,
            "schedules": [(s, _skipped_dates(s)) for s in activity.schedules.all()],
            "contact": contact_for(activity),
            "area_phone_href": tel_href(area.contact_phone) if area.contact_phone else "",
            "categories": list(activity.categories.all()),
            "features": list(activity.support_features.all()),
            "json_ld": _json_ld(activity, upcoming, request),
            "shared_from": activity.home_area if activity.home_area_id != area.pk else None,
            "description_text": plain_text(activity.description_html),
        },
    )


def _ics(calendar: Any, filename: str) -> HttpResponse:
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _feed_response(
    request: HttpRequest, version: Version, build: Callable[[], bytes], filename: str
) -> HttpResponse:
    """A subscription feed: 304 when the app already has this version, else from the cache."""
    last_modified = version.last_modified.timestamp()
    not_modified = get_conditional_response(
        request, etag=version.etag, last_modified=int(last_modified)
    )
    if not_modified is not None:
        response: HttpResponse = not_modified
    else:
        response = HttpResponse(
            cached_feed(version, build), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = version.etag
    response["Last-Modified"] = http_date(last_modified)
    # Public data: calendar apps and caches may keep it a while, then ask again.
    response["Cache-Control"] = "public, max-age=900"
    return response


def subscription_filters(filters: Filters, today: date) -> Filters:
    """The feed's dates: from today (or the date asked for) for eight weeks, rolling."""
    start = max(filters.date_from or today, today)
    end = filters.date_to or start + timedelta(days=SUBSCRIPTION_DAYS)
    return replace(filters, date_from=start, date_to=end)


@login_not_required
def activity_ics(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    # A paused activity has no sessions to add (What's on does not list them either).
    activity = _visible_activity(_area(slug), public_id, running=True)
    schedules_changed = activity.schedules.aggregate(changed=Max("updated_at"))["changed"]
    version = version_of(
        f"activity:{activity.pk}",
        Session.objects.filter(activity=activity),
        activity.updated_at,
        schedules_changed,
    )
    return _feed_response(
        request,
        version,
        lambda: activity_calendar(activity, uid_host()).to_ical(),
        f"{activity.public_id}.ics",
    )


@login_not_required
def session_ics(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    area = _area(slug)
    session = get_object_or_404(with_details(Session.objects.visible_in(area)), public_id=public_id)
    return _ics(
        sessions_calendar(session.activity.title, [session], uid_host()),
        f"{session.public_id}.ics",
    )


@login_not_required
def area_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """The area's sessions as a subscription feed: the same filters as What's on, for the
    next eight weeks unless other dates are asked for."""
    area = _area(slug)
    form = _form(request)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items()
        )
        return HttpResponse(f"Bad filter: {problems}", status=400, content_type="text/plain")
    today = timezone.localdate()
    filters = subscription_filters(form.filters(), today)
    # From the start of today, so the feed stays the same (and cached) all day.
    since = datetime.combine(today, time.min, tzinfo=LONDON)
    sessions = search_sessions(area, filters, now=since)
    query = urlencode(sorted((k, v) for k in request.GET for v in request.GET.getlist(k)))
    version = version_of(f"area:{area.pk}:{today}:{query}", sessions, area.updated_at)

    def build() -> bytes:
        return sessions_calendar(area.programme_name, with_details(sessions), uid_host()).to_ical()

    return _feed_response(request, version, build, f"{area.slug}.ics")


@login_not_required
@xframe_options_exempt
def widget(request: HttpRequest, slug: str) -> HttpResponse:
    """A small What's on for other websites to embed (GP practices, partners) in an iframe."""
    area = _area(slug)
    form = _form(request)
    filters = form.filters()
    try:
        limit = max(1, min(int(request.GET.get("limit", "5")), 20))
    except ValueError:
        limit = 5
    sessions = list(with_details(search_sessions(area, filters))[:limit])
    response = render(
        request,
        "directory/widget.html",
        {"area": area, "rows": _rows(sessions, filters, area)},
    )
    # Any site may frame the widget (django-csp reads this attribute; see csp.decorators).
    response._csp_replace = {"frame-ancestors": ["*"]}  # type: ignore[attr-defined]
    return response


@login_not_required
def printable(request: HttpRequest, slug: str) -> HttpResponse:
    """A sheet for noticeboards: this week (one or two A4 pages) or this month, HTML or PDF."""
    area = _area(slug)
    period = request.GET.get("period", "week")
    if period not in ("week", "month"):
        raise Http404("Choose week or month")
    today = timezone.localdate()
    end = today + timedelta(days=6 if period == "week" else 30)
    form = _form(request)
    base = form.filters()
    filters = Filters(**{**base.__dict__, "date_from": today, "date_to": end})
    sessions = list(with_details(search_sessions(area, filters).filter(status="scheduled")))
    rows = _rows(sessions, filters, area)
    # Each group's phone number once, after the days, rather than on every line.
    phones = sorted(
        {
            (row["activity"].organisation.name, contact.phone)
            for row in rows
            if (contact := contact_for(row["activity"])).phone
        }
    )
    context = {
        "phones": phones,
        "area": area,
        "period": period,
        "start": today,
        "end": end,
        "days": _by_day(rows, today),
        "count": len(rows),
        "site_url": settings.SITE_URL,
    }
    if request.GET.get("format") == "pdf":
        html = render(request, "directory/print_sheet.html", {**context, "pdf": True}).content
        # Printed links are the site's public address, never the host this request came to.
        pdf = HTML(string=html.decode(), base_url=settings.SITE_URL).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{area.slug}-{period}.pdf"'
        return response
    return render(request, "directory/print_sheet.html", context)
