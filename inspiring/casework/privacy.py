"""A client's data protection rights, and the retention policy.

- Subject access: `subject_access_data` gathers everything held on a client (their
  details, referrals and their steps, assessments, groups, connections with their
  steps and attendance, wellbeing and loneliness measures and the links sent to answer
  them, contacts, tasks, messages sent, changes of link worker,
  safeguarding concerns, and
  the audit trail of who looked at or changed their record), for a JSON or PDF export.
  Safeguarding concerns are included unless the coordinator withholds them because
  disclosing them could cause serious harm (DPA 2018 Schedule 3, Part 2); withheld
  concerns also take the audit entries about them out, or those would disclose them.
  The export then says that some information may have been withheld, without saying
  what (a note the coordinator cannot forget to add).
- Erasure: `actions.privacy.do_erase_client` blanks every personal field of the client
  and of their related records (casework's are ERASED_FIELDS, registered with the
  personal-data registry with every other app's), keeps what is not
  identifying (dates, statuses, coded reasons and levels, counts) for monitoring, and
  keeps the Client row as a tombstone with `erased_at` set. The audit log is
  append-only and never held their name (`Client.__str__` is a short id), so it
  needs no change; the reason given is recorded with any of their identifiers
  taken out.
- Retention: `actions.privacy.apply_retention` closes and erases clients with nothing recorded about
  them for settings.CASEWORK_RETENTION_YEARS years.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from inspiring.accounts import audit, personal_data
from inspiring.accounts.models import AuditEntry
from inspiring.accounts.personal_data import Gather
from inspiring.areas.models import Area
from inspiring.bookings.models import Booking
from inspiring.measures import library

from . import facts
from .choices import ReferralSource
from .models import (
    Administration,
    Assessment,
    Attendance,
    Client,
    Connection,
    ConnectionStep,
    Contact,
    GroupMembership,
    Handover,
    OutcomeLink,
    Referral,
    ReferralStatusChange,
    SafeguardingConcern,
    SentMessage,
    Task,
)

WITHHELD_NOTE = (
    "Some information may have been withheld because disclosing it could cause serious "
    "harm to you or to someone else (Data Protection Act 2018, Schedule 3)."
)
# An export made by someone other than the safeguarding lead (who alone sees concerns).
SEPARATE_NOTE = (
    "Any safeguarding records are reviewed by the programme's designated safeguarding "
    "lead, and sent separately."
)
# What happens to safeguarding concerns in an export.
SAFEGUARDING_MODES = ("included", "withheld", "separate")
# The export section of safeguarding concerns (left out unless included).
SAFEGUARDING = "safeguarding_concerns"

# --- Subject access -------------------------------------------------------------

# Codes kept in JSON lists, and the property giving their words.
_LABELLED = {"reasons": "reason_labels", "barriers": "barrier_labels", "support": "support_labels"}


def _value(obj: models.Model, field: models.Field[Any, Any]) -> Any:
    """One field's value as the person would read it: words for codes, ISO dates."""
    if field.is_relation:
        related = getattr(obj, field.name)
        if related is None:
            return None
        if isinstance(related, Area):
            return related.programme_name
        if isinstance(related, Client):
            return str(related.public_id)
        if isinstance(related, Referral):
            return referral_title(related)
        return str(related)
    if field.name in _LABELLED:
        return list(getattr(obj, _LABELLED[field.name]))
    if field.name == "availability" and isinstance(obj, Assessment):
        return {day: parts for day, parts in obj.availability_by_day}
    value = getattr(obj, field.attname)
    if isinstance(value, bytes | memoryview):
        # A file kept with the record (the PDF of a message back, whose text is its body).
        return f"A file of {len(value):,} bytes, kept with this record"
    if field.choices and value not in (None, ""):
        return getattr(obj, f"get_{field.name}_display")()
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def referral_title(referral: Referral) -> str:
    """A referral as people name it: "Self-referral on 4 December 2026", "Referral from
    GP on 4 December 2026" (its __str__, kept for the audit log, says "Self-referral
    referral")."""
    if referral.source == ReferralSource.SELF:
        source = "Self-referral"
    else:
        source = f"Referral from {referral.get_source_display()}"
    return f"{source} on {referral.received_on:%-d %B %Y}"


