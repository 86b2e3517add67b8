"""The link worker's everyday path, over HTTP: a referral to a connection with support."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.casework.models import Client, Connection, Referral, Task
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db


def test_a_referral_to_a_connection_with_support(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    today = timezone.localdate()
    response = client.post(
        reverse("casework:new_referral"),
        {
            "person-first_name": "Alan",
            "person-last_name": "Price",
            "person-date_of_birth": "1948-05-02",
            "person-nhs_number": "401 023 2137",
            "person-postcode": "ng17 7ae",
            "person-phone": "01632 960002",
            "person-preferred_contact": "phone",
            "person-consent_to_hold": "on",
            "person-consent_to_contact": "on",
            "referral-source": "gp",
            "referral-referrer_organisation": "Kirkby Health Centre",
            "referral-reasons": ["loneliness", "bereavement"],
            "referral-received_on": today.isoformat(),
        },
    )
    alan = Client.objects.get(first_name="Alan")
    assert response.status_code == 302 and response["Location"] == alan.get_absolute_url()
    assert alan.nhs_number == "4010232137"
    assert alan.postcode == "NG17 7AE" and alan.imd_decile is not None
    assert alan.worker == personas.link_worker
    assert alan.consent_recorded_by == personas.link_worker
    referral = alan.referrals.get()
    assert referral.snomed_code == "871731000000106"

    page = client.get(alan.get_absolute_url())
    assert page.status_code == 200
    assert "Alan Price" in page.content.decode()

    response = client.post(
        reverse("casework:assessment", args=[alan.public_id]),
        {
            "what_matters": "Getting out of the house since Jean died.",
            "barriers": ["anxiety", "not_knowing_anyone"],
            "availability": ["TU-morning", "TH-morning"],
            "max_travel_miles": "2",
            "assessed_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ASSESSED
    assert [c.status for c in referral.changes.all()] == ["received", "contacted", "assessed"]

    session = casework.walk.sessions.order_by("start").first()
    assert session is not None
    response = client.post(
        reverse("casework:connect_to", args=[alan.public_id, casework.walk.public_id]),
        {
            "level": "introduction",
            "first_session": session.pk,
            "support": ["accompany", "contact_leader"],
            "share_consent": "on",
            "shared_note": "Alan, a little nervous; I will come with him the first time.",
            "agreed": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    connection = Connection.objects.get(client=alan)
    assert connection.status == Connection.Status.AGREED
    assert connection.support == ["accompany", "contact_leader"]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACTIVE

    response = client.post(
        reverse("casework:connection", args=[connection.public_id]),
        {"status": "attended_first", "on": today.isoformat(), "reason": ""},
    )
    assert response.status_code == 302
    follow_up = Task.objects.get(client=alan)
    assert follow_up.due_on == today + timedelta(days=14)

    timeline = client.get(alan.get_absolute_url()).content.decode()
    assert "Health walk: went to the first visit" in timeline
    assert "Ask how the first visit to Health walk went" in timeline
    # Every read and change of the record is in the audit log.
    actions = set(
        AuditEntry.objects.filter(object_id=str(alan.public_id)).values_list("action", flat=True)
    )
    assert {
        "client.created",
        "client.viewed",
        "assessment.saved",
        "connection.created",
        "connection.changed",
    } <= actions
