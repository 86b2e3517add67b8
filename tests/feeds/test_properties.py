"""Property-based: whatever bytes arrive, the importer answers with events or a FeedError.

Arbitrary bytes, calendars built from real property lines, and real calendars
mutated (lines deleted, duplicated or swapped, values exchanged, bytes flipped,
truncated): parse_calendar returns or raises FeedError, never anything else;
what it returns can be previewed and stored without error.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspiring.directory.models import Organisation
from inspiring.feeds.ical import FeedError, ParsedFeed, parse_calendar
from inspiring.feeds.importing import preview, store

from .conftest import RECURRING_CALENDARS, make_source

# Small real calendars with repeats, moves, cancellations, zones and all-day events.
SEEDS = [
    (RECURRING_CALENDARS / name).read_bytes()
    for name in (
        "issue_62_moved_event_2.ics",
        "issue_18_cancel_status.ics",
        "issue_28_rrule_with_UTC_endinginZ.ics",
        "x_wr_timezone_simple_events_issue_59.ics",
        "recurring_events_changed_duration.ics",
        "issue_148_exdate_and_rdate_unedited.ics",
        "issue_113_period_in_rdate.ics",
    )
]

# The same, moved to 2026 so that storing them makes sessions (from TODAY, 2 March 2026).
SEEDS_NOW = [re.sub(rb"(?<!\d)20(?:19|20|23|24)(?=\d{4}(?!\d))", b"2026", seed) for seed in SEEDS]

# Hypothesis keeps no example database in the checkout; examples are few to stay fast.
FAST = settings(max_examples=150, deadline=None, database=None)


def parse_or_refuse(data: bytes) -> ParsedFeed | None:
    """The property: a ParsedFeed, or FeedError. Any other exception fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = parse_calendar(data)
        except FeedError as error:
            assert str(error)
            return None
    assert all(isinstance(uid, str) and reason for uid, reason in parsed.skipped)
    for event in parsed.events:
        assert event.uid and event.title
        assert isinstance(event.start_date, date)
        event.fingerprint()
    return parsed


@FAST
@given(st.binary(max_size=3000))
def test_any_bytes(data: bytes) -> None:
    parse_or_refuse(data)


@FAST
@given(st.binary(max_size=3000))
def test_any_bytes_after_begin_vcalendar(data: bytes) -> None:
    parse_or_refuse(b"BEGIN:VCALENDAR\r\n" + data)


PROPERTY = st.sampled_from(
    [
        "BEGIN:VEVENT",
        "END:VEVENT",
        "BEGIN:VTIMEZONE",
        "END:VTIMEZONE",
        "BEGIN:STANDARD",
        "END:STANDARD",
        "UID",
        "SUMMARY",
        "DESCRIPTION",
        "DTSTART",
        "DTSTART;VALUE=DATE",
        "DTSTART;TZID=Europe/London",
        "DTSTART;TZID=GMT Standard Time",
        "DTEND",
        "DURATION",
        "RRULE",
        "EXDATE",
        "RDATE",
        "RDATE;VALUE=PERIOD",
        "RECURRENCE-ID",
        "RECURRENCE-ID;RANGE=THISANDFUTURE",
        "STATUS",
        "TZID",
        "TZOFFSETFROM",
        "TZOFFSETTO",
        "X-WR-TIMEZONE",
        "URL",
        "LOCATION",
    ]
)
VALUE = st.one_of(
    st.sampled_from(
        [
            "20260303T100000",
            "20260303T100000Z",
            "20260303",
            "20260303T100000Z/PT1H",
            "PT1H",
            "-P1D",
            "P999999999W",
            "FREQ=WEEKLY;BYDAY=TU",
            "FREQ=DAILY;COUNT=3",
            "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2",
            "FREQ=YEARLY;UNTIL=20250101",
            "FREQ=SECONDLY",
            "CANCELLED",
            "+0100",
            "Europe/London",
            "Not/AZone",
            "walk@test",
            "<b>Walk</b><script>x</script>",
            "",
        ]
    ),
    st.text(max_size=30),
)


@FAST
@given(st.lists(st.tuples(PROPERTY, VALUE), max_size=40))
def test_calendars_made_of_real_properties(lines: list[tuple[str, str]]) -> None:
    body = [
        name if name.startswith(("BEGIN:", "END:")) else f"{name}:{value}" for name, value in lines
    ]
    text = "\r\n".join(["BEGIN:VCALENDAR", *body, "END:VCALENDAR"])
    parse_or_refuse(text.encode("utf-8", "surrogatepass"))


# --- Real calendars, mutated ----------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes] = SEEDS) -> bytes:
    lines = draw(st.sampled_from(seeds)).split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        if len(lines) < 4:
            break
        # Inside BEGIN:VCALENDAR … END:VCALENDAR (the other tests break those).
        index = draw(st.integers(1, len(lines) - 3))
        operation = draw(
            st.sampled_from(["delete", "duplicate", "swap", "exchange", "flip", "truncate"])
        )
        if operation == "delete":
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, lines[index])
        elif operation == "swap":
            other = draw(st.integers(1, len(lines) - 3))
            lines[index], lines[other] = lines[other], lines[index]
        elif operation == "exchange":
            # One property's value given to another: DTSTART:FREQ=WEEKLY, RRULE:20260303…
            other = draw(st.integers(0, len(lines) - 1))
            name, sep, _ = lines[index].partition(b":")
            _, sep2, value = lines[other].partition(b":")
            if sep and sep2:
                lines[index] = name + b":" + value
        elif operation == "flip":
            line = bytearray(lines[index])
            if line:
                at = draw(st.integers(0, len(line) - 1))
                line[at] = draw(st.integers(0, 255))
            lines[index] = bytes(line)
        else:
            data = b"\n".join(lines)
            return data[: draw(st.integers(0, len(data)))]
    return b"\n".join(lines)


@FAST
@given(mutated())
def test_mutated_real_calendars(data: bytes) -> None:
    parsed = parse_or_refuse(data)
    if parsed is not None:
        sessions = preview(data, date(2000, 1, 1), date(2030, 12, 31))
        assert all(set(s) == {"uid", "title", "start", "end", "status"} for s in sessions)


@pytest.fixture
def stored_into(trusted_org: Organisation, frozen_today: None) -> Iterator[Any]:
    source = make_source(trusted_org)

    def _store(parsed: ParsedFeed) -> None:
        # Each example in a savepoint rolled back: examples do not see each other's rows.
        with transaction.atomic():
            store(source, parsed)
            store(source, parsed)  # and again, as the next scheduled import would
            transaction.set_rollback(True)

    yield _store


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=mutated(SEEDS_NOW))
def test_storing_a_mutated_real_calendar_never_fails(data: bytes, stored_into: Any) -> None:
    parsed = parse_or_refuse(data)
    if parsed is not None:
        stored_into(parsed)


def test_the_seeds_are_usable_calendars() -> None:
    for seed in SEEDS + SEEDS_NOW:
        parsed = parse_or_refuse(seed)
        assert parsed is not None and parsed.events
    # Moved to 2026, most give sessions after TODAY to store.
    assert sum(bool(preview(seed, date(2026, 3, 2), date(2027, 3, 2))) for seed in SEEDS_NOW) >= 5
