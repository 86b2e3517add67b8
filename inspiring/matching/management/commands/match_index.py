"""Matching's index (matching.index): check it against the records, or write it again."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.matching import index


class Command(BaseCommand):
    help = (
        "check: compare matching's index with a fresh working-out from the directory's "
        "records (exit 1 and list the first differences if any). rebuild: write it all "
        "again (after loading rows straight into the tables, or to repair)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("check", "rebuild"))
        parser.add_argument(
            "--limit", type=int, default=20, help="Differences listed at most (check)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        if options["action"] == "rebuild":
            written = index.rebuild()
            self.stdout.write(
                f"Wrote matching's index for {written:,} published activities in "
                f"{time.perf_counter() - began:.1f} s."
            )
            return
        found = index.differences()
        if found:
            for difference in found[: max(1, options["limit"])]:
                self.stderr.write(str(difference))
            raise CommandError(
                f"Matching's index differs from the records for {len(found):,} activities: "
                "run `manage.py match_index rebuild`, and find the path that wrote them "
                "without keeping it (see inspiring/matching/index.py)."
            )
        self.stdout.write(
            f"Matching's index equals the records ({time.perf_counter() - began:.1f} s)."
        )
