"""The directory's named aggregates for monitoring: the calendar's supply.

Sessions are not people: these counts are shown as they are. Sessions in the period are
those of the areas' activities (published, not withdrawn) whose `local_date` is in it,
cancelled ones left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from lib.tallies import Period, Tally

TIMES_OF_DAY: tuple[tuple[str, str], ...] = (
    ("morning", "Morning (before 12 noon)"),
    ("afternoon", "Afternoon (12 noon to 5pm)"),
    ("evening", "Evening (5pm or later)"),
    ("all_day", "All day"),
)


def sessions_by_category(area_ids: Sequence[int], period: Period) -> Tally:
    """Not exclusive (an activity may be in several categories): category slug -> sessions;
    total = sessions."""
    raise NotImplementedError


def sessions_by_month(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive: "2026-09" -> sessions, every month of the period in order."""
    raise NotImplementedError


def sessions_by_weekday(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive: "0" (Monday) to "6" -> sessions."""
    raise NotImplementedError


def sessions_by_time_of_day(area_ids: Sequence[int], period: Period) -> Tally:
    """Exclusive over TIMES_OF_DAY by the session's local start."""
    raise NotImplementedError


def organisation_activities(organisation_id: int) -> list[tuple[int, str]]:
    """The organisation's activities (id, title), by title."""
    raise NotImplementedError
