"""The evaluation's downloads (PDF report, reproducible bundle) and the built-in questions'
pages, views in views_exports.py. Included from urls.py, under the same app_name."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views_exports

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "staff/evaluation/questions/<slug:code>/",
        views_exports.question_page,
        name="question",
    ),
    path(
        "staff/evaluation/<uuid:public_id>/report.pdf",
        views_exports.download_pdf,
        name="download_pdf",
    ),
    path(
        "staff/evaluation/<uuid:public_id>/bundle.zip",
        views_exports.download_bundle,
        name="download_bundle",
    ),
]
