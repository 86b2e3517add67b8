"""The areas side by side, the quarterly return, and the researcher's home."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
