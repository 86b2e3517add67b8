"""Nightly: email groups whose listings are nearly due a one-click "still running?" link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from inspiring.directory.confirmation import send_confirmation_requests


class Command(BaseCommand):
    help = "Email confirmation links for listings nearing their confirmation date (run nightly)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_confirmation_requests()
        self.stdout.write(
            f"Asked {result['listings_asked']:,} listings of {result['organisations']:,} "
            f"organisations; {result['no_email']:,} have no email address to ask; "
            f"{result['failed']:,} could not be emailed (see the log)."
        )
