"""Events the feed wrote as before are not parsed again, whatever their DTSTAMP says.

Google writes every DTSTAMP as the time of the fetch, so the feed's bytes differ at every
fetch; each event's raw fingerprint (ical.split_calendar) leaves DTSTAMP out, and an
import parses only the events whose text changed. Everything an import guarantees still
holds: changes, moved dates, exclusion rules, withdrawals, the report's notes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any
from unittest import mock

import pytest

from inspiring.directory.models import Activity, Organisation, Session
from inspiring.feeds import importing
from inspiring.feeds.ical import parse_calendar, split_calendar
from inspiring.feeds.importing import run_import
from inspiring.feeds.models import FeedImport, FeedItem, FeedSource

from .conftest import calendar, make_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def walk(stamp: str = "20260101T000000Z", *, title: str = "Health walk", moved: str = "") -> str:
    """A weekly walk, with its third week moved to the afternoon when `moved` says so."""
    lines = [
        "BEGIN:VEVENT",
        "UID:walk@test",
        f"DTSTAMP:{stamp}",
        "LAST-MODIFIED:20260101T000000Z",
        f"SUMMARY:{title}",
        "DTSTART;TZID=Europe/London:20260303T100000",
        "DTEND;TZID=Europe/London:20260303T113000",
        "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4",
        "END:VEVENT",
    ]
    if moved:
        lines += [
            "BEGIN:VEVENT",
            "UID:walk@test",
            f"DTSTAMP:{stamp}",
            "RECURRENCE-ID;TZID=Europe/London:20260317T100000",
            "SUMMARY:Health walk",
            f"DTSTART;TZID=Europe/London:20260317T{moved}",
            "DTEND;TZID=Europe/London:20260317T153000",
            "END:VEVENT",
        ]
    return "\n".join(lines)


def coffee(stamp: str = "20260101T000000Z", *, title: str = "Coffee morning") -> str:
    return "\n".join(
        [
            "BEGIN:VEVENT",
            "UID:coffee@test",
            f"DTSTAMP:{stamp}",
            f"SUMMARY:{title}",
            "DTSTART;TZID=Europe/London:20260305T100000",
            "DTEND;TZID=Europe/London:20260305T120000",
            "RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3",
            "END:VEVENT",
        ]
    )


class Reading:
    """What parse_calendar was given during an import: the UIDs of the events it read."""

    def __init__(self) -> None:
        self.uids: list[set[str]] = []

    def __call__(self, data: bytes) -> Any:
        self.uids.append(
            {
                line.split(":", 1)[1]
                for line in data.decode().splitlines()
                if line.startswith("UID:")
            }
        )
        return parse_calendar(data)


def import_now(source: FeedSource, content: bytes, **options: Any) -> tuple[FeedImport, Reading]:
    reading = Reading()
    with mock.patch.object(importing, "parse_calendar", reading):
        record = run_import(source, content=content, **options)
    source.refresh_from_db()
    return record, reading


def test_a_new_stamp_on_every_event_parses_none_of_them(trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    first, read = import_now(source, calendar(walk(), coffee()))
    assert first.created == 2 and read.uids == [{"walk@test", "coffee@test"}]
    # Google: the same events, every DTSTAMP (and here LAST-MODIFIED) the time of the fetch.
    restamped = calendar(walk("20260302T080000Z"), coffee("20260302T080000Z")).replace(
        b"LAST-MODIFIED:20260101", b"LAST-MODIFIED:20260302"
    )
    again, read = import_now(source, restamped)
    assert again.outcome == FeedImport.Outcome.IMPORTED  # the bytes differ: read
    assert (again.created, again.updated, again.withdrawn, again.unchanged) == (0, 0, 0, 2)
    assert read.uids == [set()]  # but no event was parsed


def test_only_the_changed_event_is_parsed_and_updated(trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    import_now(source, calendar(walk(), coffee()))
    record, read = import_now(source, calendar(walk("20260302T080000Z"), coffee(title="Cuppa")))
    assert read.uids == [{"coffee@test"}]
    assert (record.updated, record.unchanged) == (1, 1)
    assert FeedItem.objects.get(source=source, uid="coffee@test").activity.title == "Cuppa"


def test_a_changed_instance_alone_reads_its_series_again(trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    import_now(source, calendar(walk(moved="140000"), coffee()))
    record, read = import_now(source, calendar(walk(moved="150000"), coffee()))
    assert read.uids == [{"walk@test"}]
    assert record.updated == 1
    activity = FeedItem.objects.get(source=source, uid="walk@test").activity
    moved = Session.objects.get(activity=activity, moved=True)
    assert moved.start.hour == 15  # 15:00 UTC: London is on GMT until the end of March


def test_a_gone_event_is_withdrawn_while_the_others_stay_unread(
    trusted_org: Organisation,
) -> None:
    source = make_source(trusted_org)
    import_now(source, calendar(walk(), coffee()))
    record, read = import_now(source, calendar(walk("20260302T080000Z")))
    assert read.uids == [set()]
    assert (record.withdrawn, record.unchanged) == (1, 1)
    coffee_item = FeedItem.objects.get(source=source, uid="coffee@test")
    assert coffee_item.removed_at is not None
    assert coffee_item.activity.status == Activity.Status.WITHDRAWN
    # Back again: read, and listed again.
    record, read = import_now(source, calendar(walk(), coffee()))
    assert read.uids == [{"coffee@test"}] and record.updated == 1


def test_a_new_exclusion_rule_reads_every_event_again(trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    import_now(source, calendar(walk(), coffee()))
    source.exclude_keywords = "coffee"
    source.save()
    record, read = import_now(source, calendar(walk("20260302T080000Z"), coffee()))
    assert read.uids == [{"walk@test", "coffee@test"}]
    assert (record.withdrawn, record.unchanged) == (1, 1)
    source.exclude_keywords = ""
    source.save()
    record, read = import_now(source, calendar(walk(), coffee()))
    assert read.uids == [{"walk@test", "coffee@test"}] and record.updated == 1


def test_an_event_read_with_a_note_is_read_again_to_report_it(
    trusted_org: Organisation,
) -> None:
    source = make_source(trusted_org)
    twice = calendar(walk(), walk(title="Health walk (copy)"), coffee())
    first, _ = import_now(source, twice)
    assert {"uid": "walk@test", "reason": mock.ANY} in first.skipped
    again, read = import_now(source, twice.replace(b"20260101T000000Z", b"20260302T080000Z"))
    assert read.uids == [{"walk@test"}]
    assert [s["uid"] for s in again.skipped] == ["walk@test"]
    assert again.unchanged == 2


def test_forcing_an_import_reads_every_event(trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    import_now(source, calendar(walk(), coffee()))
    record, read = import_now(source, calendar(walk("20260302T080000Z"), coffee()), force=True)
    assert read.uids == [{"walk@test", "coffee@test"}] and record.unchanged == 2


def test_items_made_before_raw_fingerprints_get_one_at_their_next_import(
    trusted_org: Organisation,
) -> None:
    source = make_source(trusted_org)
    import_now(source, calendar(walk(), coffee()))
    FeedItem.objects.update(raw_fingerprint="")
    _, read = import_now(source, calendar(walk("20260302T080000Z"), coffee("20260302T080000Z")))
    assert read.uids == [{"walk@test", "coffee@test"}]
    assert not FeedItem.objects.filter(raw_fingerprint="").exists()
    _, read = import_now(source, calendar(walk(), coffee()))
    assert read.uids == [set()]


def test_folding_and_line_endings_do_not_change_the_fingerprint() -> None:
    plain = calendar(walk(title="A walk round the reservoir with a flask of tea and friends"))
    folded = plain.replace(b"round the reservoir", b"round the\r\n  reservoir").replace(
        b"\r\n", b"\n"
    )
    first, second = split_calendar(plain), split_calendar(folded)
    assert first is not None and second is not None
    assert first.fingerprints == second.fingerprints


def test_a_feed_it_cannot_split_with_certainty_is_read_whole() -> None:
    unended = calendar(walk()).replace(b"END:VEVENT\r\n", b"")
    assert split_calendar(unended) is None
    two = calendar(walk()) + calendar(coffee())
    assert split_calendar(two) is None


def test_the_fingerprint_is_the_one_stored_before() -> None:
    """An event's fingerprint is made without dataclasses.asdict now: the same value, so
    items stored before are not all rewritten once."""
    (event,) = parse_calendar(calendar(walk(moved="150000"))).events
    assert event.overrides
    data = asdict(event)
    del data["categories"], data["feed_uid"]
    data["overrides"] = {d.isoformat(): v for d, v in sorted(data["overrides"].items())}
    before = json.dumps(data, sort_keys=True, default=str).encode()
    assert event.fingerprint() == hashlib.sha256(before).hexdigest()
