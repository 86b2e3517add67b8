"""Reading partners' iCalendar feeds (RFC 5545) into plain, checked events.

Parsing is separate from storing: `parse_calendar` turns bytes into
`FeedEvent`s (or raises FeedError with a reason a person can act on), with no
database. What cannot be used is skipped with a reason, never guessed:

- VTIMEZONE blocks, IANA and Windows zone names ("GMT Standard Time") and the
  X-WR-TIMEZONE calendars from Google and Apple all resolve to an IANA zone;
  a recurring event keeps its own zone, so a series in UTC stays in UTC. A
  zone the file defines under a name of its own is read as this file defines
  it, and kept as the IANA zone that keeps the same time.
- RRULE, RDATE and EXDATE become the schedule's rule and dates; RECURRENCE-ID
  overrides become moved or cancelled sessions; STATUS:CANCELLED on the
  series withdraws it; all-day events stay all day. A changed instance whose
  series is not in the feed is an event of its own, as calendar apps show it.
- An event without a UID is given one made from its start, title and place.
- Events marked private or confidential (CLASS) are never used, and are
  reported without their title or UID; a private occurrence of a public
  series is left out of it.
- Descriptions are reduced to text (some calendars send HTML) and are
  rendered and sanitised again like every description.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import nh3
import x_wr_timezone
from django.utils import timezone as django_timezone
from icalendar import Calendar, Component, Event, Timezone
from icalendar.timezone.tzid import tzid_from_dt
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from inspiring.directory.recurrence import (
    LONDON,
    MAX_DURATION_DAYS,
    RecurrenceError,
    local_datetime,
    normalise_rrule,
    occurrences,
)
from lib.dates import date_window, long_date

from .exclusions import PRIVATE_REASON

MAX_TITLE = 150
MAX_SUMMARY = 300
MAX_DESCRIPTION = 5000
# What the database keeps: FeedItem.uid and Schedule.rrule.
MAX_UID = 500
MAX_RULE = 300


class FeedError(Exception):
    """The whole feed cannot be read; str(error) says why, for its owner."""


@dataclass
class Override:
    """One occurrence changed in the feed: moved (new times) or cancelled."""

    cancelled: bool = False
    start: datetime | None = None
    end: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        if self.cancelled or self.start is None or self.end is None:
            return {"cancelled": True}
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Override:
        if data.get("cancelled"):
            return cls(cancelled=True)
        return cls(
            start=datetime.fromisoformat(data["start"]), end=datetime.fromisoformat(data["end"])
        )


@dataclass
class FeedEvent:
    uid: str
    title: str
    summary: str
    description: str
    location: str
    url: str
    timezone: str
    start_date: date
    start_time: time
    end_time: time
    all_day: bool = False
    # Days after the day it starts that each session ends (0: within the day).
    days: int = 0
    rrule: str = ""
    exdates: list[date] = field(default_factory=list)
    rdates: list[date] = field(default_factory=list)
    overrides: dict[date, Override] = field(default_factory=dict)
    cancelled: bool = False
    # CATEGORIES, for a feed that leaves some out (not stored, so not in the fingerprint).
    categories: list[str] = field(default_factory=list)
    # The UID as the feed gives it, when `uid` is made here: "" for an event without one,
    # the series' for a changed instance imported on its own (None: `uid` is the feed's).
    feed_uid: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def fingerprint(self) -> str:
        """A hash of everything stored from this event: unchanged events are not rewritten."""
        # What dataclasses.asdict gives (so fingerprints stored before stay valid), made
        # without its deep copy: it was a tenth of a first import.
        data = {name: getattr(self, name) for name in _FINGERPRINTED}
        # JSON keys must be strings: the overrides are keyed by date.
        data["overrides"] = {
            d.isoformat(): {"cancelled": o.cancelled, "start": o.start, "end": o.end}
            for d, o in sorted(self.overrides.items())
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def stored_overrides(self) -> dict[str, dict[str, Any]]:
        """The single-date changes as FeedItem.overrides keeps them."""
        return {day.isoformat(): change.as_json() for day, change in sorted(self.overrides.items())}

    def sessions(self, start: date, end: date) -> list[dict[str, Any]]:
        """The sessions this event gives between two dates (for the dry-run preview)."""
        found = []
        for occurrence in occurrences(
            start_date=self.start_date,
            start_time=self.start_time,
            end_time=self.end_time,
            rule=self.rrule,
            exdates=self.exdates,
            rdates=self.rdates,
            window_start=start,
            window_end=end,
            zone=self.zone,
            duration_days=self.days,
        ):
            change = self.overrides.get(occurrence.date)
            status = "scheduled"
            begins, ends = occurrence.start, occurrence.end
            if change is not None and change.cancelled:
                status = "cancelled"
            elif change is not None and change.start and change.end:
                begins, ends, status = change.start, change.end, "moved"
            found.append(
                {
                    "uid": self.uid,
                    "title": self.title,
                    "start": begins.isoformat(),
                    "end": ends.isoformat(),
                    "status": "cancelled" if self.cancelled else status,
                }
            )
        return found


# What an event's fingerprint covers: everything stored from it.
_FINGERPRINTED = [f.name for f in fields(FeedEvent) if f.name not in ("categories", "feed_uid")]


@dataclass
class ParsedFeed:
    name: str
    events: list[FeedEvent]
    # (uid, reason) for every event that could not be used.
    skipped: list[tuple[str, str]] = field(default_factory=list)


# --- Text ---------------------------------------------------------------------------


def text_from(value: Any) -> str:
    """Plain text from an iCalendar text value, which some calendars fill with HTML."""
    raw = str(value or "")
    if "<" in raw and ">" in raw:
        raw = re.sub(r"(?i)<br\s*/?>|</p>", "\n", raw)
        raw = html.unescape(nh3.clean(raw, tags=set()))
    lines = [" ".join(line.split()) for line in raw.replace("\r", "").split("\n")]
    return "\n".join(lines).strip()


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: cut at a word boundary, with an ellipsis.

    A single word longer than half the limit is cut inside the word, rather than
    losing most of the text.
    """
    if len(text) <= limit:
        return text
    if limit < 2:
        return text[:limit]
    cut = text[: limit - 1]
    if not text[limit - 1].isspace():
        # The cut falls inside a word: back to where that word starts.
        boundary = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if boundary >= limit // 2:
            cut = cut[:boundary]
    return cut.rstrip() + "…"


