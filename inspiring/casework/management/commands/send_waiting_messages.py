"""Try again the messages to and about clients that could not be sent (cron, every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from inspiring.casework.actions.messages import send_waiting_messages


class Command(BaseCommand):
    help = (
        "Send again the plans and messages back that failed (up to four tries, further apart "
        "each time), and mark as 'not known' any whose sending was interrupted."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_waiting_messages()
        self.stdout.write(
            f"{counts['sent']} sent, {counts['failed']} still failing, "
            f"{counts['interrupted']} interrupted (not sent again)."
        )
