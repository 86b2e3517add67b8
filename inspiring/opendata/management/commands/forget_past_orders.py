"""Blank the customer on other sites' orders whose sessions are long past (nightly)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from inspiring.opendata.openbooking import forget_past_orders


class Command(BaseCommand):
    help = (
        "Blank the customer a booking partner sent with an order (Open Booking API) once "
        "its sessions are BOOKINGS_RETENTION_DAYS past; the order and its places stay."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        forgotten = forget_past_orders()
        self.stdout.write(
            f"{forgotten} order(s) more than {settings.BOOKINGS_RETENTION_DAYS} days past "
            "had their customer's details blanked."
        )