def _fields(obj: models.Model, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every stored field of a record (any added later too), except its database id
    and the link back to what it belongs to."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name == "id" or field.name in leave_out:
            continue
        data[field.name] = _value(obj, field)
    for m2m in obj._meta.many_to_many:
        data[m2m.name] = [str(item) for item in getattr(obj, m2m.name).all()]
    return data


def _client_audit(client: Client) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type="casework.client", object_id=str(client.public_id))


def _referrals(client: Client) -> list[dict[str, Any]]:
    items = []
    for referral in client.referrals.prefetch_related("changes__by").select_related("created_by"):
        item = _fields(referral, leave_out=("client",))
        item["changes"] = [
            _fields(change, leave_out=("referral",)) for change in referral.changes.all()
        ]
        items.append(item)
    return items


def _connections(client: Client) -> list[dict[str, Any]]:
    items = []
    for connection in client.connections.select_related(
        "activity", "activity__organisation", "first_session", "created_by"
    ).prefetch_related("steps__by", "attendances__session"):
        item = _fields(connection, leave_out=("client",))
        item["organisation"] = connection.activity.organisation.name
        item["steps"] = [
            _fields(step, leave_out=("connection",)) for step in connection.steps.all()
        ]
        item["attendance"] = [
            _fields(attendance, leave_out=("connection",))
            for attendance in connection.attendances.all()
        ]
        items.append(item)
    return items


def _records(related: str, *select: str, prefetch: tuple[str, ...] = ()) -> Gather:
    """Gather a client's records of one kind, each with all its fields."""

    def gather(client: Client) -> list[dict[str, Any]]:
        rows = getattr(client, related).select_related(*select).prefetch_related(*prefetch)
        return [_fields(row, leave_out=("client",)) for row in rows]

    return gather


def _outcomes(client: Client) -> list[dict[str, Any]]:
    """Each measure they answered, with the questions and their answers in words (item
    ids and option values mean nothing to the person reading their export)."""
    items = []
    for administration in client.administrations.select_related("by"):
        item = _fields(administration, leave_out=("client",))
        instrument = library.get(administration.instrument_code, administration.instrument_version)
        if instrument is not None:
            item["instrument_code"] = instrument.title
            answers = {}
            for question in instrument.items:
                if question.id in administration.answers:
                    value = administration.answers[question.id]
                    answers[question.text] = question.label_for(value) or value
            item["answers"] = answers
            labels = {scale.name: scale.label for scale in instrument.scales}
            item["scores"] = {labels.get(k, k): v for k, v in administration.scores.items()}
            item["bands"] = {labels.get(k, k): v for k, v in administration.bands.items()}
        items.append(item)
    return items


def _outcome_links(client: Client) -> list[dict[str, Any]]:
    # Not the token's hash: it is no use to them, and nothing else should be copied out.
    return [
        _fields(link, leave_out=("client", "token_hash", "message", "administration"))
        for link in client.outcome_links.select_related("by")
    ]


