"""The directory as OpenActive: RPDE feeds of SessionSeries and ScheduledSession.

RPDE ("Realtime Paged Data Exchange", modified-timestamp-and-id ordering):
items come in order of (modified, id); `modified` is the record's change time
in whole microseconds since 1970 (exact, so paging never repeats or skips an
item with the same time); `next` carries afterTimestamp/afterId of the page's
last item, and on the last page points to itself. A consumer that follows
`next` until a page is empty has everything, and polling that last URL
returns only what changed since.

- A SessionSeries is a listed activity (one published now or before):
  "updated" while published, "deleted" once withdrawn or returned (its id
  stays, so a consumer removes it), and a tombstone if deleted outright.
  OpenActive describes physical activity: an activity is published with the
  concepts of the official activity list that match it (activity_list.py), and
  one that matches none (a knitting group, a benefits drop-in) is "deleted"
  here, as it is no OpenActive opportunity; the Open Referral API lists it.
- A ScheduledSession is a session row; a removed session (schedule changed,
  activity withdrawn) is a tombstone (see models.Tombstone).

A session may last days (a festival weekend, a disco past midnight): its startDate and
endDate are full datetimes and its `duration` counts the days ("P1DT22H"; "P3D" all day
Friday to Sunday). An online activity has no `location` but a `beta:virtualLocation`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from inspiring.directory.models import Activity, Category, Schedule, Session, SupportFeature
from lib.sql import one_of
from lib.text import plain_text

from . import activity_list
from .models import Tombstone
from .oruk import absolute
from .regions import regions as district_regions

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CONTEXT = "https://openactive.io/"
# OpenActive's beta namespace: where `beta:virtualLocation` (how to join online) is defined.
BETA_CONTEXT = "https://openactive.io/ns-beta"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
SCHEMA_DAYS = {
    "MO": "https://schema.org/Monday",
    "TU": "https://schema.org/Tuesday",
    "WE": "https://schema.org/Wednesday",
    "TH": "https://schema.org/Thursday",
    "FR": "https://schema.org/Friday",
    "SA": "https://schema.org/Saturday",
    "SU": "https://schema.org/Sunday",
}
FEEDS = {"session-series": "SessionSeries", "scheduled-sessions": "ScheduledSession"}


class RpdeError(ValueError):
    """afterTimestamp/afterId that cannot be used; str() says why."""


def modified(value: datetime) -> int:
    """A change time as whole microseconds since 1970: exact, so ordering by it is safe."""
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_modified(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def duration(start: datetime, end: datetime) -> str:
    """The ISO 8601 duration from `start` to `end` ("PT1H30M", "P1DT22H")."""
    return duration_of_minutes(int((end - start).total_seconds() // 60))


def duration_of_minutes(minutes: int) -> str:
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    text = "P" + (f"{days}D" if days else "")
    if hours or minutes or not days:
        text += (
            "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not hours else "")
        )
    return text


def _iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat()


def schedule_duration(schedule: ScheduleTimes) -> str:
    """How long each session of `schedule` lasts, on the clock: a session lasting days
    counts them ("P1DT22H", Friday 18:00 to Sunday 16:00); all day is whole days ("P3D",
    Friday to Sunday)."""
    if schedule.all_day:
        return f"P{schedule.duration_days + 1}D"
    start = schedule.start_time.hour * 60 + schedule.start_time.minute
    end = schedule.end_time.hour * 60 + schedule.end_time.minute
    return duration_of_minutes(schedule.duration_days * 24 * 60 + end - start)


class ScheduleTimes(Protocol):
    """What a SessionSeries shows of a schedule: a Schedule, or a row of its values."""

    start_date: date
    start_time: time
    end_time: time
    rrule: str
    exdates: list[str]
    timezone: str
    all_day: bool
    duration_days: int


class SeriesRow(Protocol):
    """What a SessionSeries shows of an activity, its organisation, venue and area: a row
    of SERIES_FIELDS (reading four models per activity was a fifth of a page's time)."""

    id: int
    public_id: UUID
    status: str
    updated_at: datetime
    title: str
    summary: str
    description: str
    description_html: str
    cost: str
    price: Decimal | None
    concession_price: Decimal | None
    online: bool
    hide_address: bool
    locality: str
    min_age: int | None
    max_age: int | None
    capacity: int | None
    venue_id: int | None
    home_area__slug: str
    organisation__public_id: UUID
    organisation__name: str
    organisation__website: str
    organisation__email: str
    organisation__phone: str
    venue__public_id: UUID | None
    venue__name: str | None
    venue__address_line_1: str | None
    venue__address_line_2: str | None
    venue__town: str | None
    venue__postcode: str | None
    venue__district_code: str | None
    venue__latitude: float | None
    venue__longitude: float | None
    venue__parking: bool | None
    venue__step_free: bool | None
    venue__accessible_toilet: bool | None
    venue__hearing_loop: bool | None
    booking: str
    public_booking: bool
    approve_bookings: bool


class SessionTimes(Protocol):
    """What a ScheduledSession shows of a session: a Session, or a row of its values."""

    public_id: UUID
    start: datetime
    end: datetime
    all_day: bool
    status: str
    moved: bool
    places: int | None
    booked: int


def _session_times(session: SessionTimes) -> tuple[str, str, str]:
    """A session's startDate, endDate and duration. An all-day session (stored to 23:59 of
    its last day) runs to midnight after its last day, so it lasts whole days ("P3D")."""
    start = timezone.localtime(session.start)
    if not session.all_day:
        return start.isoformat(), _iso(session.end), duration(session.start, session.end)
    last = timezone.localtime(session.end).date()
    days = (last - start.date()).days + 1
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=start.tzinfo)
    return start.isoformat(), timezone.localtime(end).isoformat(), f"P{days}D"


