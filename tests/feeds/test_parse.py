"""Reading feeds: real calendars never crash the parser; each feature, on a small calendar."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inspiring.directory.recurrence import MAX_DURATION_DAYS
from inspiring.feeds.exclusions import PRIVATE_REASON
from inspiring.feeds.ical import FeedError, FeedEvent, ParsedFeed, parse_calendar
from inspiring.feeds.importing import preview

from .conftest import ICS_FILES, RECURRING_CALENDARS, calendar, ics_id, vevent

LONDON = ZoneInfo("Europe/London")
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def parse(data: bytes) -> ParsedFeed:
    with warnings.catch_warnings():
        # icalendar warns when it guesses a vendor-prefixed TZID: not our concern here.
        warnings.simplefilter("ignore")
        return parse_calendar(data)


def only_event(data: bytes) -> FeedEvent:
    parsed = parse(data)
    assert parsed.skipped == []
    assert len(parsed.events) == 1
    return parsed.events[0]


def starts(event: FeedEvent, window: tuple[date, date] = YEAR) -> list[datetime]:
    return [datetime.fromisoformat(s["start"]) for s in event.sessions(*window)]


# --- Every real calendar: parsed, or refused with a reason -------------------------------


def test_the_corpus_is_there() -> None:
    # 258 calendars: 163 shipped with icalendar 7.3.2, 95 with recurring-ical-events 3.8.2
    # (a wheel that stopped shipping them would fail here, not quietly test nothing).
    assert len(ICS_FILES) == 258


@pytest.mark.parametrize("path", ICS_FILES, ids=ics_id)
def test_a_real_calendar_parses_or_is_refused_with_a_reason(path: Path) -> None:
    data = path.read_bytes()
    try:
        parsed = parse(data)
    except FeedError as error:
        assert len(str(error)) > 20  # a sentence for the feed's owner, not an empty error
        return
    for uid, reason in parsed.skipped:
        assert isinstance(uid, str)
        assert reason and isinstance(reason, str)
    for event in parsed.events:
        # What store() writes must have the types the models expect.
        assert event.uid and event.title
        assert type(event.start_date) is date
        assert isinstance(event.start_time, time) and isinstance(event.end_time, time)
        assert 0 <= event.days <= MAX_DURATION_DAYS
        assert event.start_time < event.end_time or event.days > 0
        assert ZoneInfo(event.timezone)
        assert all(type(d) is date for d in event.exdates + event.rdates)
        assert all(type(d) is date for d in event.overrides)
        assert len(event.fingerprint()) == 64
    # The dry run over a wide window must not raise either.
    sessions = preview(data, date(1990, 1, 1), date(2035, 12, 31))
    assert all(set(s) == {"uid", "title", "start", "end", "status"} for s in sessions)
    instants = [datetime.fromisoformat(str(s["start"])) for s in sessions]
    assert instants == sorted(instants)


def test_the_same_calendar_gives_the_same_fingerprints() -> None:
    data = (RECURRING_CALENDARS / "Germany.ics").read_bytes()
    first, second = parse(data), parse(data)
    assert [e.fingerprint() for e in first.events] == [e.fingerprint() for e in second.events]
    assert len({e.fingerprint() for e in first.events}) == len(first.events)


# --- Not a calendar at all ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"<!DOCTYPE html><html><body>Sign in to Google</body></html>", "web page"),
        (b"\xef\xbb\xbf\r\n  <html><head></head></html>", "web page"),
        (b"", "BEGIN:VCALENDAR"),
        (b"   \r\n", "BEGIN:VCALENDAR"),
        (b'{"events": [{"title": "Walk"}]}', "BEGIN:VCALENDAR"),
        (b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Priya\r\nEND:VCARD\r\n", "BEGIN:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nthis line is not a property\r\n", "could not be read"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "could not be read"),
    ],
    ids=["html", "html-after-bom", "empty", "blank", "json", "vcard", "garbage", "truncated"],
)
def test_something_that_is_not_a_calendar_is_refused_with_a_reason(data: bytes, says: str) -> None:
    with pytest.raises(FeedError) as refused:
        parse(data)
    assert says in str(refused.value)


def test_an_empty_calendar_is_fine() -> None:
    parsed = parse(calendar(header="X-WR-CALNAME:Kirkby Walks"))
    assert parsed.events == [] and parsed.skipped == []
    assert parsed.name == "Kirkby Walks"


# --- Repeats, exceptions and extra dates -------------------------------------------------


def test_a_weekly_rule_with_an_excluded_date() -> None:
    event = only_event(
        calendar(
            vevent(
                "walk@test",
                "Health walk",
                "DTSTART;TZID=Europe/London:20260303T100000",
                "DTEND;TZID=Europe/London:20260303T113000",
                "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=5",
                "EXDATE;TZID=Europe/London:20260310T100000",
            )
        )
    )
    assert set(event.rrule.split(";")) == {"FREQ=WEEKLY", "BYDAY=TU", "COUNT=5"}
    assert event.exdates == [date(2026, 3, 10)]
    assert [d.date() for d in starts(event)] == [
        date(2026, 3, 3),
        date(2026, 3, 17),
        date(2026, 3, 24),
        date(2026, 3, 31),
    ]
    # 10:00 London on each date, GMT then BST.
    assert all(s.astimezone(LONDON).time() == time(10) for s in starts(event))
    assert starts(event)[-1].utcoffset() is not None
    assert starts(event)[-1].astimezone(UTC).hour == 9


def test_an_extra_date_is_added_at_the_series_time() -> None:
    event = only_event(
        calendar(
            vevent(
                "walk@test",
                "Health walk",
                "DTSTART;TZID=Europe/London:20260303T100000",
                "DTEND;TZID=Europe/London:20260303T110000",
                "RRULE:FREQ=WEEKLY;COUNT=2",
                "RDATE;TZID=Europe/London:20260305T100000",
            )
        )
    )
    assert event.rdates == [date(2026, 3, 5)]
    assert [s.astimezone(LONDON) for s in starts(event)] == [
        datetime(2026, 3, 3, 10, tzinfo=LONDON),
        datetime(2026, 3, 5, 10, tzinfo=LONDON),
        datetime(2026, 3, 10, 10, tzinfo=LONDON),
    ]


def test_one_occurrence_moved_and_another_cancelled() -> None:
    series = vevent(
        "walk@test",
        "Health walk",
        "DTSTART;TZID=Europe/London:20260303T100000",
        "DTEND;TZID=Europe/London:20260303T110000",
        "RRULE:FREQ=WEEKLY;COUNT=4",
    )
    moved = vevent(
        "walk@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20260310T100000",
        "DTSTART;TZID=Europe/London:20260311T140000",
        "DTEND;TZID=Europe/London:20260311T153000",
    )
    cancelled = vevent(
        "walk@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20260317T100000",
        "DTSTART;TZID=Europe/London:20260317T100000",
        "STATUS:CANCELLED",
    )
    event = only_event(calendar(series, moved, cancelled))
    assert event.overrides[date(2026, 3, 17)].cancelled
    sessions = event.sessions(*YEAR)
    assert [(s["start"], s["end"], s["status"]) for s in sessions] == [
        ("2026-03-03T10:00:00+00:00", "2026-03-03T11:00:00+00:00", "scheduled"),
        ("2026-03-11T14:00:00+00:00", "2026-03-11T15:30:00+00:00", "moved"),
        ("2026-03-17T10:00:00+00:00", "2026-03-17T11:00:00+00:00", "cancelled"),
        ("2026-03-24T10:00:00+00:00", "2026-03-24T11:00:00+00:00", "scheduled"),
    ]
    # An instance listed before its series is matched to it just the same.
    assert only_event(calendar(cancelled, moved, series)).overrides == event.overrides


def test_changes_without_their_series_are_events_of_their_own() -> None:
    moved = vevent(
        "lost@test",
        "Moved walk",
        "SEQUENCE:1",
        "RECURRENCE-ID:20260310T100000Z",
        "DTSTART:20260311T140000Z",
        "DTEND:20260311T153000Z",
        "RRULE:FREQ=DAILY",  # an instance does not repeat: ignored
    )
    parsed = parse(
        calendar(
            moved,
            # An earlier revision of the same change: the later one is used.
            vevent(
                "lost@test", "Walk", "RECURRENCE-ID:20260310T100000Z", "DTSTART:20260312T100000Z"
            ),
            vevent(
                "lost@test",
                "Cancelled walk",
                "RECURRENCE-ID:20260317T100000Z",
                "DTSTART:20260317T100000Z",
                "STATUS:CANCELLED",
            ),
            vevent(
                "lost@test",
                "Secret",
                "RECURRENCE-ID:20260324T100000Z",
                "DTSTART:20260324T100000Z",
                "CLASS:PRIVATE",
            ),
            vevent(
                "day@test",
                "Fete",
                "RECURRENCE-ID;VALUE=DATE:20260404",
                "DTSTART;VALUE=DATE:20260405",
            ),
        )
    )
    # Private: never named, not even by the UID of its series.
    assert parsed.skipped == [("", PRIVATE_REASON)]
    walk, cancelled, fete = parsed.events
    assert (walk.uid, walk.feed_uid, walk.title) == (
        "lost@test#20260310T100000Z",
        "lost@test",
        "Moved walk",
    )
    assert (walk.rrule, walk.cancelled) == ("", False)
    assert [(s["start"], s["end"], s["status"]) for s in walk.sessions(*YEAR)] == [
        ("2026-03-11T14:00:00+00:00", "2026-03-11T15:30:00+00:00", "scheduled")
    ]
    assert (cancelled.uid, cancelled.cancelled) == ("lost@test#20260317T100000Z", True)
    assert (fete.uid, fete.all_day, fete.start_date) == (
        "day@test#20260404",
        True,
        date(2026, 4, 5),
    )
    # The preview lists the changed dates, not the cancelled one.
    assert [s["uid"] for s in preview(calendar(moved), *YEAR)] == ["lost@test#20260310T100000Z"]
    # The same change in the next import is the same event.
    assert parse(calendar(moved)).events[0].fingerprint() == walk.fingerprint()


def test_a_change_without_its_series_and_without_a_start_is_skipped_with_a_reason() -> None:
    parsed = parse(calendar(vevent("lost@test", "Walk", "RECURRENCE-ID:20260310T100000Z")))
    assert parsed.events == []
    assert parsed.skipped == [("lost@test", "it has no usable start (DTSTART)")]


def test_a_change_to_this_and_following_is_applied_to_that_date_with_a_note() -> None:
    parsed = parse(
        calendar(
            vevent(
                "walk@test",
                "Health walk",
                "DTSTART:20260303T100000Z",
                "DTEND:20260303T110000Z",
                "RRULE:FREQ=WEEKLY;COUNT=4",
            ),
            vevent(
                "walk@test",
                "Health walk",
                "RECURRENCE-ID;RANGE=THISANDFUTURE:20260310T100000Z",
                "DTSTART:20260310T120000Z",
                "DTEND:20260310T130000Z",
            ),
        )
    )
    assert [uid for uid, _ in parsed.skipped] == ["walk@test"]
    assert "this and following" in parsed.skipped[0][1]
    assert [s["status"] for s in parsed.events[0].sessions(*YEAR)] == [
        "scheduled",
        "moved",
        "scheduled",
        "scheduled",
    ]


def test_a_cancelled_series_is_read_as_cancelled_and_left_out_of_the_preview() -> None:
    data = calendar(
        vevent(
            "gone@test",
            "Cancelled walk",
            "DTSTART:20260303T100000Z",
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "STATUS:CANCELLED",
        )
    )
    event = only_event(data)
    assert event.cancelled
    assert {s["status"] for s in event.sessions(*YEAR)} == {"cancelled"}
    assert preview(data, *YEAR) == []


# --- Days and times ----------------------------------------------------------------------


def test_an_all_day_event_stays_all_day_in_london() -> None:
    event = only_event(
        calendar(
            vevent(
                "fete@test",
                "Summer fete",
                "DTSTART;VALUE=DATE:20260704",
                "DTEND;VALUE=DATE:20260705",
            )
        )
    )
    assert event.all_day
    assert (event.start_date, event.start_time, event.end_time) == (
        date(2026, 7, 4),
        time(0, 0),
        time(23, 59),
    )
    assert event.timezone == "Europe/London"
    assert starts(event) == [datetime(2026, 7, 4, 0, 0, tzinfo=LONDON)]


def test_an_all_day_occurrence_moved_to_another_day() -> None:
    # Outlook and Google move an all-day occurrence with a DATE instance.
    event = only_event(
        calendar(
            vevent(
                "bins@test",
                "Bin day",
                "DTSTART;VALUE=DATE:20260305",
                "DTEND;VALUE=DATE:20260306",
                "RRULE:FREQ=WEEKLY;COUNT=3",
            ),
            vevent(
                "bins@test",
                "Bin day",
                "RECURRENCE-ID;VALUE=DATE:20260312",
                "DTSTART;VALUE=DATE:20260313",
                "DTEND;VALUE=DATE:20260314",
            ),
        )
    )
    sessions = event.sessions(*YEAR)
    assert [(s["start"][:10], s["status"]) for s in sessions] == [
        ("2026-03-05", "scheduled"),
        ("2026-03-13", "moved"),
        ("2026-03-19", "scheduled"),
    ]


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (("DTSTART;VALUE=DATE:20260701", "DTEND;VALUE=DATE:20260720"), "at most 14 days"),
        # A date start with a date-time end (seen in the wild): still a three-week holiday.
        (("DTSTART;VALUE=DATE:20260704", "DTEND:20260725T000000Z"), "at most 14 days"),
        (("DTSTART:20260704T200000Z", "DTEND:20260720T020000Z"), "lasts 17 days"),
        (("DTSTART:20260704T120000Z", "DTEND:20260704T100000Z"), "ends before it starts"),
        (("DTSTART:20260704T120000Z", "RRULE:FREQ=HOURLY"), "repeat rule"),
        (("DTSTART:20260704T120000Z", "RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"), "more than one"),
        (("DTSTART:not-a-date",), "DTSTART"),
        (("DTSTART:20260704T120000Z", "DTSTART:20260705T120000Z"), "DTSTART"),
        (("DTEND:20260704T120000Z",), "DTSTART"),
    ],
    ids=[
        "three-weeks",
        "date-to-datetime",
        "timed-over-two-weeks",
        "backwards",
        "hourly",
        "two-rules",
        "bad-start",
        "two-starts",
        "no-start",
    ],
)
def test_an_event_that_cannot_be_a_session_is_skipped_with_a_reason(
    lines: tuple[str, ...], reason: str
) -> None:
    kept = vevent("kept@test", "Kept", "DTSTART:20260704T100000Z")
    parsed = parse(calendar(vevent("odd@test", "Odd event", *lines), kept))
    assert [e.uid for e in parsed.events] == ["kept@test"]
    assert len(parsed.skipped) == 1
    uid, why = parsed.skipped[0]
    assert uid == "odd@test"
    assert reason in why


def test_an_event_ending_at_midnight_ends_at_23_59() -> None:
    event = only_event(
        calendar(vevent("late@test", "Late", "DTSTART:20260115T220000Z", "DTEND:20260116T000000Z"))
    )
    assert (event.start_time, event.end_time) == (time(22), time(23, 59))


def test_an_event_without_an_end_lasts_an_hour() -> None:
    event = only_event(calendar(vevent("short@test", "Short", "DTSTART:20260115T100000Z")))
    assert (event.start_time, event.end_time) == (time(10), time(11))


def test_a_duration_gives_the_end() -> None:
    event = only_event(
        calendar(vevent("d@test", "Talk", "DTSTART:20260115T100000Z", "DURATION:PT90M"))
    )
    assert (event.start_time, event.end_time) == (time(10), time(11, 30))


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("DTEND:tomorrow", "its end (DTEND) could not be read"),
        ("DURATION:P999999999999999999W", "its length (DURATION) could not be read"),
    ],
)
def test_an_unreadable_end_gives_an_hour_and_says_so(line: str, says: str) -> None:
    parsed = parse(calendar(vevent("e@test", "Talk", "DTSTART:20260115T100000Z", line)))
    (event,) = parsed.events
    assert (event.start_time, event.end_time) == (time(10), time(11))
    assert [uid for uid, _ in parsed.skipped] == ["e@test"]
    assert parsed.skipped[0][1].startswith(says)


def office_time(offset: str) -> str:
    return f"""
        BEGIN:VTIMEZONE
        TZID:Office Time
        BEGIN:STANDARD
        DTSTART:19700101T000000
        TZOFFSETFROM:{offset}
        TZOFFSETTO:{offset}
        TZNAME:OT
        END:STANDARD
        END:VTIMEZONE
    """


def office_call(offset: str, *lines: str) -> bytes:
    return calendar(
        vevent(
            "c@test",
            "Call",
            "DTSTART;TZID=Office Time:20260707T120000",
            "DTEND;TZID=Office Time:20260707T130000",
            *lines,
        ),
        header=office_time(offset),
    )


def test_a_vtimezone_with_a_custom_tzid() -> None:
    event = only_event(office_call("+0200", "RRULE:FREQ=MONTHLY;COUNT=6"))
    # 12:00 at +02:00 is 10:00 UTC, all year: kept as that fixed offset, not as London time
    # (which would move it to 11:00 UTC when the clocks go back).
    assert event.timezone == "Etc/GMT-2"
    assert (event.start_time, event.end_time) == (time(12), time(13))
    assert starts(event)[-2:] == [
        datetime(2026, 11, 7, 10, tzinfo=UTC),
        datetime(2026, 12, 7, 10, tzinfo=UTC),
    ]


def test_each_file_has_its_own_definition_of_a_zone_name() -> None:
    # icalendar keeps the first "Office Time" it reads for every later file.
    first, second = only_event(office_call("+0200")), only_event(office_call("+0530"))
    assert starts(first) == [datetime(2026, 7, 7, 10, tzinfo=UTC)]
    assert starts(second) == [datetime(2026, 7, 7, 6, 30, tzinfo=UTC)]
    assert second.timezone == "Asia/Kolkata"


def test_a_zone_defined_in_the_file_keeps_its_own_clock_changes() -> None:
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
    event = only_event(
        calendar(
            vevent(
                "e@test",
                "Call",
                "DTSTART;TZID=Our Eastern:20260302T100000",
                "RRULE:FREQ=WEEKLY;COUNT=3",
            ),
            header=eastern,
        )
    )
    assert event.timezone == "America/New_York"
    # 10:00 in Boston: 15:00 UTC, then 14:00 UTC after the United States' clocks change
    # on 8 March (London's change three weeks later).
    assert starts(event) == [
        datetime(2026, 3, 2, 15, tzinfo=UTC),
        datetime(2026, 3, 9, 14, tzinfo=UTC),
        datetime(2026, 3, 16, 14, tzinfo=UTC),
    ]


def test_a_defined_zone_that_keeps_no_known_time_is_read_as_london_with_a_note() -> None:
    odd = """
        BEGIN:VTIMEZONE
        TZID:Odd Time
        BEGIN:STANDARD
        DTSTART:19701025T020000
        RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
        TZOFFSETFROM:+0117
        TZOFFSETTO:+0017
        END:STANDARD
        BEGIN:DAYLIGHT
        DTSTART:19700329T010000
        RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
        TZOFFSETFROM:+0017
        TZOFFSETTO:+0117
        END:DAYLIGHT
        END:VTIMEZONE
    """
    parsed = parse(
        calendar(vevent("o@test", "Odd", "DTSTART;TZID=Odd Time:20260707T121700"), header=odd)
    )
    (event,) = parsed.events
    # Its first time is right: 12:17 at +01:17 is 11:00 UTC, 12:00 in London.
    assert event.timezone == "Europe/London" and event.start_time == time(12)
    assert parsed.skipped == [
        (
            "o@test",
            "its time zone “Odd Time” keeps the time of no known zone: its first date is "
            "right, and the others are kept at that London time",
        )
    ]


def test_the_windows_name_for_london() -> None:
    event = only_event(
        calendar(
            vevent(
                "o@test",
                "Outlook meeting",
                "DTSTART;TZID=GMT Standard Time:20260707T100000",
                "DTEND;TZID=GMT Standard Time:20260707T110000",
                "RRULE:FREQ=WEEKLY;COUNT=2",
            )
        )
    )
    assert event.timezone == "Europe/London"
    assert starts(event) == [
        datetime(2026, 7, 7, 9, tzinfo=UTC),
        datetime(2026, 7, 14, 9, tzinfo=UTC),
    ]


def test_floating_times_are_in_the_calendars_x_wr_timezone() -> None:
    event = only_event(
        calendar(
            vevent("f@test", "Call", "DTSTART:20260707T100000", "DTEND:20260707T110000"),
            header="X-WR-TIMEZONE:America/New_York",
        )
    )
    assert event.timezone == "America/New_York"
    assert starts(event) == [datetime(2026, 7, 7, 14, tzinfo=UTC)]


def test_floating_times_without_x_wr_timezone_are_london_times() -> None:
    event = only_event(
        calendar(vevent("f@test", "Walk", "DTSTART:20260707T100000", "DTEND:20260707T110000"))
    )
    assert event.timezone == "Europe/London"
    assert starts(event) == [datetime(2026, 7, 7, 9, tzinfo=UTC)]


def test_google_utc_times_with_x_wr_timezone_keep_london_wall_clock_time() -> None:
    # Google writes UTC times with X-WR-TIMEZONE: the series is 09:00 in London, all year.
    event = only_event(
        calendar(
            vevent(
                "g@test",
                "Coffee morning",
                "DTSTART:20260324T090000Z",
                "DTEND:20260324T100000Z",
                "RRULE:FREQ=WEEKLY;COUNT=2",
            ),
            header="X-WR-TIMEZONE:Europe/London",
        )
    )
    assert event.timezone == "Europe/London"
    assert [s.astimezone(LONDON).time() for s in starts(event)] == [time(9), time(9)]


def test_a_utc_series_stays_in_utc_across_the_clock_change() -> None:
    event = only_event(
        calendar(
            vevent(
                "utc@test",
                "Online chat",
                "DTSTART:20260317T100000Z",
                "DTEND:20260317T110000Z",
                "RRULE:FREQ=WEEKLY;COUNT=4",
            )
        )
    )
    assert event.timezone == "UTC"
    sessions = starts(event)
    assert {s.astimezone(UTC).time() for s in sessions} == {time(10)}
    # 10:00 GMT in March; after the clocks go forward on 29 March, 11:00 in London.
    assert [s.astimezone(LONDON).hour for s in sessions] == [10, 10, 11, 11]


def test_an_until_in_utc_keeps_the_last_london_occurrence() -> None:
    event = only_event(
        calendar(
            vevent(
                "u@test",
                "Walk",
                "DTSTART;TZID=Europe/London:20260602T100000",
                "DTEND;TZID=Europe/London:20260602T110000",
                "RRULE:FREQ=WEEKLY;UNTIL=20260616T090000Z",
            )
        )
    )
    assert [s.date() for s in starts(event)] == [
        date(2026, 6, 2),
        date(2026, 6, 9),
        date(2026, 6, 16),
    ]


# --- Text -------------------------------------------------------------------------------


def test_an_html_description_becomes_text_without_the_script() -> None:
    event = only_event(
        calendar(
            vevent(
                "h@test",
                "<b>Walk</b> &amp; talk",
                "DTSTART:20260707T100000Z",
                "DESCRIPTION:<p>Bring <b>boots</b> &amp; water</p>"
                "<script>alert('x')</script><br>Meet at the gate",
                "LOCATION:Kings Mill\\, Sutton",
            )
        )
    )
    assert event.title == "Walk & talk"
    assert "<" not in event.description and "script" not in event.description
    assert "alert" not in event.description
    assert event.description.splitlines()[0] == "Bring boots & water"
    assert event.description.splitlines()[-1] == "Meet at the gate"
    assert event.summary.startswith("Bring boots & water")
    assert event.location == "Kings Mill, Sutton"


def test_a_long_title_is_shortened() -> None:
    event = only_event(calendar(vevent("l@test", "Walk " * 60, "DTSTART:20260707T100000Z")))
    assert len(event.title) <= 150 and event.title.endswith("…")


# --- Events that cannot be used at all ----------------------------------------------------


def test_an_event_without_a_uid_is_given_one_from_its_start_title_and_place() -> None:
    def nameless(title: str, start: str = "DTSTART:20260707T100000Z") -> str:
        return f"BEGIN:VEVENT\nSUMMARY:{title}\n{start}\nLOCATION:The Hub\nEND:VEVENT"

    parsed = parse(
        calendar(nameless("Nameless walk"), vevent("kept@test", "Kept", "DTSTART:20260707T100000Z"))
    )
    assert parsed.skipped == []
    walk, kept = parsed.events
    assert kept.uid == "kept@test" and kept.feed_uid is None
    assert walk.uid.startswith("no-uid-") and walk.feed_uid == ""
    assert starts(walk) == [datetime(2026, 7, 7, 10, tzinfo=UTC)]
    # The next import matches it, even written in local time...
    again = parse(calendar(nameless("Nameless walk", "DTSTART;TZID=Europe/London:20260707T110000")))
    assert again.events[0].uid == walk.uid
    # ...but a new title (or start, or place) is a new event.
    assert parse(calendar(nameless("Nameful walk"))).events[0].uid != walk.uid
    # The same event twice is used once, and said so.
    twice = parse(calendar(nameless("Nameless walk"), nameless("Nameless walk")))
    assert [e.uid for e in twice.events] == [walk.uid]
    assert twice.skipped == [
        ("", "an event without a UID appears twice (Nameless walk): once used")
    ]


def test_a_private_event_without_a_uid_is_skipped_unnamed() -> None:
    parsed = parse(
        calendar(
            "BEGIN:VEVENT\nSUMMARY:Therapy\nCLASS:PRIVATE\nDTSTART:20260707T100000Z\nEND:VEVENT"
        )
    )
    assert parsed.events == [] and parsed.skipped == [("", PRIVATE_REASON)]


def test_an_event_without_a_start_is_skipped_with_a_reason() -> None:
    parsed = parse(calendar(vevent("nostart@test", "Whenever", "LOCATION:Somewhere")))
    assert parsed.events == []
    assert parsed.skipped == [("nostart@test", "it has no usable start (DTSTART)")]


@pytest.mark.parametrize("start", ["DTSTART:99991227T100000Z", "DTSTART;VALUE=DATE:00010101"])
def test_an_event_starting_outside_the_dates_kept_is_skipped(start: str) -> None:
    # Year 9999 or year 1 ran the sessions' arithmetic off the calendar (a 500 later on).
    parsed = parse(calendar(vevent("far@test", "Far off", start)))
    assert parsed.events == []
    [(uid, reason)] = parsed.skipped
    assert uid == "far@test" and "outside the dates the calendar keeps" in reason


def test_a_uid_too_long_to_keep_is_skipped() -> None:
    parsed = parse(calendar(vevent("u" * 501, "Walk", "DTSTART:20260707T100000Z")))
    assert parsed.events == []
    assert parsed.skipped == [("u" * 100 + "…", "its UID is longer than 500 characters")]
    assert (
        len(only_event(calendar(vevent("u" * 500, "Walk", "DTSTART:20260707T100000Z"))).uid) == 500
    )


def test_the_same_uid_twice_is_reported() -> None:
    one = vevent("twice@test", "First", "DTSTART:20260707T100000Z")
    two = vevent("twice@test", "Second", "DTSTART:20260708T100000Z")
    parsed = parse(calendar(one, two))
    assert len(parsed.events) == 1
    assert [uid for uid, _ in parsed.skipped] == ["twice@test"]
    assert "twice" in parsed.skipped[0][1]


@pytest.mark.parametrize(
    ("first", "second", "kept"),
    [
        ("SEQUENCE:2", "SEQUENCE:1", "First"),
        ("SEQUENCE:1", "SEQUENCE:2", "Second"),
        ("SEQUENCE:0", "SEQUENCE:0", "First"),
    ],
)
def test_of_two_copies_of_an_event_the_latest_revision_is_used(
    first: str, second: str, kept: str
) -> None:
    one = vevent("twice@test", "First", "DTSTART:20260707T100000Z", first)
    two = vevent("twice@test", "Second", "DTSTART:20260708T100000Z", second)
    assert only_event_of(parse(calendar(one, two))).title == kept


def test_of_two_copies_with_the_same_sequence_the_later_stamp_is_used() -> None:
    def copy(title: str, stamp: str) -> str:
        lines = ["UID:x@test", f"SUMMARY:{title}", f"DTSTAMP:{stamp}", "DTSTART:20260707T100000Z"]
        return "\n".join(["BEGIN:VEVENT", *lines, "END:VEVENT"])

    one, two = copy("Old", "20260102T000000Z"), copy("New", "20260301T000000Z")
    assert only_event_of(parse(calendar(one, two))).title == "New"
    assert only_event_of(parse(calendar(two, one))).title == "New"


def only_event_of(parsed: ParsedFeed) -> FeedEvent:
    (event,) = parsed.events
    return event


def test_todos_and_journals_are_not_events() -> None:
    parsed = parse(
        calendar(
            "BEGIN:VTODO\nUID:t@test\nSUMMARY:Book the hall\nDTSTART:20260707T100000Z\nEND:VTODO",
            "BEGIN:VJOURNAL\nUID:j@test\nSUMMARY:Notes\nDTSTART:20260707T100000Z\nEND:VJOURNAL",
        )
    )
    assert parsed.events == [] and parsed.skipped == []


def test_an_all_day_event_over_several_days_is_one_session_covering_them() -> None:
    # DTEND of an all-day event is the day after its last: Friday 28 to Monday 31 August.
    event = only_event(
        calendar(
            vevent(
                "festival@test",
                "Kirkby Festival",
                "DTSTART;VALUE=DATE:20260828",
                "DTEND;VALUE=DATE:20260901",
            )
        )
    )
    assert (event.all_day, event.start_date, event.days) == (True, date(2026, 8, 28), 3)
    (session,) = event.sessions(*YEAR)
    assert (session["start"], session["end"]) == (
        "2026-08-28T00:00:00+01:00",
        "2026-08-31T23:59:00+01:00",
    )


def test_an_event_running_past_midnight_ends_the_next_day() -> None:
    event = only_event(
        calendar(
            vevent(
                "disco@test",
                "Silent disco",
                "DTSTART;TZID=Europe/London:20261023T200000",
                "DTEND;TZID=Europe/London:20261024T013000",
                "RRULE:FREQ=WEEKLY;COUNT=3",
            )
        )
    )
    assert (event.start_time, event.end_time, event.days) == (time(20, 0), time(1, 30), 1)
    # The third crosses the end of summer time (25 October): still 20:00 to 01:30.
    assert [(s["start"], s["end"]) for s in event.sessions(*YEAR)] == [
        ("2026-10-23T20:00:00+01:00", "2026-10-24T01:30:00+01:00"),
        ("2026-10-30T20:00:00+00:00", "2026-10-31T01:30:00+00:00"),
        ("2026-11-06T20:00:00+00:00", "2026-11-07T01:30:00+00:00"),
    ]


def test_an_event_ending_at_midnight_stays_within_its_day() -> None:
    event = only_event(
        calendar(
            vevent(
                "quiz@test",
                "Quiz",
                "DTSTART;TZID=Europe/London:20261023T200000",
                "DTEND;TZID=Europe/London:20261024T000000",
            )
        )
    )
    assert (event.end_time, event.days) == (time(23, 59), 0)


def test_a_timed_event_over_a_weekend_keeps_its_span() -> None:
    event = only_event(
        calendar(
            vevent(
                "camp@test",
                "Scout camp",
                "DTSTART;TZID=Europe/London:20260710T180000",
                "DURATION:P1DT22H",
            )
        )
    )
    assert (event.start_time, event.end_time, event.days) == (time(18, 0), time(16, 0), 2)
    (session,) = event.sessions(*YEAR)
    assert session["end"] == "2026-07-12T16:00:00+01:00"


def test_a_fortnight_is_the_longest_session() -> None:
    event = only_event(
        calendar(
            vevent(
                "week@test",
                "Loneliness Awareness Fortnight",
                "DTSTART;VALUE=DATE:20260601",
                "DTEND;VALUE=DATE:20260615",
            )
        )
    )
    assert event.days == MAX_DURATION_DAYS


def test_a_zone_name_this_file_does_not_define_is_not_taken_from_another_file() -> None:
    # One partner's file defines "Office Time" (+05:30); icalendar remembers it. Another's
    # names "Office Time" without defining it: its times are the calendar's own (London).
    only_event(office_call("+0530"))
    parsed = parse(
        calendar(vevent("d@test", "Drop-in", "DTSTART;TZID=Office Time:20260707T120000"))
    )
    (event,) = parsed.events
    assert (event.timezone, event.start_time) == ("Europe/London", time(12))
    assert starts(event) == [datetime(2026, 7, 7, 11, tzinfo=UTC)]
    assert parsed.skipped == [
        (
            "d@test",
            "its time zone “Office Time” is not defined in the file, so its times are read "
            "as Europe/London times",
        )
    ]
