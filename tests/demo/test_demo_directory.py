"""The demo directory reads like a real programme: each activity its own listing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from inspiring.areas.models import Area
from inspiring.demo.directory import build_area_directory
from inspiring.demo.directory_data import IDEAS
from inspiring.demo.loading import load_demo
from inspiring.directory.models import Activity
from inspiring.directory.taxonomy_data import CATEGORIES, SUPPORT_FEATURES

PLANS = [plan for idea in IDEAS for plan in idea.activities]


def test_every_listing_in_the_curated_list_is_complete_and_fits_the_fields() -> None:
    slugs = {slug for slug, _, _ in CATEGORIES}
    codes = {code for code, _, _ in SUPPORT_FEATURES}
    text = {"town": "Skegby", "venue": "Skegby Library", "name": "Sam"}
    for plan in PLANS:
        assert set(plan.categories) <= slugs and set(plan.features) <= codes, plan.title
        assert len(plan.summary.format(**text)) <= 300, plan.title
        assert len(plan.first_visit.format(**text)) <= 1000, plan.title
        assert plan.description.format(**text) and plan.audience, plan.title
        if plan.min_age is not None and plan.max_age is not None:
            assert plan.min_age <= plan.max_age, plan.title
    # No two activities share a description, a first visit or a summary.
    for field in ("summary", "description", "first_visit"):
        repeated = [t for t, n in Counter(getattr(p, field) for p in PLANS).items() if n > 1]
        assert not repeated, (field, repeated)


@pytest.fixture
def ashfield(db: None, settings: Any) -> Area:
    settings.DEMO_MODE = True
    load_demo(directory=False)
    area = Area.objects.get(slug="ashfield")
    # One organisation of each kind of group: every listing of the curated list.
    build_area_directory(area, organisations=len(IDEAS), seed="demo-test")
    return area


def test_the_demo_is_a_real_programme_not_one_template(ashfield: Area) -> None:
    activities = Activity.objects.filter(home_area=ashfield, status="published")
    for activity in activities:
        assert "meets regularly in" not in activity.description, activity.title
    titles = {a.title.removesuffix(" (second group)") for a in activities}
    assert len({a.description for a in activities}) >= len(titles) > 40
    assert len({a.what_to_expect for a in activities}) >= len(titles)
    # A realistic mix of costs, booking and capacity.
    assert set(activities.values_list("cost", flat=True)) == {"free", "priced", "pay_what_you_can"}
    assert set(activities.values_list("booking", flat=True)) == {
        "drop_in",
        "book_first",
        "referral_only",
    }
    assert activities.filter(capacity__isnull=True).exists()
    assert activities.filter(capacity__lte=10).exists()
    # Only a group with a limit on numbers can be full.
    assert not activities.filter(capacity__isnull=True, capacity_status="full").exists()
    # Paid places booked ahead say where to book.
    assert not activities.filter(booking="book_first", cost="priced", booking_url="").exists()


def test_rhyme_time_is_for_babies_and_their_carers(ashfield: Area) -> None:
    rhyme_time = Activity.objects.filter(home_area=ashfield, title="Rhyme Time").first()
    assert rhyme_time is not None
    assert (rhyme_time.min_age, rhyme_time.max_age) == (0, 4)
    assert "Babies" in rhyme_time.audience and "carer" in rhyme_time.audience
    assert "babies" in rhyme_time.summary
    men = Activity.objects.filter(home_area=ashfield, title="Men's Shed Workshop").first()
    assert men is not None and men.audience.startswith("Men")


def test_the_same_seed_gives_the_same_programme(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True
    load_demo(directory=False)
    area = Area.objects.get(slug="ashfield")
    fields = ("title", "summary", "cost", "price", "booking", "capacity", "capacity_status")
    build_area_directory(area, organisations=5, seed="same")
    first = list(Activity.objects.order_by("pk").values_list(*fields))
    Activity.objects.all().delete()
    build_area_directory(area, organisations=5, seed="same")
    assert list(Activity.objects.order_by("pk").values_list(*fields)) == first
