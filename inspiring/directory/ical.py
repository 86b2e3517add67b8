"""iCalendar (RFC 5545) out: an activity as a recurring series, sessions as single events.

- An activity's .ics has one VEVENT per schedule with its RRULE, RDATE and
  EXDATE (cancelled sessions are excluded dates), plus a RECURRENCE-ID
  override for each session moved by hand: calendar apps then show the same
  sessions What's on shows.
- A session's .ics and the area's subscription feed list sessions as single
  events (a cancelled one with STATUS:CANCELLED, so subscribers see it).
Times carry TZID=Europe/London with its VTIMEZONE, as RFC 5545 requires. A session
lasting days ends on its last day: a timed DTEND `duration_days` after the day it
starts, an all-day DTEND (a DATE) the day after its last day.

Calendar apps poll subscriptions every few minutes to hours, so a feed answers
conditional requests (ETag, Last-Modified, 304) and keeps what it built in the
cache under a key that includes a fingerprint of the data it was built from
(`Version`): a change to any session, activity, organisation or venue in it
gives a new key, so nothing stale is ever served and nothing needs clearing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from icalendar import Calendar, Event, vRecur

from lib.text import plain_text

from .models import Activity, Schedule, Session
from .recurrence import LONDON, first_date, local_datetime, rfc_date

PRODID = "-//Inspiring//Social prescribing calendar//EN"
# A subscription shows what is coming up soon, rolling forward each day: eight
# weeks is what calendar apps handle comfortably and what people plan around.
SUBSCRIPTION_DAYS = 56
# How long a built feed stays in the cache (its key changes with the data anyway).
CACHE_SECONDS = 6 * 60 * 60
logger = logging.getLogger(__name__)
# What a stored schedule that cannot be written out raises (a date at the end of
# the calendar, a rule or date list that is not what the forms make).
UNUSABLE_SCHEDULE = (ValueError, TypeError, KeyError, OverflowError)


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    return calendar


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _location(activity: Activity) -> str:
    if activity.hide_address:
        return activity.place_label
    if activity.venue is not None:
        return f"{activity.venue.name}, {activity.venue.address}"
    return "Online" if activity.online else ""


def _describe(activity: Activity, *, full: bool) -> str:
    lines = [activity.summary]
    if full and activity.description:
        lines.append(plain_text(activity.description_html))
    lines.append(f"Cost: {activity.cost_label}")
    lines.append(f"Run by {activity.organisation}")
    lines.append(_url(activity.get_absolute_url()))
    return "\n\n".join(lines)


def _common(event: Event, activity: Activity, *, full: bool = True) -> None:
    event.add("summary", activity.title)
    # Feeds of many sessions carry the summary and the link, not the whole description.
    event.add("description", _describe(activity, full=full))
    location = _location(activity)
    if location:
        event.add("location", location)
    event.add("url", _url(activity.get_absolute_url()))
    event.add("categories", [c.name for c in activity.categories.all()] or ["Activity"])
    event.add("dtstamp", timezone.now())


def _utc_until(rule: str, zone: ZoneInfo) -> str:
    """RFC 5545: with a TZID'd DTSTART, UNTIL must be in UTC ("…Z")."""
    parts = []
    for chunk in rule.split(";"):
        if chunk.startswith("UNTIL="):
            value = chunk[len("UNTIL=") :].rstrip("Z")
            day = rfc_date(value)
            last = time(23, 59, 59)
            if len(value) >= 15:
                last = time(int(value[9:11]), int(value[11:13]), int(value[13:15]))
            utc = local_datetime(day, last, zone).astimezone(UTC)
            chunk = f"UNTIL={utc:%Y%m%dT%H%M%SZ}"
        parts.append(chunk)
    return ";".join(parts)


def activity_calendar(activity: Activity, host: str) -> Calendar:
    calendar = _calendar(activity.title)
    sessions = list(
        Session.objects.filter(activity=activity, schedule__isnull=False).only(
            "schedule_id", "occurrence_date", "start", "end", "status", "moved", "note"
        )
    )
    for schedule in Schedule.objects.filter(activity=activity):
        mine = [s for s in sessions if s.schedule_id == schedule.pk]
        try:
            events = _schedule_events(activity, schedule, mine, host)
        except UNUSABLE_SCHEDULE:
            # One bad stored schedule (forms refuse such dates; data from before they
            # did, or from elsewhere, may still hold one) must not take the whole
            # file down: leave it out, and say so in the log.
            logger.exception(
                "Schedule %s of activity %s cannot be written as iCalendar",
                schedule.pk,
                activity.pk,
            )
            continue
        for event in events:
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar


