"""Events a feed does not import: private ones never, and what its owner leaves out.

A private event's title ("Committee at Jane's house") and UID appear nowhere: not
in the import report, the feed's page, the preview, the commands' output, the
audit trail or the logs.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from inspiring.accounts.models import AuditEntry
from inspiring.directory.models import Activity, Organisation, Session
from inspiring.feeds.exclusions import PRIVATE_REASON, Exclusions, listed
from inspiring.feeds.ical import parse_calendar
from inspiring.feeds.importing import run_import, store
from inspiring.feeds.models import FeedImport, FeedItem, FeedSource
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import FeedServer, calendar, make_source, vevent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

WHEN = ("DTSTART;TZID=Europe/London:20260303T100000", "DTEND;TZID=Europe/London:20260303T110000")
WEEKLY = "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4"

# What must never be shown: a private event's title, description, place and UID.
SECRET_TITLE = "Committee at Jane's house"
SECRETS = (SECRET_TITLE, "Jane", "14 Elm Road", "janes-house-uid")

PUBLIC = vevent("walk@test", "Health walk", *WHEN, WEEKLY, "CLASS:PUBLIC")
UNCLASSED = vevent("coffee@test", "Coffee morning", *WHEN)
# Some calendar apps write an empty CLASS: no class given, so PUBLIC, the default.
EMPTY_CLASS = vevent("quiz@test", "Quiz night", *WHEN, "CLASS:")
PRIVATE = vevent(
    "janes-house-uid@test",
    SECRET_TITLE,
    *WHEN,
    "CLASS:PRIVATE",
    "LOCATION:14 Elm Road",
    "DESCRIPTION:Jane's house\\, bring the minutes",
)
CONFIDENTIAL = vevent("budget@test", "Budget", *WHEN, "CLASS:CONFIDENTIAL")
# RFC 5545: a class the reader does not know is treated as PRIVATE.
UNKNOWN_CLASS = vevent("x@test", "Trustees", *WHEN, "CLASS:X-STAFF-ONLY")
# No UID at all: the report names such an event by its title, but not a private one.
PRIVATE_WITHOUT_UID = (
    "BEGIN:VEVENT\nSUMMARY:Committee at Jane's house again\nCLASS:PRIVATE\n"
    "DTSTART:20260310T100000Z\nEND:VEVENT"
)
FEED = calendar(
    PUBLIC, UNCLASSED, EMPTY_CLASS, PRIVATE, CONFIDENTIAL, UNKNOWN_CLASS, PRIVATE_WITHOUT_UID
)


def assert_no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "Jane&#x27;s" not in text  # nor escaped for HTML


def page(name: str, source: FeedSource) -> str:
    return reverse(f"feeds:{name}", kwargs={"public_id": source.public_id})


def uids(source: FeedSource, *, listed_only: bool = True) -> set[str]:
    items = FeedItem.objects.filter(source=source)
    if listed_only:
        items = items.exclude(activity__status=Activity.Status.WITHDRAWN)
    return set(items.values_list("uid", flat=True))


# --- Private events ---------------------------------------------------------------------------


def test_only_public_and_unclassified_events_are_imported(trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    report = store(source, parse_calendar(FEED))
    assert report.created == 3
    assert uids(source) == {"walk@test", "coffee@test", "quiz@test"}
    assert not Activity.objects.filter(title__in=[SECRET_TITLE, "Budget", "Trustees"]).exists()
    # Counted, each without its UID or title.
    assert report.skipped == [("", PRIVATE_REASON)] * 4


def test_a_private_events_title_appears_nowhere(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    feed_server: FeedServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = feed_server.serve("/club.ics", FEED)
    source = make_source(trusted_org, url)
    record = run_import(source)
    assert record.outcome == FeedImport.Outcome.IMPORTED and record.created == 3
    assert record.skipped == [{"uid": "", "reason": PRIVATE_REASON}] * 4
    assert_no_secrets(json.dumps(record.skipped))
    assert_no_secrets(json.dumps(list(AuditEntry.objects.values()), default=str))

    sign_in(client, personas.partner_lead, area=personas.ashfield)
    feed_page = client.get(page("feed", source)).content.decode()
    assert "4 events not used" in feed_page and PRIVATE_REASON in feed_page
    assert_no_secrets(feed_page)
    preview = client.get(page("preview", source)).content.decode()
    assert "Health walk" in preview
    assert_no_secrets(preview)

    out = StringIO()
    call_command("import_feed", "--dry-run", "--json", "--to", "2026-04-30", url, stdout=out)
    sessions = json.loads(out.getvalue())
    assert {s["uid"] for s in sessions} == {"walk@test", "coffee@test", "quiz@test"}
    assert_no_secrets(out.getvalue())
    path = tmp_path / "club.ics"
    path.write_bytes(FEED)
    out = StringIO()
    call_command("import_feed", "--organisation", str(trusted_org.public_id), path, stdout=out)
    assert "4 skipped" in out.getvalue()
    assert_no_secrets(out.getvalue())

    assert_no_secrets(caplog.text)


def test_an_event_made_private_is_withdrawn(trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    store(source, parse_calendar(calendar(PUBLIC, UNCLASSED)))
    report = store(source, parse_calendar(calendar(PUBLIC.replace("PUBLIC", "PRIVATE"), UNCLASSED)))
    assert report.withdrawn == 1
    assert uids(source) == {"coffee@test"}
    walk = FeedItem.objects.get(source=source, uid="walk@test").activity
    assert walk.status == Activity.Status.WITHDRAWN
    assert not Session.objects.filter(activity=walk, status=Session.Status.SCHEDULED).exists()


def test_a_private_occurrence_of_a_public_series_is_left_out(trusted_org: Organisation) -> None:
    """One date of a public series made private (moved to someone's house, say): that
    date is not listed, neither at its new time nor at the series' time."""
    moved = vevent(
        "walk@test",
        SECRET_TITLE,
        "RECURRENCE-ID;TZID=Europe/London:20260310T100000",
        "DTSTART;TZID=Europe/London:20260310T190000",
        "DTEND;TZID=Europe/London:20260310T210000",
        "LOCATION:14 Elm Road",
        "CLASS:PRIVATE",
    )
    source = make_source(trusted_org)
    report = store(source, parse_calendar(calendar(PUBLIC, moved)))
    assert report.created == 1
    assert ("walk@test", "one occurrence is private: it is left out of the listing") in (
        report.skipped
    )
    walk = FeedItem.objects.get(source=source, uid="walk@test").activity
    statuses = dict(Session.objects.filter(activity=walk).values_list("occurrence_date", "status"))
    assert statuses[date(2026, 3, 10)] == Session.Status.CANCELLED
    assert statuses[date(2026, 3, 17)] == Session.Status.SCHEDULED
    assert_no_secrets(json.dumps(list(Session.objects.values()), default=str))


def test_a_private_series_takes_its_changed_dates_with_it(trusted_org: Organisation) -> None:
    instance = vevent(
        "janes-house-uid@test",
        SECRET_TITLE,
        "RECURRENCE-ID;TZID=Europe/London:20260310T100000",
        "DTSTART;TZID=Europe/London:20260310T190000",
    )
    parsed = parse_calendar(calendar(PRIVATE, instance))
    assert parsed.events == []
    assert parsed.skipped == [("", PRIVATE_REASON)]


# --- What a feed's owner leaves out -------------------------------------------------------------

MEETING = vevent("meeting@test", "Committee meeting", *WHEN)
SUBCOMMITTEE = vevent("sub@test", "Subcommittee lunch", *WHEN)
ART = vevent("art@test", "ART CLUB", *WHEN)
PARTY = vevent("party@test", "Party in the park", *WHEN)
STAFF = vevent("rota@test", "Volunteer rota", *WHEN, "CATEGORIES:Meetings,staff")
CHOIR = vevent("choir@test", "Choir", *WHEN, "CATEGORIES:Music")
EVERYTHING = calendar(PUBLIC, MEETING, SUBCOMMITTEE, ART, PARTY, STAFF, CHOIR)


def test_events_are_left_out_by_a_whole_word_in_the_title_any_case(
    trusted_org: Organisation,
) -> None:
    source = make_source(trusted_org)
    source.exclude_keywords = "committee, art"
    source.save()
    report = store(source, parse_calendar(EVERYTHING))
    assert uids(source) == {"walk@test", "sub@test", "party@test", "rota@test", "choir@test"}
    assert sorted(reason for _, reason in report.skipped) == [
        "left out: its title has “art”, which this feed leaves out",
        "left out: its title has “committee”, which this feed leaves out",
    ]
    assert {uid for uid, _ in report.skipped} == {""}


def test_events_are_left_out_by_category_any_case(trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    source.exclude_categories = "Staff"
    source.save()
    report = store(source, parse_calendar(EVERYTHING))
    assert "rota@test" not in uids(source) and "choir@test" in uids(source)
    assert report.skipped == [
        ("", "left out: it is in the category “Staff”, which this feed leaves out")
    ]


def test_events_imported_before_a_rule_are_withdrawn_at_the_next_import_and_come_back(
    trusted_org: Organisation, feed_server: FeedServer
) -> None:
    """The calendar has not changed: the new rule alone must make the import store it again
    (not "unchanged"), and withdraw what it leaves out, as a gone event is withdrawn."""
    url = feed_server.serve("/club.ics", EVERYTHING, headers={"ETag": '"v1"'})
    source = make_source(trusted_org, url)
    assert run_import(source).created == 7
    assert run_import(source).outcome == FeedImport.Outcome.UNCHANGED

    source.exclude_keywords, source.exclude_categories = "Committee", "staff"
    source.save()
    source.forget_content()  # as the feed's page does when its rules change
    record = run_import(source)
    assert (record.outcome, record.withdrawn) == (FeedImport.Outcome.IMPORTED, 2)
    assert uids(source) == {"walk@test", "sub@test", "art@test", "party@test", "choir@test"}
    meeting = FeedItem.objects.get(source=source, uid="meeting@test")
    assert meeting.removed_at is not None
    assert meeting.activity.status == Activity.Status.WITHDRAWN

    source.exclude_keywords = source.exclude_categories = ""
    source.save()
    record = run_import(source, force=True)
    assert record.updated == 2 and record.withdrawn == 0
    assert len(uids(source)) == 7


def test_a_changed_rule_alone_changes_the_stored_digest(
    trusted_org: Organisation, feed_server: FeedServer
) -> None:
    """Without the etag (a server that sends none), an unchanged calendar under new rules is
    still stored again: the digest the import compares includes the rules."""
    url = feed_server.serve("/club.ics", EVERYTHING)
    source = make_source(trusted_org, url)
    run_import(source)
    source.exclude_keywords = "party"
    source.save()
    record = run_import(source)
    assert (record.outcome, record.withdrawn) == (FeedImport.Outcome.IMPORTED, 1)
    assert "party@test" not in uids(source)


def test_the_preview_and_dry_run_leave_out_what_the_feed_leaves_out(
    client: Client, personas: Personas, trusted_org: Organisation, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/club.ics", EVERYTHING)
    source = make_source(trusted_org, url)
    source.exclude_keywords = "committee"
    source.save()
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    html = client.get(page("preview", source)).content.decode()
    assert "Health walk" in html and "Subcommittee lunch" in html
    assert "Committee meeting" not in html
    out = StringIO()
    call_command("import_feed", "--dry-run", "--json", "--to", "2026-04-30", url, stdout=out)
    assert "Committee meeting" not in out.getvalue() and "Health walk" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("", []),
        (" committee ,  Jane's   house,, ", ["committee", "Jane's house"]),
        ("Staff\nstaff, STAFF, Internal", ["Staff", "Internal"]),
    ],
)
def test_a_list_is_read_trimmed_and_without_repeats(text: str, items: list[str]) -> None:
    assert listed(text) == items


def test_keywords_with_punctuation_match_as_phrases() -> None:
    rules = Exclusions.from_text("Jane's house, #private", "")
    assert rules.reason("Meeting at JANE'S HOUSE", [])
    assert rules.reason("Walk #private", [])
    assert rules.reason("Walk #privateer", []) is None
    assert rules.reason("Janes house", []) is None


# --- The feed's pages -------------------------------------------------------------------------


def test_the_feed_page_shows_what_it_leaves_out_and_links_to_change_it(
    client: Client, personas: Personas, trusted_org: Organisation
) -> None:
    source = make_source(trusted_org)
    source.exclude_keywords, source.exclude_categories = "committee, Jane's house", "Staff"
    source.save()
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    html = client.get(page("feed", source)).content.decode()
    assert "Events marked private or confidential in the calendar" in html
    assert "Titles with “committee”, “Jane&#x27;s house”" in html
    assert "In the category “Staff”" in html
    assert f'href="{page("edit", source)}"' in html


def test_the_owner_changes_what_is_left_out_and_it_is_withdrawn_at_once(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    feed_server: FeedServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = feed_server.serve("/club.ics", EVERYTHING, headers={"ETag": '"v1"'})
    source = make_source(trusted_org, url)
    run_import(source)
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    form = client.get(page("edit", source)).content.decode()
    assert "Leave out events with these words in their title (optional)" in form
    assert "Whole words only" in form and "never imported" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page("edit", source),
            {"name": "Club", "exclude_keywords": " committee,, Art ", "exclude_categories": ""},
        )
    assert response.status_code == 302 and response["Location"] == page("feed", source)
    source.refresh_from_db()
    assert (source.name, source.exclude_keywords) == ("Club", "committee, Art")
    # The import the change queued ran: the calendar is unchanged (same ETag) but was
    # fetched and stored again under the new rules.
    latest = source.imports.first()
    assert latest is not None and latest.outcome == FeedImport.Outcome.IMPORTED
    assert latest.withdrawn == 2
    assert "meeting@test" not in uids(source) and "art@test" not in uids(source)
    entry = AuditEntry.objects.filter(action="feed.changed").get()
    assert entry.detail["exclude_keywords"] == "committee, Art"


def test_a_name_alone_changed_does_not_import_again(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    source = make_source(trusted_org)
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(page("edit", source), {"name": "Walks"})
    assert callbacks == []
    source.refresh_from_db()
    assert source.name == "Walks"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("exclude_keywords", "word, " * 100, "Words to leave out must be 500 characters or fewer"),
        (
            "exclude_categories",
            "x" * 501,
            "Categories to leave out must be 500 characters or fewer",
        ),
        ("exclude_keywords", "a" * 101, "Each word or phrase must be 100 characters or fewer"),
        ("exclude_categories", "b" * 101, "Each category must be 100 characters or fewer"),
    ],
)
def test_over_long_rules_are_refused_with_a_clear_message_and_nothing_is_saved(
    client: Client, personas: Personas, trusted_org: Organisation, field: str, value: str, says: str
) -> None:
    source = make_source(trusted_org)
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    response = client.post(page("edit", source), {"name": "Changed", field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert says in html
    assert "nhsuk-error-summary" in html and f'href="#id_{field}"' in html
    source.refresh_from_db()
    assert (source.name, source.exclude_keywords, source.exclude_categories) == ("", "", "")


def test_rules_can_be_given_when_the_feed_is_linked(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    feed_server: FeedServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = feed_server.serve("/club.ics", EVERYTHING)
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    link = reverse("feeds:link", kwargs={"public_id": trusted_org.public_id})
    assert "Leave out events in these categories (optional)" in client.get(link).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            link, {"url": url, "exclude_keywords": "committee", "exclude_categories": "staff"}
        )
    source = FeedSource.objects.get()
    assert (source.exclude_keywords, source.exclude_categories) == ("committee", "staff")
    assert uids(source) == {"walk@test", "sub@test", "art@test", "party@test", "choir@test"}