def _one_line(text: str, limit: int) -> str:
    return shorten(" ".join(text.split()), limit)


# --- Times --------------------------------------------------------------------------


def _named_zone(tzid: str) -> str | None:
    """The IANA zone a TZID names: an IANA name, a Windows name, or Google's "custom_" one."""
    for candidate in (WINDOWS_TO_OLSON.get(tzid), tzid.removeprefix("custom_"), tzid):
        if candidate:
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return candidate
    return None


def zone_name(value: datetime) -> str | None:
    """An IANA zone for an aware datetime, from a ZoneInfo, UTC, or a TZID we can map."""
    tzinfo = value.tzinfo
    if tzinfo is None:
        return None
    key = getattr(tzinfo, "key", None)
    if isinstance(key, str):
        return key
    if value.utcoffset() == timedelta(0) and tzinfo.tzname(value) in ("UTC", "Z", "GMT"):
        return "UTC"
    return _named_zone(tzid_from_dt(value) or "")


# Where a zone defined in the file (a VTIMEZONE under its own name) is looked for among the
# IANA zones: the names people's calendars use, before aliases and legacy names.
_REGIONS = (
    *("Europe/", "America/", "Africa/", "Asia/", "Atlantic/", "Australia/", "Pacific/"),
    *("Indian/", "Antarctica/"),
)


