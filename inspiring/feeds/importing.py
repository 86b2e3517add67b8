"""Storing a parsed feed: upsert activities and schedules by event UID, in bulk.

The write path scales with the number of events, not occurrences: what is
stored for the feed is loaded once and compared in memory by fingerprint;
only new and changed events are written (in bulk), and only their sessions
are re-synced. Events gone from the feed are withdrawn, never deleted.
Imported activities follow the approval rules of hand-entered ones: a
trusted partner's are published at once; otherwise new ones wait for the
coordinator and changes to a published listing become a revision.

`run_import` wraps fetch, parse and store: a failed feed changes nothing
already stored and records why; every run leaves a FeedImport report.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.models import User
from inspiring.directory.materialise import materialise, materialise_activity
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.directory.recurrence import local_datetime
from lib.text import render_markdown

from .fetch import FetchError, fetch
from .ical import FeedError, FeedEvent, ParsedFeed, parse_calendar
from .models import FeedImport, FeedItem, FeedSource

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.withdrawn)


def _activity_values(event: FeedEvent, source: FeedSource) -> dict[str, object]:
    values: dict[str, object] = {
        "title": event.title,
        "summary": event.summary,
        "description": event.description,
        "source": Activity.Source.ICAL,
        "source_ref": event.uid[:300],
    }
    if source.default_venue_id:
        values.update(venue_id=source.default_venue_id, hide_address=False, locality="")
    else:
        # No venue to point at: show the event's own location text, as a locality.
        values.update(
            venue_id=None, hide_address=bool(event.location), locality=event.location[:100]
        )
    if event.url.startswith(("http://", "https://")):
        values["booking_url"] = event.url[:200]
    return values


def _schedule_values(event: FeedEvent) -> dict[str, object]:
    return {
        "start_date": event.start_date,
        "start_time": event.start_time,
        "end_time": event.end_time,
        "rrule": event.rrule,
        "exdates": [d.isoformat() for d in event.exdates],
        "rdates": [d.isoformat() for d in event.rdates],
        "timezone": event.timezone,
        "all_day": event.all_day,
    }


def _already_says(
    activity: Activity, schedule: Schedule | None, event: FeedEvent, source: FeedSource
) -> bool:
    """Whether the live activity and schedule already are what the event says.

    Approval forgets the fingerprint (so the feed's moved and cancelled dates are
    applied again): an event unchanged since then is not a change to approve.
    """
    return (
        schedule is not None
        and all(getattr(activity, k) == v for k, v in _activity_values(event, source).items())
        and all(getattr(schedule, k) == v for k, v in _schedule_values(event).items())
    )


def _revision_of(activity: Activity) -> Activity:
    """A pending copy of a published activity for a change that needs approval."""
    existing = activity.revisions.first()
    if existing is not None:
        return existing
    revision = Activity.objects.get(pk=activity.pk)
    revision.pk = None
    revision.public_id = uuid.uuid4()
    revision.revision_of = activity
    revision.status = Activity.Status.PENDING
    revision._state.adding = True
    revision.save()
    revision.categories.set(activity.categories.all())
    revision.support_features.set(activity.support_features.all())
    for schedule in activity.schedules.all():
        original = schedule.pk
        schedule.pk = None
        schedule._state.adding = True
        schedule.activity = revision
        schedule.copied_from_id = original
        schedule.save()
    return revision


def store(source: FeedSource, parsed: ParsedFeed) -> ImportReport:
    """Upsert the feed's events for `source`; one transaction."""
    report = ImportReport(skipped=list(parsed.skipped))
    organisation = source.organisation
    publish = organisation.trusted
    now = timezone.now()
    defaults = list(source.default_categories.all())
    items = {
        item.uid: item
        for item in FeedItem.objects.filter(source=source).select_related("activity", "schedule")
    }
    seen: set[str] = set()
    new_activities: list[Activity] = []
    new_events: list[FeedEvent] = []
    touched: list[tuple[Activity, Schedule, FeedEvent]] = []
    withdraw: list[Activity] = []
    with transaction.atomic():
        for event in parsed.events:
            seen.add(event.uid)
            item = items.get(event.uid)
            fingerprint = event.fingerprint()
            if item is not None and item.fingerprint == fingerprint and item.removed_at is None:
                report.unchanged += 1
                continue
            if event.cancelled:
                if item is not None and item.activity.status != Activity.Status.WITHDRAWN:
                    withdraw.append(item.activity)
                    item.fingerprint = fingerprint
                    item.save(update_fields=["fingerprint"])
                else:
                    report.skipped.append((event.uid, "the event is cancelled"))
                continue
            if item is None:
                activity = Activity(
                    organisation=organisation,
                    home_area_id=organisation.home_area_id,
                    status=Activity.Status.PUBLISHED if publish else Activity.Status.PENDING,
                    published_at=now if publish else None,
                    last_confirmed_at=now,
                    last_confirmed_by=f"{organisation} (calendar feed)",
                    **_activity_values(event, source),
                )
                activity.description_html = render_markdown(activity.description)
                new_activities.append(activity)
                new_events.append(event)
                continue
            activity = item.activity
            if (
                activity.status == Activity.Status.PUBLISHED
                and not publish
                and not _already_says(activity, item.schedule, event, source)
            ):
                activity = _revision_of(activity)
            elif activity.status == Activity.Status.WITHDRAWN and item.removed_at is not None:
                # Back in the feed: back to where new events from this partner go.
                activity.status = Activity.Status.PUBLISHED if publish else Activity.Status.PENDING
            elif activity.status == Activity.Status.RETURNED and not publish:
                # Changed after the coordinator sent it back: it waits for them again.
                activity.status = Activity.Status.PENDING
            for name, value in _activity_values(event, source).items():
                setattr(activity, name, value)
            activity.last_confirmed_at = now
            activity.save()
            schedule = item.schedule
            if schedule is None or activity.pk != item.activity_id:
                schedule = (
                    Schedule.objects.filter(activity=activity, copied_from=item.schedule).first()
                    if item.schedule is not None
                    else None
                ) or Schedule(activity=activity)
            for name, value in _schedule_values(event).items():
                setattr(schedule, name, value)
            schedule.save()
            item.fingerprint, item.removed_at = fingerprint, None
            if item.activity_id == activity.pk:
                item.schedule = schedule
            item.save(update_fields=["fingerprint", "removed_at", "schedule"])
            touched.append((activity, schedule, event))
            report.updated += 1

        # New events: activities, their categories, schedules and items, in bulk.
        Activity.objects.bulk_create(new_activities, batch_size=500)
        through = Activity.categories.through
        through.objects.bulk_create(
            [through(activity_id=a.pk, category_id=c.pk) for a in new_activities for c in defaults],
            batch_size=1000,
        )
        schedules = [
            Schedule(activity=activity, **_schedule_values(event))
            for activity, event in zip(new_activities, new_events, strict=True)
        ]
        Schedule.objects.bulk_create(schedules, batch_size=500)
        FeedItem.objects.bulk_create(
            [
                FeedItem(
                    source=source,
                    uid=event.uid,
                    activity=activity,
                    schedule=schedule,
                    fingerprint=event.fingerprint(),
                )
                for activity, schedule, event in zip(
                    new_activities, schedules, new_events, strict=True
                )
            ],
            batch_size=500,
        )
        report.created = len(new_activities)
        touched.extend(zip(new_activities, schedules, new_events, strict=True))

        # Gone from the feed: withdrawn, kept.
        for uid, item in items.items():
            if uid not in seen and item.removed_at is None:
                item.removed_at = now
                item.save(update_fields=["removed_at"])
                withdraw.append(item.activity)
        for activity in withdraw:
            activity.revisions.all().delete()
            activity.status = Activity.Status.WITHDRAWN
            activity.save(update_fields=["status", "updated_at"])
            materialise_activity(activity)
        report.withdrawn = len(withdraw)

        # Sessions for what changed, then the feed's own changes to single dates.
        for activity, schedule, _event in touched:
            schedule.activity = activity
        materialise([schedule for _, schedule, _ in touched])
        _apply_overrides(touched)
    return report


