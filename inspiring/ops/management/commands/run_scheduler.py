"""The Procfile's scheduler: periodic jobs (feed imports, nightly roll-forward,
confirmation requests, retention) and the heartbeats the readiness check reads.

    python manage.py run_scheduler            # run until stopped (SIGTERM)
    python manage.py run_scheduler --list     # the jobs and when they run
    python manage.py run_scheduler --once import_feeds   # one job now (cron's way)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...schedule import jobs
from ...scheduler import run_job, serve


class Command(BaseCommand):
    help = "Run the periodic jobs (see --list) until stopped; or one of them now (--once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="List the jobs and stop")
        parser.add_argument(
            "--once", metavar="JOB", help="Run this job now and stop (its name from --list)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for each in jobs():
                self.stdout.write(f"{each.name:28} {each.when:22} {each.does}")
            return
        if options["once"]:
            named = {job.name: job for job in jobs()}
            job = named.get(options["once"])
            if job is None:
                raise CommandError(f"No job is called {options['once']!r}: {', '.join(named)}.")
            try:
                said = run_job(job)
            except Exception as failed:
                raise CommandError(f"{job.name} failed: {failed}") from failed
            self.stdout.write(f"{job.name}: {said}")
            return
        serve(lambda line: self.stdout.write(line))
