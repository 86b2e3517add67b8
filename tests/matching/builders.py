"""Plain engine inputs for tests: a profile and candidates, with only what a test changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from inspiring.matching.engine import Candidate, Profile, Slot
from inspiring.matching.rules import DEFAULT_BARRIER_FEATURES

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


def slot(days: int = 1, hour: int = 10, minutes: int = 60) -> Slot:
    """A session `days` after NOW at `hour` (UTC here, so local = UTC in March)."""
    start = (NOW + timedelta(days=days)).replace(hour=hour, minute=0)
    return Slot(start, start + timedelta(minutes=minutes), start.weekday(), hour * 60)


def candidate(activity_id: int = 1, **changes: Any) -> Candidate:
    base = Candidate(
        activity_id=activity_id,
        public_id=f"00000000-0000-0000-0000-{activity_id:012d}",
        title=f"Activity {activity_id}",
        categories=frozenset({"social-and-friendship"}),
        features=frozenset(),
        cost="free",
        min_age=None,
        max_age=None,
        capacity_status="welcoming",
        miles=1.0,
        confirmed_days=10,
        stale=False,
        online=False,
        slots=(slot(),),
    )
    return replace(base, **changes)


def profile(**changes: Any) -> Profile:
    base = Profile(
        age=70,
        sex="female",
        availability={},
        max_miles=None,
        cost_barrier=False,
        barriers=frozenset(),
        interests=frozenset(),
        group_kinds=frozenset(),
        barrier_features={b: frozenset(f) for b, f in DEFAULT_BARRIER_FEATURES.items()},
    )
    return replace(base, **changes)
