from __future__ import annotations

from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "inspiring.feeds"
    verbose_name = "Feeds and open data"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions

        from . import signals  # noqa: F401  (connects the receivers)

        register_actions(
            {
                "feed.linked": "Linked a calendar feed",
                "feed.changed": "Changed a calendar feed",
                "feed.removed": "Removed a calendar feed",
                "feed.imported": "Imported a calendar feed",
            }
        )