def register_personal_data() -> None:
    """Casework's part of the personal-data registry (called from CaseworkConfig.ready)."""
    for model, (subject, names) in ERASED_FIELDS.items():
        personal_data.register(model, of=Client, subject=subject, erase=names)
    # A link of someone erased must never open again: deleted, not blanked.
    personal_data.register(OutcomeLink, of=Client, subject="client", delete=True)
    # Monitoring's summary rows: dates, codes and groups worked out from the records
    # above (nothing to blank: erasure works them out again from what it left).
    for model in facts.FACTS:
        personal_data.register(model, of=Client, subject="client")
    sections: list[tuple[str, str, str, type[models.Model], Gather, dict[str, Any]]] = [
        (
            "referrals",
            "Referrals",
            "Referral",
            Referral,
            _referrals,
            {"changes": ReferralStatusChange},
        ),
        (
            "assessments",
            "Assessments",
            "Assessment",
            Assessment,
            _records("assessments", "by", "referral", prefetch=("interests",)),
            {},
        ),
        ("groups", "Your groups", "Group", GroupMembership, _records("groups"), {}),
        (
            "connections",
            "Activities you were connected to",
            "Connection",
            Connection,
            _connections,
            {"steps": ConnectionStep, "attendance": Attendance},
        ),
        (
            "outcomes",
            "Your answers about your wellbeing and loneliness",
            "Measure",
            Administration,
            _outcomes,
            {},
        ),
        (
            "outcome_links",
            "Links sent to you to answer questions",
            "Link",
            OutcomeLink,
            _outcome_links,
            {},
        ),
        ("contacts", "Contacts with you", "Contact", Contact, _records("contacts", "by"), {}),
        (
            "tasks",
            "Tasks",
            "Task",
            Task,
            _records("tasks", "assigned_to", "created_by", "connection"),
            {},
        ),
        ("messages", "Messages sent", "Message", SentMessage, _records("messages", "by"), {}),
        (
            "handovers",
            "Changes of link worker",
            "Change of link worker",
            Handover,
            _records("handovers", "from_worker", "to_worker", "by"),
            {},
        ),
        (
            SAFEGUARDING,
            "Safeguarding concerns",
            "Concern",
            SafeguardingConcern,
            _records("safeguarding_concerns", "raised_by", "handled_by"),
            {},
        ),
    ]
    for key, title, singular, model, gather, nested in sections:
        personal_data.register_section(
            key, title=title, singular=singular, model=model, gather=gather, nested=nested
        )


def subject_access_data(
    client: Client, *, safeguarding: str = "included", now: datetime | None = None
) -> dict[str, Any]:
    """Everything held on `client`, as JSON-ready data (strings, numbers, lists, dicts):
    their details, a section for each kind of record in the personal-data registry, and
    the audit trail of who looked at or changed their record.

    `safeguarding`: "included"; "withheld" (could cause serious harm: the export says
    something may be withheld); or "separate" (not the lead's export: the lead sends them).
    Unless included, the audit entries about concerns are left out too."""
    if safeguarding not in SAFEGUARDING_MODES:
        raise ValueError(f"Unknown safeguarding mode {safeguarding!r}")
    now = now or timezone.now()
    audit_entries = _client_audit(client).order_by("at", "pk")
    notes: list[str] = []
    if safeguarding != "included":
        audit_entries = audit_entries.exclude(action__startswith="safeguarding.")
        notes.append(WITHHELD_NOTE if safeguarding == "withheld" else SEPARATE_NOTE)
    data: dict[str, Any] = {
        "about": (
            f"Everything {client.area.programme_name} holds about you, on "
            f"{timezone.localtime(now):%-d %B %Y}."
        ),
        "generated_at": timezone.localtime(now).isoformat(),
        "programme": client.area.programme_name,
        "client": _fields(client),
    }
    for section in personal_data.sections():
        if section.key == SAFEGUARDING and safeguarding != "included":
            data[section.key] = []
        else:
            data[section.key] = section.gather(client)
    # Who looked at or changed the record, and when (not staff addresses or browsers).
    data["audit"] = [
        {
            "at": timezone.localtime(entry.at).isoformat(),
            "what": audit.describe(entry.action),
            "by": entry.actor_label,
        }
        for entry in audit_entries
    ]
    data["notes"] = notes
    return data


@dataclass(frozen=True)
class Block:
    """One record in the PDF: a heading and its rows of label and text."""

    title: str
    rows: list[tuple[str, str]]


_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?")


def _nested_model(key: str) -> type[models.Model] | None:
    """The model of records nested under `key` in the export, for their fields' names."""
    for section in personal_data.sections():
        if section.key == key:
            return section.model
        if key in section.nested:
            return section.nested[key]
    return None


