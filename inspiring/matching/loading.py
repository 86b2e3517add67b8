"""From the database to the engine: a client's Profile and the area's Candidates.

A fixed number of queries whatever the size of the directory: the profile (a few),
then the candidate activities (one, cut by a bounding box when there is a travel
limit: an indexed range on the venue's coordinates), their upcoming sessions (one),
categories (one) and features (one). Distances are worked out here, exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from inspiring.areas.models import Area
from inspiring.casework import choices
from inspiring.casework.models import Client
from inspiring.directory.models import Activity, Category, Session, SupportFeature
from lib.geo import miles_between

from .engine import Candidate, Profile, Slot
from .models import BarrierRule

MILES_PER_DEGREE = 69.09  # of latitude; longitude is scaled by cos(latitude)
# How far ahead sessions are looked at: far enough for a fortnightly or monthly group.
WINDOW = timedelta(weeks=6)


@dataclass
class Refine:
    """What the link worker narrows the suggestions to (never wider than the assessment)."""

    max_miles: float | None = None
    days: frozenset[str] = frozenset()
    only_free: bool = False
    category: str = ""


@dataclass
class ClientProfile:
    profile: Profile
    home: tuple[float, float] | None
    notes: list[str] = field(default_factory=list)


def client_profile(client: Client, refine: Refine | None = None) -> ClientProfile:
    refine = refine or Refine()
    assessment = client.assessments.prefetch_related("interests").first()
    notes: list[str] = []
    availability: dict[str, frozenset[str]] = {}
    barriers: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    max_miles: float | None = None
    if assessment is None:
        notes.append("Not assessed yet: suggestions use no barriers, interests or times.")
    else:
        availability = {
            day: frozenset(parts) for day, parts in assessment.availability.items() if parts
        }
        barriers = frozenset(assessment.barriers)
        interests = frozenset(c.slug for c in assessment.interests.all())
        if assessment.max_travel_miles is not None:
            max_miles = float(assessment.max_travel_miles)
    if refine.max_miles is not None:
        max_miles = refine.max_miles if max_miles is None else min(max_miles, refine.max_miles)
    home = (
        (client.latitude, client.longitude)
        if client.latitude is not None and client.longitude is not None
        else None
    )
    if home is None and max_miles is not None:
        notes.append("Their postcode is not known here, so distance cannot be used.")
        max_miles = None
    today = timezone.localdate()
    profile = Profile(
        age=client.age_on(today),
        sex=client.sex,
        availability=availability,
        max_miles=max_miles,
        cost_barrier="cost" in barriers,
        barriers=barriers,
        interests=interests,
        group_kinds=frozenset(client.groups.values_list("kind", flat=True)),
        barrier_features=BarrierRule.objects.table_for(client.area_id),
        barrier_labels=dict(choices.Barrier.choices),
        feature_labels=dict(SupportFeature.objects.values_list("code", "name")),
        category_labels=dict(Category.objects.values_list("slug", "name")),
        only_free=refine.only_free,
        days=refine.days,
        category=refine.category,
    )
    return ClientProfile(profile, home, notes)


def candidates(
    area: Area,
    *,
    home: tuple[float, float] | None,
    max_miles: float | None,
    now: datetime | None = None,
) -> list[Candidate]:
    """The published activities people in `area` see, with their sessions in the window."""
    now = now or timezone.now()
    activities = Activity.objects.visible_in(area)
    if home is not None and max_miles is not None:
        lat, lng = home
        dlat = max_miles / MILES_PER_DEGREE
        dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
        activities = activities.filter(
            Q(online=True)
            | Q(
                venue__latitude__range=(lat - dlat, lat + dlat),
                venue__longitude__range=(lng - dlng, lng + dlng),
            )
        )
    rows = list(
        activities.values_list(
            "pk",
            "public_id",
            "title",
            "cost",
            "min_age",
            "max_age",
            "capacity_status",
            "online",
            "last_confirmed_at",
            "venue__latitude",
            "venue__longitude",
        )
    )
    if not rows:
        return []
    chosen = activities.values("pk")
    slots: dict[int, list[Slot]] = defaultdict(list)
    for activity_id, start, end, weekday, minute in (
        Session.objects.filter(
            activity__in=chosen,
            status=Session.Status.SCHEDULED,
            start__gte=now,
            start__lt=now + WINDOW,
        )
        .order_by("activity_id", "start")
        .values_list("activity_id", "start", "end", "weekday", "start_minute")
    ):
        slots[activity_id].append(Slot(start, end, weekday, minute))
    categories: dict[int, set[str]] = defaultdict(set)
    for activity_id, slug in Activity.categories.through.objects.filter(
        activity__in=chosen
    ).values_list("activity_id", "category__slug"):
        categories[activity_id].add(slug)
    features: dict[int, set[str]] = defaultdict(set)
    for activity_id, code in Activity.support_features.through.objects.filter(
        activity__in=chosen
    ).values_list("activity_id", "supportfeature__code"):
        features[activity_id].add(code)
    stale_days = settings.LISTING_STALE_DAYS
    found = []
    for pk, public_id, title, cost, min_age, max_age, capacity, online, confirmed, lat, lng in rows:
        if pk not in slots:
            continue  # nothing coming up: nothing to go to
        miles = (
            miles_between(home[0], home[1], lat, lng)
            if home is not None and lat is not None and lng is not None
            else None
        )
        age_days = (now - confirmed).days
        found.append(
            Candidate(
                activity_id=pk,
                public_id=str(public_id),
                title=title,
                categories=frozenset(categories[pk]),
                features=frozenset(features[pk]),
                cost=cost,
                min_age=min_age,
                max_age=max_age,
                capacity_status=capacity,
                miles=None if online else miles,
                confirmed_days=age_days,
                stale=age_days > stale_days,
                online=online,
                slots=tuple(slots[pk]),
            )
        )
    return found
