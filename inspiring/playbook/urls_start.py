"""Starting a new area from another (site administrators: views_start.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views_start

urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/areas/new/", views_start.start_area_page, name="start_area"),
    path("staff/areas/<slug:slug>/started/", views_start.area_started_page, name="area_started"),
]