def _apply_overrides(touched: list[tuple[Activity, Schedule, FeedEvent]]) -> None:
    """Moves and cancellations from RECURRENCE-ID instances, on the synced sessions."""
    by_schedule = {schedule.pk: (schedule, event) for _, schedule, event in touched}
    if not by_schedule:
        return
    today = timezone.localdate()
    changed: list[Session] = []
    sessions = Session.objects.filter(schedule__in=list(by_schedule), occurrence_date__gte=today)
    for session in sessions.only(
        "pk", "schedule_id", "occurrence_date", "start", "end", "status", "moved", "note"
    ):
        assert session.schedule_id is not None
        schedule, event = by_schedule[session.schedule_id]
        change = event.overrides.get(session.occurrence_date)
        status, moved = Session.Status.SCHEDULED, False
        start, end = session.start, session.end  # as materialise() just set them
        if session.moved:  # moved by an earlier import: back to the schedule's times
            start = local_datetime(session.occurrence_date, schedule.start_time, schedule.zone)
            end = local_datetime(session.occurrence_date, schedule.end_time, schedule.zone)
        if change is not None and change.cancelled:
            status = Session.Status.CANCELLED
        elif change is not None and change.start and change.end:
            start, end, moved = change.start, change.end, True
        if (session.status, session.moved, session.start, session.end) != (
            status,
            moved,
            start,
            end,
        ):
            session.status, session.moved = status, moved
            session.set_times(start, end)
            changed.append(session)
    Session.objects.bulk_update(
        changed,
        ["status", "moved", "start", "end", "local_date", "weekday", "start_minute", "updated_at"],
        batch_size=500,
    )


