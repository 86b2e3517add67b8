"""Recurrence: RFC 5545 rules expanded into dated occurrences, and described in words.

Schedules are stored as RFC 5545 parts (a start date and local times, an RRULE,
EXDATE and RDATE dates) in Europe/London wall-clock time: "every Tuesday
10:00-12:00" stays 10:00 across the clock changes. Expansion uses
python-dateutil's rrule, the reference implementation most calendar software
in Python builds on.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import rrule, rrulestr

from lib.dates import day_span

LONDON = ZoneInfo("Europe/London")

# The most frequent rule a community activity can have; anything finer
# (HOURLY, MINUTELY, SECONDLY) would explode into absurd numbers of sessions.
ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
ALLOWED_PARTS = {
    "FREQ",
    "INTERVAL",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "UNTIL",
    "COUNT",
    "WKST",
}
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The longest a session may last, in days after the day it starts: a session touches
# at most two weeks of dates (a festival, an awareness week, a holiday club), which
# bounds how far back a search for "on or after this day" looks for one still running.
MAX_DURATION_DAYS = 13
ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", -1: "Last"}


class RecurrenceError(ValueError):
    """A rule that cannot be used; str(error) is a message for the person who entered it."""


@dataclass(frozen=True)
class Occurrence:
    date: date
    start: datetime
    end: datetime


def normalise_rrule(text: str, zone: ZoneInfo = LONDON) -> str:
    """Check an RRULE and return it in canonical form ("FREQ=WEEKLY;BYDAY=TU").

    Accepts an optional "RRULE:" prefix and any case. Refuses rules dateutil
    cannot parse, parts this platform does not use (DTSTART, BYHOUR, …) and
    frequencies finer than daily.
    """
    rule = (text or "").strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    if not rule:
        return ""
    parts: dict[str, str] = {}
    for chunk in rule.split(";"):
        if not chunk:
            continue
        name, sep, value = chunk.partition("=")
        if not sep or not value:
            raise RecurrenceError(f"Enter the rule as NAME=VALUE parts: {chunk!r} has no value")
        if name not in ALLOWED_PARTS:
            raise RecurrenceError(f"{name} cannot be used in a rule here")
        if name in parts:
            raise RecurrenceError(f"{name} is given twice")
        parts[name] = value
    frequency = parts.get("FREQ")
    if frequency is None:
        raise RecurrenceError("The rule needs a FREQ, like FREQ=WEEKLY")
    if frequency not in ALLOWED_FREQUENCIES:
        raise RecurrenceError(
            "Activities can repeat daily, weekly, monthly or yearly, not more often"
        )
    if "UNTIL" in parts and "COUNT" in parts:
        raise RecurrenceError("Give an end date (UNTIL) or a number of times (COUNT), not both")
    for name, low, high in (("INTERVAL", 1, 99), ("COUNT", 1, 1000)):
        number = parts.get(name)
        if number is not None and (not number.isdigit() or not low <= int(number) <= high):
            raise RecurrenceError(f"{name} must be a whole number from {low} to {high}")
    if "UNTIL" in parts:
        parts["UNTIL"] = _local_until(parts["UNTIL"], zone)
    _refuse_impossible_dates(parts)
    canonical = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        # Expansion is in naive local wall-clock time by design (see the module docstring).
        reference = datetime(2026, 1, 1, 10, 0)  # noqa: DTZ001
        expanded = rrulestr(_naive_until(canonical), dtstart=reference)
        # A rule must happen within five years of starting: its first occurrence is
        # enough to know (expanding the five years cost half of a feed's parse time).
        first = next(iter(expanded), None)
        ahead = first is not None and first <= reference + timedelta(days=5 * 366)
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"The rule is not valid RFC 5545: {exc}") from None
    if not ahead and "UNTIL" not in parts and "COUNT" not in parts:
        raise RecurrenceError("The rule never happens: check the days and months in it")
    return canonical


def _refuse_impossible_dates(parts: dict[str, str]) -> None:
    """Refuse month days no month has (30 February), before dateutil searches for them.

    (dateutil looks for a first occurrence year by year until 9999.)
    """
    if "BYMONTHDAY" not in parts:
        return
    try:
        days = [int(d) for d in parts["BYMONTHDAY"].split(",")]
        months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else []
    except ValueError:
        raise RecurrenceError("BYMONTHDAY and BYMONTH must be numbers") from None
    lengths = [calendar.monthrange(2028, m)[1] for m in (months or range(1, 13)) if 1 <= m <= 12]
    if not any(0 < abs(day) <= length for day in days for length in lengths):
        raise RecurrenceError("The rule never happens: no month has those days")


def _local_until(value: str, zone: ZoneInfo = LONDON) -> str:
    """UNTIL as wall-clock time in the schedule's zone: calendar apps send it in UTC."""
    if value.endswith("Z") and len(value) == 16:
        try:
            utc = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise RecurrenceError(f"UNTIL={value} is not a date and time") from None
        return f"{utc.astimezone(zone):%Y%m%dT%H%M%S}"
    if not re.fullmatch(r"\d{8}(T\d{6})?", value):
        raise RecurrenceError(f"UNTIL={value} is not a date like 20270731")
    return value


