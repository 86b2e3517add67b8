"""A client's timeline: everything that happened, newest first, from the records themselves.

One notion of when a thing happened, the one every other page shows: a referral's steps
on their dates (received on `received_on`, each step on its `on`), an assessment on
`assessed_on`, a connection's steps on their `on`, a contact when it took place. What
has only a moment (a message sent, a task done, a handover, a concern raised) happened
when it was recorded. Entries are ordered by that date, then by when they were typed;
only what happened at a known time shows the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from inspiring.measures.instruments.base import Instrument

from .models import (
    Administration,
    Client,
    Handover,
    Referral,
    ReferralStatusChange,
    SafeguardingConcern,
    SentMessage,
)


@dataclass(frozen=True)
class Entry:
    on: date  # when it happened, as the other pages say it
    at: datetime  # when it was typed (or happened, with `timed`): orders a day's entries
    # referral, assessment, connection, contact, task, message, handover, group,
    # outcome, safeguarding, closed
    kind: str
    title: str
    detail: str = ""
    by: str = ""
    timed: bool = False  # whether `at` is the time it happened, to be shown
    url: str = ""


def _name(user: object) -> str:
    return str(getattr(user, "full_name", "") or getattr(user, "email", "") or "")


def _with_code(label: str, reason: str) -> str:
    """A step's reason: the main reason chosen from the list, then their words."""
    if not label:
        return reason
    return f"Main reason: {label}." + (f" {reason}" if reason else "")


def _moment(at: datetime) -> tuple[date, datetime]:
    local = timezone.localtime(at) if timezone.is_aware(at) else at
    return local.date(), local


def timeline(
    client: Client, *, concerns: QuerySet[SafeguardingConcern] | None = None
) -> list[Entry]:
    """`concerns`: those about the client the viewer may see (access.concerns_for), each
    shown as a flag only; none when not given."""
    entries: list[Entry] = []
    for referral in client.referrals.prefetch_related("changes__by"):
        for change in referral.changes.all():
            entries.append(_referral_step(referral, change))
    for assessment in client.assessments.select_related("by"):
        entries.append(
            Entry(
                assessment.assessed_on,
                assessment.created_at,
                "assessment",
                "Assessed",
                assessment.what_matters,
                _name(assessment.by),
            )
        )
    for group in client.groups.all():
        # Joined on its date (a group recorded before they were dated: when recorded).
        joined = (
            (group.joined_on, group.created_at) if group.joined_on else _moment(group.created_at)
        )
        entries.append(
            Entry(
                *joined,
                "group",
                f"Joined a group: {group.name} ({group.get_kind_display().lower()})",
                f"{group.get_contact_display()}; how important to them {group.importance} "
                f"of 5, how positive {group.positivity} of 5",
            )
        )
        if group.left_on is not None:
            entries.append(
                Entry(
                    group.left_on,
                    group.created_at,
                    "group",
                    f"Left a group: {group.name} ({group.get_kind_display().lower()})",
                )
            )
    instruments: dict[tuple[str, str], Instrument | None] = {}
    for administration in client.administrations.select_related("by"):
        # Each instrument version looked up once (a custom one is a query).
        key = (administration.instrument_code, administration.instrument_version)
        if key not in instruments:
            instruments[key] = administration.instrument
        entries.append(_administration(administration, instruments[key]))
    for connection in client.connections.select_related("activity").prefetch_related("steps__by"):
        for step in connection.steps.all():
            entries.append(
                Entry(
                    step.on,
                    step.at,
                    "connection",
                    f"{connection.activity.title}: {step.get_status_display().lower()}",
                    _with_code(step.get_reason_code_display(), step.reason),
                    _name(step.by) or step.by_name,
                )
            )
    for contact in client.contacts.select_related("by"):
        minutes = f", {contact.minutes} minutes" if contact.minutes else ""
        entries.append(
            Entry(
                *_moment(contact.on),
                "contact",
                f"{contact.get_kind_display()}{minutes}",
                contact.notes,
                _name(contact.by),
                timed=True,
            )
        )
    for task in client.tasks.filter(done_at__isnull=False):
        assert task.done_at is not None
        entries.append(Entry(*_moment(task.done_at), "task", f"Done: {task.title}", timed=True))
    for message in client.messages.select_related("by"):
        entries.append(
            Entry(
                *_moment(message.created_at),
                "message",
                f"{message.get_kind_display()} {_how_it_went(message)} {message.to}"
                f"{_receipt(message)}",
                message.body,
                _name(message.by),
                timed=True,
            )
        )
    handovers = Handover.objects.filter(client=client)
    for handover in handovers.select_related("from_worker", "to_worker", "by"):
        entries.append(
            Entry(
                *_moment(handover.at),
                "handover",
                f"Handed over from {_name(handover.from_worker) or 'nobody'} "
                f"to {_name(handover.to_worker) or 'nobody'}",
                "",
                _name(handover.by),
                timed=True,
            )
        )
    for concern in concerns.filter(client=client) if concerns is not None else []:
        entries += _flags(concern)
    entries.sort(key=lambda e: (e.on, e.at), reverse=True)
    return entries


