"""The directory published as Open Referral UK and OpenActive: valid, paged, open, current."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import Activity, Session
from inspiring.opendata import oruk
from inspiring.opendata.models import Tombstone
from tests.directory.builders import Directory

from .conftest import assert_valid, get_json, schema

pytestmark = pytest.mark.django_db
ORUK = "/api/openreferral"


def test_every_published_service_validates_against_the_uk_profile(
    api: Client, directory: Directory
) -> None:
    directory.knitting.hide_address = True
    directory.knitting.locality = "Kirkby"
    directory.knitting.save()
    page = get_json(api, f"{ORUK}/services")
    assert page["total_items"] == 3 and page["first_page"] and page["last_page"]
    for item in page["contents"]:
        assert_valid(item, "service_list")
        full = get_json(api, f"{ORUK}/services/{item['id']}")
        assert_valid(full, "service")
    knitting = get_json(api, f"{ORUK}/services/{directory.knitting.public_id}")
    place = knitting["service_at_locations"][0]["location"]
    # A private address is a place name only: no address, no coordinates.
    assert place["name"] == "Kirkby" and "addresses" not in place and "latitude" not in place
    singing = get_json(api, f"{ORUK}/services/{directory.singing.public_id}")
    assert singing["cost_options"][0]["amount"] == 3.0
    assert singing["schedules"][0]["freq"] == "WEEKLY" and singing["schedules"][0]["byday"] == "TH"
    assert singing["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == (
        "NG24 1AA"
    )


def test_service_at_locations_and_taxonomies_validate(api: Client, directory: Directory) -> None:
    page = get_json(api, f"{ORUK}/service_at_locations")
    assert page["total_items"] == 3
    for item in page["contents"]:
        assert_valid(item, "service_at_location_list")
        assert_valid(
            get_json(api, f"{ORUK}/service_at_locations/{item['id']}"), "service_at_location"
        )
    # Each listing's place: its venue, a private address's locality, online.
    directory.knitting.hide_address = True
    directory.knitting.save()
    for listing in Activity.objects.published():
        item_id = oruk.service_at_location_id(listing)
        found = get_json(api, f"{ORUK}/service_at_locations/{item_id}")
        assert found["id"] == item_id and found["service_id"] == str(listing.public_id)
    # One withdrawn is gone; an id nothing has is a 404 too.
    gone = oruk.service_at_location_id(directory.knitting)
    directory.knitting.status = Activity.Status.WITHDRAWN
    directory.knitting.save()
    for unknown in (gone, "00000000-0000-4000-8000-000000000000"):
        answer = api.get(f"{ORUK}/service_at_locations/{unknown}")
        assert answer.status_code == 404 and "No service at location" in answer.json()["error"]
    term_schema = schema("service")["properties"]["attributes"]["items"]["properties"][
        "taxonomy_term"
    ]
    terms = get_json(api, f"{ORUK}/taxonomy_terms?per_page=200")
    assert terms["total_items"] > 10
    for term in terms["contents"]:
        assert_valid(term, term_schema)
        assert get_json(api, f"{ORUK}/taxonomy_terms/{term['id']}") == term
    taxonomies = get_json(api, f"{ORUK}/taxonomies")["contents"]
    assert len(taxonomies) == 2
    whole = get_json(api, f"{ORUK}/taxonomies/{taxonomies[0]['id']}")
    assert whole["taxonomy_terms"] and all(
        t["taxonomy_id"] == taxonomies[0]["id"] for t in whole["taxonomy_terms"]
    )


def test_ids_are_stable_uuids(api: Client, directory: Directory) -> None:
    first = get_json(api, f"{ORUK}/services/{directory.singing.public_id}")
    again = get_json(api, f"{ORUK}/services/{directory.singing.public_id}")
    assert first == again
    assert first["id"] == str(directory.singing.public_id)
    assert first["organization"]["id"] == str(directory.choir.public_id)


def test_paging_follows_the_uk_profile(api: Client, directory: Directory) -> None:
    first = get_json(api, f"{ORUK}/services?per_page=2")
    assert (first["total_items"], first["total_pages"], first["size"]) == (3, 2, 2)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    second = get_json(api, f"{ORUK}/services?per_page=2&page=2")
    assert second["size"] == 1 and second["last_page"]
    ids = {s["id"] for s in first["contents"]} | {s["id"] for s in second["contents"]}
    assert len(ids) == 3
    beyond = get_json(api, f"{ORUK}/services?per_page=2&page=9")
    assert beyond["empty"] and beyond["contents"] == []


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=x",
        "per_page=1000",
        "minimum_age=old",
        "day=someday",
        "start_time=9am",
        "proximity=500",
        "postcode=XX1 1XX",
        "postcode=NG17 7AE&proximity=-3",
    ],
)
def test_bad_parameters_get_a_clear_json_error(
    api: Client, directory: Directory, query: str
) -> None:
    url = f"{ORUK}/service_at_locations?{query}"
    body = get_json(api, url, status=400)
    assert body["error"]


@pytest.mark.parametrize("endpoint", ["services", "service_at_locations", "taxonomy_terms"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=99999999999999999999", "page must be 100,000 or less"),
        ("page=100001", "page must be 100,000 or less"),
        ("page=" + "9" * 5000, "page must be 200 characters or fewer"),
        ("page=-1", "page must be 1 or more"),
        ("per_page=99999999999999999999", "per_page must be 200 or less"),
        ("search=knit%00ting", "search must not contain NUL characters"),
        ("search=" + "a" * 201, "search must be 200 characters or fewer"),
    ],
)
def test_numbers_and_text_the_database_cannot_take_are_a_400(
    api: Client, directory: Directory, endpoint: str, query: str, message: str
) -> None:
    # page=99999999999999999999 was an integer overflow in SQL: a 500.
    assert get_json(api, f"{ORUK}/{endpoint}?{query}", status=400) == {"error": message}


def test_the_last_allowed_page_is_an_empty_page(api: Client, directory: Directory) -> None:
    page = get_json(api, f"{ORUK}/services?page=100000&per_page=200")
    assert page["contents"] == [] and page["page_number"] == 100_000


@pytest.mark.parametrize(
    "query",
    [
        "afterTimestamp=99999999999999999999&afterId=00000000-0000-0000-0000-000000000000",
        "afterTimestamp=-1&afterId=00000000-0000-0000-0000-000000000000",
        "afterTimestamp=1&afterId=x%00",
        "afterTimestamp=" + "9" * 5000 + "&afterId=00000000-0000-0000-0000-000000000000",
    ],
)
def test_rpde_positions_off_the_end_of_time_are_a_400(
    api: Client, directory: Directory, query: str
) -> None:
    assert get_json(api, f"/api/openactive/scheduled-sessions?{query}", status=400)["error"]


def test_unknown_and_unpublished_services_are_404(api: Client, directory: Directory) -> None:
    get_json(api, f"{ORUK}/services/not-a-uuid", status=404)
    get_json(api, f"{ORUK}/services/00000000-0000-0000-0000-000000000000", status=404)
    directory.walk.status = Activity.Status.WITHDRAWN
    directory.walk.save()
    get_json(api, f"{ORUK}/services/{directory.walk.public_id}", status=404)


@pytest.mark.usefixtures("frozen_today")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=choir", {"Community Choir"}),
        ("day=TU", {"Knit and Natter"}),
        ("day=saturday", {"Saturday Health Walk"}),
        ("start_time=18:00", {"Community Choir"}),
        ("end_time=12:00", {"Knit and Natter", "Saturday Health Walk"}),
        ("minimum_age=18", set()),
        ("postcode=NG17 7AE&proximity=2000", {"Knit and Natter"}),
    ],
)
def test_filters(api: Client, directory: Directory, query: str, expected: set[str]) -> None:
    page = get_json(api, f"{ORUK}/service_at_locations?{query}")
    assert {item["service"]["name"] for item in page["contents"]} == expected


def test_taxonomy_term_filter(api: Client, directory: Directory) -> None:
    music = next(t for t in oruk.taxonomy_terms() if t["term"] == "music")
    page = get_json(api, f"{ORUK}/services?taxonomy_term_id={music['id']}")
    assert [s["name"] for s in page["contents"]] == ["Community Choir"]


def test_the_api_is_open_to_any_origin(api: Client, directory: Directory) -> None:
    preflight = api.options(f"{ORUK}/services")
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "*"
    refused = api.post(f"{ORUK}/services")
    assert refused.status_code == 405 and refused["Access-Control-Allow-Origin"] == "*"


def test_a_page_of_services_costs_the_same_queries_for_more_services(
    api: Client, directory: Directory
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            api.get(f"{ORUK}/services?per_page=100")
        return len(captured)

    few = queries()
    for n in range(10):
        Activity.objects.create(
            organisation=directory.knit,
            home_area=directory.knit.home_area,
            venue=directory.hall,
            title=f"Extra {n}",
            summary="More",
            status=Activity.Status.PUBLISHED,
        )
    assert queries() == few


# --- OpenActive ------------------------------------------------------------------------


def follow(api: Client, url: str) -> tuple[list[dict[str, Any]], str]:
    """Every item of an RPDE feed from `url`, and the last page's address."""
    items: list[dict[str, Any]] = []
    for _ in range(100):
        page = get_json(api, url)
        assert page["license"]
        items += page["items"]
        if not page["items"]:
            assert page["next"].endswith(url.split("/api/openactive/")[-1]) or url in page["next"]
            return items, url
        url = page["next"].removeprefix("http://testserver")
    raise AssertionError("the feed never ended")