def run_import(source: FeedSource, *, force: bool = False, actor: User | None = None) -> FeedImport:
    """Fetch, parse and store one feed, recording the outcome. Never raises for a bad feed."""
    started = timezone.now()
    record = FeedImport(source=source, outcome=FeedImport.Outcome.FAILED)
    source.last_checked_at = started
    try:
        fetched = fetch(
            source.url,
            etag="" if force else source.etag,
            last_modified="" if force else source.last_modified,
        )
        digest = hashlib.sha256(fetched.content).hexdigest() if not fetched.not_modified else ""
        if fetched.not_modified or (digest == source.content_hash and not force):
            record.outcome = FeedImport.Outcome.UNCHANGED
        else:
            parsed = parse_calendar(fetched.content)
            result = store(source, parsed)
            record.outcome = FeedImport.Outcome.IMPORTED
            record.created, record.updated = result.created, result.updated
            record.withdrawn, record.unchanged = result.withdrawn, result.unchanged
            record.skipped = [{"uid": uid, "reason": reason} for uid, reason in result.skipped]
            source.content_hash = digest
            source.name = source.name or parsed.name
        source.etag, source.last_modified = fetched.etag, fetched.last_modified
        source.health, source.last_error = FeedSource.Health.OK, ""
        source.last_success_at = timezone.now()
    except (FetchError, FeedError) as problem:
        record.error = str(problem)
        source.health, source.last_error = FeedSource.Health.FAILING, str(problem)
    except Exception as problem:  # a bug must not lose the report or the stored data
        logger.exception("Feed %s failed unexpectedly", source.pk)
        record.error = f"The import failed unexpectedly ({problem.__class__.__name__})."
        source.health, source.last_error = FeedSource.Health.FAILING, record.error
    record.finished_at = timezone.now()
    record.save()
    source.save()
    audit.record(
        None,
        "feed.imported",
        source,
        area=source.organisation.home_area,
        actor=actor,
        detail={
            "outcome": record.outcome,
            "created": record.created,
            "updated": record.updated,
            "withdrawn": record.withdrawn,
        },
    )
    return record


def preview(content: bytes, start: date, end: date) -> list[dict[str, object]]:
    """Every session the feed would produce between two dates, as the dry run prints."""
    parsed = parse_calendar(content)
    sessions: list[dict[str, object]] = []
    for event in parsed.events:
        if not event.cancelled:
            sessions.extend(event.sessions(start, end))
    # By instant: as text, "09:30+00:00" would sort before "10:00+01:00" (09:00 UTC).
    return sorted(sessions, key=lambda s: (datetime.fromisoformat(str(s["start"])), str(s["uid"])))
