"""Mark as failed the background tasks whose worker stopped while running them
(running longer than TASK_ABANDONED_MINUTES). Run by the scheduler."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from ...abandoned import fail_abandoned


class Command(BaseCommand):
    help = (
        "Mark as failed the background tasks running longer than TASK_ABANDONED_MINUTES "
        "(their worker stopped)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASKS_BACKEND != "database":
            self.stdout.write("Tasks run in the request (TASKS_BACKEND=immediate): none to check.")
            return
        failed = fail_abandoned()
        self.stdout.write(f"{failed} abandoned task{'s' if failed != 1 else ''} marked failed.")
