"""Background work for casework, run through Django's tasks API (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from .actions.messages import send_waiting_messages


@task()
def send_waiting_messages_task() -> dict[str, int]:
    """Try again the messages to and about clients that could not be sent."""
    return send_waiting_messages()
