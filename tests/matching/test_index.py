"""Matching's index (inspiring/matching/index.py): every write keeps it exact, its SQL
bound is never below the engine's, a row past its span hides nothing, and the check
command finds what a forgetful path leaves."""

from __future__ import annotations

import itertools
from datetime import time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from inspiring.directory.materialise import materialise_activity, materialise_all
from inspiring.directory.models import Activity, Category, Session, SupportFeature
from inspiring.directory.models.schedules import activities_changed
from inspiring.matching import index
from inspiring.matching.loading import Prospects, Taxonomy, activities, client_profile, indexed
from inspiring.matching.models import MatchEntry
from inspiring.matching.service import suggestions_for
from lib.geo import box_around, miles_between
from tests.casework.conftest import Casework
from tests.directory.builders import activity, organisation, venue, weekly
from tests.personas import Personas

from .test_views import assess

pytestmark = pytest.mark.django_db


def exact() -> None:
    assert index.differences() == []


def test_each_write_keeps_the_index_exact(casework: Casework, personas: Personas) -> None:
    group = organisation(personas.ashfield, "Index Club")
    hall = venue(group, "Index Hall", "NG17 7AE")
    item = activity(group, "Index night", at=hall)
    schedule = weekly(item, "TU", time(19), time(20), from_date=timezone.localdate())
    materialise_all()
    exact()
    entry = MatchEntry.objects.get(activity=item)
    assert entry.times == index.time_bit(1, 19 * 60)  # Tuesday evenings

    item.title, item.cost, item.price = "Index nights", "priced", 3
    item.capacity_status = "limited"
    item.save()
    exact()
    music, walking = Category.objects.get(slug="music"), Category.objects.get(slug="walking")
    item.categories.add(music)
    exact()
    walking.activities.add(item)  # from the other side
    exact()
    item.categories.remove(music)
    exact()
    walking.activities.clear()
    exact()
    item.support_features.set(SupportFeature.objects.filter(code__in=["step-free", "bsl"]))
    exact()
    item.support_features.clear()
    exact()

    hall.latitude += 0.01
    hall.save()
    exact()

    first = Session.objects.filter(activity=item).order_by("start").first()
    assert first is not None
    first.status = Session.Status.CANCELLED
    first.save()
    exact()

    schedule.start_time, schedule.end_time = time(10), time(11)
    schedule.save()
    materialise_activity(item)
    exact()
    assert MatchEntry.objects.get(activity=item).times == index.time_bit(1, 10 * 60)

    item.status = Activity.Status.WITHDRAWN
    item.save()
    materialise_activity(item)
    exact()
    assert not MatchEntry.objects.filter(activity=item).exists()
    item.status = Activity.Status.PUBLISHED
    item.save()
    materialise_activity(item)
    exact()

    # A product path writing in bulk says so (the feed import, the demo).
    Activity.objects.filter(pk=item.pk).update(capacity_status="paused")
    activities_changed.send(sender=Activity, activity_ids=[item.pk])
    exact()
    item.delete()
    exact()


@pytest.mark.stale_index
def test_the_check_command_finds_a_row_a_path_forgot_and_rebuild_mends_it(
    casework: Casework,
) -> None:
    call_command("match_index", "check", stdout=StringIO())
    MatchEntry.objects.filter(activity=casework.walk).update(cost="priced")  # a forgetful path
    errors = StringIO()
    with pytest.raises(CommandError, match="differs from the records for 1 activities"):
        call_command("match_index", "check", stdout=StringIO(), stderr=errors)
    assert f"activity {casework.walk.pk}: differs in cost" in errors.getvalue()
    out = StringIO()
    call_command("match_index", "rebuild", stdout=out)
    assert "Wrote matching's index" in out.getvalue()
    call_command("match_index", "check", stdout=StringIO())


def test_the_first_migrate_after_the_index_came_writes_it(casework: Casework) -> None:
    MatchEntry.objects.all().delete()
    index._after_migrate(sender=None, verbosity=0)
    exact()
    assert MatchEntry.objects.filter(activity=casework.walk).exists()


