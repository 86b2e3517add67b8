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
        # Commissioners follow all their areas at once (urls_commissioning.py).
        register_card(
            HomeCard(
                title="Compare areas and quarterly return",
                description=(
                    "Your areas' headline figures side by side, their trends over two "
                    "years, and the quarterly return with its SNOMED CT codes."
                ),
                url_name="monitoring:compare",
                capability=Capability.VIEW_MONITORING,
                order=62,
            )
        )
        # A researcher's way in: their areas, the evaluation and monitoring together
        # (the evaluation's own card, "Evaluation", leads to the analyses alone).
        register_card(
            HomeCard(
                title="Research",
                description=(
                    "Your areas at a glance: their headline figures, the programme's own "
                    "questions to analyse, and the ways into monitoring and evaluation."
                ),
                url_name="monitoring:research",
                capability=Capability.ANALYSE_RESEARCH_DATA,
                order=69,
            )
        )
        # Partners' impact, funding and population (helpers add theirs below).
        register_actions(
            {
                "partner_report.downloaded": "Downloaded a partner's impact report",
                "grant.created": "Recorded a grant",
                "grant.changed": "Changed a grant",
                "grant.deleted": "Deleted a grant",
                "population.recorded": "Recorded the area's population figures",
            }
        )
        # Partner leads only (coordinators reach every partner's report from Funding).
        register_card(
            HomeCard(
                title="Your organisation's impact",
                description=(
                    "How many people were connected to your activities, came and kept "
                    "coming, and how their wellbeing changed: a report for funding bids."
                ),
                url_name="monitoring:partners",
                capability=Capability.EDIT_OWN_LISTINGS,
                order=65,
            )
        )
        register_card(
            HomeCard(
                title="Funding",
                description=(
                    "Record grants and see the cost per person supported; partners' impact "
                    "reports; the area's population figures."
                ),
                url_name="monitoring:grants",
                capability=Capability.MANAGE_FUNDING,
                order=66,
            )
        )
