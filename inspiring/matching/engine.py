"""The matching engine: hard limits, then a score, with reasons in plain words.

Pure Python over plain values (no database, no Django): `loading.py` builds the
Profile and Candidates in a fixed number of queries; this module decides. That
keeps it fast, testable with generated inputs (tests/matching/test_properties.py
proves no suggestion breaks a hard limit) and deterministic: the same inputs
always give the same ranking (ties go to the earlier session, then the lower id).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Generic, NamedTuple, TypeVar

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


def miles_label(miles: float) -> str:
    """A distance or a limit as people say it: "0.6 miles", "1 mile", "2 miles", "2.4 miles"."""
    rounded = round(miles, 1)
    number = f"{rounded:.1f}".removesuffix(".0")
    return f"{number} mile" if number == "1" else f"{number} miles"


@dataclass(frozen=True)
class Slot:
    """One upcoming session, as matching sees it (local weekday and time)."""

    start: datetime
    end: datetime
    weekday: int  # Monday 0
    minute: int  # minutes after local midnight
    schedule_id: int | None = None  # the schedule it comes from (None: added by hand)

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


@dataclass(frozen=True)
class Listing:
    """What a card shows of the activity besides the engine's view of it, so that
    activities with the same title can be told apart (loading.identify reads it for the
    few shown). `when` and `schedules` are the directory's own words for its schedules."""

    organiser: str
    place: str  # the venue, or the locality when the address is private, or "Online"
    address_private: bool  # the group does not publish its address: `place` is the locality
    when: tuple[str, ...]  # each schedule still to come: "Every Tuesday, 10:00 to 11:00"
    schedules: Mapping[int, str]  # schedule id -> the same words


@dataclass
class Suggestion:
    candidate: Candidate
    next_slot: Slot
    score: float
    reasons: list[str]
    misfits: list[str]
    waiting_list: bool
    listing: Listing | None = None
    # For a near miss (found with one limit relaxed): what keeps it out, in words.
    missed: str = ""

    @property
    def kind(self) -> str:
        return _kind(self.candidate)

    @property
    def distance(self) -> str:
        """How far it is from their home ("0.8 miles", "on the doorstep"), or ""."""
        found = self.candidate
        return "" if found.online or found.miles is None else _miles_text(found.miles)

    @property
    def why(self) -> list[str]:
        """The reasons, less where it is (the card says that beside the place)."""
        where = _where(self.candidate)
        return [reason for reason in self.reasons if reason != where]

    @property
    def meets(self) -> str:
        """When it meets, as its schedule says it: the schedule of the session chosen
        ("First Thursday of the month, 11:00 to 12:00"), else every schedule it has."""
        if self.listing is None:
            return ""
        chosen = self.listing.schedules.get(self.next_slot.schedule_id or 0)
        return chosen or "; ".join(self.listing.when)


def _kind(candidate: Candidate) -> str:
    return _kind_of(candidate.categories)


@lru_cache(maxsize=4096)
def _kind_of(categories: frozenset[str]) -> str:
    kinds = sorted({CATEGORY_KIND.get(c, "other") for c in categories})
    return kinds[0] if kinds else "other"


def _fits_time(profile: Profile, slot: Slot) -> bool:
    day = DAY_CODES[slot.weekday]
    if profile.days and day not in profile.days:
        return False
    if not profile.availability:
        return True
    return slot.part in profile.availability.get(day, frozenset())


def static_limit_broken(profile: Profile, candidate: Candidate) -> str | None:
    """The first hard limit the activity itself breaks, whenever it meets (in words), or
    None. Every limit but the time of its sessions; never relaxed."""
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
            return f"{miles_label(candidate.miles)} away"
    if profile.category and profile.category not in candidate.categories:
        return "not the kind of activity asked for"
    return None


def limit_broken(profile: Profile, candidate: Candidate) -> str | None:
    """The first hard limit the activity breaks (in words), or None. Never relaxed."""
    broken = static_limit_broken(profile, candidate)
    if broken is None and not any(_fits_time(profile, slot) for slot in candidate.slots):
        return "no session when they can go"
    return broken


