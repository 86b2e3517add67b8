"""Nightly: close and erase the clients with nothing recorded about them for the retention
period (settings.CASEWORK_RETENTION_YEARS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from inspiring.casework.actions.privacy import apply_retention


class Command(BaseCommand):
    help = (
        "Close the open cases and erase the personal data of clients with no activity for "
        "CASEWORK_RETENTION_YEARS years (run nightly). --dry-run only counts them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the clients due, and change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        counts = apply_retention(dry_run=dry_run)
        would = "Would erase" if dry_run else "Erased"
        self.stdout.write(
            f"{would} {counts['erased']:,} client{'s' if counts['erased'] != 1 else ''} with "
            f"nothing recorded for {counts['years']} years; {counts['closed']:,} of them had "
            f"an open case{' to close' if dry_run else ', now closed'}."
        )
