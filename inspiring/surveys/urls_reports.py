"""The survey's results (summary page and CSV, responses CSV) and the spreadsheet import."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_reports as views

urlpatterns: list[URLPattern] = [
    path("staff/surveys/results/", views.results, name="results"),
    path("staff/surveys/<uuid:public_id>/summary/", views.summary, name="summary"),
    path("staff/surveys/<uuid:public_id>/summary/csv/", views.summary_csv, name="summary_csv"),
    path(
        "staff/surveys/<uuid:public_id>/responses/csv/",
        views.responses_csv,
        name="responses_csv",
    ),
    path("staff/surveys/<uuid:public_id>/import/", views.import_upload, name="import"),
    path("staff/surveys/<uuid:public_id>/import/mapping/", views.import_map, name="import_map"),
]
