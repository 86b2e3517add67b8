"""Safeguarding concerns: seen only by the area's designated lead and whoever raised them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from lib.text import limited

# What one concern, and one entry of its handling, may hold; and the whole handling.
CONCERN_LIMIT = 10_000
HANDLING_ENTRY_LIMIT = 5000
HANDLING_LIMIT = 100_000


class SafeguardingLead(models.Model):
    """The area's designated safeguarding lead (a coordinator names them)."""

    area = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="safeguarding_lead"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.user} for {self.area}"


class SafeguardingConcern(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        HANDLED = "handled", "Handled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "casework.Client", on_delete=models.CASCADE, related_name="safeguarding_concerns"
    )
    concern = models.TextField(
        "what you are worried about", **limited(CONCERN_LIMIT, "What you are worried about")
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
