"""OpenActive's shape of an activity: official activities, organiser, schedule, region, ages."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

import pytest
from django.test import Client

from inspiring.areas.models import District
from inspiring.directory.materialise import materialise_activity
from inspiring.directory.models import SupportFeature
from inspiring.opendata import activity_list
from inspiring.opendata.regions import regions
from tests.directory.builders import Directory, activity, weekly

from .conftest import get_json

pytestmark = pytest.mark.django_db
FEED = "/api/openactive/session-series"
OFFICIAL = "https://openactive.io/activity-list#"


def labels(title: str, *categories: str) -> list[str]:
    return [c.pref_label for c in activity_list.concepts_for(title, list(categories))]


def test_the_title_names_the_activity_before_the_categories() -> None:
    assert labels("Chair Yoga", "sport-and-exercise") == ["Chair Yoga"]
    assert labels("Health Walk", "walking", "sport-and-exercise") == ["Walking"]
    assert labels("Tai Chi and Line Dancing") == ["Line Dancing", "Tai Chi"]
    assert labels("Tuesday Club", "sport-and-exercise", "walking") == ["Group Exercise", "Walking"]
    assert labels("WALKING FOOTBALL") == ["Walking Football"]
    # Words inside other words do not count: a "Sidewalk chalk" class is no walk.
    assert labels("Sidewalk Chalk Art", "arts-and-crafts") == []
    assert labels("Knit and Natter", "arts-and-crafts", "social-and-friendship") == []


def test_every_rule_names_a_concept_copied_from_the_official_list() -> None:
    data = json.loads(activity_list.DATA.read_text(encoding="utf-8"))
    concepts = {c["prefLabel"]: c["id"] for c in data["concepts"]}
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert all(i.startswith(OFFICIAL) and len(i) == len(OFFICIAL) + 36 for i in concepts.values())
    named = {r["prefLabel"] for r in data["titleWords"]} | {
        r["prefLabel"] for r in data["categories"]
    }
    assert named <= set(concepts)


def series(api: Client) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in get_json(api, FEED)["items"]}


def test_a_walk_is_published_as_openactive_wants_it(api: Client, directory: Directory) -> None:
    data = series(api)[str(directory.walk.public_id)]["data"]
    assert data["activity"] == [
        {
            "@type": "Concept",
            "@id": f"{OFFICIAL}95092977-5a20-4d6e-b312-8fddabe71544",
            "prefLabel": "Walking",
            "inScheme": "https://openactive.io/activity-list",
        }
    ]
    # The category the activity list covers is not repeated; features stay.
    assert data["category"] == ["Outdoors"]
    organizer = data["organizer"]
    assert organizer["@id"] == (
        f"http://testserver/api/openreferral/services?organization_id={directory.walkers.public_id}"
    )
    assert organizer["name"] == "Mansfield Walkers"
    assert data["genderRestriction"] == "https://openactive.io/NoRestriction"
    assert data["location"]["address"]["addressRegion"] == "Nottinghamshire"
    assert data["ageRange"] == {"@type": "QuantitativeValue", "minValue": 0}
    schedule = data["eventSchedule"][0]
    assert schedule["@type"] == "Schedule"
    assert schedule["scheduledEventType"] == "ScheduledSession"
    assert (schedule["startTime"], schedule["endTime"]) == ("09:30", "11:00")
    assert schedule["repeatFrequency"] == "P1W" and schedule["startDate"]


def test_ages_are_published_as_known(api: Client, directory: Directory) -> None:
    directory.walk.min_age, directory.walk.max_age = 16, 25
    directory.walk.save()
    directory.singing.min_age = 18
    directory.singing.save()
    found = series(api)
    assert found[str(directory.walk.public_id)]["data"]["ageRange"] == {
        "@type": "QuantitativeValue",
        "minValue": 16,
        "maxValue": 25,
    }
    assert found[str(directory.singing.public_id)]["data"]["ageRange"]["minValue"] == 18


def test_restrictions_and_numbers_come_from_the_listing(api: Client, directory: Directory) -> None:
    directory.walk.support_features.add(SupportFeature.objects.get(code="women-only"))
    directory.walk.capacity = 12
    directory.walk.save()
    directory.walkers.phone = "01632 960123"
    directory.walkers.save()
    data = series(api)[str(directory.walk.public_id)]["data"]
    assert data["genderRestriction"] == "https://openactive.io/FemaleOnly"
    assert data["maximumAttendeeCapacity"] == 12
    assert data["organizer"]["telephone"] == "01632 960123"


def test_an_activity_the_list_does_not_know_is_not_an_opportunity(
    api: Client, directory: Directory
) -> None:
    item = series(api)[str(directory.knitting.public_id)]
    assert item["state"] == "deleted" and "data" not in item


def test_a_hidden_address_gives_only_a_rough_position(api: Client, directory: Directory) -> None:
    directory.walk.hide_address = True
    directory.walk.locality = "Mansfield"
    directory.walk.save()
    place = series(api)[str(directory.walk.public_id)]["data"]["location"]
    assert "address" not in place and place["name"] == "Mansfield"
    venue = directory.walk.venue
    assert venue is not None
    assert place["geo"]["latitude"] == round(venue.latitude, 2)
    assert place["geo"]["longitude"] == round(venue.longitude, 2)


def test_a_one_off_lists_its_session_as_a_sub_event(api: Client, directory: Directory) -> None:
    from tests.directory.conftest import TODAY

    once = activity(
        directory.walkers, "Autumn Walk", at=directory.walk.venue, categories=("walking",)
    )
    weekly(once, "", time(10), time(12), from_date=TODAY, rrule="")
    materialise_activity(once, today=TODAY)
    data = series(api)[str(once.public_id)]["data"]
    assert "eventSchedule" not in data
    [session] = data["subEvent"]
    assert session["@type"] == "ScheduledSession"
    assert session["@id"].startswith(data["@id"] + "#/subEvent/")
    assert session["startDate"].startswith(TODAY.isoformat() + "T10:00")


def test_a_district_outside_the_county_list_is_its_own_region() -> None:
    District.objects.update_or_create(code="E06000018", defaults={"name": "Nottingham"})
    assert regions(["E07000174", "E06000018", ""]) == {
        "E07000174": "Nottinghamshire",
        "E06000018": "Nottingham",
    }


def test_pages_before_the_last_are_cached_for_an_hour(api: Client, directory: Directory) -> None:
    response = api.get(FEED)
    assert response["Cache-Control"] == "public, max-age=3600"
    last = api.get(json.loads(response.content)["next"].removeprefix("http://testserver"))
    assert json.loads(last.content)["items"] == []
    assert last["Cache-Control"] == "public, max-age=8"


def test_the_dataset_page_counts_only_what_the_feed_publishes(
    client: Client, directory: Directory
) -> None:
    # The walk and the choir; the knitting group is no OpenActive opportunity.
    assert "Right now: 2 activities" in client.get("/api/openactive/").content.decode()
