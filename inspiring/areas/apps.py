from __future__ import annotations

from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "inspiring.areas"
    verbose_name = "Areas and geography"
