"""Messages that came in through MESH (referrals from GP systems), kept as received.

Each message is recorded once (its MESH id is unique), whatever the number of polls:
read, recorded and committed, then acknowledged, so a message MESH gives again (the
acknowledgement was lost) is recognised and acknowledged, never imported twice. A
referral that reads well becomes a client and referral in triage in one transaction
with its record here; one that does not is kept here whole, with every problem found,
for the area's coordinators to deal with by hand (nothing of it is half-imported).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class InboundMessage(models.Model):
    class Status(models.TextChoices):
        # A client and referral in triage were made from it (or the referral was added
        # to the client of the same NHS number).
        IMPORTED = "imported", "Referral received"
        # It could not be read as a referral: kept, with its problems, for a coordinator.
        REJECTED = "rejected", "Could not be read"
        # A coordinator dealt with a rejected message by hand (its content is then let go).
        DEALT_WITH = "dealt_with", "Dealt with by hand"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Where it is shown: the area whose mailbox it came to, or whose practice or postcode
    # it names (None: no area could be told; shown to every coordinator of the site).
    area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message_id = models.CharField("MESH message id", max_length=100, unique=True)
    mailbox = models.CharField("our mailbox", max_length=20)
    sender = models.CharField("sender's mailbox", max_length=20, blank=True)
    workflow_id = models.CharField("workflow", max_length=100, blank=True)
    local_id = models.CharField("sender's reference", max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices)
    # What was wrong, in words for a coordinator (REJECTED).
    problems = models.JSONField(default=list, blank=True)
    # The message as received, kept only while someone needs it (REJECTED): an imported
    # referral's content lives in the client's record, and lets it go when erased.
    payload = models.BinaryField(null=True, blank=True)
    payload_size = models.PositiveIntegerField(default=0)
    referral = models.ForeignKey(
        "casework.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    dealt_with_at = models.DateTimeField(null=True, blank=True)
    dealt_with_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("what was done", max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["area", "status", "received_at"])]

    def __str__(self) -> str:
        return f"MESH message {self.message_id} ({self.get_status_display()})"
