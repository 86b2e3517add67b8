"""FHIR documents for the NHS channels: the message back out, a referral in. Pure functions,
no transport (MESH carries the bytes: `lib.mesh`).

The message back: `message_back_bundle(doc, pdf, ...)`
------------------------------------------------------
GP Connect Send Document (GP Connect Messaging 1.x, MESH workflow GPCONNECT_SEND_DOCUMENT):
an ITK3 Messaging Distribution message (ITK3 2.x), FHIR **STU3**, built with
`fhir.resources.STU3` so that building it validates it.

- Bundle `ITK-Message-Bundle-1`, type "message", identifier = the message id (RFC 4122);
- MessageHeader `ITK-MessageHeader-2`, first: event ITK007C "ITK GP Connect Send Document"
  (system ITK-MessageEvent-2); the `Extension-ITK-MessageHandling-2` extension with
  BusAckRequested and InfAckRequested true, RecipientType FI "For Information" (it asks the
  practice to do nothing), MessageDefinition ITK-GPConnectSendDocument-MessageDefinition-1,
  SenderReference (the document's UUID) and LocalExtension "None" (no named use case);
  source.endpoint the sender's MESH mailbox; sender and receiver are
  `CareConnect-ITK-Header-Organization-1` Organizations with ODS codes; focus the document;
- the payload, `ITK-Document-Bundle-1` (type "document"), whose Composition
  (`CareConnect-Composition-1`) has the Patient as subject (`CareConnect-Patient-1`: NHS number,
  name, birth date, postcode, registered practice), the link worker as author
  (`CareConnect-Practitioner-1`, with a `CareConnect-PractitionerRole-1` in the sending
  organisation) and the sending organisation as custodian (`CareConnect-Organization-1`).
  Sections, first the letter as a PDF (`ITK-Attachment-Binary-1`, base64: GPCM-SD-019 to 022
  put the primary attachment first), then the PRSB Social Prescribing Information Standard's
  headings in the letter's own words (`message_back.letter_sections`): "Reason for referral"
  (with a `CareConnect-ReferralRequest-1` coded SNOMED CT 871731000000106 Referral to social
  prescribing service), "What matters to me", "Support offered" (the activities referred and
  connected listed in it), "Outcome" (with a `CareConnect-GPC-Observation-1` coded
  871711000000103 Social prescribing declined, only when declined), "Link worker" and
  "Consent".

SNOMED CT codes: the two of `choices.py` (SNOMED_REFERRAL, SNOMED_DECLINED); the Composition's
type is 371531000 "Report of clinical encounter", the code GP Connect Send Document's own
example consultation report uses. No other code is added: the PRSB standard's other
concepts (needs, support) have no code in our choices, so they go as text.

Deviations, each because the record does not hold what the profile wants:
- the NHS number carries no NHSNumberVerificationStatus extension (we do not trace it on PDS);
- the person's name is one string in the message back, so the family name is its last word;
- a sender without an ODS code (many voluntary organisations have none) is named, not coded;
- the PDF is a Binary only, not also a DocumentReference: GPCM-SD-020 wants section entries
  to reference ITK-Attachment-Binary-1;
- the ReferralRequest has no identifier from the referrer's system, only ours.
Nothing from contact notes, what a group was told, or safeguarding is in `doc` to begin with.

A referral in: `parse_referral(payload)`
----------------------------------------
FHIR **R4** (read with `fhir.resources.R4B`, whose R4 resources we use are unchanged): a
Bundle of any type holding one `ServiceRequest` (the PRSB referral), the Patient it is for,
the referrer and a Consent. STU3 (a ReferralRequest) is refused with a message saying so.

The consent rule: the referral is accepted only with a Consent resource for the same patient
(its `patient` is the ServiceRequest's subject, or the ServiceRequest's supportingInfo points
to it) whose status is "active" and whose provision, if any, is "permit". A Consent that is
"rejected", "inactive" or "entered-in-error", or that denies, is a refusal; a "draft" or
"proposed" one has not been agreed yet.

Every problem is gathered and raised at once as `ReferralInvalid(problems)`, each phrased for
the coordinator who reads it.
"""

from __future__ import annotations

import base64
import html
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle as R4Bundle
from fhir.resources.STU3.bundle import Bundle as STU3Bundle
from pydantic import ValidationError

from lib.identifiers import IdentifierError, normalise_nhs_number
from lib.postcodes import PostcodeError, normalise_postcode

