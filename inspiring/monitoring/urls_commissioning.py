"""The areas side by side, the quarterly return, and the researcher's home."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_commissioning as views

urlpatterns: list[URLPattern] = [
    path("staff/monitoring/compare/", views.compare, name="compare"),
    path("staff/monitoring/quarterly-return/", views.quarterly_return, name="quarterly_return"),
    path("staff/research/", views.research, name="research"),
]
