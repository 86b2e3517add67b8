"""The evaluation's downloads (PDF report, reproducible bundle): filled in by plots.py,
pdf.py and bundle.py's views. Included from urls.py, under the same app_name."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
