from __future__ import annotations

from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "inspiring.ui"
    verbose_name = "Interface"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