def rfc_date(value: str) -> date:
    """The date of an RFC 5545 DATE or DATE-TIME value ("20260317" or "20260317T235959Z")."""
    return date(int(value[0:4]), int(value[4:6]), int(value[6:8]))


def _rule(start_date: date, start_time: time, rule: str) -> rrule:
    dtstart = datetime.combine(start_date, start_time)
    parsed = rrulestr(_naive_until(rule), dtstart=dtstart)
    assert isinstance(parsed, rrule)
    return parsed


def _naive_until(rule: str) -> str:
    """UNTIL in the form expansion needs: local, naive, and a whole last day.

    An UNTIL with a time zone ("…Z") cannot be compared with naive local
    starts, so the zone is dropped; a bare date ("until 17 March") means
    sessions on that day too, so it becomes the end of that day.
    """
    parts = []
    for chunk in rule.split(";"):
        if chunk.startswith("UNTIL="):
            value = chunk[len("UNTIL=") :].rstrip("Z")
            if len(value) == 8:
                value += "T235959"
            chunk = f"UNTIL={value}"
        parts.append(chunk)
    return ";".join(parts)


def local_datetime(day: date, at: time, zone: ZoneInfo = LONDON) -> datetime:
    """A wall-clock time as an aware datetime (in London: GMT or BST as that day has it)."""
    return datetime.combine(day, at, tzinfo=zone)


@lru_cache(maxsize=64)
def _bank_holidays_in(year: int) -> frozenset[date]:
    # England and Wales share their bank holidays; the library follows each
    # year's proclamations (substitute days, one-off holidays), so no list is kept here.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holidays(first: date, last: date) -> set[date]:
    """England and Wales bank holidays from `first` to `last`, both included.

    Christmas Day and Boxing Day count on the day as well as on their
    substitute weekday, as people expect a group to be off on both.
    """
    found: set[date] = set()
    for year in range(first.year, last.year + 1):
        found.update(d for d in _bank_holidays_in(year) if first <= d <= last)
    return found


def occurrences(
    *,
    start_date: date,
    start_time: time,
    end_time: time,
    rule: str,
    exdates: Iterable[date] = (),
    rdates: Iterable[date] = (),
    window_start: date,
    window_end: date,
    zone: ZoneInfo = LONDON,
    skip_bank_holidays: bool = False,
    duration_days: int = 0,
) -> list[Occurrence]:
    """Every occurrence whose date falls in [window_start, window_end], in order.

    One occurrence per date at most (activities repeat daily at the finest),
    which is what lets sessions be keyed by their date. With `skip_bank_holidays`,
    none on a bank holiday, unless the date is one of the extra dates (named by hand).
    Each ends `duration_days` after the day it starts (a festival weekend), at `end_time`.
    """
    rdates = list(rdates)
    excluded = set(exdates)
    if skip_bank_holidays:
        excluded |= bank_holidays(window_start, window_end) - set(rdates)
    dates: set[date] = set()
    if rule:
        first = datetime.combine(max(start_date, window_start), time.min)
        last = datetime.combine(window_end, time.max)
        for when in _rule(start_date, start_time, rule).between(first, last, inc=True):
            dates.add(when.date())
    elif window_start <= start_date <= window_end:
        dates.add(start_date)
    dates.update(d for d in rdates if window_start <= d <= window_end and d >= start_date)
    result = []
    for day in sorted(dates - excluded):
        start, end = session_times(day, start_time, end_time, zone, duration_days)
        result.append(Occurrence(date=day, start=start, end=end))
    return result


