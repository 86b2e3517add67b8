"""Open Referral service-at-location ids are stored (service_ids.py) so that
/service_at_locations/{id} is one indexed read; the rows stay exact on every path (the
check after every writing test, tests/matchindex.py) and a stale row cannot answer."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspiring.directory.models import Activity
from inspiring.opendata import oruk, service_ids
from inspiring.opendata.models import ServiceAtLocationId
from tests.directory.builders import Directory

pytestmark = pytest.mark.django_db
ORUK = "/api/openreferral"


def _stored(activity_id: int) -> str:
    return str(ServiceAtLocationId.objects.get(activity_id=activity_id).item_id)


def test_a_listing_whose_place_changes_is_found_by_its_new_id_only(
    api: Client, directory: Directory
) -> None:
    knitting = directory.knitting
    before = oruk.service_at_location_id(knitting)
    assert _stored(knitting.pk) == before
    knitting.hide_address = True  # its location is now its locality, so a new id
    knitting.save()
    after = oruk.service_at_location_id(knitting)
    assert after != before and _stored(knitting.pk) == after
    assert api.get(f"{ORUK}/service_at_locations/{before}").status_code == 404
    found = api.get(f"{ORUK}/service_at_locations/{after}").json()
    assert found["id"] == after and found["service_id"] == str(knitting.public_id)


def test_a_lookup_is_one_indexed_read(directory: Directory) -> None:
    singing = directory.singing
    with CaptureQueriesContext(connection) as queries:
        assert service_ids.activity_for(oruk.service_at_location_id(singing)) == singing.pk
        assert service_ids.activity_for(str(uuid.uuid4())) is None
        assert service_ids.activity_for("not-a-uuid") is None
    assert len(queries) == 2  # one each for the well-formed ids; none for the other


def test_an_unpublished_listing_is_not_found(directory: Directory) -> None:
    knitting = directory.knitting
    item_id = oruk.service_at_location_id(knitting)
    knitting.status = Activity.Status.WITHDRAWN
    knitting.save()
    assert _stored(knitting.pk) == item_id  # kept: it may be published again
    assert service_ids.activity_for(item_id) is None


@pytest.mark.stale_index
def test_a_stale_row_is_found_by_the_check_and_answers_nothing(
    api: Client, directory: Directory
) -> None:
    singing = directory.singing
    right = oruk.service_at_location_id(singing)
    wrong = uuid.uuid4()
    ServiceAtLocationId.objects.filter(activity_id=singing.pk).update(item_id=wrong)
    assert service_ids.differences() == [f"activity {singing.pk}: {wrong} should be {right}"]
    # The row found is checked against the listing: the stale id does not answer.
    assert api.get(f"{ORUK}/service_at_locations/{wrong}").status_code == 404
    ServiceAtLocationId.objects.filter(activity_id=directory.knitting.pk).delete()
    assert f"activity {directory.knitting.pk}: missing" in service_ids.differences()
    assert service_ids.rebuild() >= 2
    assert service_ids.differences() == []
    assert api.get(f"{ORUK}/service_at_locations/{right}").status_code == 200


@pytest.mark.stale_index
def test_migrate_writes_the_rows_again_where_some_are_missing(directory: Directory) -> None:
    from django.apps import apps

    ServiceAtLocationId.objects.all().delete()
    service_ids._after_migrate(apps.get_app_config("opendata"), verbosity=0)
    assert service_ids.differences() == []
    assert ServiceAtLocationId.objects.count() >= 3
