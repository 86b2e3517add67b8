"""Scheduled: import every active feed not checked in the last FEEDS_INTERVAL_MINUTES (cron)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from inspiring.feeds.models import FeedSource
from inspiring.feeds.tasks import import_feed_task


class Command(BaseCommand):
    help = "Queue an import of every active calendar feed that is due (run every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        due = timezone.now() - timedelta(minutes=settings.FEEDS_INTERVAL_MINUTES)
        sources = FeedSource.objects.filter(active=True).filter(
            Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=due)
        )
        count = 0
        for source in sources.order_by("last_checked_at"):
            import_feed_task.enqueue(source.pk)
            count += 1
        self.stdout.write(f"Queued {count} feed import{'s' if count != 1 else ''}.")