def session_times(
    day: date, start_time: time, end_time: time, zone: ZoneInfo = LONDON, duration_days: int = 0
) -> tuple[datetime, datetime]:
    """The start and end of a session starting on `day` and ending `duration_days`
    later, the end always after the start."""
    start = _instant(local_datetime(day, start_time, zone), zone)
    end = _instant(local_datetime(day + timedelta(days=duration_days), end_time, zone), zone)
    if end.astimezone(UTC) <= start.astimezone(UTC):
        # Validation keeps end after start on the clock, but on the night the
        # clocks go forward a time in the skipped hour means the same instant
        # as one an hour later (RFC 5545 3.3.5): keep the session's length.
        length = max(_clock_length(start_time, end_time), timedelta(hours=1))
        end = (start.astimezone(UTC) + length).astimezone(zone)
    return start, end


def _instant(moment: datetime, zone: ZoneInfo) -> datetime:
    """The real instant a wall-clock time names, back in `zone`.

    A time in the hour the clocks skip comes back as the wall-clock time it names
    (01:30 on the spring-forward night is 02:30 BST). Aware datetimes sharing a
    ZoneInfo compare and subtract by wall clock, so compare in UTC.
    """
    return moment.astimezone(UTC).astimezone(zone)


def _clock_length(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def first_date(*, start_date: date, start_time: time, rule: str) -> date:
    """The date of the first occurrence: RFC 5545 makes DTSTART the first instance,
    so a file must start on a day the rule produces (a "first date" of Monday with
    "every Tuesday" starts on the Tuesday)."""
    if not rule:
        return start_date
    begin = datetime.combine(start_date, time.min)
    found = _rule(start_date, start_time, rule).between(
        begin, begin + timedelta(days=5 * 366), inc=True
    )
    return found[0].date() if found else start_date


# --- In words ------------------------------------------------------------------


def _parts(rule: str) -> dict[str, str]:
    return dict(chunk.split("=", 1) for chunk in rule.split(";") if "=" in chunk)


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _day_of(code: str) -> tuple[int | None, str]:
    """'-1FR' -> (-1, 'Friday'); 'TU' -> (None, 'Tuesday')."""
    position = code[:-2]
    name = DAY_NAMES[DAY_CODES.index(code[-2:])]
    return (int(position) if position else None), name


def _long_date(day: date) -> str:
    return f"{DAY_NAMES[day.weekday()]} {day.day} {day:%B %Y}"


def _ordinal_day(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_LIMITS = {"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST"}


def _weekdays(codes: str) -> list[tuple[int | None, str]]:
    return [_day_of(code) for code in codes.split(",")]


def _pattern(parts: dict[str, str], start_date: date) -> str | None:
    """The repeating part in words, or None for a combination it does not describe."""
    frequency = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1"))
    extra = set(parts) - _LIMITS
    days = _weekdays(parts["BYDAY"]) if "BYDAY" in parts else []
    plain_days = all(position is None for position, _ in days)
    if frequency in ("WEEKLY", "DAILY") and extra <= {"BYDAY"} and plain_days:
        names = [name for _, name in days]
        if frequency == "DAILY" and not names:
            return "Every day" if interval == 1 else f"Every {interval} days"
        if frequency == "DAILY" and interval != 1:
            return None
        names = names or [DAY_NAMES[start_date.weekday()]]
        if interval == 1:
            return f"Every {_join(names)}"
        if interval == 2:
            return f"Every other {_join(names)}"
        return f"Every {interval} weeks on {_join(names)}"
    if frequency == "MONTHLY":
        if extra == {"BYDAY"} and all(position is not None for position, _ in days):
            described = [f"{ORDINALS.get(p or 0, str(p))} {name}" for p, name in days]
            text = f"{_join(described)} of the month"
        elif extra == {"BYDAY", "BYSETPOS"} and plain_days and "," not in parts["BYSETPOS"]:
            nth = int(parts["BYSETPOS"])
            text = f"{ORDINALS.get(nth, str(nth))} {_join([n for _, n in days])} of the month"
        elif extra == {"BYMONTHDAY"}:
            numbers = [int(n) for n in parts["BYMONTHDAY"].split(",")]
            if any(n < 1 for n in numbers):
                return None
            text = f"Every month on the {_join([_ordinal_day(n) for n in numbers])}"
        elif not extra:
            text = f"Every month on the {_ordinal_day(start_date.day)}"
        else:
            return None
        if interval == 2:
            text += ", every other month"
        elif interval > 2:
            text += f", every {interval} months"
        return text
    if frequency == "YEARLY" and not extra:
        every = "Every year" if interval == 1 else f"Every {interval} years"
        return f"{every} on {start_date.day} {start_date:%B}"
    return None


def _times(start_time: time, end_time: time, all_day: bool, duration_days: int) -> str:
    """ "10:00 to 12:00", "all day", "all day, for 3 days", "18:00 to 02:00 the next day"."""
    if all_day:
        return f"all day, for {duration_days + 1} days" if duration_days else "all day"
    times = f"{start_time:%H:%M} to {end_time:%H:%M}"
    if duration_days == 1:
        return f"{times} the next day"
    if duration_days:
        return f"{times}, {duration_days} days later"
    return times


def describe(
    *,
    start_date: date,
    start_time: time,
    end_time: time,
    rule: str,
    exdates: Iterable[date] = (),
    rdates: Iterable[date] = (),
    all_day: bool = False,
    skip_bank_holidays: bool = False,
    duration_days: int = 0,
) -> str:
    """The schedule as people say it: "Every other Tuesday, 10:00 to 12:00"."""
    times = _times(start_time, end_time, all_day, duration_days)
    if not rule and duration_days:
        last = start_date + timedelta(days=duration_days)
        if all_day:
            text = f"Once, {day_span(start_date, last, year=True)}, all day"
        else:
            text = (
                f"Once, from {_long_date(start_date)} at {start_time:%H:%M} "
                f"to {last:%A} {last.day} {last:%B} at {end_time:%H:%M}"
            )
        extra = sorted(rdates)
        if extra:
            text += f", and from {_join([_long_date(d) for d in extra])}"
        return text
    if not rule:
        text = f"Once, on {_long_date(start_date)}, {times}"
        extra = sorted(rdates)
        if extra:
            text += f", and on {_join([_long_date(d) for d in extra])}"
        return text
    parts = _parts(rule)
    try:
        pattern = _pattern(parts, start_date)
    except (ValueError, KeyError, IndexError):
        pattern = None
    # A rule the plain-words describer does not cover: say so, and show it.
    text = pattern or f"Repeats to a pattern ({rule})"
    text += f", {times}"
    if "UNTIL" in parts:
        try:
            until = rfc_date(parts["UNTIL"])
        except ValueError:
            # A stored rule the forms would refuse: say it as it is rather than fail.
            text += f", until {parts['UNTIL']}"
        else:
            text += f", until {until.day} {until:%B %Y}"
    elif "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    text += f", from {start_date.day} {start_date:%B %Y}"
    if skip_bank_holidays:
        text += ", not on bank holidays"
    skipped = sorted(exdates)
    if skipped:
        if len(skipped) <= 3:
            text += f", except {_join([f'{d.day} {d:%b %Y}' for d in skipped])}"
        else:
            text += f", except on {len(skipped)} dates"
    return text
