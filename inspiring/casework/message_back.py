"""The message back to the GP and the referrer, shaped after the PRSB Social Prescribing
Information Standard's "message back to GP and referrer".

One referral's story, from the records: who the person is, why they were referred,
what matters to them, the support offered, the activities they were connected to
and the outcome, with the SNOMED CT codes a GP system records. It goes only with
the client's consent (Client.consent_to_inform_gp), and holds nothing from contact
notes, what the group was told, or safeguarding.

`build_message_back` returns a JSON-ready dict (dates ISO 8601, codes as strings):

    {
      "document": {
        "title": "Social prescribing: message back to GP and referrer",
        "standard": "PRSB Social Prescribing Information Standard",
        "created_at": "2025-06-06T14:05:00+01:00",
        "programme": "Inspiring Ashfield",
        "organisation": "Ashfield Voluntary Action"
      },
      "person": {
        "name": "Mary Jones", "date_of_birth": "1950-03-27" | null,
        "nhs_number": "9434765919" | null (ten digits, no spaces),
        "postcode": "NG17 7AE" | null, "gp_practice": "Kirkby Health Centre" | null,
        "gp_practice_ods_code": "Y90001" | null (when the practice was chosen from the
                                list: its name above is the list's)
      },
      "referral": {
        "id": "<uuid>",
        "snomed_ct": {"code": "871731000000106",
                      "term": "Referral to social prescribing service"},
        "source": {"code": "gp", "label": "GP"},
        "referrer": {"name": str | null, "organisation": str | null, "email": str | null},
        "reasons": [{"code": "loneliness", "label": "Loneliness or isolation"}],
        "detail": str | null,
        "received_on": "2025-05-06"
      },
      "summary": str | null (the link worker's own summary, when written: then
                  what_matters, needs and goals are not copied from the assessment),
      "what_matters": str | null (in their words, from the assessment),
      "needs": str | null, "goals": str | null,
      "barriers": [{"code": "anxiety", "label": "Anxiety or low confidence"}],
      "support_offered": {
        "contacts": 3, "contact_minutes": 90,
        "support": [{"code": "accompany", "label": "Accompany them on the first visit"}]
      },
      "activities_connected": [{
        "activity": "Health walk", "organisation": "Kirkby Walking Group",
        "level": {"code": "introduction", "label": "Introduction"},
        "status": {"code": "attending", "label": "Attending"},
        "status_since": "2025-05-20",
        "support": [{"code": ..., "label": ...}]
      }],
      "outcome": {
        "status": {"code": "closed", "label": "Closed"},
        "result": {"code": "goals_met", "label": "Goals met: connected and attending"} | null,
        "reason": str | null, "on": "2025-06-06" | null (when it closed or was declined),
        "snomed_ct": {"code": "871711000000103", "term": "Social prescribing declined"}
                     | null (only when declined)
      },
      "link_worker": {"name": str | null, "email": str | null, "programme": str,
                      "phone": str | null},
      "dates": {"referred": "2025-05-06", "first_contact": str | null,
                "assessed": str | null, "closed": str | null},
      "consent": {"inform_gp": true}
    }
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from . import choices
from .models import Assessment, Client, Connection, Referral

TITLE = "Social prescribing: message back to GP and referrer"
FINISHED = (Referral.Status.CLOSED, Referral.Status.DECLINED, Referral.Status.UNABLE_TO_CONTACT)


def referral_for(client: Client, public_id: uuid.UUID | str | None = None) -> Referral:
    """The referral the message is about: the one asked for, else the latest."""
    referrals = client.referrals.all()
    if public_id:
        try:
            return referrals.get(public_id=public_id)
        except (Referral.DoesNotExist, ValidationError):  # none of theirs, or not a UUID
            raise Http404("No such referral for this client") from None
    referral = referrals.first()
    if referral is None:
        raise Http404("The client has no referral")
    return referral


def _code(code: str, choices_: Any) -> dict[str, str]:
    return {"code": code, "label": str(dict(choices_).get(code, code))}


def _iso(day: date | datetime | None) -> str | None:
    return day.isoformat() if day is not None else None


def _or_none(text: str) -> str | None:
    return text.strip() or None


def _period(client: Client, referral: Referral) -> tuple[date, date | None]:
    """From the referral to the next one (or to its closing, if it is closed)."""
    later = (
        client.referrals.filter(received_on__gt=referral.received_on)
        .order_by("received_on")
        .values_list("received_on", flat=True)
        .first()
    )
    end = referral.status_changed_on if referral.status in FINISHED else None
    if later is not None and (end is None or later < end):
        end = later
    return referral.received_on, end


def _assessment(client: Client, referral: Referral, start: date) -> Assessment | None:
    return (
        client.assessments.filter(referral=referral).first()
        or client.assessments.filter(assessed_on__gte=start).first()
    )


def build_message_back(
    client: Client, referral: Referral, *, now: datetime | None = None
) -> dict[str, Any]:
    now = timezone.localtime(now or timezone.now())
    start, end = _period(client, referral)
    assessment = _assessment(client, referral, start)
    connections = client.connections.select_related("activity__organisation").filter(
        created_at__date__gte=start
    )
    contacts = client.contacts.filter(on__date__gte=start)
    if end is not None:
        connections = connections.filter(created_at__date__lte=end)
        contacts = contacts.filter(on__date__lte=end)
    # Not what was only suggested, nor what was withdrawn as made by mistake.
    connections = connections.exclude(
        status__in=(Connection.Status.SUGGESTED, Connection.Status.WITHDRAWN)
    ).order_by("created_at", "pk")
    support_codes: list[str] = []
    for connection in connections:
        support_codes += [code for code in connection.support if code not in support_codes]
    changes = list(referral.changes.all())

    def first_on(*statuses: str) -> str | None:
        return _iso(next((c.on for c in changes if c.status in statuses), None))

    finished = referral.status in FINISHED
    # The assessment's own notes go only when the link worker has written no summary.
    notes = assessment if assessment and not referral.summary_for_gp else None
    worker = client.worker
    area = client.area
    practice = client.registered_practice
    return {
        "document": {
            "title": TITLE,
            "standard": "PRSB Social Prescribing Information Standard",
            "created_at": now.isoformat(timespec="seconds"),
            "programme": area.programme_name,
            "organisation": area.lead_organisation,
        },
        "person": {
            "name": f"{client.first_name} {client.last_name}".strip(),
            "date_of_birth": _iso(client.date_of_birth),
            "nhs_number": _or_none(client.nhs_number),
            "postcode": _or_none(client.postcode),
            "gp_practice": _or_none(practice.name if practice else client.gp_practice),
            "gp_practice_ods_code": practice.code if practice else None,
        },
        "referral": {
            "id": str(referral.public_id),
            "snomed_ct": {
                "code": referral.snomed_code,
                "term": choices.SNOMED_TERMS.get(referral.snomed_code, ""),
            },
            "source": _code(referral.source, choices.ReferralSource.choices),
            "referrer": {
                "name": _or_none(referral.referrer_name),
                "organisation": _or_none(referral.referrer_organisation),
                "email": _or_none(referral.referrer_email),
            },
            "reasons": [_code(code, choices.ReferralReason.choices) for code in referral.reasons],
            "detail": _or_none(referral.reason_detail),
            "received_on": referral.received_on.isoformat(),
        },
        "summary": _or_none(referral.summary_for_gp),
        "what_matters": _or_none(notes.what_matters) if notes else None,
        "needs": _or_none(notes.needs) if notes else None,
        "goals": _or_none(notes.goals) if notes else None,
        "barriers": [_code(code, choices.Barrier.choices) for code in assessment.barriers]
        if assessment
        else [],
        "support_offered": {
            "contacts": contacts.count(),
            "contact_minutes": contacts.aggregate(total=Sum("minutes"))["total"] or 0,
            "support": [_code(code, choices.Support.choices) for code in support_codes],
        },
        "activities_connected": [
            {
                "activity": connection.activity.title,
                "organisation": connection.activity.organisation.name,
                "level": {"code": connection.level, "label": connection.level_short},
                "status": _code(connection.status, Connection.Status.choices),
                "status_since": connection.status_changed_on.isoformat(),
                "support": [_code(code, choices.Support.choices) for code in connection.support],
            }
            for connection in connections
        ],
        "outcome": {
            "status": _code(referral.status, Referral.Status.choices),
            "result": _code(referral.outcome, Referral.Outcome.choices)
            if referral.outcome
            else None,
            "reason": _or_none(changes[-1].reason) if finished and changes else None,
            "on": referral.status_changed_on.isoformat() if finished else None,
            "snomed_ct": {
                "code": choices.SNOMED_DECLINED,
                "term": choices.SNOMED_TERMS[choices.SNOMED_DECLINED],
            }
            if referral.status == Referral.Status.DECLINED
            else None,
        },
        "link_worker": {
            "name": _or_none(worker.full_name) if worker else None,
            "email": worker.email if worker else None,
            "programme": area.programme_name,
            "phone": _or_none(area.contact_phone),
        },
        "dates": {
            "referred": referral.received_on.isoformat(),
            "first_contact": first_on(Referral.Status.CONTACTED),
            # The assessment's own date, as the case page says it (not the step's).
            "assessed": _iso(assessment.assessed_on)
            if assessment
            else first_on(Referral.Status.ASSESSED),
            "closed": first_on(*FINISHED) if finished else None,
        },
        "consent": {"inform_gp": client.consent_to_inform_gp},
    }


# --- In words: the letter -------------------------------------------------------------


def _long(iso: str | None) -> str:
    if not iso:
        return ""
    day = date.fromisoformat(iso[:10])
    return f"{day.day} {day:%B %Y}"


def _labels(items: list[dict[str, str]]) -> str:
    return ", ".join(item["label"] for item in items)


def _nhs(number: str | None) -> str:
    if not number:
        return "not known"
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 10 else number


def letter_heading(doc: dict[str, Any]) -> str:
    person = doc["person"]
    born = f", born {_long(person['date_of_birth'])}" if person["date_of_birth"] else ""
    return f"{person['name']}{born}, NHS number {_nhs(person['nhs_number'])}"


def letter_sections(doc: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The letter as (heading, paragraphs): one wording for the PDF, the preview and the
    email. Paragraphs are plain text; templates escape them."""
    referral, outcome = doc["referral"], doc["outcome"]
    referrer = referral["referrer"]
    by = ", ".join(part for part in (referrer["name"], referrer["organisation"]) if part)
    referred = [
        f"Referred by {referral['source']['label']}{f' ({by})' if by else ''} on "
        f"{_long(referral['received_on'])}, for: {_labels(referral['reasons']) or 'not recorded'}.",
    ]
    if referral["detail"]:
        referred.append(referral["detail"])
    referred.append(
        f"Coded as SNOMED CT {referral['snomed_ct']['code']} {referral['snomed_ct']['term']}."
    )
    matters = [doc["summary"] or doc["what_matters"] or "Not assessed."]
    if doc["needs"]:
        matters.append(f"Needs: {doc['needs']}")
    if doc["goals"]:
        matters.append(f"Goals: {doc['goals']}")
    if doc["barriers"]:
        matters.append(f"What could stop them: {_labels(doc['barriers'])}.")
    offered = doc["support_offered"]
    minutes = offered["contact_minutes"]
    support = [
        f"{offered['contacts']} contact{'s' if offered['contacts'] != 1 else ''} with their "
        f"link worker{f' ({minutes} minutes)' if minutes else ''}."
    ]
    if offered["support"]:
        support.append(f"Practical support agreed: {_labels(offered['support'])}.")
    activities = [
        f"{item['activity']} ({item['organisation']}): {item['level']['label'].lower()}; "
        f"{item['status']['label'].lower()} since {_long(item['status_since'])}."
        for item in doc["activities_connected"]
    ] or ["Not connected to an activity."]
    if outcome["on"]:
        result = f": {outcome['result']['label']}" if outcome["result"] else ""
        ended = [f"{outcome['status']['label']} on {_long(outcome['on'])}{result}."]
        if outcome["reason"]:
            ended.append(f"Reason: {outcome['reason']}")
    else:
        ended = [f"Still open: {outcome['status']['label'].lower()}."]
    if outcome["snomed_ct"]:
        ended.append(
            f"Coded as SNOMED CT {outcome['snomed_ct']['code']} {outcome['snomed_ct']['term']}."
        )
    worker = doc["link_worker"]
    contact = [
        ", ".join(
            part
            for part in (worker["name"], worker["programme"], worker["email"], worker["phone"])
            if part
        )
    ]
    return [
        ("The referral", referred),
        ("What matters to them", matters),
        ("Support offered", support),
        ("Activities connected", activities),
        ("Outcome", ended),
        ("Link worker", contact),
    ]


def letter_text(doc: dict[str, Any]) -> str:
    lines = [doc["document"]["title"], "", letter_heading(doc), ""]
    for heading, paragraphs in letter_sections(doc):
        lines += [heading, *paragraphs, ""]
    dated = _long(doc["document"]["created_at"])
    if doc["consent"]["inform_gp"]:
        lines.append(f"Sent with their consent by {doc['document']['programme']}, {dated}.")
    else:
        lines.append("Not for sending: the person has not agreed to their GP being told.")
    return "\n".join(lines)


def letter_pdf(doc: dict[str, Any]) -> bytes:
    html = render_to_string(
        "casework/message_back_pdf.html",
        {
            "doc": doc,
            "heading": letter_heading(doc),
            "sections": letter_sections(doc),
            "dated": _long(doc["document"]["created_at"]),
        },
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def filename(doc: dict[str, Any], extension: str) -> str:
    return f"message-back-{doc['referral']['id'][:8]}.{extension}"
