"""Standards in and out, in a real browser.

- A partner lead links an iCalendar feed; the coordinator approves what it
  brought; it appears in What's on with its moved date; the feed breaks and
  "Try again now" shows why, the last good import, and loses nothing.
- A coordinator downloads the CSV template, uploads a file with one good and
  one bad row, reads the per-row report, imports the valid row, and exports.
- The public OpenActive dataset page links to both RPDE feeds, which answer JSON.
Every page on the way has no serious accessibility problems (axe-core).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from inspiring.accounts.models import User
from inspiring.areas.models import Area
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Organisation
from inspiring.feeds.models import FeedImport, FeedSource
from tests.directory.builders import activity, organisation, venue, weekly
from tests.feeds.conftest import FeedServer, calendar, snapshot, vevent
from tests.feeds.conftest import feed_server as feed_server  # the loopback server fixture

from .conftest import axe_violations
from .test_journeys import sign_in

pytestmark = pytest.mark.browser

PARTNER = "partner.ashfield@example.org"
COORDINATOR = "coordinator.ashfield@example.org"
ORGANISATION_HEADINGS = (
    "public_id,name,kind,charity_number,company_number,description,website,email,phone,"
    "areas_served,agreement,trusted,leads"
)


def serious_problems(tab: Any) -> list[dict[str, Any]]:
    """axe's serious and critical violations, less one false positive of NHS.UK's file upload.

    Its JavaScript turns the file input into a button named by aria-labelledby (the
    label, then the button's own text). The button's text is two spans that CSS shows
    as separate blocks ("No file chosen", then "Choose file or drop file"); axe joins
    inline elements' text without a space ("No file chosenChoose file...") and so
    finds that text missing from the name, which the browser computes as "CSV file,
    No file chosen, Choose file or drop file". Only that rule on that button is let off.
    """
    problems = []
    for violation in axe_violations(tab):
        if violation["id"] == "label-content-name-mismatch" and all(
            "nhsuk-file-upload__drop-button"
            in (tab.locator(", ".join(target)).get_attribute("class") or "")
            for target in violation["nodes"]
        ):
            continue
        problems.append(violation)
    return problems


@pytest.fixture
def ashfield(demo_ashfield: Area) -> Area:
    """Demo sign-ins, the geography and the taxonomy; Ashfield, where it all happens."""
    area: Area = demo_ashfield
    return area


def _next(weekday: int) -> date:
    """The next such weekday (Monday is 0) after today: always in the future."""
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _stamp(day: date, hhmm: str) -> str:
    return f"TZID=Europe/London:{day:%Y%m%d}T{hhmm}00"


def _walks_calendar() -> tuple[bytes, date]:
    """A weekly walk (its second week moved to the afternoon) and a one-off open day."""
    first = _next(1)  # a Tuesday
    second = first + timedelta(days=7)
    open_day = first + timedelta(days=2)
    body = calendar(
        vevent(
            "walk@allotments.test",
            "Tuesday Health Walk",
            f"DTSTART;{_stamp(first, '1000')}",
            f"DTEND;{_stamp(first, '1100')}",
            "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6",
            "DESCRIPTION:A gentle hour round the allotments and the park.",
        ),
        vevent(
            "walk@allotments.test",
            "Tuesday Health Walk",
            f"RECURRENCE-ID;{_stamp(second, '1000')}",
            f"DTSTART;{_stamp(second, '1400')}",
            f"DTEND;{_stamp(second, '1500')}",
        ),
        vevent(
            "open-day@allotments.test",
            "Allotment Open Day",
            f"DTSTART;{_stamp(open_day, '1300')}",
            f"DTEND;{_stamp(open_day, '1500')}",
        ),
    )
    return body, second


def test_a_partner_links_a_calendar_feed_that_later_fails_without_losing_anything(
    page: Any, ashfield: Area, feed_server: FeedServer
) -> None:
    allotments = organisation(ashfield, "Hucknall Road Allotments", trusted=False)
    allotments.leads.add(User.objects.get(email=PARTNER))
    body, moved_day = _walks_calendar()
    address = feed_server.serve("/allotments.ics", body, headers={"Content-Type": "text/calendar"})

    # The partner lead links the calendar; it is imported at once.
    sign_in(page, PARTNER)
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Your listings").click()
    page.get_by_role("link", name="Hucknall Road Allotments").click()
    page.get_by_role("link", name="Link a calendar").click()
    page.get_by_role("heading", name="Link a calendar").wait_for()
    assert "The coordinator checks new events from the calendar" in page.content()
    assert serious_problems(page) == []
    page.get_by_label("Calendar address (iCalendar)").fill(address)
    page.get_by_label("Name (optional)").fill("Allotment events")
    page.get_by_label("Walking").check()
    page.get_by_role("button", name="Link the calendar").click()
    page.get_by_text("The calendar is linked. Its events are being imported.").wait_for()
    feed_url = page.url
    imports = page.get_by_role("table", name="Imports, newest first")
    assert imports.get_by_role("cell", name="Imported", exact=True).count() == 1
    assert "2 new, 0 changed, 0 withdrawn, 0 unchanged" in imports.inner_text()
    assert "Working" in page.locator(".nhsuk-summary-list").inner_text()
    assert serious_problems(page) == []

    # The preview shows what the feed gives, the moved week included; nothing is stored.
    page.get_by_role("link", name="Preview the next four weeks").click()
    page.get_by_role("heading", name="The next four weeks from this calendar").wait_for()
    sessions = page.get_by_role("table", name="Sessions")
    assert f"{moved_day.isoformat()} 14:00" in sessions.inner_text().replace("T", " ")
    assert "Allotment Open Day" in sessions.inner_text()
    assert serious_problems(page) == []
    page.get_by_role("link", name="Back to the feed").click()
    page.get_by_role("link", name="Back to Hucknall Road Allotments").click()
    activities = page.get_by_role("table", name="Activities")
    assert (
        activities.get_by_role("row", name="Tuesday Health Walk")
        .inner_text()
        .count("Waiting for approval")
        == 1
    )
    assert "Allotment events: working" in page.locator("main").inner_text()
    page.get_by_role("button", name="Sign out").click()

    # Not public until the coordinator approves it (an untrusted partner).
    page.goto("/ashfield/whats-on/?q=walk")
    assert "No sessions match these filters" in page.content()
    sign_in(page, COORDINATOR)
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Partners and calendar").click()
    page.get_by_role("link", name="Tuesday Health Walk").click()
    page.get_by_role("button", name="Approve and publish").click()
    page.get_by_text("Tuesday Health Walk is published.").wait_for()

    # Approval publishes the sessions with the feed's moved date already applied.
    page.get_by_role("button", name="Sign out").click()

    page.goto("/ashfield/whats-on/?q=walk")
    page.get_by_role("link", name="Tuesday Health Walk").first.wait_for()
    moved = page.locator(".app-session", has_text="14:00 to 15:00")
    assert moved.count() == 1
    assert "Moved" in moved.inner_text()
    assert page.locator(".app-session", has_text="10:00 to 11:00").count() >= 1
    assert serious_problems(page) == []

    # The calendar's address starts giving a web page: trying again fails, and says so.
    before = snapshot()
    feed_server.serve(
        "/allotments.ics",
        b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>",
        headers={"Content-Type": "text/html"},
    )
    sign_in(page, PARTNER)
    page.wait_for_url("**/staff/")
    page.goto(feed_url)
    page.get_by_role("button", name="Try again now").click()
    # The page says how that attempt went, and only that.
    problem = page.locator(".nhsuk-error-summary")
    problem.wait_for()
    assert "the calendar still could not be imported" in problem.inner_text()
    assert "Success" not in page.locator("main").inner_text()
    assert "The address returned a web page, not a calendar" in problem.inner_text()
    assert "Nothing already listed has been changed." in problem.inner_text()
    good = FeedImport.objects.filter(outcome="imported").order_by("-started_at").first()
    assert good is not None
    last_good = timezone.localtime(good.started_at)
    assert (
        f"The last good import was on {last_good.day} {last_good:%B %Y, %H:%M}."
        in problem.inner_text()
    )
    assert "Failing" in page.locator(".nhsuk-summary-list").inner_text()
    assert imports.get_by_role("cell", name="Failed", exact=True).count() == 1
    assert serious_problems(page) == []

    # A server error too: still nothing lost.
    feed_server.serve("/allotments.ics", b"Oops", status=500)
    page.get_by_role("button", name="Try again now").click()
    page.get_by_text("The calendar's server answered 500").first.wait_for()
    assert imports.get_by_role("cell", name="Failed", exact=True).count() == 2
    assert snapshot() == before
    source = FeedSource.objects.get()
    assert source.health == FeedSource.Health.FAILING
    assert Activity.objects.get(title="Tuesday Health Walk").status == "published"
    page.get_by_role("button", name="Sign out").click()
    page.goto("/ashfield/whats-on/?q=walk")
    assert page.locator(".app-session", has_text="14:00 to 15:00").count() == 1


def test_a_coordinator_imports_partners_from_a_spreadsheet_and_exports_them(
    page: Any, ashfield: Area
) -> None:
    organisation(ashfield, "Kirkby Knit and Natter", email="knit@example.org")
    sign_in(page, COORDINATOR)
    page.wait_for_url("**/staff/")
    page.get_by_role("link", name="Partners and calendar").click()
    page.get_by_role("link", name="All partners").click()
    page.get_by_role("link", name="Import or export partners, venues and activities").click()
    page.get_by_role("heading", name="Import and export (CSV)").wait_for()
    assert serious_problems(page) == []

    # The template: just the headings.
    with page.expect_download() as template:
        page.get_by_role("link", name="Download the template for organisations").click()
    text = template.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ORGANISATION_HEADINGS
    assert template.value.suggested_filename == "organisations-template.csv"

    # A file with one good row and one bad one.
    page.get_by_role("link", name="Upload organisations").click()
    page.get_by_role("heading", name="Upload organisations").wait_for()
    assert serious_problems(page) == []
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(ORGANISATION_HEADINGS.split(","))
    writer.writerow(["", "Sutton Tai Chi", "community_group"] + [""] * 10)
    writer.writerow(["", "Mystery Club", "secret_society"] + [""] * 10)
    # NHS.UK's file upload turns the input into a button that opens the file chooser.
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="CSV file").click()
    chooser.value.set_files(
        {"name": "partners.csv", "mimeType": "text/csv", "buffer": rows.getvalue().encode()}
    )
    page.get_by_text("partners.csv").wait_for()
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Check of the organisations file").wait_for()
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "1 row of 2 has a problem. Nothing has been saved." in summary
    assert "Row 3, column kind: Enter one of: charity, cic, community_group" in summary
    problems = page.get_by_role("table", name="Every problem in the file, by row")
    problem_row = problems.locator("tbody tr")
    assert problem_row.count() == 1
    assert problem_row.locator("td").nth(0).inner_text() == "3"
    assert problem_row.locator("td").nth(1).inner_text() == "kind (C)"
    assert problem_row.locator("td").nth(2).inner_text().startswith("Enter one of: charity,")
    assert (
        page.get_by_role("table", name="Rows that would add or change")
        .get_by_role("row", name="Sutton Tai Chi")
        .is_visible()
    )
    assert not Organisation.objects.filter(name="Sutton Tai Chi").exists()
    assert serious_problems(page) == []

    # Import the valid row only.
    page.get_by_role("button", name="Import the 1 valid row only").click()
    page.get_by_text("partners.csv is imported: 1 added, 0 changed.").wait_for()
    assert "1 row with problems was left out." in page.content()
    added = Organisation.objects.get(name="Sutton Tai Chi")
    assert added.home_area == ashfield
    assert added.kind == Organisation.Kind.COMMUNITY_GROUP
    assert not Organisation.objects.filter(name="Mystery Club").exists()

    # Export: what is in the directory now, with public_ids to change it by.
    with page.expect_download() as export:
        page.get_by_role("link", name="Export organisations").click()
    exported = list(
        csv.DictReader(io.StringIO(export.value.path().read_text(encoding="utf-8-sig")))
    )
    assert export.value.suggested_filename == (
        f"ashfield-organisations-{timezone.localdate().isoformat()}.csv"
    )
    by_name = {row["name"]: row for row in exported}
    assert {"Kirkby Knit and Natter", "Sutton Tai Chi"} <= set(by_name)
    assert by_name["Sutton Tai Chi"]["public_id"] == str(added.public_id)
    assert by_name["Kirkby Knit and Natter"]["email"] == "knit@example.org"


def test_the_openactive_dataset_page_links_to_its_feeds(
    page: Any, ashfield: Area, live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    knit = organisation(ashfield, "Kirkby Knit and Natter", trusted=True)
    hall = venue(knit, "Kirkby Community Hall", "NG17 7AE", town="Kirkby-in-Ashfield")
    # OpenActive is physical activity: a chair yoga class, not the knitting (see opendata).
    yoga = activity(knit, "Chair Yoga", at=hall, categories=("sport-and-exercise",))
    weekly(yoga, "TU", time(10), time(12), from_date=_next(0))
    materialise_all()
    page.goto("/api/openactive/")
    page.get_by_role("heading", level=1, name="Inspiring activities: open data").wait_for()
    assert serious_problems(page) == []
    feeds = page.get_by_role("table", name="OpenActive feeds")
    links = {
        row.locator("td").nth(0).inner_text(): row.get_by_role("link").get_attribute("href")
        for row in feeds.locator("tbody tr").all()
    }
    assert links == {
        "SessionSeries": f"{live_server.url}/api/openactive/session-series",
        "ScheduledSession": f"{live_server.url}/api/openactive/scheduled-sessions",
    }
    for kind, href in links.items():
        response = page.request.get(href)
        assert response.ok
        assert response.headers["content-type"].startswith("application/json")
        data = json.loads(response.body())
        assert data["next"].startswith(href)
        assert {item["kind"] for item in data["items"]} == {kind}
    series = json.loads(page.request.get(links["SessionSeries"]).body())["items"]
    assert [item["data"]["name"] for item in series] == ["Chair Yoga"]
    sessions = json.loads(page.request.get(links["ScheduledSession"]).body())["items"]
    assert {item["data"]["superEvent"] for item in sessions} == {series[0]["data"]["@id"]}
    # The JSON-LD in the page names the same feeds.
    json_ld = json.loads(page.locator("script[type='application/ld+json']").text_content() or "")
    assert {d["contentUrl"] for d in json_ld["distribution"]} == set(links.values())
