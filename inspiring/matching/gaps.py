"""What the calendar lacks for the area's current clients: demand beside supply.

Supply is directory.planning's, the one programme planning shows: sessions going ahead over
the twelve months from the first of this month, as sessions a week.

Client counts under 5 are shown as "<5" (as every report here, by lib.disclosure): a
coordinator sees patterns, never a countable few people. The tables have no totals that
add up (a client needs several times, barriers and interests), so no secondary
suppression is needed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from inspiring.areas.models import Area
from inspiring.casework.choices import DAYS, Barrier, DayPart
from inspiring.casework.models import Assessment
from inspiring.directory.models import Activity
from inspiring.directory.planning import few_options, is_gap, supply
from lib import disclosure

from .models import BarrierRule
from .rules import FREE


def shown(count: int) -> str:
    return disclosure.shown(count)


@dataclass
class Row:
    label: str
    clients: int
    supply: float  # sessions a week, or activities, as the table says
    count: int  # what supply is worked out from: sessions in the year, or activities

    @property
    def clients_shown(self) -> str:
        return shown(self.clients)

    @property
    def nothing_on(self) -> bool:
        """A gap in the calendar, as programme planning marks it."""
        return is_gap(self.count)

    @property
    def supply_shown(self) -> str:
        return "under 0.1" if self.count and not self.supply else f"{self.supply:g}"

    @property
    def gap(self) -> bool:
        """Many clients want it and little is on offer: at least 5, and fewer than one
        activity or session a week for every client."""
        return few_options(self.clients, self.supply)


@dataclass
class Gaps:
    clients: int
    times: list[Row]
    barriers: list[Row]
    interests: list[Row]
    start: date  # supply counts the twelve months from here


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

    wanted: Counter[tuple[str, str]] = Counter()
    for assessment in assessed:
        for day, parts in assessment.availability.items():
            for part in parts:
                wanted[(day, part)] += 1
    # Supply as programme planning counts it (directory.planning): one definition.
    offered = supply(area)
    times = [
        Row(
            f"{name} {label.lower()}",
            wanted[(day, part)],
            offered.per_week(offered.slot(weekday, part)),
            offered.slot(weekday, part),
        )
        for weekday, (day, name) in enumerate(DAYS)
        for part, label in DayPart.choices
    ]

    features: dict[int, set[str]] = {activity_id: set() for activity_id in offered.activity_ids}
    for activity_id, code in Activity.support_features.through.objects.filter(
        activity_id__in=offered.activity_ids
    ).values_list("activity_id", "supportfeature__code"):
        features[activity_id].add(code)
    for activity_id in Activity.objects.filter(
        pk__in=offered.activity_ids, cost=Activity.Cost.FREE
    ).values_list("pk", flat=True):
        features[activity_id].add(FREE)
    table = BarrierRule.objects.table_for(area.pk)
    barrier_counts = Counter(b for a in assessed for b in a.barriers)
    helping = {
        code: sum(1 for codes in features.values() if codes & table.get(code, frozenset()))
        for code, _ in Barrier.choices
    }
    barriers = [
        Row(label, barrier_counts[code], helping[code], helping[code])
        for code, label in Barrier.choices
    ]

    interest_counts = Counter(c.slug for a in assessed for c in a.interests.all())
    interests = [
        Row(
            name,
            interest_counts[slug],
            offered.activities_by_category[slug],
            offered.activities_by_category[slug],
        )
        for slug, name in offered.categories
    ]
    return Gaps(len(assessed), times, barriers, interests, offered.start)