# --- Shapes ------------------------------------------------------------------------


def series_ids() -> Callable[[str, UUID], str]:
    """series_id from an area's slug and an activity's id, for many at once: one
    reverse() (a page of sessions has as many activities as sessions, and reverse
    was a quarter of its time). The slug and the id are the only parts that vary,
    and both go into a URL as they are."""
    slug, public_id = "area-slug", UUID(int=0)
    sample = absolute(reverse("directory:activity", kwargs={"slug": slug, "public_id": public_id}))
    head, rest = sample.split(slug, 1)
    middle, tail = rest.split(str(public_id), 1)
    return lambda area_slug, activity_id: f"{head}{area_slug}{middle}{activity_id}{tail}"


def _place(activity: SeriesRow, regions: dict[str, str]) -> dict[str, Any] | None:
    if activity.venue_id is None:
        return None
    latitude, longitude = activity.venue__latitude or 0.0, activity.venue__longitude or 0.0
    if activity.hide_address:
        # OpenActive needs an address or a position; a group that keeps its address
        # private gets a position rounded to about a kilometre, enough to search by (named
        # as Activity.place_label names it then).
        return {
            "@type": "Place",
            "name": activity.locality or activity.venue__town or "Ask the organiser",
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": round(latitude, 2),
                "longitude": round(longitude, 2),
            },
        }
    street = (activity.venue__address_line_1 or "") + (
        f", {activity.venue__address_line_2}" if activity.venue__address_line_2 else ""
    )
    place: dict[str, Any] = {
        "@type": "Place",
        "identifier": str(activity.venue__public_id),
        "name": activity.venue__name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": street,
            "addressLocality": activity.venue__town,
            "addressRegion": regions.get(activity.venue__district_code or "")
            or activity.venue__town,
            "postalCode": activity.venue__postcode,
            "addressCountry": "GB",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude},
    }
    features = [
        ("Parking", activity.venue__parking),
        ("Step-free access", activity.venue__step_free),
        ("Accessible toilet", activity.venue__accessible_toilet),
        ("Hearing loop", activity.venue__hearing_loop),
    ]
    place["amenityFeature"] = [
        {"@type": "LocationFeatureSpecification", "name": name, "value": value}
        for name, value in features
    ]
    return place


# Offers another site can book through the Open Booking API (openbooking.py): free
# ones, of activities that let anyone book (on the sessions given places).
REQUIRED = "https://openactive.io/Required"
OPTIONAL = "https://openactive.io/Optional"
UNAVAILABLE = "https://openactive.io/Unavailable"
APPROVAL = "https://openactive.io/OpenBookingApproval"
TAX_MODE = "https://openactive.io/TaxGross"


def offer_id(url: str, key: str) -> str:
    """An offer's @id: within its series (`url`, the series' @id)."""
    return f"{url}#/offers/{key}"


