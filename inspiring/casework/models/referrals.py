"""Referrals in, and the dated history of their status."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from lib.text import limited

from .. import choices


class Referral(models.Model):
    """One referral of a client to the programme, coded as SNOMED CT 871731000000106."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        CONTACTED = "contacted", "Contacted"
        ASSESSED = "assessed", "Assessed"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"
        DECLINED = "declined", "Declined"
        UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"

    # Where each status may go next. Declined and unable to contact need a reason.
    NEXT: dict[str, tuple[str, ...]] = {
        Status.RECEIVED: (Status.CONTACTED, Status.DECLINED, Status.UNABLE_TO_CONTACT),
        Status.CONTACTED: (Status.ASSESSED, Status.DECLINED, Status.UNABLE_TO_CONTACT),
        Status.ASSESSED: (Status.ACTIVE, Status.DECLINED, Status.CLOSED),
        Status.ACTIVE: (Status.CLOSED,),
        Status.UNABLE_TO_CONTACT: (Status.CONTACTED, Status.CLOSED),
        Status.DECLINED: (),
        Status.CLOSED: (),
    }
    NEEDS_REASON = frozenset({Status.DECLINED, Status.UNABLE_TO_CONTACT, Status.CLOSED})
    OPEN = frozenset({Status.RECEIVED, Status.CONTACTED, Status.ASSESSED, Status.ACTIVE})

    class Outcome(models.TextChoices):
        GOALS_MET = "goals_met", "Goals met: connected and attending"
        PARTLY_MET = "partly_met", "Goals partly met"
        NOT_MET = "not_met", "Goals not met"
        MOVED_AWAY = "moved_away", "Moved away"
        OTHER_SERVICE = "other_service", "Referred on to another service"
        DISENGAGED = "disengaged", "Stopped engaging"
        DIED = "died", "Died"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "casework.Client", on_delete=models.CASCADE, related_name="referrals"
    )
    source = models.CharField(max_length=30, choices=choices.ReferralSource.choices)
    referrer_name = models.CharField("referrer's name", max_length=200, blank=True)
    referrer_organisation = models.CharField(
        "referrer's organisation",
        max_length=200,
        blank=True,
        help_text="For example, the GP practice",
    )
    referrer_email = models.EmailField("referrer's email", blank=True)
    reasons = models.JSONField(default=list)
    reason_detail = models.TextField(
        "anything else about why", blank=True, **limited(2000, "Anything else about why")
    )
    # The link worker's own summary for the message back to the GP and referrer, in place
    # of the assessment's notes; the coded parts of the message are never edited.
    summary_for_gp = models.TextField(
        "summary for the GP", blank=True, **limited(2000, "The summary for the GP")
    )
    received_on = models.DateField()
    snomed_code = models.CharField(max_length=20, default=choices.SNOMED_REFERRAL, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    status_changed_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "received_on"]),
            # Monitoring counts a period's referrals.
            models.Index(fields=["received_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} referral on {self.received_on:%-d %B %Y}"

    @property
    def reference(self) -> str:
        """A short reference a person can read out on the phone, "3F2A 9C1B": the first
        8 hex digits of the referral's random public id (never its sequential key), so
        staff can match it to the referral's address, which begins the same."""
        digits = self.public_id.hex[:8].upper()
        return f"{digits[:4]} {digits[4:]}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(choices.ReferralReason.choices)
        return [labels.get(code, code) for code in self.reasons]

    def next_statuses(self) -> list[tuple[str, str]]:
        labels = dict(self.Status.choices)
        return [(code, labels[code]) for code in self.NEXT.get(self.status, ())]


class ReferralStatusChange(models.Model):
    """Each step of a referral, dated, with its reason and SNOMED CT code where there is one."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=20, choices=Referral.Status.choices)
    on = models.DateField()
    reason = models.TextField(blank=True, **limited(1000, "The reason"))
    snomed_code = models.CharField(max_length=20, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} on {self.on}"