def test_rpde_feeds_page_in_order_and_end_on_themselves(
    api: Client, directory: Directory, settings: Any
) -> None:
    settings.OPENACTIVE_PAGE_SIZE = 2
    # Many sessions changed in the same instant: paging must still neither skip nor repeat.
    Session.objects.filter(activity=directory.knitting).update(
        updated_at=Session.objects.filter(activity=directory.knitting).first().updated_at  # type: ignore[union-attr]
    )
    items, _ = follow(api, "/api/openactive/scheduled-sessions")
    keys = [(i["modified"], i["id"]) for i in items]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert len(items) == Session.objects.count()
    for item in items[:5]:
        data = item["data"]
        assert item["kind"] == "ScheduledSession" and item["state"] == "updated"
        assert data["@type"] == "ScheduledSession" and data["superEvent"].startswith("http")
        assert data["startDate"][-6] in "+-" and data["duration"].startswith("PT")
    series, _ = follow(api, "/api/openactive/session-series")
    # OpenActive is physical activity: a knitting group matches nothing on its activity
    # list, so it is listed as deleted (the Open Referral API has it).
    assert {s["id"]: s["state"] for s in series} == {
        str(directory.knitting.public_id): "deleted",
        str(directory.walk.public_id): "updated",
        str(directory.singing.public_id): "updated",
    }
    assert {s["data"]["name"] for s in series if "data" in s} == {
        "Saturday Health Walk",
        "Community Choir",
    }
    choir = next(s["data"] for s in series if s["id"] == str(directory.singing.public_id))
    assert choir["offers"][0]["price"] == 3.0 and choir["offers"][0]["priceCurrency"] == "GBP"
    schedule = choir["eventSchedule"][0]
    assert schedule["repeatFrequency"] == "P1W"
    assert schedule["byDay"] == ["https://schema.org/Thursday"]
    assert (schedule["startTime"], schedule["endTime"]) == ("19:00", "21:00")
    assert choir["location"]["geo"]["latitude"]


