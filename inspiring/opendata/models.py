"""What the open-data feeds need beyond the directory itself: tombstones.

OpenActive's RPDE feeds must tell a consumer that an item it has seen is
gone. Sessions are derived rows that are deleted and re-made as schedules
change, and an activity can be deleted outright, so each removal leaves a
tombstone here (written in the same transaction, by the receivers in
signals.py) that the feeds serve as `"state": "deleted"`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Tombstone(models.Model):
    class Kind(models.TextChoices):
        SESSION_SERIES = "series", "SessionSeries"
        SCHEDULED_SESSION = "session", "ScheduledSession"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    item_id = models.UUIDField()
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "item_id"], name="one_tombstone_per_item")
        ]
        indexes = [models.Index(fields=["kind", "modified", "item_id"], name="tombstone_feed")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_id} deleted"


class ServiceAtLocationId(models.Model):
    """Each listing's Open Referral service-at-location id, stored so that
    /service_at_locations/{id} is one indexed read.

    The id is a hash (oruk.derived_id) of the listing's and its location's ids, so it
    cannot be worked back to a listing: without this row every listing's was worked out
    again on each request, seconds at national scale on a public endpoint. One row per
    activity, kept by construction (service_ids.py: an activity saved, and activities
    written in bulk) and checked against the records after every test that writes."""

    activity = models.OneToOneField(
        "directory.Activity", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    item_id = models.UUIDField(unique=True)

    def __str__(self) -> str:
        return str(self.item_id)
