"""From the database to the engine: the limits pushed into SQL keep exactly what the
engine would keep, and the sessions read are the ones the engine would choose."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from inspiring.directory.materialise import materialise_all
from inspiring.matching.engine import DAY_CODES, _fits_time
from inspiring.matching.loading import activities, candidates, client_profile, slot_loader
from inspiring.matching.service import suggestions_for
from tests.casework.conftest import Casework
from tests.directory.builders import activity, organisation, venue, weekly
from tests.matching.builders import profile
from tests.personas import Personas

from .test_views import assess

pytestmark = pytest.mark.django_db


def test_sessions_are_read_for_the_times_the_person_can_go(
    casework: Casework, personas: Personas
) -> None:
    """At the edges of the day's parts (11:59 morning, 12:00 afternoon, 16:59, 17:00
    evening) and on chosen days, the SQL filter keeps what the engine's rule keeps."""
    group = organisation(personas.ashfield, "Clock Club")
    hall = venue(group, "Clock Hall", "NG17 7AE")
    today = timezone.localdate()
    for day, (hour, minute) in zip(
        ("MO", "TU", "WE", "TH", "FR", "SA"),
        ((11, 59), (12, 0), (16, 59), (17, 0), (0, 0), (23, 30)),
        strict=True,
    ):
        item = activity(group, f"Club {day} {hour}:{minute:02}", at=hall)
        start = time(hour, minute)
        end = time(23, 59) if hour >= 23 else time(hour + 1, minute)
        weekly(item, day, start, end, from_date=today)
    materialise_all()
    now = timezone.now()
    people = [
        profile(),
        profile(availability={"MO": frozenset({"morning"}), "TU": frozenset({"afternoon"})}),
        profile(availability={"WE": frozenset({"afternoon"}), "TH": frozenset({"evening"})}),
        profile(availability={"FR": frozenset({"morning", "evening"})}),
        profile(availability={"SA": frozenset({"evening"})}, days=frozenset({"SA", "SU"})),
        profile(days=frozenset({"MO", "WE"})),
        profile(availability={"TU": frozenset({"morning"})}, days=frozenset({"WE"})),
    ]
    for person in people:
        every = candidates(casework.mary.area, person, home=None, now=now)
        expected = {
            c.activity_id: next(s for s in c.slots if _fits_time(person, s))
            for c in every
            if any(_fits_time(person, s) for s in c.slots)
        }
        read = slot_loader(person, now, None)  # type: ignore[arg-type]
        found = read(every)
        assert {pk: slots[0] for pk, slots in found.items()} == expected, person
        assert all(len(slots) == 1 for slots in found.values())
        days = {DAY_CODES[slots[0].weekday] for slots in found.values()}
        assert not person.days or days <= person.days


def test_reach_is_a_circle_and_online_activities_are_always_in_it(
    casework: Casework, personas: Personas
) -> None:
    """The bounding box is only the index's cut: a venue in its corner, outside the
    person's travel, is left out; an online activity is in reach wherever it is run from."""
    mary = casework.mary  # lives at NG17 7AE
    assess(mary, max_travel_miles=1)
    group = organisation(personas.ashfield, "Reach Test")
    today = timezone.localdate()
    corner = venue(group, "Corner", "NG17 7AE")
    # 0.9 miles north and 0.9 miles east: inside the 1-mile box, 1.27 miles away.
    corner.latitude += 0.9 / 69.09
    corner.longitude += 0.9 / (69.09 * 0.6)
    corner.save()
    far = venue(group, "Far", "NG24 1AA")  # Newark: well beyond a mile
    boxed = activity(group, "In the corner", at=corner)
    online = activity(group, "Online quiz", at=far, online=True)
    for item in (boxed, online):
        weekly(item, "WE", time(10), time(11), from_date=today)
    materialise_all()
    built = client_profile(mary)
    pool = activities(mary.area, built.profile, home=built.home, now=timezone.now())
    ids = {entry[2] for entry in pool.prospects}
    assert online.pk in ids and boxed.pk not in ids
    assert casework.walk.pk in ids  # at her own postcode
    suggested = {s.candidate.activity_id for s in suggestions_for(mary).suggestions}
    assert online.pk in suggested and casework.walk.pk in suggested


