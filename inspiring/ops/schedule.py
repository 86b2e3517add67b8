"""The periodic jobs, as data: what the scheduler process runs and when.

Each job is a management command, named (ops imports no other app), so the jobs an
operator could run by hand from cron are exactly the ones the scheduler runs. The
heartbeat is the scheduler's own: it records its beat and queues the worker's.

Times are UK time (settings.TIME_ZONE). Every job is `coalesce`d (runs missed while
the scheduler was down or busy are run once, not once each) and never overlaps
itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

HEARTBEAT = "heartbeat"
HEARTBEAT_SECONDS = 30


@dataclass(frozen=True)
class Job:
    name: str
    # The management command it runs (None: the heartbeat).
    command: str | None
    # What it does, in words (`run_scheduler --list`, the README).
    does: str
    # Every this many seconds, or once a day at `at` (hour, minute).
    every_seconds: int | None = None
    at: tuple[int, int] | None = None
    # Run once as the scheduler starts (jobs that only queue what is due).
    at_start: bool = False

    @property
    def when(self) -> str:
        if self.every_seconds is not None:
            if self.every_seconds % 60 == 0:
                minutes = self.every_seconds // 60
                return "every minute" if minutes == 1 else f"every {minutes} minutes"
            return f"every {self.every_seconds} seconds"
        assert self.at is not None
        return f"daily at {self.at[0]:02d}:{self.at[1]:02d}"


def jobs() -> tuple[Job, ...]:
    every = settings.SCHEDULE_EVERY_MINUTES * 60
    night = settings.SCHEDULE_NIGHTLY_HOUR
    return (
        Job(
            HEARTBEAT,
            None,
            "Record the scheduler's heartbeat and queue the worker's",
            every_seconds=HEARTBEAT_SECONDS,
            at_start=True,
        ),
        Job(
            "import_feeds",
            "import_feeds",
            "Queue an import of each partner calendar feed that is due",
            every_seconds=every,
            at_start=True,
        ),
        Job(
            "send_waiting_messages",
            "send_waiting_messages",
            "Try again the plans and letters that failed to send",
            every_seconds=every,
            at_start=True,
        ),
        Job(
            "send_booking_reminders",
            "send_booking_reminders",
            # Often, not once: a booking made during the day before is reminded too,
            # and each reminder is claimed once whatever the number of runs.
            "Remind everyone booked at a session tomorrow (once each, in the day)",
            every_seconds=every,
            at_start=True,
        ),
        Job(
            "exchange_mesh",
            "exchange_mesh",
            # Nothing to do (and no MESH call) where no mailbox is set.
            "Collect referrals from MESH and learn which messages back GP practices collected",
            every_seconds=settings.MESH_POLL_MINUTES * 60,
            at_start=True,
        ),
        Job(
            "fail_abandoned_tasks",
            "fail_abandoned_tasks",
            "Mark failed the tasks whose worker stopped while running them",
            every_seconds=every,
        ),
        Job(
            "roll_forward_sessions",
            "roll_forward_sessions",
            "Keep every schedule's sessions SESSION_HORIZON_MONTHS ahead",
            at=(night, 0),
        ),
        Job(
            "send_confirmation_requests",
            "send_confirmation_requests",
            "Ask groups to confirm listings nearing LISTING_CONFIRM_DAYS",
            at=(night + 1, 0),
        ),
        Job(
            "apply_retention",
            "apply_retention",
            "Erase cases with nothing recorded for CASEWORK_RETENTION_YEARS",
            at=(night + 2, 0),
        ),
        Job(
            "forget_past_bookings",
            "forget_past_bookings",
            "Blank residents' details on bookings BOOKINGS_RETENTION_DAYS after the session",
            at=(night + 2, 30),
        ),
        Job(
            "forget_past_orders",
            "forget_past_orders",
            "Blank customers on other sites' orders BOOKINGS_RETENTION_DAYS after the sessions",
            at=(night + 2, 40),
        ),
    )
