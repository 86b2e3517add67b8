"""FHIR for the NHS channels: the message back as a GP Connect Send Document message (STU3),
and a referral read in from FHIR R4, with every problem said plainly."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from fhir.resources.STU3.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspiring.areas.models import GPPractice
from inspiring.casework.fhir import (
    IncomingReferral,
    ReferralInvalid,
    message_back_bundle,
    parse_referral,
)
from inspiring.casework.fhir_samples import (
    SERVICE_REQUEST_ID,
    TEST_NHS_NUMBER,
    sample_referral_bundle,
)
from inspiring.casework.message_back import build_message_back, letter_pdf
from inspiring.casework.models import Client, Contact
from lib.identifiers import normalise_nhs_number
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework, make_client
from .test_message_back import close_marys_case

REFERRAL_CODE = "871731000000106"
DECLINED_CODE = "871711000000103"
MESSAGE_ID = uuid.UUID("7d3f3c1e-2a4b-4c5d-8e6f-0a1b2c3d4e5f")


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource of the message, the payload bundle's included."""
    found = []
    for entry in bundle["entry"]:
        found.append(entry["resource"])
        if entry["resource"]["resourceType"] == "Bundle":
            found += _resources(entry["resource"])
    return found


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in _resources(bundle) if r["resourceType"] == kind]


def _marys_message(client: Browser, personas: Personas, casework: Casework) -> tuple[Any, bytes]:
    referral = close_marys_case(client, personas, casework)
    mary = casework.mary
    Contact.objects.create(
        client=mary, kind="phone", on=timezone.now(), minutes=10, notes="Worried about rent."
    )
    practice = GPPractice.objects.create(code="C84001", name="Kirkby Health Centre")
    Client.objects.filter(pk=mary.pk).update(
        consent_to_inform_gp=True, registered_practice=practice
    )
    mary.refresh_from_db()
    doc = build_message_back(mary, referral)
    return doc, letter_pdf(doc)


@pytest.mark.django_db
def test_the_message_back_is_a_send_document_message(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    doc, pdf = _marys_message(client, personas, casework)
    payload = message_back_bundle(
        doc,
        pdf,
        message_id=MESSAGE_ID,
        sender_ods="8JK12",
        sender_name="Ashfield Voluntary Action",
        recipient_ods="C84001",
    )
    # It reads back as an STU3 Bundle: what was built is valid FHIR.
    Bundle.model_validate_json(payload)
    message = json.loads(payload)
    assert message["type"] == "message" and message["identifier"]["value"] == str(MESSAGE_ID)
    header = message["entry"][0]["resource"]
    assert header["resourceType"] == "MessageHeader"
    assert header["event"]["code"] == "ITK007C"
    handling = {e["url"]: e for e in header["extension"][0]["extension"]}
    assert handling["BusAckRequested"]["valueBoolean"] is True
    assert handling["MessageDefinition"]["valueReference"]["reference"].endswith(
        "ITK-GPConnectSendDocument-MessageDefinition-1"
    )
    [payload_bundle] = _of(message, "Bundle")
    assert payload_bundle["type"] == "document"
    assert header["focus"][0]["reference"] == f"urn:uuid:{payload_bundle['id']}"

    [patient] = _of(message, "Patient")
    assert patient["identifier"] == [
        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}
    ]
    assert patient["birthDate"] == "1950-03-27"
    assert patient["name"][0]["family"] == "Jones" and patient["name"][0]["given"] == ["Mary"]
    ods = {i["value"] for org in _of(message, "Organization") for i in org.get("identifier", [])}
    assert {"C84001", "8JK12"} <= ods

    [composition] = _of(message, "Composition")
    titles = [s["title"] for s in composition["section"]]
    assert titles[1:5] == [
        "Reason for referral",
        "What matters to me",
        "Support offered",
        "Outcome",
    ]
    # The letter comes first, as the primary attachment, and decodes to the same PDF.
    [binary] = _of(message, "Binary")
    assert composition["section"][0]["entry"][0]["reference"] == f"urn:uuid:{binary['id']}"
    assert binary["contentType"] == "application/pdf"
    assert base64.b64decode(binary["content"]) == pdf
    [referral_request] = _of(message, "ReferralRequest")
    assert referral_request["type"]["coding"][0]["code"] == REFERRAL_CODE
    assert not _of(message, "Observation")  # not declined: no declined code
    support = next(s for s in composition["section"] if s["title"] == "Support offered")
    assert "Health walk" in support["text"]["div"]

    text = payload.decode()
    assert "Worried about rent" not in text and "a little nervous" not in text
    # The same message builds the same bytes (sent again, it is the same message).
    assert payload == message_back_bundle(
        doc,
        pdf,
        message_id=MESSAGE_ID,
        sender_ods="8JK12",
        sender_name="Ashfield Voluntary Action",
        recipient_ods="C84001",
    )


