"""An activity's page reads the activity and all it lists in one statement
(search.activity_item): two a page with the area, however much it lists (bench/national.py
measures it against one statement's floor), and the same records as reading each list."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client

from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Activity, Category, Schedule, Session, SupportFeature
from inspiring.directory.search import activity_item

from .builders import Directory, activity, over_days, weekly
from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(frozen_today: None) -> None:
    """Sessions to come are counted from now: the directory's fixed today."""


def columns(record: Model) -> dict[str, Any]:
    return {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields}


def busy(directory: Directory) -> Activity:
    """Knitting with more to list: three more schedules (two from the same day, entered
    out of time order; one all day over a weekend), every category and feature, and
    sessions cancelled, moved, with a note and with places booked."""
    knitting = directory.knitting
    weekly(
        knitting,
        "WE",
        time(18),
        time(19),
        from_date=TODAY,
        exdates=[(TODAY + timedelta(days=9)).isoformat()],
        places=12,
    )
    weekly(knitting, "FR", time(9), time(10), from_date=TODAY, skip_bank_holidays=True)
    over_days(knitting, TODAY + timedelta(days=40), 3)
    knitting.categories.set(Category.objects.all())
    knitting.support_features.set(SupportFeature.objects.all())
    materialise_activity(knitting, today=TODAY)
    first, second, third = Session.objects.filter(activity=knitting).order_by("start")[:3]
    first.status, first.note = Session.Status.CANCELLED, "The hall is closed"
    first.save()
    second.moved = True
    second.save()
    third.places, third.booked, third.places_set = 5, 5, True
    third.save()
    return knitting


def test_an_activity_page_is_two_statements_however_much_it_lists(
    client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    url = f"/ashfield/activities/{directory.knitting.public_id}/"
    # The area, then the activity with its organisation, venue, categories, features,
    # schedules and next sessions (six statements before: 2.9 ms, not 0.8, nationally).
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
    busy(directory)
    with django_assert_num_queries(2):
        page = client.get(url)
    assert "The hall is closed" in page.text and "Every Friday, 09:00 to 10:00" in page.text
    assert len(page.context["sessions"]) == 10
    Activity.objects.filter(pk=directory.knitting.pk).update(capacity_status="paused")
    with django_assert_num_queries(2):
        page = client.get(url)
    assert page.context["sessions"] == [] and "paused its sessions" in page.text


def test_an_unknown_activity_or_area_is_404_after_as_few(
    client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):
        assert client.get(f"/ashfield/activities/{directory.singing.public_id}/").status_code == 404
    with django_assert_num_queries(1):
        assert client.get(f"/nowhere/activities/{directory.knitting.public_id}/").status_code == 404


def test_the_item_read_gives_the_records_reading_each_list_gives(
    directory: Directory, django_assert_num_queries: Any
) -> None:
    knitting = busy(directory)
    with django_assert_num_queries(1):
        item = activity_item(Activity.objects.filter(pk=knitting.pk), sessions=10)
        assert item is not None
        found = item.activity
        categories = list(found.categories.all())
        features = list(found.support_features.all())
        schedules = list(found.schedules.all())
        names = (found.organisation.name, found.venue and found.venue.name, found.home_area.slug)
        # Each schedule and session knows its activity without reading it again.
        assert {s.activity.pk for s in schedules} | {s.activity.pk for s in item.sessions} == {
            knitting.pk
        }
    assert names == (knitting.organisation.name, "Kirkby Community Hall", "ashfield")
    expected = Activity.objects.get(pk=knitting.pk)
    # In the order the relations give them (the models' own: categories and features by
    # their order then name, schedules by first date then time), every column the same
    # value of the same type (dates, times, UUIDs, JSON lists, booleans).
    for read, wanted in (
        (categories, list(expected.categories.all())),
        (features, list(expected.support_features.all())),
        (schedules, list(expected.schedules.all())),
        (item.sessions, list(Session.objects.filter(activity=knitting).upcoming()[:10])),
    ):
        assert len(read) == len(wanted) > 1
        for got, want in zip(read, wanted, strict=True):
            assert columns(got) == columns(want)
            assert [type(v) for v in columns(got).values()] == [
                type(v) for v in columns(want).values()
            ]
    assert [s.start_time for s in schedules[:3]] == [time(9), time(10), time(18)]
    assert {s.status for s in item.sessions} == {"scheduled", "cancelled"}
    assert any(s.moved for s in item.sessions) and any(s.places_left == 0 for s in item.sessions)
    assert Schedule.objects.filter(activity=knitting).exclude(exdates=[]).count() == 1


def test_an_activity_with_nothing_to_list_and_none_found(directory: Directory) -> None:
    bare = activity(directory.knit, "Online Natter", at=None, online=True, categories=())
    item = activity_item(Activity.objects.filter(pk=bare.pk), sessions=10)
    assert item is not None and item.sessions == []
    assert list(item.activity.categories.all()) == list(item.activity.schedules.all()) == []
    assert item.activity.venue is None
    assert activity_item(Activity.objects.filter(pk=bare.pk, status="withdrawn")) is None
