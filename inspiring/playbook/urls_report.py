"""The scale-up report: each area's playbook progress beside its first figures."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views_report

urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/playbook/report/", views_report.report, name="report"),
]
