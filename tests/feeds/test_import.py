"""Storing feeds: activities, schedules and sessions follow the feed; a bad feed changes nothing."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Category, Organisation, Schedule, Session
from inspiring.directory.recurrence import LONDON
from inspiring.feeds import importing
from inspiring.feeds.ical import parse_calendar
from inspiring.feeds.importing import run_import, store
from inspiring.feeds.models import FeedImport, FeedItem, FeedSource
from tests.conftest import sign_in
from tests.directory.builders import venue
from tests.personas import Personas

from .conftest import (
    TODAY,
    FeedServer,
    an_hour_later,
    calendar,
    make_source,
    snapshot,
    vevent,
    weekly_feed,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

SERIES = vevent(
    "walk@test",
    "Health walk",
    "DTSTART;TZID=Europe/London:20260303T100000",
    "DTEND;TZID=Europe/London:20260303T113000",
    "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4",
    "LOCATION:Kings Mill Reservoir",
    "DESCRIPTION:<p>Bring <b>boots</b></p><script>alert(1)</script>",
    "URL:https://walks.example.org/health-walk",
)
COFFEE = vevent(
    "coffee@test",
    "Coffee morning",
    "DTSTART;TZID=Europe/London:20260305T100000",
    "DTEND;TZID=Europe/London:20260305T120000",
    "RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3",
)


def imported(org: Organisation, data: bytes, source: FeedSource | None = None) -> FeedSource:
    source = source or make_source(org)
    store(source, parse_calendar(data))
    return source


def activity_of(source: FeedSource, uid: str) -> Activity:
    return FeedItem.objects.get(source=source, uid=uid).activity


def session_times(activity: Activity) -> list[tuple[datetime, str, bool]]:
    return [
        (timezone.localtime(s.start, LONDON), s.status, s.moved)
        for s in Session.objects.filter(activity=activity).order_by("occurrence_date")
    ]


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


# --- First import, and importing again ------------------------------------------------------


def test_a_first_import_creates_published_activities_with_sessions(
    trusted_org: Organisation, personas: Personas, client: Client
) -> None:
    source = make_source(trusted_org)
    report = store(source, parse_calendar(calendar(SERIES, COFFEE)))
    assert (report.created, report.updated, report.withdrawn, report.unchanged) == (2, 0, 0, 0)
    walk = activity_of(source, "walk@test")
    assert walk.status == Activity.Status.PUBLISHED
    assert walk.published_at is not None
    assert (walk.organisation, walk.home_area) == (trusted_org, personas.ashfield)
    assert (walk.source, walk.source_ref) == (Activity.Source.ICAL, "walk@test")
    assert walk.title == "Health walk"
    assert walk.booking_url == "https://walks.example.org/health-walk"
    # No default venue: the event's location is shown as the locality.
    assert (walk.venue, walk.locality) == (None, "Kings Mill Reservoir")
    schedule = Schedule.objects.get(activity=walk)
    assert (schedule.start_date, schedule.start_time, schedule.end_time) == (
        date(2026, 3, 3),
        time(10),
        time(11, 30),
    )
    assert schedule.timezone == "Europe/London" and not schedule.all_day
    assert [when for when, _, _ in session_times(walk)] == [
        at(3, 10),
        at(10, 10),
        at(17, 10),
        at(24, 10),
    ]
    assert Session.objects.filter(activity=activity_of(source, "coffee@test")).count() == 3
    assert FeedItem.objects.filter(source=source, removed_at=None).count() == 2
    # The public What's on page of the area lists them.
    page = client.get(reverse("directory:whats_on", kwargs={"slug": "ashfield"}))
    assert page.status_code == 200
    assert "Health walk" in page.content.decode()
    assert "Coffee morning" in page.content.decode()


def test_an_html_description_is_stored_as_safe_text(trusted_org: Organisation) -> None:
    walk = activity_of(imported(trusted_org, calendar(SERIES)), "walk@test")
    assert walk.description == "Bring boots"
    assert "<script" not in walk.description_html and "alert" not in walk.description_html
    assert "Bring boots" in walk.description_html


# A megabyte of description, in words: more than any Activity field keeps.
MEGABYTE = "Bring boots and a flask " * 43_700


def test_a_megabyte_description_is_stored_bounded_at_a_word(trusted_org: Organisation) -> None:
    data = calendar(
        vevent(
            "long@test",
            "Long walk " * 40,
            "DTSTART;TZID=Europe/London:20260303T100000",
            f"DESCRIPTION:{MEGABYTE}",
        )
    )
    assert len(data) > 1_000_000
    walk = activity_of(imported(trusted_org, data), "long@test")
    words = {"Bring", "boots", "and", "a", "flask"}
    assert len(walk.description) <= 5000 and walk.description.endswith("…")
    assert walk.description.removesuffix("…").split()[-1] in words  # a whole word
    assert len(walk.summary) <= 300 and walk.summary.removesuffix("…").split()[-1] in words
    assert len(walk.title) <= 150 and walk.title.endswith("Long walk…")


def test_text_is_fitted_to_the_activity_fields_limits(
    trusted_org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever max_length the directory gives an Activity text field is kept to (here set by
    the test; the description's limit is the directory's to choose)."""
    monkeypatch.setattr(Activity._meta.get_field("description"), "max_length", 1000)
    monkeypatch.setattr(Activity._meta.get_field("locality"), "max_length", 20)
    data = calendar(
        vevent(
            "long@test",
            "Long walk",
            "DTSTART;TZID=Europe/London:20260303T100000",
            f"DESCRIPTION:{MEGABYTE}",
            "LOCATION:Kings Mill Reservoir car park\\, Sutton-in-Ashfield",
            "URL:https://walks.example.org/" + "x" * 300,
        )
    )
    walk = activity_of(imported(trusted_org, data), "long@test")
    assert len(walk.description) <= 1000 and walk.description.endswith("…")
    assert walk.locality == "Kings Mill…"
    assert walk.booking_url == ""  # a web address too long to keep is left out, not cut


