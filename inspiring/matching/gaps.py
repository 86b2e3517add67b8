"""What the calendar lacks for the area's current clients: demand beside supply.

Client counts under 5 are shown as "<5" (as every report here): a coordinator
sees patterns, never a countable few people.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from inspiring.areas.models import Area
from inspiring.casework.choices import DAYS, Barrier, DayPart
from inspiring.casework.models import Assessment
from inspiring.directory.models import Activity, Category, Session

from .engine import day_part
from .models import BarrierRule
from .rules import FREE

SMALL = 5
WEEKS = 4


def shown(count: int) -> str:
    return "<5" if 0 < count < SMALL else str(count)


@dataclass
class Row:
    label: str
    clients: int
    supply: int  # sessions or activities, as the table says

    @property
    def clients_shown(self) -> str:
        return shown(self.clients)

    @property
    def gap(self) -> bool:
        """Many clients want it and little is on offer: at least 5, and fewer than one
        activity or session a week for every client."""
        return self.clients >= SMALL and self.supply < self.clients


@dataclass
class Gaps:
    clients: int
    times: list[Row]
    barriers: list[Row]
    interests: list[Row]


def gaps(area: Area) -> Gaps:
    latest: dict[int, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(
            client__area=area, client__closed_at__isnull=True, client__erased_at__isnull=True
        )
        .prefetch_related("interests")
        .order_by("client_id", "-assessed_on", "-pk")
    ):
        latest.setdefault(assessment.client_id, assessment)
    assessed = list(latest.values())

    now = timezone.now()
    live = Activity.objects.visible_in(area).filter(home_area=area)
    slots: Counter[tuple[str, str]] = Counter()
    for weekday, minute in Session.objects.filter(
        activity__in=live.values("pk"),
        status=Session.Status.SCHEDULED,
        start__gte=now,
        start__lt=now + timedelta(weeks=WEEKS),
    ).values_list("weekday", "start_minute"):
        slots[(DAYS[weekday][0], day_part(minute))] += 1
    wanted: Counter[tuple[str, str]] = Counter()
    for assessment in assessed:
        for day, parts in assessment.availability.items():
            for part in parts:
                wanted[(day, part)] += 1
    times = [
        Row(f"{name} {label.lower()}", wanted[(day, part)], slots[(day, part)] // WEEKS)
        for day, name in DAYS
        for part, label in DayPart.choices
    ]

    features: dict[int, set[str]] = {}
    for activity_id, code in Activity.support_features.through.objects.filter(
        activity__in=live.values("pk")
    ).values_list("activity_id", "supportfeature__code"):
        features.setdefault(activity_id, set()).add(code)
    for activity_id in live.filter(cost=Activity.Cost.FREE).values_list("pk", flat=True):
        features.setdefault(activity_id, set()).add(FREE)
    table = BarrierRule.objects.table_for(area.pk)
    barrier_counts = Counter(b for a in assessed for b in a.barriers)
    barriers = [
        Row(
            label,
            barrier_counts[code],
            sum(1 for codes in features.values() if codes & table.get(code, frozenset())),
        )
        for code, label in Barrier.choices
    ]

    interest_counts = Counter(c.slug for a in assessed for c in a.interests.all())
    offered = Counter(
        Activity.categories.through.objects.filter(activity__in=live.values("pk")).values_list(
            "category__slug", flat=True
        )
    )
    interests = [
        Row(name, interest_counts[slug], offered[slug])
        for slug, name in Category.objects.order_by("order", "name").values_list("slug", "name")
    ]
    return Gaps(len(assessed), times, barriers, interests)
