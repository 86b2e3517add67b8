"""Monitoring's pages: the area dashboard here; partners' impact and funding in
urls_partners, the commissioner's and researcher's views in urls_commissioning."""

from __future__ import annotations

from django.urls import path

from . import urls_commissioning, urls_partners, views

app_name = "monitoring"

urlpatterns = [
    path("staff/monitoring/", views.dashboard, name="dashboard"),
    *urls_partners.urlpatterns,
    *urls_commissioning.urlpatterns,
]
