"""Importing another directory's Open Referral UK services: upsert by id, skip with reasons."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from inspiring.directory.models import Activity, Organisation, Session, Venue
from inspiring.opendata.oruk_import import OrukSourceError, read_file, store
from tests.directory.builders import Directory
from tests.personas import Personas

from .conftest import SCHEMAS, get_json

pytestmark = pytest.mark.django_db
EXAMPLE = SCHEMAS.parent / "examples" / "service_full.json"


def service(**changes: Any) -> dict[str, Any]:
    """A valid ORUK service, as another directory would publish it."""
    data: dict[str, Any] = {
        "id": "6f1c1c8e-5b7a-4a57-9c55-1d2f0b6e0a01",
        "name": "Walking Football",
        "description": "Gentle football for over-50s. Everyone welcome.",
        "status": "active",
        "minimum_age": 50,
        "organization": {
            "id": "0b0a5a0e-3a3e-4c0c-9a5c-2f7d0c1c7a02",
            "name": "Sutton Walking Football",
            "description": "A friendly club",
        },
        "service_at_locations": [
            {
                "id": "5d6b8c1e-6d0a-4f6b-8c8e-1a2b3c4d5e03",
                "location": {
                    "id": "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c04",
                    "location_type": "physical",
                    "name": "Lammas Leisure Centre",
                    "addresses": [
                        {
                            "id": "8b9c0d1e-2f3a-4b4c-9d6e-7f8a9b0c1d05",
                            "address_1": "Lammas Road",
                            "city": "Sutton-in-Ashfield",
                            "state_province": "Nottinghamshire",
                            "postal_code": "NG17 7AE",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "schedules": [
            {
                "id": "9c0d1e2f-3a4b-4c5d-8e7f-8a9b0c1d2e06",
                "freq": "WEEKLY",
                "interval": 1,
                "byday": "WE",
                "dtstart": "2026-03-04",
                "opens_at": "10:00:00",
                "closes_at": "11:30:00",
            }
        ],
        "cost_options": [{"id": "ad0e1f2a-3b4c-4d5e-9f80-9a0b1c2d3e07", "amount": 2.5}],
    }
    data.update(changes)
    return data


@pytest.mark.usefixtures("frozen_today")
def test_a_service_is_created_then_updated_in_place_by_id(personas: Personas) -> None:
    report = store([service()], personas.ashfield)
    assert (report.created, report.skipped) == (1, [])
    activity = Activity.objects.get(public_id=service()["id"])
    assert activity.source == Activity.Source.OPEN_REFERRAL
    assert activity.status == Activity.Status.PENDING  # an untrusted organisation: reviewed first
    assert str(activity.organisation.public_id) == service()["organization"]["id"]
    assert activity.venue is not None and activity.venue.postcode == "NG17 7AE"
    assert (activity.min_age, activity.price) == (50, 2.5)
    schedule = activity.schedules.get()
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=WE"

    assert store([service()], personas.ashfield).unchanged == 1
    again = store([service(name="Walking Football (over 50s)")], personas.ashfield)
    assert again.updated == 1
    assert Activity.objects.filter(public_id=service()["id"]).get().title == (
        "Walking Football (over 50s)"
    )
    assert Activity.objects.count() == 1 and Organisation.objects.count() == 1

    gone = store([service(status="defunct")], personas.ashfield)
    assert gone.withdrawn == 1
    assert Activity.objects.get().status == Activity.Status.WITHDRAWN


@pytest.mark.usefixtures("frozen_today")
def test_a_trusted_organisations_services_are_published_with_sessions(
    personas: Personas,
) -> None:
    store([service()], personas.ashfield)
    Organisation.objects.update(trusted=True)
    Activity.objects.all().delete()
    store([service()], personas.ashfield)
    activity = Activity.objects.get()
    assert activity.status == Activity.Status.PUBLISHED
    assert Session.objects.filter(activity=activity, weekday=2).exists()


def test_what_cannot_be_used_is_skipped_with_a_reason(
    personas: Personas, directory: Directory
) -> None:
    bad = [
        service(id="not-a-uuid"),
        service(id=str(uuid.uuid4()), name=""),
        service(id=str(directory.knitting.public_id)),  # entered here by hand
        service(id=str(uuid.uuid4()), service_at_locations=[]),
        service(id=str(uuid.uuid4()), status="inactive"),
    ]
    # The official UK-profile example: its location is at latitude 100 with a US zip code.
    bad.append(json.loads(EXAMPLE.read_text()))
    before = (Activity.objects.count(), Venue.objects.count())
    report = store(bad, personas.ashfield)
    reasons = [reason for _, reason in report.skipped]
    assert report.created == 0 and len(reasons) == len(bad)
    assert any("not a UUID" in r for r in reasons)
    assert any("no name" in r for r in reasons)
    assert any("entered here by hand" in r for r in reasons)
    assert any("no location we can use" in r for r in reasons)
    assert (Activity.objects.count(), Venue.objects.count()) == before
    assert Activity.objects.get(pk=directory.knitting.pk).title == "Knit and Natter"


@pytest.mark.usefixtures("frozen_today")
def test_our_own_output_imports_into_another_directory(
    client: Client, directory: Directory, personas: Personas
) -> None:
    """A round trip: what /services publishes, read by another site (ids remapped)."""
    published = get_json(client, f"/api/openreferral/services/{directory.singing.public_id}")
    text = json.dumps(published)
    for old in {published["id"], published["organization"]["id"]} | {
        sal["location"]["id"] for sal in published["service_at_locations"]
    }:
        text = text.replace(old, str(uuid.uuid5(uuid.NAMESPACE_URL, old)))
    other = json.loads(text)
    report = store([other], personas.ashfield)
    assert report.created == 1, report.skipped
    copy_ = Activity.objects.get(public_id=other["id"])
    assert copy_.title == "Community Choir" and str(copy_.price) == "3.00"
    assert copy_.schedules.get().rrule == directory.singing.schedules.get().rrule
    assert {c.slug for c in copy_.categories.all()} == {"music"}


def test_files_that_are_not_services_fail_clearly(tmp_path: Path, personas: Personas) -> None:
    with pytest.raises(OrukSourceError, match="not JSON"):
        read_file(b"<html>not json</html>")
    with pytest.raises(OrukSourceError, match="not Open Referral services"):
        read_file(b'{"hello": "world"}')
    page = {"total_items": 1, "contents": [service()]}
    assert read_file(json.dumps(page).encode()) == [service()]
    assert read_file(json.dumps([service()]).encode()) == [service()]
    path = tmp_path / "broken.json"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("import_openreferral", str(path), "--area", "ashfield")
    with pytest.raises(CommandError, match="no area"):
        call_command("import_openreferral", str(path), "--area", "nowhere")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_openreferral", str(tmp_path / "missing.json"), "--area", "ashfield")
    assert Activity.objects.count() == 0


@pytest.mark.usefixtures("frozen_today")
def test_the_command_imports_a_file_and_reports(tmp_path: Path, personas: Personas) -> None:
    from io import StringIO

    path = tmp_path / "services.json"
    second = copy.deepcopy(service(id=str(uuid.uuid4()), name="Chair Yoga"))
    second["schedules"][0]["freq"] = "DAILY"
    path.write_text(json.dumps({"contents": [service(), second]}))
    out = StringIO()
    call_command("import_openreferral", str(path), "--area", "ashfield", stdout=out)
    assert "2 created" in out.getvalue()
    assert "which HSDS does not define" in out.getvalue()


@pytest.mark.usefixtures("frozen_today")
def test_long_text_is_cut_to_fit_the_directorys_limits(personas: Personas) -> None:
    organisation = {**service()["organization"], "description": "o" * 3000}
    report = store(
        [service(name="n" * 400, description="d" * 9000, organization=organisation)],
        personas.ashfield,
    )
    assert report.created == 1
    item = Activity.objects.get(source=Activity.Source.OPEN_REFERRAL)
    assert len(item.title) == Activity._meta.get_field("title").max_length
    assert len(item.description) == Activity._meta.get_field("description").max_length
    assert len(item.organisation.description) == 2000
    item.full_clean()
    item.organisation.full_clean()


@pytest.mark.usefixtures("frozen_today")
def test_a_schedule_off_the_end_of_the_calendar_is_skipped_with_a_reason(
    personas: Personas,
) -> None:
    far = {**service()["schedules"][0], "dtstart": "9999-12-27"}
    endless = {**service()["schedules"][0], "byday": "FR", "valid_to": "9999-12-31"}
    report = store([service(schedules=[far, endless])], personas.ashfield)
    assert report.created == 1
    assert any("starting on 9999-12-27" in reason for _, reason in report.skipped)
    (kept,) = Activity.objects.get(source=Activity.Source.OPEN_REFERRAL).schedules.all()
    assert kept.rrule == "FREQ=WEEKLY;BYDAY=FR"  # a last date in 9999 is as good as none
    kept.full_clean()
