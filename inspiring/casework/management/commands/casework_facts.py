"""Monitoring's summary rows (casework.facts): check them, or write them all again."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.casework import facts


class Command(BaseCommand):
    help = (
        "check: compare monitoring's summary rows with a fresh working-out from the casework "
        "records (exit 1 and list the first differences if any). rebuild: write them all "
        "again (after a bulk load, or to repair)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("check", "rebuild"))
        parser.add_argument(
            "--limit", type=int, default=20, help="Differences listed at most (check)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        if options["action"] == "rebuild":
            written = facts.rebuild(
                progress=lambda n: self.stdout.write(f"  {n:,} rows written", ending="\r")
            )
            self.stdout.write(
                f"Wrote {written:,} summary rows in {time.perf_counter() - began:.1f} s."
            )
            return
        found = facts.differences(limit=max(1, options["limit"]))
        if found:
            for line in found:
                self.stderr.write(line)
            raise CommandError(
                f"Monitoring's summary rows differ from the records ({len(found)} shown): "
                "run `manage.py casework_facts rebuild`."
            )
        self.stdout.write(
            f"Monitoring's summary rows equal the records ({time.perf_counter() - began:.1f} s)."
        )