def _miles_text(miles: float) -> str:
    if miles < 0.1:
        return "on the doorstep"
    return miles_label(miles)


def _where(candidate: Candidate) -> str | None:
    """The reason that says where it is: "Online", or its distance."""
    if candidate.online:
        return "Online"
    return None if candidate.miles is None else _miles_text(candidate.miles)


def further(miles: float) -> float:
    """How far near misses are looked for beyond a travel limit: half as far again, and
    at least a mile more (2 miles: up to 3; 5 miles: up to 7.5)."""
    return max(miles * 1.5, miles + 1)


def relaxations(profile: Profile) -> list[Profile]:
    """The profiles near misses are found with when nothing fits: each relaxes one limit
    a conversation could change (a little further away; another time of the days looked
    at), and nothing else: never their age, who a group is for, what they can afford, a
    paused or long-unconfirmed listing, or what the link worker narrowed the search to.
    What each finds that `profile` does not, it finds for that one reason (missed())."""
    found = []
    if profile.max_miles is not None:
        found.append(replace(profile, max_miles=further(profile.max_miles)))
    if profile.availability:
        found.append(replace(profile, availability={}))
    return found


def missed(profile: Profile, suggestion: Suggestion) -> str:
    """What keeps an activity found with a limit relaxed (a near miss) from being
    suggested to `profile`, in words: "2.4 miles away, further than 2 miles",
    "Saturday afternoons, not a time they can go"."""
    found = suggestion.candidate
    if (
        profile.max_miles is not None
        and not found.online
        and found.miles is not None
        and found.miles > profile.max_miles
    ):
        return f"{miles_label(found.miles)} away, further than {miles_label(profile.max_miles)}"
    if not _fits_time(profile, suggestion.next_slot):
        slot = suggestion.next_slot
        return f"{DAY_NAMES[slot.weekday]} {slot.part}s, not a time they can go"
    return limit_broken(profile, found) or ""


def _fit(
    profile: Profile,
    categories: frozenset[str],
    features: frozenset[str],
    cost: str,
    reasons: list[str] | None = None,
    misfits: list[str] | None = None,
) -> float:
    """Points for what the activity is (interests served, barriers answered, a new kind
    of group), saying why when asked. The same for every activity with these categories,
    features and cost: Bound works it out once for each such combination."""
    points = 0.0
    matched = profile.interests & categories
    if matched:
        points += WEIGHTS["interest"] * min(len(matched), 2)
        if reasons is not None:
            names = [profile.category_labels.get(slug, slug).lower() for slug in sorted(matched)]
            reasons.append("interested in " + " and ".join(names))
    elif profile.interests and misfits is not None:
        misfits.append("not one of their interests")

    if profile.barriers:
        offered = features | {FREE} if cost == "free" else features
        for barrier in sorted(profile.barriers):
            answering = profile.barrier_features.get(barrier, frozenset())
            answers = answering & offered
            if answers:
                points += WEIGHTS["barrier"]
            if reasons is None or misfits is None:
                continue
            label = profile.barrier_labels.get(barrier, barrier).lower()
            if answers:
                feature = min(answers)
                name = "free" if feature == FREE else profile.feature_labels.get(feature, feature)
                reasons.append(f"'{name.lower()}' helps with {label}")
            elif answering:
                misfits.append(f"nothing here for {label}")

    if _kind_of(categories) not in profile.group_kinds:
        points += WEIGHTS["widening"]
        if reasons is not None:
            reasons.append("a new kind of group for them")
    return points


def _near(profile: Profile, miles: float | None, online: bool) -> float:
    """Points for being near: all of them at the door, none at the edge of their travel."""
    if online or miles is None:
        return 0.0
    limit = profile.max_miles if profile.max_miles else 5.0
    return WEIGHTS["near"] * max(0.0, 1 - miles / max(limit, 0.1))


def _soon(first: Slot, now: datetime) -> float:
    days_away = (first.start - now).total_seconds() / 86400
    if days_away <= 7:
        return WEIGHTS["soon"]
    if days_away <= 14:
        return WEIGHTS["soon"] / 2
    return 0.0


