"""Load the demo areas and people (demo sites only), and print the demo sign-ins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD
from inspiring.demo.loading import load_demo


class Command(BaseCommand):
    help = "Create the demo areas and one person per role (idempotent). Needs DEMO_MODE=1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the demo sign-ins"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "Demo data holds well-known passwords, so it is only loaded on a demo site. "
                "Set DEMO_MODE=1 (as `make run` does) to load it."
            )
        load_demo(self.stdout.write)
        if options["quiet_logins"]:
            return
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo sign-ins (password for all: {DEMO_PASSWORD})"))
        width = max(len(a.email) for a in DEMO_ACCOUNTS)
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.email.ljust(width)}  {account.summary}")
