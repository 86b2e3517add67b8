from __future__ import annotations

from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    name = "inspiring.opendata"
    verbose_name = "Open data: Open Referral UK and OpenActive"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability

        from . import service_ids, signals  # noqa: F401  (signals connects its receivers)
        from .views_openbooking import requests_card_status

        service_ids.connect(self)

        register_actions(
            {
                "openreferral.imported": "Imported an Open Referral directory",
                "openbooking.proposed": "Another site asked to book places (for approval)",
                "openbooking.accepted": "Accepted a booking request from another site",
                "openbooking.declined": "Declined a booking request from another site",
                "openbooking.ordered": "Another site booked places",
                "openbooking.deleted": "Another site deleted an order",
            }
        )
        register_card(
            HomeCard(
                title="Booking requests",
                description="Sites that book through OpenActive asking for places at your "
                "activities that you accept first.",
                url_name="opendata:booking_requests",
                capability=Capability.EDIT_OWN_LISTINGS,
                order=16,
                status=requests_card_status,
            )
        )
