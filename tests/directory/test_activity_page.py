"""Activity pages, schema.org JSON-LD, and .ics files checked with an independent expander."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
import recurring_ical_events
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from inspiring.directory.models import Activity, Session

from .builders import Directory
from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(frozen_today: None) -> None:
    """These pages start from now: pin it to the directory's fixed today."""


def page(client: Client, item: Activity, area: str = "ashfield") -> Any:
    return client.get(f"/{area}/activities/{item.public_id}/")


def test_the_activity_page_shows_everything_a_person_needs(
    client: Client, directory: Directory
) -> None:
    response = page(client, directory.knitting)
    assert response.status_code == 200
    html = response.text
    for text in (
        "Knit and Natter",
        "Kirkby Knit and Natter",
        "Every Tuesday, 10:00 to 12:00",
        "Tuesday 3 March, 10:00",
        "Kirkby Community Hall",
        "NG17 7AE",
        "Step-free access",
        "Come alone welcome",
        "Your first visit",
        "Last confirmed by",
        "Add every session to your calendar",
    ):
        assert text in html, text


def test_json_ld_describes_the_next_sessions_as_schema_org_events(
    client: Client, directory: Directory
) -> None:
    html = page(client, directory.singing, "newark-and-sherwood").text
    found = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    events = json.loads(found.group(1))
    assert len(events) == 10
    first = events[0]
    assert first["@type"] == "Event" and first["@context"] == "https://schema.org"
    assert first["name"] == "Community Choir"
    assert first["startDate"] == "2026-03-05T19:00:00+00:00"
    assert first["eventStatus"] == "https://schema.org/EventScheduled"
    assert first["location"]["address"]["postalCode"] == "NG24 1AA"
    assert first["offers"]["price"] == "3.00" and first["offers"]["priceCurrency"] == "GBP"
    assert first["isAccessibleForFree"] is False


def test_an_activity_not_shared_with_the_area_is_404(client: Client, directory: Directory) -> None:
    # Newark and Sherwood does not share with Ashfield.
    assert page(client, directory.singing, "ashfield").status_code == 404
    assert page(client, directory.walk, "ashfield").status_code == 200  # Mansfield does


def test_an_unpublished_activity_is_404(client: Client, directory: Directory) -> None:
    Activity.objects.filter(pk=directory.knitting.pk).update(status="pending")
    assert page(client, directory.knitting).status_code == 404


def test_scripts_in_a_description_never_reach_the_page(
    client: Client, directory: Directory
) -> None:
    directory.knitting.description = (
        "Come and knit! <script>alert('x')</script> [click](javascript:alert(1)) "
        '<img src=x onerror="alert(1)">'
    )
    directory.knitting.save()
    html = page(client, directory.knitting).text
    assert "<script>alert" not in html
    assert 'href="javascript' not in html
    assert "<img src=x" not in html
    assert "Come and knit!" in html


def test_a_hidden_address_shows_only_the_locality(client: Client, directory: Directory) -> None:
    directory.knitting.hide_address = True
    directory.knitting.locality = "Kirkby-in-Ashfield"
    directory.knitting.save()
    html = page(client, directory.knitting).text
    assert "NG17 7AE" not in html
    assert "In Kirkby-in-Ashfield" in html


def expand(ics: bytes, start: date, end: date) -> list[Any]:
    return recurring_ical_events.of(Calendar.from_ical(ics)).between(start, end)


