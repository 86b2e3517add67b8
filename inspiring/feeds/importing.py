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
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from inspiring.accounts import audit
from inspiring.accounts.models import User
from inspiring.directory.actions import SCHEDULE_FIELDS as SCHEDULE_PARTS
from inspiring.directory.actions import pending_revision
from inspiring.directory.bulk import update_sessions
from inspiring.directory.materialise import materialise, materialise_activity
from inspiring.directory.models import Activity, Schedule, Session
from inspiring.directory.models.schedules import activities_changed, sessions_moved
from lib.text import render_markdown

from .exclusions import Exclusions
from .fetch import Fetched, FetchError, fetch
from .ical import (
    FeedError,
    FeedEvent,
    Override,
    ParsedFeed,
    parse_calendar,
    shorten,
    split_calendar,
)
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


def _limit(name: str) -> int | None:
    """The most characters Activity.<name> keeps, if its field says (read each time, so a
    limit added to the model applies here without a change)."""
    max_length = getattr(Activity._meta.get_field(name), "max_length", None)
    return max_length if isinstance(max_length, int) else None


def fit(name: str, text: str) -> str:
    """Text for Activity.<name>: shortened at a word boundary, with an ellipsis, to the
    field's max_length (PostgreSQL would refuse the whole import for one long value)."""
    limit = _limit(name)
    return text if limit is None else shorten(text, limit)


def _activity_values(event: FeedEvent, source: FeedSource) -> dict[str, object]:
    values: dict[str, object] = {
        "title": fit("title", event.title),
        "summary": fit("summary", event.summary),
        "description": fit("description", event.description),
        "source": Activity.Source.ICAL,
        # An identifier: cut, not shortened with an ellipsis.
        "source_ref": event.uid[: _limit("source_ref") or None],
    }
    if source.default_venue_id:
        values.update(venue_id=source.default_venue_id, hide_address=False, locality="")
    else:
        # No venue to point at: show the event's own location text, as a locality.
        values.update(
            venue_id=None,
            hide_address=bool(event.location),
            locality=fit("locality", event.location),
        )
    limit = _limit("booking_url")
    if event.url.startswith(("http://", "https://")) and (limit is None or len(event.url) <= limit):
        # A web address cut short leads nowhere: one too long to keep is left out.
        values["booking_url"] = event.url
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
        "duration_days": event.days,
    }


def _already_says(
    activity: Activity, schedule: Schedule | None, event: FeedEvent, source: FeedSource
) -> bool:
    """Whether the live activity and schedule already are what the event says.

    An event whose only change is to single dates (moved, cancelled) is not a
    change to the listing to approve: those dates are applied to the sessions,
    as a partner's own session changes are.
    """
    return (
        schedule is not None
        and all(getattr(activity, k) == v for k, v in _activity_values(event, source).items())
        and all(getattr(schedule, k) == v for k, v in _schedule_values(event).items())
    )


# What a changed event may rewrite on its activity (bulk_update runs no auto_now).
ACTIVITY_FIELDS = [
    "title",
    "summary",
    "description",
    "description_html",
    "source",
    "source_ref",
    "venue",
    "hide_address",
    "locality",
    "booking_url",
    "status",
    "last_confirmed_at",
    "updated_at",
]
SCHEDULE_FIELDS = [*SCHEDULE_PARTS, "updated_at"]


@dataclass
class _Touched:
    """An event whose activity and schedule were written: its sessions are re-synced."""

    activity: Activity
    schedule: Schedule
    event: FeedEvent
    item: FeedItem
    # The single-date changes the item held before this import.
    previous: dict[str, Any] = field(default_factory=dict)


