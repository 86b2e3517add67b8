"""The scheduler process: runs `schedule.jobs()` with APScheduler, one at a time per job.

One scheduler runs for the site. On PostgreSQL it holds an advisory lock while it
runs, so a second one (another machine, or a restart overlapping the old process)
stands by until the first stops, instead of running every job twice.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from io import StringIO
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from .models import Heartbeat, beat
from .schedule import Job, jobs

log = logging.getLogger(__name__)

# pg_try_advisory_lock's key: "Inspiring scheduler" (any constant the site does not
# use for anything else).
LOCK_KEY = 0x1A5C_4ED0
STANDBY_SECONDS = 15


def _fresh_connections() -> None:
    """Drop this thread's connections that are broken or past their age (as Django does
    around a request), so a database restart between runs is survived. Never inside a
    transaction: a caller's (a test's) connection is left alone."""
    for each in connections.all(initialized_only=True):
        if not each.in_atomic_block:
            each.close_if_unusable_or_obsolete()


def run_job(job: Job) -> str:
    """Run one job now, in this thread; what it said (its last line). A failure is
    logged and re-raised (the scheduler logs it and carries on with the next run)."""
    _fresh_connections()
    started = time.monotonic()
    try:
        if job.command is None:
            beat(Heartbeat.Process.SCHEDULER)
            if settings.TASKS_BACKEND == "database":
                from .tasks import worker_heartbeat

                worker_heartbeat.enqueue()
            said = "beat"
        else:
            out = StringIO()
            call_command(job.command, stdout=out, stderr=out)
            lines = [line for line in out.getvalue().splitlines() if line.strip()]
            said = lines[-1] if lines else "done"
    except Exception:
        log.exception("Scheduled job %s failed", job.name)
        raise
    finally:
        _fresh_connections()
    elapsed = (time.monotonic() - started) * 1000
    level = logging.DEBUG if job.command is None else logging.INFO
    log.log(level, "Scheduled job %s done in %.0f ms: %s", job.name, elapsed, said)
    return said


def _quietly(job: Job) -> Callable[[], None]:
    def run() -> None:
        try:
            run_job(job)
        except Exception:  # logged by run_job; the next run is still scheduled
            return

    return run


def build(now: Any = None) -> BlockingScheduler:
    """The scheduler with every job added (not started)."""
    zone = settings.TIME_ZONE
    scheduler = BlockingScheduler(
        timezone=zone,
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60},
    )
    start = now or timezone.now()
    for job in jobs():
        trigger: IntervalTrigger | CronTrigger
        if job.every_seconds is not None:
            trigger = IntervalTrigger(seconds=job.every_seconds, timezone=zone)
        else:
            assert job.at is not None
            trigger = CronTrigger(hour=job.at[0], minute=job.at[1], timezone=zone)
        options: dict[str, Any] = {"id": job.name, "name": job.does}
        if job.at_start:
            options["next_run_time"] = start
        scheduler.add_job(_quietly(job), trigger, **options)
    return scheduler


def _take_the_lock(say: Callable[[str], None]) -> None:
    """On PostgreSQL, wait until no other scheduler runs (the lock is this
    connection's until the process ends)."""
    if connection.vendor != "postgresql":
        return
    waited = False
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            (taken,) = cursor.fetchone() or (False,)
        if taken:
            if waited:
                say("The other scheduler stopped: this one runs the jobs now.")
            return
        if not waited:
            say("Another scheduler is running: standing by until it stops.")
            waited = True
        time.sleep(STANDBY_SECONDS)


def serve(say: Callable[[str], None]) -> None:
    """Run the jobs until SIGTERM or SIGINT, then let running jobs finish."""
    _take_the_lock(say)
    scheduler = build()

    def stop(signum: int, frame: FrameType | None) -> None:
        say(f"Stopping ({signal.Signals(signum).name}): letting running jobs finish.")
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    say(
        "Scheduler running: "
        + "; ".join(f"{job.name} {job.when}" for job in jobs())
        + f" (times are {settings.TIME_ZONE})."
    )
    scheduler.start()
    say("Scheduler stopped.")