def test_the_sql_limits_keep_what_the_engine_keeps(casework: Casework, personas: Personas) -> None:
    """Age, cost and the listing's last confirmation, at their edges: what SQL leaves out
    the engine would have left out too (and the engine checks what SQL keeps)."""
    from django.conf import settings

    mary = casework.mary
    assess(mary, max_travel_miles=5, barriers=["cost"])
    group = organisation(personas.ashfield, "Edges")
    hall = venue(group, "Edge Hall", "NG17 7AE")
    today = timezone.localdate()
    now = timezone.now()
    stale = settings.LISTING_STALE_DAYS
    made = {
        "priced": activity(group, "Priced", at=hall, cost="priced", price=3),
        "pwyc": activity(group, "Pay what you can", at=hall, cost="pay_what_you_can"),
        "old": activity(group, "Old listing", at=hall),
        "just_stale": activity(group, "Just stale", at=hall),
        "edge": activity(group, "Confirmed at the edge", at=hall),
        "adults": activity(group, "Over 90s", at=hall, min_age=90),
    }
    made["old"].last_confirmed_at = now - timedelta(days=stale + 2)
    made["old"].save()
    # SQL keeps a day's margin (the engine counts whole days): the engine leaves it out.
    made["just_stale"].last_confirmed_at = now - timedelta(days=stale + 1)
    made["just_stale"].save()
    made["edge"].last_confirmed_at = now - timedelta(days=stale, hours=23)
    made["edge"].save()
    for item in made.values():
        weekly(item, "WE", time(10), time(11), from_date=today)
    materialise_all()
    built = client_profile(mary)
    pool = activities(mary.area, built.profile, home=built.home, now=now)
    ids = {entry[2] for entry in pool.prospects}
    assert made["pwyc"].pk in ids and made["edge"].pk in ids
    assert not ids & {made["priced"].pk, made["old"].pk, made["adults"].pk}
    suggested = {s.candidate.activity_id for s in suggestions_for(mary, now=now).suggestions}
    assert made["edge"].pk in suggested and made["pwyc"].pk in suggested
    assert made["just_stale"].pk in ids and made["just_stale"].pk not in suggested


@pytest.mark.parametrize("travel", [None, 1])
def test_a_long_list_reads_its_sessions_by_the_query_that_chose_it(
    casework: Casework, personas: Personas, monkeypatch: pytest.MonkeyPatch, travel: int | None
) -> None:
    """Past IN_LIMIT ids, the sessions are read by the query that chose the activities
    (built only then): the same suggestions as by their ids, with or without a travel
    limit (the venues in reach, then the online ones)."""
    mary = casework.mary
    assess(mary, max_travel_miles=travel)
    group = organisation(personas.ashfield, "Long List")
    today = timezone.localdate()
    far = venue(group, "Far", "NG24 1AA")  # Newark
    for n, (at, online) in enumerate(((far, False), (far, True), (casework.walk.venue, False))):
        item = activity(group, f"Listed {n}", at=at, online=online)
        weekly(item, "WE", time(10 + n), time(11 + n), from_date=today)
    materialise_all()
    now = timezone.now()
    by_ids = [
        (s.candidate.activity_id, s.score) for s in suggestions_for(mary, now=now).suggestions
    ]
    monkeypatch.setattr("inspiring.matching.loading.IN_LIMIT", 0)
    by_query = [
        (s.candidate.activity_id, s.score) for s in suggestions_for(mary, now=now).suggestions
    ]
    assert by_query == by_ids and len(by_ids) == (3 if travel else 4)
