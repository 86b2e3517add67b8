from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "inspiring.monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability

        register_actions(
            {
                "monitoring.exported": "Downloaded monitoring figures",
            }
        )
        register_card(
            HomeCard(
                title="Monitoring",
                description=(
                    "Referrals, first contact, connections, outcomes, the calendar beside "
                    "what people want, and equity: for a period, against the one before."
                ),
                url_name="monitoring:dashboard",
                capability=Capability.VIEW_MONITORING,
                order=60,
            )
        )
        # Partners' impact, funding and population (helpers add theirs below).
