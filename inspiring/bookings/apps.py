from __future__ import annotations

from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "inspiring.bookings"
    verbose_name = "Bookings: places on sessions"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions

        from . import signals

        signals.connect()
        register_actions(
            {
                "booking.made": "Booked a place",
                "booking.cancelled": "Cancelled a booking",
            }
        )
