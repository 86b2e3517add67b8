"""ORUK reads as a national directory needs them: a page read without reading everything,
each service once, and the same answers as before (bench/national.py measures them)."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspiring.directory.models import Activity, SupportFeature
from inspiring.opendata import oruk
from tests.directory.builders import Directory, activity, weekly
from tests.directory.conftest import TODAY

from .conftest import get_json

pytestmark = pytest.mark.django_db
ORUK = "/api/openreferral"
NEAR = "postcode=NG17 7AE"  # Kirkby: the hall, then Mansfield's park, then Newark


def names(page: dict[str, object]) -> list[str]:
    return [item["service"]["name"] for item in page["contents"]]  # type: ignore[attr-defined]


def test_nearest_first_then_those_without_a_public_place(api: Client, directory: Directory) -> None:
    # An online group and one keeping its address private: no distance, so after the rest.
    activity(directory.knit, "Online Natter", at=None).save()
    directory.singing.hide_address = True
    directory.singing.save()
    page = get_json(api, f"{ORUK}/service_at_locations?{NEAR}")
    assert names(page) == [
        "Knit and Natter",
        "Saturday Health Walk",
        "Community Choir",
        "Online Natter",
    ]
    assert page["total_items"] == 4


def test_pages_of_nearest_first_follow_each_other(api: Client, directory: Directory) -> None:
    whole = names(get_json(api, f"{ORUK}/service_at_locations?{NEAR}"))
    paged = [
        name
        for number in (1, 2, 3)
        for name in names(
            get_json(api, f"{ORUK}/service_at_locations?{NEAR}&per_page=1&page={number}")
        )
    ]
    assert paged == whole


def test_proximity_leaves_out_far_and_private_places(api: Client, directory: Directory) -> None:
    near = get_json(api, f"{ORUK}/service_at_locations?{NEAR}&proximity=15000")
    assert names(near) == ["Knit and Natter", "Saturday Health Walk"]
    directory.knitting.hide_address = True
    directory.knitting.save()
    near = get_json(api, f"{ORUK}/service_at_locations?{NEAR}&proximity=15000")
    assert names(near) == ["Saturday Health Walk"] and near["total_items"] == 1


def test_a_page_near_a_postcode_takes_the_same_queries_however_many_services(
    api: Client, directory: Directory
) -> None:
    url = f"{ORUK}/service_at_locations?{NEAR}&proximity=50000&per_page=2"
    with CaptureQueriesContext(connection) as few:
        get_json(api, url)
    for number in range(5):
        activity(directory.knit, f"Extra group {number}", at=directory.hall).save()
    with CaptureQueriesContext(connection) as many:
        page = get_json(api, url)
    assert page["total_items"] == 8 and len(page["contents"]) == 2
    assert len(many) == len(few)


def test_a_page_near_a_postcode_is_read_with_its_listings_in_one_statement(
    api: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    # The postcode's position, then the page, its count and its listings with their
    # organisation, venue and area in one statement (views_oruk._page_of with
    # lib.sql.read_with): the listings were a third statement of their own before.
    activity(directory.knit, "Online Natter", at=None).save()
    url = f"{ORUK}/service_at_locations?{NEAR}&per_page=2"
    with django_assert_num_queries(2):
        first = get_json(api, url)
    with django_assert_num_queries(2):
        second = get_json(api, f"{url}&page=2")
    assert names(first) + names(second) == [
        "Knit and Natter",
        "Saturday Health Walk",
        "Community Choir",
        "Online Natter",
    ]
    assert first["total_items"] == second["total_items"] == 4
    item = first["contents"][0]
    assert item["location"]["name"] == "Kirkby Community Hall"
    assert item["service"]["organization"]["name"] == directory.knit.name
    assert item["service"]["url"].endswith(directory.knitting.get_absolute_url())
    # Past the last page, a count of its own says how many there are.
    with django_assert_num_queries(3):
        beyond = get_json(api, f"{url}&page=3")
    assert beyond["contents"] == [] and beyond["total_items"] == 4
    # A filtered page of services is one statement too.
    with django_assert_num_queries(1):
        searched = get_json(api, f"{ORUK}/services?search=natter")
    assert [s["name"] for s in searched["contents"]] == ["Knit and Natter", "Online Natter"]
    assert searched["total_items"] == 2


def test_a_service_in_many_terms_of_a_taxonomy_is_listed_once(
    api: Client, directory: Directory
) -> None:
    # Knitting is in two categories: one service, counted once.
    assert directory.knitting.categories.count() == 2
    page = get_json(api, f"{ORUK}/services?taxonomy_id={oruk.CATEGORIES_TAXONOMY}")
    listed = [s["name"] for s in page["contents"]]
    assert listed == sorted(set(listed)) and "Knit and Natter" in listed
    assert page["total_items"] == Activity.objects.published().count() == len(listed)
    features = get_json(api, f"{ORUK}/services?taxonomy_id={oruk.FEATURES_TAXONOMY}")
    assert features["total_items"] == len({s["name"] for s in features["contents"]})


def test_filtered_pages_follow_each_other_and_count_every_match(
    api: Client, directory: Directory
) -> None:
    # A filtered page and its count come from one query (views_oruk._filtered_page):
    # pages of one service add up to the whole list, past the end is empty but counted.
    for number in range(3):
        activity(directory.knit, f"Extra group {number}", at=directory.hall).save()
    query = f"taxonomy_id={oruk.CATEGORIES_TAXONOMY}"
    whole = get_json(api, f"{ORUK}/services?{query}")
    listed = [s["name"] for s in whole["contents"]]
    assert listed == sorted(listed) and len(listed) == whole["total_items"] >= 4
    paged = []
    for number in range(1, len(listed) + 1):
        page = get_json(api, f"{ORUK}/services?{query}&per_page=1&page={number}")
        assert page["total_items"] == len(listed) and page["page_number"] == number
        paged += [s["name"] for s in page["contents"]]
    assert paged == listed
    beyond = get_json(api, f"{ORUK}/services?{query}&per_page=1&page={len(listed) + 1}")
    assert beyond["contents"] == [] and beyond["total_items"] == len(listed)
    assert beyond["last_page"] is True


def test_a_filter_that_matches_nothing_is_an_empty_page(api: Client, directory: Directory) -> None:
    for query in (
        "taxonomy_term_id=00000000-0000-0000-0000-000000000000",
        "organization_id=not-an-id",
        "search=nothing-is-called-this",
    ):
        page = get_json(api, f"{ORUK}/services?{query}")
        assert page["contents"] == [] and page["total_items"] == 0, query


def test_past_the_last_page_near_a_postcode_still_counts(api: Client, directory: Directory) -> None:
    whole = get_json(api, f"{ORUK}/service_at_locations?{NEAR}&proximity=15000")
    beyond = get_json(api, f"{ORUK}/service_at_locations?{NEAR}&proximity=15000&page=5")
    assert beyond["contents"] == [] and beyond["total_items"] == whole["total_items"] == 2


def test_a_service_and_a_service_at_location_are_one_statement_each(
    api: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    # The listing with its organisation, venue, categories, features and schedules in
    # one statement (directory.search.activity_item); the service at location found by
    # its stored id in that statement too (five and four before: 2.5-2.9 ms, not 0.8).
    knitting = directory.knitting
    service_url = f"{ORUK}/services/{knitting.public_id}"
    item_url = f"{ORUK}/service_at_locations/{oruk.service_at_location_id(knitting)}"
    with django_assert_num_queries(1):
        service = get_json(api, service_url)
    with django_assert_num_queries(1):
        item = get_json(api, item_url)
    assert item["service"] == {k: v for k, v in service.items() if k != "service_at_locations"}
    weekly(knitting, "FR", time(9), time(10), from_date=TODAY)
    knitting.support_features.set(SupportFeature.objects.all())
    with django_assert_num_queries(1):
        service = get_json(api, service_url)
    with django_assert_num_queries(1):
        item = get_json(api, item_url)
    assert len(service["schedules"]) == 2 and len(item["service"]["attributes"]) > 10
    for unknown in (
        f"{ORUK}/services/{uuid.uuid4()}",
        f"{ORUK}/service_at_locations/{uuid.uuid4()}",
    ):
        with django_assert_num_queries(1):
            get_json(api, unknown, status=404)


def test_a_services_schedules_are_by_first_date_then_as_entered(
    api: Client, directory: Directory
) -> None:
    # The page lists a day's schedules by time; the service keeps them as entered.
    knitting = directory.knitting
    weekly(knitting, "FR", time(9), time(10), from_date=TODAY)
    service = get_json(api, f"{ORUK}/services/{knitting.public_id}")
    assert [s["opens_at"] for s in service["schedules"]] == ["10:00:00", "09:00:00"]