def store(
    source: FeedSource,
    parsed: ParsedFeed,
    *,
    raw_fingerprints: dict[str, str] | None = None,
    unread: Collection[str] = (),
) -> ImportReport:
    """Upsert the feed's events for `source`; one transaction, a fixed number of queries
    per batch of events (plus a few per revision, the rare case of a change that needs
    approval).

    From `read_feed`: `unread` are the UIDs whose events were not parsed, as they are
    what their items were made from (counted unchanged, not withdrawn), and
    `raw_fingerprints` each event's fingerprint as written, kept on its item.
    """
    report = ImportReport(skipped=list(parsed.skipped), unchanged=len(unread))
    raw = raw_fingerprints or {}
    # An event read with notes for the report is read again next time, to give them again.
    noted = {uid for uid, _ in parsed.skipped if uid}
    exclusions = source.exclusions()
    organisation = source.organisation
    publish = organisation.trusted
    now = timezone.now()
    defaults = list(source.default_categories.all())
    items = {
        item.uid: item
        for item in FeedItem.objects.filter(source=source).select_related("activity", "schedule")
    }
    seen: set[str] = set(unread)
    refreshed: list[FeedItem] = []  # unchanged, but now known as written
    new_activities: list[Activity] = []
    # Each new event, with its fingerprint and its fingerprint as written.
    new_events: list[tuple[FeedEvent, str, str]] = []
    changed: list[tuple[FeedItem, FeedEvent, str]] = []
    withdraw: list[Activity] = []
    withdrawn_items: list[FeedItem] = []
    with transaction.atomic():
        for event in parsed.events:
            left_out = exclusions.reason(event.title, event.categories)
            if left_out:
                # Not seen: one imported before the rule was added is withdrawn below,
                # as a gone event is, and comes back if the rule goes. Reported without
                # its UID or title (the rule may be there to keep them private).
                report.skipped.append(("", left_out))
                continue
            seen.add(event.uid)
            item = items.get(event.uid)
            fingerprint = event.fingerprint()
            written = "" if event.uid in noted else raw.get(event.uid, "")
            if item is not None and item.fingerprint == fingerprint and item.removed_at is None:
                report.unchanged += 1
                if item.raw_fingerprint != written:
                    item.raw_fingerprint = written
                    refreshed.append(item)
            elif event.cancelled:
                if item is not None and item.activity.status != Activity.Status.WITHDRAWN:
                    withdraw.append(item.activity)
                    item.fingerprint, item.raw_fingerprint = fingerprint, written
                    withdrawn_items.append(item)
                else:
                    report.skipped.append((event.uid, "the event is cancelled"))
            elif item is None:
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
                new_events.append((event, fingerprint, written))
            else:
                item.raw_fingerprint = written
                changed.append((item, event, fingerprint))

        touched = _update(changed, source, publish=publish, now=now)
        report.updated = len(touched)

        # New events: activities, their categories, schedules and items, in bulk.
        Activity.objects.bulk_create(new_activities, batch_size=500)
        through = Activity.categories.through
        through.objects.bulk_create(
            [through(activity_id=a.pk, category_id=c.pk) for a in new_activities for c in defaults],
            batch_size=1000,
        )
        schedules = [
            Schedule(activity=activity, **_schedule_values(event))
            for activity, (event, _, _) in zip(new_activities, new_events, strict=True)
        ]
        Schedule.objects.bulk_create(schedules, batch_size=500)
        new_items = [
            FeedItem(
                source=source,
                uid=event.uid,
                activity=activity,
                schedule=schedule,
                fingerprint=fingerprint,
                raw_fingerprint=written,
                overrides=event.stored_overrides(),
            )
            for activity, schedule, (event, fingerprint, written) in zip(
                new_activities, schedules, new_events, strict=True
            )
        ]
        FeedItem.objects.bulk_create(new_items, batch_size=500)
        FeedItem.objects.bulk_update(refreshed, ["raw_fingerprint"], batch_size=500)
        report.created = len(new_activities)
        touched.extend(
            _Touched(activity, schedule, event, item)
            for activity, schedule, (event, _, _), item in zip(
                new_activities, schedules, new_events, new_items, strict=True
            )
        )

        # Gone from the feed: withdrawn, kept.
        for uid, item in items.items():
            if uid not in seen and item.removed_at is None:
                item.removed_at = now
                withdrawn_items.append(item)
                withdraw.append(item.activity)
        FeedItem.objects.bulk_update(
            withdrawn_items, ["fingerprint", "raw_fingerprint", "removed_at"], batch_size=500
        )
        for activity in withdraw:
            activity.revisions.all().delete()
            activity.status = Activity.Status.WITHDRAWN
            activity.save(update_fields=["status", "updated_at"])
            materialise_activity(activity)
        report.withdrawn = len(withdraw)

        # Sessions for what changed: syncing them applies the feed's single-date
        # changes (signals.py); dates the feed no longer changes are put back.
        for entry in touched:
            entry.schedule.activity = entry.activity
        materialise([entry.schedule for entry in touched])
        _put_back(touched)
        # Written in bulk (no post_save): matching's index works them out again.
        if touched:
            activities_changed.send(
                sender=Activity, activity_ids=sorted({entry.activity.pk for entry in touched})
            )
    return report


