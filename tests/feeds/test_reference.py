"""Our expansion of real calendars, checked against recurring-ical-events (a test-only reference).

For every real calendar our parser reads, the occurrences of the events it
kept (uid, start instant, cancelled or not) must be exactly those
recurring-ical-events gives, apart from the differences listed in
LEGITIMATE_DIFFERENCES with the reason for each.

What is compared, and how the two are put on the same footing:
- Events we skip are left out on both sides: each skip is recorded with a
  reason (events without DTSTART, longer than a day, unusable rules…),
  which test_parse checks. Events without a UID, and changed instances whose
  series is not in the feed, are kept (with a UID made for them): they compare
  by the UID the feed gave, "" for none. VTODO and VJOURNAL are not events on either side.
- All-day events compare by date; timed ones by instant (UTC). A floating time
  in the reference is read in the zone our parser gave the event (the
  calendar's X-WR-TIMEZONE, else London), which is what we do on purpose.
- Both sides expand a wide window, and only occurrences well inside it are
  compared, so the two libraries' window edges (ours by local date, inclusive)
  do not show as differences.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from icalendar import Calendar, Component

from inspiring.feeds.ical import (
    FeedError,
    FeedEvent,
    ParsedFeed,
    content_uid,
    one_off_uid,
    parse_calendar,
)
from tests import dbonce

from .conftest import ICS_FILES, calendar, ics_id, vevent

WINDOW = (date(1970, 1, 1), date(2037, 12, 31))
# Compared: occurrences from a week inside the window's edges.
INNER = (
    datetime(1970, 1, 8, tzinfo=UTC),
    datetime(2037, 12, 24, tzinfo=UTC),
)

Key = tuple[str, date | datetime, bool]  # (uid, date or UTC instant, cancelled)


@dataclass(frozen=True)
class Difference:
    uids: frozenset[str]  # the events whose occurrences differ; all others must match
    reason: str


def _differs(reason: str, *uids: str) -> Difference:
    return Difference(frozenset(uids), reason)


# Files where some of our sessions legitimately differ from the reference, and why.
LEGITIMATE_DIFFERENCES: dict[str, Difference] = {
    # An RDATE (a PERIOD, 15:00 for two hours) on a date the rule already gives (12:00):
    # sessions are one per schedule per date, so the second meeting that day is not a
    # session of its own.
    "icalendar/calendars/rfc_7265_appendix_example_2_ical.ics": _differs(
        "one session per date", "00959BC664CA650E933C892C@example.com"
    ),
    # Events without a UID ("" here: compared by the UID the feed gave), imported with one
    # made from their content. Their RDATEs give times other than the series' (12:00 in
    # Berlin for an 08:00 New York series; 19:00 London in winter for a 20:00 series): a
    # schedule has one time, so an extra date is a session at the series' time.
    "icalendar/calendars/issue_722_missing_timezones.ics": _differs("RDATE at another time", ""),
    "recurring_ical_events/rdate_hackerpublicradio.ics": _differs("RDATE at another time", ""),
    # DURATION:P999999999999999999W cannot be read: we keep the event with the default hour
    # (as for an event with no end) and say so in the report; the reference refuses the series.
    "icalendar/calendars/invalid_duration.ics": _differs(
        "unreadable DURATION", "invalid-duration@example.com"
    ),
    # Exchange writes UNTIL for an all-day series as the UTC instant of the last day's local
    # midnight (UNTIL=20200916T230000Z for Thursday 17 September, BST). We read UNTIL in the
    # series' London time, where it is exactly the last occurrence, which RFC 5545 includes;
    # the reference drops it. (Its all-day moved instances agree.)
    "recurring_ical_events/issue_28_rrule_with_UTC_endinginZ.ics": _differs(
        "UTC UNTIL on an all-day series",
        "040000008200E00074C5B7101A82E00800000000017E1BADC42ED601000000000000000010000000"
        "FBF1FBAE2E9FBC4D81F16854E2F4D51B",
        "040000008200E00074C5B7101A82E00800000000C6B92310C52ED601000000000000000010000000"
        "605B5A30BB664D469D7A9A45CF7F2FB3",
    ),
    # RECURRENCE-ID;RANGE=THISANDFUTURE: we apply the change to that one date only and say
    # so in the import report; the reference moves every later occurrence too.
    "recurring_ical_events/issue_75_range_parameter.ics": _differs("THISANDFUTURE", "210"),
    # One occurrence of a timed series changed to an all-day event: a session cannot be all
    # day on its own, so it stays at the series' time, with a note in the report.
    "recurring_ical_events/recurring_events_changed_duration.ics": _differs(
        "instance made all day", "a0c78729-30b1-4ba3-a86e-6aedd995d788"
    ),
}


# Files whose kept events have no occurrences on either side, and why.
EMPTY_ON_BOTH_SIDES = {
    # A week-long all-day series whose UNTIL is before its DTSTART.
    "recurring_ical_events/issue_117_until_before_dtstart.ics",
}


def _parse(data: bytes) -> ParsedFeed | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return parse_calendar(data)
        except FeedError:
            return None


def _inside(when: date | datetime) -> bool:
    if isinstance(when, datetime):
        return INNER[0] <= when <= INNER[1]
    return INNER[0].date() <= when <= INNER[1].date()


def feed_uid(event: FeedEvent) -> str:
    """The UID the feed gave the event ("" for none), as the reference knows it: an event
    without a UID, or a changed instance imported on its own, has one made for it."""
    return event.uid if event.feed_uid is None else event.feed_uid


def ours(parsed: ParsedFeed) -> set[Key]:
    found: set[Key] = set()
    for event in parsed.events:
        for session in event.sessions(*WINDOW):
            start = datetime.fromisoformat(session["start"])
            key: date | datetime = start.date() if event.all_day else start.astimezone(UTC)
            if _inside(key):
                found.add((feed_uid(event), key, session["status"] == "cancelled"))
    return found


def _kept(component: Component, uids: set[str]) -> bool:
    """Whether our parser kept the VEVENT: as a series (or its change), or on its own."""
    uid = str(component.get("UID") or "").strip() or content_uid(component)
    if uid in uids:
        return True
    own = one_off_uid(uid, component) if "RECURRENCE-ID" in component else None
    return own is not None and own in uids


def reference(data: bytes, parsed: ParsedFeed) -> set[Key]:
    kept = {feed_uid(event): event for event in parsed.events}
    uids = {event.uid for event in parsed.events}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # icalendar keeps every zone a file defined for every later file that names it;
        # our parser reads each file alone, and so must the reference (a fresh cache).
        icalendar.use_zoneinfo()
        calendar = Calendar.from_ical(data)
        # Only the events we kept: the ones we skip (each with a reason) are not compared,
        # and some (no DTSTART) stop the reference altogether.
        calendar.subcomponents = [
            c for c in calendar.subcomponents if c.name != "VEVENT" or _kept(c, uids)
        ]
        # skip_bad_series: a series the reference cannot read (invalid_duration.ics) is left out.
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        components = query.between(WINDOW[0], WINDOW[1] + timedelta(days=1))
    found: set[Key] = set()
    for component in components:
        uid = str(component.get("UID") or "").strip()
        event = kept[uid]
        start = component.decoded("DTSTART")
        key: date | datetime
        if not isinstance(start, datetime):
            key = start
        elif start.tzinfo is None:
            key = start.replace(tzinfo=ZoneInfo(event.timezone)).astimezone(UTC)
        else:
            key = start.astimezone(UTC)
        cancelled = str(component.get("STATUS") or "").upper() == "CANCELLED"
        if _inside(key):
            found.add((uid, key, cancelled))
    return found


# The real calendars from which our parser keeps events (read once, when collected). Not
# read where only the tests that can reach the database run (tests/dbonce.py, CI's second
# run): none here can, so all are deselected there, and every worker of that run spent
# 3 s or more collecting these files only to drop their tests.
PARSED = {} if dbonce.enabled() else {path: _parse(path.read_bytes()) for path in ICS_FILES}
COMPARED = [path for path, parsed in PARSED.items() if parsed is not None and parsed.events]


@pytest.mark.parametrize("path", COMPARED, ids=ics_id)
def test_our_sessions_are_the_reference_occurrences(path: Path) -> None:
    data, parsed = path.read_bytes(), PARSED[path]
    assert parsed is not None
    mine, theirs = ours(parsed), reference(data, parsed)
    assert bool(mine or theirs) != (ics_id(path) in EMPTY_ON_BOTH_SIDES), "nothing to compare"
    allowed = LEGITIMATE_DIFFERENCES.get(ics_id(path), Difference(frozenset(), ""))
    if allowed.uids:
        # The listed events do differ (else the entry is stale and must go)...
        differing = {uid for uid, _, _ in mine ^ theirs}
        assert differing == allowed.uids, allowed.reason
        # ...and every other event of the file matches.
        mine = {key for key in mine if key[0] not in allowed.uids}
        theirs = {key for key in theirs if key[0] not in allowed.uids}
    assert sorted(mine - theirs, key=str)[:10] == [], "sessions the reference does not have"
    assert sorted(theirs - mine, key=str)[:10] == [], "occurrences we do not give"


def test_most_calendars_with_events_are_compared() -> None:
    # 114 of the 258 files give events we keep (the others are refused, fragments
    # without VCALENDAR, or only hold events we skip with a reason).
    assert len(COMPARED) >= 110
    assert set(LEGITIMATE_DIFFERENCES) <= {ics_id(path) for path in COMPARED}


# --- Small calendars for what the corpus lacks ------------------------------------------------

# A zone defined in the file under its own name, with the United States' rules: its clocks
# change two weeks before London's, when a series read in London time would be an hour out.
OUR_EASTERN = """
    BEGIN:VTIMEZONE
    TZID:Our Eastern
    BEGIN:STANDARD
    DTSTART:19701101T020000
    RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
    TZOFFSETFROM:-0400
    TZOFFSETTO:-0500
    TZNAME:EST
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:19700308T020000
    RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
    TZOFFSETFROM:-0500
    TZOFFSETTO:-0400
    TZNAME:EDT
    END:DAYLIGHT
    END:VTIMEZONE
