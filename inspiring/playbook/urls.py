"""The playbook's addresses, one module a part (so each part keeps its own)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from . import urls_report, urls_resources, urls_sharing, urls_start, urls_tasks

app_name = "playbook"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_start.urlpatterns,
    *urls_tasks.urlpatterns,
    *urls_resources.urlpatterns,
    *urls_sharing.urlpatterns,
    *urls_report.urlpatterns,
]
