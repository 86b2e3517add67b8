"""The directory as Open Referral UK (HSDS 3.0, UK profile) services.

An activity is a service; its organisation the organization; its venue the
location (a private address becomes a locality with no address or
coordinates; an online activity a virtual location); its schedules HSDS
schedules; its cost the cost options; its categories and support features
attributes linking to two taxonomies. Every id is a UUID that does not
change: the record's own public id, or a UUID derived (uuid5) from it for
parts that have none of their own.

Output follows the compiled UK-profile schemas: required keys always
present, optional keys left out rather than null, enums respected (HSDS
schedules only know WEEKLY and MONTHLY: other rules are described in words).
A schedule whose sessions last days (a festival weekend, a dance past midnight) is
valid from its first day to the day its last session ends, opens at its start time
and states its span in its description ("Every Friday, 20:00 to 01:30 the next day"),
without a closes_at that would read as earlier the same day.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from inspiring.directory.models import (
    Activity,
    Category,
    Schedule,
    Session,
    SupportFeature,
    Venue,
)
from inspiring.directory.recurrence import rfc_date
from inspiring.directory.search import activity_item
from lib.text import plain_text

NAMESPACE = uuid.UUID("5b0f8a57-2f7e-4a5c-9a53-6f1c3e1d2a10")
CATEGORIES_TAXONOMY = uuid.uuid5(NAMESPACE, "taxonomy:categories")
FEATURES_TAXONOMY = uuid.uuid5(NAMESPACE, "taxonomy:support-features")
ONLINE_LOCATION = uuid.uuid5(NAMESPACE, "location:online")
HSDS_FREQUENCIES = {"WEEKLY", "MONTHLY"}
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _clock(value: time) -> str:
    return value.strftime("%H:%M:%S")


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is not known: HSDS prefers absent keys to nulls or empty strings."""
    return {key: value for key, value in data.items() if value not in (None, "", [])}


# --- Taxonomies ---------------------------------------------------------------


def taxonomies() -> list[dict[str, Any]]:
    return [
        {
            "id": str(CATEGORIES_TAXONOMY),
            "name": "Inspiring activity categories",
            "description": "What kind of activity it is: arts, walking, music, …",
            "uri": absolute("/api/openreferral/taxonomies/" + str(CATEGORIES_TAXONOMY)),
            "version": "1",
        },
        {
            "id": str(FEATURES_TAXONOMY),
            "name": "Inspiring support features",
            "description": "What makes an activity easier to go to: free, step-free, "
            "come alone welcome, …",
            "uri": absolute("/api/openreferral/taxonomies/" + str(FEATURES_TAXONOMY)),
            "version": "1",
        },
    ]


def category_term(category: Category) -> dict[str, Any]:
    return {
        "id": derived_id("category", category.slug),
        "name": category.name,
        "description": category.description or category.name,
        "taxonomy": "Inspiring activity categories",
        "taxonomy_id": str(CATEGORIES_TAXONOMY),
        "term": category.slug,
    }


def feature_term(feature: SupportFeature) -> dict[str, Any]:
    return {
        "id": derived_id("support-feature", feature.code),
        "name": feature.name,
        "description": feature.description or feature.name,
        "taxonomy": "Inspiring support features",
        "taxonomy_id": str(FEATURES_TAXONOMY),
        "term": feature.code,
    }


def taxonomy_terms(taxonomy_id: str = "") -> list[dict[str, Any]]:
    terms: list[dict[str, Any]] = []
    if taxonomy_id in ("", str(CATEGORIES_TAXONOMY)):
        terms += [category_term(c) for c in Category.objects.all()]
    if taxonomy_id in ("", str(FEATURES_TAXONOMY)):
        terms += [feature_term(f) for f in SupportFeature.objects.all()]
    return terms


def term_filter(term_id: str) -> Q | None:
    """Activities tagged with a taxonomy term id; None if no term has that id."""
    for category in Category.objects.all():
        if derived_id("category", category.slug) == term_id:
            return Q(categories=category)
    for feature in SupportFeature.objects.all():
        if derived_id("support-feature", feature.code) == term_id:
            return Q(support_features=feature)
    return None


# --- Services -----------------------------------------------------------------


# What a service's one-to-one fields read beside its listing, read in the same statement.
SHOWN_WITH = ("organisation", "venue", "home_area")


