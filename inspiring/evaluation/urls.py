"""The evaluation's pages: analyses of pseudonymised extracts, for researchers and
coordinators (Capability.ANALYSE_RESEARCH_DATA)."""

from __future__ import annotations

from django.urls import include, path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("staff/evaluation/", views.analysis_list, name="list"),
    path("staff/evaluation/new/", views.choose_dataset, name="new"),
    path(
        "staff/evaluation/new/survey/<uuid:public_id>/",
        views.new_survey_analysis,
        name="new_survey",
    ),
    path("staff/evaluation/new/outcomes/", views.new_outcomes_analysis, name="new_outcomes"),
    path("staff/evaluation/<uuid:public_id>/", views.analysis_page, name="analysis"),
    path("staff/evaluation/<uuid:public_id>/run-again/", views.run_again, name="run_again"),
    # The PDF and bundle downloads (urls_exports.py, another module's views).
    path("", include("inspiring.evaluation.urls_exports")),
]
