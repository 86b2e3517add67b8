"""Operations: what the running processes say about themselves.

A `Heartbeat` is written by each long-running process that is not a web process
(the scheduler every minute; the worker whenever it runs the heartbeat task the
scheduler queues for it, so a worker's beat proves it takes work off the queue), and
read by the readiness check (`/health/ready/`): a beat older than
`HEALTH_STALE_SECONDS` is stale, and the site is not ready.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    class Process(models.TextChoices):
        WORKER = "worker", "Background worker"
        SCHEDULER = "scheduler", "Scheduler"

    process = models.CharField(max_length=20, choices=Process.choices, unique=True)
    beat_at = models.DateTimeField()
    # Which machine and process id beat last (for an operator; never shown publicly).
    host = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.process} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


def beat(process: str, *, at: datetime | None = None) -> None:
    """Record that `process` is alive now (one row per process, updated in place)."""
    Heartbeat.objects.update_or_create(
        process=process,
        defaults={
            "beat_at": at or timezone.now(),
            "host": socket.gethostname()[:200],
            "pid": os.getpid(),
        },
    )