def published_activities() -> QuerySet[Activity]:
    """Every published listing, in every area: the public directory."""
    return Activity.objects.published().select_related(*SHOWN_WITH)


def full_service(activities: QuerySet[Activity]) -> Activity | None:
    """The activity of `activities` (one at most) with all a full service shows, its
    lists too, read in one statement (directory.search.activity_item); None if none."""
    found = activity_item(activities)
    return found.activity if found is not None else None


def organization(activity: Activity) -> dict[str, Any]:
    org = activity.organisation
    return _compact(
        {
            "id": str(org.public_id),
            "name": org.name,
            "description": plain_text(org.description) or org.name,
            "email": org.email,
            "website": org.website,
        }
    )


def _status(activity: Activity) -> str:
    if activity.capacity_status == Activity.CapacityStatus.PAUSED:
        return "temporarily closed"
    return "active"


def service_summary(activity: Activity) -> dict[str, Any]:
    """The one-to-one fields of a service: what /services lists."""
    description = activity.summary
    if activity.description:
        description += "\n\n" + plain_text(activity.description_html)
    return _compact(
        {
            "id": str(activity.public_id),
            "organization_id": str(activity.organisation.public_id),
            "name": activity.title,
            "description": description,
            "url": absolute(activity.get_absolute_url()),
            "email": activity.contact_email,
            "status": _status(activity),
            "fees": activity.cost_label
            + (f". {activity.cost_notes}" if activity.cost_notes else ""),
            "minimum_age": activity.min_age,
            "maximum_age": activity.max_age,
            "last_modified": _timestamp(activity.updated_at),
            "organization": organization(activity),
        }
    )


def _rule_parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in rule.split(";"):
        if "=" in piece:
            key, value = piece.split("=", 1)
            parts[key.strip().upper()] = value.strip()
    return parts


def schedule(schedule: Schedule, activity: Activity) -> dict[str, Any]:
    parts = _rule_parts(schedule.rrule)
    data: dict[str, Any] = {
        "id": derived_id("schedule", activity.public_id, schedule.pk),
        "service_id": str(activity.public_id),
        "dtstart": schedule.start_date.isoformat(),
        "valid_from": schedule.start_date.isoformat(),
        "description": schedule.summary,
        "attending_type": "online"
        if activity.online and activity.venue_id is None
        else "in person",
    }
    if not schedule.all_day:
        data["opens_at"] = _clock(schedule.start_time)
        if not schedule.duration_days:
            # Opening hours close on the day they open: a session ending on a later day
            # (past midnight, a weekend) says when in its description instead.
            data["closes_at"] = _clock(schedule.end_time)
    # valid_to is the last day a session runs on: the day the last one ends.
    lasts = timedelta(days=schedule.duration_days)
    if not schedule.rrule:
        data["valid_to"] = (max([schedule.start_date, *schedule.extra_dates]) + lasts).isoformat()
    elif parts.get("FREQ") in HSDS_FREQUENCIES:
        data["freq"] = parts["FREQ"]
        data["interval"] = int(parts.get("INTERVAL", "1") or 1)
        if parts.get("BYDAY"):
            data["byday"] = parts["BYDAY"]
        if parts.get("BYMONTHDAY"):
            data["bymonthday"] = parts["BYMONTHDAY"]
    if "UNTIL" in parts:
        # A stored UNTIL the forms would refuse leaves the end unsaid rather than fail.
        with suppress(ValueError):
            data["valid_to"] = (rfc_date(parts["UNTIL"]) + lasts).isoformat()
    if schedule.timezone != "Europe/London" and not schedule.all_day:
        data["notes"] = f"Times are in {schedule.timezone}"
    return data


def cost_options(activity: Activity) -> list[dict[str, Any]]:
    def option(name: str, amount: Decimal | None, description: str = "") -> dict[str, Any]:
        return _compact(
            {
                "id": derived_id("cost", activity.public_id, name),
                "service_id": str(activity.public_id),
                "option": name,
                "amount": float(amount) if amount is not None else None,
                "amount_description": description,
            }
        )

    if activity.cost == Activity.Cost.FREE:
        return [option("Free", Decimal(0), activity.cost_notes)]
    if activity.cost == Activity.Cost.PAY_WHAT_YOU_CAN:
        return [option("Pay what you can", None, activity.cost_notes or "Pay what you can")]
    options = [option("Standard", activity.price, activity.cost_notes)]
    if activity.concession_price is not None:
        options.append(option("Concession", activity.concession_price))
    return options


