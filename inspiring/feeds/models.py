"""Calendar feeds linked to organisations, each import's report, and what each event became."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from .exclusions import MAX_LIST, Exclusions


class FeedSource(models.Model):
    """An iCalendar address a partner keeps its events in (Google, Outlook, iCloud, Teamup…)."""

    class Health(models.TextChoices):
        NEW = "new", "Not imported yet"
        OK = "ok", "Working"
        FAILING = "failing", "Failing"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="feeds"
    )
    url = models.URLField("calendar address", max_length=1000)
    name = models.CharField(max_length=200, blank=True)
    # What imported activities get when the event does not say.
    default_venue = models.ForeignKey(
        "directory.Venue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_categories = models.ManyToManyField("directory.Category", blank=True, related_name="+")
    # Events its owner keeps out of the listings (private events never come in at all):
    # comma-separated words or phrases found in the title, and category names.
    exclude_keywords = models.CharField(
        "leave out events whose title has", max_length=MAX_LIST, blank=True
    )
    exclude_categories = models.CharField(
        "leave out events in these categories", max_length=MAX_LIST, blank=True
    )
    active = models.BooleanField(default=True)
    # HTTP caching: only fetch and parse what changed.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    health = models.CharField(max_length=10, choices=Health.choices, default=Health.NEW)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "url"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "url"], name="one_feed_per_address")
        ]

    def __str__(self) -> str:
        return self.name or self.url

    def get_absolute_url(self) -> str:
        return reverse("feeds:feed", kwargs={"public_id": self.public_id})

    def exclusions(self) -> Exclusions:
        return Exclusions.from_text(self.exclude_keywords, self.exclude_categories)

    def forget_content(self) -> None:
        """Make the next import fetch, compare and store the whole feed again."""
        FeedSource.objects.filter(pk=self.pk).update(content_hash="", etag="", last_modified="")
        self.content_hash = self.etag = self.last_modified = ""


class FeedImport(models.Model):
    """One run of an import: what it did, or why it failed. Kept as the feed's history."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        UNCHANGED = "unchanged", "No changes"
        FAILED = "failed", "Failed"

    source = models.ForeignKey(
        FeedSource, null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # [{"uid": ..., "reason": ...}] for every event not used.
    skipped = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.started_at:%Y-%m-%d %H:%M}"


class FeedItem(models.Model):
    """What one event of a feed became: its activity and schedule, and its fingerprint."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="items")
    uid = models.CharField(max_length=500)
    activity = models.ForeignKey(
        "directory.Activity", on_delete=models.CASCADE, related_name="feed_items"
    )
    schedule = models.ForeignKey(
        "directory.Schedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)
    # The event as the feed wrote it (ical.RawCalendar), when reading it again would give
    # this item as it is: the next import skips it unread if that has not changed. Empty
    # when unknown (an event the feed gives twice, or read with notes for its report).
    raw_fingerprint = models.CharField(max_length=64, blank=True, default="")
    removed_at = models.DateTimeField(null=True, blank=True)
    # The single dates the event moves or cancels, as the last import read them:
    # {"2026-03-10": {"cancelled": true}, "2026-03-17": {"start": ISO, "end": ISO}}.
    # Applied to the sessions whenever they are synced (so also once a pending
    # activity is approved, and to dates the nightly roll-forward brings in); the
    # next import puts back the dates it no longer changes, and no others.
    overrides = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "uid"], name="one_item_per_feed_uid")
        ]

    def __str__(self) -> str:
        return f"{self.uid} in {self.source}"