def test_a_row_past_its_span_is_not_narrowed_by_time(casework: Casework) -> None:
    """A row whose times of week were worked out long ago (the nightly run missed) is
    read as if it could meet any time: it is checked against its sessions, never hidden."""
    mary = casework.mary
    # Mornings on any day: the walk is on Tuesday mornings.
    assess(mary, availability={day: ["morning"] for day in ("MO", "TU", "WE", "TH", "FR")})
    found = {s.candidate.activity_id for s in suggestions_for(mary).suggestions}
    assert casework.walk.pk in found
    long_ago = timezone.localdate() - timedelta(days=60)
    MatchEntry.objects.filter(activity=casework.walk).update(
        times=0, times_from=long_ago, times_until=long_ago + index.TIMES_SPAN
    )
    assert casework.walk.pk in {s.candidate.activity_id for s in suggestions_for(mary).suggestions}
    # The same row worked out today would hide it: a span that holds the window is used.
    MatchEntry.objects.filter(activity=casework.walk).update(
        times=0, times_from=timezone.localdate(), times_until=index.span()[1]
    )
    assert casework.walk.pk not in {
        s.candidate.activity_id for s in suggestions_for(mary).suggestions
    }
    index.refresh([casework.walk.pk])


def test_the_sql_bound_is_never_below_the_engines(casework: Casework, personas: Personas) -> None:
    """For many people (interests, barriers, groups, travel, a home or none), every row the
    walk gives has an SQL bound at least the engine's Bound, and the rows come in the
    order of the SQL bound."""
    group = organisation(personas.ashfield, "Bound Club")
    places = [
        venue(group, f"Hall {n}", code)
        for n, code in enumerate(["NG17 7AE", "NG17 5AA", "NG18 1AA", "NG24 1AA"])
    ]
    categories = list(Category.objects.all())
    features = list(SupportFeature.objects.all())
    today = timezone.localdate()
    for n, (place, cost, capacity) in enumerate(
        itertools.product(
            places, ["free", "pay_what_you_can", "priced"], ["welcoming", "limited", "full"]
        )
    ):
        extra: dict[str, Any] = {"price": 2} if cost == "priced" else {}
        item = activity(group, f"Bound {n}", at=place, cost=cost, online=n % 7 == 0, **extra)
        item.capacity_status = capacity
        item.last_confirmed_at = timezone.now() - timedelta(days=(n * 13) % 200)
        item.save()
        item.categories.set(categories[n % len(categories) :: 5][:3])
        item.support_features.set(features[n % len(features) :: 4][:4])
        weekly(
            item, ["MO", "WE", "SA"][n % 3], time(9 + n % 12), time(10 + n % 12), from_date=today
        )
    materialise_all()
    taxonomy = Taxonomy.read()
    mary = casework.mary
    now = timezone.now()
    for travel, barriers, interests in (
        (None, [], []),
        (2, ["cost", "anxiety"], ["music"]),
        (5, ["mobility", "time", "health", "transport"], ["walking", "music", "faith"]),
        (15, ["not_knowing_anyone", "language"], ["carers"]),
    ):
        assess(mary, max_travel_miles=travel, barriers=barriers, interests=interests)
        built = client_profile(mary)
        for home in (built.home, None):
            pool = indexed(mary.area, built.profile, home=home, now=now, taxonomy=taxonomy)
            rows = pool.walk.page(None, 0)
            assert pool.walk.count() == len(rows) > 0
            exact_bounds = {
                p.activity_id: -p.minus_bound
                for p in Prospects(built.profile, home, now, taxonomy)(rows)
            }
            for row in rows:
                if row[0] in exact_bounds:
                    assert row[13] >= exact_bounds[row[0]], (travel, row[0])
            keys = [(bool(row[12]), -row[13]) for row in rows]
            assert keys == sorted(keys)


def test_two_interests_sharing_a_bit_still_count_twice(
    casework: Casework, personas: Personas
) -> None:
    """Ids 63 apart share a bit: an activity in both of someone's interests still gets
    an SQL bound for two (one bit set must not read as one interest)."""
    low = Category.objects.order_by("pk").first()
    assert low is not None
    high = Category.objects.create(pk=low.pk + 63, slug="bit-sharer", name="Bit sharer")
    assert index.bit(low.pk) == index.bit(high.pk)
    group = organisation(personas.ashfield, "Shared Bits")
    item = activity(group, "Both at once", at=casework.walk.venue, categories=(low.slug, high.slug))
    weekly(item, "TU", time(14), time(15), from_date=timezone.localdate())
    materialise_all()
    mary = casework.mary
    assess(mary, interests=[low.slug, high.slug])
    built = client_profile(mary)
    taxonomy = Taxonomy.read()
    now = timezone.now()
    pool = indexed(mary.area, built.profile, home=built.home, now=now, taxonomy=taxonomy)
    rows = pool.walk.page(None, 0)
    engine = {
        p.activity_id: -p.minus_bound
        for p in Prospects(built.profile, built.home, now, taxonomy)(rows)
    }
    row = next(r for r in rows if r[0] == item.pk)
    assert row[13] >= engine[item.pk]


