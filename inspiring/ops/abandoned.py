"""Tasks whose worker stopped while running them (killed, out of memory, its machine
gone): django-tasks-db leaves them RUNNING for ever, and nobody is told.

A scheduled job marks a task FAILED once it has been running longer than
TASK_ABANDONED_MINUTES — far longer than any task here takes (feed fetches have a total
deadline; booklets and analyses take minutes) — with `WorkerStopped` as its error, so
the task's result says what happened and `task_finished` is sent as for any failure.
Nothing is run again here: the jobs that matter heal themselves (the scheduler queues a
feed again when its import never finished), and a person asks again for a booklet.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

log = logging.getLogger(__name__)


class WorkerStopped(Exception):
    """The worker running the task stopped before the task finished."""


def fail_abandoned(now: datetime | None = None) -> int:
    """Mark as failed every task running longer than TASK_ABANDONED_MINUTES; how many."""
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.TASK_ABANDONED_MINUTES)
    failed = 0
    for pk in (
        DBTaskResult.objects.running().filter(started_at__lt=cutoff).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            result = (
                DBTaskResult.objects.select_for_update(skip_locked=True)
                .running()
                .filter(pk=pk, started_at__lt=cutoff)
                .first()
            )
            if result is None:  # finished meanwhile, or another scheduler has it
                continue
            minutes = settings.TASK_ABANDONED_MINUTES
            result.set_failed(
                WorkerStopped(
                    f"Still running after {minutes} minutes: its worker "
                    f"({', '.join(result.worker_ids) or 'unknown'}) stopped"
                )
            )
        log.warning("Task %s (%s) abandoned by its worker: marked failed", pk, result.task_path)
        try:
            task_finished.send(
                sender=type(result.task.get_backend()), task_result=result.task_result
            )
        except Exception:  # a task that no longer exists: the row says enough
            log.exception("Task %s: could not tell the task's listeners", pk)
        failed += 1
    return failed