from .message_back import letter_heading, letter_sections

SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
RFC4122 = "https://tools.ietf.org/html/rfc4122"
STU3_NHS = "https://fhir.nhs.uk/STU3/StructureDefinition/"
STU3_UK = "https://fhir.hl7.org.uk/STU3/StructureDefinition/"
ITK_EVENT = {
    "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2",
    "code": "ITK007C",
    "display": "ITK GP Connect Send Document",
}
MESSAGE_DEFINITION = (
    "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-1"
)
# GP Connect Send Document's example consultation report types its Composition so.
DOCUMENT_TYPE = {"system": SNOMED, "code": "371531000", "display": "Report of clinical encounter"}
XHTML = "http://www.w3.org/1999/xhtml"


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


# --- A referral in (R4) ----------------------------------------------------------------

# (SNOMED CT code, its display, the text the referrer wrote): any of them may be missing.
Reason = tuple[str | None, str | None, str | None]
MAX_PROBLEMS = 20


class ReferralInvalid(ValueError):
    """A referral that cannot be taken in; `problems` are sentences for a coordinator."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class IncomingReferral:
    service_request_id: str
    nhs_number: str  # ten digits, its check digit right
    given_name: str
    family_name: str
    birth_date: date | None
    postcode: str | None  # "NG17 7AE"
    phone: str | None
    email: str | None
    practice_ods: str | None  # the registered GP practice
    referrer_name: str | None
    referrer_org: str | None
    referrer_ods: str | None
    referrer_email: str | None
    referrer_phone: str | None
    reasons: tuple[Reason, ...]
    detail: str | None  # the ServiceRequest's notes
    consent_given: bool
    authored_on: date | None = None


def _problems_from(error: ValidationError, raw: Any) -> list[str]:
    """Pydantic's errors as sentences: which resource, which element, what is wrong."""
    problems: list[str] = []
    for item in error.errors():
        node, kind, path = raw, "Bundle", []
        for key in item["loc"]:
            found = (isinstance(node, dict) and key in node) or (
                isinstance(node, list) and isinstance(key, int) and key < len(node)
            )
            if found:
                node = node[key]
            else:
                if isinstance(key, str) and not key[:1].isupper():
                    path.append(key)
                continue
            if isinstance(node, dict) and isinstance(node.get("resourceType"), str):
                kind, path = node["resourceType"], []
            elif isinstance(key, str) and key not in ("resource",):
                path.append(key)
        where = f"The {kind}'s {'.'.join(path) or 'content'}"
        shown = item.get("input")
        value = f" ({str(shown)[:40]!r})" if isinstance(shown, str | int | float) else ""
        message = str(item.get("msg", ""))
        if item["type"] == "missing" or "is required" in message:
            problems.append(f"{where} is missing")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{where} is not an element of FHIR R4")
        elif "date" in message.lower() or "date" in where.lower():
            problems.append(f"{where}{value} is not a date in the form FHIR R4 requires")
        elif "regex" in message.lower():
            problems.append(f"{where}{value} is not in the form FHIR R4 requires")
        else:
            problems.append(f"{where}{value} is not valid: {message.removeprefix('Value error, ')}")
    unique = list(dict.fromkeys(problems))
    if len(unique) > MAX_PROBLEMS:
        unique = [*unique[:MAX_PROBLEMS], f"and {len(unique) - MAX_PROBLEMS} more problems"]
    return unique


class _Index:
    """The Bundle's resources, found by the references between them."""

    def __init__(self, bundle: Any) -> None:
        self.entries = [(e.fullUrl, e.resource) for e in bundle.entry or [] if e.resource]

    def of_type(self, kind: str) -> list[Any]:
        return [r for _, r in self.entries if r.get_resource_type() == kind]

    def resolve(self, reference: Any) -> Any:
        target = getattr(reference, "reference", None)
        if not target:
            return None
        for full_url, resource in self.entries:
            kind, rid = resource.get_resource_type(), resource.id
            if target == full_url or (
                rid
                and (
                    target in (f"{kind}/{rid}", f"urn:uuid:{rid}")
                    or target.endswith(f"/{kind}/{rid}")
                )
            ):
                return resource
        return None


def _identifier(resource: Any, system: str) -> str | None:
    for identifier in getattr(resource, "identifier", None) or []:
        if identifier.system == system and identifier.value:
            return str(identifier.value).strip()
    return None


