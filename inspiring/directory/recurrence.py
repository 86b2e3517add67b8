"""Recurrence: RFC 5545 rules expanded into dated occurrences, and described in words.

Schedules are stored as RFC 5545 parts (a start date and local times, an RRULE,
EXDATE and RDATE dates) in Europe/London wall-clock time: "every Tuesday
10:00-12:00" stays 10:00 across the clock changes. Expansion uses
python-dateutil's rrule, the reference implementation most calendar software
in Python builds on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

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
ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", -1: "Last"}


class RecurrenceError(ValueError):
    """A rule that cannot be used; str(error) is a message for the person who entered it."""


@dataclass(frozen=True)
class Occurrence:
    date: date
    start: datetime
    end: datetime


def normalise_rrule(text: str) -> str:
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
    canonical = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        # Expansion is in naive local wall-clock time by design (see the module docstring).
        rrulestr(canonical, dtstart=datetime(2026, 1, 1, 10, 0))  # noqa: DTZ001
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"The rule is not valid RFC 5545: {exc}") from None
    return canonical


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


def local_datetime(day: date, at: time) -> datetime:
    """A wall-clock time in London as an aware datetime (GMT or BST as that day has it)."""
    return datetime.combine(day, at, tzinfo=LONDON)


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
) -> list[Occurrence]:
    """Every occurrence whose date falls in [window_start, window_end], in order.

    One occurrence per date at most (activities repeat daily at the finest),
    which is what lets sessions be keyed by their date.
    """
    excluded = set(exdates)
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
        start = local_datetime(day, start_time)
        end = local_datetime(day, end_time)
        if end <= start:  # guarded by validation; never make a negative session
            end = start + timedelta(hours=1)
        result.append(Occurrence(date=day, start=start, end=end))
    return result


def first_date(*, start_date: date, start_time: time, rule: str) -> date:
    """The date of the first occurrence: RFC 5545 makes DTSTART the first instance,
    so a file must start on a day the rule produces (a "first date" of Monday with
    "every Tuesday" starts on the Tuesday)."""
    if not rule:
        return start_date
    found = _rule(start_date, start_time, rule).after(
        datetime.combine(start_date, time.min), inc=True
    )
    return found.date() if found is not None else start_date


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


def describe(
    *,
    start_date: date,
    start_time: time,
    end_time: time,
    rule: str,
    exdates: Iterable[date] = (),
    rdates: Iterable[date] = (),
) -> str:
    """The schedule as people say it: "Every other Tuesday, 10:00 to 12:00"."""
    times = f"{start_time:%H:%M} to {end_time:%H:%M}"
    if not rule:
        text = f"Once, on {_long_date(start_date)}, {times}"
        extra = sorted(rdates)
        if extra:
            text += f", and on {_join([_long_date(d) for d in extra])}"
        return text
    parts = _parts(rule)
    frequency = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1") or 1)
    days = [_day_of(code) for code in parts["BYDAY"].split(",")] if "BYDAY" in parts else []
    if frequency == "WEEKLY":
        names = [name for _, name in days] or [DAY_NAMES[start_date.weekday()]]
        if interval == 1:
            text = f"Every {_join(names)}"
        elif interval == 2:
            text = f"Every other {_join(names)}"
        else:
            text = f"Every {interval} weeks on {_join(names)}"
    elif frequency == "MONTHLY":
        setpos = int(parts["BYSETPOS"]) if "BYSETPOS" in parts else None
        if days:
            described = []
            for position, name in days:
                nth = position if position is not None else setpos
                described.append(f"{ORDINALS.get(nth, str(nth))} {name}" if nth else name)
            text = f"{_join(described)} of the month"
        elif "BYMONTHDAY" in parts:
            text = f"Every month on the {_ordinal_day(int(parts['BYMONTHDAY']))}"
        else:
            text = f"Every month on the {_ordinal_day(start_date.day)}"
        if interval == 2:
            text += ", every other month"
        elif interval > 2:
            text += f", every {interval} months"
    elif frequency == "DAILY":
        text = "Every day" if interval == 1 else f"Every {interval} days"
    elif frequency == "YEARLY":
        text = f"Every year on {start_date.day} {start_date:%B}"
    else:  # pragma: no cover - normalise_rrule allows nothing else
        text = f"Repeats ({rule})"
    text += f", {times}"
    if "UNTIL" in parts:
        until = rfc_date(parts["UNTIL"])
        text += f", until {until.day} {until:%B %Y}"
    elif "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    text += f", from {start_date.day} {start_date:%B %Y}"
    skipped = sorted(exdates)
    if skipped:
        if len(skipped) <= 3:
            text += f", except {_join([f'{d.day} {d:%b %Y}' for d in skipped])}"
        else:
            text += f", except on {len(skipped)} dates"
    return text
