"""The coordinator's curation pages: the queue, reviews, reported changes, stale listings."""

from __future__ import annotations

import pytest
from django.test import Client

from inspiring.directory.models import SupportFeature
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory

pytestmark = pytest.mark.django_db


def test_the_review_shows_a_change_of_support_features(
    client: Client, personas: Personas, directory: Directory
) -> None:
    partner = Client()
    sign_in(partner, personas.partner_lead)
    knitting = directory.knitting
    data = {
        "title": knitting.title,
        "summary": knitting.summary,
        "categories": list(knitting.categories.values_list("pk", flat=True)),
        "support_features": [SupportFeature.objects.get(code="buddy-available").pk],
        "venue": directory.hall.pk,
        "cost": "free",
        "booking": "drop_in",
        "capacity_status": "welcoming",
        "bring_someone": "yes",
    }
    partner.post(f"/staff/listings/activities/{knitting.public_id}/edit/", data)
    revision = knitting.revisions.get()
    sign_in(client, personas.coordinator)
    html = client.get(f"/staff/curation/review/{revision.public_id}/").text
    assert "What makes it easier to come" in html and "Buddy available" in html