def _schedule_events(
    activity: Activity, schedule: Schedule, mine: list[Session], host: str
) -> list[Event]:
    """The series for one schedule, then an override for each session moved by hand."""
    event = Event()
    event.add("uid", f"{activity.public_id}-{schedule.pk}@{host}")
    _common(event, activity)
    zone = schedule.zone
    first = first_date(
        start_date=schedule.start_date, start_time=schedule.start_time, rule=schedule.rrule
    )

    def when(day: date, at: time) -> date | datetime:
        # All-day events are DATE values; others carry their zone (TZID).
        return day if schedule.all_day else local_datetime(day, at, zone)

    event.add("dtstart", when(first, schedule.start_time))
    # Each session ends `duration_days` after the day it starts (a festival weekend, a
    # disco past midnight): an all-day DTEND is the day after the last day.
    last = first + timedelta(days=schedule.duration_days)
    if schedule.all_day:
        event.add("dtend", last + timedelta(days=1))
    else:
        event.add("dtend", when(last, schedule.end_time))
    cancelled = [s.occurrence_date for s in mine if s.is_cancelled]
    excluded = sorted(set(schedule.excluded_dates) | set(cancelled))
    if schedule.rrule:
        event.add("rrule", vRecur.from_ical(_utc_until(schedule.rrule, zone)))
    if schedule.extra_dates:
        event.add("rdate", [when(d, schedule.start_time) for d in schedule.extra_dates])
    if excluded:
        event.add("exdate", [when(d, schedule.start_time) for d in excluded])
    events = [event]
    for moved in (s for s in mine if s.moved and not s.is_cancelled):
        override = Event()
        override.add("uid", f"{activity.public_id}-{schedule.pk}@{host}")
        _common(override, activity)
        override.add("recurrence-id", when(moved.occurrence_date, schedule.start_time))
        if schedule.all_day:
            # Still all day where it was moved to: DATE values, as the series has.
            override.add("dtstart", moved.start.astimezone(zone).date())
            override.add("dtend", moved.end.astimezone(zone).date() + timedelta(days=1))
        else:
            override.add("dtstart", moved.start.astimezone(zone))
            override.add("dtend", moved.end.astimezone(zone))
        if moved.note:
            override.add("comment", moved.note)
        events.append(override)
    return events


def sessions_calendar(name: str, sessions: Iterable[Session], host: str) -> Calendar:
    calendar = _calendar(name)
    # What every session of an activity says (title, summary, place, link, categories),
    # encoded once per activity: a feed holds an activity's every session.
    common: dict[int, Event] = {}
    for session in sessions:
        activity = session.activity
        if activity.pk not in common:
            common[activity.pk] = Event()
            _common(common[activity.pk], activity, full=False)
        event = Event(common[activity.pk])
        event.add("uid", f"{session.public_id}@{host}")
        if session.all_day:
            # DTEND of an all-day event is the day after its last (a Friday-to-Sunday
            # festival ends on Monday).
            event.add("dtstart", session.start.astimezone(LONDON).date())
            event.add("dtend", session.end.astimezone(LONDON).date() + timedelta(days=1))
        else:
            event.add("dtstart", session.start.astimezone(LONDON))
            event.add("dtend", session.end.astimezone(LONDON))
        if session.is_cancelled:
            event.add("status", "CANCELLED")
        else:
            event.add("status", "CONFIRMED")
        if session.note:
            event.add("comment", session.note)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar


def uid_host() -> str:
    """The host in event UIDs: the site's own address, so every copy of a feed agrees."""
    return urlsplit(settings.SITE_URL).netloc or "inspiring.invalid"


@dataclass(frozen=True)
class Version:
    """A fingerprint of the data a feed is built from, and when it last changed."""

    fingerprint: str
    last_modified: datetime

    @property
    def etag(self) -> str:
        return f'"{self.fingerprint}"'


def version_of(key: str, sessions: QuerySet[Session, Any], *extra: datetime | None) -> Version:
    """One aggregate query over the sessions a feed holds and what they show.

    The count catches sessions removed (no row is left to carry a time); the
    latest change of sessions, activities, organisations and venues catches edits.
    """
    found = sessions.order_by().aggregate(
        count=Count("pk"),
        cancelled=Count("pk", filter=Q(status=Session.Status.CANCELLED)),
        sessions=Max("updated_at"),
        activities=Max("activity__updated_at"),
        organisations=Max("activity__organisation__updated_at"),
        venues=Max("activity__venue__updated_at"),
    )
    times = [
        t
        for t in (
            found["sessions"],
            found["activities"],
            found["organisations"],
            found["venues"],
            *extra,
        )
        if t is not None
    ]
    changed = max(times) if times else datetime(2000, 1, 1, tzinfo=UTC)
    raw = f"{key}|{found['count']}|{found['cancelled']}|{'|'.join(t.isoformat() for t in times)}"
    fingerprint = hashlib.sha256(raw.encode()).hexdigest()[:32]
    # A session removed leaves no later time behind, so an app asking only "changed since?"
    # (If-Modified-Since) would be told no: each new fingerprint counts as changed when first
    # seen. (Should the cache forget it, the feed is sent again once: never wrongly kept.)
    seen: datetime = (
        cache.get_or_set(f"directory:ical:seen:{fingerprint}", timezone.now, CACHE_SECONDS)
        or changed
    )
    return Version(fingerprint=fingerprint, last_modified=max(changed, seen).replace(microsecond=0))


def cached_feed(version: Version, build: Callable[[], bytes]) -> bytes:
    """The feed for this version of the data: from the cache, or built and kept."""
    key = f"directory:ical:{version.fingerprint}"
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, CACHE_SECONDS)
    return bytes(body)
