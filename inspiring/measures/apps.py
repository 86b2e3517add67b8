from __future__ import annotations

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "inspiring.measures"
    verbose_name = "Measures"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability

        register_actions(
            {
                "instrument_licence.recorded": "Recorded that the site holds a licence",
                "instrument_licence.withdrawn": "Withdrew an instrument's licence",
                "instrument_template.confirmed": "Confirmed a template instrument's wording",
                "custom_instrument.saved": "Saved a version of a custom instrument",
            }
        )
        register_card(
            HomeCard(
                title="Measures",
                description=(
                    "The wellbeing and loneliness instruments the platform can use: their "
                    "wording and scoring, templates to confirm, and instruments you build."
                ),
                url_name="measures:library",
                capability=Capability.BUILD_INSTRUMENTS,
                order=65,
            )
        )