def _offers(activity: SeriesRow, url: str) -> list[dict[str, Any]]:
    def offer(key: str, name: str, price: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "@type": "Offer",
            "@id": offer_id(url, key),
            "identifier": key,
            "name": name,
            "price": float(price),
            "priceCurrency": "GBP",
            "url": url,
        }
        if activity.public_booking and not price:
            data["openBookingInAdvance"] = (
                OPTIONAL if activity.booking == Activity.Booking.DROP_IN else REQUIRED
            )
            data["openBookingPrepayment"] = UNAVAILABLE
            if activity.approve_bookings:
                data["openBookingFlowRequirement"] = [APPROVAL]
        return data

    if activity.cost == Activity.Cost.FREE:
        return [offer("free", "Free", 0)]
    if activity.cost == Activity.Cost.PAY_WHAT_YOU_CAN:
        return [offer("pay-what-you-can", "Pay what you can (nothing is fine)", 0)]
    offers = [offer("standard", "Standard", activity.price or 0)]
    if activity.concession_price is not None:
        offers.append(offer("concession", "Concession", activity.concession_price))
    return offers


def _rule_parts(rule: str) -> dict[str, str]:
    return dict(piece.split("=", 1) for piece in rule.upper().split(";") if "=" in piece)


def _schedule(schedule: ScheduleTimes) -> dict[str, Any] | None:
    """A Schedule for a repeating schedule; one-offs are the series' subEvents and in
    the sessions feed.

    A Schedule must have an endTime, a time of day; a session ending after midnight
    (a disco to 01:30, a weekend camp) has none that would not contradict its start, so
    it is a PartialSchedule with its startTime and duration, as is an all-day one (no
    times, a duration of whole days).

    No idTemplate or urlTemplate (both recommended, not required): a session's @id
    carries its own UUID, not its time, so it survives a move, and every session links
    to the activity's page; a template must make each from the start date.
    """
    if not schedule.rrule:
        return None
    parts = _rule_parts(schedule.rrule)
    interval = int(parts.get("INTERVAL", "1") or 1)
    unit = {"DAILY": "D", "WEEKLY": "W", "MONTHLY": "M", "YEARLY": "Y"}.get(parts.get("FREQ", ""))
    if unit is None:
        return None
    partial = schedule.all_day or schedule.duration_days > 0
    data: dict[str, Any] = {
        "@type": "PartialSchedule" if partial else "Schedule",
        "repeatFrequency": f"P{interval}{unit}",
        "startDate": schedule.start_date.isoformat(),
        "scheduleTimezone": schedule.timezone,
    }
    if not partial:
        data["scheduledEventType"] = "ScheduledSession"
        data["endTime"] = schedule.end_time.strftime("%H:%M")
    if not schedule.all_day:
        data["startTime"] = schedule.start_time.strftime("%H:%M")
    data["duration"] = schedule_duration(schedule)
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if days:
        # Weekly days as schema.org days; "2TU" (second Tuesday) stays in iCal form,
        # which schema.org's byDay allows as text.
        data["byDay"] = [SCHEMA_DAYS.get(d, d) for d in days]
    if parts.get("BYMONTHDAY"):
        data["byMonthDay"] = [
            int(d) for d in parts["BYMONTHDAY"].split(",") if d.lstrip("-").isdigit()
        ]
    if "UNTIL" in parts:
        until = re.sub(r"[^0-9]", "", parts["UNTIL"])[:8]
        data["endDate"] = f"{until[:4]}-{until[4:6]}-{until[6:8]}"
    if "COUNT" in parts and parts["COUNT"].isdigit():
        data["repeatCount"] = int(parts["COUNT"])
    if schedule.exdates:
        data["exceptDate"] = list(schedule.exdates)
    return data


def _attendance_mode(activity: SeriesRow) -> str:
    if activity.venue_id is None:
        return "https://schema.org/OnlineEventAttendanceMode"
    if activity.online:
        return "https://schema.org/MixedEventAttendanceMode"
    return "https://schema.org/OfflineEventAttendanceMode"


def _virtual_location(activity: SeriesRow, url: str) -> dict[str, Any]:
    """Where an online activity happens. The directory keeps no meeting link (groups
    send it to people who get in touch), so this says how to get one rather than
    giving a `url` that would not let anyone in."""
    return {
        "@type": "VirtualLocation",
        "name": "Online",
        "description": f"Takes place online. Ask {activity.organisation__name} for the link "
        f"to join: how to get in touch is on {url}",
    }


def organizer_id(activity: SeriesRow, services_url: str) -> str:
    """The organisation's id: its services in the Open Referral API, which name it
    (`services_url`, that API's /services, worked out once for a page)."""
    return f"{services_url}?organization_id={activity.organisation__public_id}"


