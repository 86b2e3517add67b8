"""A resident books a place from the activity page, gets an email with a link to their
booking, and cancels it there; what they enter is checked, and nothing is lost."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from inspiring.bookings.actions import do_book
from inspiring.bookings.messages import cancel_token
from inspiring.bookings.models import Booking
from inspiring.directory.models import Activity, Session

from .conftest import PLACES, Bookable

pytestmark = pytest.mark.django_db


def book_url(session: Session, area: str = "ashfield") -> str:
    return reverse("bookings:book", kwargs={"slug": area, "public_id": session.public_id})


def fill(session: Session, **data: str) -> None:
    """Book the session's other places, so it is full."""
    do_book(None, session, name="Someone", places=2, channel=Booking.Channel.LINK_WORKER)
    left = Session.objects.get(pk=session.pk).places_left or 0
    for _ in range(left):
        do_book(None, session, name="Someone else", channel=Booking.Channel.LINK_WORKER)


def test_book_and_cancel_from_the_emailed_link(
    client: Client, bookable: Bookable, django_capture_on_commit_callbacks: object
) -> None:
    page = client.get(bookable.activity.get_absolute_url()).text
    assert f"{PLACES} places left" in page and book_url(bookable.session) in page
    form = client.get(book_url(bookable.session))
    assert form.status_code == 200 and "Book a place" in form.text
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        answer = client.post(
            book_url(bookable.session),
            {"name": "Ann Example", "email": "ann@example.org", "phone": "", "places": "2"},
        )
    booking = Booking.objects.get()
    assert (booking.name, booking.places, booking.status) == ("Ann Example", 2, "booked")
    assert booking.channel == Booking.Channel.ONLINE
    assert answer.status_code == 302
    shown = client.get(answer["Location"])
    assert "Your place is booked" in shown.text and "2 places for Ann Example" in shown.text
    (email,) = mail.outbox
    assert email.to == ["ann@example.org"] and email.subject == "Your booking: Knit and Natter"
    link = re.search(r"https?://\S+/bookings/\S+/", str(email.body))
    assert link is not None and link.group(0).endswith(answer["Location"])
    assert "Kirkby Community Hall" in email.body and "NG17 7AE" in email.body
    assert "1 place left" in client.get(bookable.activity.get_absolute_url()).text
    # Back and Forward to the page, then cancel there.
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        cancelled = client.post(answer["Location"])
    assert cancelled.status_code == 302
    after = client.get(answer["Location"]).text
    assert "Your booking is cancelled" in after and "Cancel my booking" not in after
    assert Session.objects.get(pk=bookable.session.pk).booked == 0
    assert mail.outbox[-1].subject == "Booking cancelled: Knit and Natter"
    # Cancelling again (a second tab) says so and changes nothing.
    again = client.post(answer["Location"])
    assert again.status_code == 200 and "already been cancelled" in again.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "a@example.org", "places": "1"}, "Enter your name"),
        ({"name": "Ann", "email": "", "phone": "", "places": "1"}, "Enter an email address or"),
        ({"name": "Ann", "email": "not-an-email", "places": "1"}, "Enter an email address like"),
        ({"name": "Ann", "phone": "call me", "places": "1"}, "Enter a phone number, like"),
        ({"name": "Ann", "email": "a@example.org", "places": "7"}, "Select a valid choice"),
        ({"name": "Ann", "email": "a@example.org"}, "Select who is coming"),
    ],
)
def test_what_a_resident_enters_is_checked_and_kept(
    client: Client, bookable: Bookable, data: dict[str, str], message: str
) -> None:
    answer = client.post(book_url(bookable.session), data)
    assert answer.status_code == 200 and message in answer.text
    assert "There is a problem" in answer.text and answer.text.count("Error: ") >= 1
    for value in data.values():
        assert f'value="{value}"' in answer.text or value in ("", "1", "2", "7")
    assert not Booking.objects.exists()


def test_a_full_session_offers_its_waiting_list(client: Client, bookable: Bookable) -> None:
    fill(bookable.session)
    page = client.get(bookable.activity.get_absolute_url()).text
    assert "Full: join the waiting list" in page
    form = client.get(book_url(bookable.session)).text
    assert "Join the waiting list" in form and "This session is full" in form
    answer = client.post(
        book_url(bookable.session),
        {"name": "Cat", "email": "cat@example.org", "places": "1", "wait": "yes"},
    )
    assert answer.status_code == 302
    assert Booking.objects.get(name="Cat").status == Booking.Status.WAITING
    assert "You are on the waiting list" in client.get(answer["Location"]).text


