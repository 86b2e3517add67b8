from __future__ import annotations

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "inspiring.surveys"
    verbose_name = "Community survey"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability

        register_actions(
            {
                "survey.created": "Created a community survey",
                "survey.changed": "Changed a draft community survey",
                "survey.opened": "Opened a community survey to residents",
                "survey.closed": "Closed a community survey",
                "survey.paper_entered": "Entered a paper survey return",
                "survey.imported": "Imported survey responses from a spreadsheet",
                "survey.exported": "Exported survey responses or figures",
            }
        )
        # The area's coordinators run its survey (building: urls_building.py).
        register_card(
            HomeCard(
                title="Community survey",
                description=(
                    "Ask residents what they know of, go to and would like, and what stops "
                    "them: build the survey, open it, enter paper returns."
                ),
                url_name="surveys:list",
                capability=Capability.RUN_SURVEYS,
                order=60,
            )
        )
        # Anyone following results sees the summaries of their areas (urls_reports.py).
        register_card(
            HomeCard(
                title="Community survey results",
                description=(
                    "What residents know of, go to and would like, what stops them, by "
                    "deprivation and age, beside what the calendar offers."
                ),
                url_name="surveys:results",
                capability=Capability.VIEW_MONITORING,
                order=61,
            )
        )