# What the PDF calls a field whose model gives it no name a person would use (its
# verbose_name was left to Django: "Consent to inform gp", "Snomed code", "Public id"),
# or only a code ("LSOA"). By field name, as the same name means the same thing in
# every casework model; a field not here is named by its verbose_name.
PLAIN_LABELS: dict[str, str] = {
    "public_id": "Reference number of this record",
    "area": "Programme",
    "version": "Times changed",
    "created_at": "Recorded",
    "created_by": "Recorded by",
    "updated_at": "Last changed",
    "last_activity_at": "Anything last recorded",
    "closed_at": "Case closed",
    "erased_at": "Personal details erased",
    "lsoa_code": "Neighbourhood (Lower Layer Super Output Area, from the postcode)",
    "lsoa_approximate": "Neighbourhood found from a nearby postcode",
    "imd_decile": "Deprivation decile of the neighbourhood (1 most deprived, 10 least)",
    "latitude": "Latitude (from the postcode)",
    "longitude": "Longitude (from the postcode)",
    "consent_to_hold": "Agreed to the programme keeping their details",
    "consent_recorded_at": "Agreement recorded",
    "consent_recorded_by": "Agreement recorded by",
    "consent_to_contact": "Agreed to be contacted",
    "consent_to_inform_gp": "Agreed to their GP and referrer being told how it went",
    "consent_to_research": "Agreed to their information being used, without their name, "
    "to evaluate the programme",
    "possible_duplicate_of": "Possibly the same person as record",
    "source": "Referred by",
    "reasons": "Why they were referred",
    "received_on": "Received",
    "snomed_code": "SNOMED CT code",
    "status_changed_on": "Status since",
    "on": "Date",
    "at": "Recorded",
    "by_name": "By (named on a group's register link)",
    "changes": "Steps",
    "steps": "Steps",
    "barriers": "What could stop them",
    "availability": "When they could go",
    "assessed_on": "Assessed",
    "level": "How they were connected",
    "support": "Support agreed",
    "follow_up_on": "Check in with them on",
    "attended": "Went",
    "recorded_at": "Recorded",
    "recorded_by_name": "Recorded by (named on a group's register link)",
    "assigned_to": "For",
    "connection": "About the connection",
    "done_at": "Done",
    "kind": "Kind",
    "to": "Sent to",
    "body": "Message",
    "attachment": "Attached file",
    "attachment_name": "Attached file's name",
    "attempts": "Tries to send it",
    "next_attempt_at": "Next try",
    "attempted_at": "Last tried",
    "sent_at": "Sent",
}
# Named by their model, but only as a code: the plain label wins.
_CODED = frozenset({"lsoa_code", "imd_decile"})


def _label(key: str, model: type[models.Model] | None = None) -> str:
    named = ""
    if model is not None:
        with contextlib.suppress(FieldDoesNotExist, AttributeError):
            named = str(model._meta.get_field(key).verbose_name)  # type: ignore[union-attr]
    given = named and named != key.replace("_", " ")
    if given and key not in _CODED:
        return capfirst(named)
    return PLAIN_LABELS.get(key) or capfirst(key.replace("_", " "))


def _text(value: Any, key: str = "") -> str:
    """A value of the export as a line of the PDF (dates in words, nested records inline)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        if all(isinstance(item, dict) for item in value):
            model = _nested_model(key)
            # One line per record, leaving out what is empty ("Reason: —" says nothing).
            return "\n".join(
                "; ".join(
                    f"{_label(k, model)}: {_text(v, k)}"
                    for k, v in item.items()
                    if v not in (None, "", [], {})
                )
                for item in value
            )
        return ", ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{moment:%-d %B %Y, %H:%M}" if "T" in value else f"{moment:%-d %B %Y}"
    return str(value)


def _rows(item: dict[str, Any], model: type[models.Model] | None) -> list[tuple[str, str]]:
    return [(_label(k, model), _text(v, k)) for k, v in item.items()]


def pdf_sections(data: dict[str, Any]) -> list[tuple[str, list[Block]]]:
    """The export laid out for reading: a section per kind of record, a block per record."""
    sections: list[tuple[str, list[Block]]] = [
        ("Your details", [Block("", _rows(data["client"], Client))])
    ]
    for section in personal_data.sections():
        blocks = [
            Block(f"{section.singular} {number}", _rows(item, section.model))
            for number, item in enumerate(data.get(section.key, []), start=1)
        ]
        sections.append((section.title, blocks))
    sections.append(
        ("Who looked at or changed your record", [Block("", _audit_rows(data["audit"]))])
    )
    return sections


def _audit_rows(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The audit trail, a row per run of the same thing done by the same person on the
    same day ("Looked at a client's record, 14 times, 09:12 to 16:40 (Liam Walsh)"): a
    record read many times a day made hundreds of identical rows, the most of the PDF's
    length and time. The JSON export keeps every entry with its time."""
    rows: list[tuple[str, str]] = []
    run: list[dict[str, Any]] = []

    def close() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        what = first["what"]
        if len(run) > 1:
            what += f", {len(run)} times, {first['at'][11:16]} to {last['at'][11:16]}"
        rows.append((_text(first["at"]), what + (f" ({first['by']})" if first["by"] else "")))
        run.clear()

    for entry in entries:
        if run and (
            entry["at"][:10] != run[0]["at"][:10]
            or entry["what"] != run[0]["what"]
            or entry["by"] != run[0]["by"]
        ):
            close()
        run.append(entry)
    close()
    return rows


