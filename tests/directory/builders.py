"""Deterministic directory records for tests: named partners, venues and activities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from inspiring.areas.geography import resolve_postcode
from inspiring.areas.models import Area
from inspiring.directory.models import (
    Activity,
    Category,
    Organisation,
    Schedule,
    SupportFeature,
    Venue,
)
from tests.personas import Personas


def organisation(area: Area, name: str, **extra: Any) -> Organisation:
    return Organisation.objects.create(
        home_area=area,
        name=name,
        kind=extra.pop("kind", Organisation.Kind.COMMUNITY_GROUP),
        **extra,
    )


def venue(owner: Organisation, name: str, postcode: str, **extra: Any) -> Venue:
    place = resolve_postcode(postcode)
    return Venue.objects.create(
        organisation=owner,
        name=name,
        address_line_1=extra.pop("address_line_1", "1 High Street"),
        town=extra.pop("town", "Sutton-in-Ashfield"),
        postcode=place.postcode,
        latitude=place.latitude,
        longitude=place.longitude,
        district_code=place.district_code,
        **extra,
    )


def activity(
    owner: Organisation,
    title: str,
    *,
    at: Venue | None,
    categories: tuple[str, ...] = ("social-and-friendship",),
    features: tuple[str, ...] = (),
    status: str = Activity.Status.PUBLISHED,
    **extra: Any,
) -> Activity:
    item = Activity.objects.create(
        organisation=owner,
        home_area=owner.home_area,
        venue=at,
        title=title,
        summary=extra.pop("summary", f"{title}: come and join us."),
        status=status,
        **extra,
    )
    item.categories.set(Category.objects.filter(slug__in=categories))
    item.support_features.set(SupportFeature.objects.filter(code__in=features))
    return item


def weekly(
    item: Activity, day: str, start: time, end: time, *, from_date: date, **extra: Any
) -> Schedule:
    return Schedule.objects.create(
        activity=item,
        start_date=from_date,
        start_time=start,
        end_time=end,
        rrule=extra.pop("rrule", f"FREQ=WEEKLY;BYDAY={day}"),
        **extra,
    )


def over_days(item: Activity, first: date, days: int) -> Schedule:
    """An all-day event lasting `days` days from `first` (a festival weekend: 3)."""
    return Schedule.objects.create(
        activity=item,
        start_date=first,
        start_time=time(0),
        end_time=time(23, 59),
        all_day=True,
        duration_days=days - 1,
    )


def as_date_input(
    data: dict[str, Any], names: tuple[str, ...] = ("start_date", "until")
) -> dict[str, Any]:
    """Form data with each of `names` given as an ISO date ("2026-03-03") posted as the
    NHS.UK date input posts it: `<name>_day`, `<name>_month` and `<name>_year`."""
    posted = dict(data)
    for name in names:
        value = posted.pop(name, None)
        if value is None:
            continue
        text = value.isoformat() if isinstance(value, date) else str(value)
        year, month, day = text.split("-") if text else ("", "", "")
        posted.update({f"{name}_day": day, f"{name}_month": month, f"{name}_year": year})
    return posted


@dataclass
class Directory:
    knit: Organisation  # Kirkby Knit and Natter (Ashfield), led by Priya
    hall: Venue  # Kirkby Community Hall, NG17 7AE, step-free
    knitting: Activity  # Tuesdays 10:00-12:00, free, come alone welcome
    walkers: Organisation  # Mansfield Walkers (Mansfield)
    walk: Activity  # Saturdays 09:30-11:00 in Mansfield, outdoors
    choir: Organisation  # Newark Community Choir (Newark and Sherwood: shares with Mansfield only)
    singing: Activity  # Thursdays 19:00-21:00 in Newark, priced


def build_directory(personas: Personas, *, today: date) -> Directory:
    knit = organisation(
        personas.ashfield, "Kirkby Knit and Natter", kind=Organisation.Kind.COMMUNITY_GROUP
    )
    knit.leads.add(personas.partner_lead)
    hall = venue(
        knit, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield", step_free=True
    )
    knitting = activity(
        knit,
        "Knit and Natter",
        at=hall,
        categories=("arts-and-crafts", "social-and-friendship"),
        features=("come-alone-welcome", "beginners-welcome"),
    )
    weekly(knitting, "TU", time(10), time(12), from_date=today)
    walkers = organisation(personas.mansfield, "Mansfield Walkers", kind=Organisation.Kind.CHARITY)
    park = venue(walkers, "Titchfield Park gates", "NG18 1AA", town="Mansfield")
    walk = activity(
        walkers, "Saturday Health Walk", at=park, categories=("walking",), features=("outdoors",)
    )
    weekly(walk, "SA", time(9, 30), time(11), from_date=today)
    choir = organisation(personas.newark, "Newark Community Choir", kind=Organisation.Kind.CHARITY)
    church = venue(choir, "St Mary's Church Hall", "NG24 1AA", town="Newark")
    singing = activity(
        choir,
        "Community Choir",
        at=church,
        categories=("music",),
        cost=Activity.Cost.PRICED,
        price="3.00",
    )
    weekly(singing, "TH", time(19), time(21), from_date=today)
    return Directory(knit, hall, knitting, walkers, walk, choir, singing)