def _administration(administration: Administration, instrument: Instrument | None) -> Entry:
    """A measure answered: its scores (as stored, with their bands), or why incomplete."""
    title = instrument.title if instrument else administration.instrument_code
    labels = {s.name: s.label for s in instrument.scales} if instrument else {}
    scores = []
    for name, value in administration.scores.items():
        if value is None:
            continue
        band = administration.bands.get(name)
        scores.append(f"{labels.get(name, name)} {value:g}" + (f" ({band})" if band else ""))
    detail = "; ".join(scores)
    if not administration.complete:
        detail = (
            "Incomplete: " + "; ".join(administration.problems) + (f". {detail}" if detail else "")
        )
    return Entry(
        administration.administered_on,
        administration.created_at,
        "outcome",
        f"{title}: {administration.get_timepoint_display().lower()}",
        detail,
        _name(administration.by)
        or ("" if administration.by_id else "the client, through their link"),
    )


def _referral_step(referral: Referral, change: ReferralStatusChange) -> Entry:
    title, detail, kind = (
        f"Referral {change.get_status_display().lower()}",
        change.reason,
        "referral",
    )
    if change.status == Referral.Status.RECEIVED:
        title = f"Referral received from {referral.get_source_display()}"
    elif change.status == Referral.Status.CLOSED:
        # How the case closed: the outcome, and the reason given.
        kind, title = "closed", "Case closed"
        if referral.outcome:
            title += f": {referral.get_outcome_display()}"
    if change.snomed_code:
        detail = (detail + " " if detail else "") + f"(SNOMED CT {change.snomed_code})"
    return Entry(change.on, change.at, kind, title, detail, _name(change.by))


def _flags(concern: SafeguardingConcern) -> list[Entry]:
    """A concern as a flag: that it was raised (and handled), never what it says."""
    url = reverse("casework:concern", kwargs={"public_id": concern.public_id})
    flags = [
        Entry(
            *_moment(concern.raised_at),
            "safeguarding",
            "Safeguarding concern raised",
            timed=True,
            url=url,
        )
    ]
    if concern.handled_at is not None:
        flags.append(
            Entry(
                *_moment(concern.handled_at),
                "safeguarding",
                "Safeguarding concern handled",
                timed=True,
                url=url,
            )
        )
    return flags


def _receipt(message: SentMessage) -> str:
    """What the receipt said (GOV.UK Notify's, or MESH's for a message back), if one came."""
    if not message.delivery_status:
        return ""
    when = timezone.localtime(message.delivery_status_at) if message.delivery_status_at else None
    on = f" on {when:%-d %B at %H:%M}" if when else ""
    if message.delivered:
        return f", collected by the practice{on}" if message.is_mesh else f", delivered{on}"
    why = message.error if message.is_mesh else message.why_not_delivered
    return f", not delivered ({why})" if why else ", not delivered"


def _how_it_went(message: SentMessage) -> str:
    if message.status == SentMessage.Status.SENT:
        return "sent to"
    if message.status in (SentMessage.Status.FAILED, SentMessage.Status.SENDING):
        return "waiting to be sent to"
    if message.status == SentMessage.Status.GAVE_UP:
        return "could not be sent to"
    return "may not have reached"