def test_a_category_renamed_or_deleted_keeps_the_index_and_suggestions_right(
    casework: Casework,
) -> None:
    """A category's slug gives its activities' kind of group; deleting one drops its
    links by a cascade (no m2m signal): both are worked out again."""
    mary = casework.mary
    assess(mary)
    category = casework.walk.categories.get()
    category.slug = "renamed-kind"
    category.save()
    exact()
    category.delete()
    exact()
    assert casework.walk.pk in {s.candidate.activity_id for s in suggestions_for(mary).suggestions}


def test_the_reach_finds_every_venue_in_it_across_strips_and_the_meridian(
    casework: Casework, personas: Personas
) -> None:
    """The walk seeks each strip of longitude the box overlaps (index.strip_of): venues
    on strips' edges, on the box's edges, either side of the prime meridian (negative and
    positive strips) and just outside are found exactly as the path without the index
    finds them, for a short reach (a list of strips) and a long one (past MAX_STRIPS: a
    range)."""
    group = organisation(personas.ashfield, "Strip Club")
    home = (53.0, 0.0)
    near = venue(group, "Somewhere", "NG17 7AE")
    offsets = [-0.3, -0.05, -0.0100001, -0.01, -0.005, 0.0, 0.0049, 0.01, 0.0199999, 0.05, 0.3]
    south, north, west, east = box_around(*home, 2)  # on the edges of the 2-mile box
    places = [
        *((home[0] + dlat, dlng) for dlat, dlng in itertools.product([-0.02, 0.0, 0.025], offsets)),
        (home[0], west),
        (home[0], east),
        (south, 0.0),
        (north, 0.0),
        # Just inside the first and last strips of each reach's box.
        *(
            (home[0], edge)
            for miles in (1, 2, 5)
            for edge in (box_around(*home, miles)[2] + 5e-4, box_around(*home, miles)[3] - 5e-4)
        ),
    ]
    today = timezone.localdate()
    for n, (lat, lng) in enumerate(places):
        place = venue(group, f"Hall {n}", "NG17 7AE")
        place.latitude, place.longitude = lat, lng
        place.save()
        weekly(activity(group, f"Strip {n}", at=place), "MO", time(10), time(11), from_date=today)
    weekly(activity(group, "Not moved", at=near), "MO", time(10), time(11), from_date=today)
    materialise_all()
    exact()
    assert MatchEntry.objects.filter(strip__lt=0).exists()
    assert MatchEntry.objects.filter(strip__gt=0).exists()
    mary = casework.mary
    now = timezone.now()
    taxonomy = Taxonomy.read()
    for travel in (1, 2, 5, 40):
        assess(mary, max_travel_miles=travel)
        built = client_profile(mary)
        pool = indexed(mary.area, built.profile, home=home, now=now, taxonomy=taxonomy)
        walked = {row[0] for row in pool.walk.page(None, 0)}
        reference = activities(mary.area, built.profile, home=home, now=now, taxonomy=taxonomy)
        wanted = {p.source.activity_id for p in reference.prospects}
        assert wanted <= walked, travel  # nothing in reach missed
        # SQL's flat ellipse may keep a few more on its edge, never one in the box's
        # corners: the engine's exact distance leaves them out.
        for entry in MatchEntry.objects.filter(activity_id__in=walked - wanted):
            assert entry.latitude is not None and entry.longitude is not None
            assert south <= entry.latitude <= north or travel != 2
            assert miles_between(*home, entry.latitude, entry.longitude) > travel
        strips = index.strip_of(-travel / 40), index.strip_of(travel / 40)
        if travel == 40:
            assert strips[1] - strips[0] >= index.MAX_STRIPS  # the range, not the list
        assert walked or travel < 2, travel
