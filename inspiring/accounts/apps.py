from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "inspiring.accounts"
    verbose_name = "People, roles and audit"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the sign-in audit receivers)