def test_the_last_place_taken_meanwhile_is_said_and_nothing_is_lost(
    client: Client, bookable: Bookable
) -> None:
    form_seen_with_places = client.get(book_url(bookable.session)).text
    assert "Book a place" in form_seen_with_places
    fill(bookable.session)  # someone else books the last places meanwhile
    answer = client.post(
        book_url(bookable.session), {"name": "Dan", "email": "dan@example.org", "places": "1"}
    )
    assert answer.status_code == 200
    assert "not enough places left" in answer.text and "Join the waiting list" in answer.text
    assert 'value="Dan"' in answer.text and 'value="dan@example.org"' in answer.text
    assert not Booking.objects.filter(name="Dan").exists()


def test_a_group_booking_through_link_workers_only(client: Client, bookable: Bookable) -> None:
    Activity.objects.filter(pk=bookable.activity.pk).update(public_booking=False)
    page = client.get(bookable.activity.get_absolute_url()).text
    assert f"{PLACES} places left" in page and book_url(bookable.session) not in page
    answer = client.post(
        book_url(bookable.session), {"name": "Ann", "email": "a@example.org", "places": "1"}
    )
    assert answer.status_code == 409 and "through link workers only" in answer.text
    assert not Booking.objects.exists()


def test_a_group_that_asks_people_to_come_alone_books_one_place(
    client: Client, bookable: Bookable
) -> None:
    Activity.objects.filter(pk=bookable.activity.pk).update(bring_someone=Activity.BringSomeone.NO)
    form = client.get(book_url(bookable.session)).text
    assert "Me and someone coming with me" not in form
    client.post(book_url(bookable.session), {"name": "Ann", "email": "a@x.org", "places": "2"})
    assert not Booking.objects.exists()  # 2 is not a choice here
    client.post(book_url(bookable.session), {"name": "Ann", "email": "a@x.org", "places": "1"})
    assert Booking.objects.get().places == 1


def test_sessions_people_cannot_see_and_altered_links_are_not_found(
    client: Client, bookable: Bookable
) -> None:
    # Knit and Natter is Ashfield's; Newark and Sherwood does not see it.
    assert client.get(book_url(bookable.session, "newark-and-sherwood")).status_code == 404
    assert (
        client.get("/ashfield/sessions/00000000-0000-4000-8000-000000000000/book/").status_code
        == 404
    )
    booking = do_book(None, bookable.session, name="Ann", channel=Booking.Channel.ONLINE)
    token = cancel_token(booking)
    assert client.get(reverse("bookings:booking", args=[token])).status_code == 200
    for altered in (token[:-2] + "xx", "nonsense", token + "a"):
        assert client.get(reverse("bookings:booking", args=[altered])).status_code == 404
        assert client.post(reverse("bookings:booking", args=[altered])).status_code == 404
    assert Booking.objects.get().status == Booking.Status.BOOKED


def test_too_many_bookings_from_one_place_are_refused_and_nothing_is_lost(
    client: Client, bookable: Bookable, settings: object
) -> None:
    settings.BOOKINGS_PER_ADDRESS_HOURLY = 1  # type: ignore[attr-defined]
    data = {"name": "Ann", "email": "a@example.org", "places": "1"}
    assert client.post(book_url(bookable.session), data).status_code == 302
    again = client.post(book_url(bookable.later), {**data, "name": "Bob"})
    assert again.status_code == 429 and "Wait an hour" in again.text
    assert 'value="Bob"' in again.text
    assert list(Booking.objects.values_list("name", flat=True)) == ["Ann"]


def test_an_ipv6_sender_counts_as_one_across_their_64(
    client: Client, bookable: Bookable, settings: object
) -> None:
    # Rotating addresses inside one /64 (one household or device) does not get round it.
    settings.BOOKINGS_PER_ADDRESS_HOURLY = 1  # type: ignore[attr-defined]
    data = {"name": "Ann", "email": "a@example.org", "places": "1"}
    first = client.post(book_url(bookable.session), data, REMOTE_ADDR="2001:db8:1:2::1")
    assert first.status_code == 302
    same_64 = client.post(
        book_url(bookable.later), {**data, "name": "Bob"}, REMOTE_ADDR="2001:db8:1:2::99"
    )
    assert same_64.status_code == 429
    other_64 = client.post(
        book_url(bookable.later), {**data, "name": "Cy"}, REMOTE_ADDR="2001:db8:1:3::1"
    )
    assert other_64.status_code == 302
