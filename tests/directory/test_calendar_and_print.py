"""The month view, the printable sheet and PDF, the widget, and calendar booklets."""

from __future__ import annotations

import io
from datetime import datetime, time
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from icalendar import Calendar
from pypdf import PdfReader

from inspiring.directory.booklets import build
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Booklet, Session
from inspiring.directory.recurrence import LONDON
from inspiring.directory.views.embed import widget_code
from tests.conftest import sign_in
from tests.personas import Personas

from .builders import Directory, activity, organisation, weekly
from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(frozen_today: None) -> None:
    """These pages start from now: pin it to the directory's fixed today."""


def test_the_month_view_lists_each_days_sessions(client: Client, directory: Directory) -> None:
    response = client.get("/ashfield/calendar/2026/3/")
    assert response.status_code == 200
    html = response.text
    assert "March 2026" in html
    assert 'id="day-2026-03-03"' in html and "Knit and Natter" in html
    assert "/ashfield/calendar/2026/4/" in html and "/ashfield/calendar/2026/2/" in html
    assert client.get("/ashfield/calendar/")["Location"] == "/ashfield/calendar/2026/3/"
    assert client.get("/ashfield/calendar/2026/13/").status_code == 404


def test_the_month_view_takes_the_whats_on_filters(client: Client, directory: Directory) -> None:
    walks = client.get("/ashfield/calendar/2026/3/", {"category": "walking", "free": "on"})
    assert walks.status_code == 200
    html = walks.text
    assert "Saturday Health Walk" in html and "Knit and Natter" not in html
    assert "4 sessions this month: Walking; Free only." in html
    # The filters follow the month links and the subscription.
    assert "/ashfield/calendar/2026/4/?category=walking&amp;free=on" in html
    assert "/ashfield/calendar/subscribe/?category=walking&amp;free=on" in html
    tuesdays = client.get("/ashfield/calendar/2026/3/", {"day": "1"}).text
    assert "Knit and Natter" in tuesdays and "Saturday Health Walk" not in tuesdays


