"""What was sent to or about a client (their plan, the message back to the GP, the
confirmation of a self-referral, the reminder of a booked session), kept.

A message is recorded as "sending" and committed before anything leaves, then marked
sent or failed: the network is never called inside a transaction. A failed message
is tried again by `send_waiting_messages` (a few times, further apart each time); one
whose sending was interrupted is never sent again blind (it may have gone), but
shown as "not known" for someone to check."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

# The sender's schedule: tries in all, the wait before each retry, and how long a
# message may be "sending" before it counts as interrupted.
from lib.senders import (
    MAX_ATTEMPTS,
    RETRY_AFTER,
    SENDING_TIMEOUT,
    DeliveryStatus,
    why_not_delivered,
)
from lib.text import limited

__all__ = [
    "MAX_ATTEMPTS",
    "REFERENCE_PREFIX",
    "RETRY_AFTER",
    "SENDING_TIMEOUT",
    "SentMessage",
    "SentMessageQuerySet",
]

# SentMessage.reference: "casework-message-<pk>".
REFERENCE_PREFIX = "casework-message-"


class SentMessageQuerySet(models.QuerySet["SentMessage"]):
    def due_for_retry(self, now: datetime | None = None) -> SentMessageQuerySet:
        now = now or timezone.now()
        return self.filter(
            status=SentMessage.Status.FAILED,
            attempts__lt=MAX_ATTEMPTS,
            next_attempt_at__lte=now,
            client__erased_at__isnull=True,
        )


class SentMessage(models.Model):
    class Kind(models.TextChoices):
        PLAN_EMAIL = "plan_email", "Plan by email"
        PLAN_TEXT = "plan_text", "Plan by text message"
        MESSAGE_BACK = "message_back", "Message back to the GP and referrer"
        # The same, to the registered practice through MESH as a GP Connect document
        # (actions.mesh): `to` is the practice's ODS code, `attachment` the FHIR message
        # as sent, `provider_id` its MESH id, `delivery_status` what MESH says became of it.
        MESSAGE_BACK_MESH = "message_back_mesh", "Message back to the GP through MESH"
        SELF_REFERRAL_TEXT = "self_referral_text", "Self-referral confirmation by text message"
        # A one-time link to answer a wellbeing or loneliness measure (casework.outcomes).
        OUTCOME_LINK_TEXT = "outcome_link_text", "Link to answer wellbeing questions by text"
        OUTCOME_LINK_EMAIL = "outcome_link_email", "Link to answer wellbeing questions by email"
        # The day before a session they are booked at (actions.booking_reminders).
        REMINDER_TEXT = "reminder_text", "Booking reminder by text message"
        REMINDER_EMAIL = "reminder_email", "Booking reminder by email"

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        # Will be tried again, until MAX_ATTEMPTS.
        FAILED = "failed", "Not sent yet"
        # Tried MAX_ATTEMPTS times: someone needs to send it another way.
        GAVE_UP = "gave_up", "Could not be sent"
        # Interrupted while sending: it may or may not have gone.
        UNKNOWN = "unknown", "Not known whether it was sent"

    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The address or mobile number it goes to, as sent.
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(**limited(20_000, "The message"))
    # The PDF letter that goes with a message back (kept to send it again unchanged).
    attachment = models.BinaryField(null=True, blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField("why it did not go", max_length=300, blank=True)
    # When the latest try began (a try still "sending" long after was interrupted).
    attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The booking a reminder is for: one reminder per booking, whichever way it goes
    # (the unique column is what makes it "never twice", however many runs race).
    booking = models.OneToOneField(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_reminder",
    )
    # Who sent it; None when nobody signed in did (the confirmation of a self-referral).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # GOV.UK Notify's id for it (what sending returned), and what its delivery receipt
    # said became of it and when (the callback: casework.views.notify). Blank for the
    # console and email senders, which give neither.
    provider_id = models.CharField(
        "the sending service's reference", max_length=36, blank=True, db_index=True
    )
    delivery_status = models.CharField(max_length=20, choices=DeliveryStatus.choices, blank=True)
    delivery_status_at = models.DateTimeField(null=True, blank=True)

    objects = SentMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}"

    @property
    def reference(self) -> str:
        """Our own id for it, sent with it to GOV.UK Notify and named in its receipt (no
        personal data: Notify shows it in its dashboard)."""
        return f"{REFERENCE_PREFIX}{self.pk}"

    @property
    def delivered(self) -> bool:
        return self.delivery_status == DeliveryStatus.DELIVERED

    @property
    def why_not_delivered(self) -> str:
        """Why Notify's receipt says it was not delivered, in words; "" otherwise."""
        return why_not_delivered(self.delivery_status, email=self.is_email)

    @property
    def is_mesh(self) -> bool:
        """It goes to a GP practice's MESH mailbox (neither an email nor a text)."""
        return self.kind == self.Kind.MESSAGE_BACK_MESH

    @property
    def is_email(self) -> bool:
        return self.kind in (
            self.Kind.PLAN_EMAIL,
            self.Kind.MESSAGE_BACK,
            self.Kind.OUTCOME_LINK_EMAIL,
            self.Kind.REMINDER_EMAIL,
        )
