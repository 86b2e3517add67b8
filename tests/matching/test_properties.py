"""Property-based: for any person and any activities, no suggestion breaks a hard limit.

The check below is written independently of the engine (from the issue's list of
hard limits), so a bug in `engine.limit_broken` cannot hide itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from inspiring.matching.engine import (
    DAY_CODES,
    Bound,
    Candidate,
    Profile,
    Prospect,
    Slot,
    limit_broken,
    miles_label,
    missed,
    relaxations,
    score,
    select_paged,
    suggest,
    suggest_lazily,
    upper_bound,
    week,
)

from .builders import NOW, candidate, profile

CATEGORY_SLUGS = ["music", "walking", "faith", "carers", "digital-skills", "cooking-and-food"]
FEATURES = ["women-only", "men-only", "come-alone-welcome", "step-free", "small-group", "outdoors"]
PARTS = ["morning", "afternoon", "evening"]


@st.composite
def slots(draw: st.DrawFn) -> Slot:
    start = NOW + timedelta(
        days=draw(st.integers(0, 40)), minutes=draw(st.integers(0, 24 * 60 - 1))
    )
    length = timedelta(minutes=draw(st.integers(15, 240)))
    minute = start.hour * 60 + start.minute
    return Slot(start, start + length, start.weekday(), minute)


@st.composite
def candidates(draw: st.DrawFn, activity_id: int) -> Candidate:
    min_age = draw(st.none() | st.integers(0, 80))
    max_age = draw(st.none() | st.integers(min_age or 0, 100))
    online = draw(st.booleans())
    return candidate(
        activity_id,
        categories=frozenset(draw(st.sets(st.sampled_from(CATEGORY_SLUGS), max_size=3))),
        features=frozenset(draw(st.sets(st.sampled_from(FEATURES), max_size=3))),
        cost=draw(st.sampled_from(["free", "pay_what_you_can", "priced"])),
        min_age=min_age,
        max_age=max_age,
        capacity_status=draw(st.sampled_from(["welcoming", "limited", "full", "paused"])),
        miles=None if online else draw(st.none() | st.floats(0, 20)),
        confirmed_days=draw(st.integers(0, 400)),
        stale=draw(st.booleans()),
        online=online,
        slots=tuple(sorted(draw(st.lists(slots(), min_size=1, max_size=6)), key=lambda s: s.start)),
    )


@st.composite
def people(draw: st.DrawFn) -> Profile:
    availability = draw(
        st.dictionaries(
            st.sampled_from(DAY_CODES),
            st.frozensets(st.sampled_from(PARTS), min_size=1),
            max_size=7,
        )
    )
    return profile(
        age=draw(st.none() | st.integers(16, 100)),
        sex=draw(st.sampled_from(["female", "male", "prefer_not", ""])),
        availability=availability,
        max_miles=draw(st.none() | st.floats(0.1, 10)),
        cost_barrier=draw(st.booleans()),
        barriers=frozenset(draw(st.sets(st.sampled_from(["cost", "anxiety", "mobility"])))),
        interests=frozenset(draw(st.sets(st.sampled_from(CATEGORY_SLUGS), max_size=2))),
        group_kinds=frozenset(draw(st.sets(st.sampled_from(["hobby", "sport", "faith"])))),
        only_free=draw(st.booleans()),
        days=frozenset(draw(st.sets(st.sampled_from(DAY_CODES), max_size=3))),
        category=draw(st.sampled_from(["", *CATEGORY_SLUGS])),
    )


def _part(minute: int) -> str:
    return "morning" if minute < 720 else "afternoon" if minute < 1020 else "evening"


def _may_go(person: Profile, slot: Slot) -> bool:
    day = DAY_CODES[slot.weekday]
    if person.days and day not in person.days:
        return False
    return not person.availability or _part(slot.minute) in person.availability.get(day, ())


def assert_within_limits(person: Profile, chosen: Candidate, next_slot: Slot) -> None:
    assert chosen.capacity_status != "paused"
    assert not chosen.stale
    if person.age is not None:
        assert chosen.min_age is None or person.age >= chosen.min_age
        assert chosen.max_age is None or person.age <= chosen.max_age
    if "women-only" in chosen.features:
        assert person.sex == "female"
    if "men-only" in chosen.features:
        assert person.sex == "male"
    if person.only_free:
        assert chosen.cost == "free"
    if person.cost_barrier:
        assert chosen.cost in ("free", "pay_what_you_can")
    if person.max_miles is not None and not chosen.online:
        assert chosen.miles is not None and chosen.miles <= person.max_miles
    if person.category:
        assert person.category in chosen.categories
    assert next_slot in chosen.slots and _may_go(person, next_slot)


@settings(max_examples=200, deadline=None)
@given(person=people(), data=st.data())
def test_no_suggestion_ever_breaks_a_hard_limit(person: Profile, data: st.DataObject) -> None:
    pool = [data.draw(candidates(n)) for n in range(data.draw(st.integers(0, 12)))]
    found = suggest(person, pool, NOW)
    for suggestion in found:
        assert_within_limits(person, suggestion.candidate, suggestion.next_slot)
    # Full activities (waiting lists) only after every open one.
    flags = [s.waiting_list for s in found]
    assert flags == sorted(flags)
    # The same inputs, in any order, give the same ranking.
    again = suggest(person, list(reversed(pool)), NOW)
    assert [s.candidate.activity_id for s in again] == [s.candidate.activity_id for s in found]
    # A week that works: a subset, of different kinds, none on a waiting list.
    chosen = week(found)
    assert all(s in found and not s.waiting_list for s in chosen)
    assert len({s.kind for s in chosen}) == len(chosen)


@settings(max_examples=200, deadline=None)
@given(person=people(), data=st.data())
def test_reading_sessions_lazily_gives_the_same_ranking(
    person: Profile, data: st.DataObject
) -> None:
    """suggest_lazily (sessions read a batch at a time, for the most promising activities
    only) ranks exactly as the reference suggest() over every candidate and session."""
    pool = [data.draw(candidates(n)) for n in range(data.draw(st.integers(0, 30)))]
    limit = data.draw(st.integers(0, 8))
    batches = tuple(data.draw(st.lists(st.integers(1, 6), max_size=3)))
    sessions = {c.activity_id: c.slots for c in pool}
    calls: list[list[int]] = []

    def load(batch: list[Candidate]) -> dict[int, tuple[Slot, ...]]:
        calls.append([c.activity_id for c in batch])
        return {c.activity_id: sessions[c.activity_id] for c in batch}

    bare = [replace(c, slots=()) for c in pool]
    lazily = suggest_lazily(person, bare, load, NOW, limit=limit, batches=batches)
    reference = suggest(person, pool, NOW, limit=limit)
    assert [(s.candidate.activity_id, s.score, s.next_slot) for s in lazily] == [
        (s.candidate.activity_id, s.score, s.next_slot) for s in reference
    ]
    assert [s.reasons for s in lazily] == [s.reasons for s in reference]
    assert len(calls) <= len(batches) + 1
    read = [pk for batch in calls for pk in batch]
    assert len(read) == len(set(read)), "an activity's sessions were read twice"


@settings(max_examples=200, deadline=None)
@given(person=people(), data=st.data())
def test_reading_prospects_a_page_at_a_time_gives_the_same_ranking(
    person: Profile, data: st.DataObject
) -> None:
    """select_paged (prospects given best first a page at a time, as the match index's
    walk gives them, each page with a ceiling no lower than anything after it) ranks
    exactly as the reference."""
    pool = [data.draw(candidates(n)) for n in range(data.draw(st.integers(0, 30)))]
    limit = data.draw(st.integers(0, 8))
    batches = tuple(data.draw(st.lists(st.integers(1, 6), max_size=3)))
    sessions = {c.activity_id: c.slots for c in pool}
    bound = Bound(person)
    # The walk's order is by a bound from above (SQL's): here the engine's, raised by a
    # drawn amount, which pages must be cut by (the true bounds may then be out of order).
    raised = {
        c.activity_id: bound.of(c) + data.draw(st.sampled_from([0, 0, 0.25, 1.5])) for c in pool
    }
    walked = sorted(
        pool, key=lambda c: (c.capacity_status == "full", -raised[c.activity_id], c.activity_id)
    )
    cuts = sorted(data.draw(st.lists(st.integers(0, len(walked)), max_size=4)))
    pages = []
    start = 0
    for end in [*cuts, len(walked)]:
        page = walked[start:end]
        later = walked[end:]
        ceiling = (
            (later[0].capacity_status == "full", -raised[later[0].activity_id]) if later else None
        )
        prospects = [
            Prospect(c.capacity_status == "full", -bound.of(c), c.activity_id, replace(c, slots=()))
            for c in page
        ]
        pages.append((prospects, ceiling))
        start = end
        if ceiling is None:
            break

    def given_pages() -> Iterator[tuple[list[Prospect[Candidate]], tuple[bool, float] | None]]:
        yield from pages

    def load(batch: list[Candidate]) -> dict[int, tuple[Slot, ...]]:
        return {c.activity_id: sessions[c.activity_id] for c in batch}

    paged = select_paged(
        person, given_pages(), lambda c: c, load, NOW, limit=limit, batches=batches
    )
    reference = suggest(person, pool, NOW, limit=limit)
    assert [(s.candidate.activity_id, s.score, s.next_slot) for s in paged] == [
        (s.candidate.activity_id, s.score, s.next_slot) for s in reference
    ]
    assert [s.reasons for s in paged] == [s.reasons for s in reference]


@settings(max_examples=300, deadline=None)
@given(person=people(), data=st.data())
def test_the_bound_is_never_below_the_score(person: Profile, data: st.DataObject) -> None:
    chosen = data.draw(candidates(1))
    if limit_broken(person, chosen) is None:
        assert upper_bound(person, chosen) >= score(person, chosen, NOW).score


@settings(max_examples=200, deadline=None)
@given(person=people(), data=st.data())
def test_a_near_miss_misses_only_the_limit_relaxed_and_says_so(
    person: Profile, data: st.DataObject
) -> None:
    """When nothing fits, each relaxation changes one limit a conversation could change
    (a little further away, or another time of the days looked at), keeps every other,
    and what it finds misses that limit, in words."""
    pool = [data.draw(candidates(n)) for n in range(data.draw(st.integers(0, 12)))]
    if suggest(person, pool, NOW):
        return
    for relaxed in relaxations(person):
        further = relaxed.max_miles != person.max_miles
        assert relaxed == (
            replace(person, max_miles=relaxed.max_miles)
            if further
            else replace(person, availability={})
        )
        for near in suggest(relaxed, pool, NOW):
            assert_within_limits(relaxed, near.candidate, near.next_slot)
            said = missed(person, near)
            if further:
                assert person.max_miles is not None and near.candidate.miles is not None
                assert person.max_miles < near.candidate.miles <= (relaxed.max_miles or 0)
                assert said.endswith(f"away, further than {miles_label(person.max_miles)}")
            else:
                assert said.endswith("s, not a time they can go"), said
