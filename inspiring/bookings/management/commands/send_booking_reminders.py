"""Remind everyone booked at a session tomorrow (the scheduler, every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from inspiring.bookings.reminders import REMIND_FROM, REMIND_UNTIL, send_booking_reminders


class Command(BaseCommand):
    help = (
        "Send the reminder the day before a session, once, to everyone booked at it "
        f"(between {REMIND_FROM:%H:%M} and {REMIND_UNTIL:%H:%M}): residents by email or "
        "text, clients of link workers through casework's messages. Failures are tried "
        "again; an interrupted send is marked 'not known' and never sent again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_booking_reminders()
        self.stdout.write(
            f"{counts.get('sent', 0)} sent, {counts.get('failed', 0)} failed, "
            f"{counts.get('unknown', 0)} not known, "
            f"{counts.get('interrupted', 0)} interrupted (not sent again)."
        )