def _total(
    soon: float, fit: float, confirmed_days: int, capacity_status: str, near: float
) -> float:
    """The score from its parts, always added in this order, so that Bound (the same
    sum with the most `soon` can be) is never below the score, in floating point too."""
    points = soon + fit
    if confirmed_days <= 90:
        points += WEIGHTS["confirmed"]
    if capacity_status == "welcoming":
        points += WEIGHTS["spaces"]
    return round(points + near, 3)


def score(profile: Profile, candidate: Candidate, now: datetime) -> Suggestion:
    """Score an activity that passes every hard limit, saying why and what did not fit."""
    first = next(slot for slot in candidate.slots if _fits_time(profile, slot))
    reasons: list[str] = []
    misfits: list[str] = []
    if candidate.cost == "free":
        reasons.append("Free")
    elif candidate.cost == "pay_what_you_can":
        reasons.append("Pay what you can")
    where = _where(candidate)
    if where is not None:
        reasons.append(where)
    if profile.availability:
        reasons.append(f"{DAY_NAMES[first.weekday]} {first.part}s suit them")
    fit = _fit(profile, candidate.categories, candidate.features, candidate.cost, reasons, misfits)
    if candidate.confirmed_days > 90:
        misfits.append(f"listing last confirmed {candidate.confirmed_days} days ago")
    if candidate.capacity_status == "limited":
        misfits.append("limited spaces")
    elif candidate.capacity_status == "full":
        misfits.append("full: waiting list")
    total = _total(
        _soon(first, now),
        fit,
        candidate.confirmed_days,
        candidate.capacity_status,
        _near(profile, candidate.miles, candidate.online),
    )
    return Suggestion(
        candidate, first, total, reasons, misfits, candidate.capacity_status == "full"
    )


