"""Free text has a length that fits its use: a megabyte is refused, clearly, and nothing saved.

A trusted partner's description is published at once through both open-data
APIs, so the limit is the model's (max_length plus a validator, since the
database does not enforce a TextField's max_length) and every form says it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.test import Client

from inspiring.directory.models import Activity, ListingReport, Organisation, Venue
from inspiring.directory.models import Schedule as ScheduleModel
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, as_date_input
from .test_self_service import activity_data

pytestmark = pytest.mark.django_db

MEGABYTE = "a" * (1024 * 1024)


def text_fields(app_label: str) -> list[tuple[str, models.Field[Any, Any]]]:
    return [
        (f"{model.__name__}.{field.name}", field)
        for model in apps.get_app_config(app_label).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and field.editable
    ]


@pytest.mark.parametrize(
    ("name", "field"), [*text_fields("directory"), *text_fields("areas")], ids=lambda v: str(v)
)
def test_every_free_text_field_has_a_limit_full_clean_enforces(
    name: str, field: models.Field[Any, Any]
) -> None:
    assert field.max_length, f"{name} has no max_length"
    assert any(
        isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length
        for v in field.validators
    ), f"{name} has no MaxLengthValidator: full_clean would not enforce its max_length"


def test_the_limits_fit_their_use() -> None:
    # The feed importer cuts imported text to these: the model field is the contract.
    assert Activity._meta.get_field("description").max_length == 5000
    assert Activity._meta.get_field("what_to_expect").max_length == 1000
    assert Organisation._meta.get_field("description").max_length == 2000
    assert Venue._meta.get_field("access_notes").max_length == 1000
    assert ListingReport._meta.get_field("message").max_length == 2000


def test_full_clean_refuses_a_megabyte_description(directory: Directory) -> None:
    directory.knitting.description = MEGABYTE
    with pytest.raises(ValidationError) as refused:
        directory.knitting.full_clean()
    assert refused.value.message_dict["description"] == [
        "Description must be 5,000 characters or fewer"
    ]


def test_a_description_of_exactly_the_limit_is_accepted(directory: Directory) -> None:
    directory.knitting.description = "a" * 5000
    directory.knitting.full_clean()


@pytest.mark.parametrize("who", ["coordinator", "trusted_partner"])
def test_a_megabyte_description_is_refused_on_the_page_and_nothing_is_saved(
    client: Client, personas: Personas, directory: Directory, who: str
) -> None:
    if who == "trusted_partner":
        # A trusted partner's change would be published at once, through both APIs.
        Organisation.objects.filter(pk=directory.knit.pk).update(trusted=True)
        sign_in(client, personas.partner_lead)
    else:
        sign_in(client, personas.coordinator)
    before = Activity.objects.count()
    added = client.post(
        f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/",
        activity_data(directory, description=MEGABYTE),
    )
    assert added.status_code == 200
    assert "Description must be 5,000 characters or fewer" in added.text
    changed = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/edit/",
        activity_data(directory, title="Knit and Natter", description=MEGABYTE),
    )
    assert changed.status_code == 200
    assert "Description must be 5,000 characters or fewer" in changed.text
    assert Activity.objects.count() == before
    directory.knitting.refresh_from_db()
    assert directory.knitting.description == ""


def test_what_to_expect_says_its_own_limit(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    response = client.post(
        f"/staff/listings/organisations/{directory.knit.public_id}/activities/new/",
        activity_data(directory, what_to_expect="a" * 1001),
    )
    assert "What to expect on the first visit must be 1,000 characters or fewer" in response.text
    assert not Activity.objects.filter(title="Friday Film Club").exists()


def test_a_megabyte_organisation_description_is_refused(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    response = client.post(
        f"/staff/listings/organisations/{directory.knit.public_id}/edit/",
        {"name": "Kirkby Knit and Natter", "kind": "community_group", "description": MEGABYTE},
    )
    assert response.status_code == 200
    assert "Description must be 2,000 characters or fewer" in response.text
    directory.knit.refresh_from_db()
    assert directory.knit.description == ""


def test_a_megabyte_of_access_notes_is_refused(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.partner_lead)
    response = client.post(
        f"/staff/listings/venues/{directory.hall.public_id}/edit/",
        {
            "name": "Kirkby Community Hall",
            "address_line_1": "1 High Street",
            "town": "Kirkby-in-Ashfield",
            "postcode_place": "NG17 7AE",
            "access_notes": MEGABYTE,
        },
    )
    assert response.status_code == 200
    assert "Other access information must be 1,000 characters or fewer" in response.text
    directory.hall.refresh_from_db()
    assert directory.hall.access_notes == ""


def test_a_megabyte_of_excluded_dates_is_refused(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.coordinator)
    before = ScheduleModel.objects.count()
    response = client.post(
        f"/staff/listings/activities/{directory.knitting.public_id}/schedules/new/",
        as_date_input(
            {
                "frequency": "weekly",
                "days": ["TU"],
                "start_date": "2026-12-08",
                "start_time": "10:00",
                "end_time": "12:00",
                "excluded": "2026-12-22\n" * 100_000,
            }
        ),
    )
    assert "Dates it does not run must be 5,000 characters or fewer" in response.text
    assert ScheduleModel.objects.count() == before


def test_a_coordinators_note_is_limited(
    client: Client, personas: Personas, directory: Directory
) -> None:
    directory.knitting.status = Activity.Status.PENDING
    directory.knitting.save()
    sign_in(client, personas.coordinator)
    response = client.post(
        f"/staff/curation/review/{directory.knitting.public_id}/", {"note": MEGABYTE}
    )
    assert "What needs changing must be 2,000 characters or fewer" in response.text
    directory.knitting.refresh_from_db()
    assert (directory.knitting.status, directory.knitting.review_note) == ("pending", "")


def test_an_area_summary_is_limited(personas: Personas) -> None:
    personas.ashfield.summary = MEGABYTE
    with pytest.raises(ValidationError) as refused:
        personas.ashfield.full_clean()
    assert refused.value.message_dict["summary"] == ["Summary must be 1,000 characters or fewer"]
