"""What was sent to or about a client (their plan, the message back to the GP), kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SentMessage(models.Model):
    class Kind(models.TextChoices):
        PLAN_EMAIL = "plan_email", "Plan by email"
        PLAN_TEXT = "plan_text", "Plan by text message"
        MESSAGE_BACK = "message_back", "Message back to the GP and referrer"

    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to = models.CharField(max_length=254)
    body = models.TextField()
    sent_at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}"