def _update(
    changed: list[tuple[FeedItem, FeedEvent, str]],
    source: FeedSource,
    *,
    publish: bool,
    now: datetime,
) -> list[_Touched]:
    """Write the changed events over their activities and schedules, in bulk."""
    touched: list[_Touched] = []
    activities: dict[int, Activity] = {}
    updated_schedules: list[Schedule] = []
    new_schedules: list[Schedule] = []
    for item, event, fingerprint in changed:
        activity = item.activity
        schedule = item.schedule
        if (
            activity.status == Activity.Status.PUBLISHED
            and not publish
            and not _already_says(activity, schedule, event, source)
        ):
            # A change to a live listing that needs approval: made to its revision.
            activity = pending_revision(activity)
            schedule = (
                Schedule.objects.filter(activity=activity, copied_from=schedule).first()
                if schedule is not None
                else None
            )
        elif activity.status == Activity.Status.WITHDRAWN and item.removed_at is not None:
            # Back in the feed: back to where new events from this partner go.
            activity.status = Activity.Status.PUBLISHED if publish else Activity.Status.PENDING
        elif activity.status == Activity.Status.RETURNED and not publish:
            # Changed after the coordinator sent it back: it waits for them again.
            activity.status = Activity.Status.PENDING
        for name, value in _activity_values(event, source).items():
            setattr(activity, name, value)
        activity.description_html = render_markdown(activity.description)
        activity.last_confirmed_at = activity.updated_at = now
        activities[activity.pk] = activity
        if schedule is None:
            schedule = Schedule(activity=activity)
            new_schedules.append(schedule)
        else:
            updated_schedules.append(schedule)
        for name, value in _schedule_values(event).items():
            setattr(schedule, name, value)
        schedule.updated_at = now
        previous = item.overrides
        item.fingerprint, item.removed_at = fingerprint, None
        item.overrides = event.stored_overrides()
        touched.append(_Touched(activity, schedule, event, item, previous))
    Activity.objects.bulk_update(list(activities.values()), ACTIVITY_FIELDS, batch_size=500)
    Schedule.objects.bulk_update(updated_schedules, SCHEDULE_FIELDS, batch_size=500)
    Schedule.objects.bulk_create(new_schedules, batch_size=500)
    for entry in touched:
        if entry.item.activity_id == entry.activity.pk:  # not a revision's copy
            entry.item.schedule = entry.schedule
    FeedItem.objects.bulk_update(
        [item for item, _, _ in changed],
        ["fingerprint", "raw_fingerprint", "removed_at", "schedule", "overrides"],
        batch_size=500,
    )
    return touched


def _put_back(touched: list[_Touched]) -> None:
    """Sessions on dates the feed changed at its last import but no longer does: back as
    their schedule has them. No other date is touched: a coordinator's own cancellation
    or move stands."""
    dropped: dict[int, tuple[Schedule, set[date]]] = {}
    for entry in touched:
        gone = {date.fromisoformat(d) for d in entry.previous} - set(entry.event.overrides)
        schedule = entry.item.schedule
        if gone and schedule is not None:
            dropped[schedule.pk] = (schedule, gone)
    if not dropped:
        return
    changed: list[Session] = []
    sessions = Session.objects.filter(
        schedule__in=list(dropped),
        occurrence_date__gte=timezone.localdate(),
        occurrence_date__in=sorted(set().union(*(days for _, days in dropped.values()))),
    ).only("pk", "schedule_id", "occurrence_date", "start", "end", "status", "moved")
    for session in sessions:
        assert session.schedule_id is not None
        schedule, days = dropped[session.schedule_id]
        if session.occurrence_date not in days:
            continue
        session.status, session.moved = Session.Status.SCHEDULED, False
        session.set_times(*schedule.times_on(session.occurrence_date))
        changed.append(session)
    _move(changed)


def apply_overrides(schedule_ids: list[int]) -> int:
    """Apply the feeds' single-date changes (moved, cancelled) to these schedules' sessions
    from today on. Returns the number of sessions changed."""
    wanted: dict[int, dict[date, Override]] = {}
    for schedule_id, stored in (
        FeedItem.objects.filter(schedule__in=schedule_ids)
        .exclude(overrides={})
        .values_list("schedule_id", "overrides")
    ):
        wanted[schedule_id] = {
            date.fromisoformat(day): Override.from_json(change) for day, change in stored.items()
        }
    if not wanted:
        return 0
    changed: list[Session] = []
    sessions = Session.objects.filter(
        schedule__in=list(wanted),
        occurrence_date__gte=timezone.localdate(),
        occurrence_date__in=sorted(set().union(*wanted.values())),
    ).only("pk", "schedule_id", "occurrence_date", "start", "end", "status", "moved")
    for session in sessions:
        assert session.schedule_id is not None
        change = wanted[session.schedule_id].get(session.occurrence_date)
        if change is None:
            continue
        if change.cancelled:
            if session.status == Session.Status.CANCELLED:
                continue
            session.status = Session.Status.CANCELLED
            session.updated_at = timezone.now()
        else:
            assert change.start is not None and change.end is not None
            if (session.status, session.moved, session.start, session.end) == (
                Session.Status.SCHEDULED,
                True,
                change.start,
                change.end,
            ):
                continue
            session.status, session.moved = Session.Status.SCHEDULED, True
            session.set_times(change.start, change.end)
        changed.append(session)
    _move(changed)
    return len(changed)


