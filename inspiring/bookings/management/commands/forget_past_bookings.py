"""Blank residents' details on online bookings whose session is long past (nightly)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from inspiring.bookings.actions import forget_past_bookings


class Command(BaseCommand):
    help = (
        "Blank the name, email and phone a resident gave on an online booking once its "
        "session is BOOKINGS_RETENTION_DAYS past; the booking's places and status stay."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        forgotten = forget_past_bookings()
        self.stdout.write(
            f"{forgotten} booking(s) more than {settings.BOOKINGS_RETENTION_DAYS} days past "
            "had their name and contact details blanked."
        )
