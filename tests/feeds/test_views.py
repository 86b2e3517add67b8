"""Staff pages for feeds: link, see how it does, try again, stop, preview; 404 for others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Role
from inspiring.directory.models import Activity, Category, Organisation
from inspiring.feeds.importing import run_import
from inspiring.feeds.models import FeedImport, FeedSource
from tests.conftest import sign_in
from tests.directory.builders import venue
from tests.personas import Personas

from .conftest import FeedServer, calendar, make_source, vevent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

FEED = calendar(
    vevent(
        "walk@test",
        "Health walk",
        "DTSTART;TZID=Europe/London:20260303T100000",
        "DTEND;TZID=Europe/London:20260303T113000",
        "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6",
    ),
    vevent("hourly@test", "Drop-in", "DTSTART:20260303T100000Z", "RRULE:FREQ=HOURLY"),
    header="X-WR-CALNAME:Kirkby Walks",
)


@pytest.fixture
def other_lead(personas: Personas, other_org: Organisation) -> User:
    """Owen leads another Ashfield partner, not Priya's."""
    user = User.objects.create_user("owen@ashfield.test", None, full_name="Owen Lee")
    Membership.objects.create(user=user, area=personas.ashfield, role=Role.PARTNER_LEAD)
    other_org.leads.add(user)
    return user


def earlier(source: FeedSource) -> None:
    """Its imports so far happened an hour ago (the clock is frozen at 08:00 otherwise)."""
    source.imports.update(started_at=timezone.now() - timedelta(hours=1))


def as_user(client: Client, personas: Personas, who: str) -> Client:
    user = getattr(personas, who)
    area = personas.mansfield if who == "mansfield_coordinator" else personas.ashfield
    return sign_in(client, user, area=area)


def link_url(org: Organisation) -> str:
    return reverse("feeds:link", kwargs={"public_id": org.public_id})


def page(name: str, source: FeedSource) -> str:
    return reverse(f"feeds:{name}", kwargs={"public_id": source.public_id})


# --- Linking a feed --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["partner_lead", "coordinator"])
def test_the_partner_lead_or_the_coordinator_links_a_feed_and_it_is_imported(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    feed_server: FeedServer,
    django_capture_on_commit_callbacks: Any,
    who: str,
) -> None:
    as_user(client, personas, who)
    form = client.get(link_url(trusted_org))
    assert form.status_code == 200
    html = form.content.decode()
    assert "Link a calendar" in html and 'name="url"' in html
    assert "csrfmiddlewaretoken" in html
    assert "imported events are published at once" in html  # a trusted partner

    hall = venue(trusted_org, "Kirkby Community Hall", "NG17 7AE")
    category = Category.objects.order_by("pk").first()
    assert category is not None
    url = feed_server.serve("/walks.ics", FEED)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            link_url(trusted_org),
            {"url": url, "name": "", "default_venue": hall.pk, "default_categories": [category.pk]},
        )
    source = FeedSource.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page("feed", source)
    assert (source.organisation, source.url, source.default_venue) == (trusted_org, url, hall)
    assert source.created_by == getattr(personas, who)
    assert list(source.default_categories.all()) == [category]
    # Linking queues the first import, which ran once the link was saved.
    record = source.imports.get()
    assert record.outcome == FeedImport.Outcome.IMPORTED and record.created == 1
    walk = Activity.objects.get(source_ref="walk@test")
    assert walk.venue == hall and list(walk.categories.all()) == [category]

    feed_page = client.get(response["Location"])
    assert feed_page.status_code == 200
    html = feed_page.content.decode()
    assert "Kirkby Walks" in html
    assert "1 new, 0 changed, 0 withdrawn, 0 unchanged" in html
    assert "1 event not used" in html and "its repeat rule cannot be used" in html


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("ftp://x", "Enter the address starting https://"),
        ("not a url", "Enter the address starting https://"),
        ("", "Enter the calendar&#x27;s address"),
        ("ftp://calendar.example.org/walks.ics", "Use a web address starting http:// or https://"),
        ("http://10.0.0.1/walks.ics", "private or local network address"),
        ("http://localhost/walks.ics", "private or local network address"),
    ],
)
def test_a_bad_address_is_a_form_error_and_nothing_is_stored(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    django_capture_on_commit_callbacks: Any,
    address: str,
    says: str,
) -> None:
    as_user(client, personas, "partner_lead")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(link_url(trusted_org), {"url": address})
    assert response.status_code == 200
    html = response.content.decode()
    assert says in html
    assert "nhsuk-error-summary" in html  # the error is summarised at the top of the form
    assert not FeedSource.objects.exists()
    assert callbacks == []  # no import queued


