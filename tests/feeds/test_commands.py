"""The import_feed command (dry run and real import) and the scheduled import_feeds job."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from inspiring.directory.models import Activity, Organisation, Session
from inspiring.feeds.models import FeedImport, FeedItem, FeedSource

from .conftest import FeedServer, calendar, make_source, vevent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

FEED = calendar(
    # Tuesdays 10:00 London, one moved and one cancelled.
    vevent(
        "walk@test",
        "Health walk",
        "DTSTART;TZID=Europe/London:20260303T100000",
        "DTEND;TZID=Europe/London:20260303T113000",
        "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6",
    ),
    vevent(
        "walk@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20260310T100000",
        "DTSTART;TZID=Europe/London:20260310T143000",
        "DTEND;TZID=Europe/London:20260310T160000",
    ),
    vevent(
        "walk@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20260317T100000",
        "DTSTART;TZID=Europe/London:20260317T100000",
        "STATUS:CANCELLED",
    ),
    # Tuesdays 09:30 UTC: after the clocks change, 10:30 in London, later than the walk
    # (09:00 UTC) although "09:30+00:00" sorts before "10:00+01:00" as text.
    vevent(
        "chat@test",
        "Online chat",
        "DTSTART:20260324T093000Z",
        "DTEND:20260324T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=3",
    ),
    vevent("fete@test", "Summer fete", "DTSTART;VALUE=DATE:20260404"),
)


@pytest.fixture
def feed_file(tmp_path: Path) -> Path:
    path = tmp_path / "walks.ics"
    path.write_bytes(FEED)
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def dry_run(path: Path | str, start: str = "2026-03-01", end: str = "2026-04-30") -> str:
    return run("import_feed", "--dry-run", "--json", "--from", start, "--to", end, str(path))


# --- Dry run --------------------------------------------------------------------------------


def test_a_dry_run_prints_the_sessions_as_json_and_stores_nothing(feed_file: Path) -> None:
    stored = (Activity.objects.count(), FeedSource.objects.count(), Session.objects.count())
    sessions = json.loads(dry_run(feed_file))
    assert (Activity.objects.count(), FeedSource.objects.count(), Session.objects.count()) == (
        stored
    )
    assert isinstance(sessions, list) and len(sessions) == 6 + 3 + 1
    for session in sessions:
        assert set(session) == {"uid", "title", "start", "end", "status"}
        start = datetime.fromisoformat(session["start"])
        end = datetime.fromisoformat(session["end"])
        assert start.utcoffset() is not None and end.utcoffset() is not None
        assert end > start
    starts = [datetime.fromisoformat(s["start"]) for s in sessions]
    assert starts == sorted(starts)
    walk = [s for s in sessions if s["uid"] == "walk@test"]
    assert [(s["start"], s["status"]) for s in walk] == [
        ("2026-03-03T10:00:00+00:00", "scheduled"),
        ("2026-03-10T14:30:00+00:00", "moved"),
        ("2026-03-17T10:00:00+00:00", "cancelled"),
        ("2026-03-24T10:00:00+00:00", "scheduled"),
        ("2026-03-31T10:00:00+01:00", "scheduled"),
        ("2026-04-07T10:00:00+01:00", "scheduled"),
    ]
    chat = [s["start"] for s in sessions if s["uid"] == "chat@test"]
    assert chat == [
        "2026-03-24T09:30:00+00:00",
        "2026-03-31T09:30:00+00:00",
        "2026-04-07T09:30:00+00:00",
    ]
    assert [s["title"] for s in sessions if s["uid"] == "fete@test"] == ["Summer fete"]


def test_a_dry_run_keeps_to_its_window(feed_file: Path) -> None:
    sessions = json.loads(dry_run(feed_file, "2026-03-10", "2026-03-17"))
    assert [(s["uid"], s["start"][:10]) for s in sessions] == [
        ("walk@test", "2026-03-10"),
        ("walk@test", "2026-03-17"),
    ]
    assert json.loads(dry_run(feed_file, "2027-01-01", "2027-12-31")) == []


def test_a_dry_run_without_json_says_nothing_was_stored(feed_file: Path) -> None:
    out = run(
        "import_feed", "--dry-run", "--from", "2026-03-01", "--to", "2026-03-31", str(feed_file)
    )
    assert "Health walk" in out
    assert out.strip().endswith("nothing stored.")
    assert not Activity.objects.exists()


def test_a_dry_run_tells_what_it_would_not_list_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ics"
    path.write_bytes(
        calendar(
            vevent("walk@test", "Walk", "DTSTART:20260303T100000Z"),
            vevent("odd@test", "Odd", "DTSTART:20260303T100000Z", "RRULE:FREQ=HOURLY"),
            vevent("gone@test", "Gone", "DTSTART:20260304T100000Z", "STATUS:CANCELLED"),
            vevent("therapy@test", "Therapy with Sam", "DTSTART:20260305T100000Z", "CLASS:PRIVATE"),
        )
    )
    out, err = StringIO(), StringIO()
    call_command(
        "import_feed",
        "--dry-run",
        "--json",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        str(path),
        stdout=out,
        stderr=err,
    )
    # Standard output is the JSON list alone, for a program to read.
    assert [s["uid"] for s in json.loads(out.getvalue())] == ["walk@test"]
    assert err.getvalue().splitlines() == [
        "3 skipped",
        "  skipped a private or confidential event: not imported, and its details are not shown",
        "  skipped odd@test: its repeat rule cannot be used: Activities can repeat daily, weekly, "
        "monthly or yearly, not more often",
        "  skipped gone@test: the event is cancelled",
    ]
    # A private event is never named, by title or UID.
    assert "therapy" not in (out.getvalue() + err.getvalue()).lower()
    # Without --json, the same list before the count.
    text = run("import_feed", "--dry-run", "--from", "2026-03-01", "--to", "2026-03-31", str(path))
    assert "  skipped gone@test: the event is cancelled" in text
    assert text.strip().endswith(
        "1 sessions from 2026-03-01 to 2026-03-31, 3 skipped; nothing stored."
    )


def test_a_dry_run_tells_what_the_feeds_rules_leave_out(
    tmp_path: Path, trusted_org: Organisation
) -> None:
    path = tmp_path / "rules.ics"
    path.write_bytes(calendar(vevent("staff@test", "Staff meeting", "DTSTART:20260303T100000Z")))
    source = make_source(trusted_org, url=str(path))
    source.exclude_keywords = "staff"
    source.save()
    err = StringIO()
    call_command(
        "import_feed",
        "--dry-run",
        "--json",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        str(path),
        stdout=StringIO(),
        stderr=err,
    )
    assert err.getvalue().splitlines() == [
        "1 skipped",
        "  skipped left out: its title has “staff”, which this feed leaves out",
    ]


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        ("2026-13-01", "2026-12-31", "not a date"),
        ("yesterday", "2026-12-31", "not a date"),
        ("2026-03-01", "31/12/2026", "not a date"),
        ("2026-03-31", "2026-03-01", "on or after"),
    ],
)
def test_a_bad_date_is_an_error(feed_file: Path, start: str, end: str, says: str) -> None:
    with pytest.raises(CommandError, match=says):
        dry_run(feed_file, start, end)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        dry_run(tmp_path / "missing.ics")


def test_a_file_that_is_not_a_calendar_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "page.ics"
    page.write_text("<html><body>Not a calendar</body></html>")
    with pytest.raises(CommandError, match="web page"):
        dry_run(page)


def test_a_dry_run_of_an_address(feed_server: FeedServer) -> None:
    url = feed_server.serve("/walks.ics", FEED)
    assert len(json.loads(dry_run(url))) == 10
    assert not FeedSource.objects.exists()


# --- Importing ----------------------------------------------------------------------------


def test_a_file_is_imported_into_an_organisation(
    feed_file: Path, trusted_org: Organisation
) -> None:
    out = run("import_feed", str(feed_file), "--organisation", str(trusted_org.public_id))
    assert out.splitlines()[0] == "3 created, 0 updated, 0 withdrawn, 0 unchanged, 0 skipped"
    source = FeedSource.objects.get()
    assert source.organisation == trusted_org
    assert source.url == f"file:{feed_file.resolve()}"
    assert not source.active  # the scheduled job never fetches a file
    assert set(FeedItem.objects.values_list("uid", flat=True)) == {
        "walk@test",
        "chat@test",
        "fete@test",
    }
    assert Activity.objects.filter(organisation=trusted_org, status="published").count() == 3
    again = run("import_feed", str(feed_file), "--organisation", str(trusted_org.public_id))
    assert again.splitlines()[0] == "0 created, 0 updated, 0 withdrawn, 3 unchanged, 0 skipped"
    assert FeedSource.objects.count() == 1


def test_skipped_events_are_listed(tmp_path: Path, trusted_org: Organisation) -> None:
    path = tmp_path / "odd.ics"
    path.write_bytes(
        calendar(vevent("odd@test", "Odd", "DTSTART:20260303T100000Z", "RRULE:FREQ=HOURLY"))
    )
    out = run("import_feed", str(path), "--organisation", str(trusted_org.public_id))
    assert "1 skipped" in out
    assert "skipped odd@test: its repeat rule cannot be used" in out


def test_an_import_needs_an_organisation(feed_file: Path) -> None:
    with pytest.raises(CommandError, match="--organisation"):
        run("import_feed", str(feed_file))
    with pytest.raises(CommandError, match="No organisation"):
        run("import_feed", str(feed_file), "--organisation", "00000000-0000-0000-0000-000000000000")
    assert not FeedSource.objects.exists()


def test_a_broken_file_changes_nothing(tmp_path: Path, trusted_org: Organisation) -> None:
    path = tmp_path / "broken.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n")
    with pytest.raises(CommandError, match="Nothing was changed"):
        run("import_feed", str(path), "--organisation", str(trusted_org.public_id))
    assert not Activity.objects.exists()


def test_a_linked_address_is_imported_as_the_scheduled_job_does(
    feed_server: FeedServer, trusted_org: Organisation
) -> None:
    url = feed_server.serve("/walks.ics", FEED)
    source = make_source(trusted_org, url)
    out = run("import_feed", url)
    assert out.splitlines()[0] == "3 created, 0 updated, 0 withdrawn, 0 unchanged, 0 skipped"
    assert source.imports.get().outcome == FeedImport.Outcome.IMPORTED
    feed_server.serve("/walks.ics", b"Gone", status=410)
    with pytest.raises(CommandError, match=r"Nothing was changed: .*410"):
        run("import_feed", url)
    assert Activity.objects.filter(status="published").count() == 3


# --- The scheduled job ------------------------------------------------------------------------


def test_the_scheduled_job_imports_every_active_feed_that_is_due(
    feed_server: FeedServer, trusted_org: Organisation, other_org: Organisation
) -> None:
    due = make_source(trusted_org, feed_server.serve("/a.ics", FEED))
    also_due = make_source(other_org, feed_server.serve("/b.ics", FEED))
    stopped = make_source(trusted_org, feed_server.serve("/stopped.ics", FEED))
    stopped.active = False
    stopped.save()
    recent = make_source(trusted_org, feed_server.serve("/recent.ics", FEED))
    recent.last_checked_at = timezone.now() - timedelta(minutes=5)
    recent.save()

    out = run("import_feeds")
    assert out.strip() == "Queued 2 feed imports."
    for source in (due, also_due):
        assert source.imports.get().outcome == FeedImport.Outcome.IMPORTED
        assert FeedItem.objects.filter(source=source).count() == 3
    assert not stopped.imports.exists() and not recent.imports.exists()
    assert feed_server.hits("/stopped.ics") == [] and feed_server.hits("/recent.ics") == []
    # Checked just now: not due again for an hour.
    assert run("import_feeds").strip() == "Queued 0 feed imports."
