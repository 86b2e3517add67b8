"""The engine: each barrier mapping and the widening bonus move an activity up as intended;
the same inputs always give the same ranking; a week that works has no clashes and says
when each meets as its schedule does; distances are said as people say them; near misses
relax one limit and say which."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from inspiring.directory.taxonomy_data import CATEGORIES, SUPPORT_FEATURES
from inspiring.matching.engine import (
    Listing,
    Suggestion,
    limit_broken,
    miles_label,
    missed,
    relaxations,
    suggest,
    week,
)
from inspiring.matching.rules import CATEGORY_KIND, DEFAULT_BARRIER_FEATURES

from .builders import NOW, candidate, profile, slot


def order(found: list[Suggestion]) -> list[int]:
    return [s.candidate.activity_id for s in found]


@pytest.mark.parametrize(
    ("barrier", "feature"),
    [(b, f) for b, features in DEFAULT_BARRIER_FEATURES.items() for f in features],
)
def test_each_barrier_mapping_lifts_the_activity_that_answers_it(
    barrier: str, feature: str
) -> None:
    # Two activities alike but for one feature (or, for "free", the cost).
    plain = candidate(1, cost="pay_what_you_can")
    helpful = (
        candidate(2, cost="free")
        if feature == "free"
        else candidate(2, cost="pay_what_you_can", features=frozenset({feature}))
    )
    without = suggest(profile(), [plain, helpful], NOW)
    assert order(without) == [1, 2]  # a tie goes to the lower id
    found = suggest(profile(barriers=frozenset({barrier})), [plain, helpful], NOW)
    assert order(found) == [2, 1]
    assert any("helps with" in reason for reason in found[0].reasons)
    assert any(reason.startswith("nothing here for") for reason in found[1].misfits)


def test_the_widening_bonus_prefers_a_new_kind_of_group() -> None:
    choir = candidate(1, categories=frozenset({"music"}))  # a hobby group
    walk = candidate(2, categories=frozenset({"walking"}))  # a sport group
    # They already sing in a choir (a hobby group): the walk is the new kind.
    found = suggest(profile(group_kinds=frozenset({"hobby"})), [choir, walk], NOW)
    assert order(found) == [2, 1]
    assert "a new kind of group for them" in found[0].reasons
    assert "a new kind of group for them" not in found[1].reasons
    # And the other way round.
    assert order(suggest(profile(group_kinds=frozenset({"sport"})), [choir, walk], NOW)) == [1, 2]


def test_interests_distance_and_soonness_count() -> None:
    near, far = candidate(1, miles=0.3), candidate(2, miles=3.0)
    assert order(suggest(profile(max_miles=4.0), [far, near], NOW)) == [1, 2]
    later, sooner = candidate(1, slots=(slot(days=12),)), candidate(2, slots=(slot(days=2),))
    assert order(suggest(profile(), [later, sooner], NOW)) == [2, 1]
    art = candidate(1, categories=frozenset({"arts-and-crafts"}))
    other = candidate(2, categories=frozenset({"faith"}))
    found = suggest(profile(interests=frozenset({"arts-and-crafts"})), [other, art], NOW)
    assert order(found) == [1, 2] and "interested in arts-and-crafts" in found[0].reasons


def test_a_full_activity_comes_after_the_rest_marked_as_a_waiting_list() -> None:
    full = candidate(1, capacity_status="full", features=frozenset({"come-alone-welcome"}))
    open_ = candidate(2)
    found = suggest(profile(barriers=frozenset({"anxiety"})), [full, open_], NOW)
    assert order(found) == [2, 1] and found[1].waiting_list


@pytest.mark.parametrize(
    ("changes", "person", "broken"),
    [
        ({"capacity_status": "paused"}, {}, "paused"),
        ({"stale": True}, {}, "listing not confirmed recently"),
        ({"min_age": 18}, {"age": 16}, "for people 18 and over"),
        ({"max_age": 25}, {"age": 70}, "for people up to 25"),
        ({"features": frozenset({"women-only"})}, {"sex": "male"}, "women only"),
        ({"features": frozenset({"women-only"})}, {"sex": ""}, "women only"),
        ({"features": frozenset({"men-only"})}, {"sex": "female"}, "men only"),
        ({"cost": "priced"}, {"cost_barrier": True}, "costs money"),
        ({"cost": "pay_what_you_can"}, {"only_free": True}, "costs money"),
        ({"miles": 3.0}, {"max_miles": 2.0}, "3 miles away"),
        ({"miles": 2.44}, {"max_miles": 2.0}, "2.4 miles away"),
        ({"miles": 1.0}, {"max_miles": 0.6}, "1 mile away"),
        ({"miles": None}, {"max_miles": 2.0}, "distance not known"),
        ({}, {"availability": {"WE": frozenset({"morning"})}}, "no session when they can go"),
        ({}, {"days": frozenset({"SA"})}, "no session when they can go"),
        ({}, {"category": "music"}, "not the kind of activity asked for"),
    ],
)
def test_each_hard_limit(changes: dict[str, Any], person: dict[str, Any], broken: str) -> None:
    assert limit_broken(profile(**person), candidate(**changes)) == broken
    assert suggest(profile(**person), [candidate(**changes)], NOW) == []


def test_an_online_activity_is_not_held_to_the_distance() -> None:
    online = candidate(online=True, miles=None)
    assert limit_broken(profile(max_miles=0.5), online) is None


def test_the_same_inputs_always_give_the_same_ranking() -> None:
    many = [candidate(n, miles=(n * 7 % 5) / 2, slots=(slot(days=n % 6 + 1),)) for n in range(30)]
    first = order(suggest(profile(), many, NOW))
    assert order(suggest(profile(), list(reversed(many)), NOW)) == first
    assert order(suggest(profile(), many, NOW)) == first


def test_a_week_that_works_takes_different_kinds_at_times_that_do_not_clash() -> None:
    walk = candidate(1, categories=frozenset({"walking"}), slots=(slot(days=1, hour=10),))
    run = candidate(2, categories=frozenset({"sport-and-exercise"}), slots=(slot(days=2),))
    choir = candidate(3, categories=frozenset({"music"}), slots=(slot(days=1, hour=10),))
    talk = candidate(4, categories=frozenset({"learning-and-skills"}), slots=(slot(days=3),))
    lunch = candidate(5, categories=frozenset({"faith"}), slots=(slot(days=4),))
    found = suggest(profile(), [walk, run, choir, talk, lunch], NOW)
    chosen = week(found)
    assert len(chosen) == 3
    kinds = [s.kind for s in chosen]
    assert len(set(kinds)) == 3  # the run (sport, like the walk) is left out
    days = [(s.next_slot.weekday, s.next_slot.minute) for s in chosen]
    assert len(set(days)) == 3  # the choir clashes with the walk: left out
    assert order(chosen) == [1, 4, 5]


def test_every_category_and_barrier_has_an_entry_in_the_tables() -> None:
    assert {slug for slug, *_ in CATEGORIES} == set(CATEGORY_KIND)
    codes = {code for code, *_ in SUPPORT_FEATURES} | {"free"}
    assert {f for features in DEFAULT_BARRIER_FEATURES.values() for f in features} <= codes


@pytest.mark.parametrize(
    ("miles", "said"),
    [(0.6, "0.6 miles"), (1.0, "1 mile"), (1.04, "1 mile"), (2.0, "2 miles"), (2.44, "2.4 miles")],
)
def test_distances_are_said_as_people_say_them(miles: float, said: str) -> None:
    assert miles_label(miles) == said


def test_a_reason_says_one_mile_and_the_card_says_where_once() -> None:
    (found,) = suggest(profile(), [candidate(miles=1.0)], NOW)
    assert "1 mile" in found.reasons  # as the command prints it
    assert found.distance == "1 mile" and "1 mile" not in found.why  # the card: beside the place
    (online,) = suggest(profile(), [candidate(online=True, miles=None)], NOW)
    assert "Online" in online.reasons and "Online" not in online.why and online.distance == ""


def test_near_misses_relax_one_limit_and_say_which() -> None:
    person = profile(max_miles=2.0, availability={"MO": frozenset({"morning"})})
    far = candidate(1, miles=2.4, slots=(slot(days=7, hour=10),))  # a Monday morning
    other_time = candidate(2, miles=0.5, slots=(slot(days=2, hour=19),))  # a Wednesday evening
    assert suggest(person, [far, other_time], NOW) == []
    further_away, any_time = relaxations(person)
    assert further_away == replace(person, max_miles=3.0)
    assert any_time == replace(person, availability={})
    (found,) = suggest(further_away, [far, other_time], NOW)
    assert missed(person, found) == "2.4 miles away, further than 2 miles"
    (found,) = suggest(any_time, [far, other_time], NOW)
    assert missed(person, found) == "Wednesday evenings, not a time they can go"
    # Nothing to relax: no distance, no week.
    assert relaxations(profile()) == []
    assert relaxations(profile(max_miles=5.0))[0].max_miles == 7.5


def test_a_week_says_when_it_meets_as_its_schedule_does() -> None:
    monthly = slot(days=3, hour=11)
    found = Suggestion(
        candidate(slots=(replace(monthly, schedule_id=7),)),
        replace(monthly, schedule_id=7),
        1.0,
        [],
        [],
        False,
        Listing(
            "Memory Cafe Trust",
            "Cafe Hall, Kirkby",
            False,
            ("First Thursday of the month, 11:00 to 12:00", "Every Monday, 14:00 to 15:00"),
            {7: "First Thursday of the month, 11:00 to 12:00", 8: "Every Monday, 14:00 to 15:00"},
        ),
    )
    assert found.meets == "First Thursday of the month, 11:00 to 12:00"
    found.next_slot = monthly  # moved by hand: no schedule, so every one it has
    assert found.meets == (
        "First Thursday of the month, 11:00 to 12:00; Every Monday, 14:00 to 15:00"
    )