def test_another_organisations_private_venue_cannot_be_chosen(
    client: Client, personas: Personas, trusted_org: Organisation, other_org: Organisation
) -> None:
    private = venue(other_org, "Bowls pavilion", "NG17 7AE", open_to_other_organisations=False)
    as_user(client, personas, "partner_lead")
    form = client.get(link_url(trusted_org)).content.decode()
    assert "Bowls pavilion" not in form
    response = client.post(
        link_url(trusted_org),
        {"url": "https://calendar.example.org/walks.ics", "default_venue": private.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not FeedSource.objects.exists()


def test_a_webcal_address_is_linked_as_https(
    client: Client, personas: Personas, trusted_org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_user(client, personas, "partner_lead")
    # A public address; its host is not looked up for real.
    monkeypatch.setattr("inspiring.feeds.forms.check_address", lambda url: None)
    client.post(link_url(trusted_org), {"url": "webcal://calendar.example.org/walks.ics"})
    assert FeedSource.objects.get().url == "https://calendar.example.org/walks.ics"


def test_the_same_address_cannot_be_linked_twice(
    client: Client, personas: Personas, trusted_org: Organisation, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/walks.ics", FEED)
    make_source(trusted_org, url)
    as_user(client, personas, "partner_lead")
    response = client.post(link_url(trusted_org), {"url": url})
    assert response.status_code == 200
    assert "already linked" in response.content.decode()
    assert FeedSource.objects.count() == 1


# --- The feed's page ------------------------------------------------------------------------


def test_a_failing_feed_shows_its_error_and_the_last_good_import(
    client: Client, personas: Personas, trusted_org: Organisation, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/walks.ics", FEED)
    source = make_source(trusted_org, url)
    run_import(source)
    # The feed breaks; what the server sent is shown escaped, never as markup.
    feed_server.serve("/walks.ics", b"BEGIN:VCALENDAR\r\n<script>alert(1)</script>\r\n")
    run_import(source)
    as_user(client, personas, "partner_lead")
    response = client.get(page("feed", source))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "The calendar could not be imported" in html
    assert "The calendar could not be read" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "Nothing already listed has been changed." in html
    assert "The last good import was on 2 March 2026, 08:00." in html
    assert "Failing" in html
    assert f'action="{page("try_again", source)}"' in html
    assert "Try again now" in html
    assert html.count('<tr class="nhsuk-table__row">') == 3  # header and two imports


def test_try_again_runs_the_import_again(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    feed_server: FeedServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = feed_server.serve("/walks.ics", b"<html>Maintenance</html>")
    source = make_source(trusted_org, url)
    run_import(source)
    source.refresh_from_db()
    assert source.health == FeedSource.Health.FAILING
    feed_server.serve("/walks.ics", FEED, headers={"ETag": '"v1"'})
    as_user(client, personas, "partner_lead")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page("try_again", source))
    assert response.status_code == 302
    assert response["Location"].startswith(page("feed", source) + "?tried=")
    # The page says how this attempt went, and only that: no failure beside it.
    html = client.get(response["Location"]).content.decode()
    assert "Tried again at 08:00: the calendar was imported" in html
    assert "could not be imported" not in html
    source.refresh_from_db()
    assert source.health == FeedSource.Health.OK and source.last_error == ""
    assert list(source.imports.values_list("outcome", flat=True)) == ["imported", "failed"]
    assert Activity.objects.filter(source_ref="walk@test").exists()
    # Trying again forgets the cache: the whole feed is fetched and compared again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page("try_again", source))
    assert "If-None-Match" not in feed_server.hits("/walks.ics")[-1]
    assert source.imports.first().outcome == FeedImport.Outcome.IMPORTED  # type: ignore[union-attr]


def test_try_again_and_stop_are_post_only(
    client: Client, personas: Personas, trusted_org: Organisation
) -> None:
    source = make_source(trusted_org)
    as_user(client, personas, "partner_lead")
    assert client.get(page("try_again", source)).status_code == 405
    assert client.get(page("active", source)).status_code == 405
    assert not source.imports.exists()


def test_importing_can_be_stopped_and_started_again(
    client: Client, personas: Personas, trusted_org: Organisation
) -> None:
    source = make_source(trusted_org)
    as_user(client, personas, "coordinator")
    client.post(page("active", source))
    source.refresh_from_db()
    assert not source.active
    html = client.get(page("feed", source)).content.decode()
    assert "Stopped" in html and "Start importing again" in html
    client.post(page("active", source))
    source.refresh_from_db()
    assert source.active


def test_the_preview_shows_the_next_four_weeks_and_stores_nothing(
    client: Client, personas: Personas, trusted_org: Organisation, feed_server: FeedServer
) -> None:
    source = make_source(trusted_org, feed_server.serve("/walks.ics", FEED))
    as_user(client, personas, "partner_lead")
    response = client.get(page("preview", source))
    assert response.status_code == 200
    html = response.content.decode()
    # Tuesdays from 3 March to 30 March (four weeks from Monday 2 March).
    assert "4 sessions." in html
    assert html.count("Health walk") == 4
    assert "2026-03-03T10:00:00+00:00" in html
    assert not Activity.objects.exists() and not source.imports.exists()


def test_the_preview_of_a_broken_feed_says_why(
    client: Client, personas: Personas, trusted_org: Organisation, feed_server: FeedServer
) -> None:
    source = make_source(trusted_org, feed_server.serve("/walks.ics", b"{}"))
    as_user(client, personas, "partner_lead")
    html = client.get(page("preview", source)).content.decode()
    assert "The calendar could not be read" in html and "BEGIN:VCALENDAR" in html


# --- Who may see a feed ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["feed", "edit", "try_again", "active", "preview"])
@pytest.mark.parametrize("who", ["other_lead", "mansfield_coordinator"])
def test_someone_who_cannot_edit_the_organisation_gets_404(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    other_lead: User,
    name: str,
    who: str,
) -> None:
    source = make_source(trusted_org)
    if who == "other_lead":
        sign_in(client, other_lead, area=personas.ashfield)
    else:
        as_user(client, personas, who)
    method = client.post if name in ("try_again", "active") else client.get
    assert method(page(name, source)).status_code == 404
    source.refresh_from_db()
    assert source.active and not source.imports.exists()


@pytest.mark.parametrize("who", ["other_lead", "mansfield_coordinator"])
def test_someone_who_cannot_edit_the_organisation_cannot_link_a_feed_to_it(
    client: Client, personas: Personas, trusted_org: Organisation, other_lead: User, who: str
) -> None:
    if who == "other_lead":
        sign_in(client, other_lead, area=personas.ashfield)
    else:
        as_user(client, personas, who)
    assert client.get(link_url(trusted_org)).status_code == 404
    response = client.post(link_url(trusted_org), {"url": "https://calendar.example.org/x.ics"})
    assert response.status_code == 404
    assert not FeedSource.objects.exists()


@pytest.mark.parametrize("who", ["link_worker", "researcher", "commissioner"])
def test_roles_without_listings_are_refused(
    client: Client, personas: Personas, trusted_org: Organisation, who: str
) -> None:
    source = make_source(trusted_org)
    as_user(client, personas, who)
    assert client.get(page("feed", source)).status_code == 403
    assert client.get(link_url(trusted_org)).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, trusted_org: Organisation) -> None:
    source = make_source(trusted_org)
    response = client.get(page("feed", source))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_the_organisation_page_lists_its_feeds(
    client: Client, personas: Personas, trusted_org: Organisation
) -> None:
    source = make_source(trusted_org)
    source.health = FeedSource.Health.FAILING
    source.save()
    as_user(client, personas, "partner_lead")
    html = client.get(
        reverse("directory:staff_organisation", kwargs={"public_id": trusted_org.public_id})
    ).content.decode()
    assert page("feed", source) in html and "Failing" in html
    assert link_url(trusted_org) in html


# --- Lists cost the same for one row or many (no query per row) ------------------------------


def test_the_organisation_pages_list_of_feeds_costs_the_same_for_one_feed_or_eight(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    make_source(trusted_org)
    as_user(client, personas, "partner_lead")
    organisation_page = reverse(
        "directory:staff_organisation", kwargs={"public_id": trusted_org.public_id}
    )
    client.get(organisation_page)  # the session's first-request writes are not the list's
    with django_assert_max_num_queries(15) as one:
        client.get(organisation_page)
    for n in range(7):
        feed = make_source(trusted_org, f"https://calendar.example.org/{n}.ics")
        feed.health = FeedSource.Health.FAILING if n % 2 else FeedSource.Health.OK
        feed.active = n != 3
        feed.save()
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(organisation_page).content.decode()
    assert html.count('href="/staff/feeds/') == 8


def test_the_feed_pages_list_of_imports_costs_the_same_for_one_import_or_ten(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    source = make_source(trusted_org)
    source.exclude_keywords = "committee"
    source.save()
    skipped = [{"uid": "", "reason": "a private or confidential event"}]
    FeedImport.objects.create(source=source, outcome=FeedImport.Outcome.IMPORTED, skipped=skipped)
    as_user(client, personas, "partner_lead")
    client.get(page("feed", source))
    with django_assert_max_num_queries(15) as one:
        client.get(page("feed", source))
    for outcome in ["failed", "unchanged", "imported"] * 3:
        FeedImport.objects.create(
            source=source, outcome=outcome, skipped=skipped, error="Timed out"
        )
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(page("feed", source)).content.decode()
    assert html.count('<tr class="nhsuk-table__row">') == 11  # header and ten imports


def test_after_try_again_a_failure_is_said_once_as_the_outcome_of_that_attempt(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    feed_server: FeedServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = feed_server.serve("/walks.ics", b"<html>Maintenance</html>")
    source = make_source(trusted_org, url)
    run_import(source)
    earlier(source)
    as_user(client, personas, "partner_lead")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page("try_again", source))
    html = client.get(response["Location"]).content.decode()
    assert "Tried again at 08:00: the calendar still could not be imported" in html
    assert "Success" not in html and "being imported again" not in html


def test_while_the_attempt_has_not_run_the_page_says_so(
    client: Client, personas: Personas, trusted_org: Organisation, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/walks.ics", b"<html>Maintenance</html>")
    source = make_source(trusted_org, url)
    run_import(source)
    earlier(source)
    as_user(client, personas, "partner_lead")
    response = client.post(page("try_again", source))  # the import waits for its commit
    html = client.get(response["Location"]).content.decode()
    assert "Trying again" in html and "refresh this page" in html
    assert "could not be imported" not in html
    # A made-up or broken "tried" is ignored: the page shows the feed as it is.
    broken = client.get(page("feed", source) + "?tried=x%00").content.decode()
    assert "The calendar could not be imported" in broken


# --- Every feed in one place --------------------------------------------------------------------


def test_the_feeds_page_lists_every_feed_failing_first(
    client: Client, personas: Personas, trusted_org: Organisation, other_org: Organisation
) -> None:
    working = make_source(trusted_org, "https://calendar.example.org/a.ics")
    working.health, working.name = FeedSource.Health.OK, "A working calendar"
    working.save()
    failing = make_source(other_org, "https://calendar.example.org/b.ics")
    failing.health, failing.name = FeedSource.Health.FAILING, "Z failing calendar"
    failing.last_error = "The address answered 404: check it is still shared"
    failing.save()
    stopped = make_source(trusted_org, "https://calendar.example.org/c.ics")
    stopped.active, stopped.name = False, "B stopped calendar"
    stopped.save()
    as_user(client, personas, "coordinator")
    html = client.get(reverse("feeds:index")).content.decode()
    order = [html.index(name) for name in ("Z failing", "A working", "B stopped")]
    assert order == sorted(order)
    assert "answered 404" in html and "Failing: 1" in html and "Stopped: 1" in html
    # A partner lead sees only their own organisations' feeds.
    as_user(client, personas, "partner_lead")
    own = client.get(reverse("feeds:index")).content.decode()
    assert "A working calendar" in own and "Z failing calendar" not in own
    # Another area's coordinator sees none of them.
    as_user(client, personas, "mansfield_coordinator")
    assert "A working calendar" not in client.get(reverse("feeds:index")).content.decode()


def test_the_feeds_page_costs_the_same_for_one_feed_or_eight(
    client: Client,
    personas: Personas,
    trusted_org: Organisation,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    make_source(trusted_org)
    as_user(client, personas, "coordinator")
    client.get(reverse("feeds:index"))
    with django_assert_max_num_queries(15) as one:
        client.get(reverse("feeds:index"))
    for n in range(7):
        make_source(trusted_org, f"https://calendar.example.org/{n}.ics")
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(reverse("feeds:index")).content.decode()
    assert html.count('href="/staff/feeds/') == 8


@pytest.mark.parametrize("who", ["link_worker", "researcher", "commissioner"])
def test_the_feeds_page_is_for_listings_roles_only(
    client: Client, personas: Personas, who: str
) -> None:
    as_user(client, personas, who)
    assert client.get(reverse("feeds:index")).status_code == 403