class Bound:
    """The most an activity could score for `profile` whenever it meets (its next session
    assumed within the week): never below its score. For many activities: the points for
    what an activity is are worked out once for each combination of categories, features
    and cost."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.fits: dict[tuple[frozenset[str], frozenset[str], bool], float] = {}

    def __call__(
        self,
        categories: frozenset[str],
        features: frozenset[str],
        cost: str,
        confirmed_days: int,
        capacity_status: str,
        miles: float | None,
        online: bool,
    ) -> float:
        key = (categories, features, cost == "free")
        fit = self.fits.get(key)
        if fit is None:
            fit = self.fits[key] = _fit(self.profile, categories, features, cost)
        near = _near(self.profile, miles, online)
        return _total(WEIGHTS["soon"], fit, confirmed_days, capacity_status, near)

    def of(self, candidate: Candidate) -> float:
        return self(
            candidate.categories,
            candidate.features,
            candidate.cost,
            candidate.confirmed_days,
            candidate.capacity_status,
            candidate.miles,
            candidate.online,
        )


def upper_bound(profile: Profile, candidate: Candidate) -> float:
    """The most `candidate` could score whenever it meets: never below score(...).score."""
    return Bound(profile).of(candidate)


def rank(suggestion: Suggestion) -> tuple[bool, float, datetime, int]:
    """The order suggestions are shown in: open before full, the best score, the
    earlier session, then the lower id."""
    return (
        suggestion.waiting_list,
        -suggestion.score,
        suggestion.next_slot.start,
        suggestion.candidate.activity_id,
    )


def suggest(
    profile: Profile, candidates: Iterable[Candidate], now: datetime, *, limit: int = 20
) -> list[Suggestion]:
    """The best `limit` activities that break no hard limit, best first; full ones (with a
    waiting list) after the rest. The reference: every candidate with all its sessions."""
    kept = [
        score(profile, candidate, now)
        for candidate in candidates
        if limit_broken(profile, candidate) is None
    ]
    kept.sort(key=rank)
    return kept[: max(limit, 0)]


SlotLoader = Callable[[list[Candidate]], Mapping[int, tuple[Slot, ...]]]
Source = TypeVar("Source")


class Prospect(NamedTuple, Generic[Source]):
    """A candidate not yet read in full. Compared as a tuple, by its first three fields:
    open before full, best bound first, then the activity id (unique, so `source` is
    never compared and needs no order)."""

    full: bool
    minus_bound: float  # minus the most it could score (Bound), so the best sorts first
    activity_id: int
    source: Source  # what the Candidate is built from (select's `make`)


# How many of the most promising activities have their sessions read at a time: most
# people's top 20 are settled by the first batch; the last takes all the rest.
BATCHES = (100, 500)


def select(
    profile: Profile,
    prospects: list[Prospect[Source]],
    make: Callable[[Source], Candidate],
    load_slots: SlotLoader,
    now: datetime,
    *,
    limit: int = 20,
    batches: tuple[int, ...] = BATCHES,
) -> list[Suggestion]:
    """The same as suggest(), building candidates and reading their sessions only for
    the activities that could make the top `limit`: the prospects are taken in order of
    the most each could score (Bound), a batch at a time (`load_slots` is called at most
    len(batches) + 1 times), stopping once the `limit`-th suggestion found so far ranks
    strictly above the best any prospect left could reach."""
    return select_paged(
        profile, iter([(prospects, None)]), make, load_slots, now, limit=limit, batches=batches
    )


# The best any prospect not given yet could be, as (full, minus its bound): every one
# still to come is no better. None: none are still to come.
Ceiling = tuple[bool, float] | None
Page = tuple[list[Prospect[Source]], Ceiling]


def select_paged(
    profile: Profile,
    pages: Iterator[Page[Source]],
    make: Callable[[Source], Candidate],
    load_slots: SlotLoader,
    now: datetime,
    *,
    limit: int = 20,
    batches: tuple[int, ...] = BATCHES,
) -> list[Suggestion]:
    """select() over prospects given a page at a time, best first (the match index's
    walk): each page comes with its ceiling, the best any prospect of a later page could
    be. A page is asked for only when one of its prospects could still make the top
    `limit`; the prospects already given are judged a batch at a time as by select()
    (after the batches, all that are left at once)."""
    if limit <= 0:
        return []
    heap: list[Prospect[Source]] = []
    kept: list[Suggestion] = []
    sizes = iter(batches)
    ceiling: Ceiling = (False, float("-inf"))  # nothing read yet: read first

    while True:
        best: tuple[bool, float] | None = (heap[0].full, heap[0].minus_bound) if heap else None
        unread_first = ceiling is not None and (best is None or best >= ceiling)
        if unread_first:
            best = ceiling
        if best is None:
            return kept
        if len(kept) == limit:
            worst = kept[-1]
            if (worst.waiting_list, -worst.score) < best:
                return kept
        if unread_first:
            found, ceiling = next(pages, ([], None))
            for entry in found:
                heapq.heappush(heap, entry)
            continue
        size = next(sizes, None)
        count = len(heap) if size is None else min(size, len(heap))
        taken = [heapq.heappop(heap) for _ in range(count)]
        _judge(profile, [make(entry.source) for entry in taken], load_slots, now, kept, limit)


def _judge(
    profile: Profile,
    batch: list[Candidate],
    load_slots: SlotLoader,
    now: datetime,
    kept: list[Suggestion],
    limit: int,
) -> None:
    """Score the batch's candidates that break no limit into `kept`: the best `limit`
    so far, in order."""
    batch = [c for c in batch if static_limit_broken(profile, c) is None]
    slots = load_slots(batch) if batch else {}
    for candidate in batch:
        found = replace(candidate, slots=slots.get(candidate.activity_id, ()))
        if any(_fits_time(profile, slot) for slot in found.slots):
            kept.append(score(profile, found, now))
    kept.sort(key=rank)
    del kept[limit:]


def suggest_lazily(
    profile: Profile,
    candidates: Iterable[Candidate],
    load_slots: SlotLoader,
    now: datetime,
    *,
    limit: int = 20,
    batches: tuple[int, ...] = BATCHES,
) -> list[Suggestion]:
    """select() over candidates given whole, without their sessions."""
    bound = Bound(profile)
    prospects = [
        Prospect(c.capacity_status == "full", -bound.of(c), c.activity_id, c) for c in candidates
    ]
    return select(profile, prospects, lambda c: c, load_slots, now, limit=limit, batches=batches)


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
