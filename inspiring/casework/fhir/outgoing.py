"""The message back out: GP Connect Send Document, FHIR STU3 (see the package's docstring)."""

from __future__ import annotations

import base64
import html
import uuid
from typing import Any

from fhir.resources.STU3.bundle import Bundle as STU3Bundle

from ..message_back import letter_heading, letter_sections
from .codes import (
    DOCUMENT_TYPE,
    ITK_EVENT,
    MESSAGE_DEFINITION,
    NHS_NUMBER,
    ODS,
    RFC4122,
    SNOMED,
    STU3_NHS,
    STU3_UK,
    XHTML,
)

# --- The message back out (STU3) -------------------------------------------------------


def _urn(value: uuid.UUID) -> str:
    return f"urn:uuid:{value}"


def _meta(profile: str) -> dict[str, Any]:
    return {"profile": [profile]}


def _div(*paragraphs: str, items: list[str] | None = None) -> dict[str, str]:
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    if items:
        body += "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _snomed(coded: dict[str, str]) -> dict[str, Any]:
    """A CodeableConcept of the message back's {"code", "term"}."""
    concept = {"system": SNOMED, "code": coded["code"]}
    if coded.get("term"):
        concept["display"] = coded["term"]
    return {"coding": [concept]}


def _split_name(name: str) -> dict[str, Any]:
    parts = name.split()
    human: dict[str, Any] = {"use": "official", "text": name}
    if parts:
        human["family"] = parts[-1]
    if len(parts) > 1:
        human["given"] = parts[:-1]
    return human


def _organization(
    ident: uuid.UUID, profile: str, *, ods: str | None, name: str | None
) -> dict[str, Any]:
    org: dict[str, Any] = {"resourceType": "Organization", "id": str(ident), "meta": _meta(profile)}
    if ods:
        org["identifier"] = [{"system": ODS, "value": ods}]
    if name:
        org["name"] = name
    return org


