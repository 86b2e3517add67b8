"""Background work of the operations app."""

from __future__ import annotations

from django_tasks import task

from .models import Heartbeat, beat


@task()
def worker_heartbeat() -> str:
    """Queued by the scheduler every 30 seconds: the worker's beat is that it ran this."""
    beat(Heartbeat.Process.WORKER)
    return "beat"
