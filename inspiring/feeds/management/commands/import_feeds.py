"""Scheduled: import every active feed not checked in the last FEEDS_INTERVAL_MINUTES.

A feed whose import is already queued or running is left alone: while the worker is
down or busy, each run of this command would otherwise queue the same feed again, and
two workers could import one feed at the same time."""

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
        waiting = _queued_or_running()
        count = 0
        for source in sources.order_by("last_checked_at"):
            if source.pk in waiting:
                continue
            import_feed_task.enqueue(source.pk)
            count += 1
        said = f"Queued {count} feed import{'s' if count != 1 else ''}."
        if waiting:
            said += f" {len(waiting)} already queued or running."
        self.stdout.write(said)


def _queued_or_running() -> set[int]:
    """The feeds with an import waiting for or running in a worker (the database task
    backend's queue; none when tasks run in the request)."""
    if settings.TASKS_BACKEND != "database":
        return set()
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    found: set[int] = set()
    for args_kwargs in DBTaskResult.objects.filter(
        task_path=import_feed_task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        if args and isinstance(args[0], int):
            found.add(args[0])
    return found
