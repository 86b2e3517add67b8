"""The month view, the printable sheet and PDF, the widget, and calendar booklets."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client

from inspiring.directory.booklets import build
from inspiring.directory.models import Booklet

from .builders import Directory
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


def test_the_printable_sheet_as_html_and_pdf(client: Client, directory: Directory) -> None:
    week = client.get("/ashfield/whats-on/print/", {"period": "week"})
    assert week.status_code == 200
    assert "Tuesday 3 March" in week.text and "Saturday 7 March" in week.text
    pdf = client.get("/ashfield/whats-on/print/", {"period": "month", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/ashfield/whats-on/print/", {"period": "year"}).status_code == 404


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
