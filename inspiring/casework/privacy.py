"""A client's data protection rights, and the retention policy.

- Subject access: `subject_access_data` gathers everything held on a client (their
  details, referrals and their steps, assessments, groups, connections with their
  steps and attendance, contacts, tasks, messages sent, safeguarding concerns, and
  the audit trail of who looked at or changed their record), for a JSON or PDF export.
  Safeguarding concerns are included unless the coordinator withholds them because
  disclosing them could cause serious harm (DPA 2018 Schedule 3, Part 2); withheld
  concerns also take the audit entries about them out, or those would disclose them.
  The export then says that some information may have been withheld, without saying
  what (a note the coordinator cannot forget to add).
- Erasure: `do_erase_client` blanks every personal field of the client and of their
  related records (the list is ERASED_FIELDS, one place), keeps what is not
  identifying (dates, statuses, coded reasons and levels, counts) for monitoring, and
  keeps the Client row as a tombstone with `erased_at` set. The audit log is
  append-only and never held their name (`Client.__str__` is a short id), so it
  needs no change; the reason given is recorded with any of their identifiers
  taken out.
- Retention: `apply_retention` closes and erases clients with nothing recorded about
  them for settings.CASEWORK_RETENTION_YEARS years.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import capfirst

from inspiring.accounts import audit
from inspiring.accounts.models import AuditEntry, User
from inspiring.areas.models import Area

from .models import (
    Assessment,
    Attendance,
    Client,
    Connection,
    ConnectionStep,
    Contact,
    GroupMembership,
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
        return str(related)
    if field.name in _LABELLED:
        return list(getattr(obj, _LABELLED[field.name]))
    if field.name == "availability" and isinstance(obj, Assessment):
        return {day: parts for day, parts in obj.availability_by_day}
    value = getattr(obj, field.attname)
    if field.choices and value not in (None, ""):
        return getattr(obj, f"get_{field.name}_display")()
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


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


def subject_access_data(
    client: Client, *, safeguarding: str = "included", now: datetime | None = None
) -> dict[str, Any]:
    """Everything held on `client`, as JSON-ready data (strings, numbers, lists, dicts).

    `safeguarding`: "included"; "withheld" (could cause serious harm: the export says
    something may be withheld); or "separate" (not the lead's export: the lead sends them).
    Unless included, the audit entries about concerns are left out too."""
    if safeguarding not in SAFEGUARDING_MODES:
        raise ValueError(f"Unknown safeguarding mode {safeguarding!r}")
    now = now or timezone.now()
    referrals = []
    for referral in client.referrals.prefetch_related("changes__by").select_related("created_by"):
        item = _fields(referral, leave_out=("client",))
        item["changes"] = [
            _fields(change, leave_out=("referral",)) for change in referral.changes.all()
        ]
        referrals.append(item)
    connections = []
    for connection in client.connections.select_related(
        "activity", "first_session", "created_by"
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
        connections.append(item)
    audit_entries = _client_audit(client).order_by("at", "pk")
    notes: list[str] = []
    concerns: list[dict[str, Any]] = []
    if safeguarding != "included":
        audit_entries = audit_entries.exclude(action__startswith="safeguarding.")
        notes.append(WITHHELD_NOTE if safeguarding == "withheld" else SEPARATE_NOTE)
    else:
        concerns = [
            _fields(concern, leave_out=("client",))
            for concern in client.safeguarding_concerns.select_related("raised_by", "handled_by")
        ]
    return {
        "about": (
            f"Everything {client.area.programme_name} holds about you, on "
            f"{timezone.localtime(now):%-d %B %Y}."
        ),
        "generated_at": timezone.localtime(now).isoformat(),
        "programme": client.area.programme_name,
        "client": _fields(client),
        "referrals": referrals,
        "assessments": [
            _fields(assessment, leave_out=("client",))
            for assessment in client.assessments.select_related("by", "referral").prefetch_related(
                "interests"
            )
        ],
        "groups": [_fields(group, leave_out=("client",)) for group in client.groups.all()],
        "connections": connections,
        "contacts": [
            _fields(contact, leave_out=("client",))
            for contact in client.contacts.select_related("by")
        ],
        "tasks": [
            _fields(task, leave_out=("client",))
            for task in client.tasks.select_related("assigned_to", "created_by", "connection")
        ],
        "messages": [
            _fields(message, leave_out=("client",))
            for message in client.messages.select_related("by")
        ],
        "safeguarding_concerns": concerns,
        # Who looked at or changed the record, and when (not staff addresses or browsers).
        "audit": [
            {
                "at": timezone.localtime(entry.at).isoformat(),
                "what": audit.describe(entry.action),
                "by": entry.actor_label,
            }
            for entry in audit_entries
        ],
        "notes": notes,
    }


@dataclass(frozen=True)
class Block:
    """One record in the PDF: a heading and its rows of label and text."""

    title: str
    rows: list[tuple[str, str]]


# The model behind each part of the export, for its fields' names in words.
_MODELS: dict[str, type[models.Model]] = {
    "client": Client,
    "referrals": Referral,
    "changes": ReferralStatusChange,
    "assessments": Assessment,
    "groups": GroupMembership,
    "connections": Connection,
    "steps": ConnectionStep,
    "attendance": Attendance,
    "contacts": Contact,
    "tasks": Task,
    "messages": SentMessage,
    "safeguarding_concerns": SafeguardingConcern,
}
_SECTIONS = {
    "referrals": ("Referrals", "Referral"),
    "assessments": ("Assessments", "Assessment"),
    "groups": ("Your groups", "Group"),
    "connections": ("Activities you were connected to", "Connection"),
    "contacts": ("Contacts with you", "Contact"),
    "tasks": ("Tasks", "Task"),
    "messages": ("Messages sent", "Message"),
    "safeguarding_concerns": ("Safeguarding concerns", "Concern"),
}
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?")


def _label(key: str, model: type[models.Model] | None = None) -> str:
    if model is not None:
        try:
            return capfirst(str(model._meta.get_field(key).verbose_name))  # type: ignore[union-attr]
        except (FieldDoesNotExist, AttributeError):
            pass
    return capfirst(key.replace("_", " "))


def _text(value: Any, key: str = "") -> str:
    """A value of the export as a line of the PDF (dates in words, nested records inline)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        if all(isinstance(item, dict) for item in value):
            model = _MODELS.get(key)
            return "\n".join(
                "; ".join(f"{_label(k, model)}: {_text(v, k)}" for k, v in item.items())
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
    for key, (title, singular) in _SECTIONS.items():
        blocks = [
            Block(f"{singular} {number}", _rows(item, _MODELS[key]))
            for number, item in enumerate(data[key], start=1)
        ]
        sections.append((title, blocks))
    sections.append(
        (
            "Who looked at or changed your record",
            [
                Block(
                    "",
                    [
                        (
                            _text(entry["at"]),
                            entry["what"] + (f" ({entry['by']})" if entry["by"] else ""),
                        )
                        for entry in data["audit"]
                    ],
                )
            ],
        )
    )
    return sections


# --- Erasure ----------------------------------------------------------------------

# Every field that holds or could hold something personal (free text, identifiers, the
# details of who referred them, anything typed), per model: blanked on erasure. What
# is left (dates, statuses, codes, levels, counts, IMD decile) identifies nobody.
ERASED_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Client: (
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
    Referral: ("referrer_name", "referrer_organisation", "referrer_email", "reason_detail"),
    ReferralStatusChange: ("reason",),
    Assessment: ("what_matters", "needs", "goals"),
    GroupMembership: ("name",),
    Connection: ("shared_note", "reason"),
    ConnectionStep: ("reason",),
    Contact: ("notes",),
    Task: ("title",),
    SentMessage: ("to", "body"),
    SafeguardingConcern: ("concern", "handling"),
}

# How each related model reaches the client.
_CLIENT_PATH: dict[type[models.Model], str] = {
    Referral: "client",
    ReferralStatusChange: "referral__client",
    Assessment: "client",
    GroupMembership: "client",
    Connection: "client",
    ConnectionStep: "connection__client",
    Attendance: "connection__client",
    Contact: "client",
    Task: "client",
    SentMessage: "client",
    SafeguardingConcern: "client",
}


def _blank(model: type[models.Model], name: str) -> Any:
    field = model._meta.get_field(name)
    return None if getattr(field, "null", False) else ""


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


class ErasureRefused(Exception):
    """The erasure cannot be done; str(error) says why."""


def do_erase_client(
    request: HttpRequest | None,
    client: Client,
    *,
    reason: str,
    now: datetime | None = None,
    actor: User | None = None,
) -> Client:
    """Erase a client's personal data, leaving an audited tombstone. Open referrals are
    closed (the case ends), with the date kept for monitoring."""
    reason = reason.strip()
    if not reason:
        raise ErasureRefused("Give the reason for erasing their data.")
    now = now or timezone.now()
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.erased_at is not None:
            return client
        recorded_reason = scrub(reason, client)[:500]
        closed = client.referrals.filter(status__in=Referral.OPEN)
        closing = list(closed.values_list("pk", flat=True))
        for referral_pk in closing:
            ReferralStatusChange.objects.create(
                referral_id=referral_pk,
                status=Referral.Status.CLOSED,
                on=timezone.localdate(now),
                by=actor or _user(request),
            )
        closed.update(status=Referral.Status.CLOSED, status_changed_on=timezone.localdate(now))
        for model, names in ERASED_FIELDS.items():
            values = {name: _blank(model, name) for name in names}
            if model is Client:
                Client.objects.filter(pk=client.pk).update(
                    **values,
                    erased_at=now,
                    closed_at=client.closed_at or now,
                    version=client.version + 1,
                    updated_at=now,
                )
            else:
                model._default_manager.filter(**{_CLIENT_PATH[model]: client}).update(**values)
        client.refresh_from_db()
        audit.record(
            request,
            "client.erased",
            client,
            area=client.area,
            actor=actor,
            detail={"reason": recorded_reason, "closed_referrals": len(closing)},
        )
    return client


def _user(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


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


def apply_retention(
    now: datetime | None = None, *, dry_run: bool = False, years: int | None = None
) -> dict[str, int]:
    """Close the open cases and erase the clients past the retention period.

    Returns {"erased": clients erased, "closed": of those, how many had an open case}
    (with dry_run, what would be done, and nothing is changed)."""
    now = now or timezone.now()
    years = years or settings.CASEWORK_RETENTION_YEARS
    due = due_for_retention(now, years)
    counts = {
        "erased": due.count(),
        "closed": due.filter(closed_at__isnull=True).count(),
        "years": years,
    }
    if dry_run:
        return counts
    reason = f"Nothing recorded about them for {years} years (the retention policy)"
    for client in due.select_related("area"):
        do_erase_client(None, client, reason=reason, now=now)
    return counts
