from __future__ import annotations

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "inspiring.surveys"
    verbose_name = "Community survey"
