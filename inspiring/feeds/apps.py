from __future__ import annotations

from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "inspiring.feeds"
    verbose_name = "Feeds and open data"

    def ready(self) -> None:
        from inspiring.accounts.audit import register_actions
        from inspiring.accounts.home import HomeCard, register_card
        from inspiring.accounts.roles import Capability

        from . import signals  # noqa: F401  (connects the receivers)

        register_actions(
            {
                "feed.linked": "Linked a calendar feed",
                "feed.changed": "Changed a calendar feed",
                "feed.removed": "Removed a calendar feed",
                "feed.imported": "Imported a calendar feed",
            }
        )
        register_card(
            HomeCard(
                title="Calendar feeds",
                description="Partners' linked calendars: which are importing and which failed.",
                url_name="feeds:index",
                capability=Capability.CURATE_DIRECTORY,
                order=15,
            )
        )
