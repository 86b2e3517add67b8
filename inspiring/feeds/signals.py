"""Keep feed imports honest about what the coordinator changed."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from inspiring.directory.models import Activity

from .models import FeedItem, FeedSource


@receiver(post_save, sender=Activity)
def published_feed_activity(sender: Any, instance: Activity, **kwargs: Any) -> None:
    """When a feed's activity is (re)published, e.g. approved, import its events again.

    An event's single-date changes (moved or cancelled instances) are applied to
    sessions, which exist only once the activity is published: forgetting the
    fingerprint (and the feed's cache) makes the next import apply them.
    """
    if instance.source != Activity.Source.ICAL or instance.status != Activity.Status.PUBLISHED:
        return
    if kwargs.get("raw"):
        return
    items = FeedItem.objects.filter(activity=instance)
    FeedSource.objects.filter(items__in=items).update(content_hash="", etag="", last_modified="")
    items.update(fingerprint="")
