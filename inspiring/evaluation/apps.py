from __future__ import annotations

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "inspiring.evaluation"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability

        register_actions(
            {
                "evaluation.extracted": "Extracted pseudonymous data for an analysis",
                "evaluation.queued": "Started an analysis",
                "evaluation.rerun": "Ran an analysis again",
                "evaluation.pdf_downloaded": "Downloaded an analysis's report as a PDF",
                "evaluation.bundle_downloaded": (
                    "Downloaded an analysis's bundle (data, R code, results)"
                ),
            }
        )
        # Researchers and coordinators analyse the areas their roles cover (urls.py).
        register_card(
            HomeCard(
                title="Evaluation",
                description=(
                    "Analyse the community survey and client outcomes, pseudonymised: "
                    "change in wellbeing, groups and loneliness, mediation, reliability."
                ),
                url_name="evaluation:list",
                capability=Capability.ANALYSE_RESEARCH_DATA,
                order=70,
            )
        )
