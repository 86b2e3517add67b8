"""Reading another directory's Open Referral UK services into this one, upserting by id.

The source is an ORUK API (its /services, followed page by page, and each
/services/{id} for the nested detail) or a file holding a page, a list of
services or one service. Ids are kept: the service id becomes the activity's
public id, the organization id the organisation's, the location id the
venue's, so importing again updates the same records and what this site
publishes carries the same ids.

Rules, each broken rule a skipped service with its reason (never a guess):
- a record with that id entered here by hand, or in another area, is left alone;
- a service needs a UUID id and a name; one that is not "active" (or
  "temporarily closed") withdraws the activity imported earlier, if any;
- a physical location needs an address line, a town and a postcode we can
  place (coordinates from the feed, or from the postcode); a service with no
  usable location is imported as online only if its location says virtual;
- HSDS schedules (WEEKLY/MONTHLY with opens_at/closes_at) become schedules.
New activities follow the approval rules of hand-entered ones: a trusted
organisation's are published, others wait for the coordinator. Changes to
ones imported before apply at once: running the import is itself a
coordinator's or administrator's decision about that source.
Everything happens in one transaction: a source that fails part-way changes nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.db import models, transaction
from django.utils import timezone

from inspiring.areas.geography import resolve_postcode
from inspiring.areas.models import Area
from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Activity, Category, Organisation, Schedule, Venue
from inspiring.directory.recurrence import RecurrenceError, normalise_rrule
from inspiring.feeds.fetch import FetchError, fetch
from lib.dates import date_window, outside_window
from lib.postcodes import PostcodeError, normalise_postcode
from lib.text import plain_text

MAX_PAGES = 200
MAX_SERVICES = 5000
DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}


class OrukSourceError(Exception):
    """The source as a whole cannot be read; str() says why."""


@dataclass
class OrukReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


# --- Reading the source ------------------------------------------------------------


def _json(content: bytes, where: str) -> Any:
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise OrukSourceError(f"{where} is not JSON ({problem.__class__.__name__})") from None


def _services_in(data: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        items = data["contents"]
    elif isinstance(data, list):
        items = data
    elif isinstance(data, dict) and "id" in data and "name" in data:
        items = [data]
    else:
        raise OrukSourceError(
            f"{where} is not Open Referral services: expected a page with contents, "
            "a list of services or one service"
        )
    return [item for item in items if isinstance(item, dict)]


def read_file(content: bytes) -> list[dict[str, Any]]:
    return _services_in(_json(content, "The file"), "The file")


def _with_query(url: str, **params: Any) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def read_api(url: str) -> list[dict[str, Any]]:
    """Every service of an ORUK API: /services page by page, then each one in full."""
    base = url.rstrip("/")
    if base.endswith("/services"):
        base = base[: -len("/services")]
    services: list[dict[str, Any]] = []
    try:
        for page in range(1, MAX_PAGES + 1):
            listing = _json(
                fetch(_with_query(f"{base}/services", page=page, per_page=100)).content,
                f"{base}/services",
            )
            items = _services_in(listing, f"{base}/services")
            services.extend(items)
            if not items or listing.get("last_page", True) or len(services) >= MAX_SERVICES:
                break
        full = []
        for item in services[:MAX_SERVICES]:
            if "service_at_locations" in item or "schedules" in item:
                full.append(item)
                continue
            service_id = str(item.get("id", ""))
            try:
                uuid.UUID(service_id)
            except ValueError:
                full.append(item)  # reported as skipped below
                continue
            detail = _json(fetch(f"{base}/services/{service_id}").content, "A service")
            full.append(detail if isinstance(detail, dict) else item)
        return full
    except FetchError as problem:
        raise OrukSourceError(str(problem)) from None


# --- Mapping -------------------------------------------------------------------------


class Skip(Exception):
    pass


def _uuid(value: Any, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Skip(f"its {what} id {value!r} is not a UUID") from None


def _text(value: Any, limit: int) -> str:
    return plain_text(str(value or ""))[:limit]


def _room(model: type[models.Model], name: str) -> int:
    """How long the field's text may be: imported text is cut to fit, not refused."""
    length = getattr(model._meta.get_field(name), "max_length", None)
    assert isinstance(length, int), f"{model.__name__}.{name} has no max_length"
    return length


def _first_sentence(text: str, limit: int = 300) -> str:
    head = text.split(". ")[0].strip()
    if len(head) > limit:
        head = head[: limit - 1].rstrip() + "…"
    return head


def _age(value: Any) -> int | None:
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 120 else None


def _organisation(data: Any, area: Area) -> Organisation:
    if not isinstance(data, dict) or not data.get("name"):
        raise Skip("it has no organization with a name")
    public_id = _uuid(data.get("id"), "organization")
    organisation = Organisation.objects.filter(public_id=public_id).first()
    if organisation is not None and organisation.home_area_id != area.pk:
        raise Skip("its organization belongs to another area here")
    if organisation is None:
        organisation = Organisation(
            public_id=public_id,
            home_area=area,
            kind=Organisation.Kind.COMMUNITY_GROUP,
        )
    organisation.name = _text(data["name"], _room(Organisation, "name"))
    organisation.description = _text(data.get("description"), _room(Organisation, "description"))
    website = str(data.get("website") or "")
    organisation.website = website[:200] if website.startswith(("http://", "https://")) else ""
    email = str(data.get("email") or "")
    organisation.email = email[:254] if "@" in email else ""
    organisation.save()
    return organisation


