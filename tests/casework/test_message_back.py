"""The message back to the GP and referrer: the letter, its structured data, and sending it."""

from __future__ import annotations

import io
import json
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from inspiring.accounts.models import AuditEntry
from inspiring.casework.models import Client, Contact, Referral, SentMessage
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client

pytestmark = pytest.mark.django_db

REFERRAL_CODE = "871731000000106"
DECLINED_CODE = "871711000000103"

CODED = {
    "type": "object",
    "required": ["code", "label"],
    "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
}
SNOMED = {
    "type": "object",
    "required": ["code", "term"],
    "properties": {
        "code": {"type": "string", "pattern": "^[0-9]{6,18}$"},
        "term": {"type": "string"},
    },
}
DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
OPTIONAL_DATE = {"anyOf": [DATE, {"type": "null"}]}
OPTIONAL_TEXT = {"type": ["string", "null"]}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "document",
        "person",
        "referral",
        "summary",
        "what_matters",
        "barriers",
        "support_offered",
        "activities_connected",
        "outcome",
        "link_worker",
        "dates",
        "consent",
    ],
    "properties": {
        "document": {
            "type": "object",
            "required": ["title", "standard", "created_at", "programme"],
        },
        "person": {
            "type": "object",
            "required": ["name", "date_of_birth", "nhs_number", "postcode", "gp_practice"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "date_of_birth": OPTIONAL_DATE,
                "nhs_number": {
                    "anyOf": [{"type": "string", "pattern": r"^\d{10}$"}, {"type": "null"}]
                },
            },
        },
        "referral": {
            "type": "object",
            "required": ["id", "snomed_ct", "source", "referrer", "reasons", "received_on"],
            "properties": {
                "snomed_ct": {**SNOMED, "properties": {"code": {"const": REFERRAL_CODE}}},
                "source": CODED,
                "reasons": {"type": "array", "items": CODED, "minItems": 1},
                "received_on": DATE,
            },
        },
        "summary": OPTIONAL_TEXT,
        "what_matters": OPTIONAL_TEXT,
        "barriers": {"type": "array", "items": CODED},
        "support_offered": {
            "type": "object",
            "required": ["contacts", "contact_minutes", "support"],
            "properties": {
                "contacts": {"type": "integer", "minimum": 0},
                "contact_minutes": {"type": "integer", "minimum": 0},
                "support": {"type": "array", "items": CODED},
            },
        },
        "activities_connected": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["activity", "organisation", "level", "status", "status_since"],
                "properties": {"level": CODED, "status": CODED, "status_since": DATE},
            },
        },
        "outcome": {
            "type": "object",
            "required": ["status", "result", "reason", "on", "snomed_ct"],
            "properties": {
                "status": CODED,
                "result": {"anyOf": [CODED, {"type": "null"}]},
                "on": OPTIONAL_DATE,
                "snomed_ct": {"anyOf": [SNOMED, {"type": "null"}]},
            },
        },
        "link_worker": {"type": "object", "required": ["name", "email", "programme"]},
        "dates": {
            "type": "object",
            "required": ["referred", "first_contact", "assessed", "closed"],
            "properties": {
                "referred": DATE,
                "first_contact": OPTIONAL_DATE,
                "assessed": OPTIONAL_DATE,
                "closed": OPTIONAL_DATE,
            },
        },
        "consent": {
            "type": "object",
            "required": ["inform_gp"],
            "properties": {"inform_gp": {"type": "boolean"}},
        },
    },
}