# --- Erasure ----------------------------------------------------------------------

# Every field that holds or could hold something personal (free text, identifiers, the
# details of who referred them, anything typed), per model, with how the model reaches
# the client: registered with the personal-data registry, which blanks them on
# erasure. What is left (dates, statuses, codes, levels, counts, IMD decile)
# identifies nobody.
ERASED_FIELDS: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    Client: (
        "",
        (
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "nhs_number",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "lsoa_code",
            "latitude",
            "longitude",
            "phone",
            "email",
            "preferred_contact",
            "contact_times",
            "sex",
            "gender_identity",
            "ethnic_group",
            "disability",
            "unpaid_carer",
            "employment",
            "gp_practice",
            "possible_duplicate_of",
        ),
    ),
    Referral: (
        "client",
        ("referrer_name", "referrer_organisation", "referrer_email", "reason_detail"),
    ),
    ReferralStatusChange: ("referral__client", ("reason",)),
    Assessment: ("client", ("what_matters", "needs", "goals")),
    GroupMembership: ("client", ("name",)),
    Connection: ("client", ("shared_note", "reason")),
    ConnectionStep: ("connection__client", ("reason",)),
    # Who came, and who recorded it: nothing typed about the client.
    Attendance: ("connection__client", ()),
    Contact: ("client", ("notes",)),
    Task: ("client", ("title",)),
    SentMessage: ("client", ("to", "subject", "body", "attachment", "error")),
    SafeguardingConcern: ("client", ("concern", "handling", "referral_consent_note")),
    # Who held their case, and when: nothing typed about the client.
    Handover: ("client", ()),
    # Their answers and scores identify nobody once their details are gone, and are kept
    # (as dates and statuses are) for the programme's evaluation.
    Administration: ("client", ()),
    # A place booked for their first visit: the name on the group's register (only what
    # they agreed to share, but still theirs). The booking stays, with no name, so the
    # session's count of places stays right.
    Booking: ("connection__client", ("name",)),
}


def personal_strings(client: Client) -> list[str]:
    """The client's identifiers as they could appear in typed text."""
    values = [
        client.first_name,
        client.last_name,
        client.preferred_name,
        client.nhs_number,
        client.nhs_number_display,
        client.phone,
        client.email,
        client.postcode,
        client.postcode.replace(" ", ""),
        client.address_line_1,
    ]
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 2}, key=len, reverse=True)


def scrub(text: str, client: Client) -> str:
    """`text` with the client's identifiers taken out (for a reason that names them)."""
    for value in personal_strings(client):
        text = re.sub(re.escape(value), "[removed]", text, flags=re.IGNORECASE)
    return text


# --- Retention --------------------------------------------------------------------


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February, in a year that has none
        return moment.replace(year=moment.year - years, day=28)


def retention_cutoff(now: datetime, years: int | None = None) -> datetime:
    return _years_before(now, years or settings.CASEWORK_RETENTION_YEARS)


def due_for_retention(now: datetime, years: int | None = None) -> models.QuerySet[Client]:
    """Clients not yet erased with nothing recorded about them since the cut-off."""
    return Client.objects.filter(
        erased_at__isnull=True, last_activity_at__lt=retention_cutoff(now, years)
    ).order_by("pk")
