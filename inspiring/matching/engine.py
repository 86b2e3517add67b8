"""The matching engine: hard limits, then a score, with reasons in plain words.

Pure Python over plain values (no database, no Django): `loading.py` builds the
Profile and Candidates in a fixed number of queries; this module decides. That
keeps it fast, testable with generated inputs (tests/matching/test_properties.py
proves no suggestion breaks a hard limit) and deterministic: the same inputs
always give the same ranking (ties go to the earlier session, then the lower id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .rules import CATEGORY_KIND, FREE, WEIGHTS

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
AFFORDABLE = frozenset({"free", "pay_what_you_can"})
CLOSED = frozenset({"paused"})


def day_part(minute_of_day: int) -> str:
    """Mornings until 12:00, afternoons until 17:00, then evenings."""
    if minute_of_day < 12 * 60:
        return "morning"
    if minute_of_day < 17 * 60:
        return "afternoon"
    return "evening"


@dataclass(frozen=True)
class Slot:
    """One upcoming session, as matching sees it (local weekday and time)."""

    start: datetime
    end: datetime
    weekday: int  # Monday 0
    minute: int  # minutes after local midnight

    @property
    def part(self) -> str:
        return day_part(self.minute)


@dataclass(frozen=True)
class Candidate:
    activity_id: int
    public_id: str
    title: str
    categories: frozenset[str]  # category slugs
    features: frozenset[str]  # support feature codes
    cost: str
    min_age: int | None
    max_age: int | None
    capacity_status: str
    miles: float | None  # from the person's home; None: not known (online, or hidden)
    confirmed_days: int  # days since the group last confirmed the listing
    stale: bool  # unconfirmed past the stale period
    online: bool
    slots: tuple[Slot, ...]  # upcoming sessions that go ahead, in order


@dataclass(frozen=True)
class Profile:
    age: int | None
    sex: str  # casework Sex code, or ""
    availability: Mapping[str, frozenset[str]]  # "TU" -> {"morning"}; empty: not recorded
    max_miles: float | None
    cost_barrier: bool
    barriers: frozenset[str]
    interests: frozenset[str]  # category slugs
    group_kinds: frozenset[str]  # GroupKind codes of the groups they belong to
    barrier_features: Mapping[str, frozenset[str]]  # the area's table (rules.py defaults)
    barrier_labels: Mapping[str, str] = field(default_factory=dict)
    feature_labels: Mapping[str, str] = field(default_factory=dict)
    category_labels: Mapping[str, str] = field(default_factory=dict)
    # Refinements chosen by the link worker (narrowing only: they never widen a limit).
    only_free: bool = False
    days: frozenset[str] = frozenset()  # limit to these day codes
    category: str = ""


@dataclass
class Suggestion:
    candidate: Candidate
    next_slot: Slot
    score: float
    reasons: list[str]
    misfits: list[str]
    waiting_list: bool

    @property
    def kind(self) -> str:
        return _kind(self.candidate)


def _kind(candidate: Candidate) -> str:
    kinds = sorted({CATEGORY_KIND.get(c, "other") for c in candidate.categories})
    return kinds[0] if kinds else "other"


def _fits_time(profile: Profile, slot: Slot) -> bool:
    day = DAY_CODES[slot.weekday]
    if profile.days and day not in profile.days:
        return False
    if not profile.availability:
        return True
    return slot.part in profile.availability.get(day, frozenset())


def limit_broken(profile: Profile, candidate: Candidate) -> str | None:
    """The first hard limit the activity breaks (in words), or None. Never relaxed."""
    if candidate.capacity_status in CLOSED:
        return "paused"
    if candidate.stale:
        return "listing not confirmed recently"
    if profile.age is not None:
        if candidate.min_age is not None and profile.age < candidate.min_age:
            return f"for people {candidate.min_age} and over"
        if candidate.max_age is not None and profile.age > candidate.max_age:
            return f"for people up to {candidate.max_age}"
    if "women-only" in candidate.features and profile.sex != "female":
        return "women only"
    if "men-only" in candidate.features and profile.sex != "male":
        return "men only"
    if (profile.cost_barrier or profile.only_free) and candidate.cost not in (
        {"free"} if profile.only_free else AFFORDABLE
    ):
        return "costs money"
    if profile.max_miles is not None and not candidate.online:
        if candidate.miles is None:
            return "distance not known"
        if candidate.miles > profile.max_miles:
            return f"{candidate.miles:.1f} miles away"
    if profile.category and profile.category not in candidate.categories:
        return "not the kind of activity asked for"
    if not any(_fits_time(profile, slot) for slot in candidate.slots):
        return "no session when they can go"
    return None


def _miles_text(miles: float) -> str:
    if miles < 0.1:
        return "on the doorstep"
    return f"{miles:.1f} miles"


def score(profile: Profile, candidate: Candidate, now: datetime) -> Suggestion:
    """Score an activity that passes every hard limit, saying why and what did not fit."""
    slots = [slot for slot in candidate.slots if _fits_time(profile, slot)]
    first = slots[0]
    reasons: list[str] = []
    misfits: list[str] = []
    total = 0.0

    if candidate.cost == "free":
        reasons.append("Free")
    elif candidate.cost == "pay_what_you_can":
        reasons.append("Pay what you can")

    if candidate.online:
        reasons.append("Online")
    elif candidate.miles is not None:
        reasons.append(_miles_text(candidate.miles))
        limit = profile.max_miles if profile.max_miles else 5.0
        total += WEIGHTS["near"] * max(0.0, 1 - candidate.miles / max(limit, 0.1))

    day = DAY_NAMES[first.weekday]
    if profile.availability:
        reasons.append(f"{day} {first.part}s suit them")
    days_away = (first.start - now).total_seconds() / 86400
    if days_away <= 7:
        total += WEIGHTS["soon"]
    elif days_away <= 14:
        total += WEIGHTS["soon"] / 2

    matched = sorted(profile.interests & candidate.categories)
    if matched:
        total += WEIGHTS["interest"] * min(len(matched), 2)
        names = [profile.category_labels.get(slug, slug).lower() for slug in matched]
        reasons.append("interested in " + " and ".join(names))
    elif profile.interests:
        misfits.append("not one of their interests")

    offered = set(candidate.features) | ({FREE} if candidate.cost == "free" else set())
    for barrier in sorted(profile.barriers):
        answers = sorted(profile.barrier_features.get(barrier, frozenset()) & offered)
        label = profile.barrier_labels.get(barrier, barrier).lower()
        if answers:
            total += WEIGHTS["barrier"]
            feature = answers[0]
            name = "free" if feature == FREE else profile.feature_labels.get(feature, feature)
            reasons.append(f"'{name.lower()}' helps with {label}")
        elif profile.barrier_features.get(barrier):
            misfits.append(f"nothing here for {label}")

    kind = _kind(candidate)
    if kind not in profile.group_kinds:
        total += WEIGHTS["widening"]
        reasons.append("a new kind of group for them")

    if candidate.confirmed_days <= 90:
        total += WEIGHTS["confirmed"]
    else:
        misfits.append(f"listing last confirmed {candidate.confirmed_days} days ago")
    waiting = candidate.capacity_status == "full"
    if candidate.capacity_status == "welcoming":
        total += WEIGHTS["spaces"]
    elif candidate.capacity_status == "limited":
        misfits.append("limited spaces")
    elif waiting:
        misfits.append("full: waiting list")
    return Suggestion(candidate, first, round(total, 3), reasons, misfits, waiting)


def suggest(
    profile: Profile, candidates: Iterable[Candidate], now: datetime, *, limit: int = 20
) -> list[Suggestion]:
    """The best `limit` activities that break no hard limit, best first; full ones (with a
    waiting list) after the rest."""
    kept = [
        score(profile, candidate, now)
        for candidate in candidates
        if limit_broken(profile, candidate) is None
    ]
    kept.sort(key=lambda s: (s.waiting_list, -s.score, s.next_slot.start, s.candidate.activity_id))
    return kept[:limit]


def _clash(a: Slot, b: Slot) -> bool:
    """Two weekly sessions clash when they share a weekday and their times overlap."""
    if a.weekday != b.weekday:
        return False
    a_end = a.minute + max(1, int((a.end - a.start).total_seconds() // 60))
    b_end = b.minute + max(1, int((b.end - b.start).total_seconds() // 60))
    return a.minute < b_end and b.minute < a_end


def week(suggestions: list[Suggestion], size: int = 3) -> list[Suggestion]:
    """A small set of different kinds whose sessions do not clash: taken in rank order."""
    chosen: list[Suggestion] = []
    for suggestion in suggestions:
        if suggestion.waiting_list:
            continue
        if any(s.kind == suggestion.kind for s in chosen):
            continue
        if any(_clash(s.next_slot, suggestion.next_slot) for s in chosen):
            continue
        chosen.append(suggestion)
        if len(chosen) == size:
            break
    return chosen