def _age_range(activity: SeriesRow) -> dict[str, Any]:
    # Published always: without it consumers assume 18 and over, wrong for "all ages".
    age: dict[str, Any] = {"@type": "QuantitativeValue", "minValue": activity.min_age or 0}
    if activity.max_age is not None:
        age["maxValue"] = activity.max_age
    return age


def _gender_restriction(features: list[SupportFeature]) -> str:
    # The directory records a restriction only as a support feature.
    codes = {feature.code for feature in features}
    if "men-only" in codes and "women-only" not in codes:
        return "https://openactive.io/MaleOnly"
    if "women-only" in codes and "men-only" not in codes:
        return "https://openactive.io/FemaleOnly"
    return "https://openactive.io/NoRestriction"


def _sub_event(session: SessionTimes, url: str) -> dict[str, Any]:
    start, end, length = _session_times(session)
    return {
        "@type": "ScheduledSession",
        "@id": session_id(session, url),
        "startDate": start,
        "endDate": end,
        "duration": length,
        "eventStatus": _status(session),
    }


@dataclass
class Listing:
    """An activity and what its SessionSeries shows, read for a whole page at once
    (`listings`): its row, its URL (the series' @id) worked out once, its categories,
    support features and schedules as lists, and, for one with no repeating schedule,
    the sessions that are its subEvents."""

    activity: SeriesRow
    url: str
    categories: list[Category] = field(default_factory=list)
    features: list[SupportFeature] = field(default_factory=list)
    schedules: list[ScheduleTimes] = field(default_factory=list)
    sessions: list[SessionTimes] = field(default_factory=list)


def session_series(
    listing: Listing, regions: dict[str, str], services_url: str
) -> dict[str, Any] | None:
    """The activity as a SessionSeries; None if it is no physical activity OpenActive knows.

    `regions` names each district (regions.regions); `services_url` is the Open
    Referral API's /services, which names each organizer.
    """
    activity, url, categories = listing.activity, listing.url, listing.categories
    concepts = activity_list.concepts_for(activity.title, [c.slug for c in categories])
    if not concepts:
        return None
    organizer: dict[str, Any] = {
        "@type": "Organization",
        "@id": organizer_id(activity, services_url),
        "name": activity.organisation__name,
        "taxMode": TAX_MODE,
    }
    if activity.organisation__website:
        organizer["url"] = activity.organisation__website
    if activity.organisation__email:
        organizer["email"] = activity.organisation__email
    if activity.organisation__phone:
        organizer["telephone"] = activity.organisation__phone
    description = activity.summary
    if activity.description:
        description += "\n\n" + plain_text(activity.description_html)
    mapped = activity_list.mapped_categories()
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "SessionSeries",
        "@id": url,
        "identifier": str(activity.public_id),
        "name": activity.title,
        "description": description,
        "url": url,
        "organizer": organizer,
        "activity": [concept.as_json() for concept in concepts],
        # Categories the activity list does not cover, then the support features.
        "category": [c.name for c in categories if c.slug not in mapped]
        + [feature.name for feature in listing.features],
        "isAccessibleForFree": activity.cost == Activity.Cost.FREE,
        "offers": _offers(activity, url),
        "eventAttendanceMode": _attendance_mode(activity),
    }
    # Online only: no `location` (OpenActive refuses one for an online-only event), but
    # how to join. At a venue and online too: both.
    place = _place(activity, regions)
    if place is not None:
        data["location"] = place
    if activity.online or activity.venue_id is None:
        data["@context"] = [CONTEXT, BETA_CONTEXT]
        data["beta:virtualLocation"] = _virtual_location(activity, url)
    data["ageRange"] = _age_range(activity)
    data["genderRestriction"] = _gender_restriction(listing.features)
    if activity.capacity is not None:
        data["maximumAttendeeCapacity"] = activity.capacity
    schedules = [s for s in (_schedule(x) for x in listing.schedules) if s]
    if schedules:
        data["eventSchedule"] = schedules
    elif listing.sessions:
        data["subEvent"] = [_sub_event(session, url) for session in listing.sessions]
    if not data["category"]:
        del data["category"]
    return data


def session_id(session: SessionTimes, url: str) -> str:
    """A session's @id: within its series (`url`, the series' @id)."""
    return f"{url}#/subEvent/{session.public_id}"


def _status(session: SessionTimes) -> str:
    if session.status == Session.Status.CANCELLED:
        return "https://schema.org/EventCancelled"
    if session.moved:
        return "https://schema.org/EventRescheduled"
    return "https://schema.org/EventScheduled"


