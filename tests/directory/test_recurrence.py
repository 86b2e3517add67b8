"""Recurrence: rules checked, expanded in London time across clock changes, and said in words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr

from inspiring.directory.recurrence import (
    LONDON,
    RecurrenceError,
    bank_holidays,
    describe,
    normalise_rrule,
    occurrences,
)

TUE = date(2026, 3, 3)  # a Tuesday


def expand(rule: str, **kwargs: object) -> list[date]:
    defaults: dict[str, object] = {
        "start_date": TUE,
        "start_time": time(10),
        "end_time": time(12),
        "rule": rule,
        "window_start": date(2026, 1, 1),
        "window_end": date(2026, 12, 31),
    }
    defaults.update(kwargs)
    return [o.date for o in occurrences(**defaults)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=TU"),
        ("rrule:freq=weekly;interval=2;byday=we", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),
        ("FREQ=MONTHLY;BYDAY=1MO", "FREQ=MONTHLY;BYDAY=1MO"),
        ("", ""),
    ],
)
def test_rules_are_normalised(typed: str, canonical: str) -> None:
    assert normalise_rrule(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("FREQ=HOURLY", "not more often"),
        ("FREQ=MINUTELY;INTERVAL=5", "not more often"),
        ("BYDAY=TU", "needs a FREQ"),
        ("FREQ=WEEKLY;BYDAY=XX", "not valid RFC 5545"),
        ("FREQ=WEEKLY;DTSTART=20260101T100000", "DTSTART cannot be used"),
        ("FREQ=WEEKLY;BYHOUR=10", "BYHOUR cannot be used"),
        ("FREQ=WEEKLY;FREQ=DAILY", "FREQ is given twice"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "not both"),
        ("FREQ", "has no value"),
        ("FREQ=WEEKLY;INTERVAL=x", "INTERVAL must be a whole number"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL must be a whole number from 1"),
        ("FREQ=WEEKLY;INTERVAL=-1", "INTERVAL must be a whole number from 1"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT must be a whole number from 1"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "The rule never happens"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "is not a date like 20270731"),
    ],
)
def test_unusable_rules_are_refused_with_a_message(typed: str, message: str) -> None:
    with pytest.raises(RecurrenceError, match=message):
        normalise_rrule(typed)


def test_weekly_sessions_keep_their_local_time_across_the_clock_change() -> None:
    found = occurrences(
        start_date=TUE,
        start_time=time(10),
        end_time=time(12),
        rule="FREQ=WEEKLY;BYDAY=TU",
        window_start=date(2026, 3, 1),
        window_end=date(2026, 4, 30),
    )
    # British Summer Time began on Sunday 29 March 2026.
    before = next(o for o in found if o.date == date(2026, 3, 24))
    after = next(o for o in found if o.date == date(2026, 3, 31))
    assert before.start.astimezone(LONDON).hour == after.start.astimezone(LONDON).hour == 10
    assert before.start.utcoffset() == timedelta(0)
    assert after.start.utcoffset() == timedelta(hours=1)
    assert after.end - after.start == timedelta(hours=2)


@pytest.mark.parametrize(
    ("day", "start_utc", "hours"),
    [
        # Spring forward: 01:00-02:00 is skipped, so 01:30 names 02:30 BST (RFC 5545 3.3.5)
        # and 02:30 is the same instant; the session keeps its hour.
        (date(2026, 3, 29), datetime(2026, 3, 29, 1, 30, tzinfo=UTC), 1),
        # Fall back: 01:30 BST is the first of the two 01:30s; 02:30 GMT is two hours on.
        (date(2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 2),
    ],
)
def test_a_session_across_the_clock_change_hour_never_ends_before_it_starts(
    day: date, start_utc: datetime, hours: int
) -> None:
    (found,) = occurrences(
        start_date=day,
        start_time=time(1, 30),
        end_time=time(2, 30),
        rule="",
        window_start=day,
        window_end=day,
    )
    start, end = found.start.astimezone(UTC), found.end.astimezone(UTC)
    assert start == start_utc
    assert end - start == timedelta(hours=hours)


def test_every_other_week_first_monday_and_last_friday() -> None:
    fortnightly = expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", window_end=date(2026, 4, 30))
    assert fortnightly[:3] == [date(2026, 3, 3), date(2026, 3, 17), date(2026, 3, 31)]
    first_monday = expand("FREQ=MONTHLY;BYDAY=1MO", start_date=date(2026, 3, 2))
    assert first_monday[:3] == [date(2026, 3, 2), date(2026, 4, 6), date(2026, 5, 4)]
    last_friday = expand("FREQ=MONTHLY;BYDAY=-1FR", start_date=date(2026, 3, 1))
    assert last_friday[:2] == [date(2026, 3, 27), date(2026, 4, 24)]


def test_excluded_and_extra_dates() -> None:
    dates = expand(
        "FREQ=WEEKLY;BYDAY=TU",
        exdates=[date(2026, 3, 10)],
        rdates=[date(2026, 3, 12)],
        window_end=date(2026, 3, 20),
    )
    assert dates == [date(2026, 3, 3), date(2026, 3, 12), date(2026, 3, 17)]


def test_a_one_off_is_one_session() -> None:
    assert expand("") == [TUE]
    assert expand("", window_start=date(2026, 4, 1)) == []


def test_the_window_and_until_bound_the_sessions() -> None:
    dates = expand("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260317", window_end=date(2026, 12, 31))
    assert dates == [date(2026, 3, 3), date(2026, 3, 10), date(2026, 3, 17)]
    dates = expand("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260317T235959Z")
    assert dates[-1] == date(2026, 3, 17)
    assert expand("FREQ=WEEKLY;BYDAY=TU", window_start=date(2026, 3, 11))[0] == date(2026, 3, 17)


def test_expansion_agrees_with_dateutil_for_a_year_of_rules() -> None:
    for rule in (
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=MONTHLY;BYDAY=2TH",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "FREQ=DAILY;INTERVAL=3",
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=SA;COUNT=8",
    ):
        expected = [
            d.date()
            for d in rrulestr(rule, dtstart=datetime.combine(TUE, time(10))).between(
                datetime(2026, 1, 1), datetime(2026, 12, 31, 23, 59), inc=True
            )
        ]
        assert expand(rule) == expected, rule


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("", "Once, on Tuesday 3 March 2026, 10:00 to 12:00"),
        ("FREQ=WEEKLY;BYDAY=TU", "Every Tuesday, 10:00 to 12:00, from 3 March 2026"),
        ("FREQ=WEEKLY", "Every Tuesday, 10:00 to 12:00, from 3 March 2026"),
        ("FREQ=WEEKLY;BYDAY=TU,TH", "Every Tuesday and Thursday, 10:00 to 12:00"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "Every other Wednesday, 10:00 to 12:00"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=WE", "Every 3 weeks on Wednesday"),
        ("FREQ=MONTHLY;BYDAY=1MO", "First Monday of the month, 10:00 to 12:00"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "Last Friday of the month"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=2", "Second Monday of the month"),
        ("FREQ=MONTHLY;BYMONTHDAY=22", "Every month on the 22nd"),
        ("FREQ=DAILY", "Every day, 10:00 to 12:00"),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260721", "until 21 July 2026"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=6", "6 times"),
    ],
)
def test_schedules_are_described_in_words(rule: str, words: str) -> None:
    assert words in describe(start_date=TUE, start_time=time(10), end_time=time(12), rule=rule)


def test_excluded_dates_are_mentioned() -> None:
    text = describe(
        start_date=TUE,
        start_time=time(10),
        end_time=time(12),
        rule="FREQ=WEEKLY;BYDAY=TU",
        exdates=[date(2026, 4, 7)],
    )
    assert text.endswith("except 7 Apr 2026")
    many = describe(
        start_date=TUE,
        start_time=time(10),
        end_time=time(12),
        rule="FREQ=WEEKLY;BYDAY=TU",
        exdates=[date(2026, 4, d) for d in (7, 14, 21, 28)],
    )
    assert many.endswith("except on 4 dates")


def test_unusual_rules_are_described_without_failing() -> None:
    for rule, words in (
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "Every month on the 1st and 15th"),
        ("FREQ=DAILY;BYDAY=MO,WE", "Every Monday and Wednesday"),
        (
            "FREQ=YEARLY;BYMONTH=6;BYDAY=1SA",
            "Repeats to a pattern (FREQ=YEARLY;BYMONTH=6;BYDAY=1SA)",
        ),
        ("FREQ=MONTHLY;BYSETPOS=1,-1;BYDAY=MO", "Repeats to a pattern"),
    ):
        text = describe(
            start_date=date(2026, 3, 3), start_time=time(10), end_time=time(12), rule=rule
        )
        assert text.startswith(words), rule


# --- Bank holidays (England and Wales, from the holidays library) ------------------

MONDAY = date(2026, 12, 7)


def test_bank_holidays_come_from_the_library_with_substitute_days() -> None:
    found = bank_holidays(date(2026, 12, 1), date(2027, 6, 1))
    assert {
        date(2026, 12, 25),  # Christmas Day, a Friday
        date(2026, 12, 28),  # Boxing Day falls on a Saturday: the Monday after instead
        date(2027, 1, 1),
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 3),  # Early May
        date(2027, 5, 31),  # Spring
    } <= found
    assert date(2027, 1, 4) not in found
    assert all(date(2026, 12, 1) <= d <= date(2027, 6, 1) for d in found)


def test_a_weekly_monday_schedule_can_skip_bank_holidays() -> None:
    window = {"window_start": MONDAY, "window_end": date(2027, 6, 30), "start_date": MONDAY}
    every = expand("FREQ=WEEKLY;BYDAY=MO", **window)
    skipping = expand("FREQ=WEEKLY;BYDAY=MO", skip_bank_holidays=True, **window)
    holidays = {
        date(2026, 12, 28),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
    }
    assert holidays <= set(every)
    assert set(every) - set(skipping) == holidays
    assert date(2027, 1, 4) in skipping


def test_an_extra_date_on_a_bank_holiday_still_happens() -> None:
    dates = expand(
        "FREQ=WEEKLY;BYDAY=MO",
        start_date=MONDAY,
        window_start=MONDAY,
        window_end=date(2027, 1, 31),
        rdates=[date(2027, 1, 1)],
        skip_bank_holidays=True,
    )
    assert date(2027, 1, 1) in dates and date(2026, 12, 28) not in dates


def test_skipping_bank_holidays_is_said_in_words() -> None:
    text = describe(
        start_date=MONDAY,
        start_time=time(10),
        end_time=time(12),
        rule="FREQ=WEEKLY;BYDAY=MO",
        skip_bank_holidays=True,
    )
    assert text == "Every Monday, 10:00 to 12:00, from 7 December 2026, not on bank holidays"
