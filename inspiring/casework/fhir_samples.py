"""A made-up referral in the shape `fhir.parse_referral` reads (FHIR R4), for the tests and
the demo (which puts it into the MESH sandbox's inbox).

Joan Sample is not a real person. Her NHS number, 999 000 0018, is in the 999 range
NHS England keeps for testing, with its modulus 11 check digit right. The practice code
Y90001 and everything else are invented; no SNOMED CT code is used beyond choices.py's.
"""

from __future__ import annotations

import json
from typing import Any

from . import choices
from .fhir.codes import NHS_NUMBER, ODS, SNOMED

TEST_NHS_NUMBER = "9990000018"
SERVICE_REQUEST_ID = "4b1d6a7e-5f0c-4c3e-9a57-0d6f1b2c9e01"
_IDS = {
    "request": SERVICE_REQUEST_ID,
    "patient": "4b1d6a7e-5f0c-4c3e-9a57-0d6f1b2c9e02",
    "practice": "4b1d6a7e-5f0c-4c3e-9a57-0d6f1b2c9e03",
    "doctor": "4b1d6a7e-5f0c-4c3e-9a57-0d6f1b2c9e04",
    "role": "4b1d6a7e-5f0c-4c3e-9a57-0d6f1b2c9e05",
    "consent": "4b1d6a7e-5f0c-4c3e-9a57-0d6f1b2c9e06",
}


def _ref(name: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{_IDS[name]}"}


def sample_referral_bundle(
    *,
    nhs_number: str = TEST_NHS_NUMBER,
    given: str = "Joan",
    family: str = "Sample",
    birth_date: str = "1948-02-14",
    postcode: str = "ng17 7ae",
    phone: str = "01632 960123",
    email: str = "joan.sample@example.com",
    practice_ods: str = "Y90001",
    reason: str = "Lonely since her husband died; would like to meet people nearby",
    consent: str | None = "active",
    consent_provision: str = "permit",
) -> bytes:
    """The referral as JSON bytes. `consent=None` leaves the Consent out; empty `given` and
    `family` leave the name out."""
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": _IDS["patient"],
        "identifier": [{"system": NHS_NUMBER, "value": nhs_number}],
        "birthDate": birth_date,
        "address": [{"use": "home", "line": ["1 Example Row"], "postalCode": postcode}],
        "telecom": [
            {"system": "phone", "value": phone, "use": "home"},
            {"system": "email", "value": email},
        ],
        "generalPractitioner": [_ref("practice")],
    }
    if given or family:
        patient["name"] = [
            {"use": "official", **({"given": [given]} if given else {}), "family": family}
        ]
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": _IDS["request"],
        "status": "active",
        "intent": "order",
        "code": {
            "coding": [
                {
                    "system": SNOMED,
                    "code": choices.SNOMED_REFERRAL,
                    "display": choices.SNOMED_TERMS[choices.SNOMED_REFERRAL],
                }
            ]
        },
        "subject": _ref("patient"),
        "authoredOn": "2025-05-06T09:30:00+01:00",
        "requester": _ref("role"),
        "reasonCode": [{"text": reason}],
        "note": [{"text": "Prefers a phone call in the morning."}],
    }
    resources: list[dict[str, Any]] = [
        request,
        patient,
        {
            "resourceType": "Organization",
            "id": _IDS["practice"],
            "identifier": [{"system": ODS, "value": practice_ods}],
            "name": "Example Row Surgery",
        },
        {
            "resourceType": "Practitioner",
            "id": _IDS["doctor"],
            "name": [{"use": "official", "prefix": ["Dr"], "given": ["Asha"], "family": "Rao"}],
        },
        {
            "resourceType": "PractitionerRole",
            "id": _IDS["role"],
            "practitioner": _ref("doctor"),
            "organization": _ref("practice"),
            "telecom": [
                {"system": "email", "value": "asha.rao@example.nhs.uk"},
                {"system": "phone", "value": "01632 960999"},
            ],
        },
    ]
    if consent is not None:
        request["supportingInfo"] = [_ref("consent")]
        resources.append(
            {
                "resourceType": "Consent",
                "id": _IDS["consent"],
                "status": consent,
                "scope": {"text": "Sharing their details with the social prescribing service"},
                "category": [{"text": "Consent to be referred to social prescribing"}],
                "patient": _ref("patient"),
                "dateTime": "2025-05-06T09:25:00+01:00",
                "policyRule": {"text": "Agreed with the referrer, who recorded it"},
                "provision": {"type": consent_provision},
            }
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": "2025-05-06T09:30:00+01:00",
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in resources
        ],
    }
    return json.dumps(bundle, indent=1).encode()
