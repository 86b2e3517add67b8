"""The coordinator's curation pages: the queue, reviews, reported changes, stale listings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from inspiring.directory.actions import pending_revision
from inspiring.directory.models import Activity, ListingReport, SupportFeature
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, activity

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


# --- Lists cost the same for one row or many (no query per row) ---------------------------


def add_work(directory: Directory, n: int) -> None:
    """n of each thing the curation page lists: new submissions, partners' changes to live
    listings, reports from groups, and stale listings."""
    for i in range(n):
        activity(directory.knit, f"New {n}-{i}", at=directory.hall, status="pending")
        live = activity(directory.knit, f"Live {n}-{i}", at=directory.hall)
        pending_revision(live)
        ListingReport.objects.create(activity=live, message=f"New time {i}", reported_by="Knit")
        stale = activity(directory.knit, f"Stale {n}-{i}", at=directory.hall)
        Activity.objects.filter(pk=stale.pk).update(
            last_confirmed_at=timezone.now() - timedelta(days=400)
        )


@pytest.mark.parametrize("url", ["/staff/curation/", "/staff/listings/", "/staff/planning/"])
def test_the_curation_lists_cost_the_same_for_one_item_or_many(
    client: Client,
    personas: Personas,
    directory: Directory,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
    url: str,
) -> None:
    add_work(directory, 1)
    sign_in(client, personas.coordinator)
    client.get(url)  # the session's first-request writes are not the list's
    with django_assert_max_num_queries(20) as one:
        assert client.get(url).status_code == 200
    add_work(directory, 8)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url)
    if url == "/staff/curation/":
        assert page.text.count("/staff/curation/review/") == 18  # 9 new, 9 changes
        assert page.text.count("Mark as dealt with") == 9
        assert page.context["stale_count"] == 9