def test_the_activity_ics_gives_the_same_sessions_as_the_site(
    client: Client, directory: Directory
) -> None:
    sessions = list(Session.objects.filter(activity=directory.knitting).order_by("start"))
    cancelled, moved = sessions[2], sessions[3]
    cancelled.status = "cancelled"
    cancelled.save()
    moved.set_times(moved.start + timedelta(hours=3), moved.end + timedelta(hours=3))
    moved.moved = True
    moved.save()
    response = client.get(f"/ashfield/activities/{directory.knitting.public_id}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar.get("version") == "2.0"
    assert any(c.name == "VTIMEZONE" for c in calendar.walk())
    events = expand(response.content, TODAY, date(2027, 4, 3))
    ical_starts = sorted(e.start for e in events)
    site_starts = sorted(s.start for s in sessions if s.status != "cancelled")
    assert ical_starts == site_starts
    assert all(e.start.tzinfo is not None for e in events)


def test_the_area_feed_takes_the_same_filters(client: Client, directory: Directory) -> None:
    everything = client.get("/ashfield/calendar.ics")
    assert everything.status_code == 200
    titles = {str(e["SUMMARY"]) for e in Calendar.from_ical(everything.content).walk("VEVENT")}
    assert titles == {"Knit and Natter", "Saturday Health Walk"}
    walks = client.get("/ashfield/calendar.ics", {"category": "walking"})
    titles = {str(e["SUMMARY"]) for e in Calendar.from_ical(walks.content).walk("VEVENT")}
    assert titles == {"Saturday Health Walk"}
    # The next eight weeks by default: 8 Tuesdays (3 March to 21 April) and 8 Saturdays.
    count = len(Calendar.from_ical(everything.content).walk("VEVENT"))
    assert count == 16


def test_a_bad_feed_filter_is_a_400_that_says_why(client: Client, directory: Directory) -> None:
    response = client.get("/ashfield/calendar.ics", {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "date_from" in response.text


def test_a_session_ics_and_a_cancelled_session(client: Client, directory: Directory) -> None:
    session = Session.objects.filter(activity=directory.walk).order_by("start").first()
    assert session is not None
    session.status = "cancelled"
    session.save()
    response = client.get(f"/ashfield/sessions/{session.public_id}/calendar.ics")
    event = Calendar.from_ical(response.content).events[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.start == session.start
    assert (
        client.get(f"/newark-and-sherwood/sessions/{session.public_id}/calendar.ics").status_code
        == 200
    )
    choir = Session.objects.filter(activity=directory.singing).first()
    assert choir is not None
    assert client.get(f"/ashfield/sessions/{choir.public_id}/calendar.ics").status_code == 404


@pytest.mark.usefixtures("frozen_today")
def test_a_title_cannot_break_the_json_ld_or_the_page(client: Client, directory: Directory) -> None:
    directory.knitting.title = "Knit <!--<script> & </script>"
    directory.knitting.save()
    html = client.get(f"/ashfield/activities/{directory.knitting.public_id}/").text
    found = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    data = found.group(1)
    assert "<" not in data and ">" not in data and "&" not in data
    assert json.loads(data)[0]["name"] == "Knit <!--<script> & </script>"
    assert html.count("<h1>") == 1


@pytest.mark.usefixtures("frozen_today")
def test_a_paused_activity_offers_no_calendar(client: Client, directory: Directory) -> None:
    Activity.objects.filter(pk=directory.knitting.pk).update(capacity_status="paused")
    page = client.get(f"/ashfield/activities/{directory.knitting.public_id}/")
    assert "paused its sessions" in page.text
    assert "Add every session to your calendar" not in page.text
    ics = client.get(f"/ashfield/activities/{directory.knitting.public_id}/calendar.ics")
    assert ics.status_code == 404


# --- Contact, booking and help (issue 13, items 4, 5 and 7) ---------------------


def test_without_its_own_contact_an_activity_shows_the_organisations(
    client: Client, directory: Directory
) -> None:
    directory.knit.phone = "01623 555 123"
    directory.knit.email = "hello@kirkbyknit.example.org"
    directory.knit.save()
    html = page(client, directory.knitting).text
    assert 'href="tel:+441623555123"' in html and "01623 555 123" in html
    assert 'href="mailto:hello@kirkbyknit.example.org"' in html


def test_the_activitys_own_contact_comes_first(client: Client, directory: Directory) -> None:
    directory.knit.phone = "01623 555 123"
    directory.knit.save()
    directory.knitting.contact_name = "Priya"
    directory.knitting.contact_phone = "07700 900123"
    directory.knitting.save()
    html = page(client, directory.knitting).text
    assert 'href="tel:+447700900123"' in html and "Priya" in html
    assert "01623 555 123" not in html


def test_booking_follows_the_data_and_book_first_says_how(
    client: Client, directory: Directory
) -> None:
    html = page(client, directory.knitting).text
    assert "No need to book: just go along" in html and "How to book" not in html
    directory.knitting.booking = Activity.Booking.BOOK_FIRST
    directory.knitting.booking_url = "https://tickets.example.org/knit"
    directory.knitting.contact_email = "book@kirkbyknit.example.org"
    directory.knitting.save()
    html = page(client, directory.knitting).text
    assert "No need to book" not in html
    assert "Book before you go" in html and 'id="how-to-book"' in html
    assert 'href="https://tickets.example.org/knit"' in html
    assert 'Email <a href="mailto:book@kirkbyknit.example.org">' in html


def test_book_first_with_no_way_to_book_points_to_the_programme(
    client: Client, directory: Directory
) -> None:
    directory.knitting.booking = Activity.Booking.BOOK_FIRST
    directory.knitting.save()
    area = directory.knit.home_area
    area.contact_phone = "01623 000 111"
    area.save()
    html = page(client, directory.knitting).text
    assert "how to book: phone" in html and 'href="tel:+441623000111"' in html


def test_every_activity_page_links_to_help_from_a_link_worker(
    client: Client, directory: Directory
) -> None:
    html = page(client, directory.knitting).text
    assert (
        '<a href="/ashfield/refer-yourself/">Get help from a link worker to find something '
        "and go along</a>"
    ) in html
    directory.knitting.booking = Activity.Booking.REFERRAL_ONLY
    directory.knitting.save()
    assert "a link worker can refer you" in page(client, directory.knitting).text


def test_the_dates_a_schedule_skips_are_listed(client: Client, directory: Directory) -> None:
    schedule = directory.knitting.schedules.get()
    schedule.exdates = [
        f"2026-{m:02d}-{d:02d}" for m, d in ((2, 24), (3, 10), (3, 17), (4, 7), (5, 5))
    ]
    schedule.save()
    html = page(client, directory.knitting).text
    assert "except on 5 dates" in html
    # Listed from today (2 March 2026): a date gone by helps nobody plan.
    assert "The 4 dates to come it does not happen" in html
    for day in ("Tuesday 10 March 2026", "Tuesday 7 April 2026", "Tuesday 5 May 2026"):
        assert day in html
    assert "24 February 2026" not in html


def test_a_listing_not_confirmed_for_a_long_time_says_check_before_you_go(
    client: Client, directory: Directory, settings: Any
) -> None:
    knitting = directory.knitting
    assert "Check before you go" not in page(client, knitting).text
    Activity.objects.filter(pk=knitting.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=settings.LISTING_STALE_DAYS + 10)
    )
    knitting.refresh_from_db()
    html = page(client, knitting).text
    assert "Check before you go" in html and "Not confirmed since" in html
