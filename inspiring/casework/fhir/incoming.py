"""A referral in: the PRSB referral as a FHIR R4 ServiceRequest bundle (see the package)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle as R4Bundle
from pydantic import ValidationError

from lib.identifiers import IdentifierError, normalise_nhs_number
from lib.postcodes import PostcodeError, normalise_postcode

from .codes import NHS_NUMBER, ODS, SNOMED

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