def _person_name(names: Any) -> tuple[str, str]:
    """(given, family) of the official name, else the first."""
    if not names:
        return "", ""
    name = next((n for n in names if n.use == "official"), names[0])
    return " ".join(name.given or []).strip(), (name.family or "").strip()


def _telecom(resource: Any, *systems: str) -> str | None:
    for point in getattr(resource, "telecom", None) or []:
        if point.system in systems and point.value:
            return str(point.value).strip()
    return None


def _org_of(index: _Index, reference: Any) -> tuple[str | None, str | None]:
    """(name, ODS code) of an Organization reference (or of a PractitionerRole's)."""
    if reference is None:
        return None, None
    if reference.identifier and reference.identifier.system == ODS:
        return reference.display, reference.identifier.value
    target = index.resolve(reference)
    if target is not None and target.get_resource_type() == "PractitionerRole":
        return _org_of(index, target.organization)
    if target is not None and target.get_resource_type() == "Organization":
        return target.name, _identifier(target, ODS)
    return reference.display, None


def _nhs_number(value: str | None, problems: list[str]) -> str:
    if not value:
        problems.append(
            f"The Patient has no NHS number (an identifier with the system {NHS_NUMBER})"
        )
        return ""
    try:
        return normalise_nhs_number(value)
    except IdentifierError:
        digits = re.sub(r"[\s-]", "", value)
        why = (
            "its check digit is wrong" if re.fullmatch(r"\d{10}", digits) else "it is not 10 digits"
        )
        problems.append(f"The NHS number {value} is not valid ({why})")
        return ""


def _consent(index: _Index, request: Any, patient: Any, problems: list[str]) -> bool:
    consents = index.of_type("Consent")
    if not consents:
        problems.append(
            "No Consent resource: the referral does not say the person agreed to be referred"
        )
        return False
    pointed = [index.resolve(ref) for ref in request.supportingInfo or []]
    theirs = [
        c for c in consents if any(c is p for p in pointed) or index.resolve(c.patient) is patient
    ]
    if not theirs:
        problems.append(
            "The Consent in the message is not for the person referred (its patient is not "
            "the ServiceRequest's subject)"
        )
        return False
    for consent in theirs:
        provision = getattr(consent.provision, "type", None)
        if consent.status == "active" and provision in (None, "permit"):
            return True
    statuses = sorted({str(c.status) for c in theirs})
    if any(c.status in ("rejected", "inactive", "entered-in-error") for c in theirs) or any(
        getattr(c.provision, "type", None) == "deny" for c in theirs
    ):
        problems.append(
            "The person has not consented: the Consent is "
            f"{' or '.join(statuses)}{' and denies' if 'active' in statuses else ''}, "
            "so they did not agree to be referred"
        )
    else:
        problems.append(
            f"Consent is not yet agreed: the Consent's status is {' or '.join(statuses)}, "
            "not active"
        )
    return False


def _reasons(request: Any) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    for concept in request.reasonCode or []:
        text = (concept.text or "").strip() or None
        coded = [c for c in concept.coding or [] if c.system == SNOMED and c.code]
        if coded:
            reasons += [(c.code, c.display, text) for c in coded]
        elif text or concept.coding:
            display = next((c.display for c in concept.coding or [] if c.display), None)
            reasons.append((None, display, text))
    return tuple(reasons)


def parse_referral(payload: bytes) -> IncomingReferral:
    """A PRSB-shaped FHIR R4 referral, read and checked; ReferralInvalid lists every problem."""
    try:
        raw = json.loads(payload)
    except (ValueError, RecursionError):
        raise ReferralInvalid(["The referral is not readable: it is not JSON"]) from None
    kind = raw.get("resourceType") if isinstance(raw, dict) else None
    if kind != "Bundle":
        shown = f"a {kind[:40]}" if isinstance(kind, str) else "not a FHIR resource"
        raise ReferralInvalid(
            [
                f"The referral is {shown}: it must be a FHIR Bundle holding a ServiceRequest "
                "and its Patient"
            ]
        )
    entries = raw.get("entry")
    kinds = [
        e["resource"].get("resourceType")
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]
    if "ReferralRequest" in kinds and "ServiceRequest" not in kinds:
        raise ReferralInvalid(
            [
                "The referral is FHIR STU3 (a ReferralRequest); we take referrals in FHIR R4, "
                "as a ServiceRequest"
            ]
        )
    unknown = []
    for kind in dict.fromkeys(kinds):
        try:
            get_fhir_model_class(str(kind))
        except (ValueError, KeyError, AttributeError, TypeError):
            unknown.append(
                f"The message holds a {str(kind)[:40]!r}, which is not a FHIR R4 resource"
            )
    if unknown:
        raise ReferralInvalid(unknown)
    try:
        bundle = R4Bundle.model_validate(raw)
    except ValidationError as error:
        raise ReferralInvalid(_problems_from(error, raw)) from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise ReferralInvalid(["The referral is not a valid FHIR R4 Bundle"]) from None
    return _read(bundle)


