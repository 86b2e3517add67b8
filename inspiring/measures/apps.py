from __future__ import annotations

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "inspiring.measures"
    verbose_name = "Measures"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions

        register_actions(
            {
                "instrument_licence.recorded": "Recorded that the site holds a licence",
                "instrument_licence.withdrawn": "Withdrew an instrument's licence",
                "instrument_template.confirmed": "Confirmed a template instrument's wording",
                "custom_instrument.saved": "Saved a version of a custom instrument",
            }
        )
