"""Nightly: extend every schedule's sessions to the horizon (13 months from today)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from inspiring.directory.materialise import materialise_all


class Command(BaseCommand):
    help = "Materialise sessions for every schedule up to the horizon (run nightly)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = materialise_all()
        self.stdout.write(
            f"{report.schedules:,} schedules: {report.created:,} sessions created, "
            f"{report.updated:,} updated, {report.deleted:,} removed, "
            f"{report.failed:,} schedules could not be expanded (see the log) "
            f"in {time.perf_counter() - started:.1f} s"
        )
