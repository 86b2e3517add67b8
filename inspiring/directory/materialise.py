"""Keeping sessions in step with schedules, 13 months ahead.

Sessions are rows so What's on, the month view and the feeds can filter and
page them in SQL. They are derived data: for each schedule the sessions from
today to the horizon are compared with the schedule's occurrences and only
the differences are written, in bulk. Matching is by date, so a cancellation,
a note or a hand-moved time survives a change to the schedule's times.
Sessions before today are history and are never touched.

Only published, live activities have sessions; for any other (pending,
withdrawn, a revision) the future sessions are removed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from .bulk import NewSession, insert_sessions, update_sessions
from .models import Activity, Schedule, Session
from .models.schedules import places_changed, sessions_moved, sessions_synced
from .recurrence import occurrences

BATCH = 500
logger = logging.getLogger(__name__)


@dataclass
class MaterialiseReport:
    schedules: int = 0
    failed: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    activities: set[int] = field(default_factory=set)

    def add(self, other: MaterialiseReport) -> None:
        self.schedules += other.schedules
        self.failed += other.failed
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted


def horizon(today: date | None = None) -> tuple[date, date]:
    start = today or timezone.localdate()
    return start, start + relativedelta(months=settings.SESSION_HORIZON_MONTHS)


def _batches(items: list[Schedule]) -> Iterator[list[Schedule]]:
    for index in range(0, len(items), BATCH):
        yield items[index : index + BATCH]


def _sync(schedules: list[Schedule], window: tuple[date, date]) -> MaterialiseReport:
    """Bring the sessions of these schedules (one batch) in step, in a few queries."""
    report = MaterialiseReport(schedules=len(schedules))
    start, end = window
    existing: dict[tuple[int, date], Session] = {}
    # A session lasting days that began before today is still on (a festival weekend
    # imported on its Saturday): each schedule's window starts as far back as its
    # sessions last.
    starts = {s.pk: start - timedelta(days=s.duration_days) for s in schedules}
    for session in Session.objects.filter(
        schedule__in=[s.pk for s in schedules],
        occurrence_date__gte=min(starts.values(), default=start),
    ).only(
        "pk",
        "schedule_id",
        "occurrence_date",
        "start",
        "end",
        "moved",
        "activity_id",
    ):
        assert session.schedule_id is not None
        if session.occurrence_date >= starts[session.schedule_id]:
            existing[(session.schedule_id, session.occurrence_date)] = session

    to_create: list[NewSession] = []
    to_update: list[Session] = []
    wanted: set[tuple[int, date]] = set()
    for schedule in schedules:
        activity = schedule.activity
        if activity.status != Activity.Status.PUBLISHED or activity.revision_of_id is not None:
            continue  # its future sessions are deleted below
        try:
            expected = occurrences(
                start_date=schedule.start_date,
                start_time=schedule.start_time,
                end_time=schedule.end_time,
                rule=schedule.rrule,
                exdates=schedule.listed_exdates,
                rdates=schedule.extra_dates,
                window_start=starts[schedule.pk],
                window_end=end,
                zone=schedule.zone,
                skip_bank_holidays=schedule.skip_bank_holidays,
                duration_days=schedule.duration_days,
            )
        except (ValueError, TypeError, KeyError, OverflowError):
            # One unusable rule (imported, say) must not stop every other schedule's
            # sync: log it, leave its sessions as they are, carry on.
            logger.exception(
                "Schedule %s of activity %s cannot be expanded", schedule.pk, activity.pk
            )
            report.failed += 1
            wanted.update(key for key in existing if key[0] == schedule.pk)
            continue
        for occurrence in expected:
            key = (schedule.pk, occurrence.date)
            wanted.add(key)
            current = existing.get(key)
            if current is None:
                to_create.append(
                    NewSession(
                        activity_id=schedule.activity_id,
                        schedule_id=schedule.pk,
                        occurrence_date=occurrence.date,
                        start=occurrence.start,
                        end=occurrence.end,
                        all_day=schedule.all_day,
                        places=schedule.places,
                    )
                )
            elif not current.moved and (current.start, current.end) != (
                occurrence.start,
                occurrence.end,
            ):
                current.set_times(occurrence.start, occurrence.end)
                to_update.append(current)
    stale = [session.pk for key, session in existing.items() if key not in wanted]
    with transaction.atomic():
        if stale:
            for index in range(0, len(stale), BATCH):
                Session.objects.filter(pk__in=stale[index : index + BATCH]).remove()
        # Through the database's own bulk path (bulk.py: most of a feed import's time
        # went on bulk_create's Python). It leaves alone a session a sync running at the
        # same time (the nightly roll-forward and a change, say) has just made.
        insert_sessions(to_create)
        update_sessions(to_update, Session.TIME_FIELDS)
        if to_update:
            sessions_moved.send(sender=Session, session_ids=[s.pk for s in to_update])
        _keep_places(schedules, start)
        # In the same transaction: what is kept from sessions (matching's index, a
        # feed's single-date changes) is never seen out of step with them.
        live = sorted({pk for pk, _ in wanted})
        if live:
            sessions_synced.send(sender=Session, schedule_ids=live)
    report.created, report.updated, report.deleted = len(to_create), len(to_update), len(stale)
    return report


def _keep_places(schedules: list[Schedule], start: date) -> None:
    """Each schedule's places, on its sessions from `start` whose places were not
    changed by hand. A session keeps at least the places already booked (nobody loses
    theirs: the booking stands, and the session is full); one with none booked takes no
    bookings when its schedule takes none. One statement for each number of places."""
    now = timezone.now()  # the feeds order changes by it (update() runs no auto_now)
    by_places: dict[int | None, list[int]] = {}
    for schedule in schedules:
        by_places.setdefault(schedule.places, []).append(schedule.pk)
    for places, ids in by_places.items():
        sessions = Session.objects.filter(
            schedule__in=ids, occurrence_date__gte=start, places_set=False
        )
        if places is None:
            sessions.filter(places__isnull=False, booked=0).update(places=None, updated_at=now)
        else:
            changed = sessions.exclude(places=places).update(
                places=Greatest(Value(places), F("booked")), updated_at=now
            )
            if changed:
                places_changed.send(sender=Session, schedule_ids=ids)


def materialise(schedules: Iterable[Schedule], *, today: date | None = None) -> MaterialiseReport:
    """Sync the sessions of the given schedules from today to the horizon."""
    window = horizon(today)
    report = MaterialiseReport()
    for batch in _batches(list(schedules)):
        report.add(_sync(batch, window))
    return report


def materialise_activity(activity: Activity, *, today: date | None = None) -> MaterialiseReport:
    """Sync one activity: its schedules' sessions, and none for a schedule it no longer has."""
    schedules = list(Schedule.objects.filter(activity=activity).select_related("activity"))
    report = materialise(schedules, today=today)
    start, _ = horizon(today)
    orphans = Session.objects.filter(activity=activity, occurrence_date__gte=start).exclude(
        schedule__in=[s.pk for s in schedules]
    )
    report.deleted += orphans.remove()
    return report


def materialise_all(*, today: date | None = None) -> MaterialiseReport:
    """Every schedule of every live activity: the nightly roll-forward."""
    report = MaterialiseReport()
    ids = list(
        Schedule.objects.filter(activity__revision_of__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for index in range(0, len(ids), BATCH):
        chunk = list(
            Schedule.objects.filter(pk__in=ids[index : index + BATCH]).select_related("activity")
        )
        report.add(materialise(chunk, today=today))
    return report
