"""What the calendar offers an area, and where it offers nothing: the one definition of
supply and of a gap, used by programme planning and by "What the calendar lacks".

Supply is the sessions going ahead (not cancelled) of the activities people in the area see
(its own and those of areas sharing with it; published, not paused, not hidden as long
unconfirmed), over the twelve months from the first of this month, counted by type of
activity, month, day of the week and time of day (the times of day What's on filters by).
A gap is a cell of that calendar with no session in it. "Sessions a week" is a cell's count
over the weeks of the window, so 52 sessions in the year is 1.0 a week on both pages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q
from django.utils import timezone

from inspiring.areas.models import Area

from .models import Activity, Category, Session, SessionQuerySet
from .recurrence import DAY_NAMES
from .search import TIME_RANGES

MONTHS = 12
TIMES = tuple(TIME_RANGES)  # morning, afternoon, evening
# "Few options": at least this many people want something (fewer are never shown apart).
FEW_PEOPLE = 5


def window(today: date | None = None) -> tuple[date, date]:
    """The first of this month and the first of the month twelve months on (exclusive)."""
    start = (today or timezone.localdate()).replace(day=1)
    return start, start + relativedelta(months=MONTHS)


def sessions_going_ahead(area: Area, start: date, end: date) -> SessionQuerySet:
    return (
        Session.objects.visible_in(area)
        .going_ahead()
        .filter(local_date__gte=start, local_date__lt=end)
    )


def time_of_day(start_minute: int) -> str:
    for name, (low, high) in TIME_RANGES.items():
        if low <= start_minute < high:
            return name
    raise ValueError(f"No time of day holds minute {start_minute}")


def is_gap(sessions: int) -> bool:
    """A gap in the calendar: nothing going ahead in that cell."""
    return sessions == 0


def few_options(people: int, per_week: float) -> bool:
    """Enough people want it (at least FEW_PEOPLE) and there is less than one session a week
    (or activity) for each of them."""
    return people >= FEW_PEOPLE and per_week < people


@dataclass
class Supply:
    start: date
    end: date
    months: list[date]
    # Category slug -> month -> sessions (a session counts once in each of its categories).
    by_category_month: dict[str, Counter[date]] = field(default_factory=dict)
    by_month: Counter[date] = field(default_factory=Counter)  # each session once
    # (weekday, time of day) -> sessions; weekday 0 is Monday.
    by_slot: Counter[tuple[int, str]] = field(default_factory=Counter)
    # Activities with at least one session going ahead, and per category.
    activity_ids: set[int] = field(default_factory=set)
    activities_by_category: Counter[str] = field(default_factory=Counter)
    categories: list[tuple[str, str]] = field(default_factory=list)  # (slug, name) in order

    @property
    def weeks(self) -> float:
        return (self.end - self.start).days / 7

    def per_week(self, sessions: int) -> float:
        return round(sessions / self.weeks, 1)

    def slot(self, weekday: int, time: str) -> int:
        return self.by_slot[(weekday, time)]

    def category_rows(self) -> list[tuple[str, list[int]]]:
        return [
            (name, [self.by_category_month.get(slug, Counter())[m] for m in self.months])
            for slug, name in self.categories
        ]

    def day_rows(self) -> list[tuple[str, list[int]]]:
        return [(DAY_NAMES[d], [self.slot(d, t) for t in TIMES]) for d in range(7)]

    @property
    def category_month_gaps(self) -> int:
        return sum(1 for _, row in self.category_rows() for n in row if is_gap(n))

    @property
    def day_time_gaps(self) -> list[tuple[str, str]]:
        """Each (day, time of day) with nothing on, in week order."""
        return [(DAY_NAMES[d], t) for d in range(7) for t in TIMES if is_gap(self.slot(d, t))]

    @property
    def empty_days(self) -> list[str]:
        return [DAY_NAMES[d] for d in range(7) if all(is_gap(self.slot(d, t)) for t in TIMES)]


def supply(area: Area, today: date | None = None) -> Supply:
    start, end = window(today)
    result = Supply(
        start=start,
        end=end,
        months=[start + relativedelta(months=n) for n in range(MONTHS)],
        categories=list(Category.objects.order_by("order", "name").values_list("slug", "name")),
    )
    sessions = sessions_going_ahead(area, start, end)
    by_category: dict[str, Counter[date]] = defaultdict(Counter)
    for row in sessions.values(
        "activity__categories__slug", "local_date__year", "local_date__month"
    ).annotate(n=Count("pk")):
        slug = row["activity__categories__slug"]
        if slug:
            by_category[slug][date(row["local_date__year"], row["local_date__month"], 1)] = row["n"]
    result.by_category_month = dict(by_category)
    for row in sessions.values("local_date__year", "local_date__month").annotate(n=Count("pk")):
        result.by_month[date(row["local_date__year"], row["local_date__month"], 1)] = row["n"]
    slots = {
        name: Q(start_minute__gte=low, start_minute__lt=high)
        for name, (low, high) in TIME_RANGES.items()
    }
    for row in sessions.values("weekday").annotate(
        **{name: Count("pk", filter=condition) for name, condition in slots.items()}
    ):
        for name in TIMES:
            result.by_slot[(row["weekday"], name)] = row[name]
    result.activity_ids = set(sessions.values_list("activity_id", flat=True).distinct())
    result.activities_by_category = Counter(
        Activity.categories.through.objects.filter(
            activity_id__in=sessions.values("activity_id")
        ).values_list("category__slug", flat=True)
    )
    return result