def test_a_bad_month_filter_says_what_to_do(client: Client, directory: Directory) -> None:
    response = client.get("/ashfield/calendar/2026/3/", {"within": "5"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Enter a postcode to search by distance" in response.text


def test_the_printable_sheet_as_html_and_pdf(client: Client, directory: Directory) -> None:
    week = client.get("/ashfield/whats-on/print/", {"period": "week"})
    assert week.status_code == 200
    assert "Tuesday 3 March" in week.text and "Saturday 7 March" in week.text
    pdf = client.get("/ashfield/whats-on/print/", {"period": "month", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/ashfield/whats-on/print/", {"period": "year"}).status_code == 404


def test_a_busy_week_prints_on_at_most_two_a4_pages(
    client: Client, directory: Directory, settings: Any
) -> None:
    """About 150 sessions (the demo's busiest week): grouped by day, compact, phones once."""
    settings.SITE_URL = "https://inspiring.example.org"
    hall = directory.hall
    for n in range(20):
        group = organisation(
            directory.knit.home_area, f"Ashfield Community Group {n}", phone=f"01632 96{n:04d}"
        )
        item = activity(group, f"Group Activity {n}", at=hall)
        weekly(item, "", time(9 + n % 10), time(10 + n % 10), from_date=TODAY, rrule="FREQ=DAILY")
    materialise_all(today=TODAY)
    sheet = client.get("/ashfield/whats-on/print/", {"period": "week"})
    assert "Monday 2 March" in sheet.text and "Sunday 8 March" in sheet.text
    assert "Ashfield Community Group 7: 01632 960007" in sheet.text
    response = client.get("/ashfield/whats-on/print/", {"period": "week", "format": "pdf"})
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.count("Group Activity") >= 140
    assert len(reader.pages) <= 2
    # Printed links are the site's address, never the host the request came to.
    assert "https://inspiring.example.org/ashfield/whats-on/" in text
    assert "testserver" not in text


def test_the_widget_can_be_framed_by_other_sites(client: Client, directory: Directory) -> None:
    response = client.get("/ashfield/whats-on/widget/", {"limit": "2", "category": "walking"})
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "Saturday Health Walk" in response.text and "Knit and Natter" not in response.text
    # Every other page refuses to be framed.
    assert client.get("/ashfield/whats-on/").headers["X-Frame-Options"] == "DENY"


def test_a_booklet_is_built_with_its_progress_and_downloaded(
    client: Client, directory: Directory, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/ashfield/calendar/booklet/", {"start": "2026-03-01", "end": "2026-04-01"}
        )
    booklet = Booklet.objects.get()
    assert response["Location"] == booklet.get_absolute_url()
    assert booklet.status == Booklet.Status.READY
    assert booklet.progress == 100
    assert booklet.pages and booklet.pages >= 3  # cover, two months, index
    assert booklet.sessions and booklet.sessions > 10
    page = client.get(booklet.get_absolute_url())
    assert "Your booklet is ready" in page.text
    pdf = client.get(f"{booklet.get_absolute_url()}pdf/")
    assert pdf.content.startswith(b"%PDF")
    # The same booklet asked for again today is not rebuilt.
    again = client.post("/ashfield/calendar/booklet/", {"start": "2026-03-01", "end": "2026-04-01"})
    assert again["Location"] == booklet.get_absolute_url()
    assert Booklet.objects.count() == 1


def test_a_booklet_in_progress_is_polled_by_htmx(client: Client, directory: Directory) -> None:
    booklet = Booklet.objects.create(
        area=directory.knit.home_area, start=TODAY.replace(day=1), end=TODAY.replace(day=31)
    )
    page = client.get(booklet.get_absolute_url())
    assert 'hx-trigger="every 2s"' in page.text
    partial = client.get(booklet.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert '<div id="booklet-progress"' in partial.text
    assert 'id="booklet-status" role="status" hx-swap-oob="true">0% done.' in partial.text
    assert "<html" not in partial.text
    assert client.get(f"{booklet.get_absolute_url()}pdf/").status_code == 404  # not ready yet
    build(booklet)
    done = client.get(booklet.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert "Your booklet is ready" in done.text
    assert "hx-trigger" not in done.text  # polling stops


def test_large_print_makes_more_pages(directory: Directory) -> None:
    area = directory.knit.home_area
    normal = build(Booklet.objects.create(area=area, start=TODAY, end=TODAY.replace(month=5)))
    large = build(
        Booklet.objects.create(area=area, start=TODAY, end=TODAY.replace(month=5), large_print=True)
    )
    assert normal.pages and large.pages and large.pages > normal.pages


def test_a_failed_booklet_says_so(client: Client, directory: Directory, caplog: Any) -> None:
    booklet = Booklet.objects.create(
        area=directory.knit.home_area, start=TODAY, end=TODAY.replace(month=4)
    )
    with mock.patch("inspiring.directory.booklets.HTML", side_effect=OSError("No fonts")):
        build(booklet)
    booklet.refresh_from_db()
    assert booklet.status == Booklet.Status.FAILED
    page = client.get(booklet.get_absolute_url()).text
    assert "The booklet could not be made" in page and "Try again" in page
    # The technical detail goes to the log, not to the public page.
    assert "No fonts" not in page
    assert "No fonts" in caplog.text


def test_bad_booklet_requests_are_refused(client: Client, directory: Directory) -> None:
    response = client.post(
        "/ashfield/calendar/booklet/", {"start": "2026-05-01", "end": "2026-03-01"}
    )
    assert "The last month must be the same as or after the first" in response.text
    response = client.post(
        "/ashfield/calendar/booklet/", {"start": "2031-01-01", "end": "2031-02-01"}
    )
    assert "Select a valid choice" in response.text
    assert not Booklet.objects.exists()


# --- Calendar subscriptions (issue 13, item 6) -----------------------------------


def test_the_subscribe_page_offers_webcal_google_outlook_and_apple(
    client: Client, directory: Directory, settings: Any
) -> None:
    settings.SITE_URL = "https://inspiring.example.org"
    response = client.get("/ashfield/calendar/subscribe/", {"category": "walking", "free": "on"})
    assert response.status_code == 200
    html = response.text
    feed = "https://inspiring.example.org/ashfield/calendar.ics?category=walking&amp;free=on"
    assert f'value="{feed}"' in html
    assert 'href="webcal://inspiring.example.org/ashfield/calendar.ics?category=walking' in html
    assert (
        "https://calendar.google.com/calendar/render?cid=webcal%3A//inspiring.example.org"
        "/ashfield/calendar.ics%3Fcategory%3Dwalking%26free%3Don"
    ) in html
    assert "https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2F" in html
    assert "Add to Apple Calendar" in html
    # The filters followed, in words.
    assert "Walking" in html and "Free only" in html
    assert "next 8 weeks" in html


def test_a_subscription_can_follow_one_activity(
    client: Client, directory: Directory, settings: Any
) -> None:
    settings.SITE_URL = "https://inspiring.example.org"
    activity = directory.knitting.public_id
    html = client.get("/ashfield/calendar/subscribe/", {"activity": str(activity)}).text
    assert f"webcal://inspiring.example.org/ashfield/activities/{activity}/calendar.ics" in html
    assert "Follow Knit and Natter in your calendar" in html
    # The activity page links to it.
    page = client.get(f"/ashfield/activities/{activity}/").text
    assert f"/ashfield/calendar/subscribe/?activity={activity}" in page
    # Another area's activity, or nonsense, is a 404.
    choir = directory.singing.public_id
    assert client.get("/ashfield/calendar/subscribe/", {"activity": str(choir)}).status_code == 404
    assert client.get("/ashfield/calendar/subscribe/", {"activity": "x"}).status_code == 404


def test_a_subscription_with_bad_filters_says_what_to_correct(
    client: Client, directory: Directory
) -> None:
    response = client.get("/ashfield/calendar/subscribe/", {"date_from": "soon"})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Enter the start date as a real date" in response.text
    assert "webcal://" not in response.text


def test_the_feed_answers_conditional_requests_with_304(
    client: Client, directory: Directory
) -> None:
    first = client.get("/ashfield/calendar.ics")
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert "public" in first["Cache-Control"]
    again = client.get("/ashfield/calendar.ics", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    since = client.get("/ashfield/calendar.ics", HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    # Other filters are another feed.
    walks = client.get("/ashfield/calendar.ics", {"category": "walking"}, HTTP_IF_NONE_MATCH=etag)
    assert walks.status_code == 200 and walks["ETag"] != etag


def test_a_change_to_the_data_gives_a_new_feed_not_the_cached_one(
    client: Client, directory: Directory
) -> None:
    first = client.get("/ashfield/calendar.ics")
    session = Session.objects.filter(activity=directory.knitting).order_by("start").first()
    assert session is not None
    session.status = Session.Status.CANCELLED
    session.note = "Hall closed for repairs"
    session.save()
    second = client.get("/ashfield/calendar.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    comments = {str(e.get("COMMENT")) for e in Calendar.from_ical(second.content).walk("VEVENT")}
    assert "Hall closed for repairs" in comments
    # A renamed activity too, a minute later (the clock is frozen in these tests).
    later = datetime.combine(TODAY, time(8, 1), tzinfo=LONDON)
    with mock.patch("django.utils.timezone.now", return_value=later):
        directory.knitting.title = "Knit, Natter and Crochet"
        directory.knitting.save()
    third = client.get("/ashfield/calendar.ics")
    assert third["ETag"] != second["ETag"]
    titles = {str(e["SUMMARY"]) for e in Calendar.from_ical(third.content).walk("VEVENT")}
    assert "Knit, Natter and Crochet" in titles


def test_a_removed_session_is_not_hidden_behind_if_modified_since(
    client: Client, directory: Directory
) -> None:
    first = client.get("/ashfield/calendar.ics")
    Session.objects.filter(activity=directory.knitting).order_by("start").first().delete()  # type: ignore[union-attr]
    later = datetime.combine(TODAY, time(8, 1), tzinfo=LONDON)
    with mock.patch("django.utils.timezone.now", return_value=later):
        again = client.get("/ashfield/calendar.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert len(Calendar.from_ical(again.content).walk("VEVENT")) == 15


def test_a_repeat_request_is_served_from_the_cache(client: Client, directory: Directory) -> None:
    client.get("/ashfield/calendar.ics")
    with mock.patch("inspiring.directory.views.public.sessions_calendar") as build:
        again = client.get("/ashfield/calendar.ics")
    assert again.status_code == 200 and again.content.startswith(b"BEGIN:VCALENDAR")
    build.assert_not_called()


def test_the_activity_feed_is_conditional_too(client: Client, directory: Directory) -> None:
    url = f"/ashfield/activities/{directory.knitting.public_id}/calendar.ics"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    later = datetime.combine(TODAY, time(8, 1), tzinfo=LONDON)
    with mock.patch("django.utils.timezone.now", return_value=later):
        schedule = directory.knitting.schedules.get()
        schedule.exdates = ["2026-03-10"]
        schedule.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


# --- Booklets: come back later, an index with page numbers (issue 13, item 8) ----


def test_a_booklet_index_gives_page_numbers_and_links_use_site_url(
    directory: Directory, settings: Any
) -> None:
    settings.SITE_URL = "https://inspiring.example.org"
    booklet = build(
        Booklet.objects.create(
            area=directory.knit.home_area, start=TODAY, end=TODAY.replace(month=4, day=30)
        )
    )
    reader = PdfReader(io.BytesIO(bytes(booklet.pdf or b"")))
    index = reader.pages[-1].extract_text()
    assert "Index" in index
    # "10:00 Knit and Natter Kirkby Community Hall . . . . . 2": dot leaders, then the page.
    knitting = next(line for line in index.splitlines() if "Knit and Natter" in line)
    assert knitting.rstrip().endswith(". 2"), knitting
    cover = reader.pages[0].extract_text().replace("\n", "")
    assert "https://inspiring.example.org/ashfield/whats-on/" in cover
    assert "testserver" not in cover


def test_a_person_can_leave_while_a_booklet_is_made_and_find_it_again(
    client: Client, directory: Directory
) -> None:
    # (The build is queued on commit, which a test's transaction never reaches: not built yet.)
    response = client.post(
        "/ashfield/calendar/booklet/", {"start": "2026-03-01", "end": "2026-04-01"}
    )
    booklet = Booklet.objects.get()
    progress = client.get(response["Location"]).text
    assert "You do not need to wait here" in progress
    again = client.get("/ashfield/calendar/booklet/").text
    assert "Your booklets" in again
    assert f'href="{booklet.get_absolute_url()}"' in again and "being made (0%)" in again
    build(booklet)
    assert "ready to download" in client.get("/ashfield/calendar/booklet/").text
    # Another visitor does not see it as theirs.
    assert "Your booklets" not in Client().get("/ashfield/calendar/booklet/").text


# --- The widget sizes itself; "Add What's on to your website" (issue 13, item 10) -----


def test_the_widget_loads_the_script_that_tells_its_height(
    client: Client, directory: Directory
) -> None:
    html = client.get("/ashfield/whats-on/widget/").text
    assert '<script src="/static/js/whats-on-widget.js" defer></script>' in html
    assert "<script>" not in html  # no inline script: the CSP allows none
    assert 'class="app-widget"' in html and "See everything" in html


def test_coordinators_and_partner_leads_get_the_code_to_copy(
    client: Client, personas: Personas, directory: Directory, settings: Any
) -> None:
    settings.SITE_URL = "https://inspiring.example.org"
    sign_in(client, personas.coordinator)
    home = client.get("/staff/").text
    assert "Add What&#x27;s on to your website" in home
    response = client.get(
        "/staff/whats-on-on-your-website/", {"category": "walking", "free": "on", "limit": "3"}
    )
    assert response.status_code == 200
    code = response.context["code"]
    assert code.startswith(
        '<iframe src="https://inspiring.example.org/ashfield/whats-on/widget/'
        '?category=walking&amp;free=on&amp;limit=3" title="What\'s on: Inspiring Ashfield"'
    )
    assert 'height="400"' in code and "data-inspiring-widget" in code
    assert widget_code("https://x.example/?a=1&b=2", 'Say "hi" <b>') == (
        '<iframe src="https://x.example/?a=1&amp;b=2" title="Say &quot;hi&quot; &lt;b&gt;" '
        'width="100%" height="400" style="border:0" loading="lazy" data-inspiring-widget>'
        '</iframe>\n<script src="https://inspiring.example.org/static/js/whats-on-widget.js" '
        "async></script>"
    )
    assert '<script src="https://inspiring.example.org/static/js/whats-on-widget.js" async>' in code
    # Shown escaped in a box to copy, and previewed as a partner's page would show it.
    assert "&lt;iframe src=" in response.text
    assert 'src="/ashfield/whats-on/widget/?category=walking&amp;free=on&amp;limit=3"' in (
        response.text
    )
    partner = Client()
    sign_in(partner, personas.partner_lead)
    assert "Add What&#x27;s on to your website" in partner.get("/staff/").text
    assert partner.get("/staff/whats-on-on-your-website/").status_code == 200


def test_other_roles_and_bad_choices_on_the_code_page(
    client: Client, personas: Personas, directory: Directory
) -> None:
    sign_in(client, personas.link_worker)
    assert "to your website" not in client.get("/staff/").text
    assert client.get("/staff/whats-on-on-your-website/").status_code == 403
    sign_in(client, personas.coordinator)
    response = client.get("/staff/whats-on-on-your-website/", {"limit": "500"})
    assert "There is a problem" in response.text
    assert "Choose to show 3, 5 or 10 sessions" in response.text
    assert "widget-code" not in response.text
    assert Client().get("/staff/whats-on-on-your-website/").status_code == 302
