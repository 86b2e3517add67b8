from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "inspiring.demo"
    verbose_name = "Demonstration data"