def test_changes_and_removals_reach_the_last_page(api: Client, directory: Directory) -> None:
    _, series_last = follow(api, "/api/openactive/session-series")
    _, sessions_last = follow(api, "/api/openactive/scheduled-sessions")
    removed = set(
        str(p)
        for p in Session.objects.filter(activity=directory.walk).values_list("public_id", flat=True)
    )
    directory.walk.status = Activity.Status.WITHDRAWN
    directory.walk.save()
    materialise_activity(directory.walk)
    directory.singing.title = "Newark Community Choir"
    directory.singing.save()
    series = get_json(api, series_last)["items"]
    states = {item["id"]: item["state"] for item in series}
    assert states == {
        str(directory.walk.public_id): "deleted",
        str(directory.singing.public_id): "updated",
    }
    sessions = get_json(api, sessions_last)["items"]
    tombstones = {item["id"] for item in sessions if item["state"] == "deleted"}
    assert tombstones and tombstones <= removed
    assert Tombstone.objects.filter(kind=Tombstone.Kind.SCHEDULED_SESSION).count() == len(
        tombstones
    )
    assert all("data" not in item for item in sessions if item["state"] == "deleted")


def test_rpde_refuses_half_a_position(api: Client, directory: Directory) -> None:
    assert get_json(api, "/api/openactive/session-series?afterTimestamp=1", status=400)["error"]
    assert get_json(api, "/api/openactive/session-series?afterTimestamp=x&afterId=y", status=400)
    get_json(api, "/api/openactive/nothing-here", status=404)


def test_the_dataset_page_describes_the_feeds(client: Client, directory: Directory) -> None:
    response = client.get("/api/openactive/")
    assert response.status_code == 200
    text = response.content.decode()
    start = text.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    dataset = json.loads(text[start : text.index("</script>", start)])
    assert dataset["@type"] == "Dataset"
    urls = {d["contentUrl"] for d in dataset["distribution"]}
    assert urls == {
        "http://testserver/api/openactive/session-series",
        "http://testserver/api/openactive/scheduled-sessions",
    }
