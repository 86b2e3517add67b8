"""Printable calendar booklets (PDF), built in the background."""

from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse


class Booklet(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        BUILDING = "building", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be made"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="booklets")
    start = models.DateField()
    end = models.DateField()
    large_print = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    stage = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Kept in the database so any web process can serve it (no shared disk needed).
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pages = models.PositiveIntegerField(null=True, blank=True)
    sessions = models.PositiveIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.area} booklet {self.start:%b %Y} to {self.end:%b %Y}"

    def get_absolute_url(self) -> str:
        return reverse(
            "directory:booklet", kwargs={"slug": self.area.slug, "public_id": self.public_id}
        )

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)
