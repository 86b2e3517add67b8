"""The directory's named aggregates for monitoring: the calendar's supply.

Sessions are not people: these counts are shown as they are. Sessions in the period are
those of the areas' activities (published, not withdrawn) whose `local_date` is in it,
cancelled ones left out.

The areas' activities are those whose home is one of them (not those other areas share
with them: each area's supply is counted once). Published is `Activity.objects.published()`:
a listing, not a partner's proposed revision of one, with the status published (so not
withdrawn, pending or sent back). Today's confirmation and pause are not asked: they say
what is on now, not what was on in a past period. Each function is one GROUP BY (or one
aggregate) over the sessions, and a query for the labels where they come from the
database; `local_date`, `weekday` and `start_minute` are the session's own London
columns, so the same SQL serves SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Count, Q

from lib.tallies import Period, Tally

from .models import Activity, Category, Session, SessionQuerySet
from .recurrence import DAY_NAMES
from .search import TIME_RANGES

TIMES_OF_DAY: tuple[tuple[str, str], ...] = (
    ("morning", "Morning (before 12 noon)"),
    ("afternoon", "Afternoon (12 noon to 5pm)"),
    ("evening", "Evening (5pm or later)"),
    ("all_day", "All day"),
)


def _sessions(area_ids: Sequence[int], period: Period) -> SessionQuerySet:
    activities = Activity.objects.published().filter(home_area_id__in=area_ids)
    return (
        Session.objects.going_ahead()
        .filter(
            activity__in=activities,
            local_date__gte=period.start,
            local_date__lte=period.end,
        )
        .order_by()
    )


def sessions_by_category(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive (an activity may be in several categories): category slug -> sessions;
    total = sessions."""
    sessions = _sessions(area_ids, period)
    found = dict(
        sessions.filter(activity__categories__isnull=False)
        .values("activity__categories__slug")
        .annotate(n=Count("pk"))
        .values_list("activity__categories__slug", "n")
    )
    labels = list(Category.objects.order_by("order", "name").values_list("slug", "name"))
    return Tally.of(found, labels, total=sessions.count(), exclusive=False, unknown=None)


def sessions_by_month(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive: "2026-09" -> sessions, every month of the period in order."""
    found = {
        f"{year:04d}-{month:02d}": n
        for year, month, n in _sessions(area_ids, period)
        .values("local_date__year", "local_date__month")
        .annotate(n=Count("pk"))
        .values_list("local_date__year", "local_date__month", "n")
    }
    return Tally.of(found, _months(period), unknown=None)


def _months(period: Period) -> list[tuple[str, str]]:
    """Each month the period touches, in order: ("2026-09", "September 2026")."""
    months = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append((f"{year:04d}-{month:02d}", f"{date(year, month, 1):%B %Y}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def sessions_by_weekday(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive: "0" (Monday) to "6" -> sessions."""
    found = {
        str(weekday): n
        for weekday, n in _sessions(area_ids, period)
        .values("weekday")
        .annotate(n=Count("pk"))
        .values_list("weekday", "n")
    }
    return Tally.of(found, [(str(d), name) for d, name in enumerate(DAY_NAMES)], unknown=None)


def sessions_by_time_of_day(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive over TIMES_OF_DAY by the session's local start."""
    # What's on's own ranges of start minutes; an all-day session (its start is
    # midnight) is in none of them.
    conditions = {
        name: Q(all_day=False, start_minute__gte=low, start_minute__lt=high)
        for name, (low, high) in TIME_RANGES.items()
    }
    conditions["all_day"] = Q(all_day=True)
    found = _sessions(area_ids, period).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in conditions.items()}
    )
    return Tally.of(found, TIMES_OF_DAY, unknown=None)


def organisation_activities(organisation_id: int) -> list[tuple[int, str]]:
    """The organisation's activities (id, title), by title."""
    # Every listing whatever its status (a withdrawn one still has its connections
    # and sessions in past periods), but not a proposed revision of one.
    return list(
        Activity.objects.live()
        .filter(organisation_id=organisation_id)
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
