"""A client's timeline: everything that happened, newest first, from the records themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .models import Client, Handover, SentMessage


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # referral, assessment, connection, contact, task, message, attendance
    title: str
    detail: str = ""
    by: str = ""


def _name(user: object) -> str:
    return str(getattr(user, "full_name", "") or getattr(user, "email", "") or "")


def timeline(client: Client) -> list[Entry]:
    entries: list[Entry] = []
    for referral in client.referrals.prefetch_related("changes__by"):
        for change in referral.changes.all():
            title = f"Referral {change.get_status_display().lower()}"
            if change.status == "received":
                title = f"Referral received from {referral.get_source_display()}"
            detail = change.reason
            if change.snomed_code:
                detail = (detail + " " if detail else "") + f"(SNOMED CT {change.snomed_code})"
            entries.append(Entry(change.at, "referral", title, detail, _name(change.by)))
    for assessment in client.assessments.select_related("by"):
        entries.append(
            Entry(
                assessment.created_at,
                "assessment",
                "Assessment recorded",
                assessment.what_matters,
                _name(assessment.by),
            )
        )
    for connection in client.connections.select_related("activity").prefetch_related("steps__by"):
        for step in connection.steps.all():
            entries.append(
                Entry(
                    step.at,
                    "connection",
                    f"{connection.activity.title}: {step.get_status_display().lower()}",
                    step.reason,
                    _name(step.by) or step.by_name,
                )
            )
    for contact in client.contacts.select_related("by"):
        minutes = f", {contact.minutes} minutes" if contact.minutes else ""
        entries.append(
            Entry(
                contact.on,
                "contact",
                f"{contact.get_kind_display()}{minutes}",
                contact.notes,
                _name(contact.by),
            )
        )
    for task in client.tasks.select_related("created_by"):
        if task.done_at:
            entries.append(Entry(task.done_at, "task", f"Done: {task.title}"))
    for message in client.messages.select_related("by"):
        entries.append(
            Entry(
                message.created_at,
                "message",
                f"{message.get_kind_display()} {_how_it_went(message)} {message.to}",
                message.body,
                _name(message.by),
            )
        )
    handovers = Handover.objects.filter(client=client)
    for handover in handovers.select_related("from_worker", "to_worker", "by"):
        entries.append(
            Entry(
                handover.at,
                "handover",
                f"Handed over from {_name(handover.from_worker) or 'nobody'} "
                f"to {_name(handover.to_worker) or 'nobody'}",
                "",
                _name(handover.by),
            )
        )
    entries.sort(
        key=lambda e: timezone.localtime(e.at) if timezone.is_aware(e.at) else e.at, reverse=True
    )
    return entries


def _how_it_went(message: SentMessage) -> str:
    if message.status == SentMessage.Status.SENT:
        return "sent to"
    if message.status in (SentMessage.Status.FAILED, SentMessage.Status.SENDING):
        return "waiting to be sent to"
    if message.status == SentMessage.Status.GAVE_UP:
        return "could not be sent to"
    return "may not have reached"
