"""Done when: a partner's feed, served on loopback, reaches What's on, ORUK and OpenActive;
a broken feed shows its error and changes nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from inspiring.directory.models import Activity, Session
from inspiring.feeds.importing import run_import
from inspiring.feeds.models import FeedImport, FeedSource
from tests.conftest import sign_in
from tests.directory.builders import Directory
from tests.personas import Personas

from .conftest import get_json

pytestmark = pytest.mark.django_db

FEED = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Kirkby Knit and Natter//Google Calendar//EN\r
X-WR-CALNAME:Kirkby groups\r
X-WR-TIMEZONE:Europe/London\r
BEGIN:VEVENT\r
UID:coffee-morning@kirkby.example.org\r
DTSTAMP:20260301T090000Z\r
SUMMARY:Coffee Morning\r
DESCRIPTION:<p>Tea, coffee and a chat.</p><script>alert(1)</script>\r
DTSTART:20260304T100000\r
DTEND:20260304T113000\r
RRULE:FREQ=WEEKLY;BYDAY=WE\r
END:VEVENT\r
END:VCALENDAR\r
"""


class Served:
    """What the loopback server answers with, changeable by the test."""

    body = FEED
    content_type = "text/calendar"


@pytest.fixture
def feed_server(settings: Any) -> Iterator[str]:
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", Served.content_type)
            self.end_headers()
            self.wfile.write(Served.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/kirkby.ics"
    server.shutdown()
    server.server_close()
    Served.body, Served.content_type = FEED, "text/calendar"


@pytest.mark.usefixtures("frozen_today")
def test_a_partners_feed_reaches_whats_on_and_the_open_data(
    client: Client, directory: Directory, feed_server: str
) -> None:
    directory.knit.trusted = True
    directory.knit.save()
    source = FeedSource.objects.create(
        organisation=directory.knit, url=feed_server, default_venue=directory.hall
    )
    record = run_import(source)
    assert (record.outcome, record.created, record.error) == (FeedImport.Outcome.IMPORTED, 1, "")
    activity = Activity.objects.get(title="Coffee Morning")
    assert "<script>" not in activity.description_html
    assert Session.objects.filter(activity=activity, weekday=2).exists()

    page = client.get("/ashfield/whats-on/?q=coffee")
    assert "Coffee Morning" in page.content.decode()
    services = get_json(client, "/api/openreferral/services?search=coffee")
    assert [s["id"] for s in services["contents"]] == [str(activity.public_id)]
    series = get_json(client, "/api/openactive/session-series")["items"]
    assert str(activity.public_id) in {item["id"] for item in series}
    sessions = get_json(client, "/api/openactive/scheduled-sessions")["items"]
    ours = [i for i in sessions if i["data"]["superEvent"].endswith(f"{activity.public_id}/")]
    starts = {i["data"]["startDate"] for i in ours}
    # 10:00 London time all year: GMT in winter, BST in summer.
    assert "2026-03-04T10:00:00+00:00" in starts and "2026-05-13T10:00:00+01:00" in starts
    assert all(start[11:16] == "10:00" for start in starts)


@pytest.mark.usefixtures("frozen_today")
def test_a_broken_feed_shows_its_error_and_changes_nothing(
    client: Client, directory: Directory, personas: Personas, feed_server: str
) -> None:
    directory.knit.trusted = True
    directory.knit.save()
    source = FeedSource.objects.create(organisation=directory.knit, url=feed_server)
    run_import(source)
    before = list(Session.objects.order_by("pk").values_list("pk", "start", "status"))
    Served.body, Served.content_type = b"<!doctype html><title>Sign in</title>", "text/html"
    record = run_import(source, force=True)
    assert record.outcome == FeedImport.Outcome.FAILED and record.error
    assert list(Session.objects.order_by("pk").values_list("pk", "start", "status")) == before
    source.refresh_from_db()
    assert source.health == FeedSource.Health.FAILING and source.last_success_at is not None
    sign_in(client, personas.partner_lead, area=personas.ashfield)
    page = client.get(source.get_absolute_url()).content.decode()
    assert escape(record.error) in page and "Try again" in page