@pytest.mark.django_db
def test_a_declined_referral_carries_the_declined_code(
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
    Client.objects.filter(pk=alan.pk).update(consent_to_inform_gp=True)
    alan.refresh_from_db()
    referral.refresh_from_db()
    doc = build_message_back(alan, referral)
    payload = message_back_bundle(
        doc, b"%PDF-1.7 stand-in", message_id=MESSAGE_ID, sender_ods=None,
        sender_name="Ashfield Voluntary Action", recipient_ods="C84001",
    )  # fmt: skip
    message = Bundle.model_validate_json(payload).model_dump()
    [observation] = _of(message, "Observation")
    assert observation["code"]["coding"][0]["code"] == DECLINED_CODE
    [patient] = _of(message, "Patient")
    assert "identifier" not in patient  # no NHS number recorded: none invented


@pytest.mark.django_db
def test_no_message_without_consent_to_inform_the_gp(casework: Casework) -> None:
    doc = build_message_back(casework.mary, casework.mary.referrals.get())
    with pytest.raises(ValueError, match="not agreed"):
        message_back_bundle(
            doc, b"%PDF", message_id=MESSAGE_ID, sender_ods=None, sender_name="AVA",
            recipient_ods="C84001",
        )  # fmt: skip


# --- Referrals in ------------------------------------------------------------------------


def test_the_sample_referral_is_read() -> None:
    referral = parse_referral(sample_referral_bundle())
    assert isinstance(referral, IncomingReferral)
    assert referral.service_request_id == SERVICE_REQUEST_ID
    assert referral.nhs_number == TEST_NHS_NUMBER == normalise_nhs_number("999 000 0018")
    assert (referral.given_name, referral.family_name) == ("Joan", "Sample")
    assert referral.birth_date == date(1948, 2, 14)
    assert referral.postcode == "NG17 7AE"  # normalised from "ng17 7ae"
    assert referral.phone == "01632 960123" and referral.email == "joan.sample@example.com"
    assert referral.practice_ods == "Y90001"
    assert referral.referrer_name == "Dr Asha Rao"
    assert (referral.referrer_org, referral.referrer_ods) == ("Example Row Surgery", "Y90001")
    assert referral.referrer_email == "asha.rao@example.nhs.uk"
    assert (referral.reasons[0][2] or "").startswith("Lonely since")
    assert referral.consent_given is True


def _problems(payload: bytes) -> list[str]:
    with pytest.raises(ReferralInvalid) as caught:
        parse_referral(payload)
    return caught.value.problems


def _edited(edit: Any) -> bytes:
    bundle = json.loads(sample_referral_bundle())
    edit(bundle)
    return json.dumps(bundle).encode()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b'{"resourceType": "Bundle", ', "not readable: it is not JSON"),
        (b'{"resourceType": "Patient"}', "is a Patient: it must be a FHIR Bundle"),
        (b"[1, 2]", "not a FHIR resource"),
        (b'{"resourceType": "Bundle", "type": "collection"}', "No ServiceRequest"),
        (
            sample_referral_bundle(nhs_number="9990000019"),
            "The NHS number 9990000019 is not valid (its check digit is wrong)",
        ),
        (sample_referral_bundle(nhs_number="12345"), "(it is not 10 digits)"),
        (
            sample_referral_bundle(consent=None),
            "No Consent resource: the referral does not say the person agreed to be referred",
        ),
        (sample_referral_bundle(consent="rejected"), "The person has not consented"),
        (sample_referral_bundle(consent_provision="deny"), "The person has not consented"),
        (sample_referral_bundle(consent="proposed"), "Consent is not yet agreed"),
        (sample_referral_bundle(given="", family=""), "The Patient has no name"),
        (sample_referral_bundle(postcode="NOT A CODE"), "is not a UK postcode"),
        (sample_referral_bundle(birth_date="1950-13-01"), "The Patient's birthDate ('1950-13-01')"),
    ],
)
def test_a_bad_referral_is_refused_with_its_problem(payload: bytes, expected: str) -> None:
    problems = _problems(payload)
    assert any(expected in problem for problem in problems), problems


def test_wrong_types_are_said_plainly_all_at_once() -> None:
    def edit(bundle: dict[str, Any]) -> None:
        bundle["entry"][0]["resource"]["status"] = ["active"]
        bundle["entry"][1]["resource"]["birthDate"] = 1948
        bundle["entry"][1]["resource"]["favouriteColour"] = "blue"

    problems = _problems(_edited(edit))
    assert len(problems) == 3, problems
    assert any(p.startswith("The ServiceRequest's status") for p in problems)
    assert any(p.startswith("The Patient's birthDate") for p in problems)
    assert "The Patient's favouriteColour is not an element of FHIR R4" in problems
    assert not any("pydantic" in p or "errors.pydantic.dev" in p for p in problems)


def test_several_problems_come_together() -> None:
    problems = _problems(sample_referral_bundle(nhs_number="9990000019", consent="rejected"))
    assert len(problems) == 2


def test_a_referral_with_no_patient_is_refused() -> None:
    def edit(bundle: dict[str, Any]) -> None:
        bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]

    assert _problems(_edited(edit)) == ["No Patient: the referral does not say who it is for"]


def test_two_service_requests_are_refused() -> None:
    def edit(bundle: dict[str, Any]) -> None:
        bundle["entry"].append(bundle["entry"][0])

    assert "2 ServiceRequests" in _problems(_edited(edit))[0]


def test_an_stu3_referral_is_refused_by_name() -> None:
    def edit(bundle: dict[str, Any]) -> None:
        bundle["entry"][0]["resource"]["resourceType"] = "ReferralRequest"

    assert "FHIR STU3" in _problems(_edited(edit))[0]


def test_an_unknown_resource_is_named() -> None:
    def edit(bundle: dict[str, Any]) -> None:
        bundle["entry"][2]["resource"]["resourceType"] = "Surgery"

    assert _problems(_edited(edit)) == [
        "The message holds a 'Surgery', which is not a FHIR R4 resource"
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_a_referral_or_problems(payload: bytes) -> None:
    try:
        parse_referral(payload)
    except ReferralInvalid as error:
        assert error.problems and all(isinstance(p, str) for p in error.problems)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["status", "subject", "requester", "reasonCode", "supportingInfo", "note"]),
    _JSON,
)
def test_any_json_in_the_service_request_gives_problems_not_errors(field: str, value: Any) -> None:
    def edit(bundle: dict[str, Any]) -> None:
        bundle["entry"][0]["resource"][field] = value

    try:
        parse_referral(_edited(edit))
    except ReferralInvalid as error:
        assert error.problems