def _venue(service: dict[str, Any], organisation: Organisation) -> Venue | None:
    """The first physical location with a usable address; None if the service is online."""
    locations: list[dict[str, Any]] = [
        entry["location"]
        for entry in service.get("service_at_locations") or []
        if isinstance(entry, dict) and isinstance(entry.get("location"), dict)
    ]
    problems: list[str] = []
    for location in locations:
        if location.get("location_type") == "virtual":
            continue
        addresses = [a for a in location.get("addresses") or [] if isinstance(a, dict)]
        if not addresses:
            problems.append("a location without an address")
            continue
        address = addresses[0]
        try:
            postcode = normalise_postcode(str(address.get("postal_code") or ""))
        except PostcodeError:
            problems.append(
                f"a location whose postcode {address.get('postal_code')!r} is not valid"
            )
            continue
        latitude, longitude = location.get("latitude"), location.get("longitude")
        if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
            try:
                place = resolve_postcode(postcode)
            except PostcodeError:
                problems.append(f"a location at {postcode}, which we cannot place")
                continue
            latitude, longitude = place.latitude, place.longitude
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            problems.append("a location with impossible coordinates")
            continue
        public_id = _uuid(location.get("id"), "location")
        venue = Venue.objects.filter(public_id=public_id).first()
        if venue is not None and venue.organisation_id != organisation.pk:
            raise Skip("its location belongs to another organisation here")
        if venue is None:
            venue = Venue(public_id=public_id, organisation=organisation)
        venue.name = _text(location.get("name") or address.get("address_1"), _room(Venue, "name"))
        venue.address_line_1 = _text(address.get("address_1"), _room(Venue, "address_line_1"))
        venue.town = _text(address.get("city"), _room(Venue, "town"))
        if not venue.address_line_1 or not venue.town:
            problems.append("a location without a street address and town")
            continue
        venue.postcode = postcode
        venue.latitude, venue.longitude = float(latitude), float(longitude)
        venue.save()
        return venue
    if any(loc.get("location_type") == "virtual" for loc in locations):
        return None
    raise Skip("it has no location we can use" + (f" ({'; '.join(problems)})" if problems else ""))


