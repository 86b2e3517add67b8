"""Contacts with a client, and tasks for whoever supports them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lib.text import limited

from .. import choices


class Contact(models.Model):
    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField("how", max_length=20, choices=choices.ContactKind.choices)
    on = models.DateTimeField("when")
    minutes = models.PositiveSmallIntegerField("how long (minutes)", null=True, blank=True)
    notes = models.TextField(blank=True, **limited(10_000, "Notes"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__isnull=True) | models.Q(minutes__lte=600),
                name="contact_at_most_ten_hours",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.on:%-d %B %Y}"


class Task(models.Model):
    client = models.ForeignKey("casework.Client", on_delete=models.CASCADE, related_name="tasks")
    # Set for the reminders made by the system (a follow-up after a first visit, say).
    connection = models.ForeignKey(
        "casework.Connection", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField("what to do", max_length=200)
    due_on = models.DateField("due")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on", "pk"]
        indexes = [models.Index(fields=["assigned_to", "done_at", "due_on"])]

    def __str__(self) -> str:
        return self.title
