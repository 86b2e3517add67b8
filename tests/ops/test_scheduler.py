"""The scheduler's jobs (issue 19, item 1): the jobs as data, one run of each through
the same function the scheduler calls, and the command's --list and --once."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inspiring.ops.schedule import jobs
from inspiring.ops.scheduler import build, run_job

pytestmark = pytest.mark.django_db


def test_every_job_is_a_command_that_exists() -> None:
    from django.core.management import get_commands

    commands = get_commands()
    names = [job.name for job in jobs()]
    assert names == [
        "heartbeat",
        "import_feeds",
        "send_waiting_messages",
        "send_booking_reminders",
        "exchange_mesh",
        "fail_abandoned_tasks",
        "roll_forward_sessions",
        "send_confirmation_requests",
        "apply_retention",
        "forget_past_bookings",
        "forget_past_orders",
    ]
    for job in jobs():
        assert job.command is None or job.command in commands, job


def test_the_schedule_follows_the_settings(settings: Any) -> None:
    settings.SCHEDULE_EVERY_MINUTES = 10
    settings.SCHEDULE_NIGHTLY_HOUR = 1
    settings.MESH_POLL_MINUTES = 5
    when = {job.name: job.when for job in jobs()}
    assert when == {
        "heartbeat": "every 30 seconds",
        "import_feeds": "every 10 minutes",
        "send_waiting_messages": "every 10 minutes",
        "send_booking_reminders": "every 10 minutes",
        "exchange_mesh": "every 5 minutes",
        "fail_abandoned_tasks": "every 10 minutes",
        "roll_forward_sessions": "daily at 01:00",
        "send_confirmation_requests": "daily at 02:00",
        "apply_retention": "daily at 03:00",
        "forget_past_bookings": "daily at 03:30",
        "forget_past_orders": "daily at 03:40",
    }


def test_the_scheduler_has_every_job_never_overlapping_and_coalesced() -> None:
    scheduler = build()
    try:
        added = {job.id: job for job in scheduler.get_jobs()}
        assert set(added) == {job.name for job in jobs()}
        # Applied to each job as the scheduler starts (a pending job has none yet).
        defaults = scheduler._job_defaults
        assert defaults["coalesce"] is True and defaults["max_instances"] == 1
        # The jobs that only queue what is due run as it starts; the nightly ones wait.
        assert added["import_feeds"].next_run_time is not None
        assert str(added["roll_forward_sessions"].trigger).startswith("cron[")
    finally:
        scheduler.remove_all_jobs()


@pytest.mark.parametrize("name", [job.name for job in jobs()])
def test_each_job_runs_through_the_scheduler_s_function(name: str) -> None:
    job = next(job for job in jobs() if job.name == name)
    said = run_job(job)
    assert said


def test_a_failing_job_is_logged_and_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    job = next(job for job in jobs() if job.name == "import_feeds")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the feed table is gone")

    monkeypatch.setattr("inspiring.ops.scheduler.call_command", broken)
    with pytest.raises(RuntimeError):
        run_job(job)
    assert "Scheduled job import_feeds failed" in caplog.text


def test_the_command_lists_and_runs_one_job() -> None:
    out = StringIO()
    call_command("run_scheduler", "--list", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(jobs())
    assert lines[1].split()[:4] == ["import_feeds", "every", "5", "minutes"]

    out = StringIO()
    call_command("run_scheduler", "--once", "import_feeds", stdout=out)
    assert out.getvalue().strip() == "import_feeds: Queued 0 feed imports."

    with pytest.raises(CommandError) as unknown:
        call_command("run_scheduler", "--once", "import-feeds")
    assert "No job is called 'import-feeds': heartbeat, import_feeds" in str(unknown.value)