def close_marys_case(browser: Browser, personas: Personas, casework: Casework) -> Referral:
    """Over HTTP: assess Mary, connect her to the walk with support, close with an outcome."""
    mary, today = casework.mary, timezone.localdate()
    sign_in(browser, personas.link_worker, area=personas.ashfield)
    response = browser.post(
        reverse("casework:assessment", args=[mary.public_id]),
        {
            "what_matters": "Getting out of the house since Jean died.",
            "barriers": ["anxiety", "not_knowing_anyone"],
            "availability": ["TU-morning"],
            "assessed_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    Contact.objects.create(client=mary, kind="phone", on=timezone.now(), minutes=30)
    session = casework.walk.sessions.filter(start__gte=timezone.now()).order_by("start").first()
    assert session is not None
    response = browser.post(
        reverse("casework:connect_to", args=[mary.public_id, casework.walk.public_id]),
        {
            "level": "introduction",
            "first_session": session.pk,
            "support": ["accompany"],
            "share_consent": "on",
            "shared_note": "Mary, a little nervous.",
            "agreed": "on",
        },
    )
    assert response.status_code == 302
    referral = mary.referrals.get()
    assert referral.status == Referral.Status.ACTIVE
    response = browser.post(
        reverse("casework:referral_status", args=[referral.public_id]),
        {
            "status": "closed",
            "on": today.isoformat(),
            "reason": "Going every week with her neighbour.",
            "outcome": "goals_met",
        },
    )
    assert response.status_code == 302, response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    return referral


def get_json(browser: Browser, client: Client, referral: Referral | None = None) -> Any:
    url = reverse("casework:message_back_json", args=[client.public_id])
    response = browser.get(url + (f"?referral={referral.public_id}" if referral else ""))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_message_back_at_closure(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    referral = close_marys_case(client, personas, casework)
    mary = casework.mary
    # The closed referral's page offers the message back.
    page = client.get(reverse("casework:referral_status", args=[referral.public_id]))
    assert reverse("casework:message_back", args=[mary.public_id]) in page.content.decode()

    doc = get_json(client, mary, referral)
    jsonschema.validate(doc, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert doc["person"]["nhs_number"] == "9434765919"
    assert doc["person"]["date_of_birth"] == "1950-03-27"
    assert doc["referral"]["snomed_ct"]["code"] == REFERRAL_CODE
    assert doc["referral"]["source"] == {"code": "gp", "label": "GP"}
    assert doc["what_matters"] == "Getting out of the house since Jean died."
    assert [b["code"] for b in doc["barriers"]] == ["anxiety", "not_knowing_anyone"]
    assert doc["support_offered"]["contacts"] == 1
    assert doc["support_offered"]["contact_minutes"] == 30
    assert [s["code"] for s in doc["support_offered"]["support"]] == ["accompany"]
    [walk] = doc["activities_connected"]
    assert walk["activity"] == "Health walk"
    assert walk["level"]["code"] == "introduction" and walk["status"]["code"] == "agreed"
    assert doc["outcome"]["status"]["code"] == "closed"
    assert doc["outcome"]["result"]["code"] == "goals_met"
    assert doc["outcome"]["reason"] == "Going every week with her neighbour."
    assert doc["outcome"]["snomed_ct"] is None
    assert doc["dates"]["closed"] == timezone.localdate().isoformat()
    assert doc["link_worker"]["email"] == personas.link_worker.email
    # Nothing the group was told, nor contact notes, goes to the GP.
    assert "a little nervous" not in json.dumps(doc)
    assert AuditEntry.objects.filter(
        action="message_back.downloaded", object_id=str(mary.public_id)
    ).exists()

    response = client.get(
        reverse("casework:message_back_pdf", args=[mary.public_id])
        + f"?referral={referral.public_id}"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Mary Jones" in text and "943 476 5919" in text
    assert "Health walk" in text and "Getting out of the house since Jean died." in text
    assert REFERRAL_CODE in text and "Goals met" in text


def test_a_declined_referral_carries_its_snomed_code(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    alan = make_client(personas.ashfield, "Alan", "Price", worker=personas.link_worker)
    referral = alan.referrals.get()
    sign_in(client, personas.link_worker, area=personas.ashfield)
    response = client.post(
        reverse("casework:referral_status", args=[referral.public_id]),
        {"status": "declined", "on": timezone.localdate().isoformat(), "reason": "Not for now."},
    )
    assert response.status_code == 302
    doc = get_json(client, alan)
    jsonschema.validate(doc, SCHEMA)
    assert doc["outcome"]["status"]["code"] == "declined"
    assert doc["outcome"]["snomed_ct"] == {
        "code": DECLINED_CODE,
        "term": "Social prescribing declined",
    }
    assert doc["person"]["nhs_number"] is None and doc["what_matters"] is None
    assert doc["activities_connected"] == []
    page = client.get(reverse("casework:message_back", args=[alan.public_id])).content.decode()
    assert DECLINED_CODE in page


def test_it_is_not_sent_without_the_clients_consent(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    referral = close_marys_case(client, personas, casework)
    mary = casework.mary
    Referral.objects.filter(pk=referral.pk).update(referrer_email="gp@example.nhs.uk")
    page = client.get(reverse("casework:message_back", args=[mary.public_id])).content.decode()
    assert "has not agreed to their GP and referrer being told" in page
    response = client.post(
        reverse("casework:message_back_send", args=[mary.public_id]),
        {"referral": str(referral.public_id)},
        follow=True,
    )
    assert "has not agreed to their GP and referrer being told" in response.content.decode()
    assert not SentMessage.objects.exists() and not mail.outbox
    # What is downloaded without consent says it is not for sending.
    pdf = client.get(reverse("casework:message_back_pdf", args=[mary.public_id])).content
    assert "Not for sending" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_it_goes_to_the_referrer_with_consent_and_is_kept(
    client: Browser, personas: Personas, casework: Casework, settings: Any
) -> None:
    settings.CASEWORK_SENDER = "email"
    referral = close_marys_case(client, personas, casework)
    mary = casework.mary
    Client.objects.filter(pk=mary.pk).update(consent_to_inform_gp=True)

    # No address for the referrer: nothing goes.
    response = client.post(
        reverse("casework:message_back_send", args=[mary.public_id]),
        {"referral": str(referral.public_id)},
        follow=True,
    )
    assert "There is no email address for the referrer" in response.content.decode()
    assert not mail.outbox

    Referral.objects.filter(pk=referral.pk).update(referrer_email="gp@example.nhs.uk")
    response = client.post(
        reverse("casework:message_back_send", args=[mary.public_id]),
        {"referral": str(referral.public_id)},
    )
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == ["gp@example.nhs.uk"]
    assert "Mary Jones" not in email.subject and "943" not in email.subject
    assert "Getting out of the house since Jean died." in email.body
    assert REFERRAL_CODE in email.body
    [(name, content, mimetype)] = email.attachments
    assert name.endswith(".pdf") and mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    message = SentMessage.objects.get(client=mary)
    assert message.kind == SentMessage.Kind.MESSAGE_BACK and message.to == "gp@example.nhs.uk"
    assert AuditEntry.objects.filter(action="message.sent", object_id=str(mary.public_id)).exists()
    timeline = client.get(mary.get_absolute_url()).content.decode()
    assert "Message back to the GP and referrer sent to gp@example.nhs.uk" in timeline


def test_free_text_is_escaped_in_the_preview(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    mary = casework.mary
    response = client.post(
        reverse("casework:assessment", args=[mary.public_id]),
        {
            "what_matters": "<script>alert('x')</script> my garden",
            "assessed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("casework:message_back", args=[mary.public_id])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; my garden" in html


def test_another_areas_client_or_referral_is_not_found(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    other = casework.other_area_client
    for name in ("message_back", "message_back_pdf", "message_back_json"):
        assert client.get(reverse(f"casework:{name}", args=[other.public_id])).status_code == 404
    response = client.post(reverse("casework:message_back_send", args=[other.public_id]))
    assert response.status_code == 404
    # Another client's referral, asked for on Mary's page.
    url = reverse("casework:message_back_json", args=[casework.mary.public_id])
    other_referral = other.referrals.get().public_id
    assert client.get(f"{url}?referral={other_referral}").status_code == 404
    assert client.get(f"{url}?referral=not-a-uuid").status_code == 404


def test_the_link_worker_writes_the_summary_the_gp_reads(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    referral = close_marys_case(client, personas, casework)
    mary = casework.mary
    url = reverse("casework:message_back_summary", args=[mary.public_id])
    url += f"?referral={referral.public_id}"
    page = client.get(url).content.decode()
    # Starts from what matters to them, in their words.
    assert "Getting out of the house since Jean died." in page
    response = client.post(url, {"summary_for_gp": "x" * 2001, "referral": referral.public_id})
    assert response.status_code == 200
    assert "Summary for their GP and referrer must be 2,000 characters or fewer" in (
        response.content.decode()
    )
    referral.refresh_from_db()
    assert referral.summary_for_gp == ""
    summary = "Mary has been walking every Tuesday with a neighbour and feels less alone."
    response = client.post(url, {"summary_for_gp": summary, "referral": referral.public_id})
    assert response.status_code == 302
    doc = get_json(client, mary, referral)
    jsonschema.validate(doc, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert doc["summary"] == summary
    # In place of the assessment's notes; the coded parts are as recorded.
    assert doc["what_matters"] is None and doc["needs"] is None
    assert doc["referral"]["snomed_ct"]["code"] == REFERRAL_CODE
    assert [a["activity"] for a in doc["activities_connected"]] == ["Health walk"]
    letter = client.get(reverse("casework:message_back", args=[mary.public_id])).content.decode()
    assert summary in letter and "since Jean died" not in letter
    assert AuditEntry.objects.filter(
        action="referral.summary_changed", object_id=str(mary.public_id)
    ).exists()
    # Another area's coordinator cannot reach it.
    sign_in(client, personas.mansfield_coordinator, area=personas.mansfield)
    assert client.get(url).status_code == 404