# Zones partners' calendars are most often in, tried before the others that keep the
# same time (America/New_York before America/Grand_Turk).
_USUAL = (
    *("Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin"),
    *("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    *("Asia/Kolkata", "Australia/Sydney"),
)


@cache
def _candidate_zones() -> tuple[str, ...]:
    """IANA zones to try for a zone the file defines, most likely first: the usual ones,
    those Windows names stand for (one per region, as Outlook's VTIMEZONEs are), the rest."""
    names = available_timezones()
    usual = sorted(set(WINDOWS_TO_OLSON.values()) & names)
    regional = sorted(n for n in names if n.startswith(_REGIONS))
    ordered = dict.fromkeys([*_USUAL, *usual, *regional])
    return tuple(ordered)


def _utc_offsets(zone: tzinfo, instants: list[datetime]) -> list[timedelta | None]:
    return [instant.astimezone(zone).utcoffset() for instant in instants]


def _transitions(zone: tzinfo, days: list[datetime]) -> list[datetime]:
    """The instants (to the minute) at which `zone` changes its offset between the days."""
    found = []
    for before, after in pairwise(days):
        if before.astimezone(zone).utcoffset() == after.astimezone(zone).utcoffset():
            continue
        low, high = before, after  # the change is after `low` and by `high`
        while high - low > timedelta(minutes=1):
            middle = low + (high - low) / 2
            if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                low = middle
            else:
                high = middle
        found.append(high.replace(second=0, microsecond=0))
    return found


def defined_zone(zone: tzinfo, start: datetime) -> str | None:
    """The IANA zone that keeps the same time as a zone the file defines itself (a VTIMEZONE
    whose TZID is neither an IANA nor a Windows name, from which icalendar builds `zone`),
    around the event's start and over the coming years, or None if no zone does.

    Schedules keep a zone by its IANA name, so a defined zone is stored as the IANA zone it
    agrees with: every day at midnight UTC, and either side of each change of its clocks.
    A fixed offset in whole hours is stored as that offset (Etc/GMT-2 for +02:00).
    """
    today = django_timezone.localdate()
    first = datetime(start.year, 1, 1, tzinfo=UTC)
    days = [first + timedelta(days=n) for n in range(3 * 366)]
    if today.year > start.year + 2:
        # A series that began years ago: its sessions to come are the ones that matter.
        recent = datetime(today.year - 1, 1, 1, tzinfo=UTC)
        days += [recent + timedelta(days=n) for n in range(3 * 366)]
    changes = _transitions(zone, days)
    instants = sorted(
        days + [c - timedelta(minutes=1) for c in changes] + [*changes, start.astimezone(UTC)]
    )
    wanted = _utc_offsets(zone, instants)
    candidates: list[str] = []
    offset = wanted[0]
    if not changes and offset is not None and offset % timedelta(hours=1) == timedelta(0):
        hours = offset // timedelta(hours=1)
        # POSIX signs: Etc/GMT-2 is two hours ahead of UTC.
        candidates.append("Etc/UTC" if hours == 0 else f"Etc/GMT{-hours:+d}")
    samples = [days[0], days[len(days) // 3], days[len(days) // 2], days[-1]]
    quick = _utc_offsets(zone, samples)
    for name in [*candidates, *_candidate_zones()]:
        try:
            candidate = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        if _utc_offsets(candidate, samples) == quick and (
            _utc_offsets(candidate, instants) == wanted
        ):
            return name
    return None


class _Zones:
    """The time zones of one file: the calendar's own (X-WR-TIMEZONE), for floating times,
    and those it defines itself (VTIMEZONE) under a name that is not an IANA or Windows one.

    icalendar builds a zone from a VTIMEZONE once per name per process, and then uses that
    one for every file that says the same TZID: a second partner's "Office Time" would be
    read as the first's. Times in a defined zone are read in this file's own definition.
    """

    def __init__(self, calendar: Calendar, hint: ZoneInfo) -> None:
        self.hint = hint
        self._defined: dict[str, Timezone] = {}
        for component in calendar.walk("VTIMEZONE"):
            tzid = str(component.get("TZID") or "").strip("/ ")
            if isinstance(component, Timezone) and tzid and _named_zone(tzid) is None:
                self._defined.setdefault(tzid, component)
        self._built: dict[str, tzinfo | None] = {}
        self._matched: dict[tuple[str, int], str | None] = {}

    def _defined_tzid(self, value: datetime) -> str | None:
        if value.tzinfo is None or hasattr(value.tzinfo, "key"):
            return None
        tzid = (tzid_from_dt(value) or "").strip("/ ")
        return tzid if tzid in self._defined else None

    def own(self, value: Any, notes: list[str] | None = None) -> Any:
        """A date-time in a zone this file defines, read in the file's own definition.

        A TZID that is neither a zone's name nor defined in this file is a floating
        time in the calendar's zone (`notes`, when given, say so): whatever icalendar
        kept under that name from another file is not this one's."""
        if not isinstance(value, datetime):
            return value
        tzid = self._defined_tzid(value)
        if tzid is None:
            if self._undefined(value):
                if notes is not None:
                    name = _one_line((tzid_from_dt(value) or "").strip("/ "), 60)
                    notes.append(
                        f"its time zone “{name}” is not defined in the file, so its times "
                        f"are read as {self.hint.key} times"
                    )
                return value.replace(tzinfo=self.hint)
            return value
        if tzid not in self._built:
            try:
                self._built[tzid] = self._defined[tzid].to_tz(lookup_tzid=False)
            except Exception:  # a definition dateutil cannot build: icalendar's reading stands
                self._built[tzid] = None
        zone = self._built[tzid]
        # The wall-clock time as written, in the zone as defined.
        return value if zone is None else value.replace(tzinfo=zone)

    def _undefined(self, value: datetime) -> bool:
        """Whether a date-time carries a TZID no zone has and this file does not define."""
        if value.tzinfo is None or hasattr(value.tzinfo, "key"):
            return False
        tzid = (tzid_from_dt(value) or "").strip("/ ")
        return bool(tzid) and zone_name(value) is None

    def name(self, value: datetime, notes: list[str]) -> str:
        """The IANA zone an event's start is kept in."""
        if value.tzinfo is None:
            return str(self.hint.key)
        tzid = self._defined_tzid(value)
        if tzid is None:
            # A zone we cannot name: keep the times as London wall-clock times.
            return zone_name(value) or "Europe/London"
        key = (tzid, value.year)
        if key not in self._matched:
            self._matched[key] = defined_zone(value.tzinfo, value)
        found = self._matched[key]
        if found is None:
            notes.append(
                f"its time zone “{_one_line(tzid, 60)}” keeps the time of no known zone: its "
                "first date is right, and the others are kept at that London time"
            )
            return "Europe/London"
        return found


def _as_local(value: datetime, zone: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def _occurrence_date(value: date | datetime, zone: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return _as_local(value, zone).date()
    return value


def _dates(component: Event, name: str, zone: ZoneInfo, zones: _Zones) -> list[date]:
    found: list[date] = []
    values = component.get(name)
    if values is None:
        return found
    for item in values if isinstance(values, list) else [values]:
        for entry in getattr(item, "dts", []):
            value = entry.dt
            if isinstance(value, tuple):  # a PERIOD: its start
                value = value[0]
            value = zones.own(value)
            found.append(_occurrence_date(value, zone))
    return sorted(set(found))


# --- Events --------------------------------------------------------------------------


def is_private(component: Event) -> bool:
    """Whether the calendar marks the event as not for the public. RFC 5545 3.8.1.3: a
    CLASS other than PUBLIC, PRIVATE and CONFIDENTIAL is to be treated as PRIVATE; an
    empty CLASS (some calendar apps write "CLASS:") says nothing, so PUBLIC, the default."""
    value = component.get("CLASS")
    values = value if isinstance(value, list) else [value]
    # Given twice: private if either copy says so.
    return any(str(v or "").strip().upper() not in ("", "PUBLIC") for v in values)


def _categories(component: Event) -> list[str]:
    values = component.get("CATEGORIES")
    if values is None:
        return []
    found: list[str] = []
    for item in values if isinstance(values, list) else [values]:
        names = getattr(item, "cats", None)
        for name in names if names is not None else str(item).split(","):
            text = _one_line(text_from(name), 100)
            if text:
                found.append(text)
    return found[:50]


class Skip(Exception):
    """This event cannot be used; str(error) is the reason recorded in the report."""


def _event(
    master: Event, zones: _Zones, notes: list[str], *, uid: str, one_off: bool = False
) -> FeedEvent:
    """The event a master VEVENT describes; `notes` gets what was used only in part.
    `one_off`: a changed instance read on its own, without its series' repeats."""
    title = _one_line(text_from(master.get("SUMMARY")), MAX_TITLE)
    if not title:
        raise Skip("it has no title (SUMMARY)")
    try:
        start = zones.own(master.decoded("DTSTART"), notes)
    except (KeyError, ValueError, TypeError) as exc:
        raise Skip("it has no usable start (DTSTART)") from exc
    if not isinstance(start, date):  # unreadable (kept as text) or given twice (a list)
        raise Skip("it has no usable start (DTSTART)")
    first, last = date_window()
    day = start.date() if isinstance(start, datetime) else start
    if not first <= day <= last:
        # Year 1 or 9999 would run the sessions' arithmetic off the calendar.
        raise Skip(
            f"it starts on {long_date(day)}, outside the dates the calendar keeps "
            f"({long_date(first)} to {long_date(last)})"
        )
    end: Any = None
    if "DTEND" in master:
        try:
            end = zones.own(master.decoded("DTEND"))
        except (ValueError, TypeError):
            end = None
        if not isinstance(end, date):
            end = None
            notes.append("its end (DTEND) could not be read, so it is shown as an hour long")
    elif "DURATION" in master:
        try:
            end = start + master.decoded("DURATION")
        except (ValueError, TypeError, OverflowError):
            end = None
            notes.append("its length (DURATION) could not be read, so it is shown as an hour long")
    all_day = not isinstance(start, datetime)
    if all_day:
        zone, name = LONDON, "Europe/London"
        first_day = start
        start_time, end_time = time(0, 0), time(23, 59)
        # DTEND of an all-day event is the day after its last (RFC 5545 3.6.1).
        last = end.date() if isinstance(end, datetime) else end
        days = (last - start).days - 1 if isinstance(last, date) else 0
        if days < 0 and isinstance(last, date) and last < start:
            raise Skip("it ends before it starts")
        days = max(days, 0)
    else:
        assert isinstance(start, datetime)  # a date-time start: a timed event
        name = zones.name(start, notes)
        zone = ZoneInfo(name)
        local_start = _as_local(start, zone)
        local_end = _as_local(end, zone) if isinstance(end, datetime) else None
        if local_end is None:
            local_end = local_start + timedelta(hours=1)
        if local_end <= local_start:
            raise Skip("it ends before it starts")
        if local_end.date() != local_start.date() and local_end.time() == time(0):
            local_end = local_end - timedelta(minutes=1)  # ends at midnight: 23:59
        first_day = local_start.date()
        days = (local_end.date() - first_day).days
        start_time, end_time = (
            local_start.time().replace(tzinfo=None),
            local_end.time().replace(tzinfo=None),
        )
    if days > MAX_DURATION_DAYS:
        raise Skip(
            f"it lasts {days + 1} days: a session can last at most {MAX_DURATION_DAYS + 1} days "
            "(list a longer event's opening days as a repeating event)"
        )
    rrule = ""
    rules = None if one_off else master.get("RRULE")
    if isinstance(rules, list):
        if len(rules) > 1:
            raise Skip("it has more than one RRULE")
        rules = rules[0]
    if rules is not None:
        try:
            rrule = normalise_rrule(rules.to_ical().decode(), zone)
        except RecurrenceError as exc:
            raise Skip(f"its repeat rule cannot be used: {exc}") from None
        if len(rrule) > MAX_RULE:
            raise Skip(f"its repeat rule is longer than {MAX_RULE} characters")
    status = str(master.get("STATUS") or "").upper()
    # Bounded here, whatever the calendar sends (a megabyte is not a description);
    # the importer fits it to the Activity field as well.
    description = text_from(master.get("DESCRIPTION"))
    return FeedEvent(
        uid=uid,
        title=title,
        summary=_one_line(description, MAX_SUMMARY) or title,
        description=shorten(description, MAX_DESCRIPTION),
        location=_one_line(text_from(master.get("LOCATION")), 200),
        url=str(master.get("URL") or "")[:500],
        timezone=name,
        start_date=first_day,
        start_time=start_time,
        end_time=end_time,
        all_day=all_day,
        days=days,
        rrule=rrule,
        exdates=[] if one_off else _dates(master, "EXDATE", zone, zones),
        rdates=[] if one_off else _dates(master, "RDATE", zone, zones),
        cancelled=status == "CANCELLED",
        categories=_categories(master),
    )


def _apply_override(event: FeedEvent, component: Event, zones: _Zones) -> str | None:
    """Record a RECURRENCE-ID instance on its series; return a note when partly used."""
    zone = event.zone
    recurrence_id = zones.own(component.decoded("RECURRENCE-ID"))
    if not isinstance(recurrence_id, date):  # unreadable, or given twice
        raise ValueError("RECURRENCE-ID")
    day = _occurrence_date(recurrence_id, zone)
    note = None
    params = getattr(component.get("RECURRENCE-ID"), "params", {})
    if str(params.get("RANGE", "")).upper() == "THISANDFUTURE":
        note = "a change 'to this and following' was applied to that one date only"
    if is_private(component):
        # One occurrence made private: its time and place are not published, and it is
        # not shown as happening as the series would have it either.
        event.overrides[day] = Override(cancelled=True)
        return "one occurrence is private: it is left out of the listing"
    if str(component.get("STATUS") or "").upper() == "CANCELLED":
        event.overrides[day] = Override(cancelled=True)
        return note
    try:
        start = zones.own(component.decoded("DTSTART"))
        end = zones.own(component.decoded("DTEND")) if "DTEND" in component else None
    except (KeyError, ValueError, TypeError):
        return "an instance with an unreadable time was left as the series has it"
    if not isinstance(start, datetime):
        if not isinstance(start, date):  # unreadable (kept as text) or given twice
            return "an instance with an unreadable time was left as the series has it"
        if not event.all_day:  # a session cannot be all day on its own
            return "an instance made all day was left as the series has it"
        # An all-day occurrence moved to another day: those whole days.
        last = end.date() if isinstance(end, datetime) else end
        days = (last - start).days - 1 if isinstance(last, date) else event.days
        event.overrides[day] = Override(
            start=local_datetime(start, event.start_time, zone),
            end=local_datetime(start + timedelta(days=max(days, 0)), event.end_time, zone),
        )
        return note
    begins = _as_local(start, zone)
    ends = (
        _as_local(end, zone)
        if isinstance(end, datetime)
        else begins
        + (
            local_datetime(event.start_date + timedelta(days=event.days), event.end_time, zone)
            - local_datetime(event.start_date, event.start_time, zone)
        )
    )
    if ends <= begins:
        return "an instance that ends before it starts was left as the series has it"
    if (ends.date() - begins.date()).days > MAX_DURATION_DAYS:
        return "an instance lasting more than two weeks was left as the series has it"
    event.overrides[day] = Override(start=begins, end=ends)
    return note


# --- Events as the feed wrote them ----------------------------------------------------

# Properties an event's raw fingerprint leaves out: they change without the event
# changing. Google writes DTSTAMP as the time of each fetch, so a feed's bytes (and
# its content hash) differ at every fetch; some servers do the same with LAST-MODIFIED.
# Neither is read for an event with one copy in the feed: DTSTAMP only tells which of
# two copies of a UID is newer, and an event given twice is always read again (its
# raw fingerprint is not kept, see RawCalendar). SEQUENCE and CREATED stay in: they
# change only when the event is edited.
VOLATILE = frozenset({b"DTSTAMP", b"LAST-MODIFIED"})


@dataclass
class RawCalendar:
    """A feed split into its events as written, before any parsing: each UID's
    components (the series and its changed instances) with a fingerprint of their
    text, so an import reads only the events that changed (`only`).

    A fingerprint is a hash of the unfolded lines of every component with that UID,
    without the VOLATILE properties, and of everything outside the events (time zone
    definitions, X-WR-TIMEZONE) and `context` (the rules the feed is read under): a
    change to any of them reads every event again.
    """

    # The feed's lines (folded, as written) outside its events, and where its events go.
    outside: list[bytes]
    end: int
    # Each UID's components, as written; "" for those without one (always read).
    components: dict[str, list[list[bytes]]]
    fingerprints: dict[str, str]

    def only(self, uids: set[str]) -> bytes:
        """The feed with just these UIDs' events (and those without a UID)."""
        lines = self.outside[: self.end]
        for uid, components in self.components.items():
            if uid in uids or not uid:
                for component in components:
                    lines.extend(component)
        lines.extend(self.outside[self.end :])
        return b"\r\n".join(lines) + b"\r\n"


def split_calendar(data: bytes, context: str = "") -> RawCalendar | None:
    """The feed's events as written, or None for a feed this cannot split with
    certainty (then every event is read, as parse_calendar reads them)."""
    data = data.replace(b"\x00", b"")  # as parse_calendar does
    outside: list[bytes] = []
    end = -1
    calendars = 0
    components: dict[str, list[list[bytes]]] = defaultdict(list)
    texts: dict[str, list[bytes]] = defaultdict(list)
    current: list[bytes] | None = None
    shared: list[bytes] = []  # the unfolded lines outside the events
    text: list[bytes] = []  # the current event's
    uids: list[bytes] = []
    depth = 0
    for line, unfolded in _logical_lines(data):
        key = unfolded.strip().upper()
        if current is None:
            if key == b"BEGIN:VEVENT":
                current, text, uids, depth = list(line), [], [], 0
                continue
            if key == b"BEGIN:VCALENDAR":
                calendars += 1
            elif key == b"END:VCALENDAR":
                end = len(outside)
            outside.extend(line)
            if _name(unfolded) not in VOLATILE:
                shared.append(unfolded)
            continue
        current.extend(line)
        if key.startswith(b"BEGIN:"):
            depth += 1
        elif key.startswith(b"END:") and depth:
            depth -= 1
        elif key.startswith(b"END:"):
            if key != b"END:VEVENT":
                return None
            uid = _raw_uid(uids)
            components[uid].append(current)
            texts[uid].append(b"\n".join(text))
            current, text = None, []
            continue
        name = _name(unfolded)
        if depth == 0 and name == b"UID":
            uids.append(unfolded)
        if name not in VOLATILE:
            text.append(unfolded)
    if current is not None or calendars != 1 or end < 0:
        return None
    around = hashlib.sha256(context.encode() + b"\0" + b"\n".join(shared)).digest()
    fingerprints = {
        uid: hashlib.sha256(around + b"\0".join(parts)).hexdigest()
        for uid, parts in texts.items()
        if uid
    }
    return RawCalendar(outside, end, dict(components), fingerprints)


def _logical_lines(data: bytes) -> Iterator[tuple[list[bytes], bytes]]:
    """Each content line: as written (its folded lines) and unfolded (RFC 5545 3.1)."""
    written: list[bytes] = []
    for line in data.splitlines():
        if line[:1] in (b" ", b"\t") and written:
            written.append(line)
            continue
        if written:
            yield written, b"".join([written[0], *(part[1:] for part in written[1:])])
        written = [line]
    if written:
        yield written, b"".join([written[0], *(part[1:] for part in written[1:])])


def _name(line: bytes) -> bytes:
    return line.split(b":", 1)[0].split(b";", 1)[0].strip().upper()


def _raw_uid(lines: list[bytes]) -> str:
    """The UID as parse_calendar will read it, or "" where that is not certain (none,
    two, an escaped character, bytes that are not UTF-8): such events are always read."""
    if len(lines) != 1:
        return ""
    value = lines[0].split(b":", 1)[1] if b":" in lines[0] else b""
    if b"\\" in value or b'"' in lines[0]:
        return ""
    try:
        return value.decode().strip()
    except UnicodeDecodeError:
        return ""


def parse_calendar(data: bytes) -> ParsedFeed:
    """Read a whole feed. Raises FeedError if it is not an iCalendar file at all."""
    # RFC 5545 allows no control characters but tab in a value, and PostgreSQL stores no
    # NUL in text: a NUL byte anywhere in the file (a broken export) is dropped here, once.
    data = data.replace(b"\x00", b"")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        raise FeedError(
            "The address returned a web page, not a calendar. Check it is the calendar's "
            "iCalendar (.ics) address, often called the 'secret' or 'public address in "
            "iCal format'."
        )
    if not head.startswith(b"begin:vcalendar"):
        raise FeedError("This is not an iCalendar file: it does not start with BEGIN:VCALENDAR.")
    try:
        calendar = Calendar.from_ical(data)
        calendar = x_wr_timezone.to_standard(calendar)
    except Exception as exc:  # any parser failure is the feed's problem
        raise FeedError(f"The calendar could not be read: {_short(exc)}") from None
    if isinstance(calendar, list):
        calendar = calendar[0]
    hint_name = str(calendar.get("X-WR-TIMEZONE") or "Europe/London")
    try:
        hint = ZoneInfo(WINDOWS_TO_OLSON.get(hint_name, hint_name))
    except (ZoneInfoNotFoundError, ValueError):
        hint = LONDON
    zones = _Zones(calendar, hint)
    masters: dict[str, Event] = {}
    instances: dict[str, list[Event]] = defaultdict(list)
    skipped: list[tuple[str, str]] = []
    private: set[str] = set()
    # The UID the feed gave, for events whose `uid` is made here ("" if it gave none).
    given: dict[str, str] = {}
    for component in calendar.walk("VEVENT"):
        uid = str(component.get("UID") or "").strip()
        if is_private(component) and ("RECURRENCE-ID" not in component or not uid):
            # Before anything that would name it: its title, or even its UID, goes nowhere.
            skipped.append(("", PRIVATE_REASON))
            private.add(uid)
            continue
        if not uid:
            uid = content_uid(component, zones)
            given[uid] = ""
        if len(uid) > MAX_UID:
            skipped.append((uid[:100] + "…", f"its UID is longer than {MAX_UID} characters"))
            continue
        if "RECURRENCE-ID" in component:
            instances[uid].append(component)
        elif uid in masters:
            # RFC 5545 3.8.7.4: the copy with the higher SEQUENCE (then the later
            # DTSTAMP) is the current one; on a tie the first is kept.
            if _revision(component) > _revision(masters[uid]):
                masters[uid] = component
            if uid in given:
                title = _one_line(text_from(component.get("SUMMARY")), 60)
                skipped.append(("", f"an event without a UID appears twice ({title}): once used"))
            else:
                skipped.append((uid, "the same UID appears twice; the latest revision was used"))
        else:
            masters[uid] = component
    for uid in private:
        # The whole series is private: a public copy or its changed dates are not used.
        masters.pop(uid, None)
        instances.pop(uid, None)
    events: list[FeedEvent] = []
    for uid, master in masters.items():
        try:
            notes: list[str] = []
            event = _event(master, zones, notes, uid=uid)
            event.feed_uid = given.get(uid)
            skipped.extend((uid, note) for note in notes)
            for component in instances.pop(uid, []):
                try:
                    note = _apply_override(event, component, zones)
                except (KeyError, ValueError, TypeError):
                    note = "an instance without a usable RECURRENCE-ID was ignored"
                if note:
                    skipped.append((uid, note))
        except Skip as reason:
            skipped.append((uid, str(reason)))
            continue
        except Exception as exc:  # one broken event must not sink the feed
            skipped.append((uid, f"it could not be read: {_short(exc)}"))
            continue
        events.append(event)
    for uid, components in instances.items():
        # Changes to a series that is not in the feed (a calendar shared from a date on,
        # an invitation to one meeting of a series): each is an event of its own, as
        # calendar apps show them.
        for component in _latest_copies(uid, components, skipped):
            event_or_none = _one_off(uid, component, zones, skipped)
            if event_or_none is not None:
                event_or_none.feed_uid = given.get(uid, uid)
                events.append(event_or_none)
    return ParsedFeed(
        name=text_from(calendar.get("X-WR-CALNAME"))[:200], events=events, skipped=skipped
    )


def content_uid(component: Component, zones: _Zones | None = None) -> str:
    """A UID for an event the feed gave none: made from its start, title and place, so the
    same event matches itself at the next import. A change to any of the three makes it
    another event (the old one is withdrawn and a new one listed): nothing else can tell
    an event that changed from one that was replaced."""
    try:
        start = component.decoded("DTSTART")
    except (KeyError, ValueError, TypeError):
        start = None
    if isinstance(start, datetime) and start.tzinfo is not None:
        # The instant: the same whether the calendar writes it in UTC or local time.
        start = (zones.own(start) if zones else start).astimezone(UTC)
    when = start.isoformat() if isinstance(start, date) else str(component.get("DTSTART") or "")
    parts = [
        when,
        _one_line(text_from(component.get("SUMMARY")), MAX_TITLE),
        _one_line(text_from(component.get("LOCATION")), 200),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"no-uid-{digest}"


def one_off_uid(uid: str, component: Component) -> str | None:
    """The UID of a changed instance imported on its own: its series' UID and the date (and
    time) it replaces, which stay the same however often the instance is changed again."""
    try:
        replaces = component.decoded("RECURRENCE-ID")
    except (KeyError, ValueError, TypeError):
        return None
    if isinstance(replaces, datetime):
        if replaces.tzinfo is not None:
            replaces = replaces.astimezone(UTC)
        stamp = replaces.strftime("%Y%m%dT%H%M%S") + ("Z" if replaces.tzinfo else "")
    elif isinstance(replaces, date):
        stamp = replaces.strftime("%Y%m%d")
    else:  # unreadable, or given twice
        return None
    return f"{uid}#{stamp}"


def _latest_copies(
    uid: str, components: list[Event], skipped: list[tuple[str, str]]
) -> list[Event]:
    """One copy of each changed instance: the latest revision, as for a whole event."""
    latest: dict[str | None, Event] = {}
    for component in components:
        key = one_off_uid(uid, component)
        if key is None:
            skipped.append((uid, "an instance without a usable RECURRENCE-ID was ignored"))
        elif key not in latest or _revision(component) > _revision(latest[key]):
            latest[key] = component
    return list(latest.values())


def _one_off(
    uid: str, component: Event, zones: _Zones, skipped: list[tuple[str, str]]
) -> FeedEvent | None:
    """A changed instance whose series is not in the feed, as an event of its own (a
    cancelled one as a cancelled event: nothing is listed)."""
    if is_private(component):
        skipped.append(("", PRIVATE_REASON))
        return None
    own_uid = one_off_uid(uid, component)
    assert own_uid is not None  # _latest_copies kept only readable ones
    if len(own_uid) > MAX_UID:
        skipped.append((uid[:100] + "…", f"its UID is longer than {MAX_UID} characters"))
        return None
    notes: list[str] = []
    try:
        event = _event(component, zones, notes, uid=own_uid, one_off=True)
    except Skip as reason:
        skipped.append((uid, str(reason)))
        return None
    except Exception as exc:  # one broken event must not sink the feed
        skipped.append((uid, f"it could not be read: {_short(exc)}"))
        return None
    skipped.extend((uid, note) for note in notes)
    return event


def _revision(component: Event) -> tuple[int, datetime]:
    """(SEQUENCE, DTSTAMP) of an event, to tell which of two copies is newer."""
    try:
        sequence = int(str(component.get("SEQUENCE", 0)))
    except ValueError:
        sequence = 0
    try:
        stamp = component.decoded("DTSTAMP")
    except (KeyError, ValueError, TypeError):
        stamp = None
    if not isinstance(stamp, datetime):
        stamp = datetime.min.replace(tzinfo=UTC)
    elif stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return sequence, stamp


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200] or exc.__class__.__name__
