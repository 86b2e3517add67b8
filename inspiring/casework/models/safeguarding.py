"""Safeguarding concerns: seen only by the area's designated lead and deputy, and by
whoever raised them."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from lib.text import limited

if TYPE_CHECKING:
    from inspiring.accounts.models import User

# What one concern, and one entry of its handling, may hold; and the whole handling.
CONCERN_LIMIT = 10_000
HANDLING_ENTRY_LIMIT = 5000
HANDLING_LIMIT = 100_000
# Why the person did not consent to a referral, or was not asked.
CONSENT_NOTE_LIMIT = 1000


class SafeguardingLead(models.Model):
    """The area's designated safeguarding lead and their deputy (a coordinator names
    both). Concerns go to both: the deputy acts when the lead is away, with no rota to
    keep."""

    area = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="safeguarding_lead"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Empty only for a lead named before deputies were required: the coordinators are
    # warned until one is named.
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"{self.user} for {self.area}"

    @property
    def people(self) -> list[User]:
        """Who reads and handles the area's concerns: the lead, then the deputy."""
        return [user for user in (self.user, self.deputy) if user is not None]


class SafeguardingConcern(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        HANDLED = "handled", "Handled"

    class Category(models.TextChoices):
        """The types of abuse and neglect of the Care Act 2014 statutory guidance
        (Care and support statutory guidance, 14.17), and "not sure"."""

        PHYSICAL = "physical", "Physical abuse"
        DOMESTIC = "domestic", "Domestic abuse"
        SEXUAL = "sexual", "Sexual abuse"
        PSYCHOLOGICAL = "psychological", "Psychological or emotional abuse"
        FINANCIAL = "financial", "Financial or material abuse"
        MODERN_SLAVERY = "modern_slavery", "Modern slavery"
        DISCRIMINATORY = "discriminatory", "Discriminatory abuse"
        ORGANISATIONAL = "organisational", "Organisational abuse"
        NEGLECT = "neglect", "Neglect or acts of omission"
        SELF_NEGLECT = "self_neglect", "Self-neglect"
        OTHER = "other", "Something else, or not sure"

    class Urgency(models.TextChoices):
        TODAY = "today", "Today"
        DAY = "24_hours", "Within 24 hours"
        ROUTINE = "routine", "Routine"

    class ReferralConsent(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_ASKED = "not_asked", "Not asked"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "casework.Client", on_delete=models.CASCADE, related_name="safeguarding_concerns"
    )
    concern = models.TextField(
        "what you are worried about", **limited(CONCERN_LIMIT, "What you are worried about")
    )
    # Blank only on concerns raised before these were asked: the form requires them.
    category = models.CharField(
        "what kind of harm", max_length=20, choices=Category.choices, blank=True
    )
    urgency = models.CharField(
        "how soon the lead needs to act", max_length=10, choices=Urgency.choices, blank=True
    )
    referral_consent = models.CharField(
        "did the person consent to a referral to the council's adult safeguarding team?",
        max_length=10,
        choices=ReferralConsent.choices,
        blank=True,
    )
    referral_consent_note = models.TextField(
        "why not",
        blank=True,
        **limited(CONSENT_NOTE_LIMIT, "Why they did not consent, or were not asked"),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Every entry of the handling, dated and signed, one after another.
    handling = models.TextField(
        "what was done", blank=True, **limited(HANDLING_LIMIT, "The handling")
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return f"Safeguarding concern raised {self.raised_at:%-d %B %Y}"