ACCESS_FLAGS = [
    ("step_free", "Step-free access"),
    ("accessible_toilet", "Accessible toilet"),
    ("hearing_loop", "Hearing loop"),
    ("parking", "Parking"),
    ("near_bus_stop", "Near a bus stop"),
]


def location_id(public_id: uuid.UUID, venue_public_id: uuid.UUID | None, hide_address: bool) -> str:
    """A listing's location's id: online, its locality (the group keeps its address
    private) or its venue's."""
    if venue_public_id is None:
        return str(ONLINE_LOCATION)
    if hide_address:
        return derived_id("locality", public_id)
    return str(venue_public_id)


def location(activity: Activity, *, full: bool) -> dict[str, Any]:
    venue: Venue | None = activity.venue
    if venue is None:
        return {
            "id": location_id(activity.public_id, None, False),
            "location_type": "virtual",
            "name": "Online",
        }
    if activity.hide_address:
        # The group keeps its address private: a place name, nothing that locates it.
        return {
            "id": location_id(activity.public_id, venue.public_id, True),
            "location_type": "physical",
            "name": activity.place_label or "Address given when you get in touch",
        }
    data: dict[str, Any] = _compact(
        {
            "id": location_id(activity.public_id, venue.public_id, False),
            "location_type": "physical",
            "name": venue.name,
            "description": plain_text(venue.access_notes),
            "latitude": venue.latitude,
            "longitude": venue.longitude,
        }
    )
    if full:
        line = venue.address_line_1 + (f", {venue.address_line_2}" if venue.address_line_2 else "")
        data["addresses"] = [
            {
                "id": derived_id("address", venue.public_id),
                "location_id": str(venue.public_id),
                "address_1": line,
                "city": venue.town,
                "state_province": "",
                "postal_code": venue.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ]
        features = [label for name, label in ACCESS_FLAGS if getattr(venue, name)]
        if venue.bus_routes:
            features.append(f"Buses: {venue.bus_routes}")
        if features or venue.access_notes:
            data["accessibility"] = [
                _compact(
                    {
                        "id": derived_id("accessibility", venue.public_id),
                        "location_id": str(venue.public_id),
                        "description": "; ".join(features),
                        "details": plain_text(venue.access_notes),
                    }
                )
            ]
    return data


def service_at_location_key(
    public_id: uuid.UUID, venue_public_id: uuid.UUID | None, hide_address: bool
) -> str:
    """The id of a listing's one service at location, from the listing's columns (kept
    in a table by service_ids.py, so that it can be looked up)."""
    return derived_id(
        "service-at-location", public_id, location_id(public_id, venue_public_id, hide_address)
    )


def service_at_location_id(activity: Activity) -> str:
    venue_public_id = activity.venue.public_id if activity.venue else None
    return service_at_location_key(activity.public_id, venue_public_id, activity.hide_address)


def _attribute(activity: Activity, term: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": derived_id("attribute", activity.public_id, term["id"]),
        "link_id": str(activity.public_id),
        "link_type": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }


def service(activity: Activity) -> dict[str, Any]:
    """A fully nested service: /services/{id}."""
    data = service_summary(activity)
    # By first date, then as entered (the page lists a day's by time).
    schedules = sorted(activity.schedules.all(), key=lambda s: (s.start_date, s.pk))
    data["schedules"] = [schedule(s, activity) for s in schedules]
    data["service_at_locations"] = [
        {
            "id": service_at_location_id(activity),
            "service_id": str(activity.public_id),
            "location_id": location(activity, full=False)["id"],
            "location": location(activity, full=True),
        }
    ]
    data["cost_options"] = cost_options(activity)
    if activity.contact_name:
        data["contacts"] = [
            {
                "id": derived_id("contact", activity.public_id),
                "service_id": str(activity.public_id),
                "name": activity.contact_name,
            }
        ]
    terms = [category_term(c) for c in activity.categories.all()]
    terms += [feature_term(f) for f in activity.support_features.all()]
    data["attributes"] = [_attribute(activity, term) for term in terms]
    return data


def service_at_location(activity: Activity, distance_m: float | None = None) -> dict[str, Any]:
    """One /service_at_locations item: the location and the service's one-to-one fields."""
    place = location(activity, full=False)
    return {
        "id": service_at_location_id(activity),
        "service_id": str(activity.public_id),
        "location_id": place["id"],
        "location": place,
        "service": service_summary(activity),
    }


# --- Filters --------------------------------------------------------------------


class FilterError(ValueError):
    """A query parameter that cannot be used; str() says which and why."""


def _number(params: Any, name: str) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FilterError(f"{name} must be a number, like 18") from None
    if not 0 <= value <= 150:
        raise FilterError(f"{name} must be between 0 and 150")
    return value


def _time(params: Any, name: str) -> time | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise FilterError(f"{name} must be a time like 09:30 or 09:30:00") from None


def _weekday(params: Any) -> int | None:
    raw = params.get("day", "").strip().lower()
    if not raw:
        return None
    if raw.upper() in DAY_CODES:
        return DAY_CODES.index(raw.upper())
    if raw in DAY_NAMES:
        return DAY_NAMES.index(raw)
    raise FilterError("day must be a day of the week, like MO or Monday")


# The parameters filter_services reads.
FILTERS = (
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "minimum_age",
    "maximum_age",
    "day",
    "start_time",
    "end_time",
)


def filter_services(activities: QuerySet[Activity], params: Any) -> QuerySet[Activity]:
    """Apply the UK profile's service filters. Raises FilterError for unusable values.

    - search: words in the title, summary, description or organisation name;
    - taxonomy_term_id / taxonomy_id: tagged with that term / any term of it;
    - minimum_age: services whose minimum age is at least this (none counts as 0);
    - maximum_age: services whose maximum age is at most this (none counts as no limit);
    - day, start_time, end_time: with an upcoming session on that day that starts at
      or after start_time and ends at or before end_time (London time).
    """
    search = params.get("search", "").strip()
    for word in search.split()[:10]:
        activities = activities.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(description__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    term_id = params.get("taxonomy_term_id", "").strip()
    if term_id:
        condition = term_filter(term_id)
        activities = activities.filter(condition) if condition is not None else activities.none()
    taxonomy_id = params.get("taxonomy_id", "").strip()
    # Exists, not a join: a join repeats an activity per term, and the DISTINCT that
    # undoes it sorts every column of every row (seconds over a national directory).
    if taxonomy_id == str(CATEGORIES_TAXONOMY):
        activities = activities.filter(
            Exists(Activity.categories.through.objects.filter(activity=OuterRef("pk")))
        )
    elif taxonomy_id == str(FEATURES_TAXONOMY):
        activities = activities.filter(
            Exists(Activity.support_features.through.objects.filter(activity=OuterRef("pk")))
        )
    elif taxonomy_id:
        activities = activities.none()
    organisation_id = params.get("organization_id", "").strip()
    if organisation_id:
        try:
            activities = activities.filter(organisation__public_id=uuid.UUID(organisation_id))
        except ValueError:
            activities = activities.none()
    minimum = _number(params, "minimum_age")
    if minimum is not None and minimum > 0:
        activities = activities.filter(min_age__gte=minimum)
    maximum = _number(params, "maximum_age")
    if maximum is not None:
        activities = activities.filter(max_age__lte=maximum)
    day, starts, ends = _weekday(params), _time(params, "start_time"), _time(params, "end_time")
    if day is not None or starts is not None or ends is not None:
        sessions = Session.objects.filter(
            activity=OuterRef("pk"), end__gte=timezone.now(), status=Session.Status.SCHEDULED
        )
        if day is not None:
            sessions = sessions.filter(weekday=day)
        if starts is not None:
            sessions = sessions.filter(start_minute__gte=starts.hour * 60 + starts.minute)
        if ends is not None:
            # Ending by `ends` on the day it starts: not a session that runs past midnight.
            sessions = sessions.filter(
                all_day=False, end_local_date=F("local_date"), schedule__end_time__lte=ends
            )
        activities = activities.filter(Exists(sessions))
    # Every filter above keeps one row an activity (a term is one link at most, the rest
    # are the activity's own columns, its organisation's or Exists): no DISTINCT needed.
    return activities