def test_the_shortening_keeps_to_its_limit_at_a_word_boundary() -> None:
    assert importing.shorten("Bring boots and a flask", 100) == "Bring boots and a flask"
    assert importing.shorten("Bring boots and a flask", 14) == "Bring boots…"
    assert importing.shorten("Bring boots and a flask", 12) == "Bring boots…"  # a whole word
    assert importing.shorten("Supercalifragilistic walk", 10) == "Supercali…"  # one long word
    for limit in range(1, 40):
        assert len(importing.shorten(MEGABYTE, limit)) <= limit


def test_importing_the_same_feed_again_changes_nothing(trusted_org: Organisation) -> None:
    data = calendar(SERIES, COFFEE)
    source = imported(trusted_org, data)
    before = snapshot()
    with an_hour_later():
        report = store(source, parse_calendar(data))
    assert (report.created, report.updated, report.withdrawn, report.unchanged) == (0, 0, 0, 2)
    assert snapshot() == before


def test_a_changed_event_updates_only_its_activity(trusted_org: Organisation) -> None:
    source = imported(trusted_org, calendar(SERIES, COFFEE))
    coffee_before = snapshot()
    changed = SERIES.replace("SUMMARY:Health walk", "SUMMARY:Health walk (longer route)").replace(
        "DTSTART;TZID=Europe/London:20260303T100000", "DTSTART;TZID=Europe/London:20260303T093000"
    )
    with an_hour_later():
        report = store(source, parse_calendar(calendar(changed, COFFEE)))
    assert (report.created, report.updated, report.withdrawn, report.unchanged) == (0, 1, 0, 1)
    walk = activity_of(source, "walk@test")
    assert walk.title == "Health walk (longer route)"
    assert timezone.localtime(walk.updated_at, LONDON).hour == 9  # rewritten an hour later
    assert [when.time() for when, _, _ in session_times(walk)] == [time(9, 30)] * 4
    # The same rows, updated in place: no second activity, schedule or session set.
    assert Activity.objects.count() == 2 and Schedule.objects.count() == 2
    coffee = activity_of(source, "coffee@test")
    after = snapshot()

    def coffee_rows(rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        return [r for r in rows["Activity"] if r["id"] == coffee.pk] + [
            r for r in rows["Session"] if r["activity_id"] == coffee.pk
        ]

    assert len(coffee_rows(after)) == 1 + 3
    assert coffee_rows(after) == coffee_rows(coffee_before)


def test_an_event_gone_from_the_feed_is_withdrawn_not_deleted_and_comes_back(
    trusted_org: Organisation,
) -> None:
    source = imported(trusted_org, calendar(SERIES, COFFEE))
    report = store(source, parse_calendar(calendar(COFFEE)))
    assert (report.created, report.updated, report.withdrawn, report.unchanged) == (0, 0, 1, 1)
    item = FeedItem.objects.get(source=source, uid="walk@test")
    assert item.removed_at == timezone.now()
    assert item.activity.status == Activity.Status.WITHDRAWN
    assert not Session.objects.filter(activity=item.activity).exists()
    assert activity_of(source, "coffee@test").status == Activity.Status.PUBLISHED
    # Still gone next time: nothing more to do.
    again = store(source, parse_calendar(calendar(COFFEE)))
    assert (again.withdrawn, again.unchanged) == (0, 1)

    back = store(source, parse_calendar(calendar(SERIES, COFFEE)))
    assert (back.created, back.updated, back.withdrawn) == (0, 1, 0)
    item.refresh_from_db()
    assert item.removed_at is None
    assert item.activity.status == Activity.Status.PUBLISHED
    assert len(session_times(item.activity)) == 4
    assert Activity.objects.count() == 2


def test_a_cancelled_series_is_withdrawn(trusted_org: Organisation) -> None:
    source = imported(trusted_org, calendar(SERIES))
    cancelled = SERIES.replace("END:VEVENT", "STATUS:CANCELLED\nEND:VEVENT")
    report = store(source, parse_calendar(calendar(cancelled)))
    assert report.withdrawn == 1
    walk = activity_of(source, "walk@test")
    assert walk.status == Activity.Status.WITHDRAWN
    assert not Session.objects.filter(activity=walk).exists()
    # Importing it again: still withdrawn, nothing new.
    again = store(source, parse_calendar(calendar(cancelled)))
    assert (again.withdrawn, again.created) == (0, 0)


def test_a_cancelled_event_never_seen_before_is_not_created(trusted_org: Organisation) -> None:
    cancelled = COFFEE.replace("END:VEVENT", "STATUS:CANCELLED\nEND:VEVENT")
    source = make_source(trusted_org)
    report = store(source, parse_calendar(calendar(cancelled)))
    assert report.created == 0
    assert report.skipped == [("coffee@test", "the event is cancelled")]
    assert not Activity.objects.exists()


def test_a_moved_and_a_cancelled_occurrence_become_sessions(trusted_org: Organisation) -> None:
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
    source = imported(trusted_org, calendar(SERIES, moved, cancelled))
    walk = activity_of(source, "walk@test")
    assert session_times(walk) == [
        (at(3, 10), Session.Status.SCHEDULED, False),
        (at(11, 14), Session.Status.SCHEDULED, True),
        (at(17, 10), Session.Status.CANCELLED, False),
        (at(24, 10), Session.Status.SCHEDULED, False),
    ]
    moved_session = Session.objects.get(activity=walk, occurrence_date=date(2026, 3, 10))
    assert moved_session.local_date == date(2026, 3, 11)
    assert timezone.localtime(moved_session.end, LONDON) == at(11, 15, 30)
    # The partner puts both back: the sessions follow.
    report = store(source, parse_calendar(calendar(SERIES)))
    assert report.updated == 1
    assert session_times(walk) == [
        (at(day, 10), Session.Status.SCHEDULED, False) for day in (3, 10, 17, 24)
    ]


def test_a_coordinators_own_changes_to_single_dates_survive_a_change_to_the_event(
    trusted_org: Organisation,
) -> None:
    moved = vevent(
        "walk@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20260310T100000",
        "DTSTART;TZID=Europe/London:20260311T140000",
        "DTEND;TZID=Europe/London:20260311T153000",
    )
    source = imported(trusted_org, calendar(SERIES, moved))
    walk = activity_of(source, "walk@test")
    # By hand: the 17th cancelled (the reservoir is closed) and the 24th moved to 11:00.
    Session.objects.filter(activity=walk, occurrence_date=date(2026, 3, 17)).update(
        status=Session.Status.CANCELLED, note="Reservoir closed"
    )
    on_24th = Session.objects.get(activity=walk, occurrence_date=date(2026, 3, 24))
    on_24th.set_times(at(24, 11), at(24, 12, 30))
    on_24th.moved = True
    on_24th.save()
    # The partner renames the walk and drops the move of the 10th.
    renamed = calendar(SERIES.replace("SUMMARY:Health walk", "SUMMARY:Reservoir walk"))
    assert store(source, parse_calendar(renamed)).updated == 1
    assert session_times(walk) == [
        (at(3, 10), Session.Status.SCHEDULED, False),
        (at(10, 10), Session.Status.SCHEDULED, False),  # the feed's own move, undone
        (at(17, 10), Session.Status.CANCELLED, False),  # the coordinator's, kept
        (at(24, 11), Session.Status.SCHEDULED, True),
    ]
    assert Session.objects.get(activity=walk, occurrence_date=date(2026, 3, 17)).note == (
        "Reservoir closed"
    )


def test_a_date_the_feed_changed_beyond_the_horizon_is_applied_when_it_comes_in(
    trusted_org: Organisation,
) -> None:
    series = SERIES.replace(";COUNT=4", "")  # every Tuesday, no end
    far = vevent(
        "walk@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20270504T100000",
        "DTSTART;TZID=Europe/London:20270504T100000",
        "STATUS:CANCELLED",
    )
    walk = activity_of(imported(trusted_org, calendar(series, far)), "walk@test")
    on_the_day = Session.objects.filter(activity=walk, occurrence_date=date(2027, 5, 4))
    assert not on_the_day.exists()  # past the 13 months materialised
    materialise_all(today=date(2026, 5, 1))  # the nightly roll-forward, two months on
    assert on_the_day.get().status == Session.Status.CANCELLED


def test_an_all_day_occurrence_moved_to_another_day(trusted_org: Organisation) -> None:
    series = vevent(
        "bins@test",
        "Bin day",
        "DTSTART;VALUE=DATE:20260305",
        "DTEND;VALUE=DATE:20260306",
        "RRULE:FREQ=WEEKLY;COUNT=3",
    )
    moved = vevent(
        "bins@test",
        "Bin day",
        "RECURRENCE-ID;VALUE=DATE:20260312",
        "DTSTART;VALUE=DATE:20260313",
        "DTEND;VALUE=DATE:20260314",
    )
    bins = activity_of(imported(trusted_org, calendar(series, moved)), "bins@test")
    sessions = Session.objects.filter(activity=bins).order_by("occurrence_date")
    assert [(s.local_date, s.moved, s.all_day) for s in sessions] == [
        (date(2026, 3, 5), False, True),
        (date(2026, 3, 13), True, True),
        (date(2026, 3, 19), False, True),
    ]


# --- Who approves -----------------------------------------------------------------------------


def test_an_untrusted_partners_events_wait_for_the_coordinator(
    untrusted_org: Organisation, client: Client
) -> None:
    source = imported(untrusted_org, calendar(SERIES))
    walk = activity_of(source, "walk@test")
    assert walk.status == Activity.Status.PENDING
    assert walk.published_at is None
    assert not Session.objects.filter(activity=walk).exists()
    page = client.get(reverse("directory:whats_on", kwargs={"slug": "ashfield"}))
    assert "Health walk" not in page.content.decode()


def _approve(client: Client, personas: Personas, activity: Activity, capture: Any) -> None:
    sign_in(client, personas.coordinator, area=personas.ashfield)
    with capture(execute=True):
        response = client.post(
            reverse("directory:review", kwargs={"public_id": activity.public_id}),
            {"decision": "approve"},
        )
    assert response.status_code == 302


def test_an_untrusted_partners_change_to_a_published_activity_waits_as_a_revision(
    untrusted_org: Organisation,
    personas: Personas,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    source = imported(untrusted_org, calendar(SERIES))
    walk = activity_of(source, "walk@test")
    _approve(client, personas, walk, django_capture_on_commit_callbacks)
    walk.refresh_from_db()
    assert walk.status == Activity.Status.PUBLISHED
    sessions_before = session_times(walk)
    assert len(sessions_before) == 4

    changed = SERIES.replace("SUMMARY:Health walk", "SUMMARY:Health walk and picnic").replace(
        "T113000", "T130000"
    )
    report = store(source, parse_calendar(calendar(changed)))
    assert report.updated == 1
    walk.refresh_from_db()
    # The published listing is as the coordinator approved it...
    assert walk.status == Activity.Status.PUBLISHED
    assert walk.title == "Health walk"
    assert Schedule.objects.get(activity=walk).end_time == time(11, 30)
    assert session_times(walk) == sessions_before
    # ...and the change waits for approval as a revision.
    revision = walk.revisions.get()
    assert revision.status == Activity.Status.PENDING
    assert revision.title == "Health walk and picnic"
    assert Schedule.objects.get(activity=revision).end_time == time(13)
    # A further change updates the same revision.
    store(source, parse_calendar(calendar(changed.replace("and picnic", "and lunch"))))
    assert walk.revisions.get().title == "Health walk and lunch"


def test_approving_a_feed_activity_does_not_make_a_revision_of_it(
    untrusted_org: Organisation,
    personas: Personas,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Approval applies the feed's cancelled and moved dates at once (sessions exist only
    once published), without waiting for the next import; and that import, of an event
    unchanged since, is neither a "change" for the coordinator nor a revision."""
    cancelled = vevent(
        "walk@test",
        "Health walk",
        "RECURRENCE-ID;TZID=Europe/London:20260317T100000",
        "DTSTART;TZID=Europe/London:20260317T100000",
        "STATUS:CANCELLED",
    )
    data = calendar(SERIES, cancelled)
    source = imported(untrusted_org, data)
    walk = activity_of(source, "walk@test")
    assert not Session.objects.filter(activity=walk).exists()
    _approve(client, personas, walk, django_capture_on_commit_callbacks)
    expected = ["scheduled", "scheduled", "cancelled", "scheduled"]
    assert [status for _, status, _ in session_times(walk)] == expected
    again = store(source, parse_calendar(data))
    assert (again.updated, again.unchanged) == (0, 1)
    walk.refresh_from_db()
    assert walk.status == Activity.Status.PUBLISHED
    assert not walk.revisions.exists()
    assert [status for _, status, _ in session_times(walk)] == expected


def test_a_feed_change_to_an_activity_sent_back_goes_to_the_coordinator_again(
    untrusted_org: Organisation, personas: Personas, client: Client
) -> None:
    """As for a change made on the site: a returned activity the partner changes waits for
    approval again, rather than staying "sent back" for good."""
    source = imported(untrusted_org, calendar(SERIES))
    walk = activity_of(source, "walk@test")
    sign_in(client, personas.coordinator, area=personas.ashfield)
    response = client.post(
        reverse("directory:review", kwargs={"public_id": walk.public_id}),
        {"decision": "return", "note": "Say where to meet"},
    )
    assert response.status_code == 302
    walk.refresh_from_db()
    assert walk.status == Activity.Status.RETURNED
    fixed = SERIES.replace("LOCATION:Kings Mill Reservoir", "LOCATION:Kings Mill car park")
    store(source, parse_calendar(calendar(fixed)))
    walk.refresh_from_db()
    assert walk.locality == "Kings Mill car park"
    assert walk.status == Activity.Status.PENDING
    # Unchanged in the feed: it stays where the coordinator put it.
    walk.status = Activity.Status.RETURNED
    walk.save()
    store(source, parse_calendar(calendar(fixed)))
    walk.refresh_from_db()
    assert walk.status == Activity.Status.RETURNED


def test_a_trusted_partners_change_is_published_at_once(trusted_org: Organisation) -> None:
    source = imported(trusted_org, calendar(SERIES))
    store(source, parse_calendar(calendar(SERIES.replace("Health walk", "Health stroll"))))
    walk = activity_of(source, "walk@test")
    assert walk.title == "Health stroll" and walk.status == Activity.Status.PUBLISHED
    assert not walk.revisions.exists()


# --- What the feed's settings add -------------------------------------------------------------


def test_the_default_venue_and_categories_are_applied(trusted_org: Organisation) -> None:
    hall = venue(trusted_org, "Kirkby Community Hall", "NG17 7AE")
    source = make_source(trusted_org)
    source.default_venue = hall
    source.save()
    categories = list(Category.objects.order_by("pk")[:2])
    source.default_categories.set(categories)
    store(source, parse_calendar(calendar(SERIES, COFFEE)))
    for uid in ("walk@test", "coffee@test"):
        activity = activity_of(source, uid)
        assert activity.venue == hall
        assert (activity.hide_address, activity.locality) == (False, "")
        assert set(activity.categories.all()) == set(categories)


# --- run_import: fetch, parse, store, and the report ---------------------------------------


def test_run_import_records_what_it_did(trusted_org: Organisation, feed_server: FeedServer) -> None:
    nameless = "BEGIN:VEVENT\nSUMMARY:Nameless\nDTSTART:20260310T100000Z\nEND:VEVENT"
    hourly = vevent("hourly@test", "Drop-in", "DTSTART:20260310T100000Z", "RRULE:FREQ=HOURLY")
    url = feed_server.serve(
        "/walks.ics",
        calendar(SERIES, nameless, hourly, header="X-WR-CALNAME:Kirkby Walks"),
        headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Mar 2026 07:00:00 GMT"},
    )
    source = make_source(trusted_org, url)
    record = run_import(source)
    assert record.outcome == FeedImport.Outcome.IMPORTED
    # The event without a UID is listed too, under a UID made from its content.
    assert (record.created, record.updated, record.withdrawn, record.unchanged) == (2, 0, 0, 0)
    assert record.error == ""
    assert record.skipped == [
        {
            "uid": "hourly@test",
            "reason": "its repeat rule cannot be used: Activities can repeat daily, weekly, "
            "monthly or yearly, not more often",
        },
    ]
    source.refresh_from_db()
    assert source.health == FeedSource.Health.OK and source.last_error == ""
    assert source.last_success_at == timezone.now()
    assert (source.etag, source.last_modified) == ('"v1"', "Mon, 02 Mar 2026 07:00:00 GMT")
    assert source.name == "Kirkby Walks"
    assert len(source.content_hash) == 64
    entry = AuditEntry.objects.get(action="feed.imported")
    assert entry.detail == {"outcome": "imported", "created": 2, "updated": 0, "withdrawn": 0}


def test_run_import_of_the_same_content_is_unchanged(
    trusted_org: Organisation, feed_server: FeedServer
) -> None:
    # No ETag: the server sends the whole feed each time; its hash shows it has not changed.
    url = feed_server.serve("/walks.ics", calendar(SERIES, COFFEE))
    source = make_source(trusted_org, url)
    assert run_import(source).outcome == FeedImport.Outcome.IMPORTED
    before = snapshot()
    with an_hour_later():
        second = run_import(source)
    assert second.outcome == FeedImport.Outcome.UNCHANGED
    assert (second.created, second.updated, second.withdrawn) == (0, 0, 0)
    assert snapshot() == before
    # Forced: parsed and compared again, still nothing to write.
    with an_hour_later():
        forced = run_import(source, force=True)
    assert forced.outcome == FeedImport.Outcome.IMPORTED
    assert (forced.created, forced.updated, forced.unchanged) == (0, 0, 2)
    assert snapshot() == before
    # Newest first: forced, unchanged, first.
    outcomes = list(source.imports.values_list("outcome", flat=True))
    assert outcomes == ["imported", "unchanged", "imported"]


def test_run_import_with_an_etag_asks_whether_the_feed_changed(
    trusted_org: Organisation, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/walks.ics", calendar(SERIES), headers={"ETag": '"abc"'})
    source = make_source(trusted_org, url)
    run_import(source)
    record = run_import(source)
    assert record.outcome == FeedImport.Outcome.UNCHANGED
    first, second = feed_server.hits("/walks.ics")
    assert "If-None-Match" not in first
    assert second["If-None-Match"] == '"abc"'
    source.refresh_from_db()
    assert source.etag == '"abc"' and source.health == FeedSource.Health.OK


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/walks.ics"


@pytest.mark.parametrize(
    ("problem", "says"),
    [
        ("unreachable", "could not be reached"),
        ("web page", "web page"),
        ("malformed", "could not be read"),
        ("not found", "404"),
        ("server error", "500"),
    ],
)
def test_a_failing_feed_changes_nothing_and_says_why(
    trusted_org: Organisation, feed_server: FeedServer, problem: str, says: str
) -> None:
    url = feed_server.serve("/walks.ics", calendar(SERIES, COFFEE))
    source = make_source(trusted_org, url)
    assert run_import(source).outcome == FeedImport.Outcome.IMPORTED
    source.refresh_from_db()
    last_success = source.last_success_at
    before = snapshot()
    if problem == "unreachable":
        source.url = _closed_port_url()
    elif problem == "web page":
        feed_server.serve("/walks.ics", b"<!DOCTYPE html><html><body>Sign in</body></html>")
    elif problem == "malformed":
        feed_server.serve("/walks.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Walk\r\n")
    elif problem == "not found":
        del feed_server.routes["/walks.ics"]
    else:
        feed_server.serve("/walks.ics", b"Oops", status=500)
    record = run_import(source)
    assert record.outcome == FeedImport.Outcome.FAILED
    assert says in record.error
    assert (record.created, record.updated, record.withdrawn) == (0, 0, 0)
    assert snapshot() == before
    source.refresh_from_db()
    assert source.health == FeedSource.Health.FAILING
    assert source.last_error == record.error
    assert source.last_success_at == last_success
    assert list(source.imports.values_list("outcome", flat=True)) == ["failed", "imported"]


def test_a_bug_while_storing_changes_nothing(
    trusted_org: Organisation, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = feed_server.serve("/walks.ics", calendar(SERIES))
    source = make_source(trusted_org, url)
    run_import(source)
    before = snapshot()
    feed_server.serve("/walks.ics", calendar(SERIES.replace("Health walk", "Renamed"), COFFEE))

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    # Fails after the activities are written: the whole store is rolled back.
    monkeypatch.setattr(importing, "_put_back", broken)
    record = run_import(source)
    assert record.outcome == FeedImport.Outcome.FAILED
    assert "RuntimeError" in record.error
    assert snapshot() == before
    source.refresh_from_db()
    assert source.health == FeedSource.Health.FAILING


# --- Scale ---------------------------------------------------------------------------------


def _queries(count: int, org: Organisation, *, twice: bool) -> int:
    source = make_source(org, f"https://calendar.example.org/{count}.ics")
    parsed = parse_calendar(weekly_feed(count))
    if twice:
        store(source, parsed)
    with CaptureQueriesContext(connection) as queries:
        report = store(source, parsed)
    assert report.created + report.unchanged == count
    return len(queries)


def test_reimporting_an_unchanged_feed_costs_the_same_for_10_or_50_events(
    trusted_org: Organisation,
) -> None:
    assert _queries(10, trusted_org, twice=True) == _queries(50, trusted_org, twice=True)


def test_a_first_import_is_written_in_bulk(trusted_org: Organisation) -> None:
    # A few more batches for five times the events (SQLite limits a batch's size),
    # never a query per event.
    ten, fifty = _queries(10, trusted_org, twice=False), _queries(50, trusted_org, twice=False)
    assert ten <= fifty <= ten + 5


def test_changed_events_are_written_in_bulk(trusted_org: Organisation) -> None:
    def queries(count: int) -> int:
        source = make_source(trusted_org, f"https://calendar.example.org/changed-{count}.ics")
        store(source, parse_calendar(weekly_feed(count)))
        changed = parse_calendar(weekly_feed(count, title="Renamed walk"))
        with CaptureQueriesContext(connection) as captured:
            report = store(source, changed)
        assert report.updated == count
        return len(captured)

    ten, fifty = queries(10), queries(50)
    assert ten <= fifty <= ten + 5


# --- Events the database could not keep ------------------------------------------------------

LONG_RULE = (
    "RRULE:FREQ=MONTHLY;BYDAY="
    + ",".join(
        f"{n}{day}" for n in (1, 2, 3, 4, -1) for day in ("MO", "TU", "WE", "TH", "FR", "SA")
    )
    + ";BYSETPOS="
    + ",".join(str(n) for n in [*range(1, 32), *range(-10, 0)])
    + ";BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12"
)


def test_an_event_too_long_to_keep_is_skipped_and_the_rest_imported(
    trusted_org: Organisation,
) -> None:
    """A UID over FeedItem.uid's 500 characters, or a rule over Schedule.rrule's 300, would
    fail the whole import on PostgreSQL (SQLite does not check lengths)."""
    data = calendar(
        vevent("x" * 600 + "@test", "Long UID", "DTSTART:20260310T100000Z"),
        vevent("rule@test", "Long rule", "DTSTART:20260310T100000Z", LONG_RULE),
        SERIES,
    )
    source = make_source(trusted_org)
    report = store(source, parse_calendar(data))
    assert report.created == 1
    assert [reason for _, reason in report.skipped] == [
        "its UID is longer than 500 characters",
        "its repeat rule is longer than 300 characters",
    ]
    assert report.skipped[0][0].startswith("xxx") and len(report.skipped[0][0]) == 101
    assert list(FeedItem.objects.values_list("uid", flat=True)) == ["walk@test"]


def test_a_session_in_the_hour_the_clocks_skip(trusted_org: Organisation) -> None:
    night = vevent(
        "night@test",
        "Night walk",
        "DTSTART;TZID=Europe/London:20260327T013000",
        "DTEND;TZID=Europe/London:20260327T023000",
        "RRULE:FREQ=DAILY;COUNT=5",
    )
    walk = activity_of(imported(trusted_org, calendar(night)), "night@test")
    sessions = Session.objects.filter(activity=walk).order_by("occurrence_date")
    assert [s.occurrence_date.day for s in sessions] == [27, 28, 29, 30, 31]
    # 01:30 does not exist on the 29th: it names 02:30 BST, and the walk keeps its hour.
    assert all(s.end - s.start == timedelta(hours=1) for s in sessions)  # UTC from the database
    skipped = sessions.get(occurrence_date=date(2026, 3, 29))
    assert skipped.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


# --- Events lasting more than a day ----------------------------------------------------------


def test_a_festival_weekend_is_one_session_over_its_days(trusted_org: Organisation) -> None:
    festival = vevent(
        "festival@test",
        "Kirkby Festival",
        "DTSTART;VALUE=DATE:20260306",
        "DTEND;VALUE=DATE:20260309",
    )
    source = imported(trusted_org, calendar(festival))
    schedule = Schedule.objects.get(activity=activity_of(source, "festival@test"))
    assert (schedule.all_day, schedule.duration_days) == (True, 2)
    assert schedule.summary == "Once, Friday 6 to Sunday 8 March 2026, all day"
    (session,) = Session.objects.filter(schedule=schedule)
    assert (session.local_date, session.end_local_date) == (date(2026, 3, 6), date(2026, 3, 8))
    assert session.when_label == "Friday 6 to Sunday 8 March, all day"
    # Importing the same file again changes nothing.
    report = store(source, parse_calendar(calendar(festival)))
    assert (report.updated, report.unchanged) == (0, 1)


def test_an_event_already_running_when_it_is_first_imported_is_listed(
    trusted_org: Organisation,
) -> None:
    # Today is TODAY; a three-day event began yesterday.
    first = TODAY - timedelta(days=1)
    last = TODAY + timedelta(days=2)
    event = vevent(
        "week@test",
        "Craft week",
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
        f"DTEND;VALUE=DATE:{last:%Y%m%d}",
    )
    source = imported(trusted_org, calendar(event))
    (session,) = Session.objects.filter(activity=activity_of(source, "week@test"))
    assert (session.local_date, session.end_local_date) == (first, TODAY + timedelta(days=1))


def test_an_overnight_series_keeps_its_end_on_the_next_day(trusted_org: Organisation) -> None:
    source = imported(
        trusted_org,
        calendar(
            vevent(
                "disco@test",
                "Silent disco",
                "DTSTART;TZID=Europe/London:20260306T200000",
                "DTEND;TZID=Europe/London:20260307T013000",
                "RRULE:FREQ=WEEKLY;COUNT=2",
                "EXDATE;TZID=Europe/London:20260313T200000",
                "RDATE;TZID=Europe/London:20260320T200000",
            )
        ),
    )
    sessions = Session.objects.filter(activity=activity_of(source, "disco@test"))
    assert [
        (s.local_date, s.end_local_date, timezone.localtime(s.end).time()) for s in sessions
    ] == [
        (date(2026, 3, 6), date(2026, 3, 7), time(1, 30)),
        (date(2026, 3, 20), date(2026, 3, 21), time(1, 30)),
    ]
    assert sessions[0].time_label == "20:00 Friday to 01:30 Saturday"


def test_a_nul_byte_in_a_calendar_is_dropped_not_stored(trusted_org: Organisation) -> None:
    # PostgreSQL refuses NUL in text; a broken export can carry one anywhere.
    broken = vevent("nul\x00@test", "Coffee\x00 morning", "DTSTART:20260305T100000Z")
    source = imported(trusted_org, calendar(broken))
    item = FeedItem.objects.get(source=source)
    assert (item.uid, item.activity.title) == ("nul@test", "Coffee morning")