def message_back_bundle(
    doc: dict[str, Any],
    pdf: bytes,
    *,
    message_id: uuid.UUID,
    sender_ods: str | None,
    sender_name: str,
    recipient_ods: str,
    sender_mailbox: str | None = None,
) -> bytes:
    """The GP Connect Send Document message for one message back (`build_message_back`), with
    its letter (`letter_pdf`). Identifiers are derived from `message_id`, so the same message
    builds the same bytes when it is sent again.

    `sender_mailbox` is the sender's MESH mailbox (MessageHeader.source.endpoint, required
    by FHIR); without it the sender's ODS code, else its name, stands in.

    Raises ValueError when the person has not agreed to their GP being told.
    """
    if not doc["consent"]["inform_gp"]:
        raise ValueError("The person has not agreed to their GP being told: nothing to send")

    def ident(part: str) -> uuid.UUID:
        return uuid.uuid5(message_id, part)

    header_id, payload_id, composition_id = ident("header"), ident("payload"), ident("doc")
    sender_header, receiver_header = ident("sender-header"), ident("receiver-header")
    patient_id, practice_id, sender_id = ident("patient"), ident("practice"), ident("sender")
    worker_id, role_id, binary_id = ident("worker"), ident("role"), ident("pdf")
    referral_id, declined_id = ident("referral"), ident("declined")
    created = doc["document"]["created_at"]
    person, referral, outcome = doc["person"], doc["referral"], doc["outcome"]
    worker = doc["link_worker"]
    words = dict(letter_sections(doc))

    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient_id),
        "meta": _meta(STU3_UK + "CareConnect-Patient-1"),
        "name": [_split_name(person["name"])],
    }
    if person["nhs_number"]:
        patient["identifier"] = [{"system": NHS_NUMBER, "value": person["nhs_number"]}]
    if person["date_of_birth"]:
        patient["birthDate"] = person["date_of_birth"]
    if person["postcode"]:
        patient["address"] = [{"use": "home", "postalCode": person["postcode"]}]
    practice = None
    if person["gp_practice_ods_code"] or person["gp_practice"]:
        practice = _organization(
            practice_id,
            STU3_UK + "CareConnect-Organization-1",
            ods=person["gp_practice_ods_code"],
            name=person["gp_practice"],
        )
        patient["generalPractitioner"] = [{"reference": _urn(practice_id)}]

    sender = _organization(
        sender_id, STU3_UK + "CareConnect-Organization-1", ods=sender_ods, name=sender_name
    )
    telecom = [
        {"system": system, "value": worker[key], "use": "work"}
        for system, key in (("email", "email"), ("phone", "phone"))
        if worker[key]
    ]
    practitioner: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(worker_id),
        "meta": _meta(STU3_UK + "CareConnect-Practitioner-1"),
    }
    if worker["name"]:
        practitioner["name"] = [_split_name(worker["name"])]
    if telecom:
        practitioner["telecom"] = telecom
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": str(role_id),
        "meta": _meta(STU3_UK + "CareConnect-PractitionerRole-1"),
        "practitioner": {"reference": _urn(worker_id)},
        "organization": {"reference": _urn(sender_id)},
        "code": [{"text": f"Social prescribing link worker, {worker['programme']}"}],
    }
    if telecom:
        role["telecom"] = telecom
    binary = {
        "resourceType": "Binary",
        "id": str(binary_id),
        "meta": _meta(STU3_NHS + "ITK-Attachment-Binary-1"),
        "contentType": "application/pdf",
        "content": base64.b64encode(pdf).decode("ascii"),
    }
    referrer = referral["referrer"]
    by = ", ".join(part for part in (referrer["name"], referrer["organisation"]) if part)
    referral_request: dict[str, Any] = {
        "resourceType": "ReferralRequest",
        "id": str(referral_id),
        "meta": _meta(STU3_UK + "CareConnect-ReferralRequest-1"),
        "identifier": [{"system": RFC4122, "value": referral["id"]}],
        "status": "completed" if outcome["on"] else "active",
        "intent": "order",
        "type": _snomed(referral["snomed_ct"]),
        "subject": {"reference": _urn(patient_id)},
        "authoredOn": referral["received_on"],
        "reasonCode": [{"text": reason["label"]} for reason in referral["reasons"]],
        "recipient": [{"reference": _urn(sender_id)}],
    }
    if by:
        referral_request["requester"] = {"agent": {"display": by}}
    if referral["detail"]:
        referral_request["description"] = referral["detail"]
    resources = [binary, patient, sender, practitioner, role, referral_request]
    if practice:
        resources.insert(2, practice)

    outcome_entries = []
    if outcome["snomed_ct"]:
        resources.append(
            {
                "resourceType": "Observation",
                "id": str(declined_id),
                "meta": _meta(STU3_NHS + "CareConnect-GPC-Observation-1"),
                "status": "final",
                "code": _snomed(outcome["snomed_ct"]),
                "subject": {"reference": _urn(patient_id)},
                "effectiveDateTime": outcome["on"],
                "issued": created,
                "performer": [{"reference": _urn(worker_id)}],
            }
        )
        outcome_entries.append({"reference": _urn(declined_id)})

    activities = [
        line for line in words["Activities connected"] if line != "Not connected to an activity."
    ]
    sections = [
        {
            "title": doc["document"]["title"],
            "text": _div(letter_heading(doc)),
            "entry": [{"reference": _urn(binary_id)}],
        },
        {
            "title": "Reason for referral",
            "text": _div(*words["The referral"]),
            "entry": [{"reference": _urn(referral_id)}],
        },
        {"title": "What matters to me", "text": _div(*words["What matters to them"])},
        {
            "title": "Support offered",
            "text": _div(
                *words["Support offered"],
                "Activities referred to and connected:"
                if activities
                else "Not connected to an activity.",
                items=activities,
            ),
        },
        {
            "title": "Outcome",
            "text": _div(*words["Outcome"]),
            **({"entry": outcome_entries} if outcome_entries else {}),
        },
        {
            "title": "Link worker",
            "text": _div(*words["Link worker"]),
            "entry": [{"reference": _urn(role_id)}],
        },
        {
            "title": "Consent",
            "text": _div(
                f"Sent with their consent (to inform their GP) by {doc['document']['programme']}."
            ),
        },
    ]
    composition = {
        "resourceType": "Composition",
        "id": str(composition_id),
        "meta": _meta(STU3_UK + "CareConnect-Composition-1"),
        "identifier": {"system": RFC4122, "value": str(composition_id)},
        "status": "final",
        "type": {"coding": [DOCUMENT_TYPE], "text": doc["document"]["title"]},
        "date": created,
        "confidentiality": "N",
        "title": doc["document"]["title"],
        "text": _div(f"{doc['document']['title']}: {letter_heading(doc)}"),
        "subject": {"reference": _urn(patient_id)},
        "author": [{"reference": _urn(worker_id)}],
        "custodian": {"reference": _urn(sender_id)},
        "section": sections,
    }
    payload = {
        "resourceType": "Bundle",
        "id": str(payload_id),
        "meta": _meta(STU3_NHS + "ITK-Document-Bundle-1"),
        "identifier": {"system": RFC4122, "value": str(payload_id)},
        "type": "document",
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in [composition, *resources]
        ],
    }
    header = {
        "resourceType": "MessageHeader",
        "id": str(header_id),
        "meta": _meta(STU3_NHS + "ITK-MessageHeader-2"),
        "extension": [
            {
                "url": STU3_NHS + "Extension-ITK-MessageHandling-2",
                "extension": [
                    {"url": "BusAckRequested", "valueBoolean": True},
                    {"url": "InfAckRequested", "valueBoolean": True},
                    {
                        "url": "RecipientType",
                        "valueCoding": {
                            "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1",
                            "code": "FI",
                            "display": "For Information",
                        },
                    },
                    {
                        "url": "MessageDefinition",
                        "valueReference": {"reference": MESSAGE_DEFINITION},
                    },
                    {"url": "SenderReference", "valueString": _urn(composition_id)},
                    {"url": "LocalExtension", "valueString": "None"},
                ],
            }
        ],
        "event": ITK_EVENT,
        "source": {"endpoint": sender_mailbox or sender_ods or sender_name},
        "sender": {"reference": _urn(sender_header)},
        "receiver": {"reference": _urn(receiver_header)},
        "timestamp": created,
        "focus": [{"reference": _urn(payload_id)}],
    }
    header_profile = STU3_NHS + "CareConnect-ITK-Header-Organization-1"
    message = {
        "resourceType": "Bundle",
        "id": str(message_id),
        "meta": _meta(STU3_NHS + "ITK-Message-Bundle-1"),
        "identifier": {"system": RFC4122, "value": str(message_id)},
        "type": "message",
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in (
                header,
                _organization(sender_header, header_profile, ods=sender_ods, name=sender_name),
                _organization(receiver_header, header_profile, ods=recipient_ods, name=None),
                payload,
            )
        ],
    }
    return STU3Bundle.model_validate(message).model_dump_json().encode()
