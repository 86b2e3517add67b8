from __future__ import annotations

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "inspiring.matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from . import index

        index.connect(self)
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability
        from inspiring.casework.links import ClientLink, register_client_link

        register_client_link(
            ClientLink("Suggested activities", "matching:suggestions", primary=True)
        )

        register_actions(
            {
                "suggestions.viewed": "Looked at activity suggestions for a client",
                "barrier_rules.changed": "Changed which features answer which barriers",
            }
        )
        register_card(
            HomeCard(
                title="What the calendar lacks",
                description=(
                    "Which barriers, interests and times of current clients the calendar "
                    "serves poorly, to guide which partners to recruit."
                ),
                url_name="matching:gaps",
                capability=Capability.OVERSEE_CASES,
                order=40,
            )
        )
