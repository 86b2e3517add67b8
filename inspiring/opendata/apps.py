from __future__ import annotations

from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    name = "inspiring.opendata"
    verbose_name = "Open data: Open Referral UK and OpenActive"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions

        from . import service_ids, signals  # noqa: F401  (signals connects its receivers)

        service_ids.connect(self)

        register_actions({"openreferral.imported": "Imported an Open Referral directory"})
