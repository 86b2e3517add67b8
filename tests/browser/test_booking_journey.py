"""A resident books a place on a phone and on a desktop, as the public does: the places
left on the activity page, errors first, the booking page (Back and Forward), the
emailed link, cancelling; and a full session's waiting list. Each page checked with axe
(issue 21)."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from inspiring.bookings.models import Booking
from inspiring.directory.materialise import materialise_all
from inspiring.directory.models import Activity, Schedule, Session
from tests.directory.builders import activity, organisation, venue, weekly

from .conftest import axe_violations

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1100, "height": 900}}


@pytest.fixture
def walking(demo_ashfield: Any) -> Activity:
    """A weekly walk with 2 places a session, booked online, greeted by Jo: from
    tomorrow, so that its first session has not started whenever the test runs (today's
    10:00 had, between 10:00 and 11:00, and booking it was refused)."""
    group = organisation(demo_ashfield, "Ashfield Walkers")
    park = venue(group, "Kings Mill Reservoir car park", "NG17 4PH", town="Sutton-in-Ashfield")
    item = activity(group, "Reservoir Walk", at=park, categories=("walking",))
    Activity.objects.filter(pk=item.pk).update(public_booking=True, greeter="Jo, in a red coat")
    tomorrow = timezone.localdate() + timedelta(days=1)
    weekly(item, "", time(10), time(11), from_date=tomorrow, rrule="FREQ=WEEKLY")
    Schedule.objects.filter(activity=item).update(places=2)
    materialise_all()
    return Activity.objects.get(pk=item.pk)


@pytest.mark.parametrize("size", SIZES)
def test_a_resident_books_and_cancels_a_place(page: Any, walking: Activity, size: str) -> None:
    page.set_viewport_size(SIZES[size])
    page.goto(walking.get_absolute_url())
    assert "2 places left" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile("^Book a place")).first.click()
    page.get_by_role("heading", name="Book a place").wait_for()
    book_path = "/" + page.url.split("/", 3)[3]
    assert axe_violations(page) == []

    # Nothing filled in: each problem in the summary, linked to its field.
    page.get_by_role("button", name="Book a place").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Enter your name" in summary.inner_text()
    assert axe_violations(page) == []
    summary.get_by_role("link", name="Enter your name").click()
    assert page.evaluate("document.activeElement.name") == "name"
    page.get_by_label("Your name").fill("Sam Hill")
    page.get_by_label("Phone number").fill("call me")
    page.get_by_role("button", name="Book a place").click()
    summary.wait_for()
    assert "Enter a phone number" in summary.inner_text()
    assert page.get_by_label("Your name").input_value() == "Sam Hill"
    page.get_by_label("Phone number").fill("")
    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_label("Me and someone coming with me").check()
    page.get_by_role("button", name="Book a place").click()
    page.get_by_role("heading", name="Your place is booked").wait_for()
    text = page.locator("main").inner_text()
    assert "2 places for Sam Hill" in text and "Jo, in a red coat" in text
    assert "Kings Mill Reservoir car park" in text
    assert axe_violations(page) == []
    booked_at = page.url

    # Back to the form (the entry before is the form as last shown with its errors,
    # which the browser asks to send again: the form itself, opened again) says it is
    # booked; Forward again: the booking stands, once.
    page.goto(page.url.split("/bookings/")[0] + book_path)
    page.goto(booked_at)
    page.go_back()
    page.get_by_text("You have booked this session already").wait_for()
    assert axe_violations(page) == []
    page.go_forward()
    page.get_by_role("heading", name="Your place is booked").wait_for()
    assert Booking.objects.filter(status=Booking.Status.BOOKED).count() == 1
    page.goto(walking.get_absolute_url())
    assert "Full: join the waiting list" in page.locator("main").inner_text()

    # The emailed link opens the same page, where the booking is cancelled.
    (email,) = mail.outbox
    link = re.search(r"https?://\S+/bookings/\S+/", str(email.body))
    assert link is not None and booked_at.endswith(link.group(0).split("/", 3)[3])
    page.goto(booked_at)
    page.get_by_role("button", name="Cancel my booking").click()
    page.get_by_role("heading", name="Your booking is cancelled").wait_for()
    assert axe_violations(page) == []
    assert Session.objects.filter(activity=walking, booked__gt=0).count() == 0
    page.goto(walking.get_absolute_url())
    assert "2 places left" in page.locator("main").inner_text()


def test_a_full_session_takes_names_for_its_waiting_list(page: Any, walking: Activity) -> None:
    from inspiring.bookings.actions import do_book

    page.set_viewport_size(SIZES["phone"])
    session = (
        Session.objects.filter(activity=walking, start__gt=timezone.now()).order_by("start").first()
    )
    assert session is not None
    do_book(None, session, name="Ann", places=2, channel=Booking.Channel.ONLINE)
    page.goto(walking.get_absolute_url())
    page.get_by_role("link", name=re.compile("^Join the waiting list")).first.click()
    page.get_by_role("heading", name="Join the waiting list").wait_for()
    assert "This session is full" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Your name").fill("Cat")
    page.get_by_label("Email address").fill("cat@example.org")
    page.get_by_role("button", name="Join the waiting list").click()
    page.get_by_role("heading", name="You are on the waiting list").wait_for()
    assert axe_violations(page) == []
    assert Booking.objects.get(name="Cat").status == Booking.Status.WAITING