def scheduled_session(session: SessionTimes, url: str) -> dict[str, Any]:
    """A session as a ScheduledSession of its series (`url`, the series' @id)."""
    start, end, length = _session_times(session)
    return {
        "@context": CONTEXT,
        "@type": "ScheduledSession",
        "@id": session_id(session, url),
        "identifier": str(session.public_id),
        "superEvent": url,
        "startDate": start,
        "endDate": end,
        "duration": length,
        "eventStatus": _status(session),
        "url": url,
    } | capacity(session)


def capacity(session: SessionTimes) -> dict[str, int]:
    """A session's places, where it is booked here, and how many are left."""
    if session.places is None:
        return {}
    return {
        "maximumAttendeeCapacity": session.places,
        "remainingAttendeeCapacity": max(session.places - session.booked, 0),
    }


# --- Paging --------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    timestamp: int | None = None
    item_id: UUID | None = None

    @classmethod
    def parse(cls, after_timestamp: str, after_id: str) -> Position:
        if not after_timestamp and not after_id:
            return cls()
        if not after_timestamp or not after_id:
            raise RpdeError("afterTimestamp and afterId go together: give both or neither")
        try:
            timestamp = int(after_timestamp)
        except ValueError:
            raise RpdeError("afterTimestamp must be a whole number") from None
        if not 0 <= timestamp < 10**17:
            raise RpdeError("afterTimestamp is out of range")
        try:
            item_id = UUID(after_id)
        except ValueError:
            raise RpdeError("afterId must be an id from this feed") from None
        return cls(timestamp, item_id)

    def after(self, time_field: str, id_field: str) -> Q:
        if self.timestamp is None or self.item_id is None:
            return Q()
        when = from_modified(self.timestamp)
        # (t > when) or (t = when and id > item), written so that `t >= when` is on its
        # own: the (t, id) index's range starts there instead of at the feed's beginning
        # (with the OR alone, each page scanned the millions of rows before it).
        return Q(**{f"{time_field}__gte": when}) & (
            Q(**{f"{time_field}__gt": when}) | Q(**{f"{id_field}__gt": self.item_id})
        )


Row = tuple[int, str, dict[str, Any]]


def _row(kind: str, item_id: UUID, changed: datetime, data: dict[str, Any] | None) -> Row:
    """One RPDE item (deleted when there is no data), with its sort key."""
    item: dict[str, Any] = {
        "state": "updated" if data is not None else "deleted",
        "kind": kind,
        "id": str(item_id),
        "modified": modified(changed),
    }
    if data is not None:
        item["data"] = data
    return item["modified"], item["id"], item


# What a SessionSeries shows of an activity, its organisation, venue and area
# (SeriesRow), of a schedule (ScheduleTimes) and of a session (SessionTimes): the rest
# of their columns (dates, notes, review and confirmation fields) is not read.
SERIES_FIELDS = tuple(SeriesRow.__annotations__)
SCHEDULE_FIELDS = tuple(ScheduleTimes.__annotations__)
SESSION_FIELDS = tuple(SessionTimes.__annotations__)


def _series_rows(position: Position, limit: int) -> list[Row]:
    rows: list[SeriesRow] = list(
        Activity.objects.live()
        # Never published and not yet decided: nothing a consumer has seen.
        .exclude(status=Activity.Status.PENDING, published_at__isnull=True)
        .filter(position.after("updated_at", "public_id"))
        .order_by("updated_at", "public_id")
        .values_list(*SERIES_FIELDS, named=True)[:limit]
    )
    published = listings([row for row in rows if row.status == Activity.Status.PUBLISHED])
    regions = district_regions(code for row in rows if (code := row.venue__district_code))
    services_url = absolute(reverse("opendata:oruk_services"))
    return [
        _row(
            "SessionSeries",
            row.public_id,
            row.updated_at,
            session_series(published[row.id], regions, services_url)
            if row.id in published
            else None,
        )
        for row in rows
    ]


def series_for(activity: Activity) -> dict[str, Any] | None:
    """One activity as a SessionSeries, as its item in the feed shows it."""
    row: SeriesRow = Activity.objects.values_list(*SERIES_FIELDS, named=True).get(pk=activity.pk)
    regions = district_regions([row.venue__district_code or ""])
    services_url = absolute(reverse("opendata:oruk_services"))
    return session_series(listings([row])[row.id], regions, services_url)


