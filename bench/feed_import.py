"""Benchmark: importing calendar feeds, beside icalendar + recurring-ical-events alone.

    make bench          (or: DEBUG=1 .venv/bin/python bench/feed_import.py [--sizes 500 5000])

Writes synthetic feeds of 500 and 5,000 events (weekly and monthly rules,
each with excluded dates and one moved instance, times in Europe/London),
then for each size reports:
- the peer: icalendar parsing the file and recurring-ical-events expanding
  every event over the same one-year window (no database);
- our first import (parse, compare, bulk write, sessions materialised over
  the horizon): events per second and SQL queries per 100 sessions written;
- re-importing the unchanged feed through the importer's read and store steps
  (the fetch-level content hash would skip it before parsing: that time too);
- re-importing it with only every DTSTAMP changed, as Google's feeds are at every
  fetch (the content hash differs; each event's raw fingerprint does not, so no
  event is parsed): its time as a share of the first import's;
- re-importing it with every event renamed (all rewritten, in bulk);
- how the 5,000-event import compares with ten times the 500-event one.
Uses a throw-away SQLite database, or DATABASE_URL if set (it must be empty).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
_tmp = tempfile.TemporaryDirectory()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django

django.setup()

import recurring_ical_events
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from inspiring.areas.models import Area
from inspiring.directory.models import Organisation, Session
from inspiring.feeds.importing import ImportReport, read_feed, store
from inspiring.feeds.models import FeedSource

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def synthetic_feed(
    events: int, start: date, *, title: str = "Group", stamped: str = "T000000Z"
) -> bytes:
    """A calendar of `events` recurring events: weekly and monthly, with exceptions.
    `stamped`: the time of day of every DTSTAMP (Google writes the time of the fetch)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Inspiring//bench//EN",
        "X-WR-CALNAME:Bench partner",
    ]
    for n in range(events):
        day = DAYS[n % 7]
        first = start + timedelta(days=(n % 7))
        hour = 9 + n % 10
        stamp = f"{first:%Y%m%d}T{hour:02d}0000"
        end = f"{first:%Y%m%d}T{hour + 1:02d}3000"
        rule = f"FREQ=WEEKLY;BYDAY={day}" if n % 3 else f"FREQ=MONTHLY;BYDAY=1{day}"
        skipped = first + timedelta(days=28)
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{n}@example.org",
            f"DTSTAMP:{start:%Y%m%d}{stamped}",
            f"SUMMARY:{title} {n}",
            f"DESCRIPTION:A friendly group number {n}. Everyone welcome.",
            f"LOCATION:Hall {n % 50}",
            f"DTSTART;TZID=Europe/London:{stamp}",
            f"DTEND;TZID=Europe/London:{end}",
            f"RRULE:{rule}",
            f"EXDATE;TZID=Europe/London:{skipped:%Y%m%d}T{hour:02d}0000",
            "END:VEVENT",
        ]
        if n % 3:  # weekly: one instance moved an hour later
            moved = first + timedelta(days=14)
            lines += [
                "BEGIN:VEVENT",
                f"UID:bench-{n}@example.org",
                f"DTSTAMP:{start:%Y%m%d}{stamped}",
                f"RECURRENCE-ID;TZID=Europe/London:{moved:%Y%m%d}T{hour:02d}0000",
                f"SUMMARY:{title} {n} (moved)",
                f"DTSTART;TZID=Europe/London:{moved:%Y%m%d}T{hour + 1:02d}0000",
                f"DTEND;TZID=Europe/London:{moved:%Y%m%d}T{hour + 2:02d}3000",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def peer(content: bytes, start: date, end: date) -> tuple[float, int]:
    began = time.perf_counter()
    calendar = Calendar.from_ical(content)
    count = len(recurring_ical_events.of(calendar).between(start, end))
    return time.perf_counter() - began, count


def import_feed(source: FeedSource, content: bytes) -> ImportReport:
    """What run_import does once the feed is fetched: read what changed, store it."""
    parsed, raw_fingerprints, unread = read_feed(source, content)
    return store(source, parsed, raw_fingerprints=raw_fingerprints, unread=unread)


def ours(content: bytes, organisation: Organisation) -> tuple[float, int, int, FeedSource]:
    source = FeedSource.objects.create(
        organisation=organisation, url=f"https://example.org/{len(content)}.ics"
    )
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        import_feed(source, content)
        took = time.perf_counter() - began
    sessions = Session.objects.filter(activity__feed_items__source=source).count()
    return took, len(queries), sessions, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_geography", verbosity=0, stdout=io.StringIO())
    area = Area.objects.create(name="Bench", slug="bench", programme_name="Bench")
    organisation = Organisation.objects.create(
        home_area=area, name="Bench partner", kind=Organisation.Kind.COMMUNITY_GROUP, trusted=True
    )
    today = timezone.localdate()
    window_end = today + timedelta(days=365)
    print(f"database: {connection.vendor}; window {today} to {window_end}")
    first_import: dict[int, float] = {}
    for size in args.sizes:
        content = synthetic_feed(size, today)
        peer_time, peer_count = peer(content, today, window_end)
        took, queries, sessions, source = ours(content, organisation)
        first_import[size] = took
        print(f"\n{size} events ({len(content) / 1e6:.1f} MB), one-year window")
        print(
            f"  peer  icalendar + recurring-ical-events parse and expand: {peer_time:7.2f} s"
            f"  ({size / peer_time:,.0f} events/s, {peer_count:,} occurrences)"
        )
        print(
            f"  ours  first import (parse, bulk write, sessions):         {took:7.2f} s"
            f"  ({size / took:,.0f} events/s, {sessions:,} sessions over the horizon)"
        )
        print(
            f"        SQL queries: {queries} in all, "
            f"{100 * queries / max(sessions, 1):.2f} per 100 sessions"
        )
        with CaptureQueriesContext(connection) as again:
            began = time.perf_counter()
            report = import_feed(source, content)
            unchanged = time.perf_counter() - began
        assert report.unchanged == size and not report.changed, report
        print(
            f"  ours  re-import unchanged (read + compare):              {unchanged:7.2f} s"
            f"  ({len(again)} queries)"
        )
        restamped = synthetic_feed(size, today, stamped="T101500Z")
        assert hashlib.sha256(restamped).digest() != hashlib.sha256(content).digest()
        with CaptureQueriesContext(connection) as stamped:
            began = time.perf_counter()
            report = import_feed(source, restamped)
            only_stamps = time.perf_counter() - began
        assert report.unchanged == size and not report.changed, report
        print(
            f"  ours  re-import, only DTSTAMP changed (nothing parsed):  {only_stamps:7.2f} s"
            f"  ({len(stamped)} queries; {100 * only_stamps / took:.1f} % of a first import)"
        )
        renamed = synthetic_feed(size, today, title="Renamed group")
        with CaptureQueriesContext(connection) as changed:
            began = time.perf_counter()
            report = import_feed(source, renamed)
            rewritten = time.perf_counter() - began
        assert report.updated == size, report
        print(
            f"  ours  re-import, every event changed (bulk rewrite):     {rewritten:7.2f} s"
            f"  ({len(changed)} queries)"
        )
        began = time.perf_counter()
        hashlib.sha256(content).hexdigest()
        print(
            "  ours  re-fetch unchanged (content hash, nothing parsed):  "
            f"{(time.perf_counter() - began) * 1000:7.2f} ms"
        )
    if 500 in first_import and 5000 in first_import:
        ratio = first_import[5000] / (10 * first_import[500])
        print(
            f"\n5,000-event import {first_import[5000]:.2f} s vs 10 x 500-event "
            f"{10 * first_import[500]:.2f} s: {ratio:.2f}x (1.00 = linear)"
        )


if __name__ == "__main__":
    main()
