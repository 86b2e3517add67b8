"""A demo calendar feed: one partner keeps its walks in an online calendar.

The calendar is written with the icalendar library relative to today (like the
rest of the demo), with what real feeds carry: a weekly series in London time
with a moved and a cancelled date, a fortnightly all-day event and a one-off.
Its address is fictional (example.org), so the demo imports these bytes
directly; pressing "Try again" on the feed page shows how a failing feed looks.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from icalendar import Calendar, Event

from inspiring.directory.models import Category, Organisation
from inspiring.directory.recurrence import LONDON
from inspiring.feeds.importing import run_import
from inspiring.feeds.models import FeedSource

DEMO_FEED_URL = "https://calendar.example.org/demo/walks-and-talks.ics"


def _next(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def demo_calendar(today: date) -> bytes:
    """The partner's calendar as an iCalendar file."""
    calendar = Calendar()
    calendar.add("prodid", "-//Inspiring demo//Walks and talks//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Walks and talks")
    calendar.add("x-wr-timezone", "Europe/London")
    stamp = datetime(today.year, 1, 1, tzinfo=LONDON)

    def event(uid: str, summary: str, **fields: object) -> Event:
        item = Event()
        item.add("uid", f"{uid}@walks.example.org")
        item.add("dtstamp", stamp)
        item.add("summary", summary)
        for name, value in fields.items():
            item.add(name.replace("_", "-"), value)
        calendar.add_component(item)
        return item

    tuesday = _next(today, 1) - timedelta(weeks=4)
    start = datetime.combine(tuesday, time(10), tzinfo=LONDON)
    event(
        "tuesday-walk",
        "Tuesday health walk",
        dtstart=start,
        dtend=start + timedelta(minutes=90),
        rrule={"freq": "weekly", "byday": "TU"},
        location="Kings Mill Reservoir car park",
        description="A gentle 3 mile walk at the pace of the slowest walker.\n\n"
        "Wear comfortable shoes; we finish with a cup of tea.",
    )
    moved = start + timedelta(weeks=6)
    event(
        "tuesday-walk",
        "Tuesday health walk",
        recurrence_id=moved,
        dtstart=moved + timedelta(days=1, hours=4),
        dtend=moved + timedelta(days=1, hours=5, minutes=30),
        description="Moved to Wednesday afternoon this week.",
    )
    cancelled = start + timedelta(weeks=8)
    event(
        "tuesday-walk",
        "Tuesday health walk",
        recurrence_id=cancelled,
        dtstart=cancelled,
        status="CANCELLED",
    )
    event(
        "litter-pick",
        "Community litter pick",
        dtstart=_next(today, 5) + timedelta(weeks=1),
        rrule={"freq": "weekly", "interval": 2, "byday": "SA", "count": 12},
        description="Gloves and pickers provided. Children welcome with an adult.",
    )
    talk = datetime.combine(_next(today, 3) + timedelta(weeks=2), time(18, 30), tzinfo=LONDON)
    event(
        "history-talk",
        "Talk: the mills of the Maun valley",
        dtstart=talk,
        dtend=talk + timedelta(hours=1, minutes=30),
        description="An illustrated talk by a local historian. Free, no need to book.",
    )
    return calendar.to_ical()


def load_demo_feed(organisation: Organisation, today: date) -> FeedSource:
    """Link the demo calendar to `organisation` and import it (once)."""
    source, made = FeedSource.objects.get_or_create(
        organisation=organisation,
        url=DEMO_FEED_URL,
        defaults={"name": "Walks and talks", "default_venue": organisation.venues.first()},
    )
    if made:
        source.default_categories.set(
            Category.objects.filter(slug__in=("walking", "social-and-friendship"))
        )
        run_import(source, force=True, content=demo_calendar(today))
    return source