def _move(changed: list[Session]) -> None:
    update_sessions(changed, SESSION_FIELDS)
    if changed:
        sessions_moved.send(sender=Session, session_ids=[s.pk for s in changed])


SESSION_FIELDS = ["status", "moved", *Session.TIME_FIELDS]


def run_import(
    source: FeedSource,
    *,
    force: bool = False,
    actor: User | None = None,
    content: bytes | None = None,
) -> FeedImport:
    """Fetch, parse and store one feed, recording the outcome. Never raises for a bad feed.

    With `content`, those bytes are imported instead of fetching the address
    (a file imported by hand, the demo's calendar).
    """
    started = timezone.now()
    record = FeedImport(source=source, outcome=FeedImport.Outcome.FAILED)
    source.last_checked_at = started
    try:
        fetched = (
            fetch(
                source.url,
                etag="" if force else source.etag,
                last_modified="" if force else source.last_modified,
            )
            if content is None
            else Fetched(not_modified=False, content=content)
        )
        digest = _digest(fetched.content, source) if not fetched.not_modified else ""
        if fetched.not_modified or (digest == source.content_hash and not force):
            record.outcome = FeedImport.Outcome.UNCHANGED
        else:
            parsed, raw_fingerprints, unread = read_feed(source, fetched.content, everything=force)
            result = store(source, parsed, raw_fingerprints=raw_fingerprints, unread=unread)
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


# Part of every event's raw fingerprint: a change to how feeds are read (ical.py) that
# would read an unchanged event differently changes this, and every event is read again.
READER_VERSION = "1"


def read_feed(
    source: FeedSource, content: bytes, *, everything: bool = False
) -> tuple[ParsedFeed, dict[str, str], set[str]]:
    """Parse the feed's events that changed since they were stored, skipping those whose
    text (ical.RawCalendar: without DTSTAMP, which Google rewrites at every fetch) is as
    it was: (the parsed feed, each UID's raw fingerprint, the UIDs left unread).
    `everything`: read every event (an import forced by hand)."""
    raw = split_calendar(content, _reading_context(source))
    if raw is None:
        return parse_calendar(content), {}, set()
    unread: set[str] = set()
    if not everything:
        known = dict(
            FeedItem.objects.filter(source=source, removed_at__isnull=True)
            .exclude(raw_fingerprint="")
            .values_list("uid", "raw_fingerprint")
        )
        unread = {uid for uid, value in raw.fingerprints.items() if known.get(uid) == value}
    parsed = parse_calendar(raw.only(set(raw.fingerprints) - unread) if unread else content)
    return parsed, raw.fingerprints, unread


def _reading_context(source: FeedSource) -> str:
    """What, besides its text, decides what an event is read as: the reader, the rules
    the feed leaves events out by, and the year (the reader matches a zone a file defines
    itself against the years around today)."""
    exclusions = source.exclusions()
    return "\n".join(
        [
            READER_VERSION,
            str(timezone.localdate().year),
            *exclusions.keywords,
            "\0",
            *exclusions.categories,
        ]
    )


def _digest(content: bytes, source: FeedSource) -> str:
    """The feed's content as last stored, with the rules it was stored under: a change to
    what the feed leaves out makes the next import store it again."""
    digest = hashlib.sha256(content)
    exclusions = source.exclusions()
    if exclusions:  # (an unchanged digest for feeds without rules)
        rules = [*exclusions.keywords, "\0", *exclusions.categories]
        digest.update(b"\0exclusions\0" + "\n".join(rules).encode())
    return digest.hexdigest()


def preview(
    content: bytes, start: date, end: date, *, exclusions: Exclusions | None = None
) -> list[dict[str, object]]:
    """Every session the feed would produce between two dates, as the dry run prints:
    never a private event's, nor those the feed's rules leave out."""
    return preview_report(content, start, end, exclusions=exclusions)[0]


def preview_report(
    content: bytes, start: date, end: date, *, exclusions: Exclusions | None = None
) -> tuple[list[dict[str, object]], list[tuple[str, str]]]:
    """The preview's sessions, and (uid, reason) for each event an import would not list,
    as the import reports them: private and left-out events without their UID or title."""
    parsed = parse_calendar(content)
    sessions: list[dict[str, object]] = []
    skipped = list(parsed.skipped)
    for event in parsed.events:
        left_out = exclusions.reason(event.title, event.categories) if exclusions else None
        if left_out:
            skipped.append(("", left_out))
        elif event.cancelled:
            skipped.append((event.uid, "the event is cancelled"))
        else:
            sessions.extend(event.sessions(start, end))
    # By instant: as text, "09:30+00:00" would sort before "10:00+01:00" (09:00 UTC).
    sessions.sort(key=lambda s: (datetime.fromisoformat(str(s["start"])), str(s["uid"])))
    return sessions, skipped