def listings(activities: list[SeriesRow], most_sessions: int = 20) -> dict[int, Listing]:
    """Each activity's Listing, by id, in four queries whatever their number, as rows.

    Categories and support features come as (activity, id) pairs over the two small
    taxonomies read whole, not as Django's prefetch, which makes a queryset per
    activity and relation (a third of a page's time at 500 series). An activity
    without a repeating schedule gets its next `most_sessions` sessions as subEvents,
    or its last ones if none is to come.
    """
    if not activities:
        return {}
    ids = [a.id for a in activities]
    categories = Category.objects.in_bulk()
    features = SupportFeature.objects.in_bulk()
    url_of = series_ids()
    found = {
        a.id: Listing(activity=a, url=url_of(a.home_area__slug, a.public_id)) for a in activities
    }
    for activity_id, category_id in (
        Activity.categories.through.objects.filter(one_of("activity_id", ids))
        .order_by("category__order", "category__name", "category_id")
        .values_list("activity_id", "category_id")
    ):
        found[activity_id].categories.append(categories[category_id])
    for activity_id, feature_id in (
        Activity.support_features.through.objects.filter(one_of("activity_id", ids))
        .order_by("supportfeature__order", "supportfeature__name", "supportfeature_id")
        .values_list("activity_id", "supportfeature_id")
    ):
        found[activity_id].features.append(features[feature_id])
    for schedule in (
        Schedule.objects.filter(one_of("activity_id", ids))
        .order_by("start_date", "start_time", "pk")
        .values_list("activity_id", *SCHEDULE_FIELDS, named=True)
    ):
        found[schedule.activity_id].schedules.append(schedule)
    one_off = [pk for pk, listing in found.items() if not any(s.rrule for s in listing.schedules)]
    if one_off:
        by_activity: dict[int, list[Any]] = {}
        for session in (
            Session.objects.filter(one_of("activity_id", one_off))
            .order_by("start", "pk")
            .values_list("activity_id", *SESSION_FIELDS, named=True)
        ):
            by_activity.setdefault(session.activity_id, []).append(session)
        now = timezone.now()
        for pk, sessions in by_activity.items():
            coming = [s for s in sessions if s.end >= now]
            found[pk].sessions = coming[:most_sessions] if coming else sessions[-most_sessions:]
    return found


def _session_rows(position: Position, limit: int) -> list[Row]:
    """A page of sessions as rows of what a ScheduledSession shows (no models: building
    three per session was most of the page's time)."""
    rows = (
        Session.objects.filter(activity__revision_of__isnull=True)
        .filter(position.after("updated_at", "public_id"))
        .order_by("updated_at", "public_id")
        .values_list(
            "public_id",
            "updated_at",
            "start",
            "end",
            "all_day",
            "status",
            "moved",
            "places",
            "booked",
            "activity__public_id",
            "activity__home_area__slug",
            named=True,
        )[:limit]
    )
    url_of = series_ids()
    return [
        _row(
            "ScheduledSession",
            row.public_id,
            row.updated_at,
            scheduled_session(row, url_of(row.activity__home_area__slug, row.activity__public_id)),
        )
        for row in rows
    ]


def _tombstone_rows(kind: str, label: str, position: Position, limit: int) -> list[Row]:
    tombstones = (
        Tombstone.objects.filter(kind=kind)
        .filter(position.after("modified", "item_id"))
        .order_by("modified", "item_id")[:limit]
    )
    return [_row(label, t.item_id, t.modified, None) for t in tombstones]


def page(feed: str, position: Position) -> dict[str, Any]:
    """One RPDE page of `feed` ("session-series" or "scheduled-sessions") after `position`."""
    limit: int = settings.OPENACTIVE_PAGE_SIZE
    if feed == "session-series":
        rows = _series_rows(position, limit) + _tombstone_rows(
            Tombstone.Kind.SESSION_SERIES, "SessionSeries", position, limit
        )
    else:
        rows = _session_rows(position, limit) + _tombstone_rows(
            Tombstone.Kind.SCHEDULED_SESSION, "ScheduledSession", position, limit
        )
    rows.sort(key=lambda row: (row[0], row[1]))
    items = [item for _, _, item in rows[:limit]]
    path = reverse("opendata:openactive_feed", kwargs={"feed": feed})
    if items:
        last = items[-1]
        after = f"?afterTimestamp={last['modified']}&afterId={last['id']}"
    elif position.timestamp is not None:
        after = f"?afterTimestamp={position.timestamp}&afterId={position.item_id}"
    else:
        after = ""
    return {"next": absolute(path + after), "items": items, "license": LICENSE}
