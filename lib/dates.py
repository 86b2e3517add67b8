"""The window of dates the site accepts, and dates in words.

Everything that takes a date from a person or a file and does arithmetic with it
(an RRULE's expansion, a calendar file's UNTIL in UTC, the end of a day for a
filter) is held to this window, so that year 1 or 9999 is a clear message, not a
server error."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone

# The dates the site accepts (a schedule, a moved session, a filter). Nothing here ran before
# 2000, and nothing is planned more than ten years ahead; outside these, date
# arithmetic (an RRULE's expansion, a calendar file's UNTIL in UTC) runs off the
# end of the calendar at year 1 or 9999, or takes very long to get anywhere.
EARLIEST_DATE = date(2000, 1, 1)
YEARS_AHEAD = 10


def date_window(today: date | None = None) -> tuple[date, date]:
    """The first and last date a schedule's dates may be on."""
    return EARLIEST_DATE, (today or timezone.localdate()) + relativedelta(years=YEARS_AHEAD)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def outside_window(day: date, what: str, today: date | None = None) -> str | None:
    """A message saying which dates `what` may be, if `day` is outside them; else None."""
    first, last = date_window(today)
    if first <= day <= last:
        return None
    return f"Enter {what} between {long_date(first)} and {long_date(last)}"


def day_span(first: date, last: date, *, year: bool = False) -> str:
    """Days as people say them: "Tuesday 8 December", or a span, "Friday 24 to Monday
    27 August" ("Friday 31 July to Monday 3 August"; years only when they differ or
    `year` asks for one)."""
    with_year = year or first.year != last.year
    if first == last:
        return f"{first:%A} {first.day} {first:%B}" + (f" {first.year}" if year else "")
    end = f"{last:%A} {last.day} {last:%B}" + (f" {last.year}" if with_year else "")
    if first.year != last.year:
        return f"{first:%A} {first.day} {first:%B} {first.year} to {end}"
    if (first.year, first.month) != (last.year, last.month):
        return f"{first:%A} {first.day} {first:%B} to {end}"
    return f"{first:%A} {first.day} to {end}"