"""

SMALL_CALENDARS = {
    "changes-without-their-series": calendar(
        vevent(
            "lost@test",
            "Moved walk",
            "RECURRENCE-ID;TZID=Europe/London:20260310T100000",
            "DTSTART;TZID=Europe/London:20260311T140000",
            "DTEND;TZID=Europe/London:20260311T153000",
        ),
        vevent(
            "lost@test",
            "Cancelled walk",
            "RECURRENCE-ID;TZID=Europe/London:20260317T100000",
            "DTSTART;TZID=Europe/London:20260317T100000",
            "STATUS:CANCELLED",
        ),
        vevent(
            "day@test",
            "Fete moved",
            "RECURRENCE-ID;VALUE=DATE:20260404",
            "DTSTART;VALUE=DATE:20260405",
        ),
    ),
    "events-without-a-uid": calendar(
        "BEGIN:VEVENT\nSUMMARY:Litter pick\nDTSTART;TZID=Europe/London:20260307T100000\nEND:VEVENT",
        "BEGIN:VEVENT\nSUMMARY:Quiz\nDTSTART:20260312T190000Z\nRRULE:FREQ=WEEKLY;COUNT=4\nEND:VEVENT",
        "BEGIN:VEVENT\nSUMMARY:Fair\nDTSTART;VALUE=DATE:20260620\nEND:VEVENT",
    ),
    "a-zone-defined-in-the-file": calendar(
        vevent(
            "call@test",
            "Call with our friends in Boston",
            "DTSTART;TZID=Our Eastern:20260302T100000",
            "DTEND;TZID=Our Eastern:20260302T110000",
            "RRULE:FREQ=WEEKLY;UNTIL=20261130T150000Z",
            "EXDATE;TZID=Our Eastern:20260316T100000",
        ),
        vevent(
            "call@test",
            "Call with our friends in Boston",
            "RECURRENCE-ID;TZID=Our Eastern:20260323T100000",
            "DTSTART;TZID=Our Eastern:20260324T090000",
        ),
        header=OUR_EASTERN,
    ),
}


@pytest.mark.parametrize("name", SMALL_CALENDARS)
def test_small_calendars_agree_with_the_reference(name: str) -> None:
    data = SMALL_CALENDARS[name]
    parsed = _parse(data)
    assert parsed is not None and parsed.events
    mine, theirs = ours(parsed), reference(data, parsed)
    assert mine and mine == theirs