def _clock(value: Any) -> time | None:
    try:
        return time.fromisoformat(str(value)[:8])
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _schedules(service: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Schedule values for each usable HSDS schedule, and why others were not used."""
    usable: list[dict[str, Any]] = []
    problems: list[str] = []
    for entry in service.get("schedules") or []:
        if not isinstance(entry, dict):
            continue
        opens, closes = _clock(entry.get("opens_at")), _clock(entry.get("closes_at"))
        start = _day(entry.get("dtstart")) or _day(entry.get("valid_from"))
        if opens is None or closes is None or closes <= opens or start is None:
            problems.append("a schedule without a start date, opening and closing times")
            continue
        if outside_window(start, "a first date"):
            # The directory's own rule for dates; far-off ones break date arithmetic.
            problems.append(f"a schedule starting on {start:%Y-%m-%d}, too far from today")
            continue
        freq = str(entry.get("freq") or "").upper()
        rule = ""
        if freq in ("WEEKLY", "MONTHLY"):
            parts = [f"FREQ={freq}"]
            interval = entry.get("interval")
            if isinstance(interval, int | float) and 1 < int(interval) <= 52:
                parts.append(f"INTERVAL={int(interval)}")
            byday = str(entry.get("byday") or "").upper().replace(" ", "")
            if byday:
                parts.append(f"BYDAY={byday}")
            bymonthday = str(entry.get("bymonthday") or "").replace(" ", "")
            if bymonthday:
                parts.append(f"BYMONTHDAY={bymonthday}")
            until = _day(entry.get("valid_to"))
            if until is not None and until > date_window()[1]:
                until = None  # as good as "no end" here: sessions are kept 13 months ahead
            if until is not None:
                parts.append(f"UNTIL={until:%Y%m%d}")
            try:
                rule = normalise_rrule(";".join(parts))
            except RecurrenceError as problem:
                problems.append(f"a schedule whose rule cannot be used ({problem})")
                continue
        elif freq:
            problems.append(f"a schedule repeating {freq.lower()}, which HSDS does not define")
            continue
        usable.append({"start_date": start, "start_time": opens, "end_time": closes, "rrule": rule})
    return usable, problems


def _cost(service: dict[str, Any]) -> dict[str, Any]:
    amounts: list[Decimal] = []
    for option in service.get("cost_options") or []:
        if isinstance(option, dict) and isinstance(option.get("amount"), int | float):
            try:
                amounts.append(Decimal(str(option["amount"])).quantize(Decimal("0.01")))
            except InvalidOperation:
                continue
    paid = sorted(a for a in amounts if 0 < a < 10000)
    if not paid:
        return {"cost": Activity.Cost.FREE, "price": None, "concession_price": None}
    return {
        "cost": Activity.Cost.PRICED,
        "price": paid[-1],
        "concession_price": paid[0] if len(paid) > 1 else None,
    }


def _categories(service: dict[str, Any]) -> list[Category]:
    wanted: set[str] = set()
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if isinstance(term, dict):
            wanted |= {str(term.get("name", "")).lower(), str(term.get("term", "")).lower()}
    return [c for c in Category.objects.all() if c.name.lower() in wanted or c.slug in wanted]


# --- Storing ---------------------------------------------------------------------------


def _store_one(service: dict[str, Any], area: Area, report: OrukReport) -> None:
    public_id = _uuid(service.get("id"), "service")
    name = _text(service.get("name"), _room(Activity, "title"))
    if not name:
        raise Skip("it has no name")
    existing = Activity.objects.filter(public_id=public_id).select_related("organisation").first()
    if existing is not None:
        if existing.source != Activity.Source.OPEN_REFERRAL:
            raise Skip("an activity with this id was entered here by hand: left alone")
        if existing.home_area_id != area.pk:
            raise Skip("an activity with this id belongs to another area here")
    status = str(service.get("status") or "active").lower()
    if status not in ("active", "temporarily closed"):
        if existing is not None and existing.status != Activity.Status.WITHDRAWN:
            existing.status = Activity.Status.WITHDRAWN
            existing.save(update_fields=["status", "updated_at"])
            materialise_activity(existing)
            report.withdrawn += 1
            return
        raise Skip(f"its status is {status}")
    organisation = _organisation(service.get("organization"), area)
    venue = _venue(service, organisation)
    schedules, problems = _schedules(service)
    description = _text(service.get("description"), _room(Activity, "description"))
    url = str(service.get("url") or "")
    email = str(service.get("email") or "")
    values: dict[str, Any] = {
        "title": name,
        "summary": _first_sentence(description) or name,
        "description": description,
        "venue": venue,
        "online": venue is None,
        "hide_address": False,
        "min_age": _age(service.get("minimum_age")),
        "max_age": _age(service.get("maximum_age")),
        "booking_url": url[:200] if url.startswith(("http://", "https://")) else "",
        "contact_email": email[:254] if "@" in email else "",
        "capacity_status": Activity.CapacityStatus.PAUSED
        if status == "temporarily closed"
        else Activity.CapacityStatus.WELCOMING,
        **_cost(service),
    }
    low, high = values["min_age"], values["max_age"]
    if low is not None and high is not None and low > high:
        values["max_age"] = None
    now = timezone.now()
    publish = organisation.trusted
    activity = existing or Activity(
        public_id=public_id,
        organisation=organisation,
        home_area=area,
        source=Activity.Source.OPEN_REFERRAL,
        source_ref=str(public_id),
        status=Activity.Status.PUBLISHED if publish else Activity.Status.PENDING,
        published_at=now if publish else None,
    )
    before = {name: getattr(activity, name) for name in values} if existing else None
    old_schedules = (
        sorted((s.start_date, s.start_time, s.end_time, s.rrule) for s in existing.schedules.all())
        if existing
        else None
    )
    new_schedules = sorted(
        (s["start_date"], s["start_time"], s["end_time"], s["rrule"]) for s in schedules
    )
    if existing and before == values and old_schedules == new_schedules:
        report.unchanged += 1
        return
    for name_, value in values.items():
        setattr(activity, name_, value)
    if existing is not None and existing.status == Activity.Status.WITHDRAWN:
        activity.status = Activity.Status.PUBLISHED if publish else Activity.Status.PENDING
    activity.organisation = organisation
    activity.last_confirmed_at = now
    activity.last_confirmed_by = f"{organisation} (Open Referral import)"
    activity.save()
    activity.categories.set(_categories(service))
    if old_schedules != new_schedules:
        activity.schedules.all().delete()
        Schedule.objects.bulk_create([Schedule(activity=activity, **s) for s in schedules])
    materialise_activity(activity)
    if existing is None:
        report.created += 1
    else:
        report.updated += 1
    for problem in problems:
        report.skipped.append((str(public_id), f"{name}: {problem} (the rest was imported)"))


def store(services: list[dict[str, Any]], area: Area) -> OrukReport:
    """Upsert the services into `area`, in one transaction."""
    report = OrukReport()
    seen: set[str] = set()
    with transaction.atomic():
        for service in services:
            label = str(service.get("id") or service.get("name") or "a service")
            if label in seen:
                report.skipped.append((label, "the same id appears twice: the first was used"))
                continue
            seen.add(label)
            try:
                with transaction.atomic():
                    _store_one(service, area, report)
            except Skip as reason:
                report.skipped.append((label, str(reason)))
    return report
