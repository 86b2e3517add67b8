"""Storing what real calendars send that the first importer left out: changed dates whose
series is not in the feed, events without a UID, and zones the file defines itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inspiring.directory.models import Activity, Organisation, Session
from inspiring.feeds.ical import parse_calendar
from inspiring.feeds.importing import store
from inspiring.feeds.models import FeedItem, FeedSource

from .conftest import calendar, make_source, vevent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def sessions(source: FeedSource) -> list[tuple[str, datetime, str]]:
    return [
        (s.activity.title, s.start.astimezone(UTC), s.status)
        for s in Session.objects.filter(activity__feed_items__source=source)
        .select_related("activity")
        .order_by("start")
    ]


def test_changes_whose_series_is_not_in_the_feed_are_listed_as_single_sessions(
    trusted_org: Organisation,
) -> None:
    moved = vevent(
        "lost@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20260310T100000",
        "DTSTART;TZID=Europe/London:20260311T140000",
        "DTEND;TZID=Europe/London:20260311T153000",
    )
    cancelled = vevent(
        "lost@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20260317T100000",
        "DTSTART;TZID=Europe/London:20260317T100000",
        "STATUS:CANCELLED",
    )
    source = make_source(trusted_org)
    report = store(source, parse_calendar(calendar(moved, cancelled)))
    # The moved date is an activity with its one session; the cancelled one lists nothing.
    assert (report.created, report.skipped) == (
        1,
        [("lost@test#20260317T100000Z", "the event is cancelled")],
    )
    assert sessions(source) == [
        ("Health walk", datetime(2026, 3, 11, 14, tzinfo=UTC), Session.Status.SCHEDULED)
    ]
    item = FeedItem.objects.get(source=source)
    assert item.uid == "lost@test#20260310T100000Z"
    assert item.activity.status == Activity.Status.PUBLISHED
    # Imported again: the same activity, unchanged.
    again = store(source, parse_calendar(calendar(moved, cancelled)))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_an_event_without_a_uid_matches_itself_at_the_next_import(
    trusted_org: Organisation,
) -> None:
    def feed(title: str) -> bytes:
        return calendar(
            f"BEGIN:VEVENT\nSUMMARY:{title}\nDTSTART:20260307T100000Z\nDTEND:20260307T120000Z\n"
            "LOCATION:Kings Mill Reservoir\nEND:VEVENT"
        )

    source = make_source(trusted_org)
    assert store(source, parse_calendar(feed("Litter pick"))).created == 1
    again = store(source, parse_calendar(feed("Litter pick")))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    # A new title is a new event: nothing else could tell it from a replaced one.
    renamed = store(source, parse_calendar(feed("Big litter pick")))
    assert (renamed.created, renamed.withdrawn) == (1, 1)
    assert sessions(source) == [
        ("Big litter pick", datetime(2026, 3, 7, 10, tzinfo=UTC), Session.Status.SCHEDULED)
    ]


def test_a_series_in_a_zone_the_file_defines_keeps_that_zones_clock(
    trusted_org: Organisation,
) -> None:
    eastern = """
        BEGIN:VTIMEZONE
        TZID:Our Eastern
        BEGIN:STANDARD
        DTSTART:19701101T020000
        RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
        TZOFFSETFROM:-0400
        TZOFFSETTO:-0500
        END:STANDARD
        BEGIN:DAYLIGHT
        DTSTART:19700308T020000
        RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
        TZOFFSETFROM:-0500
        TZOFFSETTO:-0400
        END:DAYLIGHT
        END:VTIMEZONE
    """
    source = make_source(trusted_org)
    store(
        source,
        parse_calendar(
            calendar(
                vevent(
                    "call@test",
                    "Call with Boston",
                    "DTSTART;TZID=Our Eastern:20260302T100000",
                    "DTEND;TZID=Our Eastern:20260302T110000",
                    "RRULE:FREQ=WEEKLY;COUNT=3",
                ),
                header=eastern,
            )
        ),
    )
    item = FeedItem.objects.select_related("schedule").get(source=source)
    assert item.schedule is not None and item.schedule.timezone == "America/New_York"
    # 15:00 UTC, then 14:00 UTC from 8 March, when the United States' clocks change.
    assert [start for _, start, _ in sessions(source)] == [
        datetime(2026, 3, 2, 15, tzinfo=UTC),
        datetime(2026, 3, 9, 14, tzinfo=UTC),
        datetime(2026, 3, 16, 14, tzinfo=UTC),
    ]