def _read(bundle: Any) -> IncomingReferral:
    index = _Index(bundle)
    requests = index.of_type("ServiceRequest")
    if not requests:
        raise ReferralInvalid(["No ServiceRequest: the message holds no referral"])
    if len(requests) > 1:
        raise ReferralInvalid(
            [f"The message holds {len(requests)} ServiceRequests: send one referral per message"]
        )
    [request] = requests
    problems: list[str] = []
    patient = index.resolve(request.subject)
    if patient is None or patient.get_resource_type() != "Patient":
        problems.append(
            "No Patient: the ServiceRequest's subject is not a Patient in the message"
            if index.of_type("Patient")
            else "No Patient: the referral does not say who it is for"
        )
        raise ReferralInvalid(problems)

    nhs_number = _nhs_number(_identifier(patient, NHS_NUMBER), problems)
    given, family = _person_name(patient.name)
    if not given and not family:
        problems.append("The Patient has no name: give their given and family names")
    elif not family:
        problems.append("The Patient has no family name")
    elif not given:
        problems.append("The Patient has no given name")
    birth_date = patient.birthDate
    if birth_date is not None and not isinstance(birth_date, date):
        problems.append(f"The Patient's birth date ({birth_date}) is not a full date")
        birth_date = None
    postcode = None
    addresses = sorted(patient.address or [], key=lambda a: a.use != "home")
    typed = next((a.postalCode for a in addresses if a.postalCode), None)
    if typed:
        try:
            postcode = normalise_postcode(typed)
        except PostcodeError:
            problems.append(f"The Patient's postcode ({typed}) is not a UK postcode")
    practice_ods = None
    for reference in patient.generalPractitioner or []:
        practice_ods = practice_ods or _org_of(index, reference)[1]

    reasons = _reasons(request)
    if not reasons:
        problems.append("The referral gives no reason (the ServiceRequest has no reasonCode)")

    requester = index.resolve(request.requester)
    referrer_name = referrer_email = referrer_phone = None
    referrer_org, referrer_ods = None, None
    if request.requester is None:
        problems.append("The referral does not say who referred them (no requester)")
    else:
        person = requester
        if requester is not None and requester.get_resource_type() == "PractitionerRole":
            referrer_org, referrer_ods = _org_of(index, requester.organization)
            referrer_email = _telecom(requester, "email")
            referrer_phone = _telecom(requester, "phone")
            person = index.resolve(requester.practitioner)
        elif requester is not None and requester.get_resource_type() == "Organization":
            referrer_org, referrer_ods = requester.name, _identifier(requester, ODS)
            person = None
        if person is not None and person.get_resource_type() == "Practitioner":
            names = person.name or []
            given_r, family_r = _person_name(names)
            prefix = " ".join((names[0].prefix or []) if names else [])
            referrer_name = " ".join(p for p in (prefix, given_r, family_r) if p) or None
            referrer_email = referrer_email or _telecom(person, "email")
            referrer_phone = referrer_phone or _telecom(person, "phone")
        referrer_name = referrer_name or request.requester.display

    consent_given = _consent(index, request, patient, problems)
    if problems:
        raise ReferralInvalid(problems)
    authored = request.authoredOn
    notes = "\n".join(n.text.strip() for n in request.note or [] if n.text and n.text.strip())
    return IncomingReferral(
        service_request_id=request.id or "",
        nhs_number=nhs_number,
        given_name=given,
        family_name=family,
        birth_date=birth_date,
        postcode=postcode,
        phone=_telecom(patient, "phone", "sms"),
        email=_telecom(patient, "email"),
        practice_ods=practice_ods,
        referrer_name=referrer_name,
        referrer_org=referrer_org,
        referrer_ods=referrer_ods,
        referrer_email=referrer_email,
        referrer_phone=referrer_phone,
        reasons=reasons,
        detail=notes or None,
        consent_given=consent_given,
        authored_on=authored.date() if hasattr(authored, "date") else None,
    )
